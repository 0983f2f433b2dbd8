"""The ``meethuis`` command line: one sub-command per job, user mistakes as one line and exit code 2.

Each sub-command lives in its own ``_cmd_*`` function, registered in ``build_parser`` (``codebook``)
or by the ``register`` function of a sibling module (:mod:`.intake`, :mod:`.report`); the heavy imports
happen inside those functions so ``meethuis --help`` stays fast.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Sequence

from meethuis import __version__
from meethuis.common.errors import MeethuisError


def _cmd_codebook(args: argparse.Namespace) -> int:
    from meethuis.intake.codebook import load_codebook

    cb = load_codebook()
    if args.format == "md":
        text = cb.to_markdown(args.lang)
    else:
        lines = [f"{i.id}\t{i.construct}\t{i.scale.id}\t{'core' if i.core else 'block'}\t{i.label(args.lang)}"
                 for i in cb.items.values()]
        text = "\n".join(lines) + "\n"
    if args.out:
        from meethuis.intake.io import write_text_atomic

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

    for register in _registrars():
        register(sub)
    return parser


# Each sub-command module of this package adds its parsers through ``register(subparsers)``.
def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:
    from meethuis.cli import benchmark, intake, report, vragenlijst

    return [intake.register, report.register, vragenlijst.register, benchmark.register]


def cli_reference_markdown(lang: str = "nl") -> str:
    """The CLI reference page (Markdown) for the handbook, generated from ``build_parser()``.

    Parameters
    ----------
    lang:
        ``"nl"`` or ``"en"`` for the headings and column names (help texts come from the parser).

    Returns
    -------
    str
        One section per sub-command with its usage line and a table of its arguments.
    """
    nl = lang == "nl"
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    lines = [
        "# " + ("Referentie van de opdrachtregel (`meethuis`)" if nl else "Command-line reference (`meethuis`)"),
        "",
        ("Deze pagina is gegenereerd uit de code (`meethuis.cli.main.build_parser()`), dus altijd gelijk aan de "
         "geïnstalleerde versie. Elke opdracht toont hulp met `meethuis <opdracht> --help`."
         if nl else
         "Generated from the code (`meethuis.cli.main.build_parser()`), so it always matches the installed "
         "version. Every command shows help with `meethuis <command> --help`."),
        "",
    ]
    head = "| argument | standaard | uitleg |" if nl else "| argument | default | meaning |"
    commands = []  # (name, help, parser or None for a heading over its actions, and its actions' lines)
    for name, p in sub.choices.items():  # a command with its own actions (benchmark add, ...) gets one section each
        inner = next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)
        if inner is None:
            commands.append((name, helps.get(name), p))
            continue
        inner_help = {c.dest: c.help for c in inner._choices_actions}
        listing = "\n".join(f"- `meethuis {name} {child}`: {inner_help.get(child) or ''}" for child in inner.choices)
        commands.append((name, f"{(helps.get(name) or '').strip()}\n\n{listing}", None))
        commands += [(f"{name} {child}", inner_help.get(child), q) for child, q in inner.choices.items()]
    for name, text_help, p in commands:
        if p is None:
            lines += [f"## `meethuis {name}`", "", text_help, ""]
            continue
        level = "###" if " " in name else "##"
        lines += [f"{level} `meethuis {name}`", "", (text_help or "").strip(), "", "```text",
                  p.format_usage().strip(), "```", "", head, "|---|---|---|"]
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            flag = ", ".join(action.option_strings) or action.dest
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                flag += " {" + ",".join(str(c) for c in action.choices) + "}"
            default = "" if action.default in (None, argparse.SUPPRESS) else f"`{action.default}`"
            text = (action.help or "").replace("|", "\\|")
            lines.append(f"| `{flag}` | {default} | {text} |")
        lines.append("")
    return "\n".join(lines)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C, so every temporary folder is removed on the way out."""

    signum = signal.SIGTERM


def _on_sigterm(signum, _frame) -> None:
    raise Terminated()


def _stop_now(code: int) -> int:
    """After an interrupt: end at once when worker threads (running kernels) would keep the process alive."""
    if threading.active_count() > 1:
        _kill_children()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _kill_children() -> None:
    """Terminate this process's child processes (chapter kernels); best effort, Linux /proc only."""
    me = os.getpid()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == me:
                os.kill(int(stat_file.parent.name), signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            continue


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    User mistakes print one line and give exit code 2; Ctrl-C gives 130 and SIGTERM 143, each after one
    line and after the run's temporary folders are removed.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args) or 0)
    except MeethuisError as exc:
        print(f"meethuis {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"meethuis {args.command}: terminated (SIGTERM); temporary files removed", file=sys.stderr)
        return _stop_now(128 + signal.SIGTERM)
    except KeyboardInterrupt:
        print(f"meethuis {args.command}: interrupted; temporary files removed", file=sys.stderr)
        return _stop_now(130)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
