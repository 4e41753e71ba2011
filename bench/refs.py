"""References measured in the same run as bankxl (issue 16 item 1): what each stage is compared with.

- load: :func:`pandas_typed_csv` — pandas ``read_csv`` (C engine) with the dtypes the table spec implies (codes and
  text as str, money / numbers float64, int Int64, bool boolean, dates parsed by the parser) on the same CSV;
  :func:`fastexcel_sheet` — fastexcel (calamine, Rust) loading the same sheet into Arrow memory (no pyarrow here:
  the Arrow table is not turned into pandas, so this is the parser's floor); :func:`duckdb_parquet` — DuckDB
  reading the same Parquet file into pandas (no target in issue 16; shown for scale).
- write: :func:`write_raw_xlsx` — plain XlsxWriter writing exactly the cells of the Report model's tables, notes and
  headline figures (typed write_number / write_string / write_datetime / write_boolean, no formats, no tables, no
  charts, no pivots): a fair floor for the same cells.
- core aggregation: :class:`CoreRef` (one per scenario under ``bench/references/``) — the scenario's heaviest
  aggregation timed inside the real run (the function is wrapped where the scenario looks it up, its inputs and
  output captured) and a DuckDB query with the same semantics on the captured inputs, checked equal (counts exact,
  money to the cent) before its time is reported.
"""
from __future__ import annotations

import importlib
import inspect
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from bankxl.report.xlsx import EXCEL_MAX_ROWS, safe_sheet_name
from bankxl.tables import get_table

from .common import measure

# ---------------------------------------------------------------------------------------------- load

#: spec column kind -> the dtype the reference parser is asked for (dates are parsed, not typed here)
CSV_DTYPES = {"id_card": str, "code": str, "text": str, "category": str, "money": "float64", "number": "float64",
              "rate": "float64", "int": "Int64", "bool": "boolean"}


def typed_csv_args(table: str, header: list[str]) -> dict:
    """``read_csv`` keyword arguments for ``table``'s CSV with the given header: dtype per column from the spec
    (columns the spec does not know are left to pandas) and its date / month columns in ``parse_dates``."""
    kinds = {c.id: c.kind for c in get_table(table).columns}
    dtype = {h: CSV_DTYPES[kinds[h]] for h in header if kinds.get(h) in CSV_DTYPES}
    dates = [h for h in header if kinds.get(h) in ("date", "month")]
    return {"dtype": dtype, "parse_dates": dates}


def pandas_typed_csv(path: Path, table: str) -> pd.DataFrame:
    """The load reference: pandas ``read_csv`` typed by the table spec (see :func:`typed_csv_args`)."""
    header = pd.read_csv(path, nrows=0).columns.tolist()
    return pd.read_csv(path, **typed_csv_args(table, header))


def duckdb_parquet(path: Path) -> int:
    """The Parquet load reference: DuckDB reads the file into a pandas frame (no pyarrow here); returns rows."""
    import duckdb

    return len(duckdb.connect().execute("SELECT * FROM read_parquet(?)", [str(path)]).df())


def fastexcel_sheet(path: Path) -> int:
    """The xlsx load reference: fastexcel loads the first sheet (header row 0) into Arrow; returns its rows."""
    import fastexcel

    sheet = fastexcel.read_excel(str(path)).load_sheet(0)
    return sheet.height


# ---------------------------------------------------------------------------------------------- write

