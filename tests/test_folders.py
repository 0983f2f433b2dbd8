"""Output folders are ours only; the run's raw data lives in a private temp folder that never outlives it.

Fast tests check the folder rules, the lock and the sweep on hand-made folders. The slow tests run a
real (one-cell) report through the command line in a child process and send it SIGTERM, SIGINT and
SIGKILL while its chapter runs, then look at what is left on disk.
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from meethuis.cli.main import main
from meethuis.common.errors import ConfigError
from meethuis.report import folders
from meethuis.report import context as run_context

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


# -- which --out folders may be written ---------------------------------------------------------------------
def test_new_or_empty_folder_is_accepted(tmp_path):
    assert folders.check_output_folder(tmp_path / "nieuw") == tmp_path / "nieuw"
    (tmp_path / "leeg").mkdir()
    assert folders.check_output_folder(tmp_path / "leeg") == tmp_path / "leeg"


def test_relative_out_resolves_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert folders.check_output_folder("rapporten/org") == tmp_path / "rapporten" / "org"


def test_folder_with_other_files_is_refused_and_left_alone(tmp_path, monkeypatch):
    (tmp_path / "org.yml").write_text("organisation: {id: org}\n", encoding="utf-8")
    (tmp_path / "enquete.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="not a Meethuis report") as info:
        folders.check_output_folder(".")  # `--out .` in the organisation's own folder
    assert info.value.key == "--out"
    other = tmp_path / "rapporten" / "andere_org"
    other.mkdir(parents=True)
    (other / "report.html").write_text("van een ander", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a Meethuis report"):
        folders.check_output_folder(tmp_path / "rapporten")
    assert (tmp_path / "org.yml").exists() and (other / "report.html").read_text() == "van een ander"


def test_file_or_path_under_a_file_or_system_folder_is_refused(tmp_path):
    target = tmp_path / "rapport.html"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a folder"):
        folders.check_output_folder(target)
    with pytest.raises(ConfigError, match="under a file"):
        folders.check_output_folder(target / "sub")
    with pytest.raises(ConfigError, match="system folder"):
        folders.check_output_folder("/proc/meethuis")
    assert target.read_text() == "x"


def test_our_report_folder_is_accepted_but_not_with_anything_added(tmp_path):
    out = tmp_path / "org"
    (out / "tables").mkdir(parents=True)
    folders.write_marker(out, "org.yml")
    (out / "report.html").write_text("<html></html>", encoding="utf-8")
    assert folders.check_output_folder(out) == out
    (out / "mijn_notities.txt").write_text("eigen werk", encoding="utf-8")
    with pytest.raises(ConfigError, match="mijn_notities.txt"):
        folders.check_output_folder(out)


def test_cli_refuses_a_foreign_out_with_one_line_before_reading_data(tmp_path, capsys):
    (tmp_path / "bestand").write_text("x", encoding="utf-8")
    assert main(["report", "--config", str(SAMPLE / "isr.yml"), "--out", str(tmp_path / "bestand")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a folder" in err
    assert (tmp_path / "bestand").read_text() == "x"


# -- the lock ----------------------------------------------------------------------------------------------
def test_second_run_on_the_same_folder_fails_fast(tmp_path):
    out = tmp_path / "org"
    with folders.output_lock(out):
        with pytest.raises(ConfigError, match="another Meethuis run"):
            with folders.output_lock(out):
                pass
    with folders.output_lock(out):  # released at the end, and its file removed
        pass
    assert [p.name for p in tmp_path.iterdir()] == []


def test_lock_sweeps_only_our_stale_staging_folders(tmp_path):
    out = tmp_path / "org"
    ours = tmp_path / ".org.abc123.tmp"
    ours.mkdir()
    folders.write_marker(ours, "org.yml")
    theirs = tmp_path / ".org.def456.tmp"
    theirs.mkdir()
    (theirs / "eigen.txt").write_text("x", encoding="utf-8")
    with folders.output_lock(out):
        pass
    assert not ours.exists() and (theirs / "eigen.txt").exists()


# -- the private working folder ------------------------------------------------------------------------------
def test_private_run_dir_is_700_its_files_600_and_removed_on_error(tmp_path, monkeypatch):
    monkeypatch.setattr(folders.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError):
        with folders.private_run_dir() as run:
            assert run.parent == tmp_path
            assert stat.S_IMODE(run.stat().st_mode) == 0o700
            context = run_context.write_run_context({"raw": "answers"}, run)
            assert stat.S_IMODE(context.stat().st_mode) == 0o600
            raise RuntimeError("boom")
    assert not list(tmp_path.glob("meethuis-run-*"))


def test_sweep_removes_dead_runs_and_keeps_live_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(folders.tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "meethuis-run-dood"
    dead.mkdir(mode=0o700)
    (dead / "run.lock").write_text("", encoding="utf-8")
    (dead / "run-context.pkl").write_bytes(b"raw")
    with folders.private_run_dir() as live:  # sweeps on entry; holds its own lock
        assert not dead.exists()
        assert folders.sweep_run_dirs(tmp_path) == [] and live.exists()


def test_relative_config_resolves_from_the_current_folder(tmp_path, monkeypatch):
    own = tmp_path / "data" / "sample"
    own.mkdir(parents=True)
    (own / "molensloot.yml").write_text("organisation: {id: eigen}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run_context.resolve_config_path("data/sample/molensloot.yml") == own / "molensloot.yml"
    assert run_context.resolve_config_path("molensloot") == SAMPLE / "molensloot.yml"  # a sample name
    with pytest.raises(ConfigError, match="current folder"):
        run_context.resolve_config_path("data/sample/isr.yml")


# -- slow: signals while a chapter runs --------------------------------------------------------------------------
_RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from meethuis.report import runner
    from meethuis.cli.main import main
    runner.NOTEBOOK_DIR = Path(sys.argv[1])
    runner.chapters_available = lambda *a: ["99_wacht"]
    sys.exit(main(["report", "--config", sys.argv[2], "--out", sys.argv[3], "--quiet", "--jobs", "1",
                   "--engine", sys.argv[4]]))
""")


