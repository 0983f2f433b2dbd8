"""Warm kernels: several chapters in one kernel, each in a clean namespace (report/kernel.py)."""
from __future__ import annotations

import nbformat
import pytest

from meethuis.report.kernel import ChapterFailure, WarmKernel


def _notebook(path, *sources: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('x = 0')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), params, *[nbformat.v4.new_code_cell(s) for s in sources]]
    nbformat.write(nb, str(path))
    return path


@pytest.mark.slow
def test_second_chapter_sees_only_its_own_parameters_and_no_figures(tmp_path):
    first = _notebook(tmp_path / "a.ipynb", "leftover = x + 1\nimport matplotlib.pyplot as plt\nplt.figure()\nimport os\n"
                                            "pid = os.getpid()\nprint(pid)")
    second = _notebook(tmp_path / "b.ipynb",
                       "import os, matplotlib.pyplot as plt\nprint(os.getpid(), 'leftover' in dir(), x, "
                       "len(plt.get_fignums()))")
    kernel = WarmKernel(tmp_path)
    try:
        kernel.run(first, tmp_path / "a.out.ipynb", {"x": 41})
        kernel.run(second, tmp_path / "b.out.ipynb", {"x": 7})
        with pytest.raises(ChapterFailure) as info:
            kernel.run(_notebook(tmp_path / "c.ipynb", "y = 1", "leftover"), tmp_path / "c.out.ipynb", {})
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
