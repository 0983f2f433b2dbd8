"""Chapters in forked processes: no kernel, no message traffic, the run context shared copy-on-write.

A Jupyter kernel per chapter costs a start-up and imports (1.5–2 s) and every output travels as a
message; a warm kernel (:mod:`meethuis.report.kernel`) still holds its own copy of the survey. Here the
runner, with everything imported and the run context in memory, forks one child per chapter
(:func:`run_forked`). The child runs the notebook's code cells in a fresh in-process IPython shell
(:func:`execute_notebook`: a clean namespace, display outputs, execution counts and errors recorded in
the notebook as a kernel would) and writes the executed notebook. Forking takes milliseconds and the
child reads the parent's data without copying them (pages are shared until written).
"""
from __future__ import annotations

import base64
import contextlib
import gc
import io
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from pathlib import Path
from typing import Callable, Sequence

import nbformat

from meethuis.report.kernel import ChapterFailure


def fork_available() -> bool:
    """True where chapters can run in forked processes (POSIX ``fork``; not on Windows)."""
    return hasattr(os, "fork")


# -- executing a notebook in this process -----------------------------------------------------------------
class _Outputs:
    """The outputs of the running cell, in order, as notebook output nodes."""

    def __init__(self) -> None:
        self.items: list = []
        self.execution_count: int | None = None  # of the running cell

    def stream(self, name: str, text: str) -> None:
        last = self.items[-1] if self.items else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text  # a kernel batches a cell's writes into one stream output as well
        else:
            self.items.append(nbformat.v4.new_output("stream", name=name, text=text))

    def rich(self, output_type: str, data: dict, metadata: dict | None, **extra) -> None:
        data = {k: (base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v) for k, v in data.items()}
        self.items.append(nbformat.v4.new_output(output_type, data=data, metadata=dict(metadata or {}), **extra))


class _Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of a running chapter: writes become stream outputs."""

    def __init__(self, outputs: _Outputs, name: str) -> None:
        self.outputs, self.name = outputs, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.outputs.stream(self.name, text)
        return len(text)

    @property
    def encoding(self) -> str:
        return "utf-8"


def _shell(outputs: _Outputs):
    """A fresh IPython shell whose displays, echoed values and tracebacks go to ``outputs``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
            outputs.rich("display_data", data, metadata)

        def clear_output(self, wait: bool = False) -> None:
            outputs.items.clear()

    class Hook(DisplayHook):  # a cell's last value: an execute_result, as a kernel sends it
        def start_displayhook(self) -> None:
            pass

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:
            outputs.rich("execute_result", format_dict, md_dict, execution_count=outputs.execution_count)

        def finish_displayhook(self) -> None:
            pass

    class ChapterShell(InteractiveShell):
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Hook)

        def enable_gui(self, gui=None) -> None:  # figures are shown inline after each cell: no event loop
            pass

        def _showtraceback(self, etype, evalue, stb) -> None:
            outputs.items.append(nbformat.v4.new_output("error", ename=etype.__name__, evalue=str(evalue),
                                                        traceback=list(stb)))

    config = Config()
    config.HistoryManager.enabled = False  # no history database (and no thread writing it)
    InteractiveShell.clear_instance()  # display() finds this shell, not one this process was forked from
    shell = ChapterShell.instance(config=config)
    backend = os.environ.get("MPLBACKEND", "")
    if not backend or "inline" in backend:  # as ipykernel: figures left open are shown after their cell
        shell.enable_matplotlib("inline")
    return shell


def execute_notebook(nb, cwd: str | Path) -> None:
    """Run the code cells of ``nb`` in a fresh IPython shell in this process, filling in their outputs.

    Each cell gets its outputs (displays, echoed value, streams, error) and execution count, as in a
    kernel. Runs in a child made for the chapter: it changes the working folder and ``sys.stdout``.

    Raises
    ------
    ChapterFailure
        A cell raised (its source, error name and value); the cells after it are not run.
    """
    outputs = _Outputs()
    os.chdir(cwd)
    shell = _shell(outputs)
    sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs.items = cell.outputs = []
            outputs.execution_count = shell.execution_count
            result = shell.run_cell(cell.source, store_history=True)
            cell.execution_count = result.execution_count
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                raise ChapterFailure(cell.source, type(error).__name__, str(error), cell.execution_count)
    finally:
        sys.stdout.flush()
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def stable_parameter_ids(nb) -> bool:
    """Give papermill's injected parameters cell a fixed id (it draws a random one), so the same data give
    the same bytes; True when an id changed."""
    changed = False
    for k, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []) and cell.get("id") != f"injected-{k}":
            cell["id"] = f"injected-{k}"
            changed = True
    return changed


def run_notebook(notebook: str | Path, out: str | Path, parameters: dict, cwd: str | Path) -> None:
    """Parameterise ``notebook`` the papermill way, execute it here and write it to ``out`` (also on failure)."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters, report_mode=False)
    stable_parameter_ids(nb)
    try:
        execute_notebook(nb, cwd)
    finally:
        nbformat.write(nb, str(out))


# -- forked children ---------------------------------------------------------------------------------------
class Task:
    """One piece of work for a child: ``name`` (a chapter), the function to run there, and the names of the
    tasks it waits for (``after``)."""

    def __init__(self, name: str, work: Callable[[], object], after: Sequence[str] = ()) -> None:
        self.name, self.work = name, work
        self.after = (after,) if isinstance(after, str) else tuple(after)


def _child(work: Callable[[], object], send) -> None:
    """In the child: run ``work``, send back ``("ok", value)`` or ``("failed", details)``, and exit at once."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a worker's own handlers are not the chapter's
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            message = ("ok", work())
        except ChapterFailure as exc:
            message = ("failed", ("ChapterFailure", exc.source, exc.ename, exc.evalue, exc.exec_count))
        except BaseException as exc:  # anything else: its name, value and where
            message = ("failed", ("error", "", type(exc).__name__, f"{exc}\n{traceback.format_exc(limit=5)}", None))
        send.send(message)
        send.close()
    except BaseException:
        code = 70
    finally:  # no exit handlers, no clean-up of the runner's folders (they are the parent's), no flush of a
        os._exit(code)  # stream whose lock another thread of the parent may have held when it forked


