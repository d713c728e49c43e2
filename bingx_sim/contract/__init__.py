"""The contract suite: one set of tests for the simulator and the real exchange.

Run it against the simulator, BingX's demo hosts, or live::

    pytest --pyargs bingx_sim.contract --bingx-target=sim,vst

Real targets read ``BINGX_API_KEY`` / ``BINGX_API_SECRET`` and are skipped without them.
The tests speak raw HTTP and websocket (``requests``, ``websocket-client``), not our
client, so they check the exchange, not the client.
"""
