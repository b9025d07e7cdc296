from types import SimpleNamespace

import pytest

from dashapp.auth.permissions import PERMISSIONS, ROLE_PERMISSIONS, can
from models.user import ROLES


def user(role: str, active: bool = True) -> SimpleNamespace:
    return SimpleNamespace(role=role, is_active=active, is_authenticated=True)


def test_every_role_has_permissions_and_roles_are_ordered_by_power() -> None:
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    assert ROLE_PERMISSIONS["viewer"] < ROLE_PERMISSIONS["csm"] < ROLE_PERMISSIONS["manager"]
    assert ROLE_PERMISSIONS["manager"] < ROLE_PERMISSIONS["admin"] == frozenset(PERMISSIONS)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("viewer", "view", True),
        ("viewer", "share_views", False),
        ("viewer", "override_scores", False),
        ("viewer", "edit_scorecards", False),
        ("csm", "override_scores", True),
        ("csm", "edit_scorecards", False),
        ("manager", "edit_scorecards", True),
        ("manager", "manage_users", False),
        ("admin", "manage_users", True),
    ],
)
def test_role_permissions(role: str, permission: str, allowed: bool) -> None:
    assert can(user(role), permission) is allowed


def test_inactive_and_anonymous_users_can_do_nothing() -> None:
    assert not can(user("admin", active=False), "view")
    assert not can(None, "view")
    assert not can(SimpleNamespace(is_authenticated=False, is_active=True, role="admin"), "view")


def test_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        can(user("admin"), "fly")