def _die_with(parent: int) -> None:
    """Let the kernel stop this child when ``parent`` dies, even by SIGKILL (Linux ``PR_SET_PDEATHSIG``):
    no chapter lingers after its runner; elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(70)


def release_free_memory() -> None:
    """Collect cyclic garbage and hand freed heap pages back to the system (glibc ``malloc_trim``).

    Called before forking: reading a million answers leaves hundreds of MB freed but still held, which
    every forked child would otherwise carry (and count) as well.
    """
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _fork(work: Callable[[], object]):
    """Fork a child that runs ``work``: its pid and the receiving end of its pipe.

    Plain ``os.fork`` rather than ``multiprocessing``: a report may run inside a daemonic worker (a Dask
    batch), which ``multiprocessing`` forbids to have children.
    """
    read, write = os.pipe()
    receive, send = Connection(read, writable=False), Connection(write, readable=False)
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child
        receive.close()
        _die_with(parent)
        _child(work, send)
    send.close()  # the child holds the other copy: the pipe ends (EOF) when the child ends
    return pid, receive


def _reap(pid: int) -> tuple[str, float]:
    """Wait for child ``pid``: how it ended ("exit code 0", "killed by signal 9") and its CPU seconds."""
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}", cpu
    return f"exit code {os.waitstatus_to_exitcode(status)}", cpu


class ChildFailed(Exception):
    """A forked task failed: ``task`` names it; ``failure`` is a ChapterFailure or the error's name and text."""

    def __init__(self, task: str, failure: ChapterFailure | None, ename: str, evalue: str) -> None:
        self.task, self.failure, self.ename, self.evalue = task, failure, ename, evalue
        super().__init__(f"{task}: {ename}: {evalue}")


def run_forked(tasks: Sequence[Task], jobs: int, on_done: Callable[[str, float, float, object], None] | None = None,
               extra: Sequence[Task] = (), prepare: Callable[[], None] | None = None) -> dict[str, float]:
    """Run ``tasks`` in forked children, at most ``jobs`` at a time, in order; ``extra`` run beside them.

    ``prepare`` runs here after the ``extra`` children started and before the first task forks (imports
    every task needs: done once, beside the extra work).

    A task whose ``after`` names other tasks starts when those succeeded. ``extra`` tasks (shared
    analyses) go first and do not count against ``jobs``, but at most ``jobs + 1`` children run at once
    (memory: each child's own arrays come on top of the shared data). ``on_done(name, seconds,
    cpu_seconds, value)`` is called in this process as each task ends (wall and CPU seconds of its child).
    On the first failure the other children are stopped.

    Returns
    -------
    dict
        Wall seconds per task name (``tasks`` and ``extra``).

    Raises
    ------
    ChildFailed
        The first task that failed or died (its exit signal named).
    """
    waiting, pending = list(tasks), list(extra)
    limit = max(1, int(jobs)) + 1
    running: dict = {}  # receiving end of the child's pipe -> (task, pid, start)
    done: dict[str, float] = {}

    def start(task: Task) -> None:
        pid, receive = _fork(task.work)
        running[receive] = (task, pid, time.perf_counter())

    try:
        release_free_memory()
        while pending and len(running) < limit:
            start(pending.pop(0))
        if prepare is not None:
            prepare()
            release_free_memory()
        gc.freeze()  # what exists now is never collected in a child: no collector walking (and copying) it
        while waiting or pending or running:
            while pending and len(running) < limit:
                start(pending.pop(0))
            busy = sum(1 for t, *_ in running.values() if t not in extra)
            for task in list(waiting):
                if busy >= max(1, int(jobs)) or len(running) >= limit:
                    break
                if all(name in done for name in task.after):
                    waiting.remove(task)
                    start(task)
                    busy += 1
            if not running:
                never = sorted({name for t in waiting for name in t.after} - set(done))
                raise RuntimeError(f"tasks wait for {', '.join(never)}, which never ran")
            for receive in wait_for(list(running)):  # a message (read before the child exits) or EOF
                task, pid, began = running.pop(receive)
                try:
                    message = receive.recv()
                except (EOFError, OSError):
                    message = None
                receive.close()
                ended, cpu = _reap(pid)
                elapsed = time.perf_counter() - began
                if message is None:
                    raise ChildFailed(task.name, None, "ChildProcessError",
                                      f"the process running {task.name} died ({ended}; out of memory?)")
                status, value = message
                if status != "ok":
                    kind, source, ename, evalue, count = value
                    failure = ChapterFailure(source, ename, evalue, count) if kind == "ChapterFailure" else None
                    raise ChildFailed(task.name, failure, ename, evalue)
                done[task.name] = elapsed
                if on_done is not None:
                    on_done(task.name, elapsed, cpu, value)
    finally:
        gc.unfreeze()
        for receive, (task, pid, _) in running.items():  # a failure or an interrupt: stop the rest
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            receive.close()
    return done
