"""Intake sub-commands: ``meethuis validate`` (data-quality summary) and ``meethuis sample`` (rebuild sample data)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from meethuis.common.errors import ConfigError, MeethuisError


def _cmd_validate(args: argparse.Namespace) -> int:
    from meethuis.intake.validate import load_survey
    from meethuis.intake.io import write_text_atomic

    if bool(args.config) == bool(args.all):
        raise ConfigError("give either --config FILE or --all FOLDER",
                          hint="e.g. meethuis validate --config data/sample/molensloot.yml")
    if args.config:
        from meethuis.report.plan import chapter_plan, comparability_text, plan_text
        from meethuis.report.runner import chapters_available

        survey = load_survey(Path(args.config), strict=args.strict)
        _report_checks(survey)
        lang = args.lang or survey.config.lang
        journeys = _journey_summaries(survey.config, lang)  # before any output: a bad event file prints one line
        sys.stdout.write(survey.summary.to_text(lang) + "\n" + _design_checks(survey.config, lang))
        sys.stdout.write(journeys)
        sys.stdout.write("\n" + comparability_text(survey.config, lang))
        sys.stdout.write("\n" + plan_text(chapter_plan(survey.config, survey.responses, chapters_available()), lang))
        if args.out:  # written only after validation succeeded
            write_text_atomic(Path(args.out), survey.summary.to_frame().to_csv(index=False))
        return 0
    folder = Path(args.all)
    configs = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not folder.is_dir() or not configs:
        raise ConfigError("no organisation configs (*.yml) found", file=str(folder),
                          hint="pass the folder that holds the YAML files, e.g. data/sample")
    failed = 0
    for cfg in configs:
        try:
            survey = load_survey(cfg, strict=args.strict)
            _report_checks(survey)
            journeys = _journey_summaries(survey.config, args.lang or survey.config.lang)
        except MeethuisError as exc:
            failed += 1
            print(f"meethuis validate: error: {exc}", file=sys.stderr)
            continue
        lang = args.lang or survey.config.lang
        sys.stdout.write(survey.summary.to_text(lang) + "\n" + _design_checks(survey.config, lang) + journeys + "\n")
    ok = len(configs) - failed
    print(f"{ok} van {len(configs)} organisaties in orde" if args.lang != "en"
          else f"{ok} of {len(configs)} organisations valid")
    return 2 if failed else 0


def _journey_summaries(config, lang: str) -> str:
    """Read the contact log and appointments (same clear errors as the survey) and summarise them in one line each."""
    from meethuis.intake.events import load_journeys

    if getattr(config, "journeys", None) is None:
        return ""
    files = [f for f in load_journeys(config).values() if f is not None]
    return "".join("\n" + f.summary.to_text(lang) + "\n" for f in files)


def _design_checks(config, lang: str) -> str:
    """The questionnaire design checks of ``meethuis vragenlijst`` for this config, as text lines."""
    from meethuis.intake.vragenlijst import build_questionnaire, checks_text, design_checks

    try:
        return checks_text(design_checks(build_questionnaire(config)), lang)
    except MeethuisError as exc:  # a questionnaire problem does not make the data invalid
        return ("Ontwerpcontrole vragenlijst overgeslagen: " if lang != "en" else "Design check skipped: ") + f"{exc}\n"


def _cmd_init(args: argparse.Namespace) -> int:
    from meethuis.intake.init import init_config

    drivers = [d.strip() for d in ",".join(args.drivers).split(",") if d.strip()] if args.drivers else None
    init_config(Path(args.data), Path(args.out), outcomes=args.outcome or (), drivers=drivers, id_column=args.id,
                period=args.period, name=args.name, lang=args.lang)
    print(Path(args.out).resolve())
    return 0


def _report_checks(survey) -> None:
    """Every check that ``meethuis report`` runs before its chapters (respondents, answers, weights, linkage)."""
    from meethuis.report.context import build_run_context

    build_run_context(survey.config, "all", survey=survey)


def _cmd_sample(args: argparse.Namespace) -> int:
    from meethuis.sample import ORG_IDS, write_samples

    orgs = tuple(args.org) if args.org else ORG_IDS
    unknown = [o for o in orgs if o not in ORG_IDS]
    if unknown:
        raise ConfigError(f"unknown sample organisation '{unknown[0]}'", hint=f"known: {', '.join(ORG_IDS)}")
    written = write_samples(Path(args.out), orgs)
    for path in written:
        print(path)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``validate``, ``init`` and ``sample`` to the ``meethuis`` command line."""
    p = sub.add_parser(
        "validate",
        help="check an organisation's config and data; print the data-quality summary",
        description="Read the survey (and process file) of an organisation, map it onto the codebook and print "
                    "the data-quality summary. Exit code 2 with one line naming file, row, column and a hint "
                    "when something is wrong. A few out-of-range answers are set to missing with a warning; "
                    "--strict makes them fatal.",
    )
    p.add_argument("--config", help="the organisation's YAML config, e.g. data/sample/molensloot.yml")
    p.add_argument("--all", metavar="FOLDER", help="validate every *.yml and *.yaml config in FOLDER")
    p.add_argument("--lang", choices=["nl", "en"], default=None,
                   help="language of the summary (default: the config's lang, which defaults to nl)")
    p.add_argument("--strict", action="store_true", help="treat every out-of-range value as an error")
    p.add_argument("--out", help="also write the per-item summary as CSV to this file (only when valid)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "init",
        help="write a first organisation config from a survey file (roles and scales inferred)",
        description="Read a survey file (CSV, Excel or SPSS), infer each column's role and scale, match headers to "
                    "the codebook by their nl/en labels and write a commented config that validates without "
                    "editing. Own items get the header as label and an id made from it (lower-case ASCII, other "
                    "characters as _).",
    )
    p.add_argument("--data", required=True, help="the survey file")
    p.add_argument("--out", required=True, help="the config to write, e.g. mijn_org.yml")
    p.add_argument("--outcome", action="append", help="outcome column (repeatable); a 0/1 column becomes binary")
    p.add_argument("--drivers", action="append", help="driver columns, comma-separated (default: every other item)")
    p.add_argument("--id", help="respondent id column (default: none, rows are numbered)")
    p.add_argument("--period", help="the period of this one measurement, a year or quarter such as 2024Q2")
    p.add_argument("--name", help="the organisation's name (default: the file name)")
    p.add_argument("--lang", choices=["nl", "en"], default="nl", help="language of the report")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser(
        "sample",
        help="regenerate the synthetic sample organisations (byte-identical)",
        description="Write the data files of the fictional sample organisations with the seeded generator "
                    "meethuis.sample. The output is byte-identical on every run; configs are not touched.",
    )
    p.add_argument("--out", required=True, help="target folder, e.g. data/sample")
    p.add_argument("--org", action="append", help="only this organisation (repeatable); default all")
    p.set_defaults(func=_cmd_sample)
