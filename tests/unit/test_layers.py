"""The tree has no import cycle among the project's modules (docs/decisions/0011-layers.md).

An AST check over ledger/, projections/ and scripts/, beside pyproject.toml's import-linter
contracts (which see packages; this sees modules). What counts: the imports a module makes at
module level, including those in ``if``/``try`` blocks, class bodies and ``if TYPE_CHECKING:``
blocks (a type-only import still ties the two modules together). What does not: imports inside a
function, which run only when it is called (the command loads the web board so, lazily). An import
of ``pkg.mod`` counts as an edge to that module only, not to its parent packages.

No edge is allowed to close a cycle: the command's group (scripts/cli/main.py) names its command
modules in one place and imports each when its command runs (the command starts fast), and the
command modules import only scripts/cli/common.py, never the group.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "projections", "scripts")
#: Edges (importer, imported) allowed to close a cycle; see the module's docstring.
ALLOWED: set[tuple[str, str]] = set()

Graph = dict[str, set[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements run when the module is imported (not those inside functions)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        else:
            for field in ("body", "orelse", "finalbody"):
                yield from module_level(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                yield from module_level(handler.body)


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in module_level(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            target = f"{base}.{alias.name}"
            if target in modules:
                found.add(target)
            elif base in modules:
                found.add(base)
    found.discard(name)
    return found


def import_graph() -> Graph:
    modules = project_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def without_allowed(graph: Graph) -> Graph:
    return {a: {b for b in targets if (a, b) not in ALLOWED} for a, targets in graph.items()}


def test_the_cycle_finder_finds_a_cycle_of_three_and_nothing_in_a_chain() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_sees_the_imports_of_the_project() -> None:
    graph = import_graph()
    assert "projections.basis" in graph["projections.snapshots"]
    assert "ledger.domain.rules" in graph["ledger.domain.race"]  # from ledger.domain import rules
    assert "scripts.cli.common" in graph["scripts.cli.questions"]
    assert "scripts.cli.options" in graph["scripts.cli.main"]
    assert "scripts.cli.questions" not in graph["scripts.cli.main"]  # named, imported when run
    assert "scripts.board.app" not in graph["scripts.serve"]  # imported inside `serve`
    assert "scripts.serve" not in graph["scripts.cli.main"]  # named, imported when run


def test_no_module_of_the_project_imports_itself_back_at_module_level() -> None:
    assert cycles(without_allowed(import_graph())) == []


def test_the_web_board_imports_no_command_module_even_inside_a_function() -> None:
    modules = project_modules()
    command = {name for name in modules if name == "scripts.cli" or name.startswith("scripts.cli.")}
    command |= {name for name in modules if name.startswith(("scripts.demo.", "scripts.bench."))}
    for name, path in modules.items():
        if name == "scripts.board" or name.startswith("scripts.board."):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            named = {f"{n.module}.{a.name}" if isinstance(n, ast.ImportFrom) else a.name
                     for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                     for a in n.names} | {n.module for n in ast.walk(tree)
                                          if isinstance(n, ast.ImportFrom) and n.module}
            assert not named & command, f"{name} imports {sorted(named & command)}"


def test_no_edge_needs_to_be_allowed_the_tree_has_no_cycle_at_all() -> None:
    assert not ALLOWED
    assert cycles(import_graph()) == []


def test_the_command_modules_import_the_common_module_and_never_the_group() -> None:
    graph = import_graph()
    commands = [name for name in graph if name.startswith("scripts.cli.") and name != "scripts.cli.main"]
    assert "scripts.cli.questions" in commands
    for name in commands:
        assert "scripts.cli.main" not in graph[name], name
    assert "scripts.cli.common" in graph["scripts.cli.questions"]


def imported_names(path: Path) -> set[str]:
    """Every module a file names in an import, at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_the_parsers_import_nothing_of_the_project_but_the_domain_and_themselves() -> None:
    parsers = {name: path for name, path in project_modules().items()
               if name == "ledger.formats" or name.startswith("ledger.formats.")}
    assert {"ledger.formats.csv_results", "ledger.formats.vantage", "ledger.formats.jsonl"} <= set(parsers)
    for name, path in parsers.items():
        ours = {m for m in imported_names(path) if m.split(".")[0] in PACKAGES}
        beyond = {m for m in ours if not m.startswith(("ledger.domain", "ledger.formats"))}
        assert not beyond, f"{name} imports {sorted(beyond)}"


def test_the_loaders_take_the_batch_from_its_module_never_from_the_package() -> None:
    graph = import_graph()
    loaders = [name for name in graph if name.startswith("ledger.importing.")]
    assert {"ledger.importing.results", "ledger.importing.vantage"} <= set(loaders)
    for name in loaders:
        assert "ledger.importing" not in graph[name], name
    assert "ledger.importing.batch" in graph["ledger.importing.vantage"]
