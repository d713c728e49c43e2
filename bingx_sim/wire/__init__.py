"""Wire adapters (aiohttp): the one REST pipeline and its endpoint rows, the account
websockets, the ``/_sim/`` control API. They translate HTTP and frames into
``SimState`` operations and back, nothing else."""
