"""The data-in admin page over HTTP: permission, write keys shown once, upload -> mapping -> preview -> job."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from sqlalchemy import select

from jobs.queues import get_queue
from models.ingest import DataImport, WriteKey
from models.job import JobRun
from tests.support.dash_calls import callback_body, render_page


def _call(client, outputs, inputs, state=None):
    response = client.post(
        "/_dash-update-component", json=callback_body(outputs, inputs, state, client=client)
    )
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    return response.json["response"] if response.status_code == 200 else None


def test_page_needs_manage_integrations(client, logged_in) -> None:
    logged_in("manager")
    body = json.dumps(render_page(client, "/admin/data").json)
    assert "forbidden" in body and "Write keys" not in body


def test_admins_see_the_page(client, logged_in) -> None:
    logged_in("admin")
    body = json.dumps(render_page(client, "/admin/data").json)
    assert "Write keys" in body and "Import a CSV file" in body


def test_create_and_revoke_write_keys_on_the_page(client, logged_in, session) -> None:
    logged_in("admin")
    render_page(client, "/admin/data")
    outputs = [("write-key-message", "children"), ("write-key-table-wrap", "children")]
    state = [("write-key-name", "value", "Web app"), ("write-key-revoke-id", "value", None)]
    result = _call(
        client, outputs, [("write-key-create", "n_clicks", 1), ("write-key-revoke", "n_clicks", None)], state
    )
    text = json.dumps(result)
    key = next(w for w in text.replace('"', " ").split() if w.startswith("hdwk_"))
    row = session.scalar(select(WriteKey).where(WriteKey.name == "Web app"))
    assert row.key_hash != key and key not in json.dumps(render_page(client, "/admin/data").json)
    again = json.dumps(
        _call(
            client,
            outputs,
            [("write-key-create", "n_clicks", 2), ("write-key-revoke", "n_clicks", None)],
            state,
        )
    )
    assert "already exists" in again and "hdwk_" not in again
    revoke_state = [("write-key-name", "value", None), ("write-key-revoke-id", "value", str(row.id))]
    body = {**callback_body(outputs, [("write-key-create", "n_clicks", 2), ("write-key-revoke", "n_clicks", 1)],
                            revoke_state), "changedPropIds": ["write-key-revoke.n_clicks"]}  # fmt: skip
    assert client.post("/_dash-update-component", json=body).status_code == 200
    session.refresh(row)
    assert row.revoked_at is not None


def test_upload_shows_mapping_and_preview_then_enqueues_the_import(
    client, logged_in, session, settings
) -> None:
    logged_in("admin")
    csv_text = "Account ID,Company,MRR,Renewal\nx-1,Acme,100,2025-01-01\nx-2,Globex,lots,2025-02-30\n"
    contents = "data:text/csv;base64," + base64.b64encode(csv_text.encode()).decode()
    outputs = [("import-file-message", "children"), ("import-mapping", "children"), ("import-preview", "children"),
               ("import-start", "disabled"), ("import-file", "data")]  # fmt: skip
    result = _call(
        client, outputs,
        [("import-upload", "contents", contents), ("import-kind", "value", "accounts")],
        [("import-upload", "filename", "book.csv"), ("import-file", "data", None)],
    )  # fmt: skip
    text = json.dumps(result)
    assert "import-mapping-table" in text and "import-preview-table" in text
    assert "mrr: " in text and "not a number" in text and "not a date" in text
    assert result["import-start"]["disabled"] is False
    stored = result["import-file"]["data"]
    assert stored["filename"] == "book.csv"

    start_outputs = [("import-run", "data"), ("import-poll", "disabled"), ("import-status", "children"),
                     ("import-start", "disabled")]  # fmt: skip
    ids = [{"type": "import-map", "column": c} for c in ("Account ID", "Company", "MRR", "Renewal")]
    body = callback_body(
        start_outputs,
        [("import-start", "n_clicks", 1)],
        [
            ("import-kind", "value", "accounts"),
            ("import-dry-run", "value", []),
            ("import-file", "data", stored),
        ],
        client=client,
    )
    # Pattern-matching (ALL) states travel as lists, in the callback's State order.
    chosen = ["external_id", "name", "mrr", "renewal_date"]
    values = [{"id": i, "property": "value", "value": v} for i, v in zip(ids, chosen, strict=True)]
    body["state"] = [values, [{"id": i, "property": "id", "value": i} for i in ids], *body["state"]]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    run = response.json["response"]["import-run"]["data"]
    imp = session.get(DataImport, run["import_id"])
    assert (imp.kind, imp.filename, imp.status) == ("accounts", "book.csv", "running")
    assert imp.options["mapping"]["Company"] == "name"
    job = session.get(JobRun, run["run_id"])
    assert (job.kind, job.queue, job.status) == ("csv_import", "ingest", "queued")
    queued = get_queue("ingest", settings).fetch_job(job.rq_job_id)
    assert queued.args[:3] == (imp.id, queued.args[1], "accounts")
    queued.delete()  # nobody runs it: its import record is rolled back with this test
    Path(queued.args[1]).unlink()


def test_error_report_download_needs_the_permission(client, logged_in, session) -> None:
    imp = DataImport(kind="accounts", filename="x.csv", status="finished", error_count=0)
    session.add(imp)
    session.flush()
    logged_in("admin")
    response = client.get(f"/admin/data/imports/{imp.id}/errors.csv")
    assert response.status_code == 200 and response.get_data(as_text=True).startswith(
        "row,column,value,reason"
    )
    assert client.get("/admin/data/imports/999999/errors.csv").status_code == 404


def test_error_report_download_is_refused_without_the_permission(client, logged_in, session) -> None:
    logged_in("csm")
    response = client.get("/admin/data/imports/1/errors.csv")
    assert response.status_code == 403 and response.content_type == "application/problem+json"


def test_changing_the_mapping_updates_the_preview(client, logged_in, settings) -> None:
    from dashapp.ingest.uploads import upload_dir

    logged_in("admin")
    path = upload_dir(settings) / "remap-test.csv"
    path.write_text("Code,Label\nz-1,Zed\n")
    try:
        ids = [{"type": "import-map", "column": c} for c in ("Code", "Label")]
        outputs = [
            ("import-preview", "children"),
            ("import-file-message", "children"),
            ("import-start", "disabled"),
        ]
        body = callback_body(outputs, [], [("import-kind", "value", "accounts"),
                                           ("import-file", "data", {"path": path.name, "filename": "x.csv"})],
                             client=client)  # fmt: skip
        body["inputs"] = [[{"id": i, "property": "value", "value": v} for i, v in zip(ids, ["__ignore__", "name"],
                                                                                       strict=True)]]  # fmt: skip
        body["state"] = [[{"id": i, "property": "id", "value": i} for i in ids], *body["state"]]
        body["changedPropIds"] = ['{"column":"Code","type":"import-map"}.value']
        missing = client.post("/_dash-update-component", json=body).json["response"]
        assert (
            "external_id" in json.dumps(missing["import-file-message"])
            and missing["import-start"]["disabled"]
        )
        body["inputs"][0][0]["value"] = "external_id"
        mapped = client.post("/_dash-update-component", json=body).json["response"]
        assert "z-1" in json.dumps(mapped["import-preview"]) and mapped["import-start"]["disabled"] is False
    finally:
        path.unlink()
