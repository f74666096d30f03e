"""The starter desk's triager, trained once for the whole session (training takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopdesk.desk import load_desk
from sopdesk.domain.desk import Desk
from sopdesk.packs import pack_path
from sopdesk.triage import Triager

EVAL = pack_path("starter") / "eval"


@pytest.fixture(scope="session")
def starter_desk() -> Desk:
    return load_desk(pack_path("starter"))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def triager(starter_desk: Desk, model_dir: Path) -> Triager:
    return Triager.for_desk(starter_desk, model_dir)
