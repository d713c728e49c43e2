"""The lab: fault specs, the incident catalogue built from them, stubs, and the handles
the facade returns."""
