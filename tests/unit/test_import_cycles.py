"""No import cycle among twofold's modules, counting imports inside functions too: a cycle
hidden behind a local import (as services/servers ↔ services/server_scopes once was) is a
piece shared by two modules that belongs in one of them or below both."""
from __future__ import annotations

import ast
from pathlib import Path

import twofold

ROOT = Path(twofold.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:  # Alembic loads these by path, never by import
            continue
        parts = ("twofold",) + path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # `from . import x` names a module, `from .x import y` a member
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                cycles.append(sorted(component + [v]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycles():
    modules = _modules()
    assert "twofold.services.servers" in modules
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_a_cycle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_console_renders_service_objects_not_okta_views():
    """The console shows what the services return; it borrows no Okta adapter module (of the
    package dialects/okta: Okta's names for the log, dialects/okta_log_names, are shared)."""
    modules = _modules()
    console = [name for name in modules if name.startswith("twofold.dialects.console")]
    borrowed = {(name, m) for name in console for m in _imports(name, modules[name], modules)
                if m == "twofold.dialects.okta" or m.startswith("twofold.dialects.okta.")}
    assert borrowed == set()
