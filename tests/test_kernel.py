"""Warm kernels: several chapters in one kernel, each in a clean namespace (report/kernel.py)."""
from __future__ import annotations

import nbformat
import pytest

from meethuis.report.kernel import ChapterFailure, WarmKernel


@pytest.mark.slow
def test_second_chapter_sees_only_its_own_parameters_and_no_figures(tmp_path, chapter_notebook):
    first = chapter_notebook(tmp_path / "a.ipynb", "leftover = x + 1\nimport matplotlib.pyplot as plt\nplt.figure()\nimport os\n"
                                            "pid = os.getpid()\nprint(pid)")
    second = chapter_notebook(tmp_path / "b.ipynb",
                       "import os, matplotlib.pyplot as plt\nprint(os.getpid(), 'leftover' in dir(), x, "
                       "len(plt.get_fignums()))")
    kernel = WarmKernel(tmp_path)
    try:
        kernel.run(first, tmp_path / "a.out.ipynb", {"x": 41})
        kernel.run(second, tmp_path / "b.out.ipynb", {"x": 7})
        with pytest.raises(ChapterFailure) as info:
            kernel.run(chapter_notebook(tmp_path / "c.ipynb", "y = 1", "leftover"), tmp_path / "c.out.ipynb", {})
    finally:
        kernel.close()
    a = nbformat.read(str(tmp_path / "a.out.ipynb"), as_version=4)
    b = nbformat.read(str(tmp_path / "b.out.ipynb"), as_version=4)
    pid_a = a.cells[-1].outputs[0]["text"].strip()
    pid_b, leftover, x, figures = b.cells[-1].outputs[0]["text"].split()
    assert pid_a == pid_b  # one kernel ...
    assert (leftover, x, figures) == ("False", "7", "0")  # ... and a clean namespace per chapter
    assert [c.source for c in b.cells if c.cell_type == "code"][1] == "# Parameters\nx = 7\n"  # papermill's injection
    assert all("reset" not in c.source for c in b.cells)  # the reset cell is not in the output
    assert info.value.ename == "NameError" and info.value.source == "leftover"
    assert kernel.km is None and kernel.kc is None


@pytest.mark.slow
def test_warmed_kernel_gets_the_run_folders_per_chapter_and_counts_cells_alike(tmp_path, chapter_notebook):
    chapter = chapter_notebook(tmp_path / "a.ipynb", "import os\nprint(os.environ.get('MEETHUIS_RUN_DIR'), "
                                              "'matplotlib.pyplot' in __import__('sys').modules)")
    kernel = WarmKernel(tmp_path)
    try:
        kernel.warm_up("import matplotlib.pyplot")  # started before the run's folders exist
        kernel.run(chapter, tmp_path / "a.out.ipynb", {"x": 1}, env={"MEETHUIS_RUN_DIR": str(tmp_path / "run")})
        fresh = WarmKernel(tmp_path)
        try:
            fresh.run(chapter, tmp_path / "b.out.ipynb", {"x": 1}, env={"MEETHUIS_RUN_DIR": "elders"})
        finally:
            fresh.close()
    finally:
        kernel.close()
    a = nbformat.read(str(tmp_path / "a.out.ipynb"), as_version=4)
    b = nbformat.read(str(tmp_path / "b.out.ipynb"), as_version=4)
    assert a.cells[-1].outputs[0]["text"].split() == [str(tmp_path / "run"), "True"]
    assert b.cells[-1].outputs[0]["text"].split()[0] == "elders"
    counts = [[c.execution_count for c in nb.cells if c.cell_type == "code"] for nb in (a, b)]
    assert counts[0] == counts[1] == [2, 3, 4]  # warm or fresh: the same bytes
    assert all("environ.update" not in c.source for c in a.cells)
