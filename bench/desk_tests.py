"""Desk tests: seconds for the whole starter scenario suite on the real engine, scenarios/s.

Each scenario runs on its own throwaway SQLite database with the real doors, worker and a
virtual clock (sopdesk/desktests). The baseline, measured in the same run, is the same suite
on the pure interpreter alone (no database: what `sopdesk simulate` did before), so the ratio
says what proving the live desk costs. Target: the engine suite in under 10 s. The CPU time
of the process is printed too: on a shared machine the wall time includes waiting for a core.
`sopdesk test` runs the scenarios side by side, one process per core (sopdesk/desktests/pool.py):
that run is timed too, and the target is judged on it, as a team meets it.
"""

from __future__ import annotations

import time

from sopdesk.desk import load_desk
from sopdesk.desk.scenarios import load_scenario, run_scenario, scenario_files
from sopdesk.desktests.pool import default_jobs, run_scenarios
from sopdesk.desktests.runner import run_engine_scenario
from sopdesk.packs import pack_path

TARGET_SECONDS = 10.0


def main() -> None:
    starter = pack_path("starter")
    desk = load_desk(starter)
    files = scenario_files(starter)
    scenarios = [load_scenario(path) for path in files]
    run_engine_scenario(desk, scenarios[0])  # the migrated template, made once per process
    started = time.perf_counter()
    pure = [run_scenario(desk, s) for s in scenarios if s.playbook is not None]
    baseline = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    results = [run_engine_scenario(desk, s) for s in scenarios]
    engine = time.perf_counter() - started
    engine_cpu = time.process_time() - cpu
    failed = sum(1 for r in results if not r.ok)
    print(f"scenarios: {len(results)} ({failed} failed)")
    print(f"pure interpreter (baseline): {baseline:.2f} s for {len(pure)} scenarios")
    print(f"real engine: {engine:.2f} s, {len(results) / engine:.1f} scenarios/s")
    print(f"real engine CPU time of this process: {engine_cpu:.2f} s (wall minus waiting)")
    rows = sum(len(s.matrix) for s in scenarios)
    print(f"routing matrix contacts among them: {rows}")
    print(f"ratio engine/pure: {engine / baseline:.0f}x")
    jobs = default_jobs()
    started = time.perf_counter()
    side_by_side = run_scenarios(desk, files, jobs=jobs)
    parallel = time.perf_counter() - started
    failed = sum(1 for o in side_by_side if o.problems)
    print(
        f"real engine, {jobs} processes side by side (sopdesk test): {parallel:.2f} s "
        f"({failed} failed), {engine / parallel:.1f}x the one-by-one run"
    )
    verdict = "met" if parallel < TARGET_SECONDS else "MISSED"
    print(f"target: whole suite under {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
