"""Runs the sopdesk CLI under cProfile in every thread: `python -m bench.load_profile OUT ARGS`.

cProfile sees only the thread that enabled it, and FastAPI runs the API's plain functions in a
thread pool; so each thread started here gets its own profiler, and at exit all are merged
into the one pstats file OUT (bench/load.py --profile).
"""

from __future__ import annotations

import atexit
import cProfile
import pstats
import sys
import threading
from typing import Any

from sopdesk.cli import main

PROFILES: list[cProfile.Profile] = []
_bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]


def _profiled_bootstrap(self: threading.Thread) -> None:
    # Below Thread.run, which thread-pool threads (anyio's) override.
    profile = cProfile.Profile()
    PROFILES.append(profile)
    profile.enable()
    try:
        _bootstrap(self)
    finally:
        profile.disable()


def _dump(out: str) -> None:
    for profile in PROFILES:
        profile.disable()
    stats: Any = None
    for profile in PROFILES:
        if profile.getstats():
            stats = pstats.Stats(profile) if stats is None else stats.add(profile)
    if stats is not None:
        stats.dump_stats(out)


if __name__ == "__main__":
    out = sys.argv[1]
    sys.argv = ["sopdesk", *sys.argv[2:]]
    threading.Thread._bootstrap_inner = _profiled_bootstrap  # type: ignore[attr-defined]
    own = cProfile.Profile()
    PROFILES.append(own)
    atexit.register(_dump, out)
    own.enable()
    main()
