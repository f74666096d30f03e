"""Saved queue views are their owner's only. Who may open each console route is walked in
tests/web/test_permission_matrix.py, generated from sopdesk.domain.policy.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from sopdesk.runtime import Runtime
from tests.ui.conftest import csrf_of, desk_dir, make_case, people, runtime, signed_in

__all__ = ["desk_dir", "make_case", "people", "runtime", "signed_in"]


def test_a_saved_view_is_its_owners_only(
    signed_in: Callable[[str], TestClient], runtime: Runtime
) -> None:
    agent, senior = signed_in("agent"), signed_in("senior")
    token = csrf_of(agent.get("/").text)
    agent.post("/views", data={"name": "mine", "query": "view=mine", "csrf_token": token})
    page = agent.get("/").text
    view_id = page.split("/views/")[1].split("/delete")[0]
    assert "mine" not in senior.get("/").text.split("saved-views")[1].split("</nav>")[0]
    other = senior.post(
        f"/views/{view_id}/delete", data={"csrf_token": csrf_of(senior.get("/").text)}
    )
    assert other.status_code == 404
    assert f"/views/{view_id}/delete" in agent.get("/").text
