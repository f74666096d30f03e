"""The engine's layering (docs/architecture.md): below the adapters, no cycles, nothing hidden."""

from __future__ import annotations

import ast
from pathlib import Path

import sopdesk.engine

ABOVE_THE_ENGINE = (
    "sopdesk.channels",
    "sopdesk.web",
    "sopdesk.cli",
    "sopdesk.desktests",
    "sopdesk.demo",
    "sopdesk.handlers",
)
ROOT = Path(sopdesk.engine.__file__).parent


def _engine_modules() -> dict[str, Path]:
    return {
        f"sopdesk.engine.{p.stem}": p for p in sorted(ROOT.glob("*.py")) if p.stem != "__init__"
    }


def _imports(tree: ast.AST) -> list[tuple[str, int, bool]]:
    """(module, line, at module level) for every sopdesk import in the tree."""
    top = {id(node) for node in getattr(tree, "body", [])}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.startswith("sopdesk"):
                found.append((name, node.lineno, id(node) in top))
    return found


def _parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_the_engine_imports_no_adapter() -> None:
    offenders = [
        f"{path.name}:{line} imports {name}"
        for path in _engine_modules().values()
        for name, line, _ in _imports(_parse(path))
        if any(name == bad or name.startswith(bad + ".") for bad in ABOVE_THE_ENGINE)
    ]
    assert offenders == []


def test_no_function_local_imports_hide_a_cycle() -> None:
    offenders = [
        f"{path.name}:{line} imports {name} inside a function"
        for path in _engine_modules().values()
        for name, line, at_top in _imports(_parse(path))
        if not at_top
    ]
    assert offenders == []


def _graph() -> dict[str, set[str]]:
    modules = _engine_modules()
    return {
        name: {dep for dep, _, _ in _imports(_parse(path)) if dep in modules and dep != name}
        for name, path in modules.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_engine_modules_form_no_import_cycle() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]
