"""``meethuis vragenlijst``: the organisation's questionnaire for LimeSurvey, XLSForm or paper, and the config
that maps the survey tool's export back onto the codebook."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_vragenlijst(args: argparse.Namespace) -> int:
    from meethuis.intake.config import load_config
    from meethuis.intake.vragenlijst import checks_text, write_questionnaire

    config = load_config(Path(args.config))
    lang = args.lang or config.lang
    written = write_questionnaire(config, args.format, Path(args.out), lang)
    nl = lang == "nl"
    print(("Vragenlijst geschreven: " if nl else "Questionnaire written: ") + str(written.path))
    if written.config_path is not None:
        print(("Koppeling voor de export: " if nl else "Mapping for the export: ") + str(written.config_path))
    sys.stdout.write(checks_text(written.checks, lang))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``vragenlijst`` to the ``meethuis`` command line."""
    p = sub.add_parser(
        "vragenlijst",
        help="build the organisation's questionnaire (LimeSurvey, XLSForm or print) and the config for its export",
        description="Build the questionnaire from the codebook and the organisation's config (core, building "
                    "blocks, own items, context questions; Dutch and English) and print design checks. For "
                    "limesurvey and xlsform it also writes <out>.meethuis.yml, a config that maps the tool's "
                    "response export back onto the codebook, ready for `meethuis validate` and `report`.",
    )
    p.add_argument("--config", required=True, help="the organisation's YAML config, e.g. data/sample/molensloot.yml")
    p.add_argument("--format", required=True, choices=["limesurvey", "xlsform", "html"],
                   help="limesurvey = tab-separated import file (.txt), xlsform = .xlsx for KoboToolbox/ODK, "
                        "html = print and review version")
    p.add_argument("--out", required=True, help="file to write (the suffix is added when missing)")
    p.add_argument("--lang", choices=["nl", "en"], default=None,
                   help="main language (default: the config's lang); the survey files carry both languages")
    p.set_defaults(func=_cmd_vragenlijst)
