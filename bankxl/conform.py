"""Conform a frame to its canonical table spec, once, before a scenario sees it (DESIGN.md "runner").

:func:`conform` is what makes "a scenario never re-casts or re-checks its inputs" true for every way a frame
reaches :func:`bankxl.runner.execute`: the loader's output (already conforming: nothing is cast), the sample
bank, a dataset adapter's frame, or a DataFrame a caller builds by hand (object columns, numbers as text,
dates as strings). After it, a scenario may rely on:

* every spec column present, in the dtype of :meth:`bankxl.tables.TableSpec.empty` — ``string`` for
  id_card/code/text/category, ``datetime64[ns]`` at day precision for date (first of the month for month),
  ``float64`` for money/number/rate, ``Int64`` for int, ``boolean`` for bool; an optional column the frame
  lacks is added all-missing (blank, never 0 or False) — or filled with the spec's blank rule
  (:attr:`~bankxl.tables.Column.blank_value`, 产品持有.持有: blank = held), which cast columns' blank cells get
  too; a column already in its dtype is taken as it is (its <NA> is unknown, what an unreadable value gives);
* ``_row`` (``Int64``): the Excel row the user sees; ``<NA>`` when the frame did not come from a file;
* extra (non-spec) columns kept as they are; the index kept.

A column whose dtype already matches is not re-parsed: that keeps conforming loader output cheap (a dtype
check per column plus one vectorised day-precision check per date column). A column of another dtype goes
through the loader's own coercer (:mod:`bankxl.coerce` via ``bankxl.io``), so a hand-built frame gets exactly
the loader's rules — ``'00123'`` stays ``'00123'``, ``1001.0`` becomes ``'1001'``, ``'2024/1/5'`` a date —
and its row problems (DATE_INVALID, NUM_INVALID …) go to ``problems``.

A text column (id_card/code/text/category) that is already ``string`` is checked for values the loader would
have changed (:func:`text_needs_cleaning`: surrounding spaces, an empty text, a blank marker such as ``NULL``
or ``#N/A``, a code's leading ``'`` or full-width characters, an identity number not in its clean 15/18-digit
form) and, only when there is one, goes through the same coercer — so ``' 001 '`` from the Python API or the
xlwings front end becomes ``'001'`` as the loader makes it. The check costs about 0.1 s per million values; a
frame the loader made (``attrs['table']`` names this table: ``bankxl.io``'s stamp, which :func:`conform`'s
output carries too) is trusted without it.
"""
from __future__ import annotations

import logging
import re
import unicodedata

import numpy as np
import pandas as pd

from .coerce import BLANK_TEXTS
from .errors import DataValidationError, ProblemLog
from .tables import Column, TableSpec, get_table

log = logging.getLogger(__name__)

__all__ = ["DTYPES", "conform", "conforms", "text_needs_cleaning"]

#: column kind -> the dtype a conforming frame holds (the loader's and :meth:`TableSpec.empty`'s)
DTYPES = {"id_card": "string", "code": "string", "text": "string", "category": "string",
          "date": "datetime64[ns]", "month": "datetime64[ns]", "money": "float64", "number": "float64",
          "int": "Int64", "rate": "float64", "bool": "boolean"}
_DAY_NS = 86_400 * 10**9
_TEXT_KINDS = ("id_card", "code", "text", "category")

# The text checks run on the column's values joined with NUL between them (and around them), so that one C-level
# regex search covers a million values; a missing value is the sentinel \x01, which none of them flags.
_BLANK_MARKERS = "|".join(re.escape(t) for t in sorted(BLANK_TEXTS, key=len, reverse=True) if t)
#: a value with leading whitespace (``str.strip``'s \s), an empty value, or a blank marker (NULL, #N/A …)
_DIRTY_START = re.compile(rf"\x00(?:\s|\x00|(?:{_BLANK_MARKERS})\x00)")
#: the same, or a code's leading ``'`` (Excel's text prefix, which the loader takes off)
_DIRTY_START_CODE = re.compile(rf"\x00(?:\s|\x00|'|(?:{_BLANK_MARKERS})\x00)")
#: a value with trailing whitespace, searched in the reversed text (a literal first character is the fast search)
_DIRTY_END_REVERSED = re.compile(r"\x00\s")
#: a value that is not a clean identity number (15 digits, or 17 digits and a digit or X) nor missing
_DIRTY_ID = re.compile(r"\x00(?![0-9]{15}(?:[0-9]{2}[0-9X])?\x00|\x01\x00|\Z)")


