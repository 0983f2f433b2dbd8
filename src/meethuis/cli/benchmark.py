"""``meethuis benchmark``: the community pool (``add``, ``list``, ``remove``, ``export``, ``sample``) and its ``report``."""
from __future__ import annotations

import argparse
import sys


def _cmd_add(args: argparse.Namespace) -> int:
    from pathlib import Path

    from meethuis.improve.pool import PoolSettings, add_aggregates

    create = None
    if not Path(args.pool).exists():
        if not args.create:
            print(f"meethuis benchmark: error: pool {args.pool} does not exist (add --create to make it)",
                  file=sys.stderr)
            return 2
        create = PoolSettings(min_cell=args.min_cell, show_names=args.show_names,
                              title=args.title or PoolSettings.title)
    added = add_aggregates(args.pool, args.files, replace=args.replace, create=create)
    replaced = sum(a.replaced for a in added)
    print(f"{len(added)} file(s) added to {args.pool}" + (f" ({replaced} replaced)" if replaced else ""))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from meethuis.improve.pool import open_pool

    with open_pool(args.pool, read_only=True) as pool:
        subs = pool.submissions()
        s = pool.settings
    print(f"# {s.title}: min_cell {s.min_cell}, names {'shown' if s.show_names else 'hidden (codes)'}, "
          f"{subs['org_id'].nunique()} organisations, {len(subs)} submissions")
    columns = ["code", "org_id", "kind", "size_band", "period", "codebook_version", "core_mapped", "submitted_at",
               "sha256"]
    frame = subs[columns].assign(sha256=subs["sha256"].str[:12],
                                 submitted_at=subs["submitted_at"].dt.strftime("%Y-%m-%d %H:%M"))
    sys.stdout.write(frame.to_csv(sep="\t", index=False))
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from meethuis.improve.pool import open_pool

    with open_pool(args.pool) as pool:
        n = pool.remove(args.organisation, args.period or None)
    print(f"{n} submission(s) of {args.organisation} removed from {args.pool}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from meethuis.improve.pool import open_pool

    with open_pool(args.pool, read_only=True) as pool:
        paths = pool.export(args.out, args.format)
    for p in paths:
        print(p)
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from pathlib import Path

    from meethuis.improve.community_sample import build_sample_pool

    if Path(args.pool).exists() and not args.replace:
        print(f"meethuis benchmark: error: {args.pool} exists (add --replace to rebuild it)", file=sys.stderr)
        return 2
    path = build_sample_pool(args.pool, n_orgs=args.orgs)
    print(path)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from meethuis.report.community import run_community_report
    from meethuis.report.runner import ChapterError

    try:
        result = run_community_report(args.pool, args.out, lang=args.lang, period=args.period, jobs=args.jobs,
                                      progress=not args.quiet)
    except ChapterError as exc:
        print(f"meethuis benchmark report: error: {exc}", file=sys.stderr)
        return 2 if exc.user_error else 1
    print(f"  {'totaal':<26} {result.total_seconds:6.1f} s", file=sys.stderr)
    print(result.path)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``benchmark`` sub-command with its own sub-commands."""
    p = sub.add_parser("benchmark", help="the community's benchmark pool: add, list, remove, export, report")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    a = inner.add_parser("add", help="check aggregates.json files and add them to the pool (all or none)")
    a.add_argument("files", nargs="+", metavar="AGGREGATES.json", help="files written by `meethuis report`")
    a.add_argument("--pool", required=True, help="the pool file (DuckDB), e.g. gemeenschap.duckdb")
    a.add_argument("--replace", action="store_true", help="replace an organisation's submission for the same period")
    a.add_argument("--create", action="store_true", help="create the pool when it does not exist")
    a.add_argument("--min-cell", type=int, default=10, help="with --create: smallest cell the pool accepts")
    a.add_argument("--show-names", action="store_true",
                   help="with --create: reports name the organisations (default: anonymous codes)")
    a.add_argument("--title", default="", help="with --create: the community's name in the report")
    a.set_defaults(func=_cmd_add)

    lst = inner.add_parser("list", help="the pool's submissions (tab-separated)")
    lst.add_argument("--pool", required=True, help="the pool file")
    lst.set_defaults(func=_cmd_list)

    r = inner.add_parser("remove", help="remove an organisation's submissions (one period or all)")
    r.add_argument("organisation", help="organisation id, as in `benchmark list`")
    r.add_argument("--pool", required=True, help="the pool file")
    r.add_argument("--period", default="", help="only this period, e.g. 2026Q3 (default: every period)")
    r.set_defaults(func=_cmd_remove)

    e = inner.add_parser("export", help="write submissions, kpis and drivers as CSV or Parquet files")
    e.add_argument("--pool", required=True, help="the pool file")
    e.add_argument("--out", required=True, help="output folder")
    e.add_argument("--format", choices=["csv", "parquet"], default="csv", help="file format")
    e.set_defaults(func=_cmd_export)

    smp = inner.add_parser("sample", help="build the sample pool: the sample organisations plus generated ones "
                                          "(all fictional, with a planted truth)")
    smp.add_argument("--pool", required=True, help="the pool file to write")
    smp.add_argument("--orgs", type=int, default=40, help="generated organisations besides the samples")
    smp.add_argument("--replace", action="store_true", help="rebuild an existing file")
    smp.set_defaults(func=_cmd_sample)

    _register_report(inner)


def _register_report(inner) -> None:
    """The ``report`` action: the community report."""
    rep = inner.add_parser("report", help="render the community report from the pool")
    rep.add_argument("--pool", required=True, help="the pool file")
    rep.add_argument("--out", required=True, help="output folder")
    rep.add_argument("--lang", choices=["nl", "en"], default="nl", help="language of the report")
    rep.add_argument("--period", default="", help="one period such as 2026Q3; empty = each organisation's latest")
    rep.add_argument("--jobs", type=int, default=2, help="chapters run at once")
    rep.add_argument("--quiet", action="store_true", help="no progress bars")
    rep.set_defaults(func=_cmd_report)
