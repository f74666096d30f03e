"""Load with nothing lost: mixed traffic at a rising rate against sopdesk on PostgreSQL, with kills.

Starts `sopdesk serve --no-worker --workers 2` and 2 `sopdesk worker` processes on a throwaway
PostgreSQL database (a desk from the starter pack plus a one-minute drill playbook), a real SMTP
sink (aiosmtpd) and a real HTTP receiver for chat and webhook posts, all on 127.0.0.1. Then an
async httpx driver runs steps of rising concurrency (default 4, 8, 16, 32 clients), each client
one request after the other, mixing:

  intake   POST /api/v1/cases (every 4th a critical issue: its playbook runs, mails and posts
           to chat; every 3rd gets the drill playbook: a mail, a 1-minute timer, a mail)
  mail     POST /api/v1/inbound/email (raw MIME)
  queue    GET /api/v1/cases?sort=newest        case   GET /api/v1/cases/{id}
  timeline GET /api/v1/cases/{id}/timeline      reply  POST /api/v1/cases/{id}/messages
  event    POST /api/v1/runs/{id}/events (tick the critical-issue checklist, then choose)
  bot      POST /api/v1/bot/ask (each client its own X-Forwarded-For address)

At random moments it SIGKILLs a worker (and starts a new one) and a web process (uvicorn's
supervisor starts a new one). After the load it waits for the workers to drain and checks:
every accepted intake is exactly one case (counted by a unique marker in the subject), every
outbox row delivered (receipts counted at the sinks; a kill may resend one, with the same
Message-ID / Idempotency-Key), every drill timer fired once, no 5xx. Exit status 1 if one fails.

The baseline, measured in the same run at the same concurrency: GET /healthz (one SELECT 1),
so figures compare across machines and across load from other programs.
Target on a 2-core machine: at concurrency 16, >= 500 mixed operations/s with p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bench.load_sinks import Desk, MailSink, PostSink, Verdict, check_invariants, pending_work
from sopdesk.packs import pack_path
from sopdesk.store.db import Database

MIX = {
    "intake": 14,
    "mail": 4,
    "queue": 14,
    "case": 14,
    "timeline": 10,
    "reply": 10,
    "event": 10,
    "bot": 14,
}
QUESTIONS = [
    q["q"]
    for q in yaml.safe_load((pack_path("starter") / "eval" / "bot-questions.yaml").read_text())[
        "questions"
    ]
]
ERROR = "error"  # a transport error (connection reset, timeout) instead of a status


@dataclass
class Sample:
    op: str
    step: int
    seconds: float
    status: int | str
    started: float


@dataclass
class State:
    """What the clients share: cases to read and answer, runs to send events to, markers."""

    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    cases: list[int] = field(default_factory=list)
    runs: list[tuple[int, int]] = field(default_factory=list)  # (run id, events sent)
    markers: dict[str, str] = field(default_factory=dict)  # marker -> accepted/unknown/refused
    samples: list[Sample] = field(default_factory=list)
    resets: Counter[str] = field(default_factory=Counter)  # transport errors by kind
    n: int = 0
    ops: int = 0

    def marker(self) -> str:
        self.n += 1
        return f"ldk-{self.run}-{self.n}"


class Client:
    """One virtual user: its own address (for the bot's per-address limit)."""

    def __init__(self, http: httpx.AsyncClient, state: State, rng: random.Random, me: int):
        self.http, self.state, self.rng = http, state, rng
        self.address = f"10.{me // 250}.{me % 250}.{rng.randrange(1, 250)}"

    async def call(
        self, op: str, step: int, method: str, url: str, **kw: object
    ) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kw)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            self.state.samples.append(Sample(op, step, time.perf_counter() - t0, ERROR, t0))
            self.state.resets[type(exc).__name__] += 1
            return None
        self.state.samples.append(
            Sample(op, step, time.perf_counter() - t0, response.status_code, t0)
        )
        return response

    def a_case(self) -> int | None:
        cases = self.state.cases
        return cases[-1 - int(self.rng.expovariate(1 / 50)) % len(cases)] if cases else None

    async def intake(self, step: int) -> None:
        st, marker = self.state, self.state.marker()
        critical = st.n % 4 == 0
        body = {
            "customer_email": f"load{st.n % 400}@example.com",
            "customer_name": f"Load {st.n % 400}",
            "subject": f"{marker} where is my order #{100000 + st.n}?",
            "body": f"Hi,\n\nmy order has not arrived. ({marker})\n\nThanks",
            "channel": "email",
        }
        if critical:
            body["category"] = "critical-platform-issue"
        st.markers[marker] = "unknown"
        r = await self.call("intake", step, "POST", "/api/v1/cases", json=body)
        if r is None:
            return
        st.markers[marker] = "accepted" if r.status_code == 201 else "refused"
        if r.status_code != 201:
            return
        case_id = int(r.json()["id"])
        st.cases.append(case_id)
        if critical:
            runs = await self.call("runs", step, "GET", f"/api/v1/cases/{case_id}/runs")
            if runs is not None and runs.status_code == 200 and runs.json():
                st.runs.append((int(runs.json()[0]["id"]), 0))
        elif st.n % 3 == 0:
            await self.call(
                "start",
                step,
                "POST",
                f"/api/v1/cases/{case_id}/runs",
                json={"playbook": "load-drill"},
            )

    async def mail(self, step: int) -> None:
        st, marker = self.state, self.state.marker()
        raw = (
            f"From: Load {st.n % 400} <load{st.n % 400}@example.com>\r\n"
            f"To: support@example.com\r\nSubject: {marker} my card does not load\r\n"
            f"Message-ID: <{marker}@load.example.com>\r\nDate: Wed, 02 Dec 2026 05:00:00 +0000\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nthe card is blank. "
            f"({marker})\r\n"
        ).encode()
        st.markers[marker] = "unknown"
        r = await self.call(
            "mail",
            step,
            "POST",
            "/api/v1/inbound/email",
            content=raw,
            headers={"Content-Type": "message/rfc822"},
        )
        if r is not None:
            st.markers[marker] = "accepted" if r.status_code in (200, 201) else "refused"
            if r.status_code == 201 and r.json().get("case_id"):
                st.cases.append(int(r.json()["case_id"]))

    async def queue(self, step: int) -> None:
        await self.call(
            "queue", step, "GET", "/api/v1/cases", params={"sort": "newest", "limit": 25}
        )

    async def case(self, step: int) -> None:
        if (case_id := self.a_case()) is not None:
            await self.call("case", step, "GET", f"/api/v1/cases/{case_id}")

    async def timeline(self, step: int) -> None:
        if (case_id := self.a_case()) is not None:
            await self.call(
                "timeline", step, "GET", f"/api/v1/cases/{case_id}/timeline", params={"limit": 50}
            )

    async def reply(self, step: int) -> None:
        if (case_id := self.a_case()) is not None:
            body = {"kind": "reply", "body": "Thanks for writing; we are looking into it."}
            await self.call("reply", step, "POST", f"/api/v1/cases/{case_id}/messages", json=body)

    async def event(self, step: int) -> None:
        if not self.state.runs:
            return
        run_id, sent = self.state.runs.pop(self.rng.randrange(len(self.state.runs)))
        event = (
            {"type": "tick", "item": "all"}
            if sent == 0
            else {"type": "choose", "option": "client-side"}
        )
        r = await self.call("event", step, "POST", f"/api/v1/runs/{run_id}/events", json=event)
        if r is not None and r.status_code == 200 and sent == 0:
            self.state.runs.append((run_id, 1))

    async def bot(self, step: int) -> None:
        question = {"question": self.rng.choice(QUESTIONS)}
        await self.call(
            "bot",
            step,
            "POST",
            "/api/v1/bot/ask",
            json=question,
            headers={"X-Forwarded-For": self.address},
        )

    async def loop(self, step: int, until: float, max_ops: int) -> None:
        ops, weights = list(MIX), list(MIX.values())
        while time.perf_counter() < until and self.state.ops < max_ops:
            self.state.ops += 1
            op = self.rng.choices(ops, weights)[0] if self.state.cases else "intake"
            await getattr(self, op)(step)


