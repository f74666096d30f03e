"""Real desks for tests that need one but no particular one: the starter pack, loaded once."""

from __future__ import annotations

from functools import cache

from sopdesk.desk.load import load_desk
from sopdesk.domain.desk import Desk
from sopdesk.packs import pack_path


@cache
def starter_desk() -> Desk:
    return load_desk(pack_path("starter"))
