"""Fixtures for desk tests: the starter pack, the base fixture desk, and broken overlays.

A broken desk is `tests/fixtures/desks/base` with one overlay folder copied on top.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sopdesk.packs import pack_path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "desks"


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    target = tmp_path / "starter"
    shutil.copytree(pack_path("starter"), target)
    return target


@pytest.fixture
def make_desk(tmp_path: Path) -> Callable[[str], Path]:
    def make(overlay: str) -> Path:
        target = tmp_path / overlay
        shutil.copytree(FIXTURES / "base", target)
        if overlay != "base":
            shutil.copytree(FIXTURES / overlay, target, dirs_exist_ok=True)
        return target

    return make
