"""Connector calls: the worker's handler for `connector.call` rows, and recording an answer.

The request goes out with the outbox row's idempotency key (the `Idempotency-Key` header of an
HTTP connector, `idempotency_key` for a Python entry point); the answer is recorded, the order
updated and the waiting run advanced in ONE transaction that first checks the call is still
pending, so a worker that dies between the call and the answer repeats the request under the
same key (the receiver dedupes) and the answer is applied once. sopdesk's own `orders`
connector acts on the order in that same transaction: exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import os
from datetime import datetime
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sopdesk.domain.cases import EventKind
from sopdesk.domain.connectors import Answer, decide_order_action
from sopdesk.domain.desk import Desk
from sopdesk.domain.desk.settings import BUILTIN_CONNECTORS, Connector
from sopdesk.domain.playbooks import events as ev
from sopdesk.domain.principal import Principal
from sopdesk.engine.jobs import HANDLERS, Job, WorkContext, WorkerPolicy
from sopdesk.engine.macro_context import order_state
from sopdesk.engine.outbox import OutboxKind
from sopdesk.engine.playbooks import apply_event_in
from sopdesk.engine.timeline import append_event
from sopdesk.store.models import Case, ConnectorCall, Order, PlaybookRun

SIGNATURE_HEADER = "X-Sopdesk-Signature"
TIMESTAMP_HEADER = "X-Sopdesk-Timestamp"
_RETRYABLE_STATUS = (408, 425, 429)


class CallFailed(Exception):
    """The connector could not be reached or answered nonsense; the worker tries again."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`: what a receiver recomputes."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _apply_order(session: Session, case: Case, answer: Answer) -> str:
    """Writes the answer's order facts; returns them in words for the timeline."""
    if answer.order is None or not answer.order.changes or case.order_id is None:
        return ""
    order = session.get(Order, case.order_id)
    if order is None:
        return ""
    for name, value in answer.order.changes.items():
        setattr(order, name, value)
    return ", ".join(f"{k} {v}" for k, v in answer.order.changes.items())


def record_answer(
    session: Session, desk: Desk, call_id: int, answer: Answer, now: datetime, attempts: int
) -> bool:
    """Records `answer` to a pending call and feeds it to the waiting run, in the caller's
    transaction; False (nothing changed) when the call was answered already."""
    call = session.scalar(
        select(ConnectorCall).where(ConnectorCall.id == call_id).with_for_update()
    )
    if call is None or call.status != "pending":
        return False
    case = session.get(Case, call.case_id)
    assert case is not None
    changed = _apply_order(session, case, answer) if answer.outcome == "ok" else ""
    call.status = answer.outcome
    call.answer = answer.model_dump(mode="json")
    call.answered_at = now
    call.attempts = attempts
    words = f"{call.connector}.{call.action} answered {answer.words}"
    append_event(
        session,
        case.id,
        EventKind.CONNECTOR_ANSWER,
        now,
        Principal.system(),
        body=words,
        data={
            "run_id": call.run_id,
            "step": call.step,
            "connector": call.connector,
            "action": call.action,
            "outcome": answer.outcome,
            "reason": answer.reason,
            "answer": answer.data,
            "order": changed or None,
            "idempotency_key": call.idempotency_key,
        },
    )
    run = session.scalar(select(PlaybookRun).where(PlaybookRun.id == call.run_id).with_for_update())
    if run is not None:
        answered = ev.ConnectorAnswered(
            call=call.call,
            outcome=answer.outcome,
            reason=answer.reason,
            data=answer.data,
            by=call.connector,
        )
        apply_event_in(session, desk, run, case, answered, now, Principal.system())
    return True


def _request(call: ConnectorCall, case: Case, order_ref: str | None) -> dict[str, Any]:
    return {
        "action": call.action,
        "arguments": dict((call.arguments or {}).get("values") or {}),
        "case": case.id,
        "order": order_ref,
        "idempotency_key": call.idempotency_key,
    }


def _answer_of(data: Any) -> Answer:
    try:
        return Answer.model_validate(data)
    except ValidationError as exc:
        raise CallFailed(f"the answer is not understood: {exc.errors()[0]['msg']}") from None


