"""Saved views and share links: the rules, with each role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dashapp import saved_views as sv
from models.audit import AuditLog
from models.view import SavedView, ShareLink
from tests.support.factories import make_user


def test_save_keeps_filters_columns_sort_and_page_options(session) -> None:
    user = make_user(session, role="viewer")
    view = sv.save_view(
        session,
        user,
        name="  Red   enterprise ",
        page="/accounts",
        query="band=red&segment=enterprise&sort=-arr&columns=name,arr&score_min=oops",
    )
    assert view.name == "Red enterprise"
    assert view.query == "segment=enterprise&band=red"  # canonical; the bad value is left out
    assert view.columns == ["name", "arr"] and view.sort == "-arr"
    assert sv.view_url(view) == "/accounts?segment=enterprise&band=red&columns=name%2Carr&sort=-arr"
    assert view.filters["band"] == ["red"]
    assert session.scalar(select(AuditLog).where(AuditLog.action == "view.save")).object_id == str(view.id)


def test_cohort_and_compare_options_are_kept(session) -> None:
    user = make_user(session, role="csm")
    cohorts = sv.save_view(session, user, name="By plan", page="/cohorts", query="split=plan&date=created_at")
    compare = sv.save_view(
        session, user, name="Ent vs SMB", page="/compare", query="set=segment%3Denterprise&set=segment%3Dsmb"
    )
    assert cohorts.options == {"split": "plan", "date": "created_at"}
    assert compare.options == {"set": ["segment=enterprise", "segment=smb"]}
    assert sv.view_url(compare) == "/compare?set=segment%3Denterprise&set=segment%3Dsmb"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "name: give the view a name"),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"page": "/admin/users"}, "cannot be saved as a view"),
        ({"visibility": "public"}, "is not one of private, team"),
    ],
)
def test_bad_requests_are_named(session, kwargs, message) -> None:
    user = make_user(session, role="csm")
    args = {"name": "A view", "page": "/", "query": "", **kwargs}
    with pytest.raises(sv.ViewError, match=message):
        sv.save_view(session, user, **args)


def test_duplicate_names_per_page_are_refused(session) -> None:
    user = make_user(session, role="csm")
    sv.save_view(session, user, name="Mine", page="/", query="")
    with pytest.raises(sv.ViewError, match="already have a view called 'mine'"):
        sv.save_view(session, user, name="mine", page="/", query="band=red")
    sv.save_view(session, user, name="Mine", page="/accounts", query="")  # another page: fine


def test_viewer_saves_private_views_only_and_cannot_share(session) -> None:
    viewer = make_user(session, role="viewer")
    with pytest.raises(sv.ViewForbidden):
        sv.save_view(session, viewer, name="Team", page="/", query="", visibility="team")
    view = sv.save_view(session, viewer, name="Private", page="/", query="")
    with pytest.raises(sv.ViewForbidden):
        sv.set_visibility(session, viewer, view.id, "team")
    with pytest.raises(sv.ViewForbidden):
        sv.create_share_link(session, viewer, view.id)


def test_team_views_are_visible_but_only_the_owner_changes_them(session) -> None:
    owner = make_user(session, role="csm")
    other = make_user(session, role="csm")
    team = sv.save_view(session, owner, name="Team view", page="/", query="", visibility="team")
    private = sv.save_view(session, owner, name="Private view", page="/", query="")
    assert [v.name for v in sv.visible_views(session, other)] == ["Team view"]
    with pytest.raises(sv.ViewError):
        sv.get_visible(session, other, private.id)
    for action in (
        lambda: sv.rename_view(session, other, team.id, "Hijacked"),
        lambda: sv.delete_view(session, other, team.id),
        lambda: sv.create_share_link(session, other, team.id),
    ):
        with pytest.raises(sv.ViewForbidden):
            action()
    with pytest.raises(sv.ViewError):
        sv.rename_view(session, other, private.id, "x")


def test_one_default_per_user_and_page(session) -> None:
    user = make_user(session, role="viewer")
    a = sv.save_view(session, user, name="A", page="/", query="band=red")
    b = sv.save_view(session, user, name="B", page="/", query="band=green")
    sv.set_default(session, user, a.id, "/")
    sv.set_default(session, user, b.id, "/")
    session.expire_all()
    assert sv.default_view(session, user, "/").id == b.id
    assert session.get(SavedView, a.id).is_default is False
    sv.set_default(session, user, None, "/")
    assert sv.default_view(session, user, "/") is None


def test_share_link_token_is_stored_hashed_and_opens_until_revoked(session) -> None:
    user = make_user(session, role="csm")
    view = sv.save_view(session, user, name="Shared", page="/", query="band=red")
    link, token = sv.create_share_link(session, user, view.id, expires_in_days=7)
    assert len(token) >= 40 and token not in link.token_hash
    assert link.token_hash == sv.hash_token(token)
    access = sv.open_share_link(session, token)
    assert access.view.id == view.id and access.refusal is None
    assert link.uses == 1 and link.last_used_at is not None
    sv.revoke_share_link(session, user, link.id)
    assert sv.open_share_link(session, token).refusal == "This share link was revoked by its owner."


def test_expired_and_unknown_links_are_refused(session) -> None:
    user = make_user(session, role="csm")
    view = sv.save_view(session, user, name="Shared", page="/", query="")
    link, token = sv.create_share_link(session, user, view.id, expires_in_days=1)
    link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert sv.open_share_link(session, token).refusal == "This share link has expired."
    assert sv.open_share_link(session, "not-a-token").view is None
    assert sv.open_share_link(session, "x" * 5000).view is None
    with pytest.raises(sv.ViewError, match="expiry"):
        sv.create_share_link(session, user, view.id, expires_in_days=1000)


def test_deleting_a_view_deletes_its_links(session) -> None:
    user = make_user(session, role="csm")
    view = sv.save_view(session, user, name="Gone soon", page="/", query="")
    _link, token = sv.create_share_link(session, user, view.id)
    sv.delete_view(session, user, view.id)
    assert session.scalars(select(ShareLink)).all() == []
    assert sv.open_share_link(session, token).view is None
