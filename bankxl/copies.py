"""One table given twice (e.g. 客户月度存款 as CSV and as Parquet in one folder): whether the two copies hold the
same TYPED rows, and where they first differ.

The copies are compared after the loader's rules (:func:`bankxl.io.read_tables` loads both), so what differs only
in how a file stores a value is the same: a CSV date text ``2025-12-01`` and a Parquet timestamp are one date, IDs
are text with their leading zeros, money is compared to the cent (rounded to 0.01 元), other numbers, dates, texts
and booleans exactly, blank equals blank only. Rows are matched by position among the rows kept (the k-th kept
row of one copy with the k-th of the other, in file order), not by their row numbers: a CSV's Excel row 2 and a
Parquet file's data row 1 are both the first record.

Cost (a table of 12M rows given twice): the row counts first (no column read when they differ); then
- both copies read through DuckDB on one connection (:class:`bankxl.engine.inputs.DuckTable`): ONE query in
  DuckDB joins the two on the record index and gives, per column, the first row where they differ (one pass over
  the join for all columns — cheaper than one join per column; no rows come to pandas). Measured on 客户月度存款
  of the 100k sample bank (1.2M rows, CSV + Parquet): 0.4 s CPU (0.6 s when joined by rank), against 6.6 s CPU
  to load the CSV and 2.0 s the Parquet through DuckDB — the second copy's load is the cost, not the comparison;
- otherwise (pandas frames; a DuckTable beside a frame is materialised with ``to_pandas``) column by column
  with numpy, stopping at the first column that differs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .tables import TableSpec

__all__ = ["Difference", "first_difference"]


@dataclass
class Difference:
    """Where two typed copies of a table first differ: ``column`` (spec column id; None when the row counts
    differ), ``rows_a`` / ``rows_b`` the kept row counts, ``row_a`` / ``row_b`` the row numbers (``_row``: the
    Excel row, or a Parquet file's data row) of the first differing row in each copy, ``value_a`` / ``value_b``
    its typed values (None when blank)."""

    column: str | None
    rows_a: int
    rows_b: int
    row_a: int | None = None
    row_b: int | None = None
    value_a: Any = None
    value_b: Any = None


def first_difference(a: Any, b: Any, spec: TableSpec) -> Difference | None:
    """None when typed tables ``a`` and ``b`` (loaded frames of ``spec``: spec columns + ``_row``, a pandas
    DataFrame or a :class:`~bankxl.engine.inputs.DuckTable`) hold the same rows (module docstring: money to the
    cent, rows by position), else the first :class:`Difference` — the row counts, or the first column in spec
    order that differs and its first differing row. Raises nothing of its own."""
    na, nb = len(a), len(b)
    if na != nb:
        return Difference(None, na, nb)
    if na == 0:
        return None
    from .engine.inputs import DuckTable

    if isinstance(a, DuckTable) and isinstance(b, DuckTable) and a.con is b.con:
        return _duck_difference(a, b, spec)
    cached = [t for t in (a, b) if isinstance(t, DuckTable) and getattr(t, "_frame", None) is None]
    try:
        return _pandas_difference(a.to_pandas() if isinstance(a, DuckTable) else a,
                                  b.to_pandas() if isinstance(b, DuckTable) else b, spec)
    finally:  # a DuckTable beside a frame: its rows were materialised for this comparison only, not kept
        for t in cached:
            t._frame = None


def _pandas_difference(fa: pd.DataFrame, fb: pd.DataFrame, spec: TableSpec) -> Difference | None:
    """:func:`first_difference` of two frames of equal length: column by column, stopping at the first that
    differs."""
    na, nb = len(fa), len(fb)
    for col in spec.columns:
        if col.id not in fa.columns and col.id not in fb.columns:
            continue
        x = fa[col.id] if col.id in fa.columns else pd.Series([None] * na, dtype=object)
        y = fb[col.id] if col.id in fb.columns else pd.Series([None] * nb, dtype=object)
        bad = _differs(x, y, col.kind)
        if bad.any():
            i = int(np.argmax(bad))
            return Difference(col.id, na, nb, _int(fa["_row"].iloc[i]), _int(fb["_row"].iloc[i]),
                              _value(x.iloc[i]), _value(y.iloc[i]))
    return None


def _differs(x: pd.Series, y: pd.Series, kind: str) -> np.ndarray:
    """Row mask: the typed values of ``x`` and ``y`` (one column of each copy, same length) differ (money to the
    cent; blank = blank)."""
    if pd.api.types.is_float_dtype(x.dtype) and pd.api.types.is_float_dtype(y.dtype):
        xv = x.to_numpy(dtype=np.float64, na_value=np.nan)
        yv = y.to_numpy(dtype=np.float64, na_value=np.nan)
        if kind == "money":
            xv, yv = np.round(xv * 100), np.round(yv * 100)
        return ~((xv == yv) | (np.isnan(xv) & np.isnan(yv)))
    if pd.api.types.is_datetime64_any_dtype(x.dtype) and pd.api.types.is_datetime64_any_dtype(y.dtype):
        xv = x.to_numpy(dtype="datetime64[ns]").view(np.int64)  # NaT is one int64: blank = blank
        yv = y.to_numpy(dtype="datetime64[ns]").view(np.int64)
        return xv != yv
    xn, yn = np.asarray(x.isna(), dtype=bool), np.asarray(y.isna(), dtype=bool)
    xo, yo = x.to_numpy(dtype=object), y.to_numpy(dtype=object)
    same = np.zeros(len(xo), dtype=bool)
    both = ~xn & ~yn
    same[both] = xo[both] == yo[both]
    return ~(same | (xn & yn))


def _duck_difference(a: Any, b: Any, spec: TableSpec) -> Difference | None:
    """:func:`first_difference` of two DuckTables on one connection, in DuckDB, one pass for all columns: the two
    joined on ``_rid`` (the record's index in its file) giving, per column, the first ``_rid`` where they differ
    and the number of rows joined; when that number is not the row count (the copies kept different records, e.g. a
    blank line in one), again joined by kept-row rank (``row_number() OVER (ORDER BY _rid)``, 1.5x the CPU)."""
    cols = list(spec.columns)
    n = len(a)

    def val(side: str, c) -> str:
        e = f'{side}."{c.id}"'
        return f"round({e} * 100)" if c.kind == "money" else e

    def first(key: str) -> str:
        return ", ".join(f"min(CASE WHEN {val('a', c)} IS DISTINCT FROM {val('b', c)} THEN {key} END)" for c in cols)

    ranked = "SELECT *, row_number() OVER (ORDER BY _rid) AS _k FROM {}"
    by_rid = f"{a.view} a JOIN {b.view} b USING (_rid)"
    key = "_rid"
    got = a.con.execute(f"SELECT count(*), {first('_rid')} FROM {by_rid}").fetchall()[0]
    if got[0] != n:
        key = "_k"
        got = a.con.execute(f"WITH a AS ({ranked.format(a.view)}), b AS ({ranked.format(b.view)}) "
                            f"SELECT count(*), {first('_k')} FROM a JOIN b USING (_k)").fetchall()[0]
    for j, k in enumerate(got[1:]):
        if k is None:
            continue
        c = cols[j]
        if key == "_rid":
            q = f'SELECT a._row, b._row, a."{c.id}", b."{c.id}" FROM {by_rid} WHERE _rid = {int(k)}'
        else:
            q = (f"WITH a AS ({ranked.format(a.view)}), b AS ({ranked.format(b.view)}) "
                 f'SELECT a._row, b._row, a."{c.id}", b."{c.id}" FROM a JOIN b USING (_k) WHERE _k = {int(k)}')
        row = a.con.execute(q).fetchall()[0]
        return Difference(c.id, len(a), len(b), _int(row[0]), _int(row[1]), _value(row[2]), _value(row[3]))
    return None


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _value(v: Any) -> Any:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
