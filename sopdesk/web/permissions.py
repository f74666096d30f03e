"""Each route's declared permission, enforced before the route runs.

`needs("cases.reply")` is the API's dependency (bearer token); the console's is
`sopdesk.web.ui.viewer.page_needs`. Both ask `sopdesk.domain.policy`, the one table; the
object-level checks (the case's level, the shop's task, the named approver) follow in the
engine. tests/web/test_permission_matrix.py walks every route and fails one without a `Needs`.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts

from sopdesk.domain.policy import Permission, allows, permission, refusal
from sopdesk.domain.principal import Principal
from sopdesk.errors import Forbidden
from sopdesk.web.auth import Caller


class Needs:
    """A route's permission; FastAPI calls it (a dependency) before the route."""

    def __init__(self, name: str) -> None:
        self.permission: Permission = permission(name)

    def enforce(self, principal: Principal | None) -> None:
        if not allows(self.permission.name, principal):
            raise Forbidden(refusal(self.permission.name))


class Public(Needs):
    """Needs no sign-in; a signed link in the address is checked by the route."""

    async def __call__(self) -> None:
        return None


class ApiNeeds(Needs):
    async def __call__(self, caller: Caller) -> Principal:
        self.enforce(caller)
        return caller


def needs(name: str) -> params.Depends:
    """The dependency an API route declares: `dependencies=[needs("cases.read")]`."""
    found = Needs(name).permission
    return Depends(Public(name) if found.public else ApiNeeds(name))


def declared(dependencies: list[params.Depends]) -> Permission | None:
    """The permission a route declares among its dependencies (the route walk reads it)."""
    for dependency in dependencies:
        if isinstance(dependency.dependency, Needs):
            return dependency.dependency.permission
    return None


def route_permissions(app: FastAPI) -> list[tuple[str, str, Permission | None]]:
    """(methods, full path, declared permission) of every FastAPI route of the app, however
    routers are nested: the route walk and the docs' route table read it."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            methods = ", ".join(sorted(set(route.methods or ()) - {"HEAD"}))
            found.append((methods, str(context.path), declared(route.dependencies)))
    return sorted(found, key=lambda r: (r[1], r[0]))


def route_table(app: FastAPI) -> str:
    """The markdown table of every route and the permission it declares (docs/security.md)."""
    rows = ["| route | permission |", "|---|---|"]
    for methods, path, found in route_permissions(app):
        rows.append(f"| `{methods} {path}` | `{found.name if found else 'NONE'}` |")
    return "\n".join(rows) + "\n"