def _slow_chapter(folder: Path, flag: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('config_path = "isr"\nperiod = ""\nlang = "nl"\nmin_cell = 10')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Wacht"), params,
                nbformat.v4.new_code_cell(f"import os, pathlib, time\npathlib.Path({str(flag)!r}).write_text(str(os.getpid()))\n"
                                          "time.sleep(120)")]
    folder.mkdir()
    nbformat.write(nb, str(folder / "99_wacht.ipynb"))


def _start(tmp_path: Path, engine: str = "fork"):
    temp = tmp_path / "tmp"
    temp.mkdir()
    flag = tmp_path / "running"
    _slow_chapter(tmp_path / "notebooks", flag)
    out = tmp_path / "werk" / "org"
    env = dict(os.environ, TMPDIR=str(temp))
    proc = subprocess.Popen([sys.executable, "-c", _RUNNER, str(tmp_path / "notebooks"), str(SAMPLE / "isr.yml"),
                             str(out), engine], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (flag.exists() and flag.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "the chapter never started"
        time.sleep(0.2)
    runs = list(temp.glob("meethuis-run-*"))
    assert len(runs) == 1 and stat.S_IMODE(runs[0].stat().st_mode) == 0o700
    context = runs[0] / run_context.RUN_CONTEXT
    if engine == "fork":  # the raw run context stays in memory, shared with the chapters
        assert not context.exists()
    else:
        assert context.exists() and stat.S_IMODE(context.stat().st_mode) == 0o600
    staged = list(out.parent.glob(".org.*.tmp"))
    assert staged and not list(staged[0].rglob("*.pkl"))  # nothing raw beside the output
    return proc, temp, out


def _gone(pid: int, seconds: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (or is a zombie) within ``seconds``."""
    import psutil

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("signum, code, engine", [(signal.SIGTERM, 143, "fork"), (signal.SIGINT, 130, "fork"),
                                                  (signal.SIGTERM, 143, "warm")])
def test_sigterm_and_sigint_remove_every_temporary_folder(tmp_path, signum, code, engine):
    proc, temp, out = _start(tmp_path, engine)
    chapter = int((tmp_path / "running").read_text())
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert _gone(chapter)  # the chapter's process (forked child or kernel) is stopped too
    assert err.strip().count("\n") == 0 and ("terminated" in err or "interrupted" in err)
    assert not list(temp.glob("meethuis-run-*"))
    assert sorted(p.name for p in out.parent.iterdir()) == []  # no staging folder, no lock, no report


@pytest.mark.slow
def test_after_sigkill_the_next_run_sweeps_what_was_left(tmp_path, monkeypatch):
    proc, temp, out = _start(tmp_path)
    chapter = int((tmp_path / "running").read_text())
    proc.kill()
    proc.wait(timeout=30)
    assert _gone(chapter)  # a forked chapter dies with its runner, even by SIGKILL
    left = list(temp.glob("meethuis-run-*"))
    assert left  # a SIGKILL cannot be handled ...
    monkeypatch.setattr(folders.tempfile, "tempdir", str(temp))
    with folders.output_lock(out), folders.private_run_dir():  # ... so the next run removes it first
        assert [p for p in temp.glob("meethuis-run-*") if p in left] == []
        assert not list(out.parent.glob(".org.*.tmp"))


def test_marker_lists_what_the_run_wrote(tmp_path):
    out = tmp_path / "org"
    out.mkdir()
    (out / "nieuw_bestand.html").write_text("x", encoding="utf-8")  # written by a later Meethuis version
    folders.write_marker(out, "org.yml")
    assert folders.check_output_folder(out) == out
    (out / "eigen.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="eigen.txt"):
        folders.check_output_folder(out)