async def health_loop(http: httpx.AsyncClient, state: State, until: float) -> None:
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        try:
            r = await http.get("/healthz")
            status: int | str = r.status_code
        except httpx.TransportError:
            status = ERROR
        state.samples.append(Sample("health", 0, time.perf_counter() - t0, status, t0))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def bad(status: int | str) -> bool:
    """An answer that is an error: a transport error, a 5xx, or a 4xx the mix never asks for
    (409 from an event racing another client's event on the same run, 429 from the bot's limit
    are answers, not errors)."""
    return status == ERROR or (
        isinstance(status, int) and status >= 400 and status not in (409, 429)
    )


async def drive(
    desk: Desk, args: argparse.Namespace, state: State
) -> tuple[float, list[str], dict[int, float]]:
    rng = random.Random(args.seed)
    steps = [int(c) for c in args.steps.split(",")]
    step_seconds = args.duration / len(steps)
    kills: list[str] = []
    limits = httpx.Limits(max_connections=max(steps) + 4, max_keepalive_connections=max(steps) + 4)
    headers = {"Authorization": f"Bearer {desk.token}"}
    async with httpx.AsyncClient(
        base_url=desk.url, headers=headers, limits=limits, timeout=30
    ) as http:
        # Warm-up, not measured: each web process loads the triage model and the bot's index
        # on first use (and again after a kill: that shows in the step it happens in).
        warm = Client(http, State(), random.Random(0), 0)
        http.timeout = httpx.Timeout(300)
        for _ in range(3 * desk.web_workers):
            await asyncio.gather(warm.intake(-1), warm.mail(-1), warm.bot(-1))
        http.timeout = httpx.Timeout(30)
        # Baseline: GET /healthz at the target's concurrency.
        base = State()
        end = time.perf_counter() + args.baseline
        await asyncio.gather(
            *(health_loop(http, base, end) for _ in range(args.baseline_concurrency))
        )
        health_rate = len(base.samples) / args.baseline
        print(
            f"baseline GET /healthz, concurrency {args.baseline_concurrency}: "
            f"{health_rate:.0f}/s, p50 {pct([s.seconds for s in base.samples], 0.5):.1f} ms, "
            f"p99 {pct([s.seconds for s in base.samples], 0.99):.1f} ms"
        )
        total = step_seconds * len(steps)
        plan = sorted(
            [(rng.uniform(0.1, 0.9) * total, "worker") for _ in range(args.kills)]
            + [(rng.uniform(0.1, 0.9) * total, "web") for _ in range(args.kills)]
        )
        t_start = time.perf_counter()

        async def killer() -> None:
            for at, what in plan:
                await asyncio.sleep(max(0.0, t_start + at - time.perf_counter()))
                if time.perf_counter() - t_start > total or state.ops >= args.max_ops:
                    return
                if what == "worker":
                    index = rng.randrange(len(desk.workers))
                    await asyncio.to_thread(desk.kill_worker, index)
                    kills.append(
                        f"{time.perf_counter() - t_start:6.1f}s SIGKILL worker {index}, restarted"
                    )
                elif not desk.profile:
                    pid = desk.kill_web(rng.randrange(desk.web_workers))
                    kills.append(f"{time.perf_counter() - t_start:6.1f}s SIGKILL web process {pid}")

        kill_task = asyncio.create_task(killer())
        durations: dict[int, float] = {}
        me = 0
        for i, concurrency in enumerate(steps):
            t0 = time.perf_counter()
            until = t0 + step_seconds
            clients = []
            for _ in range(concurrency):
                me += 1
                clients.append(Client(http, state, random.Random(rng.random()), me))
            await asyncio.gather(*(c.loop(i, until, args.max_ops) for c in clients))
            durations[i] = time.perf_counter() - t0
            if state.ops >= args.max_ops:
                break
        kill_task.cancel()
    return health_rate, kills, durations


