"""Put a package that lives outside this directory into the built wheel, and only there.

hatchling's ``force-include`` also copies into editable installs, where the copy in
site-packages shadows the checkout (a ``.pth`` entry comes after site-packages on
``sys.path``), so an edit is not what runs outside the repository root. This hook adds
the ``wheel-only-force-include`` mapping of its table to standard wheels; an editable
install is then only the ``dev-mode-dirs`` ``.pth`` naming the repository root.

(``client/hatch_build.py`` and ``clocks/hatch_build.py`` are the same file: each
distribution builds from its own directory.)
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class WheelOnlyForceInclude(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "standard":
            build_data["force_include"].update(self.config["wheel-only-force-include"])
