"""The exchange's rules, pure: synchronous, no I/O, no clock reads (every call takes
``now_ms``). Listen keys, signing, parameters, errors, options, event routing, rate
budgets, scripted prices, reference data."""