def _column_values(s: pd.Series) -> tuple[str, list]:
    """(kind, values) of a column for typed writes: 'number' floats, 'datetime' naive datetimes, 'boolean',
    'string'; a missing value is None (not written)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean", [None if pd.isna(v) else bool(v) for v in s.astype(object)]
    if pd.api.types.is_numeric_dtype(s.dtype):
        a = s.to_numpy(dtype="float64", na_value=np.nan)
        return "number", [None if v != v or v in (np.inf, -np.inf) else v for v in a.tolist()]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return "datetime", [None if v is pd.NaT else v.to_pydatetime() for v in s]
    vals = s.astype(object).tolist()
    return "string", [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v) for v in vals]


class RawWriter:
    """Plain XlsxWriter, typed writes only; counts the cells written. Tables taller than a sheet continue on a
    new sheet (as the report writer does)."""

    def __init__(self, path: Path):
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False})
        self.taken: set[str] = set()
        self.cells = 0

    def sheet(self, name: str):
        return self.wb.add_worksheet(safe_sheet_name(name, self.taken))

    def frame(self, ws, name: str, df: pd.DataFrame, row: int) -> tuple[Any, int]:
        """Header + values of ``df`` from ``row``; returns (worksheet, next free row)."""
        cols = [_column_values(df[c]) for c in df.columns]
        header = [str(c) for c in df.columns]
        n, start = len(df), 0
        while True:
            for j, h in enumerate(header):
                ws.write_string(row, j, h)
            self.cells += len(header)
            row += 1
            take = min(n - start, EXCEL_MAX_ROWS - row)
            for j, (kind, vals) in enumerate(cols):
                put = {"number": ws.write_number, "datetime": ws.write_datetime, "boolean": ws.write_boolean,
                       "string": ws.write_string}[kind]
                k = 0
                for i, v in enumerate(vals[start:start + take], row):
                    if v is not None:
                        put(i, j, v)
                        k += 1
                self.cells += k
            start += take
            row += take + 1
            if start >= n:
                return ws, row
            ws, row = self.sheet(f"{name}(续)"), 0

    def lines(self, ws, values: list, row: int) -> int:
        for v in values:
            if v is None:
                continue
            if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
                ws.write_number(row, 0, float(v))
            else:
                ws.write_string(row, 0, str(v))
            self.cells += 1
            row += 1
        return row

    def close(self) -> None:
        self.wb.close()


def write_frames_xlsx(frames: dict[str, pd.DataFrame], path: Path) -> int:
    """Each frame on its own sheet (typed plain writes); returns the cells written."""
    w = RawWriter(path)
    for name, df in frames.items():
        w.frame(w.sheet(name), name, df, 0)
    w.close()
    return w.cells


def write_raw_xlsx(report, path: Path) -> int:
    """The write reference: every sheet of ``report`` with the values of its tables (header + cells), its notes'
    lines and pairs and its headline's figures, in plain XlsxWriter; pivots and charts are not written (they are
    Excel objects over cells already counted). Returns the cells written."""
    from bankxl.report.model import Headline, Note, Table

    w = RawWriter(path)
    for sh in report.sheets:
        ws, row = w.sheet(sh.name), 0
        for b in sh.blocks:
            if isinstance(b, Table):
                if b.title:
                    row = w.lines(ws, [b.title], row)
                ws, row = w.frame(ws, sh.name, b.df, row)
            elif isinstance(b, Note):
                row = w.lines(ws, [b.title, *b.lines], row)
                for k, v in b.pairs:
                    row = w.lines(ws, [k, v], row)
            elif isinstance(b, Headline):
                for f in b.figures:
                    row = w.lines(ws, [f.label, f.value, f.compare], row)
                row = w.lines(ws, list(b.lines), row)
    w.close()
    return w.cells


def report_cells(report) -> int:
    """Cells of the report's tables (header + non-missing values): the 'cells written' figure of a report."""
    from bankxl.report.model import Table

    n = 0
    for sh in report.sheets:
        for b in sh.blocks:
            if isinstance(b, Table):
                n += len(b.df.columns) + int(b.df.notna().to_numpy().sum())
    return n


# ---------------------------------------------------------------------------------------------- core aggregation

@dataclass
class Call:
    args: tuple
    kwargs: dict
    result: Any
    wall: float
    cpu: float

    def bound(self, fn) -> dict:
        """This call's arguments by parameter name of ``fn`` (the captured function), defaults filled in."""
        b = inspect.signature(fn).bind(*self.args, **self.kwargs)
        b.apply_defaults()
        return dict(b.arguments)


@dataclass
class CoreRef:
    """A scenario's core aggregation and its DuckDB reference.

    ``target``: "module:function" — the function the scenario calls for that aggregation, patched in ``module``
    (the module whose global name the scenario looks up) for the run so its CPU time, inputs and output are
    captured; ``inputs(call)`` -> {duckdb table name: DataFrame} from the compared call's arguments (the heaviest,
    :func:`run_core_reference`); ``sql`` the
    DuckDB query (DuckDB dialect; or a function of the call giving it, e.g. for a column list); ``bankxl(call)`` and ``duckdb(result_df, call)`` both return the compared
    table in one long form (same columns; ``keys`` sort it; ``money`` columns compared to the cent, every
    other column exactly). ``note``: what the aggregation is (shown in RESULTS.md)."""

    code: str
    target: str
    what: str
    sql: str | Callable[[Call], str]
    inputs: Callable[[Call], dict[str, pd.DataFrame]]
    bankxl: Callable[[Call], pd.DataFrame]
    duckdb: Callable[[pd.DataFrame, Call], pd.DataFrame]
    keys: list[str]
    money: list[str] = field(default_factory=list)
    money_unit: Callable[[Call], float] = lambda call: 1.0


