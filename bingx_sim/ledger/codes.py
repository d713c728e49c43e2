"""The business errors the ledger answers, with BingX's codes and messages.

USDT-M codes were renamed on 2025-10-16 (BingX API change log: 80014→109400,
80016→109421, 80017/80018→109422, 80012→109500). ``code_set="2025-10"`` (the default)
answers the new codes; ``"legacy"`` the old ones, only where the two differ. Messages are
BingX's own where its error tables list one (bingx-api.github.io swapV2 trade API, as
scraped in rosssaunders/coincise 2025-11); the few marked *inferred* are our wording.

Every refusal is raised as :class:`Refused` carrying an
:class:`~bingx_sim.rules.errors.ApiError`; the ledger guarantees its state is unchanged
when one escapes.
"""

from __future__ import annotations

from typing import Final, Literal

from bingx_sim.rules.errors import ApiError

__all__ = [
    "INSUFFICIENT_MARGIN",
    "NO_POSITION",
    "POST_ONLY_WOULD_TAKE",
    "REDUCE_ONLY_WOULD_OPEN",
    "CodeSet",
    "Codes",
    "Refused",
]

CodeSet = Literal["2025-10", "legacy"]

INSUFFICIENT_MARGIN: Final = 101204
NO_POSITION: Final = 101205
POST_ONLY_WOULD_TAKE: Final = 101215
REDUCE_ONLY_WOULD_OPEN: Final = 101290
BELOW_MINIMUM: Final = 101400
DUPLICATE_CLIENT_ID: Final = 101481
POSITION_MODE_LOCKED: Final = 104103
STOP_LOSS_NOT_BELOW: Final = 110411
STOP_LOSS_NOT_ABOVE: Final = 110412
TAKE_PROFIT_WRONG_SIDE: Final = 110413

_RENAMED: Final = {  # 2025-10 code -> legacy code
    109400: 80014,
    109421: 80016,
    109422: 80018,
    109500: 80012,
}


class Refused(Exception):
    """An operation the exchange refuses; ``error`` is what the REST layer answers."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(f"{error.code}: {error.msg}")
        self.error = error


class Codes:
    """Builds refusals in one code set, so call sites name the situation, not the code."""

    def __init__(self, code_set: CodeSet = "2025-10") -> None:
        if code_set not in ("2025-10", "legacy"):
            raise ValueError(f"unknown code set {code_set!r}")
        self.code_set: CodeSet = code_set

    def code(self, new_code: int) -> int:
        """The code of this set for a 2025-10 code."""
        return _RENAMED.get(new_code, new_code) if self.code_set == "legacy" else new_code

    def refuse(self, new_code: int, msg: str) -> Refused:
        return Refused(ApiError(self.code(new_code), msg))

    # -- request shape --------------------------------------------------------------

    def invalid(self, detail: str) -> Refused:
        """A missing or malformed parameter (109400, legacy 80014)."""
        return self.refuse(109400, f"Invalid parameters, err: {detail}")

    def unknown_symbol(
        self, symbol: str, contracts_path: str = "/openApi/swap/v2/quote/contracts"
    ) -> Refused:
        """An unknown symbol; the message names the product's contract list."""
        return self.refuse(
            109400, f"{symbol},symbol not exist, please verify it in api: {contracts_path}"
        )

    def unsupported(self, feature: str) -> Refused:
        """A real BingX feature the simulator does not model: one code, one message."""
        return self.refuse(109400, f"{feature} is not supported by bingx-sim")

    def position_side_for_mode(self, hedge: bool, field: str = "PositionSide") -> Refused:
        if hedge:
            text = f"In the Hedge mode, the '{field}' field can only be set to LONG or SHORT."
        else:
            text = f"In the One-way mode, the '{field}' field can only be set to BOTH."
        return self.refuse(109400, text)

    def reduce_only_in_hedge(self) -> Refused:
        # BingX documents reduceOnly as "not accepted" in hedge mode; the wording is ours.
        return self.invalid("reduceOnly is not accepted in the Hedge mode")

    # -- orders ---------------------------------------------------------------------

    def order_not_found(self) -> Refused:
        return self.refuse(109421, "order does not exist")

    def order_filled(self) -> Refused:
        return self.refuse(109422, "order is already filled, The order doesn't exist")

    def insufficient_margin(self) -> Refused:
        return self.refuse(INSUFFICIENT_MARGIN, "Insufficient margin")

    def no_position(self) -> Refused:
        return self.refuse(NO_POSITION, "No position to close")

    def reduce_only_would_open(self) -> Refused:
        return self.refuse(
            REDUCE_ONLY_WOULD_OPEN,
            "The Reduce Only order can only decrease the position and not be used to open a "
            "position. Please check your positions and open orders.",
        )

    def post_only_would_take(self) -> Refused:
        return self.refuse(
            POST_ONLY_WOULD_TAKE,
            "The Maker (Post Only) order ensures that the user always acts as a maker. If the "
            "order would immediately match with available orders in the market, it will be "
            "canceled.",
        )

    def duplicate_client_id(self) -> Refused:
        return self.refuse(DUPLICATE_CLIENT_ID, "clientOrderID cannot be repeated")

    def below_min_quantity(self, minimum: str, asset: str) -> Refused:
        return self.refuse(BELOW_MINIMUM, f"The minimum order amount is {minimum} {asset}.")

    def below_min_notional(self, minimum: str) -> Refused:
        return self.refuse(
            BELOW_MINIMUM,
            "Please ensure that the minimum nominal value of the order placed must be greater "
            f"than {minimum}u",
        )

    def trigger_on_wrong_side(self, order_type: str, side: str) -> Refused:
        """A stop or take-profit whose trigger is already crossed (110411-110413)."""
        if order_type == "STOP_MARKET" and side == "SELL":
            return self.refuse(
                STOP_LOSS_NOT_BELOW, "Stop Loss price should be lower than the current price"
            )
        if order_type == "STOP_MARKET":
            return self.refuse(
                STOP_LOSS_NOT_ABOVE, "Stop Loss price should be greater than the current price"
            )
        if side == "SELL":
            return self.refuse(
                TAKE_PROFIT_WRONG_SIDE,
                "Take Profit price should be greater than the current price",
            )
        # Inferred: the documented table has no "lower" twin for take-profit buys.
        return self.refuse(
            TAKE_PROFIT_WRONG_SIDE, "Take Profit price should be lower than the current price"
        )

    # -- account settings -----------------------------------------------------------

    def margin_not_enough(self) -> Refused:
        """Set-leverage's refusal when the new leverage leaves too little margin."""
        return self.refuse(109400, "margin is not enough")

    def has_positions_or_orders(self) -> Refused:
        """Change-margin-type's refusal while the symbol has exposure."""
        return self.refuse(109400, "the account has positions or pending orders")

    def position_mode_locked(self) -> Refused:
        # 104103 per BingX's AI-skills error list (2026-04); the wording is inferred.
        return self.refuse(
            POSITION_MODE_LOCKED,
            "The position mode cannot be changed while there are positions or pending orders",
        )

    def insufficient_balance(self) -> Refused:
        """A withdrawal above the available margin (inferred: the margin code)."""
        return self.refuse(INSUFFICIENT_MARGIN, "Insufficient margin")
