"""Where a report run writes: an output folder that is ours only, and a private working folder for raw data.

``report --out DIR`` may only write into a new folder, an empty one, or a folder that Meethuis wrote
before (it holds the :data:`MARKER` file and nothing but report files); anything else is refused with a
:class:`~meethuis.common.errors.ConfigError`, so Meethuis never deletes what it did not write. A lock file
beside the folder makes a second run on the same ``--out`` fail fast instead of racing.

The run's raw data (the run context: respondent rows, open answers, link keys) lives only in a private
working folder under the system temp folder (mode 700, files 600), never next to the output. It is removed
when the run ends in any way Python sees (success, error, SIGINT, SIGTERM via the CLI's handler); a folder
left by a SIGKILL is swept by the next run (its lock is no longer held).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterator

from meethuis.common.errors import ConfigError

MARKER = ".meethuis-report"
# What a finished report folder may hold besides the marker (anything else: not ours to replace).
REPORT_ENTRIES = frozenset({MARKER, "report.html", "aggregates.json", "notebooks", "tables",
                            "jullie-zeiden-wij-deden.html"})  # runner.RESIDENTS_PAGE
RUN_DIR_ENV = "MEETHUIS_RUN_DIR"
RUN_PREFIX = "meethuis-run-"
_RUN_LOCK = "run.lock"


# -- the output folder ------------------------------------------------------------------------------------
def check_output_folder(out: str | os.PathLike) -> Path:
    """The absolute output folder, after checking that a report may be written there.

    Parameters
    ----------
    out:
        ``--out`` as typed (relative paths resolve from the current directory).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ConfigError
        When ``out`` is a file, lies under a file or a system folder, or is a folder that holds anything
        that is not a Meethuis report (its contents are never touched).
    """
    path = Path(os.path.abspath(Path(out).expanduser()))
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise ConfigError("the output folder lies under a file, not a folder", file=str(parent),
                              key="--out", hint="choose a folder path for --out, e.g. reports/mijn_org")
    if str(path).startswith(("/proc/", "/sys/", "/dev/")) or str(path) in ("/proc", "/sys", "/dev", "/"):
        raise ConfigError("the output folder lies in a system folder", file=str(path), key="--out",
                          hint="choose a folder in your own work area, e.g. reports/mijn_org")
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise ConfigError("--out exists and is not a folder; it is left as it is", file=str(path), key="--out",
                          hint="choose a new folder name, e.g. reports/mijn_org")
    if path.is_dir():
        entries = sorted(p.name for p in path.iterdir())
        if entries and MARKER not in entries:
            raise ConfigError(f"--out is a folder that is not a Meethuis report ({len(entries)} item(s), e.g. "
                              f"'{entries[0]}'); nothing was changed", file=str(path), key="--out",
                              hint="choose a new or empty folder, e.g. reports/mijn_org")
        ours = REPORT_ENTRIES | set(_marked_entries(path / MARKER))
        foreign = [e for e in entries if e not in ours]
        if foreign:
            raise ConfigError(f"the report folder holds '{foreign[0]}', which Meethuis did not write; nothing "
                              "was changed", file=str(path), key="--out",
                              hint="move that file elsewhere, or choose another --out")
    return path


def write_marker(folder: Path, config_name: str) -> None:
    """Mark ``folder`` as a Meethuis report folder (the only folders a later run may replace).

    The marker lists what the folder holds when it is written; call it again when the report is complete.
    """
    from meethuis import __version__

    entries = sorted(p.name for p in Path(folder).iterdir() if p.name != MARKER)
    (Path(folder) / MARKER).write_text(json.dumps({"meethuis": __version__, "config": config_name,
                                                   "entries": entries}) + "\n", encoding="utf-8")


def _marked_entries(marker: Path) -> list[str]:
    """The entries a marker says Meethuis wrote (empty when the marker cannot be read)."""
    try:
        entries = json.loads(marker.read_text(encoding="utf-8")).get("entries", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [str(e) for e in entries if isinstance(e, str)]


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[Path]:
    """Hold a lock beside ``out`` for the whole run; a second run on the same folder fails at once.

    Stale staging folders of an earlier, killed run on ``out`` (``.NAME.*.tmp`` holding the marker) are
    removed once the lock is held.

    Raises
    ------
    ConfigError
        When another Meethuis run holds the lock, or the folder's parent cannot be created or written.
    """
    import fcntl

    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = out.parent / f".{out.name}.meethuis-lock"
        while True:  # the lock file is removed at the end of a run: lock the file that is still there
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise ConfigError("another Meethuis run is writing this report folder", file=str(out),
                                      key="--out", hint="wait until it has finished, or choose another --out") \
                        from None
                raise
            try:
                if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
    except OSError as exc:
        raise ConfigError(f"cannot write beside the output folder: {exc.strerror}", file=str(out.parent),
                          key="--out", hint="choose a folder you may write to, e.g. reports/mijn_org") from None
    try:
        _sweep_staging(out)
        try:
            yield out
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock)
    finally:
        os.close(fd)


def _sweep_staging(out: Path) -> None:
    """Remove staging folders of ``out`` that a killed run left (only ours: they hold the marker)."""
    for tmp in out.parent.glob(f".{out.name}.*.tmp"):
        if tmp.is_dir() and not tmp.is_symlink() and (tmp / MARKER).exists():
            shutil.rmtree(tmp, ignore_errors=True)


# -- the private working folder ----------------------------------------------------------------------------
@contextlib.contextmanager
def private_run_dir() -> Iterator[Path]:
    """A private working folder for one run (mode 700), removed when the run ends, however it ends.

    Folders of earlier runs whose lock is no longer held (the process was killed) are swept first.
    """
    import fcntl

    sweep_run_dirs()
    path = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))  # mkdtemp: mode 0700, owned by this user
    fd = os.open(path / _RUN_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)


def sweep_run_dirs(root: str | os.PathLike | None = None) -> list[Path]:
    """Remove this user's run folders under ``root`` (the temp folder) whose run no longer lives."""
    import fcntl

    root = Path(root or tempfile.gettempdir())
    removed = []
    for path in root.glob(f"{RUN_PREFIX}*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        try:
            fd = os.open(path / _RUN_LOCK, os.O_RDWR)
        except FileNotFoundError:  # killed before its lock existed, or a run starting right now
            if time.time() - info.st_mtime < 60:
                continue
            fd = None
        except OSError:
            continue
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live run holds it
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` readable by the owner only (mode 600), atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return path
