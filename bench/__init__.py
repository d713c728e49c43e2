"""The benchmark: ``python -m bench`` (see ``docs/performance.md``)."""
