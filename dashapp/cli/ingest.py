"""`healthdash write-keys ...`, `healthdash import ...` and `healthdash rollup rebuild`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from dashapp.cache import bump_data_version
from dashapp.cli.context import CliContext, CliError, pass_ctx
from dashapp.ingest.csv_reader import FileProblem
from dashapp.ingest.fields import FIELDS

KINDS = tuple(FIELDS)


@click.group("write-keys")
def write_keys_group() -> None:
    """Keys that let a Segment-compatible source send events."""


def _fields(value: str | None) -> list[str] | None:
    return None if value is None else [f for f in value.split(",") if f.strip()]


@write_keys_group.command("create")
@click.argument("name")
@click.option(
    "--fields",
    default=None,
    help="Comma-separated account fields its group calls may change (default: name, domain, segment, plan, "
    "industry, region, custom). Billing and lifecycle fields must be named here to be allowed.",
)
@pass_ctx
def create_key(ctx: CliContext, name: str, fields: str | None) -> None:
    """Create a write key named NAME and print it (it is shown only this once)."""
    from dashapp.ingest.writekeys import WriteKeyError, create_write_key

    ctx.require_migrated()
    try:
        with ctx.db.transaction() as session:
            row, key = create_write_key(session, name, account_fields=_fields(fields))
    except WriteKeyError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Created write key {row.name!r} (id {row.id}). Store it now; it will not be shown again:")
    click.echo(key)


@write_keys_group.command("list")
@pass_ctx
def list_keys(ctx: CliContext) -> None:
    """List write keys (their first characters only)."""
    from dashapp.ingest.writekeys import list_write_keys

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        for row in list_write_keys(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            fields = ",".join(row.account_fields)
            click.echo(f"{row.id}\t{row.name}\t{row.prefix}…\t{state}\tlast used {used}\tfields {fields}")


@write_keys_group.command("fields")
@click.argument("key")
@click.argument("fields")
@pass_ctx
def key_fields(ctx: CliContext, key: str, fields: str) -> None:
    """Set the account fields (comma-separated) that group calls sent with write key KEY may change."""
    from dashapp.ingest.writekeys import WriteKeyError, set_account_fields

    ctx.require_migrated()
    try:
        with ctx.db.transaction() as session:
            row = set_account_fields(session, key, _fields(fields) or [])
    except WriteKeyError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Write key {row.name!r} may change: {', '.join(row.account_fields) or 'nothing'}.")


@write_keys_group.command("revoke")
@click.argument("key")
@pass_ctx
def revoke_key(ctx: CliContext, key: str) -> None:
    """Revoke the write key with id or name KEY."""
    from dashapp.ingest.writekeys import WriteKeyError, revoke_write_key

    ctx.require_migrated()
    try:
        with ctx.db.transaction() as session:
            row = revoke_write_key(session, key)
    except WriteKeyError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Revoked write key {row.name!r}.")


@click.group("import", invoke_without_command=False)
def import_group() -> None:
    """Import CSV files (accounts, contacts, events, tickets, invoices, surveys) or the Online Retail data."""


def _make_import(kind: str) -> click.Command:
    @click.command(kind)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="Map a column (repeatable).")
    @click.option("--dry-run", is_flag=True, help="Check everything, save nothing.")
    @click.option("--encoding", default="utf-8", show_default=True, help="utf-8, latin-1 or cp1252.")
    @click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Where to write the error report [default: FILE.errors.csv].")  # fmt: skip
    @click.option("--churned-on", default=None, metavar="DATE",
                  help="Accounts: the day a 'yes' in a churn flag column churned on [default: today].")  # fmt: skip
    @pass_ctx
    def command(
        ctx: CliContext,
        file: Path,
        maps: tuple[str, ...],
        dry_run: bool,
        encoding: str,
        errors_path: Path | None,
        churned_on: str | None,
    ) -> None:
        from dashapp.ingest.csv_import import ImportOptions, error_report_lines, run_import

        ctx.require_migrated()
        try:
            reference = date.fromisoformat(churned_on) if churned_on else None
        except ValueError:
            raise CliError(f"--churned-on: {churned_on!r} is not a date like 2026-03-31") from None
        if reference is not None and kind != "accounts":
            raise CliError("--churned-on applies to accounts only")
        try:
            options = ImportOptions.from_cli(
                kind, maps, dry_run=dry_run, encoding=encoding, churned_on=reference
            )
        except FileProblem as exc:
            raise CliError(str(exc)) from None
        with click.progressbar(length=1000, label=f"Importing {kind}", file=sys.stderr) as bar:
            state = {"done": 0}

            def progress(fraction: float, _message: str) -> None:
                step = int(fraction * 1000) - state["done"]
                if step > 0:
                    bar.update(step)
                    state["done"] += step

            try:
                result = run_import(ctx.db, file, options, settings=ctx.settings, progress=progress)
            except Exception as exc:  # recorded on the import as failed; one line for the user
                raise CliError(f"the import stopped: {exc}") from exc
        click.echo(result["message"])
        if result["errors"]:
            target = errors_path or file.with_name(file.name + ".errors.csv")
            with target.open("w", encoding="utf-8", newline="") as out:
                for chunk in error_report_lines(ctx.db, result["import_id"]):
                    out.write(chunk)
            click.echo(f"Error report ({result['errors']:,} errors): {target}")
        if result["status"] == "failed":
            raise CliError(result["message"])

    command.help = f"Import {kind} from a CSV FILE (upsert by id; see docs/ingestion.md for columns)."
    return command


for _kind in KINDS:
    import_group.add_command(_make_import(_kind))


@import_group.command("online-retail")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_ctx
def import_online_retail(ctx: CliContext, files: tuple[Path, ...]) -> None:
    """Import UCI Online Retail files (.csv or .csv.gz): customers, invoices and invoice lines."""
    from dashapp.ingest.online_retail import import_files

    ctx.require_migrated()
    result = import_files(ctx.db, list(files), settings=ctx.settings, echo=click.echo)
    bump_data_version(ctx.settings, "Online Retail import")
    click.echo(
        f"{result['accounts']:,} customers, {result['invoices']:,} invoices, {result['events']:,} lines "
        f"({result['events_new']:,} new); lines skipped as already imported: {result['overlap']:,}"
    )


@import_group.command("telco")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--churned-on", default=None, help="Date recorded as churned_at for Churn=Yes [default: today]."
)
@pass_ctx
def import_telco(ctx: CliContext, file: Path, churned_on: str | None) -> None:
    """Import the IBM Telco churn sample as accounts (custom attributes and churn labels only)."""
    from dashapp.ingest.telco import import_file

    ctx.require_migrated()
    try:
        day = date.fromisoformat(churned_on) if churned_on else None
    except ValueError:
        raise CliError(f"--churned-on: {churned_on!r} is not a date like 2026-01-31") from None
    try:
        result = import_file(ctx.db, file, churned_on=day)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    finally:
        bump_data_version(ctx.settings, "Telco import")
    click.echo(result["message"])


@click.group("rollup")
def rollup_group() -> None:
    """Daily metrics from raw events."""


@rollup_group.command("rebuild")
@click.option("--account", "account_id", type=int, default=None, help="Only this account id.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Only days from DATE.")
@pass_ctx
def rebuild(ctx: CliContext, account_id: int | None, since) -> None:
    """Recompute account_daily_metrics from usage_events (all accounts, or --account)."""
    from jobs.rollup import rebuild as run_rebuild
    from models.account import Account

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        if account_id is not None and session.get(Account, account_id) is None:
            raise CliError(f"there is no account with id {account_id}")
        total = 1 if account_id is not None else session.query(Account).count()
    since_day: date | None = since.date() if since else None
    with click.progressbar(length=total, label="Rolling up", file=sys.stderr) as bar:
        result = run_rebuild(ctx.db, account_id, since_day, progress=bar.update)
    bump_data_version(ctx.settings, "roll-up rebuild")
    click.echo(
        f"{result['accounts']:,} accounts, {result['account_days']:,} account-days: "
        f"{result['changed']:,} changed, {result['removed']:,} removed."
    )
