"""Synthetic cases with timelines for the report benchmark and the report tests.

`sample(n, now)` yields (table, row) pairs with explicit ids: shops, agents, customers, cases
(some open, some escalated, some with a partner task that the shop answered), their events,
two SLA clocks each and a ledger entry for some. `load(db, n, now)` bulk-inserts them
(executemany on SQLite, COPY on PostgreSQL) and settles them (bench/rest.py).
"""

from __future__ import annotations

import io
import itertools
import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from bench.rest import settle
from sopdesk.store.db import Database

SHOPS = 20
AGENTS = 10
CATEGORIES = [f"cat-{i}" for i in range(12)]
CHANNELS = ["email", "chat", "web", "phone"]
DAYS = 90
COLUMNS = {
    "partners": "id,slug,name,created_at",
    "agents": "id,email,name,level,roles,active,created_at",
    "customers": "id,name,email,language,tier,created_at",
    "cases": "id,customer_id,partner_id,subject,channel,category,level,priority,priority_rank,"
    "status,assignee_id,tags,language,desk_version,created_at,updated_at,closed_at",
    "case_events": "id,case_id,kind,at,actor_kind,actor_id,channel,body,data",
    "sla_clocks": "id,case_id,policy,metric,calendar,business,target_seconds,warn_seconds,"
    "consumed_seconds,started_at,stopped_at,warned,breached,breached_at,token",
    "ledger": "id,case_id,kind,amount,currency,paid_by,description,at",
    "bot_conversations": "id,token,state,customer_email,customer_name,case_id,turns,articles,"
    "unhelpful,handoff_reason,created_at,updated_at,last_seen_at",
}
HANDOFF_REASONS = ("no-answer", "low-confidence", "customer-said-no", "asked-for-person")
Row = tuple[object, ...]


