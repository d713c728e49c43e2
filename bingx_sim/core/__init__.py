"""The running exchange: ``SimState`` (the one home of every operation) and the parts it
holds: fault desk, fan-out, socket registry, journal, clocks, effects."""
