"""Which modules register worker handlers: the composition root of the background work.

Each capability that writes timers or outbox rows registers a handler per kind on
`sopdesk.engine.jobs.HANDLERS` when its module is imported. This list sits above the engine and
the adapters (the mail and chat handlers live in sopdesk/channels), so the engine never imports
an adapter; `sopdesk serve`, `sopdesk worker` and the desk tests call `import_handlers()` once.
"""

from __future__ import annotations

import importlib

HANDLER_MODULES: tuple[str, ...] = (
    "sopdesk.engine.sla_timers",
    "sopdesk.engine.playbooks",
    "sopdesk.engine.connectors",
    "sopdesk.engine.partner_reminders",
    "sopdesk.channels.handlers",
    "sopdesk.channels.status_mail",
    "sopdesk.engine.callouts",
)


def import_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)
