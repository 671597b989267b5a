"""What each project role may do. One table, used by the web guard and the templates."""
from __future__ import annotations

from casecoder.models import Role

VIEW, CODE, ANALYSE, MANAGE = "view", "code", "analyse", "manage"

ROLE_CAN: dict[Role, frozenset[str]] = {
    Role.OWNER: frozenset({VIEW, CODE, ANALYSE, MANAGE}),
    Role.CODER: frozenset({VIEW, CODE, ANALYSE}),
    Role.ANALYST: frozenset({VIEW, ANALYSE}),  # counts and exports, no coding
    Role.READER: frozenset({VIEW}),
}


def can(role: Role | None, action: str) -> bool:
    return role is not None and action in ROLE_CAN[role]
