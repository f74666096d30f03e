"""Shipped desks ("packs") that `sopdesk init` copies into a new desk folder.

The starter pack encodes the five seed SOPs; see docs/seeds.md for the mapping.
"""

from __future__ import annotations

from pathlib import Path

from sopdesk.errors import NotFound

_ROOT = Path(__file__).parent


def list_packs() -> list[str]:
    """The names of the shipped packs, sorted."""
    return sorted(p.name for p in _ROOT.iterdir() if p.is_dir() and (p / "desk.yaml").is_file())


def pack_path(name: str) -> Path:
    """The folder of the shipped pack `name`; NotFound names the packs there are."""
    if name in list_packs():
        return _ROOT / name
    raise NotFound(f"there is no pack '{name}'; the packs are: {', '.join(list_packs())}")
