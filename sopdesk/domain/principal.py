"""Who is asking: the principal every check_* function authorises against.

Customers, partners, agents (with level and roles) and the system itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sopdesk.domain.cases import ActorKind, Role, can_see_level, sees_every_level


@dataclass(frozen=True)
class Principal:
    kind: ActorKind
    id: int | None = None
    level: int = 0
    roles: frozenset[Role] = field(default_factory=frozenset)
    name: str = ""

    @classmethod
    def system(cls) -> Principal:
        return cls(kind=ActorKind.SYSTEM, level=4, roles=frozenset({Role.ADMIN}), name="system")

    @property
    def is_agent(self) -> bool:
        return self.kind is ActorKind.AGENT

    @property
    def is_staff(self) -> bool:
        """Agents and the system act on behalf of the desk."""
        return self.kind in (ActorKind.AGENT, ActorKind.SYSTEM)

    def has(self, role: Role) -> bool:
        return self.kind is ActorKind.SYSTEM or role in self.roles

    @property
    def sees_every_level(self) -> bool:
        return self.kind is ActorKind.SYSTEM or (self.is_agent and sees_every_level(self.roles))

    def sees_level(self, level: int) -> bool:
        if self.kind is ActorKind.SYSTEM:
            return True
        return self.is_agent and can_see_level(self.level, self.roles, level)
