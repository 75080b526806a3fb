"""The ``passage`` command: sub-commands live in ``passage.commands``, one module each."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rich.console import Console

from passage.commands import COMMANDS
from passage.commands.common import CommandError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passage",
        description="Passage: interactive documentaries. Check, play and serve stories.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"passage.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False, soft_wrap=True)
    try:
        return int(args.run(args, console))
    except CommandError as error:
        Console(stderr=True, soft_wrap=True).print(
            f"passage: {error}", style="red", markup=False, highlight=False
        )
        return error.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
