"""The benchmark pool of a learning community: every organisation's ``aggregates.json``, in one DuckDB file.

A coordinator collects the organisations' suppressed aggregates each quarter (``meethuis benchmark add``)
and renders the community report from the pool. The pool holds aggregates only — never respondent data —
and checks every file before it enters: schema and codebook version, nothing below the pool's
``min_cell``, the disclosure rule of :mod:`meethuis.stats.disclosure` (applying it again must change
nothing), no duplicate (organisation, period) unless replaced. Every file is checked completely before
anything is written, and the files of one ``add`` are written in one transaction: all or none.

Schema (version :data:`POOL_SCHEMA_VERSION`, in ``meta.schema_version``):

``meta(key, value)``
    ``schema_version``, ``min_cell`` (smallest cell accepted), ``show_names`` (``true``: reports name the
    organisations; otherwise anonymous codes), ``title``, ``created_at``.
``organisations(org_id, code, first_added)``
    A stable anonymous code per organisation (``D001``, ...), given at its first submission.
``submissions(submission_id, org_id, org_name, kind, size_band, fictional, period, period_first,
period_last, codebook_version, schema_version, min_cell, weighted, core_mapped, missing_core,
submitted_at, sha256, source)``
    One row per file; ``period`` is the file's period label, or ``first–last`` when it covers several
    quarters; unique per (``org_id``, ``period``). ``sha256`` is the digest of the file as submitted.
``kpis(submission_id, kpi, item, statistic, level, grp, estimate, ci_low, ci_high, se, n, n_eff,
suppressed, comparable)``
    The file's KPI rows (``level`` ``totaal``/``kanaal``/``dienst``/``periode``; ``grp`` the group).
``drivers(submission_id, outcome, driver, family, importance, ci_low, ci_high, share, share_ci_low,
share_ci_high, rank, n, comparable)``
    The importance of each core driver per core outcome, with its bootstrap interval.

Migration path: :data:`MIGRATIONS` maps version ``k`` to the function that brings a pool from ``k`` to
``k + 1``; :func:`open_pool` applies them in order (in one transaction) when it opens an older pool and
refuses a pool made by a newer Meethuis. Old ``aggregates.json`` versions are upgraded on reading
(:func:`meethuis.improve.benchmark.upgrade_aggregates`).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from meethuis.common.errors import ConfigError, DataError
from meethuis.improve import benchmark as bm

POOL_SCHEMA_VERSION = 1
DASH = "\u2013"

_TABLES = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE organisations (org_id VARCHAR PRIMARY KEY, code VARCHAR NOT NULL UNIQUE, first_added TIMESTAMP NOT NULL);
CREATE TABLE submissions (
    submission_id INTEGER PRIMARY KEY, org_id VARCHAR NOT NULL, org_name VARCHAR NOT NULL, kind VARCHAR,
    size_band VARCHAR, fictional BOOLEAN, period VARCHAR NOT NULL, period_first VARCHAR, period_last VARCHAR,
    codebook_version VARCHAR NOT NULL, schema_version INTEGER NOT NULL, min_cell INTEGER NOT NULL,
    weighted BOOLEAN, core_mapped BOOLEAN, missing_core VARCHAR, submitted_at TIMESTAMP NOT NULL,
    sha256 VARCHAR NOT NULL, source VARCHAR, UNIQUE (org_id, period));
CREATE TABLE kpis (
    submission_id INTEGER NOT NULL, kpi VARCHAR NOT NULL, item VARCHAR, statistic VARCHAR, level VARCHAR NOT NULL,
    grp VARCHAR, estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, se DOUBLE, n INTEGER, n_eff DOUBLE,
    suppressed BOOLEAN NOT NULL, comparable BOOLEAN);
CREATE TABLE drivers (
    submission_id INTEGER NOT NULL, outcome VARCHAR NOT NULL, driver VARCHAR NOT NULL, family VARCHAR,
    importance DOUBLE, ci_low DOUBLE, ci_high DOUBLE, share DOUBLE, share_ci_low DOUBLE, share_ci_high DOUBLE,
    rank INTEGER, n INTEGER NOT NULL, comparable BOOLEAN);
"""
KPI_COLUMNS = ("kpi", "item", "statistic", "level", "grp", "estimate", "ci_low", "ci_high", "se", "n", "n_eff",
               "suppressed", "comparable")
DRIVER_COLUMNS = bm.DRIVER_FIELDS
EXPORT_TABLES = ("submissions", "kpis", "drivers")

