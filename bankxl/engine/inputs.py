"""Inputs read through DuckDB without their raw rows in pandas (issue 17 item 2): the loader's rules of
:mod:`bankxl.io`, each defined once there, evaluated on the DISTINCT values of each column.

How (a CSV; see docs/engine.md "Inputs through DuckDB"): the header is found in the file's first records
with the loader's own :func:`bankxl.io._find_header`; DuckDB reads the records below it as text into a table
of this engine's connection (``rid`` = record index, so the row number is the one the pandas path reports:
header row + 1 + rid); for every column DuckDB groups the cells (GROUP BY: value, count, first rid — in the
order of first appearance, exactly the uniques :func:`pandas.factorize` gives the pandas path) and the
loader's rule functions run on those distinct values only — the blank test (``coerce._stripped_blank_many``),
合计/小计 (:func:`bankxl.io._is_summary_text`), the column's coercion (:func:`bankxl.io._coerce_column`: IDs as
text, units from the header, dates, codes, money plausibility…), the blank rule and the 币种 codes. What a
rule says per distinct value comes back to DuckDB as a small table (text columns: only the values the rule
changes; other kinds: value -> typed value) and problems map back to rows there: the count is exact (COUNT),
the first :attr:`ProblemLog.cap` rows per problem are listed (ORDER BY rid LIMIT cap), as the pandas path's
cap does. Footer lines (a walk up from the last row) run :func:`bankxl.io._footer_rows` on the last rows
fetched; duplicate keys are a GROUP BY in DuckDB. The result is a :class:`DuckTable`: a DuckDB view of the
typed table (spec columns + ``_row``), never a pandas frame of its rows, consumed by the engine queries
(:func:`bankxl.rules.transactions.engine_flows`) where it lies; :meth:`DuckTable.to_pandas` materialises it
for code that needs pandas.

Memory: pandas holds the distinct values of one column at a time (text columns in batches of
:data:`BATCH` distinct values — an ID column of 100M rows never whole), DuckDB the rows (spilling under its
``memory_limit``). The pandas path is used instead (``None`` returned) wherever the two could differ:
not UTF-8 (GB18030, mixed, BOM), a ``sep=`` line, a header not found, a line break inside a quoted field or
a blank line (records ≠ lines), a record wider than the first ones, DuckDB's tokenizer and the csv module
disagreeing on the first records. An unlabelled rate column's ÷100 rule (the median of all cells) gets each
distinct value's count of cells.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import operator
import os
import uuid
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import coerce as C
from .. import io as bio
from ..errors import DataValidationError
from ..tables import TableSpec

log = logging.getLogger(__name__)

__all__ = ["DuckTable", "RELATION_READY", "load_csv", "load_file", "load_parquet", "BATCH", "AUTO_CSV_BYTES", "use_duckdb",
           "file_read_errors"]

#: distinct values of a text column handed to the pandas rule at a time
BATCH = 1_000_000
#: bytes read from the top of a CSV to find its header
HEAD_BYTES = 1 << 22
#: a CSV at least this large is read through DuckDB when the engine is automatic (measured: docs/engine.md)
AUTO_CSV_BYTES = int(os.environ.get("BANKXL_DUCKDB_CSV_BYTES", 200 * 1024 * 1024))
#: column kinds whose rule is applied value by value (batched; only the changed values go back to DuckDB)
TEXT_KINDS = ("code", "text", "category", "id_card")
_SQL_TYPE = {"id_card": "VARCHAR", "code": "VARCHAR", "text": "VARCHAR", "category": "VARCHAR",
             "date": "TIMESTAMP", "month": "TIMESTAMP", "money": "DOUBLE", "number": "DOUBLE", "int": "BIGINT",
             "rate": "DOUBLE", "bool": "BOOLEAN"}


def use_duckdb(path: Path, engine: Any = None) -> bool:
    """Whether an input file is read through DuckDB: always for ``--engine duckdb`` (``engine`` a
    :class:`~bankxl.engine.DuckDBEngine`), never for another engine object, and when the engine is automatic
    (None) for a CSV of at least :data:`AUTO_CSV_BYTES` bytes."""
    from .duck import DuckDBEngine

    if isinstance(engine, DuckDBEngine):
        return True
    if engine is not None:
        return False
    try:
        return path.stat().st_size >= AUTO_CSV_BYTES
    except OSError:
        return False


#: tables a scenario reads as a DuckDB relation (its code uses only ``len``, the engine queries and one column
#: (``t["cust_id"]``, C7) on them; 客户月度存款 of D4/D3/E3: :func:`bankxl.frames.coded_columns`, integer 客户号 codes
#: and the numeric/date columns they use):
#: only these are read through DuckDB in a run (:func:`bankxl.runner.prepare`); every other scenario gets the
#: pandas loader's frame, as before
#: 客户月度存款 of C5/C6/C7/C8: read only by :mod:`bankxl.rules.deposits` (客户号 codes, 月份, 存款月日均)
#: 交易流水 of C1/C10: read only by the classifier and their engine queries (monthly_flows, payroll_months)
RELATION_READY = {"C3": ("transactions",), "D4": ("transactions", "customer_monthly"),
                  "D3": ("transactions", "customer_monthly"), "C7": ("transactions", "customer_monthly"),
                  "C5": ("customer_monthly",), "C6": ("customer_monthly",), "C8": ("customer_monthly",),
                  "E3": ("customer_monthly",), "C1": ("transactions", "customer_monthly"),
                  "C10": ("transactions", "customer_monthly")}


def load_file(kind: str, path: Path, spec: TableSpec, notes: list[str], engine: Any = None, **kw: Any
              ) -> bio.LoadedTable | None:
    """A ``kind`` ("csv" / "parquet") input file through DuckDB when :func:`use_duckdb` says so (a Parquet file
    whenever the engine is DuckDB or automatic), on ``engine``'s connection (None: the default engine's);
    None when it is not, or when that path hands the file back to the pandas loader. ``kw``: the loader's
    options (problems, strict, source, mask, mask_accounts, date1904)."""
    from . import default_engine

    eng = engine if engine is not None else default_engine()
    con = getattr(eng, "con", None)
    if con is None or not (kind == "parquet" and (engine is None or hasattr(engine, "con"))
                           or kind == "csv" and use_duckdb(path, engine)):
        return None
    return (load_parquet if kind == "parquet" else load_csv)(path, spec, notes, con=con, **kw)


def _reads_file(method):
    """A :class:`DuckTable` method whose queries read the table again — for a Parquet file, the file itself (the
    table is a view over it): a DuckDB error reading that file is raised as the file's error
    (:func:`file_read_errors`), not as an internal one."""
    @functools.wraps(method)
    def reading(self, *a, **kw):
        with file_read_errors({self.spec.id: self}):
            return method(self, *a, **kw)
    return reading


class DuckTable:
    """A loaded table that lives in DuckDB: the typed rows ``view`` on connection ``con`` (a table for a CSV, read
    once at the end of the load; a view over the file for Parquet; a view for a selection) — the spec columns
    (DuckDB types: text VARCHAR, dates TIMESTAMP, money DOUBLE, int BIGINT, bool BOOLEAN), ``_row`` (the row
    number the pandas path reports) and ``_rid`` (the record's index in the file: input order). ``len()`` =
    rows kept; ``columns`` the spec columns + ``_row``; ``attrs`` as the pandas frame's (table, sheet, source,
    columns_found). :meth:`relation` gives the DuckDB relation, :meth:`to_pandas` the frame the pandas path
    would give (the same dtypes and values)."""

    def __init__(self, con, view: str, n: int, spec: TableSpec, attrs: dict, tables: list[str],
                 views: list[str] | None = None):
        self.con, self.view, self.n, self.spec, self.attrs = con, view, n, spec, attrs
        self._tables, self._views = list(tables), [view] if views is None else list(views)
        # dropped when this object goes away too (a run that failed after loading; the add-in's long process)
        self._drop = weakref.finalize(self, _drop_objects, con, self._views, self._tables)

    def __len__(self) -> int:
        return self.n

    @property
    def columns(self) -> pd.Index:
        return pd.Index([c.id for c in self.spec.columns] + ["_row"])

    def relation(self):
        """The typed rows as a DuckDB relation of ``con`` (lazy: nothing is read until it is consumed)."""
        return self.con.sql(f"SELECT * FROM {self.view}")

    @_reads_file
    def __getitem__(self, column: str) -> pd.Series:
        """ONE column as a pandas Series in row order (index 0..n-1), with the loader's dtype — for the
        runner's checks of a date column (data date, date ranges); the other columns stay in DuckDB."""
        if column == "_row" or column == "_rid":
            s = self.con.execute(f'SELECT "{column}" FROM {self.view} ORDER BY _rid').df()[column]
            return pd.Series(pd.array(s.to_numpy(), dtype="Int64" if column == "_row" else "int64"))
        kind = self.spec.column(column).kind
        raw = self.con.execute(f'SELECT "{column}" FROM {self.view} ORDER BY _rid').df()[column]
        return _as_dtype(raw, kind).reset_index(drop=True)

    @_reads_file
    def coded(self, key: str, columns: list[str], categorical: list[str] = ()
              ) -> tuple[np.ndarray, pd.Series, pd.DataFrame]:
        """The DuckDB side of :func:`bankxl.frames.coded_columns` (use that): ``(codes, keys, frame)`` —
        ``codes`` int64 per row in row order (``_rid``), the rank of the row's ``key`` among the distinct keys
        that are neither NULL nor ``''`` sorted ``COLLATE C`` (byte order of UTF-8 = Python's str order), -1 for
        a NULL/blank key; ``keys`` those distinct keys in that order; ``frame`` ``columns`` (spec columns or
        ``_row``) with the loader's dtypes, index 0..n-1, those in ``categorical`` as ``Categorical`` (codes
        ranked in DuckDB the same way, categories = the sorted distinct non-NULL values). Only these come to
        pandas; the typed view is read once into a table of the used columns, ranks are computed in small tables
        of this connection; all dropped before returning."""
        for c in [key, *columns]:
            if c != "_row":
                self.spec.column(c)  # KeyError for a column the table does not have
        tag = uuid.uuid4().hex[:12]
        rows = f"bx_coded_{tag}"  # the columns used, read from the typed view ONCE (each read evaluates its joins)
        ranked = {key: f"bx_keys_{tag}"} | {c: f"bx_cat{i}_{tag}" for i, c in enumerate(categorical)}
        try:
            need = ", ".join(f'"{c}"' for c in dict.fromkeys([key, *columns]))
            self.con.execute(f"CREATE TABLE {rows} AS SELECT _rid, {need} FROM {self.view}")
            for c, name in ranked.items():
                blank = " AND v <> ''" if c == key else ""
                self.con.execute(f'CREATE TABLE {name} AS SELECT v, CAST(ROW_NUMBER() OVER (ORDER BY v COLLATE C) - 1 '
                                 f'AS BIGINT) AS c FROM (SELECT DISTINCT "{c}" AS v FROM {rows}) '
                                 f'WHERE v IS NOT NULL{blank}')
            sel = ["COALESCE(r0.c, -1) AS __code"]
            joins = [f'LEFT JOIN {ranked[key]} AS r0 ON r0.v = t."{key}"']
            for i, c in enumerate(columns):
                if c in categorical:
                    sel.append(f'COALESCE(r{i + 1}.c, -1) AS "{c}"')
                    joins.append(f'LEFT JOIN {ranked[c]} AS r{i + 1} ON r{i + 1}.v = t."{c}"')
                else:
                    sel.append(f't."{c}"')
            raw = self.con.execute(f"SELECT {', '.join(sel)} FROM {rows} AS t {' '.join(joins)} "
                                   f"ORDER BY t._rid").df()
            uniq = {c: self.con.execute(f"SELECT v FROM {name} ORDER BY c").df()["v"] for c, name in ranked.items()}
        finally:
            for name in [rows, *ranked.values()]:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
        out = {}
        for c in columns:
            if c in categorical:
                cats = pd.Index(uniq[c].astype(object).to_numpy(dtype=object), dtype="string")
                out[c] = pd.Categorical.from_codes(raw[c].to_numpy(dtype=np.int64), categories=cats)
            elif c == "_row":
                out[c] = pd.array(raw[c].to_numpy(), dtype="Int64")
            else:
                out[c] = _as_dtype(raw[c], self.spec.column(c).kind).array
        frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
        keys = pd.Series(uniq[key].astype(object).to_numpy(dtype=object), dtype="string")
        return raw["__code"].to_numpy(dtype=np.int64), keys, frame

    @_reads_file
    def distinct(self, column: str, exclude: Any = None) -> tuple[int, pd.Series]:
        """``(n, values)``: how many distinct non-NULL values ``column`` holds, and those values — without the ones
        in ``exclude`` (text values: an array / Index / Series sent to DuckDB, or a DuckTable of this connection
        whose ``column`` is read where it lies) — in order of first appearance (``_rid``), as ``pandas.unique``
        gives them on the column; a ``string`` Series, index 0..k-1. Computed in DuckDB (GROUP BY, anti-join):
        only the values asked for come to pandas, never the column (the 客户号 coverage check,
        :func:`bankxl.rules.identity.check_cust_id_coverage`)."""
        self.spec.column(column)  # KeyError for a column the table does not have
        tag = uuid.uuid4().hex[:12]
        d, ex = f"bx_distinct_{tag}", f"bx_exclude_{tag}"
        try:
            self.con.execute(f'CREATE TABLE {d} AS SELECT "{column}" AS v, MIN(_rid) AS f FROM {self.view} '
                             f'WHERE "{column}" IS NOT NULL GROUP BY 1')
            n = self.con.execute(f"SELECT COUNT(*) FROM {d}").fetchall()[0][0]
            anti = ""
            if isinstance(exclude, DuckTable) and exclude.con is self.con:
                anti = f'ANTI JOIN (SELECT "{column}" AS k FROM {exclude.view}) AS x ON x.k = d.v'
            elif exclude is not None:
                self.con.register(ex, pd.DataFrame({"k": pd.Series(exclude, dtype=object).to_numpy(dtype=object)}))
                anti = f"ANTI JOIN {ex} AS x ON x.k = d.v"
            got = self.con.execute(f"SELECT d.v FROM {d} AS d {anti} ORDER BY d.f").df()["v"]
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {d}")
            self.con.unregister(ex)
        return int(n), pd.Series(got.astype(object).to_numpy(dtype=object), dtype="string")

    @_reads_file
    def counts(self, column: str) -> pd.Series:
        """The distinct non-NULL values of ``column`` with their row counts, counted in DuckDB (GROUP BY): a Series
        (int64 counts) indexed by the values with the loader's dtype, ordered by value — for the runner's date rules
        (data date, DATE_OUTLIER, date ranges: :func:`bankxl.runner._date_counts`), which need no whole column."""
        kind = self.spec.column(column).kind
        raw = self.con.execute(f'SELECT "{column}" AS v, COUNT(*) AS n FROM {self.view} WHERE "{column}" IS NOT NULL '
                               f"GROUP BY 1 ORDER BY 1").df()
        return pd.Series(raw["n"].to_numpy(dtype=np.int64), index=pd.Index(_as_dtype(raw["v"], kind)), name="count")

    @_reads_file
    def rows_in(self, column: str, values: Any, limit: int) -> tuple[pd.DataFrame, int]:
        """``(rows, n)``: the rows whose ``column`` is one of ``values`` (text, sent to DuckDB) — ``n`` how many, and
        the first ``limit`` of them in row order as a frame of ``_row`` (Int64) and ``column`` (the loader's
        dtype), index 0..; counted and limited in DuckDB, so a problem found on many rows sends back only what a
        capped :class:`~bankxl.errors.ProblemLog` keeps."""
        kind = self.spec.column(column).kind
        tag = uuid.uuid4().hex[:12]
        vs = f"bx_values_{tag}"
        self.con.register(vs, pd.DataFrame({"k": pd.Series(values, dtype=object).to_numpy(dtype=object)}))
        try:
            hit = f'FROM {self.view} WHERE "{column}" IN (SELECT k FROM {vs})'
            n = self.con.execute(f"SELECT COUNT(*) {hit}").fetchall()[0][0]
            raw = self.con.execute(f'SELECT _row, "{column}" {hit} ORDER BY _rid LIMIT {max(int(limit), 0)}').df()
        finally:
            self.con.unregister(vs)
        out = pd.DataFrame({"_row": pd.array(raw["_row"].to_numpy(), dtype="Int64"),
                            column: _as_dtype(raw[column], kind).array}, index=pd.RangeIndex(len(raw)))
        return out, int(n)

    @property
    def loc(self) -> "_Loc":
        """``t.loc[mask]`` (a boolean array aligned with the rows): the rows kept, as a DuckTable (a view of
        the same connection; nothing copied)."""
        return _Loc(self)

    def _where(self, mask: np.ndarray) -> "DuckTable":
        mask = np.asarray(mask, dtype=bool)
        rid = self["_rid"].to_numpy()
        keep = mask.all() or not mask.any()
        tag = uuid.uuid4().hex[:12]
        view = f"{self.view}_sel_{tag}"
        if keep:
            cond = "TRUE" if mask.all() else "FALSE"
        else:  # the smaller side of the mask goes to DuckDB as a list of record indexes
            flip = mask.sum() > len(mask) / 2
            name = f"bx_sel_{tag}"
            self.con.execute(f"CREATE TABLE {name} AS SELECT UNNEST(?::BIGINT[]) AS _rid",
                             [rid[~mask if flip else mask].tolist()])
            self._tables.append(name)
            cond = f"_rid {'NOT ' if flip else ''}IN (SELECT _rid FROM {name})"
        self.con.execute(f"CREATE VIEW {view} AS SELECT * FROM {self.view} WHERE {cond}")
        self._views.insert(0, view)
        child = DuckTable(self.con, view, int(mask.sum()), self.spec, dict(self.attrs), [], [view])
        child._parent = self  # closing the selection closes the table it selects from
        return child

    @_reads_file
    def to_pandas(self) -> pd.DataFrame:
        """The typed table as the pandas loader gives it: spec columns in order with their dtypes
        (:meth:`TableSpec.empty`), ``_row`` Int64, rows in file order, index 0..n-1, ``attrs``."""
        if getattr(self, "_frame", None) is not None:
            return self._frame
        cols = ", ".join(f'"{c.id}"' for c in self.spec.columns)
        raw = self.con.execute(f"SELECT {cols}, _row FROM {self.view} ORDER BY _rid").df()
        out = {}
        for c in self.spec.columns:
            s = raw[c.id]
            want = bio._dtype(c.kind)
            if want == "string":
                out[c.id] = pd.array(s.astype(object).where(s.notna(), None).to_numpy(dtype=object), dtype="string")
            elif want == "datetime64[ns]":
                out[c.id] = s.astype("datetime64[ns]").to_numpy()
            elif want == "float64":
                out[c.id] = s.astype("float64").to_numpy()
            else:
                out[c.id] = s.astype(want).array
        df = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
        df["_row"] = pd.array(raw["_row"].to_numpy(), dtype="Int64")
        df.attrs.update(self.attrs)
        self._frame = df
        return df

    def close(self) -> None:
        """Drop the DuckDB objects of this table (and of the table a selection was made from)."""
        self._drop()
        self._frame = None
        parent, self._parent = getattr(self, "_parent", None), None
        if parent is not None:
            parent.close()


