"""The import graph of ``bingx_sim`` and ``bingx`` has no cycle.

The graph is read from the source with :mod:`ast`, not by importing anything: every
module of both packages, every ``import`` and ``from ... import`` in it (absolute or
relative, at module level or inside a function, class, ``try`` or ``if``). An edge goes
from a module to each module of the two packages it imports: ``import a.b`` and
``from a import b`` (``a.b`` a module) point at ``a.b``; ``from a import name`` (a name
that is not a module) points at the package ``a`` (its ``__init__``). The parent packages
Python runs first are not edges of their own, so a package whose ``__init__`` resolves
names lazily does not put every module on a cycle.

Imports under ``if TYPE_CHECKING:`` are left out: they never run (they exist for the
type checker, which handles cycles). Imports made by ``importlib.import_module`` are not
seen (``bingx_sim/__init__.py`` resolves its names that way, on first use).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bingx_sim", "bingx")

Graph = dict[str, set[str]]


def _modules() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth; not the body of an
    ``if TYPE_CHECKING:`` (its ``else`` does run)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from`` import names (relative ones resolved)."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]  # a module's level 1 is its package
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def build_graph(modules: dict[str, Path]) -> Graph:
    graph: Graph = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _base(name, is_package, node)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected component
    of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: Graph, component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first)."""
    start = min(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def test_the_packages_import_graph_has_no_cycle() -> None:
    found = cycles(build_graph(_modules()))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_graph_sees_every_kind_of_import() -> None:
    """The scan itself: relative, absolute, in a function, and not under TYPE_CHECKING."""
    modules = _modules()
    graph = build_graph(modules)
    assert len(modules) > 50
    assert "bingx.policy_types" in graph["bingx.policy"]  # from .policy_types import *
    assert "bingx.policy" in graph["bingx"]  # from . import events, policy (a package)
    assert "bingx_sim.wire.pipeline" in graph["bingx_sim.wire.app"]  # absolute
    assert "bingx_sim.runners.sandbox" in graph["bingx_sim.runners.cli"]  # inside main()
    assert "bingx_sim.defaults" in graph["bingx_sim.pytest_plugin"]
    # bingx_sim/__init__.py imports its public names only under TYPE_CHECKING.
    assert graph["bingx_sim"] == set()


def test_a_cycle_is_found_and_printed_as_a_path() -> None:
    graph: Graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_relative_imports_resolve_from_a_module_and_from_a_package() -> None:
    def base(module: str, is_package: bool, source: str) -> str:
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.ImportFrom)
        return _base(module, is_package, node)

    assert base("bingx.policy", False, "from .policy_types import X") == "bingx.policy_types"
    assert base("bingx", True, "from . import policy") == "bingx"
    assert base("bingx_sim.wire.app", False, "from ..core import state") == "bingx_sim.core"
    assert base("bingx_sim.core", True, "from .. import defaults") == "bingx_sim"
