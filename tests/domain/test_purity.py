"""The domain rule: sopdesk/domain imports no adapter and no I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import sopdesk.domain

FORBIDDEN = {
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "jinja2",
    "httpx",
    "requests",
    "smtplib",
    "socket",
    "sopdesk.store",
    "sopdesk.web",
    "sopdesk.engine",
    "sopdesk.channels",
    "sopdesk.desk",
    "sopdesk.cli",
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_domain_imports_no_adapter_or_io_library() -> None:
    root = Path(sopdesk.domain.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert files, "the domain package has no modules"
    offenders = [
        f"{path.relative_to(root)} imports {name}"
        for path in files
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]
    assert offenders == []


def test_purity_check_catches_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import select\nimport sopdesk.store.db\n", encoding="utf-8")
    assert _imports(bad) == ["sqlalchemy", "sopdesk.store.db"]