@contextlib.contextmanager
def file_read_errors(tables: Any):
    """Within: a DuckDB error reading the Parquet file of an input table read through DuckDB (``tables``: table id
    -> DuckTable or frame; a DuckTable of a Parquet file is a lazy view over the file, read again by each query of
    the run) is raised as that file's error — :func:`bankxl.io._not_parquet` with DuckDB's reason, ``table`` set —
    not as an internal error. The load reads every page of the columns it types (each column's distinct values), so
    this is the rare page it did not read; any other DuckDB error is raised as it is."""
    import duckdb

    try:
        yield
    except duckdb.Error as exc:
        text = str(exc)
        for name, t in dict(tables).items():
            src = t.attrs.get("source") if isinstance(t, DuckTable) else None
            if src and str(src).lower().endswith(".parquet") and f'"{src}"' in text:
                err = bio._not_parquet(Path(src), bio.duckdb_reason(exc, Path(src)))
                err.table = name
                raise err from exc
        raise


def _drop_objects(con, views: list[str], tables: list[str]) -> None:
    """DROP the views then the tables (IF EXISTS); a connection already closed or busy is left as it is."""
    import duckdb

    try:
        for v in views:
            con.execute(f"DROP VIEW IF EXISTS {v}")
        for t in tables:
            con.execute(f"DROP TABLE IF EXISTS {t}")
    except duckdb.Error:
        log.debug("DuckDB objects of an input not dropped (connection closed or busy)")


