"""``python -m bingx_sim serve`` / ``python -m bingx_sim demo``."""

from bingx_sim.runners.cli import main

raise SystemExit(main())
