"""The playbook interpreter: a run's state, the events it takes and the effects it decides.

`advance(playbook, run, event, now, calendar)` is pure; the engine applies what it returns.
"""

from __future__ import annotations

from sopdesk.domain.playbooks.effects import Effect
from sopdesk.domain.playbooks.events import Event
from sopdesk.domain.playbooks.interpreter import advance, begin
from sopdesk.domain.playbooks.state import RunState, RunStatus, Waiting

__all__ = ["Effect", "Event", "RunState", "RunStatus", "Waiting", "advance", "begin"]
