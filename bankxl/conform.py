"""Conform a frame to its canonical table spec, once, before a scenario sees it (DESIGN.md "runner").

:func:`conform` is what makes "a scenario never re-casts or re-checks its inputs" true for every way a frame
reaches :func:`bankxl.runner.execute`: the loader's output (already conforming: nothing is cast), the sample
bank, a dataset adapter's frame, or a DataFrame a caller builds by hand (object columns, numbers as text,
dates as strings). After it, a scenario may rely on:

* every spec column present, in the dtype of :meth:`bankxl.tables.TableSpec.empty` — ``string`` for
  id_card/code/text/category, ``datetime64[ns]`` at day precision for date (first of the month for month),
  ``float64`` for money/number/rate, ``Int64`` for int, ``boolean`` for bool; an optional column the frame
  lacks is added all-missing (blank, never 0 or False);
* ``_row`` (``Int64``): the Excel row the user sees; ``<NA>`` when the frame did not come from a file;
* extra (non-spec) columns kept as they are; the index kept.

A column whose dtype already matches is trusted (not re-trimmed or re-parsed): that keeps conforming loader
output cheap (a dtype check per column plus one vectorised day-precision check per date column). A column of
another dtype goes through the loader's own coercer (:mod:`bankxl.coerce` via ``bankxl.io``), so a
hand-built frame gets exactly the loader's rules — ``'00123'`` stays ``'00123'``, ``1001.0`` becomes
``'1001'``, ``'2024/1/5'`` a date — and its row problems (DATE_INVALID, NUM_INVALID …) go to ``problems``.
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .errors import DataValidationError, ProblemLog
from .tables import Column, TableSpec, get_table

log = logging.getLogger(__name__)

__all__ = ["DTYPES", "conform", "conforms"]

#: column kind -> the dtype a conforming frame holds (the loader's and :meth:`TableSpec.empty`'s)
DTYPES = {"id_card": "string", "code": "string", "text": "string", "category": "string",
          "date": "datetime64[ns]", "month": "datetime64[ns]", "money": "float64", "number": "float64",
          "int": "Int64", "rate": "float64", "bool": "boolean"}
_DAY_NS = 86_400 * 10**9


def _needs_cast(col: Column, s: pd.Series) -> bool:
    """True when ``s`` is not already what :func:`conform` makes of column ``col``."""
    if str(s.dtype) != DTYPES[col.kind]:
        return True
    if col.kind in ("date", "month"):
        a = s.to_numpy(dtype="datetime64[ns]")
        a = a[~np.isnat(a)]
        if col.kind == "month":
            return bool((a.astype("datetime64[M]").astype("datetime64[ns]") != a).any())
        return bool((a.view("i8") % _DAY_NS).any())
    return False


def _cast_fast(col: Column, s: pd.Series) -> pd.Series | None:
    """The cast of ``s`` to ``col``'s dtype when it needs no parsing (numbers to numbers, datetimes to day
    precision); None when the loader's coercer must run."""
    k, dt = col.kind, s.dtype
    if k in ("date", "month") and pd.api.types.is_datetime64_any_dtype(dt):
        if getattr(dt, "tz", None) is not None:  # a zoned time: Beijing time, as the loader reads it
            from .coerce import LOCAL_TZ

            s = s.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
        s = s.astype("datetime64[ns]")
        return s.dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]") if k == "month" else s.dt.normalize()
    if k in ("money", "number", "rate") and (pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)):
        return pd.Series(s.to_numpy(dtype="float64", na_value=np.nan), index=s.index, name=s.name)
    if k == "int" and pd.api.types.is_integer_dtype(dt):
        return s.astype("Int64")
    if k == "int" and pd.api.types.is_float_dtype(dt):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        if np.isfinite(v[~np.isnan(v)]).all() and (np.mod(v[~np.isnan(v)], 1) == 0).all():
            return s.astype("Int64")
        return None
    if k == "bool" and pd.api.types.is_bool_dtype(dt):
        return s.astype("boolean")
    return None