class _Loc:
    def __init__(self, t: DuckTable):
        self.t = t

    def __getitem__(self, mask) -> DuckTable:
        return self.t._where(np.asarray(mask, dtype=bool))


def _q(s: str) -> str:
    """A SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def _in_list(col: str, values) -> str:
    return f"{col} IN ({', '.join(_q(v) for v in values)})"


def _csv_head(path: Path):
    """``(sep, probe records, top cells)`` of a UTF-8 CSV from its first :data:`HEAD_BYTES` bytes, as
    :func:`bankxl.io._csv_top` gives them for the whole file; None where the pandas path must decide."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(HEAD_BYTES)
    except OSError:
        return None
    if len(data) == HEAD_BYTES:
        data = data[:data.rfind(b"\n") + 1]
    if not data.replace(b"\x00", b"").strip() or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                                                                   b"\x00\x00\xfe\xff")):
        return None
    sample = data[:8192]
    if sample.count(0) > len(sample) // 4:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sep = bio.detect_delimiter(text)
    probe = bio._probe_records(text, sep, bio.HEADER_SCAN_ROWS + 20)
    if not probe or (probe[0] and probe[0][0].strip().startswith("sep=") and len(probe[0][0].strip()) == 5):
        return None
    width = max(len(r) for r in probe)
    if width > bio.MAX_CSV_COLUMNS:
        return None
    top = np.full((len(probe), width), None, dtype=object)
    for i, r in enumerate(probe):
        top[i, :len(r)] = [v if v != "" else None for v in r]
    return sep, probe, top


