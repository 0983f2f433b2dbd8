"""Make the screenshot of the print version of the questionnaire shown in book/deel1/vragenlijst.md.

Run from the repository root: ``python book/scripts/vragenlijst_screenshot.py`` (needs Debian's ``chromium``).
It writes Molensloot's print version with ``meethuis vragenlijst --format html`` into a temporary folder and
takes a headless Chromium screenshot of its first screen.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "book" / "deel1" / "vragenlijst-afdruk.png"


def main() -> int:
    from meethuis.cli.main import main as meethuis

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "molensloot.html"
        code = meethuis(["vragenlijst", "--config", str(ROOT / "data" / "sample" / "molensloot.yml"),
                         "--format", "html", "--out", str(page)])
        if code:
            return code
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp}/p",
                        "--hide-scrollbars", "--window-size=900,1250", f"--screenshot={TARGET}", page.as_uri()],
                       check=True, capture_output=True)
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
