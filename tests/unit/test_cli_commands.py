"""The `healthdash` command table: every entry resolves to the command of that name, imported lazily."""

import subprocess
import sys

import click

from dashapp.cli import COMMANDS, cli


def test_every_listed_command_resolves_to_itself() -> None:
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert cli.get_command(ctx, "no-such-command") is None
    assert sorted(COMMANDS) == cli.list_commands(ctx)


def test_a_light_command_does_not_import_the_models_stack() -> None:
    probe = (
        "import sys; from dashapp.cli import main\n"
        "try:\n    main(['users', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'sklearn' not in sys.modules, 'users --help imported scikit-learn'\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Create and list users" in result.stdout