def _line_count(path: Path) -> int:
    """Lines of the file as :func:`bankxl.io._load_csv_typed` counts them (LF count, + 1 without a final LF)."""
    n, last = 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (0 if last == b"\n" or not last else 1)


def load_csv(path: str | Path, spec: TableSpec, notes: list[str], *, con=None, problems, strict: bool = False,
             source: str = "", mask: bool = True, mask_accounts: bool = True, date1904: bool = False
             ) -> bio.LoadedTable | None:
    """One CSV file as ``spec`` through DuckDB: a :class:`~bankxl.io.LoadedTable` whose ``df`` is a
    :class:`DuckTable` on ``con`` (default: the default engine's connection when it is DuckDB) with the same
    typed values, row problems (code, column, row number, 原值, 说明, 处理; the first ``problems.cap`` rows per
    (table, code) listed, all counted), 说明 notes and currencies as :func:`bankxl.io._load_csv_typed` gives.
    ``notes``: the encoding note is appended (as the pandas path does). None where the pandas path must read
    the file (module docstring). Raises DataValidationError as the pandas path (strict mode)."""
    path = Path(path)
    head = _csv_head(path)
    if head is None:
        return None
    sep, probe, top = head
    try:
        h, mapping = bio._find_header(top[:bio.HEADER_SCAN_ROWS], spec, sheet=None, first_row=1)
    except DataValidationError:
        return None  # the pandas path raises its error
    if any("\n" in v or "\r" in v for r in probe[:h + 1] for v in r):
        return None
    if con is None:
        from . import default_engine
        eng = default_engine()
        if not hasattr(eng, "con"):
            return None
        con = eng.con
    width = top.shape[1]
    tag = uuid.uuid4().hex[:12]
    raw = f"bx_raw_{tag}"
    colspec = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(width)) + "}"
    import duckdb

    base = f"bx_cells_{tag}"
    try:  # a table's rowid is its insertion order: the record's index in the file
        con.execute(f"CREATE TABLE {base} AS SELECT "
                    + ", ".join(f"NULLIF(c{j}, '') AS c{j}" for j in range(width))
                    + f" FROM read_csv({_q(path)}, delim={_q(sep)}, quote='\"', escape='\"', header=false, "
                    f"skip={h + 1}, columns={colspec}, null_padding=true, auto_detect=false, encoding='utf-8')")
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {base}")
        return None  # invalid UTF-8, a wider record, a quoted line break …: the pandas path
    con.execute(f"CREATE VIEW {raw} AS SELECT rowid AS rid, * FROM {base}")
    n0 = con.execute(f"SELECT COUNT(*) FROM {raw}").fetchall()[0][0]
    first = con.execute(f"SELECT * FROM {raw} ORDER BY rid LIMIT 20").fetchall()
    same = h + 1 + n0 == _line_count(path) and all(
        k < len(first) and all(first[k][1 + j] == (v or None) for j, v in enumerate(r))
        for k, r in enumerate(probe[h + 1:h + 21]))
    if not same:
        con.execute(f"DROP VIEW {raw}")
        con.execute(f"DROP TABLE {base}")
        return None
    header = np.full(width, None, dtype=object)
    header[:top.shape[1]] = top[h, :width]
    notes.append(f"文件 {path.name}: 编码: {bio._ENC_NAMES.get('utf-8', 'utf-8')}")
    try:
        return _Body(con, raw, tag, n0, header, spec, mapping, header_row=1 + h, problems=problems,
                     source=source, date1904=date1904).load(strict=strict, shown=(mask, mask_accounts))
    except BaseException:
        con.execute(f"DROP VIEW IF EXISTS {raw}")
        con.execute(f"DROP TABLE IF EXISTS {base}")
        raise


#: DuckDB types of Parquet columns the DuckDB path reads typed, as bankxl.io._parquet_columns hands them over
_NUM_TYPES = ("DOUBLE", "FLOAT", "REAL", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
              "USMALLINT", "UINTEGER", "UBIGINT")
_DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


