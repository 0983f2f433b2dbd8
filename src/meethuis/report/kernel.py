"""Warm kernels: one Python kernel runs several chapter notebooks, each in a clean namespace.

Starting a kernel and importing pandas, matplotlib and meethuis costs 1.5–2 s per chapter, most of a
small organisation's report. A :class:`WarmKernel` starts once per report worker (nbclient), and before
each chapter clears the user namespace (``%reset -f``) and closes open figures, so a chapter sees only
its own parameters, exactly as in a fresh kernel; imported modules stay loaded (that is the saving).
Parameters are injected the papermill way (a cell tagged ``injected-parameters`` after ``parameters``).
A kernel may start and import the chapter modules (:meth:`WarmKernel.warm_up`) while the runner still
reads the survey; the run's folders then reach it per chapter (``env`` of :meth:`WarmKernel.run`).
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat

# Run before every chapter in a reused kernel: an empty namespace and no figures left over.
RESET_SOURCE = ("get_ipython().run_line_magic('reset', '-f')\n"
                "import matplotlib.pyplot as _mh_plt\n_mh_plt.close('all')\ndel _mh_plt\n")
_RESET_TAG = "meethuis-reset"

def import_chapter_modules() -> None:
    """Import what the chapters import (every ``meethuis.report.chapters`` module and the libraries they
    load inside functions): run once per warm kernel, or in the runner before it forks the chapters."""
    import importlib
    import pkgutil

    import IPython.core.interactiveshell  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import matplotlib_inline.backend_inline  # noqa: F401
    import papermill.parameterize  # noqa: F401
    import statsmodels.formula.api  # noqa: F401  (imported inside the functions of several chapters)

    from meethuis.report import chapters

    for module in pkgutil.iter_modules(chapters.__path__):
        importlib.import_module(f"meethuis.report.chapters.{module.name}")


# Run once when a kernel starts early: what every chapter imports (the import is most of a chapter's start-up).
WARM_UP_SOURCE = "from meethuis.report.kernel import import_chapter_modules\nimport_chapter_modules()\n"


class ChapterFailure(Exception):
    """A cell of the chapter raised: the cell's source, error name and value (1-based execution count)."""

    def __init__(self, source: str, ename: str, evalue: str, exec_count: int | None) -> None:
        self.source, self.ename, self.evalue, self.exec_count = source, ename, evalue, exec_count
        super().__init__(f"{ename}: {evalue}")


class WarmKernel:
    """A kernel that stays up between chapters of one report (start lazily, :meth:`close` at the end).

    Parameters
    ----------
    cwd:
        Working folder of the kernel (the notebooks folder, as papermill's ``cwd``).
    kernel_name:
        Jupyter kernel to start.
    """

    def __init__(self, cwd: str | Path, kernel_name: str = "python3") -> None:
        self.cwd = str(cwd)
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None
        self.chapters_run = 0

    def warm_up(self, source: str = WARM_UP_SOURCE) -> float:
        """Start the kernel and run ``source`` (imports) in it, so the first chapter starts warm; seconds.

        Raises
        ------
        ChapterFailure
            ``source`` raised; RuntimeError and friends when the kernel did not start.
        """
        start = time.perf_counter()
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = [_RESET_TAG]
        self._execute(nbformat.v4.new_notebook(cells=[cell]))
        return time.perf_counter() - start

    def run(self, notebook: str | Path, out: str | Path, parameters: dict, env: dict[str, str] | None = None) -> float:
        """Execute ``notebook`` with ``parameters`` in this kernel and write the result to ``out``.

        ``env`` is set in the kernel's ``os.environ`` before the chapter runs (the run's folders, which
        may be made after the kernel started).

        Returns
        -------
        float
            Wall seconds, kernel start-up included the first time.

        Raises
        ------
        ChapterFailure
            A cell raised; RuntimeError and friends when the kernel died.
        """
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        start = time.perf_counter()
        nb = load_notebook_node(str(notebook))  # as papermill: every cell gets a tags list
        nb = parameterize_notebook(nb, parameters, report_mode=False)
        source = RESET_SOURCE  # also in a fresh kernel: every chapter's cells count from 2, however assigned
        if env:
            source += f"import os as _mh_os\n_mh_os.environ.update({dict(env)!r})\ndel _mh_os\n"
        reset = nbformat.v4.new_code_cell(source)
        reset.metadata["tags"] = [_RESET_TAG]
        nb.cells.insert(0, reset)
        self._execute(nb)
        nb.cells = [c for c in nb.cells if _RESET_TAG not in c.metadata.get("tags", [])]
        nbformat.write(nb, str(out))
        return time.perf_counter() - start

    def _execute(self, nb) -> None:
        """Execute ``nb`` in place in this kernel (started on first use)."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        client = NotebookClient(nb, km=self.km, kernel_name=self.kernel_name, timeout=None, allow_errors=False,
                                shutdown_kernel="immediate", record_timing=False,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                resources={"metadata": {"path": self.cwd}})
        if self.km is None:
            self.km = client.create_kernel_manager()
        client.owns_km = False
        client.kc = self.kc
        try:
            client.execute(cleanup_kc=False)
        except CellExecutionError as exc:
            failed = _failed_cell(nb)
            raise ChapterFailure(failed.source if failed is not None else "", exc.ename, exc.evalue,
                                 failed.get("execution_count") if failed is not None else None) from None
        finally:
            self.kc = client.kc
            self.chapters_run += 1

    def close(self) -> None:
        """Stop the kernel (idempotent)."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # the channels may already be gone with a dead kernel
                pass
            self.kc = None
        if self.km is not None:
            from jupyter_core.utils import run_sync

            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            finally:
                run_sync(self.km.cleanup_resources)()
                self.km = None


def _failed_cell(nb) -> nbformat.NotebookNode | None:
    """The code cell whose outputs hold the error (the last one executed)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return cell
    return None
