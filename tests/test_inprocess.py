"""Chapters in forked processes (report/inprocess.py): the same notebook outputs as a kernel, clean
namespaces, failures named, dead children reported, and the same report as the kernel engine."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import nbformat
import pytest

from meethuis.report import inprocess
from meethuis.report.inprocess import ChildFailed, Task, run_forked

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

CELLS = (
    "from IPython.display import HTML, Markdown, display\nimport sys",
    "print('eerst')\ndisplay(HTML('<b>tabel</b>'))\nprint('daarna', x)\nsys.stderr.write('let op\\n')",
    "display(Markdown('**antwoord**'), metadata={'meethuis': 'answer'})\nx * 2",
    "value = 3\nvalue;",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nplt.close(fig)\n"
    "'leftover' in dir(), len(plt.get_fignums())",
)


def _in_child(notebook: Path, out: Path, parameters: dict, cwd: Path) -> None:
    run_forked([Task("hoofdstuk", lambda: inprocess.run_notebook(notebook, out, parameters, cwd))], jobs=1)


def _outputs(nb) -> list[list[dict]]:
    """Per code cell: its outputs as plain dicts, and its execution count."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cells.append([cell.execution_count] + [
                {k: v for k, v in dict(o).items() if k != "transient"} for o in cell.outputs])
    return cells


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["Agg", None])
def test_outputs_equal_a_kernels(tmp_path, monkeypatch, backend, chapter_notebook):
    """Reference: the same parameterised notebook executed by nbclient in a real kernel; without MPLBACKEND
    both show a figure left open after its cell (inline), with Agg neither does."""
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    if backend is None:
        monkeypatch.delenv("MPLBACKEND", raising=False)
    else:
        monkeypatch.setenv("MPLBACKEND", backend)
    source = chapter_notebook(tmp_path / "a.ipynb", *CELLS, "import matplotlib.pyplot as plt\nplt.plot([1, 3])\nx")
    _in_child(source, tmp_path / "a.out.ipynb", {"x": 21}, tmp_path)
    ours = nbformat.read(str(tmp_path / "a.out.ipynb"), as_version=4)
    reference = parameterize_notebook(load_notebook_node(str(source)), {"x": 21}, report_mode=False)
    NotebookClient(reference, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert _outputs(ours) == _outputs(reference)
    texts = _outputs(ours)
    assert texts[3][1:] == [{"output_type": "stream", "name": "stdout", "text": "eerst\n"},
                            {"output_type": "display_data", "metadata": {},
                             "data": {"text/plain": "<IPython.core.display.HTML object>", "text/html": "<b>tabel</b>"}},
                            {"output_type": "stream", "name": "stdout", "text": "daarna 21\n"},
                            {"output_type": "stream", "name": "stderr", "text": "let op\n"},
                            {"output_type": "execute_result", "metadata": {}, "data": {"text/plain": "7"},
                             "execution_count": 4}]  # what write() returned, echoed as in a kernel
    assert texts[4][-1]["output_type"] == "execute_result" and texts[4][-1]["data"]["text/plain"] == "42"
    assert texts[4][1]["metadata"] == {"meethuis": "answer"}
    assert texts[5] == [6]  # a value ended by ';' is not echoed
    assert texts[6][1]["data"]["text/plain"] == "(False, 0)"
    assert [c[0] for c in texts] == [1, 2, 3, 4, 5, 6, 7, 8]
    shown = [o["output_type"] for o in texts[7][1:]]
    assert shown == (["execute_result", "display_data"] if backend is None else ["execute_result"])


@pytest.mark.slow
def test_each_chapter_has_a_clean_namespace_and_the_runners_environment(tmp_path, monkeypatch, chapter_notebook):
    first = chapter_notebook(tmp_path / "a.ipynb", "leftover = x + 1\nimport matplotlib.pyplot as plt\nplt.figure()")
    second = chapter_notebook(tmp_path / "b.ipynb", "import os, matplotlib.pyplot as plt\n"
                                             "print('leftover' in dir(), x, len(plt.get_fignums()), "
                                             "os.environ['MEETHUIS_RUN_DIR'], os.getcwd())")
    monkeypatch.setenv("MEETHUIS_RUN_DIR", "run-map")
    cwd = os.getcwd()
    run_forked([Task("a", lambda: inprocess.run_notebook(first, tmp_path / "a.out.ipynb", {"x": 41}, tmp_path)),
                Task("b", lambda: inprocess.run_notebook(second, tmp_path / "b.out.ipynb", {"x": 7}, tmp_path))],
               jobs=1)
    out = nbformat.read(str(tmp_path / "b.out.ipynb"), as_version=4)
    assert out.cells[-1].outputs[0]["text"].split() == ["False", "7", "0", "run-map", str(tmp_path)]
    assert [c.source for c in out.cells if c.cell_type == "code"][1] == "# Parameters\nx = 7\n"  # papermill's
    assert os.getcwd() == cwd  # the child changed its own folder, not the runner's


@pytest.mark.slow
def test_a_failing_cell_is_named_and_the_cells_after_it_do_not_run(tmp_path, chapter_notebook):
    chapter = chapter_notebook(tmp_path / "a.ipynb", "y = 1", "undefined_name + y", "print('niet bereikt')")
    with pytest.raises(ChildFailed) as info:
        _in_child(chapter, tmp_path / "a.out.ipynb", {}, tmp_path)
    failure = info.value.failure
    assert info.value.task == "hoofdstuk"
    assert (failure.ename, failure.source, failure.exec_count) == ("NameError", "undefined_name + y", 4)
    assert "undefined_name" in failure.evalue
    written = nbformat.read(str(tmp_path / "a.out.ipynb"), as_version=4)  # written also on failure
    assert written.cells[-2].outputs[0]["output_type"] == "error"
    assert written.cells[-1].outputs == [] and written.cells[-1].execution_count is None


def test_a_child_that_dies_is_reported_with_its_signal_and_the_others_are_stopped(tmp_path):
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def slow() -> None:
        (tmp_path / "begonnen").write_text("ja")
        import time

        time.sleep(60)

    with pytest.raises(ChildFailed) as info:
        run_forked([Task("traag", slow), Task("sterft", die)], jobs=2)
    assert info.value.task == "sterft" and "killed by signal 9" in info.value.evalue
    assert info.value.failure is None


def test_an_error_outside_a_cell_is_named(tmp_path):
    def broken() -> None:
        raise KeyError("kolom")

    with pytest.raises(ChildFailed) as info:
        run_forked([Task("stuk", broken)], jobs=1)
    assert info.value.ename == "KeyError" and "kolom" in info.value.evalue and info.value.failure is None


def test_order_jobs_and_waiting_for_the_shared_analyses(tmp_path):
    """At most ``jobs`` tasks at a time (extra tasks apart), and a task with ``after`` starts when that one is done."""
    log = tmp_path / "log"

    def step(name: str):
        def work() -> str:
            running = len(list(tmp_path.glob("run-*")))
            (tmp_path / f"run-{name}").write_text("")
            with open(log, "a") as fh:
                fh.write(f"start {name} {running}\n")
            import time

            time.sleep(0.2)
            (tmp_path / f"run-{name}").unlink()
            with open(log, "a") as fh:
                fh.write(f"end {name}\n")
            return name.upper()
        return work

    def analyses() -> dict:
        (tmp_path / "analyses-done").write_text("")
        return {"drivers": 1.5}

    seen = {}
    seconds = run_forked([Task("a", step("a")), Task("b", step("b"), after="analyses"), Task("c", step("c"))],
                         jobs=1, on_done=lambda name, s, cpu, value: seen.setdefault(name, (value, cpu >= 0)),
                         extra=[Task("analyses", analyses)])
    events = [line.split()[:2] for line in log.read_text().splitlines()]
    starts = [name for what, name in events if what == "start"]
    assert starts[0] == "a" and sorted(starts) == ["a", "b", "c"]  # b waits for the analyses, a does not
    assert events == [e for name in starts for e in (["start", name], ["end", name])]  # never two at once
    assert [line.split()[2] for line in log.read_text().splitlines() if line.startswith("start")] == ["0"] * 3
    assert seen == {"analyses": ({"drivers": 1.5}, True), "a": ("A", True), "b": ("B", True), "c": ("C", True)}
    assert set(seconds) == {"a", "b", "c", "analyses"}


@pytest.mark.slow
def test_fork_and_kernel_engines_render_the_same_report(tmp_path, monkeypatch):
    """The tables, aggregates and report page equal the warm-kernel engine's (#20: results identical)."""
    from meethuis.report import runner

    monkeypatch.delenv("MEETHUIS_SALT", raising=False)
    chapters = ["00_samenvatting", "03_kpis", "05_drijfveren", "08_benchmark", "09_procesdata", "10_feedback"]
    for engine in ("fork", "warm"):
        runner.run_report(SAMPLE / "isr.yml", tmp_path / engine, chapters=chapters, period="all", progress=False,
                          engine=engine)
    fork, warm = tmp_path / "fork", tmp_path / "warm"
    published = sorted(p.relative_to(fork) for p in fork.rglob("*")
                       if p.is_file() and p.suffix in (".csv", ".json", ".html"))
    assert len([p for p in published if p.suffix == ".csv"]) >= 10
    assert published == sorted(p.relative_to(warm) for p in warm.rglob("*")
                               if p.is_file() and p.suffix in (".csv", ".json", ".html"))
    assert [str(p) for p in published if (fork / p).read_bytes() != (warm / p).read_bytes()] == []


def test_at_most_jobs_plus_one_children_at_once_analyses_first(tmp_path):
    """Memory: the shared analyses do not count against ``jobs``, but no more than ``jobs + 1`` children run."""
    import time

    def step(name: str):
        def work() -> int:
            marker = tmp_path / f"run-{name}"
            marker.write_text("")
            seen = len(list(tmp_path.glob("run-*")))
            time.sleep(0.3)
            marker.unlink()
            return seen
        return work

    seen: dict[str, int] = {}
    order: list[str] = []
    run_forked([Task("a", step("a")), Task("b", step("b"))], jobs=1,
               on_done=lambda name, s, cpu, value: (seen.setdefault(name, value), order.append(name)),
               extra=[Task(f"analyse{k}", step(f"analyse{k}")) for k in range(3)])
    assert max(seen.values()) <= 2 and len(seen) == 5
    assert set(order[:2]) == {"analyse0", "analyse1"}  # the analyses start first, the chapters wait for a free slot


def test_release_free_memory_collects_cyclic_garbage_before_forking():
    import gc
    import weakref

    class Node:
        other = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    gc.disable()
    try:
        del a, b
        assert ref() is not None  # a cycle outlives its names until the collector runs ...
        inprocess.release_free_memory()
        assert ref() is None  # ... which runs before the children are forked
    finally:
        gc.enable()
