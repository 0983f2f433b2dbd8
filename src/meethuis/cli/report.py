"""``meethuis report``: the rendered report of one organisation, or of every config in a folder (batch)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_report(args: argparse.Namespace) -> int:
    from meethuis.report.runner import ChapterError, batch_exit_code, batch_summary, run_batch, run_report

    if bool(args.config) == bool(args.all):
        print("meethuis report: error: give either --config FILE or --all FOLDER", file=sys.stderr)
        return 2
    if args.all:
        results = run_batch(args.all, args.out, jobs=args.jobs, lang=args.lang, period=args.period,
                            echo=lambda line: print(line, file=sys.stderr, flush=True), scheduler=args.scheduler,
                            engine=args.engine)
        print(batch_summary(results))
        failed = [r for r in results if r.status != "ok"]
        for r in failed:
            print(f"\n{r.organisation}: {r.message}", file=sys.stderr)
        if failed:
            print(f"meethuis report: {len(failed)} of {len(results)} organisation(s) failed", file=sys.stderr)
        return batch_exit_code(results)
    config = args.config
    if Path(config).expanduser().exists():  # a path typed on the command line resolves from the working directory
        config = str(Path(config).expanduser().resolve())
    try:
        result = run_report(config, args.out, lang=args.lang, period=args.period, min_cell=args.min_cell,
                            jobs=args.jobs, progress=not args.quiet, engine=args.engine)
    except ChapterError as exc:
        print(f"meethuis report: error: {exc}", file=sys.stderr)
        return 2 if exc.user_error else 1
    if args.quiet:
        for chapter, seconds in result.seconds.items():
            print(f"  {chapter:<26} {seconds:6.1f} s", file=sys.stderr)
    print(f"  {'totaal':<26} {result.total_seconds:6.1f} s", file=sys.stderr)
    print(result.path)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    p = sub.add_parser("report", help="render the report of an organisation (or of every config in a folder)")
    p.add_argument("--config", help="organisation YAML, e.g. data/sample/molensloot.yml")
    p.add_argument("--all", metavar="FOLDER", help="every *.yml and *.yaml config in FOLDER, in parallel (batch)")
    p.add_argument("--out", required=True, help="output folder (with --all: one sub-folder per organisation)")
    p.add_argument("--lang", choices=["nl", "en"], default=None,
                   help="language of the report (default: the config's lang, which defaults to nl)")
    p.add_argument("--period", default="", help="a quarter such as 2026Q3; 'all' pools every quarter; "
                   "default: the latest quarter in the data")
    p.add_argument("--min-cell", type=int, default=None,
                   help="smallest group shown (default: the config's min_cell; never lower than it)")
    p.add_argument("--jobs", type=int, default=2,
                   help="chapters (or, with --all, organisations: workers of the local Dask cluster) run at once")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --all: a running Dask scheduler (tcp://host:8786) instead of a local cluster; its "
                        "workers need meethuis and the same paths to configs, data and --out")
    p.add_argument("--engine", choices=["fork", "warm", "papermill"], default=None,
                   help="how chapters run: 'fork' (default where the system forks): a child process of the runner "
                        "per chapter; 'warm': a Jupyter kernel per worker; 'papermill': a fresh kernel per chapter")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_report)
