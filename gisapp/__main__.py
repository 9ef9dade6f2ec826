"""`python -m gisapp` / `gisapp`: a subcommand goes to the CLI, no arguments opens the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from gisapp.cli import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
