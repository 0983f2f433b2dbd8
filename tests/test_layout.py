"""The package layout: one package per stage, imports only go down the stages, and no import cycles.

Stages, bottom to top: ``common`` (errors, formatting, plot style) → ``intake`` (and the ``sample``
generator) → ``stats`` → ``improve`` → ``report`` → ``cli``. Every import of a ``meethuis`` module is
read from the source (also imports inside functions), so a lazy import cannot hide an upward edge.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "meethuis"
STAGES = {"common": 0, "intake": 1, "sample": 1, "stats": 2, "improve": 3, "report": 4, "cli": 5}


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # the package itself: __version__ only
        return 0
    return STAGES[parts[1]]


def imports(path: Path) -> set[str]:
    """Every ``meethuis`` module that ``path`` imports (relative imports resolved)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "meethuis"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "meethuis":
                continue
            for alias in node.names:  # "from meethuis.stats import kpi" imports the module meethuis.stats.kpi
                candidate = f"{base}.{alias.name}"
                is_module = (PKG.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or \
                    (PKG.parent / Path(*candidate.split("."))).is_dir()
                found.add(candidate if is_module else base)
    return found - {here}


GRAPH = {module_name(p): imports(p) for p in PKG.rglob("*.py")}


def test_every_module_belongs_to_a_stage():
    top = {p.stem if p.is_file() else p.name for p in PKG.iterdir()
           if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert top - {"__init__"} <= set(STAGES), f"a module outside the stages: {sorted(top - set(STAGES))}"
    assert {"common", "intake", "stats", "improve", "report", "cli"} <= top


def test_imports_only_go_down_the_stages():
    # the reader sees real edges (module-level, lazy and relative imports alike)
    assert {"meethuis.stats.disclosure", "meethuis.common.errors"} <= GRAPH["meethuis.stats.kpi"]
    assert "meethuis.intake.validate" in GRAPH["meethuis.report.context"]
    assert stage("meethuis.cli.main") > stage("meethuis.report.runner") > stage("meethuis.improve.process")
    upward = sorted(f"{m} ({stage(m)}) imports {d} ({stage(d)})"
                    for m, deps in GRAPH.items() for d in deps if stage(d) > stage(m))
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(GRAPH.get(node, ())):
            if dep not in GRAPH:
                continue
            if state.get(dep) == 1:
                cycles.append(" -> ".join(trail[trail.index(dep):] + [dep]) if dep in trail else dep)
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    # a package's __init__ that re-exports its own modules is not a cycle of concerns
    real = [c for c in cycles if not all(part.startswith(c.split(" -> ")[0].rsplit(".", 1)[0])
                                          for part in c.split(" -> "))]
    assert not real, "\n".join(real)


def test_one_view_module_per_chapter_notebook():
    from meethuis.report.runner import CHAPTERS

    chapters = PKG / "report" / "chapters"
    for chapter in CHAPTERS:
        name = chapter.split("_", 1)[1]
        assert (chapters / f"{name}.py").exists(), f"notebooks/{chapter}.ipynb has no view module {name}.py"


def test_notebooks_import_only_their_chapter_module_and_the_common_one():
    import json

    from meethuis.report.runner import CHAPTERS, NOTEBOOK_DIR

    for chapter in CHAPTERS:
        name = chapter.split("_", 1)[1]
        nb = json.loads((NOTEBOOK_DIR / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("meethuis"):
                    allowed = {f"meethuis.report.chapters.{name}", "meethuis.report.chapters.common"}
                    got = node.module if node.module != "meethuis.report.chapters" else \
                        f"meethuis.report.chapters.{node.names[0].name}"
                    assert got in allowed, f"{chapter}: imports {got}"
                elif isinstance(node, ast.Import):
                    assert not any(a.name.startswith("meethuis") for a in node.names), chapter


def test_chapters_common_stays_small():
    # the run side lives in report/context.py, the display side in report/display.py (issue #11)
    lines = (PKG / "report" / "chapters" / "common.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"report/chapters/common.py has {lines} lines: move run or display helpers out"


# What a reader sees (figures, sentences, reader tables) is made in the report stage, in the chapter's own
# view module; stats/ and improve/ compute numbers. A name says which is which.
VIEW_NAME = re.compile(r"^(plot_\w+|describe_\w+|\w+_view|\w+_sentences?)$")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_stats_and_improve_draw_no_figures_and_write_no_sentences():
    offending = []
    for path in sorted([*(PKG / "stats").rglob("*.py"), *(PKG / "improve").rglob("*.py")]):
        where = path.relative_to(PKG.parent)
        for node in ast.walk(_tree(path)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.split(".")[0] == "matplotlib" or name == "meethuis.common.plots" or \
                        (name == "meethuis.common" and any(a.name == "plots" for a in node.names)):
                    offending.append(f"{where}:{node.lineno} imports {name} (figures belong in report/chapters)")
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and VIEW_NAME.match(node.name):
                offending.append(f"{where}:{node.lineno} defines {node.name} (a view: move it to its chapter module)")
    assert not offending, "\n".join(offending)


def test_chapter_modules_define_their_views_instead_of_re_exporting_them():
    offending = []
    for path in sorted((PKG / "report" / "chapters").glob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("meethuis.stats", "meethuis.improve")):
                offending += [f"{path.name}:{node.lineno} re-exports {a.name} from {node.module}"
                              for a in node.names if VIEW_NAME.match(a.name)]
    assert not offending, "\n".join(offending)
