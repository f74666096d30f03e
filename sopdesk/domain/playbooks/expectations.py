"""Scenario expectations checked against a simulated timeline; each unmet one is named.

Kinds: sent, not_sent, reminder, offered, not_offered, resolution, comment, chat, set, escalated,
waits, task, approval, outcome, status, visited, not_visited, called, order; on the engine only
(sopdesk test):
routed, column, mail, nothing_else_sent, sla, ledger, refused, attachment.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sopdesk.domain.playbooks import effects as fx
from sopdesk.domain.playbooks.scenario import Timeline

if TYPE_CHECKING:
    from sopdesk.domain.playbooks.simulation import Entry, SimulationResult

Check = Callable[["SimulationResult", Timeline, Any], str | None]


def _spec(value: Any, key: str) -> dict[str, Any]:
    return value if isinstance(value, dict) else {key: value}


def _in_time(entry: Entry, times: Timeline, spec: dict[str, Any]) -> bool:
    if "by" in spec and entry.at > times.at(str(spec["by"]), end_of_day=True):
        return False
    if "at" in spec and entry.day != times.day(times.at(str(spec["at"]))):
        return False
    return not ("after" in spec and entry.at < times.after(str(spec["after"]), times.start))


def _words(spec: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in spec.items())


def _sends(result: SimulationResult, what: tuple[str, ...], spec: dict[str, Any]) -> list[Entry]:
    found = []
    for e in result.entries:
        if e.what not in what or not isinstance(e.effect, fx.SendMacro):
            continue
        if "macro" in spec and e.effect.macro != spec["macro"]:
            continue
        if "to" in spec and e.effect.to != spec["to"]:
            continue
        found.append(e)
    return found


def _sent(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "macro")
    if any(_in_time(e, times, spec) for e in _sends(result, ("sent", "reminder"), spec)):
        return None
    return f"sent: no macro sent with {_words(spec)}{_went_elsewhere(result, spec)}"


def _not_sent(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "macro")
    hits = _sends(result, ("sent", "reminder"), spec)
    return f"not_sent: {_words(spec)} was sent on day {hits[0].day}" if hits else None


def _reminder(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "at")
    if any(_in_time(e, times, spec) for e in _sends(result, ("reminder",), spec)):
        return None
    days = [e.day for e in _sends(result, ("reminder",), {})]
    return f"reminder: none with {_words(spec)} (reminders on days {days or 'none'})"


def _offered(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "options")
    seen = []
    for e in result.entries:
        if e.what != "offered" or not isinstance(e.effect, fx.OfferOptions):
            continue
        if "step" in spec and e.step != spec["step"]:
            continue
        seen.append(list(e.effect.options))
        if "options" in spec and sorted(spec["options"]) != sorted(e.effect.options):
            continue
        if _in_time(e, times, spec):
            return None
    return f"offered: no choice offered with {_words(spec)} (offered: {seen or 'none'})"


def _not_offered(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    for e in result.entries:
        if isinstance(e.effect, fx.OfferOptions) and value in e.effect.options:
            return f"not_offered: '{value}' was offered at step {e.step}"
    return None


def _resolution(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "kind")
    for e in result.entries:
        r = e.effect
        if not isinstance(r, fx.RecordResolution):
            continue
        if "kind" in spec and r.kind != spec["kind"]:
            continue
        if "paid_by" in spec and r.paid_by != spec["paid_by"]:
            continue
        if "amount" in spec and (r.amount is None or r.amount != Decimal(str(spec["amount"]))):
            continue
        return None
    made = [e.text for e in result.entries if e.what == "resolution"]
    return f"resolution: none with {_words(spec)} (recorded: {made or 'none'})"


def _text(what: str) -> Check:
    def check(result: SimulationResult, times: Timeline, value: Any) -> str | None:
        spec = _spec(value, "text")
        for e in result.entries:
            if e.what != what or e.rendered != spec["text"]:
                continue
            if isinstance(e.effect, fx.PostChat) and spec.get("channel", e.effect.channel) != (
                e.effect.channel
            ):
                continue
            if _in_time(e, times, spec):
                return None
        made = [e.rendered for e in result.entries if e.what == what]
        return f"{what}: no {what} {spec['text']!r} ({what}s: {made or 'none'})"

    return check


def _set(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    for e in result.entries:
        if isinstance(e.effect, fx.SetFields) and all(
            e.effect.changes.get(k) == v for k, v in value.items()
        ):
            return None
    return f"set: no step set {value}"


def _escalated(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "level")
    for e in result.entries:
        escalate = e.effect
        if isinstance(escalate, fx.Escalate) and escalate.level == spec["level"]:
            if not _in_time(e, times, spec):
                continue
            return None
    return f"escalated: not to {_words(spec)}"


def _waits(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "step")
    until = times.at(str(spec["until"])) if "until" in spec else None
    for e in result.entries:
        if not isinstance(e.effect, fx.StartTimer):
            continue
        if "step" in spec and e.step != spec["step"]:
            continue
        if until is None or e.effect.due == until:
            return None
    dues = [e.text for e in result.entries if e.what == "timer"]
    return f"waits: no wait with {_words(spec)} ({dues or 'no timers'})"


def _task(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "to")
    for e in result.entries:
        if isinstance(e.effect, fx.OpenTask) and spec.get("to", e.effect.to) == e.effect.to:
            due = times.at(str(spec["due"])) if "due" in spec else None
            if due is None or due == e.effect.due:
                return None
    return f"task: no task with {_words(spec)}"


def _approval(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    for e in result.entries:
        if isinstance(e.effect, fx.RequestApproval) and value in (e.effect.approver, e.effect.role):
            return None
    return f"approval: none requested from {value}"


def _outcome(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    got = result.run.outcome
    return None if got == value else f"outcome: expected {value}, the run ended with {got}"


def _status(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    got = result.run.status.value
    return None if got == value else f"status: expected {value}, the run is {got}"


def _visited(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    missing = [s for s in ([value] if isinstance(value, str) else value) if s not in result.visited]
    return f"visited: steps never reached: {', '.join(missing)}" if missing else None


def _not_visited(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    hit = [s for s in ([value] if isinstance(value, str) else value) if s in result.visited]
    return f"not_visited: steps reached: {', '.join(hit)}" if hit else None


CHECKS: dict[str, Check] = {
    "sent": _sent,
    "not_sent": _not_sent,
    "reminder": _reminder,
    "offered": _offered,
    "not_offered": _not_offered,
    "resolution": _resolution,
    "comment": _text("comment"),
    "chat": _text("chat"),
    "set": _set,
    "escalated": _escalated,
    "waits": _waits,
    "task": _task,
    "approval": _approval,
    "outcome": _outcome,
    "status": _status,
    "visited": _visited,
    "not_visited": _not_visited,
}


def unmet_expectations(result: SimulationResult, times: Timeline) -> list[str]:
    unmet = []
    for expectation in result.scenario.expect:
        if len(expectation) != 1 or next(iter(expectation)) not in CHECKS:
            unmet.append(f"unknown expectation {expectation}; known: {', '.join(CHECKS)}")
            continue
        key, value = next(iter(expectation.items()))
        if key in ENGINE_ONLY and "case" not in result.world:
            continue  # the pure simulation has no database to read these from
        try:
            problem = CHECKS[key](result, times, value)
        except (KeyError, ValueError, TypeError) as exc:
            problem = f"{key}: cannot check {value!r}: {exc}"
        if problem:
            unmet.append(problem)
    return unmet


# --- expectations on the world the engine-driven run left (sopdesk/desktests) ----------------


def _world(result: SimulationResult, key: str) -> Any:
    if key not in result.world:
        raise ValueError("only a run on the engine (sopdesk test) knows this")
    return result.world[key]


def _routed(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    case = _world(result, "case")
    wrong = [f"{k} is {case.get(k)!r}, not {v!r}" for k, v in value.items() if case.get(k) != v]
    why = "; ".join(case.get("routing", [])) or "no routing recorded"
    return f"routed: {', '.join(wrong)} (routing: {why})" if wrong else None


def _column(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    got = _world(result, "case").get("column")
    return None if got == value else f"column: the case is in {got!r}, not {value!r}"


def _mail(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    spec = _spec(value, "to")
    mails = _world(result, "mails")
    for mail in mails:
        if spec.get("to", mail["to"]) not in (mail["to"], mail["recipient"]):
            continue
        if "macro" in spec and mail["macro"] != spec["macro"]:
            continue
        if spec.get("subject", "") not in mail["subject"]:
            continue
        if not all(str(part) in mail["body"] for part in spec.get("contains", [])):
            continue
        if "by" in spec and mail["at"] > times.at(str(spec["by"]), end_of_day=True):
            continue
        return None
    sent = [f"{m['to']} ({m['macro'] or m['subject']})" for m in mails]
    went = _went_elsewhere(result, spec)
    return f"mail: none sent with {_words(spec)} (sent: {sent or 'none'}){went}"


def _went_elsewhere(result: SimulationResult, spec: dict[str, Any]) -> str:
    """Where the run went instead: the steps it took after the last mail that was sent."""
    if "macro" not in spec:
        return ""
    steps = list(result.run.visited)
    return f"; the run went {' -> '.join(steps[-4:]) or 'nowhere'} (status {result.run.status})"


def _nothing_else_sent(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    expected = sum(1 for e in result.scenario.expect if next(iter(e)) == "mail")
    mails = _world(result, "mails")
    if len(mails) <= expected:
        return None
    extra = [f"{m['to']} ({m['macro'] or m['subject']})" for m in mails]
    return f"nothing_else_sent: {len(mails)} mails sent, {expected} expected: {extra}"


def _sla(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    clocks = _world(result, "clocks")
    spec = _spec(value, "metric")
    clock = clocks.get(spec["metric"])
    if clock is None:
        return f"sla: no {spec['metric']} clock (clocks: {sorted(clocks) or 'none'})"
    problems = []
    if "due" in spec and clock["due"] != times.at(str(spec["due"])):
        problems.append(f"due {clock['due']}")
    if "breached" in spec and clock["breached"] != spec["breached"]:
        problems.append(f"breached {clock['breached']}")
    if "stopped" in spec and clock["stopped"] != spec["stopped"]:
        problems.append(f"stopped {clock['stopped']}")
    if "policy" in spec and clock["policy"] != spec["policy"]:
        problems.append(f"policy {clock['policy']}")
    return f"sla: expected {_words(spec)}, got {', '.join(problems)}" if problems else None


def _ledger(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    rows = _world(result, "ledger")
    for row in rows:
        if "kind" in value and row["kind"] != value["kind"]:
            continue
        if "amount" in value and Decimal(str(row["amount"])) != Decimal(str(value["amount"])):
            continue
        if "paid_by" in value and row["paid_by"] != value["paid_by"]:
            continue
        return None
    return f"ledger: no row with {_words(value)} (ledger: {rows or 'empty'})"


def _refused(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    refusals = _world(result, "refused")
    if any(str(value) in text for text in refusals):
        return None
    return f"refused: nothing refused with {value!r} (refused: {refusals or 'none'})"


def _called(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    """A connector call of `action` (connector.action) was answered, with `outcome` if given."""
    spec = _spec(value, "action")
    made = []
    for e in result.entries:
        call = e.effect
        if e.what != "called" or not isinstance(call, fx.CallConnector):
            continue
        made.append(e.text)
        if "action" in spec and f"{call.connector}.{call.action}" != spec["action"]:
            continue
        if "step" in spec and e.step != spec["step"]:
            continue
        if "outcome" in spec and e.outcome != spec["outcome"]:
            continue
        return None
    return f"called: no call with {_words(spec)} (calls: {made or 'none'})"


def _order(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    """The case's order facts at the end, e.g. `order: {status: cancelled}`."""
    order = result.world.get("order") or {}
    wrong = [f"{k} is {order.get(k)!r}, not {v!r}" for k, v in value.items() if order.get(k) != v]
    return f"order: {'; '.join(wrong)}" if wrong else None


CHECKS.update({"called": _called, "order": _order})


def _attachment(result: SimulationResult, times: Timeline, value: Any) -> str | None:
    """A file the case holds, stored as a blob; `seen_by`: agents who see it on the case."""
    spec = _spec(value, "name")
    files = _world(result, "attachments")
    for f in files:
        if any(f[k] != spec[k] for k in ("name", "content_type", "size") if k in spec):
            continue
        unseen = [a for a in spec.get("seen_by", []) if a not in f["seen_by"]]
        if f["stored"] and not unseen:
            return None
    held = [f"{f['name']} ({f['size']} bytes, seen by {f['seen_by']})" for f in files]
    return f"attachment: none with {_words(spec)} (files: {held or 'none'})"


ENGINE_ONLY = (
    "routed",
    "column",
    "mail",
    "nothing_else_sent",
    "sla",
    "ledger",
    "refused",
    "attachment",
)

CHECKS.update(
    {
        "routed": _routed,
        "column": _column,
        "mail": _mail,
        "nothing_else_sent": _nothing_else_sent,
        "sla": _sla,
        "ledger": _ledger,
        "refused": _refused,
        "attachment": _attachment,
    }
)