def load_parquet(path: str | Path, spec: TableSpec, notes: list[str], *, con=None, problems, strict: bool = False,
                 source: str = "", mask: bool = True, mask_accounts: bool = True, date1904: bool = False
                 ) -> bio.LoadedTable | None:
    """One Parquet file as ``spec`` through DuckDB (where it lies: a view over ``read_parquet``, row number =
    ``file_row_number`` + 1 as :func:`bankxl.io._load_parquet` numbers data rows), with the same values,
    problems and notes as that function. Columns are taken as it hands them to the rules: text (VARCHAR) by
    the text rules, numbers of a number column as float64, DATE/TIMESTAMP of a date column as dates. None —
    the pandas path reads the file — for a type it treats otherwise (an integer or DECIMAL code/ID column, a
    number or date in a text column, a boolean outside a bool column, lists/structs/blobs), an unreadable file,
    a header not found."""
    import duckdb

    path = Path(path)
    if con is None:
        from . import default_engine
        eng = default_engine()
        if not hasattr(eng, "con"):
            return None
        con = eng.con
    try:
        schema = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_q(path)})").fetchall()
    except duckdb.Error:
        return None
    header = np.array([str(r[0]) for r in schema], dtype=object)
    types = [str(r[1]).upper() for r in schema]
    try:
        _h, mapping = bio._find_header(header.reshape(1, -1), spec, sheet=None, first_row=1)
    except DataValidationError:
        return None
    kinds = {pos: (col, unit, txt) for pos, col, unit, txt in mapping.values()}
    ctypes = []
    for j, t in enumerate(types):
        col = kinds.get(j, (None,))[0]
        if t == "VARCHAR":
            ct = "text"
        elif col is None:
            ct = "num" if t in _NUM_TYPES else "date" if t in _DATE_TYPES else "bool" if t == "BOOLEAN" else None
        elif col.kind == "bool" and t == "BOOLEAN":  # Python bools as cells, the 是/否 rule per value
            ct = "bool"
        elif col.kind in bio.TYPED_KINDS and t in _NUM_TYPES:
            ct = "num"
        elif col.kind in ("date", "month") and t in _DATE_TYPES:
            ct = "date"
        else:
            ct = None
        if ct is None:
            return None
        ctypes.append(ct)
    tag = uuid.uuid4().hex[:12]
    raw = f"bx_raw_{tag}"
    cols = ", ".join(f'{"CAST(" if ct == "num" else ""}"{str(n).replace(chr(34), chr(34) * 2)}"'
                     f'{" AS DOUBLE)" if ct == "num" else ""} AS c{j}' for j, (n, ct) in enumerate(zip(header, ctypes)))
    try:  # the file's pages are decompressed here: a damaged one is the file's error, naming it (not an internal one)
        con.execute(f"CREATE VIEW {raw} AS SELECT file_row_number AS rid, {cols} "
                    f"FROM read_parquet({_q(path)}, file_row_number=true)")
        n0 = con.execute(f"SELECT COUNT(*) FROM {raw}").fetchall()[0][0]
        notes.append(bio._parquet_rows_note(path))
        return _Body(con, raw, tag, n0, header, spec, mapping, header_row=0, problems=problems, source=source,
                     date1904=date1904, ctypes=ctypes, base=None).load(strict=strict, shown=(mask, mask_accounts))
    except BaseException as exc:
        _drop_tagged(con, tag)  # the load's views and tables so far
        if isinstance(exc, duckdb.Error):
            raise bio._not_parquet(path, bio.duckdb_reason(exc, path)) from None
        raise


def _drop_tagged(con, tag: str) -> None:
    """DROP every view then table of ``con`` whose name holds ``tag`` (one load's objects, ``bx_…_<tag>``)."""
    views = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE view_name LIKE ?",
                                       [f"%{tag}%"]).fetchall()]
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE ?",
                                        [f"%{tag}%"]).fetchall()]
    _drop_objects(con, sorted(views, key=lambda v: -len(v)), tables)