# version k -> function(connection) that upgrades the pool from k to k + 1 (none yet: version 1 is the first)
MIGRATIONS: dict[int, Callable[[Any], None]] = {}


@dataclass(frozen=True)
class PoolSettings:
    """The pool's own rules: smallest accepted cell, whether reports may name organisations, a title."""

    min_cell: int = 10
    show_names: bool = False
    title: str = "Meethuis-gemeenschap"


@dataclass(frozen=True)
class Added:
    """What :meth:`Pool.add` did with one file."""

    source: str
    org_id: str
    period: str
    submission_id: int
    replaced: bool


def _connect(path: Path, read_only: bool):
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise DataError(f"cannot open the benchmark pool: {str(exc).splitlines()[0]}", file=str(path),
                        hint="is it a Meethuis pool (.duckdb) and not opened by another process?") from None


def create_pool(path: str | Path, settings: PoolSettings | None = None) -> Path:
    """Create an empty pool file with ``settings``.

    Raises
    ------
    ConfigError
        When the file already exists or ``min_cell`` is below 1.
    """
    path = Path(path)
    settings = settings or PoolSettings()
    if path.exists():
        raise ConfigError("the pool already exists", file=str(path), hint="use another file or `benchmark add`")
    if isinstance(settings.min_cell, bool) or int(settings.min_cell) < 1:
        raise ConfigError(f"min_cell must be at least 1, got {settings.min_cell!r}", key="min_cell")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False)
    try:
        con.execute("BEGIN TRANSACTION")
        for statement in filter(str.strip, _TABLES.split(";")):
            con.execute(statement)
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")
        con.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("schema_version", str(POOL_SCHEMA_VERSION)), ("min_cell", str(int(settings.min_cell))),
            ("show_names", "true" if settings.show_names else "false"), ("title", settings.title),
            ("created_at", now)])
        con.execute("COMMIT")
    except Exception:
        con.close()
        path.unlink(missing_ok=True)
        raise
    con.close()
    return path


def open_pool(path: str | Path, read_only: bool = False) -> "Pool":
    """Open an existing pool (migrating an older schema in place; refusing a newer one).

    Raises
    ------
    DataError
        When the file is missing, not a pool, or made by a newer Meethuis.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("benchmark pool not found", file=str(path),
                        hint="create it with `meethuis benchmark add --pool FILE --create` or check the path")
    con = _connect(path, read_only=read_only)
    try:
        version = int(con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    except Exception:
        con.close()
        raise DataError("not a Meethuis benchmark pool (no schema version)", file=str(path)) from None
    if version > POOL_SCHEMA_VERSION:
        con.close()
        raise DataError(f"pool schema version {version} is newer than this Meethuis supports "
                        f"({POOL_SCHEMA_VERSION})", file=str(path), key="schema_version",
                        hint="upgrade Meethuis")
    if version < POOL_SCHEMA_VERSION:
        if read_only:
            con.close()
            con = _connect(path, read_only=False)
        try:
            migrate(con, version)
        except Exception:
            con.close()
            raise
        if read_only:
            con.close()
            con = _connect(path, read_only=True)
    return Pool(path, con)


def migrate(con, version: int) -> None:
    """Upgrade an open pool from ``version`` to :data:`POOL_SCHEMA_VERSION` in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        for k in range(version, POOL_SCHEMA_VERSION):
            if k not in MIGRATIONS:
                raise DataError(f"no migration from pool schema version {k}", key="schema_version")
            MIGRATIONS[k](con)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(POOL_SCHEMA_VERSION)])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def period_key(period: Mapping) -> str:
    """The pool's period of a file: its label, else ``first–last`` (one quarter: that quarter)."""
    if period.get("label"):
        return str(period["label"])
    first, last = period.get("first"), period.get("last")
    if first and last and first != last:
        return f"{first}{DASH}{last}"
    return str(first or last or "")


