"""`healthdash scorecards ...`: list, show, export and import scorecards (JSON files, versioned on import)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dashapp.cache import bump_after_commit
from dashapp.cli.context import CliContext, CliError, pass_ctx


@click.group("scorecards")
def scorecards_group() -> None:
    """Scorecards: what the health score is made of."""


@scorecards_group.command("list")
@pass_ctx
def list_cards(ctx: CliContext) -> None:
    """Every scorecard with its current version and the accounts it applies to."""
    from dashapp.scoring import store
    from models.scoring import ScorecardVersion

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        for card in store.list_scorecards(session):
            version = (
                session.get(ScorecardVersion, card.current_version_id) if card.current_version_id else None
            )
            applies = "everyone else (default)" if card.is_default else (json.dumps(card.match) or "nobody")
            state = " [archived]" if card.archived else ""
            click.echo(f"{card.id}\t{card.name}\tv{version.version if version else '-'}\t{applies}{state}")


@scorecards_group.command("show")
@click.argument("scorecard")
@pass_ctx
def show(ctx: CliContext, scorecard: str) -> None:
    """Groups, measures, weights and bands of SCORECARD (name or id)."""
    from dashapp.scoring import store
    from dashapp.scoring.definition import parse_definition

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        store.ensure_default_scorecard(session)
        data = store.export_scorecard(session, store.find_scorecard(session, scorecard).id)
    definition = parse_definition(data["definition"])
    click.echo(f"{data['name']} v{data['version']}" + (" (default)" if data["default"] else ""))
    if data["match"]:
        click.echo(f"applies to: {json.dumps(data['match'])} (priority {data['priority']})")
    total = sum(g.weight for g in definition.groups)
    for group in definition.groups:
        click.echo(f"  {group.label} ({group.weight / total:.0%})")
        inner = sum(m.weight for m in group.measures)
        for m in group.measures:
            window = f", {m.window_days}d" if m.metric_info.windowed else ""
            click.echo(
                f"    {m.label}: {m.aggregation} of {m.metric}{window}, {m.normalisation.type}, "
                f"{m.direction.replace('_', ' ')}, {m.weight / inner:.0%}"
            )
    click.echo("  bands: " + ", ".join(f"{b.name} from {b.min_score:g}" for b in definition.bands))
    click.echo(f"  parents: {definition.rollup.replace('_', ' ')} of their children")


@scorecards_group.command("export")
@click.argument("scorecard")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None)
@pass_ctx
def export(ctx: CliContext, scorecard: str, output: Path | None) -> None:
    """Write SCORECARD (name or id) as JSON, to stdout or --output."""
    from dashapp.scoring import store

    ctx.require_migrated()
    with ctx.db.transaction() as session:
        store.ensure_default_scorecard(session)
        data = store.export_scorecard(session, store.find_scorecard(session, scorecard).id)
    text = json.dumps(data, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"Wrote {output}.")


@scorecards_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def import_(ctx: CliContext, file: Path) -> None:
    """Create a scorecard from FILE, or add a version to the scorecard with the same name."""
    from dashapp.scoring import store

    ctx.require_migrated()
    try:
        data = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"{file} is not valid JSON: {exc}") from None
    with ctx.db.transaction() as session:
        bump_after_commit(session, ctx.settings, "scorecard import")
        store.ensure_default_scorecard(session)
        card, outcome = store.import_scorecard(session, data)
        click.echo(f"Scorecard {card.name!r}: {outcome}.")