def call_http(connector: Connector, request: dict[str, Any], key: str, now: datetime) -> Answer:
    """POSTs the signed request; a 4xx is a refusal, a 5xx, timeout or garbage is CallFailed."""
    assert connector.url is not None and connector.secret_env is not None
    secret = os.environ.get(connector.secret_env)
    if not secret:
        raise CallFailed(f"the environment variable {connector.secret_env} (the key) is not set")
    body = json.dumps(request, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    try:
        response = httpx.post(
            connector.url, content=body, headers=headers, timeout=connector.timeout_seconds
        )
    except httpx.TimeoutException:
        raise CallFailed(f"no answer within {connector.timeout_seconds:g} seconds") from None
    except httpx.HTTPError as exc:
        raise CallFailed(f"cannot reach the connector: {exc}") from None
    code = response.status_code
    if 400 <= code < 500 and code not in _RETRYABLE_STATUS:
        try:
            data = response.json()
        except ValueError:
            data = {}
        reason = data.get("reason") or data.get("detail") if isinstance(data, dict) else None
        return Answer(outcome="refused", reason=str(reason or response.text or code)[:2000])
    if not 200 <= code < 300:
        raise CallFailed(f"the connector answered HTTP {code}")
    try:
        return _answer_of(response.json())
    except ValueError:
        raise CallFailed("the connector's answer is not JSON") from None


def call_entry_point(connector: Connector, request: dict[str, Any]) -> Answer:
    """Calls `module:function(request)` of an installed plugin; it returns an answer mapping."""
    assert connector.entry_point is not None
    module_name, function_name = connector.entry_point.split(":", 1)
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        result = function(request)
    except Exception as exc:  # a plugin's failure is the call's failure, retried
        raise CallFailed(f"{connector.entry_point} failed: {type(exc).__name__}: {exc}") from None
    return result if isinstance(result, Answer) else _answer_of(result)


def _builtin(session: Session, desk: Desk, call: ConnectorCall, case: Case) -> Answer:
    order = session.get(Order, case.order_id) if case.order_id else None
    arguments = dict((call.arguments or {}).get("values") or {})
    return decide_order_action(order_state(order) if order else None, call.action, arguments)


def is_builtin(desk: Desk, connector: str) -> bool:
    return connector in BUILTIN_CONNECTORS and connector not in desk.connectors


def answer_builtin(session: Session, desk: Desk, call_id: int, now: datetime, n: int) -> None:
    """The built-in connector decides and acts in the transaction that records its answer,
    under the call's row lock: a repeat finds it answered and does nothing."""
    call = session.scalar(
        select(ConnectorCall).where(ConnectorCall.id == call_id).with_for_update()
    )
    if call is None or call.status != "pending":
        return
    case = session.get(Case, call.case_id)
    assert case is not None
    record_answer(session, desk, call_id, _builtin(session, desk, call, case), now, n)


def deliver_call(job: Job, ctx: WorkContext) -> None:
    """The `connector.call` handler. A failure raises CallFailed until the connector's last
    attempt (the worker backs off between them); the last one answers `failed`."""
    desk = ctx.desk
    if not isinstance(desk, Desk):
        raise RuntimeError("connector calls need the desk loaded in the worker")
    call_id = int(job.payload["call_id"])
    now = ctx.clock.now()
    if _answered(ctx, call_id):
        return
    with ctx.db.transaction(write=False) as session:
        call = session.get(ConnectorCall, call_id)
        assert call is not None
        case = session.get(Case, call.case_id)
        assert case is not None
        order = session.get(Order, case.order_id) if case.order_id else None
        name, problems = call.connector, list((call.arguments or {}).get("problems") or [])
        request = _request(call, case, order.external_ref if order else None)
    if is_builtin(desk, name) and not problems:
        with ctx.db.transaction() as session:
            answer_builtin(session, desk, call_id, now, job.attempt)
        return
    connector = desk.connectors.get(name)
    answer: Answer | None = None
    if problems:
        answer = Answer(outcome="failed", reason="arguments not filled in: " + "; ".join(problems))
    elif connector is None:
        answer = Answer(outcome="failed", reason=f"the desk has no connector '{name}'")
    else:
        try:
            if connector.url is not None:
                answer = call_http(connector, request, job.idempotency_key, now)
            else:
                answer = call_entry_point(connector, request)
        except CallFailed as exc:
            # Answer `failed` before the worker would dead-letter the row: the run must hear.
            most = ctx.settings.worker_max_attempts if ctx.settings else WorkerPolicy().max_attempts
            limit = min(connector.attempts, most)
            if job.attempt < limit:
                raise
            answer = Answer(outcome="failed", reason=f"{exc} (after {job.attempt} attempts)")
    with ctx.db.transaction() as session:
        record_answer(session, desk, call_id, answer, ctx.clock.now(), job.attempt)


def _answered(ctx: WorkContext, call_id: int) -> bool:
    with ctx.db.transaction(write=False) as session:
        call = session.get(ConnectorCall, call_id)
        return call is None or call.status != "pending"


HANDLERS.add(OutboxKind.CONNECTOR_CALL.value, deliver_call)
