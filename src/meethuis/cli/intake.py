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
        survey = load_survey(Path(args.config), strict=args.strict)
        lang = args.lang or survey.config.lang
        sys.stdout.write(survey.summary.to_text(lang) + "\n" + _design_checks(survey.config, lang))
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
        except MeethuisError as exc:
            failed += 1
            print(f"meethuis validate: error: {exc}", file=sys.stderr)
            continue
        lang = args.lang or survey.config.lang
        sys.stdout.write(survey.summary.to_text(lang) + "\n" + _design_checks(survey.config, lang) + "\n")
    ok = len(configs) - failed
    print(f"{ok} van {len(configs)} organisaties in orde" if args.lang != "en"
          else f"{ok} of {len(configs)} organisations valid")
    return 2 if failed else 0


def _design_checks(config, lang: str) -> str:
    """The questionnaire design checks of ``meethuis vragenlijst`` for this config, as text lines."""
    from meethuis.intake.vragenlijst import build_questionnaire, checks_text, design_checks

    try:
        return checks_text(design_checks(build_questionnaire(config)), lang)
    except MeethuisError as exc:  # a questionnaire problem does not make the data invalid
        return ("Ontwerpcontrole vragenlijst overgeslagen: " if lang != "en" else "Design check skipped: ") + f"{exc}\n"


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
    """Add ``validate`` and ``sample`` to the ``meethuis`` command line."""
    p = sub.add_parser(
        "validate",
        help="check an organisation's config and data; print the data-quality summary",
        description="Read the survey (and process file) of an organisation, map it onto the codebook and print "
                    "the data-quality summary. Exit code 2 with one line naming file, row, column and a hint "
                    "when something is wrong. A few out-of-range answers are set to missing with a warning; "
                    "--strict makes them fatal.",
    )
    p.add_argument("--config", help="the organisation's YAML config, e.g. data/sample/molensloot.yml")
    p.add_argument("--all", metavar="FOLDER", help="validate every *.yml config in FOLDER")
    p.add_argument("--lang", choices=["nl", "en"], default=None,
                   help="language of the summary (default: the config's lang, which defaults to nl)")
    p.add_argument("--strict", action="store_true", help="treat every out-of-range value as an error")
    p.add_argument("--out", help="also write the per-item summary as CSV to this file (only when valid)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "sample",
        help="regenerate the synthetic sample organisations (byte-identical)",
        description="Write the data files of the fictional sample organisations with the seeded generator "
                    "meethuis.sample. The output is byte-identical on every run; configs are not touched.",
    )
    p.add_argument("--out", required=True, help="target folder, e.g. data/sample")
    p.add_argument("--org", action="append", help="only this organisation (repeatable); default all")
    p.set_defaults(func=_cmd_sample)
