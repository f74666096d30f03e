"""Which order line(s) a case is about: read, named at intake, replaced by an agent.

The choice itself is sopdesk.domain.case_items; each change is a `field_change` event `items`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sopdesk.domain.case_items import ItemName, named_items, the_item
from sopdesk.domain.cases import EventKind
from sopdesk.domain.principal import Principal
from sopdesk.engine.timeline import NewEvent, append_event
from sopdesk.errors import InvalidInput
from sopdesk.store.models import CaseItem, OrderItem

FIELD = "items"


def item_names(items: Sequence[OrderItem]) -> list[ItemName]:
    return [ItemName(i.id, i.name, i.sku or "", i.variant or "") for i in items]


def order_lines(session: Session, order_id: int | None) -> list[OrderItem]:
    """The lines of an order, in its order (none without an order)."""
    if order_id is None:
        return []
    query = select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.id)
    return list(session.scalars(query))


def chosen_item_ids(session: Session, case_id: int) -> list[int]:
    """The ids of the order lines the case is about, as chosen (at intake or by an agent)."""
    return list(
        session.scalars(
            select(CaseItem.item_id).where(CaseItem.case_id == case_id).order_by(CaseItem.item_id)
        )
    )


def case_item(lines: Sequence[OrderItem], chosen: Sequence[int]) -> OrderItem | None:
    """The one item the case is about, or None when it is not known which line is meant."""
    one = the_item(chosen, [i.id for i in lines])
    return next((i for i in lines if i.id == one), None)


def _label(items: Sequence[OrderItem]) -> str | None:
    return ", ".join(i.name for i in items) or None


def refuse_odd_items(lines: Sequence[OrderItem], item_ids: Sequence[int]) -> None:
    """An InvalidInput naming the ids that are not lines of the order, and the lines that are."""
    known = {i.id for i in lines}
    odd = [i for i in item_ids if i not in known]
    if odd:
        names = ", ".join(f"{i.id} ({i.name})" for i in lines) or "none"
        raise InvalidInput(
            f"item {', '.join(map(str, odd))} is not on the case's order (its items: {names})",
            errors=[{"loc": ["body", "item_ids"], "msg": "not an item of the case's order"}],
        )


def name_items_at_intake(
    session: Session,
    case_id: int,
    order_id: int,
    text: str,
    now: datetime,
    principal: Principal,
    chosen: Sequence[int] = (),
) -> NewEvent | None:
    """Records the lines of the order the agent chose when opening the case (`chosen`, checked
    to be lines of the order), else those the contact's subject or body names; returns the
    timeline event to write with the case's others (None when none)."""
    lines = order_lines(session, order_id)
    if chosen:
        named, by, actor, why = set(chosen), "agent", principal, "chosen when the case was opened"
    else:
        named = set(named_items(text, item_names(lines)))
        by, actor, why = "message", Principal.system(), "named in the customer's message"
        if len(lines) < 2:  # an only line is the case's item without a choice
            return None
    if not named:
        return None
    picked = [i for i in lines if i.id in named]
    session.execute(
        insert(CaseItem),
        [{"case_id": case_id, "item_id": i.id, "chosen_by": by, "at": now} for i in picked],
    )
    return NewEvent.of(
        case_id,
        EventKind.FIELD_CHANGE,
        now,
        actor,
        body=why,
        data={"field": FIELD, "from": None, "to": _label(picked), "item_ids": sorted(named)},
    )


def replace_items(
    session: Session,
    case_id: int,
    lines: Sequence[OrderItem],
    item_ids: Sequence[int],
    actor: Principal,
    now: datetime,
    reason: str | None,
) -> bool:
    """Sets the case's items to `item_ids` (lines of its order); False when nothing changed."""
    before = chosen_item_ids(session, case_id)
    wanted = sorted(set(item_ids))
    if before == wanted:
        return False
    session.execute(delete(CaseItem).where(CaseItem.case_id == case_id))
    if wanted:
        rows = [{"case_id": case_id, "item_id": i, "chosen_by": "agent", "at": now} for i in wanted]
        session.execute(insert(CaseItem), rows)
    by_id = {i.id: i for i in lines}
    append_event(
        session,
        case_id,
        EventKind.FIELD_CHANGE,
        now,
        actor,
        body=reason,
        data={
            "field": FIELD,
            "from": _label([by_id[i] for i in before if i in by_id]),
            "to": _label([by_id[i] for i in wanted]),
            "item_ids": wanted,
        },
    )
    return True
