"""`healthdash fx ...`: load the European Central Bank's reference rates and look at the stored ones."""

from __future__ import annotations

from pathlib import Path

import click

from dashapp.cache import bump_after_commit
from dashapp.cli.context import CliContext, CliError, pass_ctx


@click.group("fx")
def fx_group() -> None:
    """Exchange rates used to convert money to the reporting currency."""


@fx_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def import_file(ctx: CliContext, file: Path) -> None:
    """Load FILE, an ECB reference-rate CSV: the historical eurofxref-hist.csv or the daily eurofxref.csv
    (from https://www.ecb.europa.eu/stats/eurofxref/). Rates already stored for a day are replaced, so
    importing the same file again changes nothing. A bad cell stops the import before anything is written."""
    from dashapp.money.ecb import FxParseError
    from dashapp.money.rates import import_ecb

    ctx.require_migrated()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(f"{file}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    try:
        with ctx.db.transaction() as session:
            bump_after_commit(session, ctx.settings, "FX rate import")
            result = import_ecb(session, text)
    except FxParseError as exc:
        raise CliError(f"{file}: {exc}") from None
    if not result.rates:
        raise CliError(f"{file}: no rates in the file (every cell is empty or N/A)")
    click.echo(
        f"Imported {result.rates:,} rates for {len(result.currencies)} currencies over {result.days:,} days "
        f"({result.first_day} to {result.last_day})."
    )


@fx_group.command("list")
@click.option("--currency", default=None, help="Only this currency (e.g. USD).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@pass_ctx
def list_command(ctx: CliContext, currency: str | None, limit: int) -> None:
    """The newest stored rates (units per 1 EUR) and where they came from."""
    from dashapp.money.rates import list_rates

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        rows = list_rates(session, currency=currency, limit=limit)
        lines = [f"{r.day}  {r.currency}  {r.rate:>14}  {r.source}" for r in rows]
    click.echo(f"Reporting currency: {ctx.settings.reporting_currency}")
    click.echo("\n".join(lines) if lines else "No rates stored; load some with `healthdash fx import FILE`.")
