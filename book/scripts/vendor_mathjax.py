"""Copy the parts of MathJax the handbook needs from node_modules into book/_vendor/mathjax.

Why: a government site must not send its visitors to a CDN, and `make book` must build offline, so the
handbook serves its own MathJax (pinned in package.json). Run after `npm ci --ignore-scripts`:

    .venv/bin/python book/scripts/vendor_mathjax.py
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "node_modules" / "mathjax" / "es5"
TARGET = ROOT / "book" / "_vendor" / "mathjax"
# the combined TeX + CommonHTML component, its web fonts, the TeX extensions it may autoload, the menu
PARTS = ["tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y"]


def main() -> None:
    if not SOURCE.is_dir():
        raise SystemExit(f"{SOURCE} not found: run `npm ci --ignore-scripts` in {ROOT} first")
    version = json.loads((SOURCE.parent / "package.json").read_text())["version"]
    shutil.rmtree(TARGET, ignore_errors=True)
    for part in PARTS:
        src, dst = SOURCE / part, TARGET / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    licence = SOURCE.parent / "LICENSE"
    shutil.copy2(licence, TARGET / "LICENSE")
    (TARGET / "VERSION").write_text(f"mathjax {version} (npm), copied by book/scripts/vendor_mathjax.py\n")
    print(f"copied MathJax {version} into {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
