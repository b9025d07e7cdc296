"""`healthdash privacy ...`: GDPR subject export and erasure (see docs/privacy.md)."""

from __future__ import annotations

from pathlib import Path

import click

from dashapp.cache import bump_after_commit
from dashapp.cli.context import CliContext, CliError, pass_ctx
from dashapp.ops.privacy_erase import erase_contact
from dashapp.ops.privacy_export import PrivacyError, archive, collect_account, collect_contact, filename


@click.group("privacy")
def privacy() -> None:
    """Export everything stored about a contact or an account; erase a contact's personal data."""


@privacy.command("export")
@click.option("--contact", metavar="EMAIL|ID", help="The contact (an email, or a contact id).")
@click.option("--account", "account_id", type=int, metavar="ID", help="The account (its numeric id).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the zip.")
@pass_ctx
def export(ctx: CliContext, contact: str | None, account_id: int | None, output: Path | None) -> None:
    """Write a zip archive (manifest, one JSON document, one CSV per table) about one subject."""
    if (contact is None) == (account_id is None):
        raise CliError("give exactly one of --contact EMAIL|ID and --account ID")
    ctx.require_migrated()
    with ctx.db.transaction() as session:
        try:
            data = collect_contact(session, contact) if contact else collect_account(session, account_id or 0)
        except PrivacyError as exc:
            raise CliError(f"--{exc}") from None
        blob = archive(data)
        target = output or Path(filename(data))
        try:
            target.write_bytes(blob)
        except OSError as exc:
            raise CliError(f"--output: cannot write {target}: {exc.strerror}") from None
    counts = ", ".join(f"{name} {len(rows)}" for name, rows in data.tables.items())
    click.echo(f"Wrote {target} ({data.row_count} rows: {counts}).", err=True)
    click.echo(str(target))


@privacy.command("erase")
@click.option("--contact", required=True, metavar="EMAIL", help="The contact's email address.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def erase(ctx: CliContext, contact: str, yes: bool) -> None:
    """Anonymise every contact with EMAIL: personal data removed, the account's activity kept."""
    ctx.require_migrated()
    if not yes:
        click.confirm(f"Erase the personal data of {contact.strip()}? This cannot be undone", abort=True)
    with ctx.db.transaction() as session:
        bump_after_commit(session, ctx.settings, "privacy erasure")
        try:
            result = erase_contact(session, contact, key=ctx.settings.secret_key, actor_id=None, actor="cli")
        except PrivacyError as exc:
            raise CliError(f"--{exc}") from None
    if not result.erased:
        click.echo(
            f"Nothing left to erase: already erased on {result.erased_at} (reference {result.reference})."
        )
        return
    click.echo(
        f"Erased {result.contacts} contact(s): {result.events} events detached, {result.tickets} tickets and "
        f"{result.surveys} survey answers cleaned, {result.other_rows} other rows scrubbed "
        f"(reference {result.reference})."
    )
