"""Demo cases waiting on the shops: seed 000's missing-item cases whose playbook run asks the
order's shop to verify the card, so each demo shop user finds open tasks in the partner portal.

Opened a few hours ago (inside the task's 2 business days), through the case service like any
contact; the missing-item playbook starts and opens the shop's task.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sopdesk.demo.texts import PARTNERS, contact_for
from sopdesk.domain.cases import Channel
from sopdesk.domain.clock import ManualClock
from sopdesk.domain.desk import Desk
from sopdesk.domain.principal import Principal
from sopdesk.engine.cases import CreateCase, check_create_case, do_create_case
from sopdesk.engine.orders import OrderIn
from sopdesk.store.db import Database

CATEGORY = "missing-item"
TASKS_PER_SHOP = 3
HOURS_AGO = (1.5, 6.0, 19.0)


def load_shop_tasks(
    db: Database, rng: random.Random, desk: Desk, now: datetime, orders: list[OrderIn]
) -> int:
    """Up to TASKS_PER_SHOP missing-item cases per demo shop; answers how many were opened."""
    category = desk.categories.get(CATEGORY)
    if category is None:  # a desk without seed 000's category: no shop tasks to show
        return 0
    system = Principal.system()
    opened = 0
    for slug, *_ in PARTNERS:
        theirs = [o for o in orders if o.partner == slug and o.items][:TASKS_PER_SHOP]
        for order, hours in zip(theirs, HOURS_AGO, strict=False):
            subject, body = contact_for(rng, category, order.items[0].name, order.external_ref)
            first_name = (order.customer_name or "").split(" ")[0]
            command = CreateCase(
                customer_email=order.customer_email,
                customer_name=order.customer_name or "",
                subject=subject,
                body=f"{body}\n\n{first_name}".strip(),
                channel=Channel.EMAIL,
                order_ref=order.external_ref,
                category=CATEGORY,
                tags=["demo"],
            )
            clock = ManualClock(now - timedelta(hours=hours))
            plan = check_create_case(db, system, desk, command)
            do_create_case(db, clock, desk, system, command, plan)
            opened += 1
    return opened
