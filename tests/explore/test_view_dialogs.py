"""Saving, sharing and deleting views from the pages, as functions called by a logged-in user: the save dialog
closes after a save and the page offers a share link; deleting asks first."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from dash import no_update
from sqlalchemy import select

from dashapp.ui.sharing import expiry_days, new_share_link
from dashapp.ui.views import save_and_close
from models.view import SavedView, ShareLink
from tests.explore.test_page_functions import text_of
from tests.explore.test_share_links_http import share_url_in

STATE = [{"path": "/accounts", "q": "band=red&band=yellow&renewal_within=90&sort=-arr", "replace": False}]


def test_a_save_closes_the_dialog_and_offers_a_share_link(as_user, session, book) -> None:
    with as_user("csm") as user:
        problem, note, view_id, name = save_and_close("At risk, renewing", "private", False, STATE)
        again = save_and_close("At risk, renewing", "private", False, STATE)
    view = session.get(SavedView, view_id)
    assert view.owner_id == user.id and view.query == "band=red&band=yellow&renewal_within=90"
    assert view.sort == "-arr"
    assert problem is None and name == ""  # nothing left in the dialog; the store's new id closes it
    shown = text_of(note)
    assert "At risk, renewing" in shown and "view-link-create" in shown and "Open it" in shown
    # A problem keeps the dialog open and says why.
    assert "already have a view called" in text_of(again[0])
    assert all(out is no_update for out in again[1:])


def test_a_viewer_is_not_offered_a_share_link(as_user, book) -> None:
    with as_user("viewer"):
        _problem, note, view_id, _name = save_and_close("Mine", "private", False, STATE)
    assert view_id and "view-link-create" not in text_of(note)


def test_the_share_link_from_the_page_opens_the_view(as_user, session, client, book) -> None:
    with as_user("csm"):
        _p, _note, view_id, _n = save_and_close("Shared", "private", False, STATE)
        created = new_share_link(view_id, "7")
        missing = new_share_link(None, "7")
    url = share_url_in(json.loads(text_of(created)))
    assert "Copy" in text_of(created) and "share-copied" in text_of(created)
    link = session.scalar(select(ShareLink).where(ShareLink.view_id == view_id))
    assert link is not None and link.expires_at is not None
    opened = client.get(urlsplit(url).path)  # no login needed
    assert opened.status_code == 200 and "Shared" in opened.get_data(as_text=True)
    assert "Save the view first" in text_of(missing)


def test_expiry_choices_are_read_safely() -> None:
    assert [expiry_days(v) for v in ("7", "365", None, "", "x", "99999")] == [7, 365, 30, 30, 30, 30]


def test_delete_asks_first_and_names_the_view(as_user, session, page, book) -> None:
    views = page("views")
    with as_user("csm"):
        _p, _note, view_id, _n = save_and_close("Doomed", "private", False, STATE)
        is_open, question, _message = views.delete_question("views-delete", str(view_id))
        closed = views.delete_question("views-delete-cancel", str(view_id))
        nothing_chosen = views.delete_question("views-delete", None)
        assert session.get(SavedView, view_id) is not None  # asking deletes nothing
        done = views.manage_view("views-delete-confirm", str(view_id), None, None)
    assert is_open and "Doomed" in text_of(question) and "cannot be undone" in text_of(question)
    assert closed[0] is False
    assert nothing_chosen[0] is False and "Choose one of your views first" in text_of(nothing_chosen[2])
    assert "Deleted" in text_of(done) and "Doomed" in text_of(done) and "views-ok" in text_of(done)
    assert session.get(SavedView, view_id) is None