class _Body:
    """:func:`bankxl.io._load_body` over the raw text table ``raw`` (rid, c0 … c{w-1}) in DuckDB."""

    def __init__(self, con, raw: str, tag: str, n0: int, header: np.ndarray, spec: TableSpec, mapping: dict, *,
                 header_row: int, problems, source: str, date1904: bool, ctypes: list[str] | None = None,
                 base: str | None = ""):
        self.con, self.raw, self.tag, self.n0 = con, raw, tag, n0
        #: per column: "text" (VARCHAR cells, the text rules), "num" (numbers: float64, NaN = blank), "date"
        #: (datetime64), "bool" (BOOLEAN: Python bools as object cells, as bankxl.io._parquet_columns gives them)
        self.ctypes = ctypes or ["text"] * len(header)
        self.header, self.spec, self.mapping = header, spec, mapping
        self.header_row, self.source, self.date1904 = header_row, source, date1904
        self.width = len(header)
        self.sink = bio._Sink(spec, None, problems)
        self.tables = [raw.replace("bx_raw_", "bx_cells_")] if base is not None else []
        #: a CSV (its text already copied into DuckDB): the typed rows become a table at the end of the load and the
        #: text table and value maps are dropped, so each later read is a scan, not the maps' joins again
        self.materialise = base is not None
        self._cache: dict[int, Any] = {}  # column -> its distinct values over all rows, when one chunk
        self.cap = problems.cap

    # ------------------------------------------------------------------------------------------ helpers
    def _name(self, what: str) -> str:
        return f"bx_{what}_{self.tag}"

    def _table(self, what: str, df: pd.DataFrame, types: dict) -> str:
        """``df`` as a DuckDB table named after ``what`` with the column ``types`` (SQL)."""
        name = self._name(what)
        view = name + "_df"
        self.con.register(view, df)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT "
                             + ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items()) + f" FROM {view}")
        finally:
            self.con.unregister(view)
        self.tables.append(name)
        return name

    def _distinct(self, j: int, where: str = "TRUE", batch: int | None = None):
        """Chunks ``(values, counts, first rid, cast)`` of column ``j``'s distinct non-NULL texts over the rows
        ``where``, in the order of first appearance; ``cast`` DuckDB's ``TRY_CAST(value AS DOUBLE)`` (float64, NaN
        for NULL) for a column of :attr:`cast_cols`, else None."""
        ct = self.ctypes[j]
        cast = ", TRY_CAST(c{0} AS DOUBLE) AS d".format(j) if j in self.cast_cols else ""
        res = self.con.execute(f"SELECT c{j} AS v, COUNT(*) AS n, MIN(rid) AS f{cast} FROM {self.raw} "
                               f"WHERE {self._present(j)} AND {where} GROUP BY c{j} ORDER BY f")
        while True:
            chunk = res.fetch_df_chunk(max(1, (batch or 1 << 40) // 2048)) if batch else res.df()
            if len(chunk) == 0:
                return
            v = chunk["v"]
            v = (v.to_numpy(dtype=np.float64) if ct == "num" else v.to_numpy()
                 if ct == "date" else v.to_numpy(dtype=object))
            yield (v, chunk["n"].to_numpy(dtype=np.int64), chunk["f"].to_numpy(dtype=np.int64),
                   chunk["d"].to_numpy(dtype=np.float64, na_value=np.nan) if cast else None)
            if not batch:
                return

    def _present(self, j: int) -> str:
        """SQL: column ``j``'s cell is there (not NULL; a number not NaN — pandas' missing)."""
        return f"(c{j} IS NOT NULL AND NOT isnan(c{j}))" if self.ctypes[j] == "num" else f"(c{j} IS NOT NULL)"

    def _add(self, sql_rows: str, column: str | None, code: str, shown: str, reason: str, action=None) -> None:
        """Problem ``code`` for the rows of ``sql_rows`` (a SELECT of rid, the 原值 as ``shown``, and
        optionally ``reason`` / ``action`` columns): the first ``cap`` rows listed, all counted (exact)."""
        total = self.con.execute(f"SELECT COUNT(*) FROM ({sql_rows})").fetchall()[0][0]
        if not total:
            return
        first = self.con.execute(f"SELECT * FROM ({sql_rows}) ORDER BY rid LIMIT {self.cap}").df()
        rows = self.header_row + 1 + first["rid"].to_numpy(dtype=np.int64)
        vals = first[shown].astype(object).where(first[shown].notna(), None).to_numpy(dtype=object)
        why = reason if reason not in first.columns else first[reason].to_numpy(dtype=object)
        act = action if action is None or action not in first.columns else first[action].to_numpy(dtype=object)
        self.sink.add(rows, column, code, vals, why, act)
        extra = total - len(first)
        if extra > 0:
            if code not in bio.NOT_FATAL:
                self.sink.count += extra
            self.sink.log.counts[(self.spec.id, code)] += extra

    # ------------------------------------------------------------------------------------------ load
    def load(self, *, strict: bool, shown: tuple) -> bio.LoadedTable:
        spec, mapping, con = self.spec, self.mapping, self.con
        notes: list[str] = bio._body_notes(self.header, spec, mapping)
        currencies: dict[str, set[str]] = {}
        self.as_numbers: set[str] = set()  # code / ID columns whose cells were numbers (set by _column)
        #: number columns of text cells (CSV; kinds typed DOUBLE): DuckDB's TRY_CAST types a cell wherever the rule
        #: gives the very same float for its text (compared per distinct text in _column); only the others are mapped
        self.cast_cols = {pos for pos, col, _u, _t in mapping.values() if self.ctypes[pos] == "text"
                          and _SQL_TYPE[col.kind] == "DOUBLE" and col.id not in bio.CURRENCY_COLUMNS}
        # blank texts and 合计 texts per column: the loader's tests on each distinct value
        nb, summ = [], []
        for j in range(self.width):
            blanks, sums = [], []
            if self.ctypes[j] != "text":  # a typed cell: blank when missing, never 合计 (bankxl.io._summary_rows)
                nb.append(self._present(j))
                summ.append(None)
                continue
            for ci, (v, _n, _f, _d) in enumerate(self._distinct(j, batch=BATCH)):
                self._cache[j] = (v, _n, _f, _d) if ci == 0 and len(v) < BATCH else None  # one chunk: reused below
                b = C._stripped_blank_many(v)
                blanks.extend(v[b])
                s = np.fromiter(map(operator.contains, v, itertools.repeat("计")), dtype=bool, count=len(v)) & ~b
                if s.any():
                    s[s] = C.unique_map(v[s], bio._is_summary_text, bool)
                    sums.extend(v[s])
            nb.append(f"(c{j} IS NOT NULL" + (f" AND NOT {_in_list(f'c{j}', blanks)})" if blanks else ")"))
            summ.append(_in_list(f"c{j}", sums) if sums else None)
        self.nb = nb
        any_cell = " OR ".join(nb) if nb else "FALSE"
        drop = self._name("drop")
        con.execute(f"CREATE TABLE {drop} (rid BIGINT)")
        self.tables.append(drop)
        # 合计/小计 rows: a summary text among a row's first two non-blank cells (bankxl.io._summary_rows)
        if any(s is not None for s in summ):
            hits = [f"CASE WHEN {s} AND ({' + '.join(f'CAST({nb[i]} AS INT)' for i in range(j)) or '0'}) < 2 "
                    f"THEN c{j} END" for j, s in enumerate(summ) if s is not None]
            sq = f"SELECT rid, COALESCE({', '.join(hits)}) AS v FROM {self.raw} WHERE ({any_cell})"
            sq = f"SELECT * FROM ({sq}) WHERE v IS NOT NULL"
            self._add(sq, None, "SUMMARY_ROW", "v", "合计/小计行(非明细数据)")
            con.execute(f"INSERT INTO {drop} SELECT rid FROM ({sq})")
        pre = f"({any_cell}) AND rid NOT IN (SELECT rid FROM {drop})"
        # footer lines at the bottom (bankxl.io._footer_rows on the last rows)
        req_pos = [mapping[c.id][0] for c in spec.required if c.id in mapping]
        tail = 64
        while True:
            last = con.execute(f"SELECT rid, {', '.join(f'c{j}' for j in range(self.width))}, "
                               f"{', '.join(f'{e} AS nb{j}' for j, e in enumerate(nb))} FROM {self.raw} "
                               f"WHERE {pre} ORDER BY rid DESC LIMIT {tail}").df().iloc[::-1]
            cells = last[[f"c{j}" for j in range(self.width)]].astype(object)
            cells = cells.where(cells.notna(), None).to_numpy(dtype=object)
            blank = ~last[[f"nb{j}" for j in range(self.width)]].to_numpy(dtype=bool)
            foot, ftext = bio._footer_rows(lambda i, j: cells[i, j], blank, req_pos)
            if foot.all() and len(last) == tail:
                tail *= 4
                continue
            break
        if foot.any():
            fr = last["rid"].to_numpy(dtype=np.int64)[foot]
            self.sink.add(self.header_row + 1 + fr, None, "FOOTER_ROW", ftext[foot],
                          "表尾说明行(制表人/打印日期/单位等), 不是明细")
            con.execute(f"INSERT INTO {drop} SELECT UNNEST(?::BIGINT[])", [fr.tolist()])
        kept = self._name("kept")
        con.execute(f"CREATE VIEW {kept} AS SELECT * FROM {self.raw} WHERE {pre}")
        self.kept = kept
        self.n_kept = con.execute(f"SELECT COUNT(*) FROM {kept}").fetchall()[0][0]
        self.all_kept = self.n_kept == self.n0
        # a record longer than its header (bankxl.io._load_body: FIELD_COUNT)
        named = np.flatnonzero(~C.blank_mask(self.header))
        first_extra = named.max() + 1 if named.size else 0
        if first_extra < self.width:
            extra = " OR ".join(nb[first_extra:])
            parts = [f"c{j}" for j in range(first_extra, self.width)]
            self._add(f"SELECT rid, CONCAT_WS(' | ', {', '.join(parts)}) AS v FROM {kept} WHERE {extra}", None,
                      "FIELD_COUNT", "v", f"该行的字段比表头({named.max() + 1} 列)多, 多出的值可能是错位的结果, 各列的值可能不对",
                      "行保留; 请核对该行的分隔符与引号")
        # the columns: the loader's rule per distinct value
        select, joins, by_col = [], [], {}
        for col in spec.columns:
            sqlt = _SQL_TYPE[col.kind]
            if col.id not in mapping:
                bv = bio._blank_rule(col, pd.Series([None], dtype=bio._dtype(col.kind)).array, np.ones(1, bool))[0]
                select.append(f"CAST({'NULL' if pd.isna(bv) else _lit(bv)} AS {sqlt}) AS \"{col.id}\"")
                continue
            expr, join = self._column(col, notes, currencies)
            select.append(f"{expr} AS \"{col.id}\"")
            joins.extend(join)
            by_col[col.id] = (f"{expr} AS \"{col.id}\"", join)
        # duplicate keys: all but the last row of each key (bankxl.io._load_body: DUP_KEY)
        typed = self._name("typed")
        con.execute(f"CREATE VIEW {typed}_all AS SELECT k.rid AS _rid, CAST({self.header_row + 1} + k.rid AS BIGINT) "
                    f"AS _row, {', '.join(select)} FROM {kept} AS k {' '.join(joins)}")
        key = [k for k in spec.key if k in mapping]
        dup_filter, ndup = "", 0
        if key and len(key) == len(spec.key):
            kc = ", ".join(f'"{k}"' for k in key)
            full = " AND ".join(f'"{k}" IS NOT NULL' for k in key)
            dups = self._name("dups")
            keys = (f"(SELECT k.rid AS _rid, CAST({self.header_row + 1} + k.rid AS BIGINT) AS _row, "
                    + ", ".join(by_col[k][0] for k in key) + f" FROM {kept} AS k "
                    + " ".join(j for k in key for j in by_col[k][1]) + ")")  # the key's columns only
            con.execute(f"CREATE TABLE {dups} AS SELECT t._rid, t._row, l.last_row, "
                        + ", ".join(f't."{k}"' for k in key)
                        + f" FROM {keys} AS t JOIN (SELECT {kc}, MAX(_rid) AS last_rid, MAX(_row) AS last_row "
                        f"FROM {keys} WHERE {full} GROUP BY {kc} HAVING COUNT(*) > 1) AS l USING ({kc}) "
                        f"WHERE t._rid < l.last_rid")
            self.tables.append(dups)
            ndup = con.execute(f"SELECT COUNT(*) FROM {dups}").fetchall()[0][0]
            if ndup:
                first = con.execute(f"SELECT * FROM {dups} ORDER BY _rid LIMIT {self.cap}").df()
                kv = pd.DataFrame({k: _as_dtype(first[k], spec.column(k).kind) for k in key})
                keyvals = kv.astype(str).agg(" / ".join, axis=1).to_numpy(dtype=object)
                acts = np.array([f"剔除该行, 保留同一主键的最后一条(第 {int(r)} 行)" for r in first["last_row"]],
                                dtype=object)
                label = "、".join(bio._label(spec.column(k)) for k in key)
                self.sink.add(first["_row"].to_numpy(dtype=np.int64), label, "DUP_KEY", keyvals, "主键重复", acts)
                extra = ndup - len(first)
                if extra > 0:
                    self.sink.count += extra
                    self.sink.log.counts[(spec.id, "DUP_KEY")] += extra
                dup_filter = f" WHERE _rid NOT IN (SELECT _rid FROM {dups})"
        n = self.n_kept - ndup
        attrs = {"table": spec.id, "sheet": None, "source": self.source,
                 "columns_found": [c.id for c in spec.columns if c.id in mapping], "engine": "duckdb"}
        for nt in notes:
            bio.log.info("%s: %s", spec.id, nt)
        loading = [f"{typed}_all", kept, self.raw]  # views of the load; self.tables: its tables
        if strict and self.sink.count:
            _drop_objects(con, loading, self.tables)
            raise bio._strict_error(spec, None, self.sink, shown)
        if self.materialise:  # the typed rows read ONCE (the maps' joins run here only), then the load's objects go
            try:
                con.execute(f"CREATE TABLE {typed} AS SELECT * FROM {typed}_all{dup_filter}")
            finally:
                _drop_objects(con, loading, self.tables)
            dt = DuckTable(con, typed, n, spec, attrs, [typed], [])
        else:  # Parquet: a view over the file (only the cells a rule changed are mapped)
            con.execute(f"CREATE VIEW {typed} AS SELECT * FROM {typed}_all{dup_filter}")
            dt = DuckTable(con, typed, n, spec, attrs, self.tables, [typed, *loading])
        return bio.LoadedTable(spec.id, dt, None, self.source, self.header_row, n, notes, currencies,
                               frozenset(self.as_numbers))

    def _column(self, col, notes: list[str], currencies: dict) -> tuple[str, list[str]]:
        """The SQL expression of ``col``'s typed value (and its joins) after its rule ran on the distinct
        values; its problems go to the sink in the pandas path's order (coercion groups, REQUIRED_EMPTY,
        NEG_BALANCE)."""
        pos, _c, unit, htxt = self.mapping[col.id]
        j, k, spec = pos, col.kind, self.spec
        ct = self.ctypes[j]
        batched = k in TEXT_KINDS and col.id not in bio.CURRENCY_COLUMNS and ct == "text"
        # a typed cell (Parquet number / date) the rule leaves as it is needs no map row either
        partial = batched or (ct in ("num", "date") and k not in TEXT_KINDS and col.id not in bio.CURRENCY_COLUMNS)
        cast = j in self.cast_cols  # text cells of a number column: TRY_CAST where it equals the rule's value
        rows_where = f"rid IN (SELECT rid FROM {self.kept})"
        groups: dict[Any, list] = {}  # (order key) -> [code, values, reasons]
        order: list = []
        maps = []  # frames v -> val
        col_notes: list[str] = []
        cached = self._cache.get(j) if self.all_kept else None  # no row dropped: the first pass's values
        chunks = [cached] if cached is not None else self._distinct(j, rows_where, batch=BATCH if batched else None)
        for bi, (v, cnt, _f, d) in enumerate(chunks):
            blank_u = C._stripped_blank_many(v) if ct == "text" else np.zeros(len(v), bool)
            codes = np.repeat(np.arange(len(v)), cnt) if k == "rate" else np.zeros(0, np.int64)
            out = bio._coerce_column(col, v, blank_u, unit, htxt, spec, self.date1904, codes=codes)
            if bi == 0 or (k in ("date", "month") and not col_notes):
                col_notes = list(out.notes) if bi == 0 or out.notes else col_notes
            currencies.update({col.id: currencies.get(col.id, set()) | set(out.currencies)} if out.currencies else {})
            if out.as_numbers:  # as the pandas path (bankxl.io._load_body): LoadedTable.as_numbers
                self.as_numbers.add(col.id)
            for gi, (m, code, reason) in enumerate(out.problems):
                gk = code if batched else gi
                if gk not in groups:
                    groups[gk] = [code, [], []]
                    order.append(gk)
                groups[gk][1].append(v[m])
                groups[gk][2].append(np.full(int(m.sum()), reason, dtype=object) if isinstance(reason, str)
                                     else np.asarray(reason, dtype=object)[m])
            if col.id in bio.CURRENCY_COLUMNS:
                vals = bio._currency_column(col, out.values, col_notes)
            else:
                vals = bio._blank_rule(col, out.values, blank_u)
            vals = _as_dtype(pd.Series(vals), k)
            if batched:  # only what the rule changed
                same = (vals.astype(object) == pd.Series(v, dtype=object)).fillna(False).to_numpy(dtype=bool)
                maps.append(pd.DataFrame({"v": v[~same], "val": vals[~same].astype(object).where(vals[~same].notna(), None)}))
            elif partial:  # only what the rule changed (a value it made blank included)
                same = _same_typed(vals, v, ct)
                maps.append(pd.DataFrame({"v": v[~same], "val": vals.to_numpy()[~same]}))
            elif cast:  # only the texts whose rule value is not DuckDB's TRY_CAST (the same float, sign included)
                r = vals.to_numpy(dtype="float64", na_value=np.nan)
                same = (r == d) & (np.signbit(r) == np.signbit(d))
                maps.append(pd.DataFrame({"v": v[~same], "val": r[~same]}))
            else:
                maps.append(pd.DataFrame({"v": v, "val": vals.to_numpy() if k not in TEXT_KINDS
                                          else vals.astype(object).where(vals.notna(), None).to_numpy()}))
        if not maps:  # no value at all: the rule's notes on the header alone (the pandas path calls it too)
            empty = np.empty(0, dtype=np.float64 if ct == "num" else object)
            col_notes = list(bio._coerce_column(col, empty, np.zeros(0, bool), unit, htxt, spec, self.date1904,
                                                codes=np.zeros(0, np.int64)).notes)
        notes.extend(col_notes)
        if k == "money" and unit is not None:  # the header's currency: 余额(EUR); 余额(万元) is CNY
            cur = "CNY" if C.money_factor(unit) is not None else C.CURRENCY_WORDS.get(unit.casefold())
            if cur:
                currencies.setdefault(col.id, set()).add(cur)
        label = bio._label(col)
        vtype = {"text": "VARCHAR", "num": "DOUBLE", "date": "TIMESTAMP", "bool": "BOOLEAN"}[ct]
        for gk in order:
            code, vs, rs = groups[gk]
            pv = self._table(f"p{j}_{len(self.tables)}", pd.DataFrame({"v": np.concatenate(vs),
                                                                       "reason": np.concatenate(rs)}),
                             {"v": vtype, "reason": "VARCHAR"})
            self._add(f"SELECT k.rid, k.c{j} AS v, p.reason FROM {self.kept} AS k JOIN {pv} AS p ON k.c{j} = p.v",
                      label, code, "v", "reason", bio._action(col, code))
        sqlt = _SQL_TYPE[k]
        mp = pd.concat(maps, ignore_index=True) if maps else pd.DataFrame({"v": [], "val": []})
        if k in ("date", "month"):
            mp["val"] = pd.to_datetime(mp["val"])
        m = self._table(f"m{j}", mp, {"v": vtype, "val": sqlt})
        alias = f"m{j}"
        bv = None
        if col.blank_value is not None:
            bv = bio._blank_rule(col, pd.Series([None], dtype=bio._dtype(k)).array, np.ones(1, bool))[0]
        null_val = "NULL" if bv is None else _lit(bv)
        if batched:
            expr = f"CASE WHEN k.c{j} IS NULL THEN CAST({null_val} AS {sqlt}) WHEN {alias}.v IS NOT NULL " \
                   f"THEN {alias}.val ELSE k.c{j} END"
        elif partial:  # a NaN cell is not among the distinct values: NULL, as an unmatched map row gave
            nan = f"WHEN isnan(k.c{j}) THEN NULL " if ct == "num" else ""
            expr = f"CASE WHEN k.c{j} IS NULL THEN CAST({null_val} AS {sqlt}) WHEN {alias}.v IS NOT NULL " \
                   f"THEN {alias}.val {nan}ELSE CAST(k.c{j} AS {sqlt}) END"
        elif cast:  # a text not mapped is one whose TRY_CAST is the rule's value
            expr = f"CASE WHEN k.c{j} IS NULL THEN CAST({null_val} AS {sqlt}) WHEN {alias}.v IS NOT NULL " \
                   f"THEN {alias}.val ELSE TRY_CAST(k.c{j} AS DOUBLE) END"
        else:
            expr = f"CASE WHEN k.c{j} IS NULL THEN CAST({null_val} AS {sqlt}) ELSE {alias}.val END"
        join = [f"LEFT JOIN {m} AS {alias} ON {alias}.v = k.c{j}"]
        if col.required and not col.blank_ok:
            self._add(f"SELECT rid, c{j} AS v FROM {self.kept} WHERE NOT {self.nb[j]}", label, "REQUIRED_EMPTY", "v",
                      "必填列为空", bio._action(col, "REQUIRED_EMPTY"))
        if col.nonneg and k in ("money", "number", "int", "rate"):
            neg = f"({expr}) < 0" if partial or cast else f"{alias}.val < 0"
            self._add(f"SELECT k.rid, k.c{j} AS v FROM {self.kept} AS k LEFT JOIN {m} AS {alias} ON {alias}.v = k.c{j} "
                      f"WHERE {neg}", label, "NEG_BALANCE", "v", "金额为负(透支/冲正?), 该列不应为负",
                      bio._action(col, "NEG_BALANCE"))
        return expr, join


def _same_typed(vals: pd.Series, v: np.ndarray, ct: str) -> np.ndarray:
    """Which distinct typed cells ``v`` (``ct`` "num": float64; "date": datetime64) the rule left unchanged:
    ``vals`` (its result, the loader's dtype) equal to the cell; a value made blank or changed is False."""
    if ct == "num":
        return vals.to_numpy(dtype="float64", na_value=np.nan) == v
    return (pd.Series(pd.to_datetime(v)).to_numpy() == vals.to_numpy(dtype="datetime64[ns]")) & pd.notna(v)


def _lit(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v)) if isinstance(v, (float, np.floating)) else str(int(v))
    return _q(v)


def _as_dtype(s: pd.Series, kind: str) -> pd.Series:
    """``s`` with the loader's dtype of ``kind`` (:func:`bankxl.io._dtype`)."""
    want = bio._dtype(kind)
    if want == "string":
        return pd.Series(pd.array(s.astype(object).where(s.notna(), None).to_numpy(dtype=object), dtype="string"))
    return s.astype(want)
