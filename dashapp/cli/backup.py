"""`healthdash backup create` and `healthdash backup restore` (see dashapp/ops/backup.py and restore.py)."""

from __future__ import annotations

from pathlib import Path

import click

from dashapp.cli.context import CliContext, CliError, pass_ctx


@click.group("backup")
def backup() -> None:
    """Back up the database and export files, or restore them into an empty database."""


@backup.command("create")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Archive file (NAME.tar) or a folder for it [default: BACKUP_DIR or backups/ in the data dir].",
)
@pass_ctx
def create(ctx: CliContext, output: Path | None) -> None:
    """Write a backup archive (pg_dump custom format, export files, manifest with checksums); print its path."""
    from dashapp.ops.backup import BackupError, create_backup
    from dashapp.ops.pgtools import ToolError

    try:
        path = create_backup(ctx.settings, output)
    except (BackupError, ToolError) as exc:
        raise CliError(str(exc)) from None
    click.echo(str(path))


@backup.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@pass_ctx
def restore(ctx: CliContext, archive: Path) -> None:
    """Restore ARCHIVE into the empty database DATABASE_URL names, then check every table against it."""
    from dashapp.ops.backup import BackupError
    from dashapp.ops.pgtools import ToolError
    from dashapp.ops.restore import restore_backup

    try:
        report = restore_backup(ctx.settings, archive)
    except (BackupError, ToolError) as exc:
        raise CliError(str(exc)) from None
    click.echo(
        f"Restored {report.tables} tables ({report.rows:,} rows, all matching the backup) and "
        f"{report.files} export files into database {report.database!r}."
    )
