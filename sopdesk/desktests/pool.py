"""A desk's scenarios run side by side: one process per core, each with its own throwaway
database, so a suite takes the time of its share, not of the whole.

Each scenario is independent (its own database, clock and captured mail), so running them in
parallel changes no verdict and no timeline; results come back in the order of the files.
With one job (or one scenario) everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from sopdesk.desk.scenarios import load_scenario
from sopdesk.desktests import throwaway
from sopdesk.desktests.runner import run_engine_scenario
from sopdesk.domain.desk import Desk
from sopdesk.domain.playbooks.simulation import SimulationResult
from sopdesk.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class ScenarioOutcome:
    path: Path
    result: SimulationResult | None  # None when the scenario file could not be run
    problems: list[str]
    seconds: float


_DESK: list[Desk] = []  # the desk of this worker process (set once when it starts)


def run_one(desk: Desk, path: Path) -> ScenarioOutcome:
    started = time.perf_counter()
    try:
        result = run_engine_scenario(desk, load_scenario(path))
    except (InvalidInput, NotFound) as exc:
        return ScenarioOutcome(path, None, [exc.message], time.perf_counter() - started)
    return ScenarioOutcome(path, result, list(result.unmet), time.perf_counter() - started)


def _start_worker(desk: Desk) -> None:
    throwaway.forget_shared()  # the parent's engine and file are the parent's
    _DESK[:] = [desk]


def _run_in_worker(path: Path) -> ScenarioOutcome:
    return run_one(_DESK[0], path)


def default_jobs() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def run_scenarios(
    desk: Desk,
    paths: Sequence[Path],
    *,
    jobs: int | None = None,
    done: Callable[[ScenarioOutcome], None] | None = None,
) -> list[ScenarioOutcome]:
    """Every scenario of `paths` on the real engine, `jobs` at a time (default: one per core
    this process may use); `done` is called as each one finishes. In the order of `paths`."""
    jobs = min(jobs or default_jobs(), len(paths))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        outcomes = []
        for path in paths:
            outcomes.append(run_one(desk, path))
            if done is not None:
                done(outcomes[-1])
        return outcomes
    throwaway.template()  # migrated once here; the workers copy the same file
    # fork: the workers start with the loaded desk, nothing is pickled on the way in
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=(desk,)) as pool:
        futures = [pool.submit(_run_in_worker, p) for p in paths]
        for finished in as_completed(futures):  # reported here, in this thread, as they end
            if done is not None:
                done(finished.result())
        return [future.result() for future in futures]