def report(state: State, steps: list[int], durations: dict[int, float], health: float) -> bool:
    """Prints the tables; True when a 5xx was answered."""
    by_step: dict[int, list[Sample]] = defaultdict(list)
    for s in state.samples:
        by_step[s.step].append(s)
    print(
        "\nstep  clients  requests  req/s   x healthz  p50 ms  p99 ms  errors (5xx / reset / other)"
    )
    begin = None
    for i, d in durations.items():
        samples = by_step[i]
        five = sum(1 for s in samples if isinstance(s.status, int) and s.status >= 500)
        reset = sum(1 for s in samples if s.status == ERROR)
        other = sum(1 for s in samples if bad(s.status)) - five - reset
        rate = len(samples) / d
        lat = [s.seconds for s in samples]
        print(
            f"{i + 1:>4}  {steps[i]:>7}  {len(samples):>8}  {rate:>5.0f}  {rate / health:>9.2f}  "
            f"{pct(lat, 0.5):>6.1f}  {pct(lat, 0.99):>6.1f}  {five} / {reset} / {other}"
        )
        if begin is None and five + other > 0.005 * len(samples):
            begin = steps[i]
    print(
        "errors begin at: "
        + (
            f"concurrency {begin} (more than 0.5% 5xx or unexpected 4xx)"
            if begin
            else "no step (resets during kills not counted)"
        )
    )
    if state.resets:
        print("resets by kind: " + ", ".join(f"{k} {n}" for k, n in state.resets.most_common()))
    print("\noperation   count    p50 ms   p99 ms   answers")
    ops: dict[str, list[Sample]] = defaultdict(list)
    for s in state.samples:
        ops[s.op].append(s)
    for op, samples in sorted(ops.items()):
        answers = defaultdict(int)
        for s in samples:
            answers[str(s.status)] += 1
        lat = [s.seconds for s in samples]
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))
        print(
            f"{op:<10} {len(samples):>6}  {pct(lat, 0.5):>7.1f}  {pct(lat, 0.99):>7.1f}   {shown}"
        )
    return any(isinstance(s.status, int) and s.status >= 500 for s in state.samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument("--steps", default="4,8,16,32", help="concurrency of each step")
    parser.add_argument(
        "--duration",
        type=float,
        default=120.0,
        help="seconds of load in all, split evenly over the steps (default 120)",
    )
    parser.add_argument(
        "--max-ops", type=int, default=100_000, help="stop after this many operations"
    )
    parser.add_argument(
        "--kills", type=int, default=2, help="SIGKILLs of a worker and of a web process (each)"
    )
    parser.add_argument(
        "--drain", type=float, default=150.0, help="most seconds to wait for the workers after"
    )
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of GET /healthz first")
    parser.add_argument("--baseline-concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="serve with one web process under cProfile (no web kills), write its profile to "
        "FILE and print where its time went",
    )
    args = parser.parse_args()
    # A SIGTERM (a `timeout` around the bench) still stops the servers and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(__doc__, flush=True)
    python = sys.version.split()[0]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python {python}")
    mail, posts = MailSink(), PostSink()
    mail.controller.start()
    posts.thread.start()
    state = State()
    verdict = Verdict()
    with tempfile.TemporaryDirectory(prefix="sopdesk-load-") as tmp:
        desk = Desk(args.db, Path(tmp), mail, posts)
        if args.profile:
            desk.web_workers, desk.profile = 1, str(Path(args.profile).resolve())
        try:
            desk.create()
            desk.start()
            health, kills, durations = asyncio.run(drive(desk, args, state))
            print("\nkills:\n" + "\n".join(kills))
            five = report(state, [int(c) for c in args.steps.split(",")], durations, health)
            db = Database(desk.db_url)
            t0 = time.monotonic()
            while any(pending_work(db)) and time.monotonic() - t0 < args.drain:
                time.sleep(1)
            left = pending_work(db)
            print(
                f"\nafter the load: drained in {time.monotonic() - t0:.0f} s; left: outbox "
                f"{left[0]}, due timers {left[1]}, drill runs {left[2]}"
            )
            worker_kills = sum(1 for k in kills if "worker" in k)
            check_invariants(db, verdict, state.run, state.markers, mail, posts, worker_kills)
            verdict.check(not five, "no 5xx answer")
            db.dispose()
        finally:
            desk.stop()
            desk.drop()
            mail.controller.stop()
            posts.server.shutdown()
    print("\ninvariants:\n" + "\n".join(verdict.lines))
    if args.profile:
        stats = pstats.Stats(desk.profile)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats("sopdesk", 40)
    sys.exit(1 if verdict.failed else 0)


if __name__ == "__main__":
    main()
