"""167 USDT-M symbols: the volume of ``SNAPSHOT`` config frames seen on VST.

An idle demo (VST) session was seen receiving 667 ``SNAPSHOT`` frames in 20 s in
2026-06, one frame per symbol: about 167 symbols repeated every 5 s
(``docs/contract.md``, "config frames"). With ``snapshot_symbols=USDT_M_SYMBOLS`` the
simulator sends one frame per symbol of this list, so a client meets the same volume it
meets there (by default: one per contract the simulator lists).
The names are well-known coins in BingX's ``BASE-USDT`` form (``MTL-USDT`` is the one
seen in the recorded frame); what the exchange lists changes with time, so nothing
should depend on the exact list, only on its size.
"""

from __future__ import annotations

from typing import Final

__all__ = ["USDT_M_SYMBOLS"]

_BASES = """
BTC ETH SOL XRP DOGE ADA AVAX LINK DOT TRX POL LTC BCH SHIB UNI ATOM XLM ETC FIL APT
ARB OP NEAR ICP HBAR VET INJ SUI SEI TIA STX IMX RNDR GRT AAVE MKR SNX CRV LDO RUNE
ALGO EGLD FTM SAND MANA AXS APE GALA CHZ ENJ FLOW THETA XTZ EOS NEO KAVA ZIL ONE
IOTA QTUM ZEC DASH XMR WAVES KSM COMP YFI SUSHI 1INCH BAL ZRX BAT ENS LRC DYDX GMX
BLUR PEPE FLOKI BONK WIF ORDI SATS JUP PYTH JTO STRK WLD FET AGIX OCEAN AR ROSE CELO
MINA KLAY CFX ACH ANKR AUDIO BAND BNT C98 CELR CKB COTI CTSI DENT DGB DUSK GLM HOT
ICX IOST IOTX JASMY KNC LINA LPT LUNA LUNC MASK MTL NKN OGN OMG ONT PEOPLE PERP QNT
REEF REN RLC RSR RVN SFP SKL SLP SPELL STORJ SXP TRB TWT UMA UNFI WOO XEM XVS YGG
ZEN ALICE ARPA ATA BAKE BEL CHR DODO FLM GTC HIGH HOOK ID JOE LEVER LIT MAGIC MAV
"""

USDT_M_SYMBOLS: Final = tuple(f"{base}-USDT" for base in _BASES.split())
"""167 symbols: one ``SNAPSHOT`` frame each per ``snapshot_interval``."""