def sample(n: int, now: datetime, seed: int = 15) -> Iterator[tuple[str, Row]]:
    rnd = random.Random(seed)
    start = now - timedelta(days=DAYS)
    for s in range(1, SHOPS + 1):
        yield "partners", (s, f"shop-{s}", f"Shop {s}", start)
    for a in range(1, AGENTS + 1):
        yield "agents", (a, f"a{a}@example.com", f"Agent {a}", 1 + a % 4, "[]", True, start)
    customers = max(1, n // 4)
    for c in range(1, customers + 1):
        yield "customers", (c, f"c{c}", f"c{c}@example.com", "en", "standard", start)
    events = itertools.count(1)
    clock_id = ledger_id = 0
    chats = random.Random(seed + 1)  # the bot's conversations draw apart from the cases'
    conversation = itertools.count(1)
    for i in range(1, n + 1):
        created = start + timedelta(seconds=rnd.randrange(DAYS * 86400))
        level = rnd.choice((1, 1, 1, 2, 2, 3, 4))
        shop = rnd.randrange(1, SHOPS + 1) if rnd.random() < 0.7 else None
        is_open = rnd.random() < 0.15
        status = rnd.choice(("new", "open", "waiting_customer")) if is_open else "solved"
        first = rnd.expovariate(1 / 1800)
        resolved = first + rnd.expovariate(1 / 20000)
        closed = None if is_open else created + timedelta(seconds=resolved)
        channel = rnd.choice(CHANNELS)
        yield (
            "cases",
            (
                *(i, 1 + i % customers, shop, "s", channel, rnd.choice(CATEGORIES), level),
                *("normal", 1, status, rnd.randrange(1, AGENTS + 1), "[]", "en", "v1"),
                *(created, closed or created, closed),
            ),
        )

        def event(
            at: datetime, kind: str, actor: str, body: str | None, data: object, case: int = i
        ) -> Row:
            return (next(events), case, kind, at, actor, None, None, body, json.dumps(data))

        yield "case_events", event(created, "case_created", "customer", None, {})
        yield "case_events", event(created, "routing", "system", "routed", {"level": level})
        yield "case_events", event(created, "message_in", "customer", "help", {})
        answered = created + timedelta(seconds=first)
        yield "case_events", event(answered, "message_out", "agent", "on it", {})
        if level < 4 and rnd.random() < 0.05:
            by = rnd.choice(("agent", "system"))
            data = {"level": level + 1, "from": level}
            yield "case_events", event(answered, "routing", by, "escalated", data)
        if shop is not None and rnd.random() < 0.05:
            task = event(answered, "playbook_step", "system", "task for partner: verify", {})
            yield "case_events", task
            if rnd.random() < 0.8:
                took = timedelta(seconds=rnd.expovariate(1 / 7200))
                reply = {"task_id": task[0]}
                yield "case_events", event(answered + took, "message_in", "partner", "ok", reply)
        for metric, used, stopped in (
            ("first_response", first, answered),
            ("resolution", resolved, closed),
        ):
            clock_id += 1
            target = 3600.0 if metric == "first_response" else 86400.0
            breached = used > target
            yield (
                "sla_clocks",
                (
                    *(clock_id, i, rnd.choice(("standard", "vip")), metric, "business", True),
                    *(target, target * 0.8, used if stopped else used / 2, created, stopped),
                    *(
                        used > target * 0.8,
                        breached,
                        created + timedelta(seconds=target) if breached else None,
                        1,
                    ),
                ),
            )
        if closed is not None and rnd.random() < 0.06:
            ledger_id += 1
            kind, payer = rnd.choice(
                (("refund", "desk"), ("replacement", "carrier"), ("credit", "partner-payout"))
            )
            amount = f"{rnd.randrange(100, 20000) / 100:.2f}"
            yield "ledger", (ledger_id, i, kind, amount, "USD", payer, "resolution", closed)
        # The bot: a chat or web case came from a hand-off now and then; more conversations
        # ended with the bot's answer and no case (deflected).
        handed = channel in ("chat", "web") and chats.random() < 0.3
        for case_id, reason in ((i, chats.choice(HANDOFF_REASONS)), (None, None)):
            if case_id is None and chats.random() >= 0.4:
                continue
            if case_id is not None and not handed:
                continue
            c = next(conversation)
            state = "handed_off" if case_id else "bot"
            at = created - timedelta(seconds=chats.randrange(60, 900)) if case_id else created
            yield (
                "bot_conversations",
                (c, f"t{c}", state, None, "", case_id, "[]", "[]", 0, reason, at, at, at),
            )


def _sqlite_value(value: object) -> object:
    # The text SQLAlchemy's SQLite DateTime writes (naive UTC), so comparisons stay textual.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _copy_field(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load(
    db: Database, n: int, now: datetime, progress: Callable[[int], None] | None = None
) -> None:
    """Bulk-inserts `sample(n, now)` in one transaction, then settles the tables (bench/rest.py)."""
    raw = db.engine.raw_connection()
    cur = raw.cursor()
    sqlite = db.is_sqlite
    buffers: dict[str, list[Row]] = {t: [] for t in COLUMNS}

    def flush(table: str) -> None:
        batch = buffers[table]
        if not batch:
            return
        if sqlite:
            marks = ",".join("?" * len(batch[0]))
            sql = f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})"
            cur.executemany(sql, [tuple(_sqlite_value(v) for v in r) for r in batch])
        else:
            text = io.StringIO()
            for r in batch:
                text.write("\t".join(_copy_field(v) for v in r) + "\n")
            with cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                copy.write(text.getvalue())
        batch.clear()

    if sqlite:
        cur.execute("BEGIN")
    cases = 0
    for table, row in sample(n, now):
        buffers[table].append(row)
        if table == "cases":
            cases += 1
            if progress is not None and cases % 10_000 == 0:
                progress(10_000)
        if len(buffers[table]) >= 20_000:  # parents before children, for the foreign keys
            for name in COLUMNS:
                flush(name)
    for table in COLUMNS:
        flush(table)
    if not sqlite:
        for table in COLUMNS:
            cur.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    raw.commit()
    raw.close()
    settle(db)
