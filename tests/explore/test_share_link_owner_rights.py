"""A share link works only while its owner still holds the right to share (active, a sharing role)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp import saved_views as sv
from dashapp.users import set_active, set_role
from tests.support.factories import make_account, make_user


def _link(session: Session) -> tuple:
    owner = make_user(session, role="csm")
    make_account(session)
    view = sv.save_view(session, owner, name="Book", page="/", query="")
    _link, token = sv.create_share_link(session, owner, view.id, expires_in_days=7)
    session.flush()
    return owner, token


def test_a_link_stops_working_when_its_owner_is_demoted(client: FlaskClient, session: Session) -> None:
    owner, token = _link(session)
    assert client.get(f"/share/{token}").status_code == 200
    set_role(session, owner, "viewer")  # viewers cannot share
    session.flush()
    refused = client.get(f"/share/{token}")
    assert refused.status_code == 410
    assert "no longer" in refused.get_data(as_text=True)
    set_role(session, owner, "manager")  # the right comes back: so does the link
    session.flush()
    assert client.get(f"/share/{token}").status_code == 200


def test_a_link_stops_working_when_its_owner_is_deactivated(client: FlaskClient, session: Session) -> None:
    owner, token = _link(session)
    set_active(session, owner, False)
    session.flush()
    assert client.get(f"/share/{token}").status_code == 410