def _snapshot(v: Any) -> Any:
    """``v`` as returned, safe from later changes by the caller: frames (also inside a tuple, list or dict) are
    shallow copies (copy-on-write: a column the scenario adds or changes afterwards does not reach the copy)."""
    if isinstance(v, (pd.DataFrame, pd.Series)):
        return v.copy(deep=False)
    if isinstance(v, (tuple, list)):
        return type(v)(_snapshot(x) for x in v) if not hasattr(v, "_fields") else v
    if isinstance(v, dict):
        return {k: _snapshot(x) for k, x in v.items()}
    return v


class Capture:
    """Wraps ``target`` ("module:function") for the duration of a ``with`` block: every call's inputs and output
    (snapshots, :func:`_snapshot`), wall and CPU seconds are kept in :attr:`calls`."""

    def __init__(self, target: str):
        mod, _, name = target.partition(":")
        self.module, self.name = importlib.import_module(mod), name
        self.calls: list[Call] = []

    def __enter__(self):
        self.orig = fn = getattr(self.module, self.name)

        def wrapped(*args, **kwargs):
            w0, c0 = time.perf_counter(), time.process_time()
            out = fn(*args, **kwargs)
            w, c = time.perf_counter() - w0, time.process_time() - c0
            self.calls.append(Call(_snapshot(args), _snapshot(kwargs), _snapshot(out), w, c))
            return out

        setattr(self.module, self.name, wrapped)
        return self

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.orig)
        return False


def compare(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], money: list[str], unit: float = 1.0) -> list[str]:
    """Differences between bankxl's table ``a`` and the reference ``b`` (empty list = equal): same columns,
    same key rows, ``money`` columns equal to the cent (values in a display unit of ``unit`` 元, e.g. 10,000 for
    万元: tolerance half a cent), every other column exactly equal (missing equals missing)."""
    out = []
    if sorted(a.columns) != sorted(b.columns):
        return [f"columns differ: {sorted(a.columns)} vs {sorted(b.columns)}"]
    a = a[sorted(a.columns)].sort_values(keys).reset_index(drop=True)
    b = b[sorted(b.columns)].sort_values(keys).reset_index(drop=True)
    if len(a) != len(b):
        return [f"rows differ: {len(a)} vs {len(b)}"]
    for c in a.columns:
        x, y = a[c], b[c]
        if c in money:
            xv, yv = x.to_numpy("float64", na_value=np.nan), y.to_numpy("float64", na_value=np.nan)
            bad = ~((np.abs(xv - yv) * unit <= 0.005 + 1e-9) | (np.isnan(xv) & np.isnan(yv)))
        else:
            xs, ys = x.astype(object).where(x.notna(), None), y.astype(object).where(y.notna(), None)
            bad = np.array([not (u == v) for u, v in zip(xs, ys)], dtype=bool) if len(xs) else np.zeros(0, bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = {k: a.loc[i, k] for k in keys}
            out.append(f"{c}: {int(bad.sum())} row(s) differ, first at {row}: {x.iloc[i]!r} vs {y.iloc[i]!r}")
    return out


def run_core_reference(ref: CoreRef, calls: list[Call], repeat: int = 3) -> dict:
    """Time ``ref.sql`` on DuckDB over the inputs of bankxl's heaviest call (most CPU; a scenario may call the
    function several times, e.g. per window or for the month before), loaded into DuckDB tables beforehand (not
    timed; best CPU of ``repeat``), and compare its table with that call's. Returns {status: equal|mismatch|no
    call|error, calls, bankxl_cpu, bankxl_wall (that call), duckdb_cpu, duckdb_wall, diffs}."""
    import duckdb

    if not calls:
        return {"status": "no call", "what": ref.what}
    call = max(calls, key=lambda c: c.cpu)
    out = {"what": ref.what, "calls": len(calls), "bankxl_cpu": call.cpu, "bankxl_wall": call.wall}
    sql = ref.sql(call) if callable(ref.sql) else ref.sql
    con = duckdb.connect()
    for name, df in ref.inputs(call).items():
        con.register("_v", df)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _v')
        con.unregister("_v")
    best = None
    for _ in range(repeat):
        with measure() as st:
            res = con.execute(sql).df()
        if best is None or st.cpu < best.cpu:
            best = st
    out.update(duckdb_cpu=best.cpu, duckdb_wall=best.wall)
    diffs = compare(ref.bankxl(call), ref.duckdb(res, call), ref.keys, ref.money, ref.money_unit(call))
    out.update(status="equal" if not diffs else "mismatch", diffs=diffs[:5])
    return out
