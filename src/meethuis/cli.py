"""The ``meethuis`` command line: one sub-command per job, user mistakes as one line and exit code 2.

Each sub-command lives in its own ``_cmd_*`` function registered in ``build_parser``; the heavy imports
happen inside those functions so ``meethuis --help`` stays fast.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import MeethuisError


def _cmd_codebook(args: argparse.Namespace) -> int:
    from .codebook import load_codebook

    cb = load_codebook()
    if args.format == "md":
        text = cb.to_markdown(args.lang)
    else:
        lines = [f"{i.id}\t{i.construct}\t{i.scale.id}\t{'core' if i.core else 'block'}\t{i.label(args.lang)}"
                 for i in cb.items.values()]
        text = "\n".join(lines) + "\n"
    if args.out:
        from .io import write_text_atomic

        write_text_atomic(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0


Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meethuis",
        description="Meethuis: measure and improve how citizens and businesses experience government services.",
    )
    parser.add_argument("--version", action="version", version=f"meethuis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("codebook", help="print the measurement model (codebook) as a table or Markdown page")
    p.add_argument("--format", choices=["md", "tsv"], default="tsv", help="md = handbook reference page")
    p.add_argument("--lang", choices=["nl", "en"], default="nl", help="language of labels and wording")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=_cmd_codebook)

    for register in _REGISTRARS:
        register(sub)
    return parser


# Modules that add sub-commands append a function ``register(subparsers)`` here (see below).
_REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = []


def _register_optional() -> None:
    """Register sub-commands whose modules are present (validate, sample, report, ...)."""
    from importlib import import_module

    for name in ("cli_intake", "cli_report"):
        try:
            module = import_module(f"meethuis.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"meethuis.{name}":
                raise
            continue
        _REGISTRARS.append(module.register)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    if not _REGISTRARS:
        _register_optional()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MeethuisError as exc:
        print(f"meethuis {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("meethuis: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