def _coerce(col: Column, s: pd.Series, spec: TableSpec, rows: pd.Series, problems: ProblemLog | None) -> pd.Series:
    """``s`` through the loader's coercer for ``col`` (as a file's column headed with its 中文表头); problems
    go to ``problems`` with the Excel rows ``rows``."""
    from . import coerce as C
    from .io import ACTIONS, _action, _coerce_column  # the loader's rules, not a second copy of them

    cells = s.to_numpy(dtype=object, na_value=None)
    blank = C.blank_mask(cells)
    out = _coerce_column(col, cells, blank, None, col.zh, spec, False)
    for note in out.notes:
        log.info("%s: %s", spec.id, note)
    if problems is not None:
        for mask, code, reason in out.problems:
            problems.record(spec.id, rows[mask], col.id, code, cells[mask],
                            reason if isinstance(reason, str) else reason[mask],
                            _action(col, code) or ACTIONS.get(code, "行保留"))
    return pd.Series(pd.array(out.values).astype(DTYPES[col.kind]), index=s.index, name=s.name)


def conforms(name: str, df: pd.DataFrame) -> bool:
    """True when ``df`` already holds every column of table ``name`` in its conformed dtype and ``_row``
    (then :func:`conform` casts nothing)."""
    spec = get_table(name)
    return ("_row" in df.columns and str(df["_row"].dtype) == "Int64"
            and all(c.id in df.columns and not _needs_cast(c, df[c.id]) for c in spec.columns))


def conform(name: str, df: pd.DataFrame, *, problems: ProblemLog | None = None,
            required: bool = True) -> pd.DataFrame:
    """``df`` as canonical table ``name`` (id or any name of :func:`bankxl.tables.get_table`) expects it.

    Returns a new frame (a shallow copy: unchanged columns are not copied; ``df`` is never modified) with
    every spec column in its conformed dtype (see the module docstring), missing optional columns added
    all-missing, ``_row`` (``Int64``, ``<NA>`` when absent) and the extra columns and index of ``df``.
    ``attrs['columns_found']`` lists the spec columns ``df`` had (kept when ``df`` already says so).
    Values that cannot be read in their kind become missing and, when ``problems`` is given, are recorded
    there (问题码 as the loader gives them, Excel row from ``_row``).

    Raises :class:`~bankxl.errors.DataValidationError` naming the table and the column (中文 + id) when a
    required column is missing and cannot be derived (:meth:`TableSpec.missing_required`). ``required=False``
    (a scenario's optional input, which it may use for a few columns only): such a column is added blank too.
    """
    spec = get_table(name)
    missing = spec.missing_required(df.columns) if required else ()
    if missing:
        c = missing[0]
        names = "、".join(f"「{m.zh}」({m.id})" for m in missing)
        raise DataValidationError(
            f"表「{spec.zh}」({spec.id}) 缺少必填列 {names}。",
            f"Table {spec.id} lacks required column(s) {', '.join(m.id for m in missing)}.",
            table=spec.id, column=c.id, column_zh=c.zh)
    out = df.copy(deep=False)
    if "columns_found" not in out.attrs:
        out.attrs["columns_found"] = [c.id for c in spec.columns if c.id in df.columns]
    if "_row" not in out.columns:
        out["_row"] = pd.Series(index=out.index, dtype="Int64")
    elif str(out["_row"].dtype) != "Int64":
        out["_row"] = pd.to_numeric(out["_row"], errors="coerce").astype("Float64").round().astype("Int64")
    for col in spec.columns:
        if col.id not in out.columns:
            out[col.id] = pd.Series(index=out.index, dtype=DTYPES[col.kind])
            continue
        s = out[col.id]
        if not _needs_cast(col, s):
            continue
        fast = _cast_fast(col, s)
        out[col.id] = fast if fast is not None else _coerce(col, s, spec, out["_row"], problems)
    return out
