"""Moved to the public :mod:`bingx_clocks`; this path keeps working for old imports."""

from bingx_clocks import freezegun_supported, real_monotonic, wall_time_ms

__all__ = ["freezegun_supported", "real_monotonic", "wall_time_ms"]