def _frame(rows: Sequence[Mapping], columns: Sequence[str], rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    if rename:
        frame = frame.rename(columns=rename)
    return frame.reindex(columns=list(columns))


def disclosure_problem(kpis: pd.DataFrame, min_cell: int) -> str | None:
    """Why a file's KPI rows break the disclosure rule, or ``None``.

    The rule of :func:`meethuis.stats.disclosure.protect_table` (primary and secondary suppression
    along each breakdown) applied to the published rows with ``min_cell`` must change nothing: a file
    that would need more cells hidden is refused rather than silently repaired.
    """
    from meethuis.stats.disclosure import TOTAL, protect_table

    table = kpis.assign(grp=kpis["grp"].where(kpis["level"] != "totaal", TOTAL).fillna(TOTAL))
    table = table[["kpi", "level", "grp", "n", "estimate", "suppressed"]].copy()
    table["n"] = pd.to_numeric(table["n"], errors="coerce").astype(float)
    table["estimate"] = pd.to_numeric(table["estimate"], errors="coerce").astype(float)
    table["suppressed"] = table["suppressed"].astype(bool)
    breakdown = bool((table["grp"] != TOTAL).any())  # secondary suppression needs cells besides the totals
    again = protect_table(table, min_cell, dims=["grp"] if breakdown else [], keys=["kpi", "level"])
    newly = again["suppressed"].to_numpy() & ~table["suppressed"].to_numpy()
    if not newly.any():
        return None
    row = table[newly].iloc[0]
    return (f"cell {row['kpi']} {row['level']} {row['grp']} (n={int(row['n']) if row['n'] == row['n'] else '?'}) "
            f"must be suppressed under the disclosure rule with min_cell {min_cell}")


class Pool:
    """An open benchmark pool (use as a context manager, or call :meth:`close`)."""

    def __init__(self, path: Path, con) -> None:
        self.path, self.con = Path(path), con
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        self.settings = PoolSettings(min_cell=int(meta.get("min_cell", 10)),
                                     show_names=meta.get("show_names", "false") == "true",
                                     title=meta.get("title", PoolSettings.title))
        self.schema_version = int(meta["schema_version"])

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- adding --------------------------------------------------------------------------------------------
    def read_file(self, path: str | Path) -> tuple[dict, str]:
        """Parse and check one aggregates file for this pool: ``(aggregates, sha256)``.

        Raises
        ------
        DataError
            Unreadable, wrong schema or codebook version, a cell below the pool's ``min_cell``, or a
            breach of the disclosure rule (naming the file and the cell).
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read aggregates file: {exc.strerror}", file=str(path)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"not valid JSON: {exc}", file=str(path),
                            hint="use the aggregates.json written by `meethuis report`") from None
        data = bm.validate_aggregates(data, path, min_cell=self.settings.min_cell)
        problem = None
        if any(row["level"] != "totaal" for row in data["kpis"]):  # totals alone were checked above
            problem = disclosure_problem(_frame(data["kpis"], KPI_COLUMNS, {"group": "grp"}),
                                         max(self.settings.min_cell, int(data["min_cell"])))
        if problem:
            raise DataError(problem, file=str(path), key="kpis",
                            hint="re-export the aggregates with `meethuis report` (it applies the rule)")
        return data, hashlib.sha256(raw).hexdigest()

    def add(self, path: str | Path, replace: bool = False) -> Added:
        """Check one aggregates file and add it (one transaction; see :meth:`read_file`).

        Raises
        ------
        DataError
            Any problem of :meth:`read_file`; the same file already in the pool; the same organisation
            and period already in the pool (unless ``replace``).
        """
        data, digest = self.read_file(path)
        return self.add_checked(data, digest, str(path), replace)

    def add_checked(self, data: Mapping, digest: str, source: str, replace: bool = False) -> Added:
        """Add aggregates already checked by :meth:`read_file` (one transaction)."""
        return self._insert([(data, digest, source)], replace)[0]

    def _insert(self, checked: Sequence[tuple[Mapping, str, str]], replace: bool) -> list[Added]:
        """Refuse duplicates, then write every checked file in one transaction (all files or none).

        Each file was checked completely before this point, so no file is ever half-written. One
        transaction for the whole batch, not one per file: a DuckDB commit costs ~10 ms (the write-ahead
        log is synced to disk), which alone would take 35 s for a batch of 3,200 files.
        """
        con = self.con
        by_digest = {d: (o, p) for o, p, d in con.execute("SELECT org_id, period, sha256 FROM submissions").fetchall()}
        by_key = dict(((o, p), sid) for sid, o, p in
                      con.execute("SELECT submission_id, org_id, period FROM submissions").fetchall())
        if not replace:
            for data, digest, source in checked:
                key = (data["organisation"]["id"], period_key(data["period"]))
                if digest in by_digest:
                    o, p = by_digest[digest]
                    raise DataError(f"this file is already in the pool as {o} {p}", file=source,
                                    hint="nothing to do; use --replace to add it again")
                if key in by_key:
                    raise DataError(f"the pool already holds {key[0]} for period {key[1]}", file=source,
                                    key="organisation.id", hint="use --replace to replace that submission")
        known = {r[0] for r in con.execute("SELECT org_id FROM organisations").fetchall()}
        sid = int(con.execute("SELECT coalesce(max(submission_id), 0) FROM submissions").fetchone()[0])
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        orgs, subs, kpis, drivers, old_ids, added = [], [], [], [], [], []
        for data, digest, source in checked:
            org, period = data["organisation"], period_key(data["period"])
            old = by_key.get((org["id"], period))
            if old is not None:
                old_ids.append(old)
            sid += 1
            if org["id"] not in known:
                known.add(org["id"])
                orgs.append((org["id"], f"D{len(known):03d}", now))
            comp = data["comparability"]
            subs.append((sid, org["id"], org["name"], org.get("kind") or "", org.get("size_band"),
                         bool(org.get("fictional")), period, data["period"].get("first"), data["period"].get("last"),
                         str(data["codebook_version"]), int(data["schema_version"]), int(data["min_cell"]),
                         bool(data["weighted"]), comp.get("core_mapped"), ",".join(comp.get("missing_core") or []),
                         now, digest, source))
            kpis.extend((sid, *(row[f] for f in bm.ROW_FIELDS)) for row in data["kpis"])
            drivers.extend((sid, *(row[f] for f in DRIVER_COLUMNS)) for row in data["drivers"])
            by_key[(org["id"], period)] = sid
            added.append(Added(source, org["id"], period, sid, old is not None))
        con.execute("BEGIN TRANSACTION")
        try:
            if old_ids:
                marks = ", ".join("?" * len(old_ids))
                for table in ("kpis", "drivers", "submissions"):
                    con.execute(f"DELETE FROM {table} WHERE submission_id IN ({marks})", old_ids)
            for table, rows in (("organisations", orgs), ("submissions", subs), ("kpis", kpis),
                                ("drivers", drivers)):
                _bulk_insert(con, table, rows)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return added

    def add_files(self, paths: Iterable[str | Path], replace: bool = False) -> list[Added]:
        """Check every file first, then add them all in one transaction; one bad file adds nothing.

        Raises
        ------
        DataError
            The first problem found (also two files for the same organisation and period).
        """
        checked, seen = [], {}
        for path in paths:
            data, digest = self.read_file(path)
            key = (data["organisation"]["id"], period_key(data["period"]))
            if key in seen:
                raise DataError(f"{key[0]} {key[1]} is given twice (also in {seen[key]})", file=str(path),
                                hint="pass one file per organisation and period")
            seen[key] = str(path)
            checked.append((data, digest, str(path)))
        return self._insert(checked, replace)

    # -- reading -------------------------------------------------------------------------------------------
    def submissions(self) -> pd.DataFrame:
        """Every submission with its anonymous code, by organisation and period."""
        return self.con.execute(
            "SELECT s.*, o.code FROM submissions s JOIN organisations o USING (org_id) "
            "ORDER BY s.org_id, s.period_last, s.period").df()

    def remove(self, org_id: str, period: str | None = None) -> int:
        """Remove an organisation's submissions (one ``period`` or all); returns how many.

        Raises
        ------
        DataError
            When nothing matches.
        """
        where, args = "org_id = ?", [org_id]
        if period:
            where, args = where + " AND period = ?", args + [period]
        ids = [r[0] for r in self.con.execute(f"SELECT submission_id FROM submissions WHERE {where}", args).fetchall()]
        if not ids:
            raise DataError(f"the pool holds no submission of '{org_id}'" + (f" for period {period}" if period else ""),
                            file=str(self.path), hint="see `meethuis benchmark list`")
        self.con.execute("BEGIN TRANSACTION")
        try:
            marks = ", ".join("?" * len(ids))
            for table in ("kpis", "drivers", "submissions"):
                self.con.execute(f"DELETE FROM {table} WHERE submission_id IN ({marks})", ids)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return len(ids)

    def export(self, out: str | Path, fmt: str = "csv") -> list[Path]:
        """Write ``submissions``, ``kpis`` and ``drivers`` as CSV or Parquet files into the folder ``out``.

        ``out`` must be new, empty or an earlier export (it is replaced whole, atomically).

        Raises
        ------
        ConfigError
            An unknown format, or an ``out`` folder holding files Meethuis did not write.
        """
        from meethuis.intake.io import atomic_directory

        if fmt not in ("csv", "parquet"):
            raise ConfigError(f"unknown export format '{fmt}'", key="format", hint="use csv or parquet")
        out = Path(out)
        ours = {f"{t}.{ext}" for t in EXPORT_TABLES for ext in ("csv", "parquet")}
        if out.exists():  # the folder is replaced whole: only when it holds nothing but an earlier export
            foreign = sorted(p.name for p in out.iterdir() if p.name not in ours) if out.is_dir() else [out.name]
            if foreign:
                raise ConfigError(f"the export folder holds '{foreign[0]}', which Meethuis did not write; nothing "
                                  "was changed", file=str(out), key="--out", hint="choose a new or empty folder")
        with atomic_directory(out) as tmp:
            for table in EXPORT_TABLES:
                target = (Path(tmp) / f"{table}.{fmt}").as_posix().replace("'", "''")
                option = "(FORMAT PARQUET)" if fmt == "parquet" else "(HEADER, DELIMITER ',')"
                self.con.execute(f"COPY (SELECT * FROM {table} ORDER BY submission_id) TO '{target}' {option}")
        return [out / f"{t}.{fmt}" for t in EXPORT_TABLES]

    def _chosen(self, period: str = "") -> str:
        """SQL of the submission ids in view: each organisation's latest (``period=""``) or that period's."""
        if period:
            return "SELECT submission_id FROM submissions WHERE period = $period"
        return ("SELECT submission_id FROM (SELECT submission_id, row_number() OVER (PARTITION BY org_id "
                "ORDER BY period_last DESC, period_first DESC, submitted_at DESC) AS k FROM submissions) WHERE k = 1")

    def display_names(self) -> pd.DataFrame:
        """``org_id, display`` per organisation: its name (fictional ones marked) when the pool allows, else its code."""
        frame = self.con.execute(
            "SELECT o.org_id, o.code, last(s.org_name ORDER BY s.submitted_at) AS org_name, "
            "bool_or(s.fictional) AS fictional FROM organisations o JOIN submissions s USING (org_id) "
            "GROUP BY o.org_id, o.code ORDER BY o.code").df()
        if self.settings.show_names:
            frame["display"] = [f"{n} (fictief)" if f else n for n, f in zip(frame["org_name"], frame["fictional"])]
        else:
            frame["display"] = frame["code"]
        return frame[["org_id", "code", "display"]]

    def kpi_table(self, period: str = "", others_than: str | None = None) -> pd.DataFrame:
        """KPI rows in the shape of :func:`meethuis.improve.benchmark.load_aggregates`, plus ``org_kind`` and ``size_band``.

        ``org_name`` is the display name (:meth:`display_names`). ``period``: as :meth:`_chosen`.
        """
        sql = (f"SELECT s.org_id, s.period, s.codebook_version, s.min_cell, k.kpi, k.item, k.statistic, "
               f"k.level, k.grp AS \"group\", k.estimate, k.ci_low, k.ci_high, k.se, k.n, k.n_eff, k.suppressed, "
               f"s.kind AS org_kind, s.size_band, k.comparable FROM kpis k JOIN submissions s USING (submission_id) "
               f"WHERE k.submission_id IN ({self._chosen(period)})"
               + (" AND s.org_id <> $own" if others_than else "") + " ORDER BY s.org_id, k.kpi, k.level, k.grp")
        params = {k: v for k, v in (("period", period), ("own", others_than)) if (v and k in sql)}
        frame = self.con.execute(sql, params).df()
        names = self.display_names().set_index("org_id")["display"]
        frame.insert(1, "org_name", frame["org_id"].map(names))
        frame.insert(frame.columns.get_loc("estimate"), "kind", frame["statistic"].map(bm._kind))
        frame["n"] = pd.to_numeric(frame["n"]).astype("Int64")
        frame["suppressed"] = frame["suppressed"].astype(bool)
        return frame

    def driver_table(self, outcome: str | None = None, period: str = "") -> pd.DataFrame:
        """Driver rows of the submissions in view: ``org_id, org_name, org_kind, outcome, driver, ...``."""
        sql = (f"SELECT s.org_id, s.kind AS org_kind, s.period, d.* EXCLUDE (submission_id) FROM drivers d "
               f"JOIN submissions s USING (submission_id) WHERE d.submission_id IN ({self._chosen(period)})"
               + (" AND d.outcome = $outcome" if outcome else "") + " ORDER BY s.org_id, d.outcome, d.rank")
        params = {k: v for k, v in (("period", period), ("outcome", outcome)) if v}
        frame = self.con.execute(sql, params).df()
        names = self.display_names().set_index("org_id")["display"]
        frame.insert(1, "org_name", frame["org_id"].map(names))
        return frame

    def quarterly_kpis(self, kpi: str) -> pd.DataFrame:
        """One published estimate per organisation and quarter for ``kpi``.

        From a one-quarter submission's total, else from the ``periode`` rows of the organisation's latest
        submission covering that quarter. Returns ``org_id, org_kind, quarter, estimate, se, n``.
        """
        sql = """
        WITH rows AS (
            SELECT s.org_id, s.kind AS org_kind, s.submitted_at, s.period_last,
                   CASE WHEN k.level = 'totaal' THEN s.period_first ELSE k.grp END AS quarter,
                   CASE WHEN k.level = 'totaal' THEN 0 ELSE 1 END AS pref, k.estimate, k.se, k.n
            FROM kpis k JOIN submissions s USING (submission_id)
            WHERE k.kpi = $kpi AND NOT k.suppressed AND (
                (k.level = 'totaal' AND s.period_first = s.period_last) OR k.level = 'periode'))
        SELECT org_id, org_kind, quarter, estimate, se, n FROM (
            SELECT *, row_number() OVER (PARTITION BY org_id, quarter
                                         ORDER BY pref, period_last DESC, submitted_at DESC) AS k FROM rows)
        WHERE k = 1 AND quarter IS NOT NULL ORDER BY quarter, org_id
        """
        return self.con.execute(sql, {"kpi": kpi}).df()

    def summary(self) -> dict:
        """Counts for a first sentence: organisations, submissions, kinds, quarters."""
        row = self.con.execute("SELECT count(DISTINCT org_id), count(*), min(period_first), max(period_last) "
                               "FROM submissions").fetchone()
        kinds = self.con.execute("SELECT kind, count(DISTINCT org_id) FROM submissions GROUP BY kind ORDER BY kind"
                                 ).fetchall()
        return {"organisations": int(row[0]), "submissions": int(row[1]), "first": row[2], "last": row[3],
                "kinds": {k or "": int(c) for k, c in kinds}}


def _bulk_insert(con, table: str, rows: Sequence[tuple]) -> None:
    """Insert rows (tuples in the table's column order) through one DataFrame scan."""
    if not rows:
        return
    columns = [c[0] for c in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    for c in frame.columns:  # all-None columns would be read as integers
        if frame[c].dtype == object and frame[c].isna().all():
            frame[c] = frame[c].astype("string")
    con.register("_new_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _new_rows")
    finally:
        con.unregister("_new_rows")


def pool_for_config(config: Any) -> Path | None:
    """The pool named in an organisation config (``benchmark: {pool: FILE}``, relative to the config), or ``None``."""
    spec = (getattr(config, "raw", None) or {}).get("benchmark")
    if not isinstance(spec, Mapping) or not spec.get("pool"):
        return None
    path = Path(str(spec["pool"])).expanduser()
    return path if path.is_absolute() else Path(config.path).parent / path


def pool_benchmark_table(own: Mapping, pool_path: str | Path, period: str = "") -> pd.DataFrame:
    """An organisation's own fresh aggregates plus the other organisations' from the pool.

    Others: their submissions for ``period`` when the pool holds that period, else each one's latest.
    Names as the pool allows (else anonymous codes). Same columns as :func:`benchmark.load_aggregates`.

    Raises
    ------
    DataError
        When the pool is missing or holds no other organisation.
    """
    with open_pool(pool_path, read_only=True) as pool:
        periods = set(pool.submissions()["period"])
        others = pool.kpi_table(period if period in periods else "", others_than=own["organisation"]["id"])
    if others.empty:
        raise DataError("the benchmark pool holds no other organisation", file=str(pool_path),
                        hint="the coordinator adds the organisations' aggregates with `meethuis benchmark add`")
    mine = bm.aggregates_table([own])
    return pd.concat([mine, others[list(mine.columns)]], ignore_index=True)


def add_aggregates(pool_path: str | Path, paths: Sequence[str | Path], replace: bool = False,
                   create: PoolSettings | None = None) -> list[Added]:
    """Add files to the pool at ``pool_path`` (created first with ``create`` settings when given and absent)."""
    pool_path = Path(pool_path)
    if create is not None and not pool_path.exists():
        create_pool(pool_path, create)
    with open_pool(pool_path) as pool:
        return pool.add_files(paths, replace=replace)