def text_needs_cleaning(kind: str, s: pd.Series) -> bool:
    """True when the loader's text rules (:func:`bankxl.coerce.coerce_text`, ``bankxl.io``'s identity-number
    reader) would change a value of ``s`` — a ``string`` Series of column kind ``kind`` (id_card / code / text /
    category): surrounding whitespace, an empty text or a blank marker (-> missing); for a code also a leading
    ``'`` or a text NFKC changes (full-width digits, U+3000); for an identity number anything but 15 digits or
    17 digits + a digit or X. Vectorised: about 0.1 s per million values, whatever their length."""
    if not len(s) or (pd.isna(s.iloc[0]) and s.isna().all()):  # an all-blank (e.g. added optional) column
        return False
    joined = "\x00%s\x00" % "\x00".join(s.to_numpy(dtype=object, na_value="\x01").tolist())
    if kind == "id_card":
        return _DIRTY_ID.search(joined) is not None
    start = _DIRTY_START_CODE if kind == "code" else _DIRTY_START
    if start.search(joined) or _DIRTY_END_REVERSED.search(joined[::-1]):
        return True
    return kind == "code" and not unicodedata.is_normalized("NFKC", joined)


def _needs_cast(col: Column, s: pd.Series, trusted: bool = True) -> bool:
    """True when ``s`` is not already what :func:`conform` makes of column ``col``; a ``string`` text column
    is checked value by value (:func:`text_needs_cleaning`) unless ``trusted`` (the loader made it)."""
    if str(s.dtype) != DTYPES[col.kind]:
        return True
    if col.kind in _TEXT_KINDS and not trusted:
        return text_needs_cleaning(col.kind, s)
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
    from .io import ACTIONS, _action, _blank_rule, _coerce_column  # the loader's rules, not a second copy

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
    values = _blank_rule(col, out.values, blank)  # the spec's blank rule (持有: blank = held), as the loader
    return pd.Series(pd.array(values).astype(DTYPES[col.kind]), index=s.index, name=s.name)


def _trusted(spec: TableSpec, df: pd.DataFrame) -> bool:
    """True when ``df`` carries the loader's stamp for this table (``attrs['table']``, set by ``bankxl.io``
    and by :func:`conform`): its text columns hold what the loader's rules made."""
    return df.attrs.get("table") == spec.id


def conforms(name: str, df: pd.DataFrame) -> bool:
    """True when ``df`` already holds every column of table ``name`` in its conformed dtype, text as the
    loader leaves it (trimmed …, see the module docstring) and ``_row`` (then :func:`conform` casts nothing)."""
    spec = get_table(name)
    trusted = _trusted(spec, df)
    return ("_row" in df.columns and str(df["_row"].dtype) == "Int64"
            and all(c.id in df.columns and not _needs_cast(c, df[c.id], trusted) for c in spec.columns))


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
    trusted = _trusted(spec, df)
    out = df.copy(deep=False)
    out.attrs["table"] = spec.id  # conformed: the loader's stamp (text columns need no second check)
    if "columns_found" not in out.attrs:
        out.attrs["columns_found"] = [c.id for c in spec.columns if c.id in df.columns]
    if "_row" not in out.columns:
        out["_row"] = pd.Series(index=out.index, dtype="Int64")
    elif str(out["_row"].dtype) != "Int64":
        out["_row"] = pd.to_numeric(out["_row"], errors="coerce").astype("Float64").round().astype("Int64")
    for col in spec.columns:
        if col.id not in out.columns:
            out[col.id] = pd.Series(index=out.index, dtype=DTYPES[col.kind])
            if col.blank_value is not None:  # an absent column is blank throughout: the spec's rule applies
                out[col.id] = out[col.id].fillna(col.blank_value)
            continue
        s = out[col.id]
        if not _needs_cast(col, s, trusted):
            continue
        fast = _cast_fast(col, s)
        out[col.id] = fast if fast is not None else _coerce(col, s, spec, out["_row"], problems)
    return out
