"""`python -m dashapp.cli.entry` runs the CLI (used to start child processes with the same interpreter)."""

from dashapp.cli import main

if __name__ == "__main__":
    main()
