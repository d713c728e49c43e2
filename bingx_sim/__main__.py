"""``python -m bingx_sim serve`` / ``python -m bingx_sim demo``."""

from .cli import main

raise SystemExit(main())
