"""Chinese resident identity numbers (居民身份证号码) and unified social credit codes (统一社会信用代码).

Rules implemented
-----------------
* GB 11643-1999 (公民身份号码, 18 digits): 6-digit address code + 8-digit birth date YYYYMMDD + 3-digit
  sequence code (odd = male, even = female) + one check character computed with ISO 7064 MOD 11-2:
  ``"10X98765432"[sum(a_i * W_i) mod 11]`` with ``W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]``.
* GB 11643-1989 (old 15-digit numbers): 6-digit address code + YYMMDD (century 19) + 3-digit sequence code,
  no check character. Upgrade to 18 = first 6 + "19" + last 9 + recomputed check character.
* GB 32100-2015 (统一社会信用代码): 18 characters over ``0-9A-HJ-NPQRTUWXY`` (31 symbols), characters 3-8 are
  the administrative division code (digits), check character ``31 - (sum(c_i * W_i) mod 31)`` (31 -> 0).

An ID is *valid* when its format, birth date (a real calendar date, leap years included) and check
character (18-digit numbers) are right. The address code is information only: python-stdnum's
``stdnum.cn.ric.is_valid`` raises ``KeyError`` for a known province with an unknown county (e.g.
``34052419800101001X``), and new or abolished county codes are common in real data, so the region never
makes an ID invalid and never raises here.

Every function takes a ``pandas.Series`` (any dtype; strings expected) and returns a Series with the same
index; each also accepts a scalar and then returns a scalar (``None``/``pd.NA`` in, missing out).
All work is vectorised with numpy (about 0.3 s per million IDs for :func:`is_valid`; a Python loop over
``stdnum.cn.ric.is_valid`` takes about 50 s per million).
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "REASON_CHECKSUM",
    "REASON_CORRUPT",
    "REASON_DATE",
    "REASON_FORMAT",
    "REASON_MISSING",
    "age_at",
    "as_string",
    "birth_date",
    "calc_check_digit",
    "check_digit",
    "check_reason",
    "is_valid",
    "normalize_id",
    "numeric_id_problem",
    "region",
    "repair_numeric_ids",
    "sex",
    "to_18",
    "uscc_is_valid",
    "valid_18",
]

REASON_FORMAT = "ID_FORMAT"
REASON_DATE = "ID_DATE"
REASON_CHECKSUM = "ID_CHECKSUM"
REASON_MISSING = "ID_MISSING"
REASON_CORRUPT = "ID_CORRUPT"

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = "10X98765432"
_CHECK_BYTES = np.frombuffer(_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
# characters removed by normalize_id (after NFKC: full-width space -> space)
_RE_STRIP = r"[\s'\"`‘’“”\u200b\u200c\u200d\ufeff]"
_MIN_YEAR = 1800  # plausibility floor for birth years (also keeps dates inside pandas' datetime64[ns] range)
_MAX_YEAR = 2200

_SCALAR_TYPES = (str, bytes, numbers.Number, date, datetime, np.generic)


# --------------------------------------------------------------------------------------------- helpers
def _is_scalar(x: Any) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or isinstance(x, _SCALAR_TYPES)


def _scalar_wrap(func):
    """Let a Series -> Series function take a scalar (returns the single element, missing -> None)."""

    @functools.wraps(func)
    def wrapper(s, *args, **kwargs):
        if _is_scalar(s):
            out = func(pd.Series([s], dtype=object), *args, **kwargs).iloc[0]
            if out is pd.NA or out is pd.NaT or (isinstance(out, float) and math.isnan(out)):
                return None
            if isinstance(out, np.bool_):
                return bool(out)
            if isinstance(out, np.integer):
                return int(out)
            return out
        if not isinstance(s, pd.Series):
            s = pd.Series(s, dtype=object)
        return func(s, *args, **kwargs)

    return wrapper


def _to_text(v: Any) -> Any:
    """One cell -> str or pd.NA (numbers are converted with :func:`numeric_id_problem`)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return pd.NA
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float) and math.isnan(v):
        return pd.NA
    text, _problem = numeric_id_problem(v)
    if text is not None:
        return text
    return str(v)  # corrupt number: keep a visible representation; it fails the format check


def as_string(s: pd.Series, cell_text: Callable[[Any], Any] = _to_text) -> pd.Series:
    """``s`` as a pandas ``string`` Series: text columns (string dtype, or object holding only str/missing)
    as they are, anything else cell by cell through ``cell_text`` (one cell -> str or pd.NA; default this
    module's :func:`_to_text`, which reads numbers as identity numbers)."""
    if isinstance(s.dtype, pd.StringDtype):
        return s.astype("string")
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.astype("string")
    return s.astype(object).map(cell_text).astype("string")


def _id_format(t: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Format check without regex: (m15, m18, mat) where ``mat`` is an (n, 18) uint8 matrix of the
    ASCII codes (rows that fail both formats are undefined)."""
    n = len(t)
    lens = t.str.len().fillna(0).to_numpy(dtype=np.int64)
    cand = (lens == 15) | (lens == 18)
    m15 = np.zeros(n, dtype=bool)
    m18 = np.zeros(n, dtype=bool)
    mat = np.zeros((n, 18), dtype=np.uint8)
    if cand.any():
        o = t.to_numpy(dtype=object, na_value="")[cand]
        u = o.astype("U18").view(np.uint32).reshape(-1, 18)
        isd = (u >= 48) & (u <= 57)
        ln = lens[cand]
        m15[cand] = (ln == 15) & isd[:, :15].all(axis=1)
        m18[cand] = (ln == 18) & isd[:, :17].all(axis=1) & (isd[:, 17] | (u[:, 17] == 88))
        mat[cand] = np.minimum(u, 255).astype(np.uint8)
    return m15, m18, mat


def _normalize_fmt(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """Normalise and run the format check once: (norm, m15, m18, mat) -- see :func:`_id_format`."""
    t = as_string(s)
    m15, m18, mat = _id_format(t)
    clean = m15 | m18  # already canonical: NFKC/strip/upper would not change them
    if clean.all():
        return t, m15, m18, mat
    dirty = ~clean
    fixed = t[dirty].str.normalize("NFKC").str.replace(_RE_STRIP, "", regex=True).str.upper()
    fixed = fixed.mask(fixed.str.len() == 0)
    out = t.copy()
    out[dirty] = fixed
    f15, f18, fmat = _id_format(fixed)
    m15[dirty] = f15
    m18[dirty] = f18
    mat[dirty] = fmat
    return out, m15, m18, mat


def _normalize(s: pd.Series) -> pd.Series:
    return _normalize_fmt(s)[0]


def _bytes_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """(n,) array of ASCII str of exactly ``width`` chars -> (n, width) uint8 matrix."""
    if len(values) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    return np.asarray(values.astype(f"S{width}")).view(np.uint8).reshape(-1, width)


def _check_bytes(mat17: np.ndarray) -> np.ndarray:
    """(n, 17) digit byte matrix -> (n,) expected check character as ASCII byte (GB 11643-1999)."""
    digits = mat17.astype(np.int64) - 48
    return _CHECK_BYTES[(digits @ _WEIGHTS) % 11]


def _date_ok(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    mm = np.clip(m, 0, 12)
    days = dim[mm] + ((mm == 2) & leap)
    return (m >= 1) & (m <= 12) & (d >= 1) & (d <= days) & (y >= _MIN_YEAR) & (y <= _MAX_YEAR)


def _num(mat: np.ndarray, a: int, b: int) -> np.ndarray:
    out = np.zeros(mat.shape[0], dtype=np.int64)
    for j in range(a, b):
        out = out * 10 + (mat[:, j].astype(np.int64) - 48)
    return out


def _ymd_to_datetime64(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Valid (year, month, day) int arrays -> datetime64[ns] array, without a Python loop."""
    months = (y - 1970) * 12 + (m - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (d - 1)
    return days.astype("datetime64[ns]")


class _Parsed:
    """Vectorised analysis of a normalised ID Series (all arrays have length n, positional)."""

    def __init__(self, s: pd.Series):
        norm, self.m15, self.m18, mat_all = _normalize_fmt(s)
        self.mat = mat_all
        self.norm = norm
        n = len(norm)
        self.missing = norm.isna().to_numpy()
        self.year = np.zeros(n, dtype=np.int64)
        self.month = np.zeros(n, dtype=np.int64)
        self.day = np.zeros(n, dtype=np.int64)
        self.seq_digit = np.zeros(n, dtype=np.int64)  # the sex digit
        self.check_ok = np.zeros(n, dtype=bool)
        self.check18 = np.zeros(n, dtype=np.uint8)  # expected check char for 18-digit (or upgraded 15)
        if self.m18.any():
            mat = mat_all[self.m18]
            exp = _check_bytes(mat[:, :17])
            self.check18[self.m18] = exp
            self.check_ok[self.m18] = mat[:, 17] == exp
            self.year[self.m18] = _num(mat, 6, 10)
            self.month[self.m18] = _num(mat, 10, 12)
            self.day[self.m18] = _num(mat, 12, 14)
            self.seq_digit[self.m18] = mat[:, 16].astype(np.int64) - 48
        if self.m15.any():
            mat = mat_all[self.m15][:, :15]
            self.check_ok[self.m15] = True  # no check character in GB 11643-1989
            self.year[self.m15] = 1900 + _num(mat, 6, 8)
            self.month[self.m15] = _num(mat, 8, 10)
            self.day[self.m15] = _num(mat, 10, 12)
            self.seq_digit[self.m15] = mat[:, 14].astype(np.int64) - 48
            up = np.concatenate([mat[:, :6], np.full((len(mat), 2), 0, np.uint8), mat[:, 6:]], axis=1)
            up[:, 6] = ord("1")
            up[:, 7] = ord("9")
            self.check18[self.m15] = _check_bytes(up)
        self.fmt_ok = self.m18 | self.m15
        self.date_ok = self.fmt_ok & _date_ok(self.year, self.month, self.day)
        self.valid = self.date_ok & self.check_ok

    def usable(self, valid_only: bool) -> np.ndarray:
        return self.valid if valid_only else self.date_ok


def _parse(s: pd.Series) -> _Parsed:
    return _Parsed(s)


# ------------------------------------------------------------------------------------------ public API
@_scalar_wrap
def normalize_id(s: pd.Series) -> pd.Series:
    """Clean identity numbers as typed or exported (SCENARIOS 0.6 step 1).

    NFKC (full-width -> half-width, e.g. ``３４０５２４…ｘ``), remove spaces, tabs, line breaks, quotes
    (``'`` prefix from Excel, ``"``, curly quotes) and zero-width characters, upper-case (``x`` -> ``X``).
    Numeric cells are converted with :func:`numeric_id_problem` (exact 15-digit numbers -> text; corrupt
    ones keep their repr and then fail the format check).

    Parameters: ``s`` -- Series of str (or scalar). Returns: Series of dtype ``"string"``, same index;
    missing values and values that are empty after cleaning are ``<NA>``. Never raises for bad values.
    """
    return _normalize(s)


@_scalar_wrap
def is_valid(s: pd.Series) -> pd.Series:
    """True where the identity number is valid (GB 11643-1999 18-digit or GB 11643-1989 15-digit).

    Valid = format (18: ``^[0-9]{17}[0-9X]$``; 15: ``^[0-9]{15}$``) + a real birth date (leap years
    checked; years 1800-2200) + ISO 7064 MOD 11-2 check character for 18-digit numbers. The address code is
    *not* checked (information only). Input is normalised first (:func:`normalize_id`).

    Returns: bool Series, same index; missing -> False. Never raises.
    """
    p = _parse(s)
    return pd.Series(p.valid, index=s.index, dtype=bool)


def _reasons(p) -> np.ndarray:
    """Problem code per parsed row, in the order of :func:`check_reason` (later assignments win)."""
    out = np.full(len(p.norm), None, dtype=object)
    out[~p.check_ok & p.fmt_ok] = REASON_CHECKSUM
    out[p.fmt_ok & ~p.date_ok] = REASON_DATE
    out[~p.fmt_ok] = REASON_FORMAT
    out[p.missing] = REASON_MISSING
    return out


@_scalar_wrap
def check_reason(s: pd.Series) -> pd.Series:
    """Problem code per row: ``None`` (valid), ``'ID_MISSING'`` (empty), ``'ID_FORMAT'`` (not 15/18 digits
    as specified), ``'ID_DATE'`` (birth date is not a real date), ``'ID_CHECKSUM'`` (18-digit check character
    wrong). Checked in that order, so one row has one code. Codes are the 问题码 of the 数据问题 sheet.

    Returns: object Series of str/None, same index. Never raises.
    """
    return pd.Series(_reasons(_parse(s)), index=s.index, dtype=object)


def normalize_with_reason(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``(normalize_id(s), check_reason(normalize_id(s)).to_numpy(object))`` from one parse (the loader
    needs both; normalising is idempotent, so checking the normalised value equals checking ``s``).
    ``s``: Series. Returns the ``"string"`` Series (same index) and an object ndarray of codes/None."""
    p = _parse(s)
    return p.norm, _reasons(p)


@_scalar_wrap
def to_18(s: pd.Series) -> pd.Series:
    """Upgrade 15-digit numbers to 18 digits (GB 11643-1999 appendix): first 6 + ``"19"`` + last 9 +
    recomputed check character, e.g. ``340524800101001`` -> ``34052419800101001X``.

    Every value is normalised; 18-digit values and anything that is not a 15-digit number are returned
    normalised but otherwise unchanged (the birth date is not required to be valid for the upgrade).
    Returns: ``"string"`` Series, same index; missing -> ``<NA>``.
    """
    return _upgraded(_parse(s), s.index)


def _upgraded(p: _Parsed, index: pd.Index) -> pd.Series:
    """:func:`to_18` of an already parsed Series (``index``: the input's)."""
    out = p.norm.copy()
    if p.m15.any():
        v = p.norm[p.m15]
        chk = pd.Series(p.check18[p.m15].view("S1").astype(str), index=v.index)
        out[p.m15] = v.str.slice(0, 6) + "19" + v.str.slice(6) + chk
    out.index = index
    return out


@_scalar_wrap
def valid_18(s: pd.Series) -> pd.Series:
    """``to_18(s).where(is_valid(s))`` from one parse: the normalised 18-digit number where the ID is valid
    (:func:`is_valid`; 15-digit numbers upgraded as :func:`to_18`), else ``<NA>``. ``"string"`` Series, same
    index. Never raises."""
    p = _parse(s)
    return _upgraded(p, s.index).where(p.valid).astype("string")


@_scalar_wrap
def birth_date(s: pd.Series, valid_only: bool = True) -> pd.Series:
    """Birth date encoded in the number (digits 7-14 of 18; 19 + digits 7-12 of 15).

    ``valid_only=True`` (default): ``NaT`` unless :func:`is_valid` is True (a wrong check character means a
    typo somewhere, possibly in the date). ``valid_only=False``: any number with a correct format and a
    real date. Returns: ``datetime64[ns]`` Series (day precision), same index.
    """
    p = _parse(s)
    ok = p.usable(valid_only)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if ok.any():
        vals = _ymd_to_datetime64(p.year[ok], p.month[ok], p.day[ok])
        arr = out.to_numpy(copy=True)
        arr[ok] = vals
        out = pd.Series(arr, index=s.index, dtype="datetime64[ns]")
    return out


def age_at(s: pd.Series | str, as_of: Any, valid_only: bool = True) -> pd.Series | int | None:
    """Age in whole years on ``as_of`` (SCENARIOS 0.6 step 5): ``as_of.year - birth.year - (birthday not yet
    reached in as_of's year)``. A 29 February birthday is reached on 1 March in non-leap years.

    ``as_of``: one date (str / date / Timestamp) or an array-like aligned with ``s`` (row by row).
    Returns: ``Int64`` Series, same index; ``<NA>`` where the ID is unusable (see :func:`birth_date`),
    ``as_of`` is missing, or ``as_of`` is before the birth date. Scalar in -> int or None out.
    """
    scalar = _is_scalar(s)
    ser = pd.Series([s], dtype=object) if scalar else (s if isinstance(s, pd.Series) else pd.Series(s))
    b = birth_date(ser, valid_only=valid_only)
    if _is_scalar(as_of):
        a = pd.Series(pd.Timestamp(as_of) if as_of is not None else pd.NaT, index=ser.index)
    else:
        a = pd.Series(pd.to_datetime(np.asarray(as_of)), index=ser.index)
    by, bm, bd = b.dt.year, b.dt.month, b.dt.day
    ay, am, ad = a.dt.year, a.dt.month, a.dt.day
    not_yet = (am < bm) | ((am == bm) & (ad < bd))
    age = (ay - by - not_yet.astype("Int64")).astype("Int64")
    age = age.mask(b.isna() | a.isna() | (a < b))
    if scalar:
        v = age.iloc[0]
        return None if v is pd.NA else int(v)
    return age


@_scalar_wrap
def sex(s: pd.Series, valid_only: bool = True) -> pd.Series:
    """``'男'`` / ``'女'`` from the sequence code: digit 17 of 18-digit, digit 15 of 15-digit numbers; odd =
    male, even = female (GB 11643). ``<NA>`` where unusable (see :func:`birth_date` for ``valid_only``).
    Returns: ``"string"`` Series, same index.
    """
    p = _parse(s)
    ok = p.usable(valid_only)
    out = np.where(p.seq_digit % 2 == 1, "男", "女").astype(object)
    out[~ok] = pd.NA
    return pd.Series(out, index=s.index, dtype="string")


# --- region -----------------------------------------------------------------------------------------
@functools.cache
def _region_entries(prefix6: str) -> tuple[str | None, tuple[tuple[int | None, int | None, str], ...]]:
    """(province, ((start_year, end_year, county), ...)) for a 6-digit address code, from python-stdnum's
    ``cn/loc`` database. Never raises; unknown -> (None, ())."""
    try:
        from stdnum import numdb

        results = numdb.get("cn/loc").info(prefix6)
    except (ImportError, OSError, LookupError, ValueError):  # pragma: no cover - stdnum missing/broken
        return None, ()
    info: dict[str, str] = {}
    for _part, props in results:
        info.update(props)
    province = info.get("province") or None
    counties = []
    for item in (info.get("county") or "").split(","):
        item = item.strip()
        if not item:
            continue
        start = end = None
        if item.startswith("[") and "]" in item:
            span, item = item[1:].split("]", 1)
            a, _, b = span.partition("-")
            start = int(a) if a.strip().isdigit() else None
            end = int(b) if b.strip().isdigit() else None
        counties.append((start, end, item))
    return province, tuple(counties)


@functools.lru_cache(maxsize=65536)
def _region_name(prefix6: str, year: int) -> str | None:
    province, counties = _region_entries(prefix6)
    county = None
    for start, end, name in counties:
        if (start is None or year >= start) and (end is None or year <= end):
            county = name
            break
    if province is None:
        return county
    if county is None or county == province:
        return province
    return province + county


@_scalar_wrap
def region(s: pd.Series, valid_only: bool = False) -> pd.Series:
    """Place of issue from the 6-digit address code (GB/T 2260), e.g. ``'北京市朝阳区'``, using the
    python-stdnum ``cn/loc`` table (the county valid in the birth year when the code was renamed).

    Information only: a known province with an unknown county gives the province name (``'安徽省'``);
    an unknown province gives ``<NA>``; never raises. Looked up once per (code, birth year) (lru_cache).
    ``valid_only=False`` (default): any number with a correct format and birth date; ``True``: only valid
    IDs. Returns: ``"string"`` Series, same index.
    """
    p = _parse(s)
    ok = p.usable(valid_only)
    out = np.full(len(p.norm), pd.NA, dtype=object)
    if ok.any():
        keys = _num(p.mat[ok], 0, 6) * 10000 + p.year[ok]
        uniq, inverse = np.unique(keys, return_inverse=True)
        names = np.array(
            [_region_name(f"{k // 10000:06d}", int(k % 10000)) for k in uniq] + [None], dtype=object
        )
        names[pd.isna(names)] = pd.NA
        out[ok] = names[inverse]
    return pd.Series(out, index=s.index, dtype="string")


# --- USCC -------------------------------------------------------------------------------------------
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(_USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i
_USCC_BYTES = np.frombuffer(_USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_CLASS = "[0-9A-HJ-NPQRTUWXY]"
_RE_USCC = rf"{_USCC_CLASS}{{2}}[0-9]{{6}}{_USCC_CLASS}{{10}}"


@_scalar_wrap
def uscc_is_valid(s: pd.Series) -> pd.Series:
    """True where the 统一社会信用代码 is valid under GB 32100-2015.

    18 characters over ``0-9A-HJ-NPQRTUWXY`` (no I, O, S, V, Z); characters 3-8 (administrative division
    code) are digits; check character = ``alphabet[(31 - sum(v_i * W_i) mod 31) mod 31]`` with
    ``W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]``. Unlike python-stdnum's
    ``cn.uscc`` the first two characters (登记管理部门码, 机构类别码) may be letters (e.g. ``Y1``, ``N2``).
    Input is normalised like :func:`normalize_id`. Returns: bool Series, same index; missing -> False.
    """
    norm = _normalize(s)
    m = norm.str.fullmatch(_RE_USCC).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(norm), dtype=bool)
    if m.any():
        mat = _bytes_matrix(norm.to_numpy(dtype=object, na_value="")[m], 18)
        vals = _USCC_VALUE[mat]
        expected = _USCC_BYTES[(31 - (vals[:, :17] @ _USCC_WEIGHTS) % 31) % 31]
        out[m] = mat[:, 17] == expected
    return pd.Series(out, index=s.index, dtype=bool)


# --- numeric cells ----------------------------------------------------------------------------------
_RE_ENOTATION = re.compile(r"^\s*[+-]?\d+(\.\d*)?[eE][+-]?\d+\s*$")


def numeric_id_problem(value: Any) -> tuple[str | None, str | None]:
    """Classify one cell read from an identity-number column; use it in loaders before validation.

    Excel stores numbers as IEEE doubles with 15-16 significant digits, so an 18-digit ID typed as a number
    has already lost its last digits (shown as ``3.40524E+17``, or read back as a wrong integer such as
    ``340524198001009984``, which need not end in ``000``). Such a value cannot be recovered and must never
    be guessed: match the customer by 客户号 instead.

    Returns ``(text, problem)``:

    * ``str`` cell: ``(value, None)`` unchanged, except text in e-notation (``'3.40524E+17'``) ->
      ``(None, 'ID_CORRUPT')``;
    * missing (None / NaN / NA): ``(None, None)``;
    * integer or integral float with at most 15 digits (old GB 11643-1989 IDs are exact as doubles):
      ``(str(int(value)), None)`` -- e.g. ``340524800101001.0`` -> ``'340524800101001'``;
    * more than 15 digits, non-integral, infinite, or bool: ``(None, 'ID_CORRUPT')``.

    Never raises.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, str):
        if _RE_ENOTATION.match(value):
            return None, REASON_CORRUPT
        return value, None
    if isinstance(value, (bool, np.bool_)):
        return None, REASON_CORRUPT
    if isinstance(value, numbers.Integral):
        iv = int(value)
    elif isinstance(value, numbers.Real):
        fv = float(value)
        if math.isnan(fv):
            return None, None
        if math.isinf(fv) or not fv.is_integer():
            return None, REASON_CORRUPT
        iv = int(fv)
    else:
        return str(value), None
    if iv < 0 or len(str(iv)) > 15:
        return None, REASON_CORRUPT
    return str(iv), None


def repair_numeric_ids(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Apply :func:`numeric_id_problem` to a whole column.

    Returns ``(text, problem)``: ``text`` is a ``"string"`` Series (``<NA>`` for missing and corrupt cells),
    ``problem`` an object Series holding ``'ID_CORRUPT'`` or ``None``; both share ``s``'s index. String
    cells pass through unchanged (normalise them with :func:`normalize_id` afterwards).
    """
    s = s if isinstance(s, pd.Series) else pd.Series(s, dtype=object)
    pairs = [numeric_id_problem(v) for v in s.astype(object).to_numpy()]
    text = pd.Series([t if t is not None else pd.NA for t, _ in pairs], index=s.index, dtype="string")
    problem = pd.Series([p for _, p in pairs], index=s.index, dtype=object)
    return text, problem


def calc_check_digit(id17: str) -> str:
    """Check character for the first 17 digits of an 18-digit ID (GB 11643-1999, ISO 7064 MOD 11-2).

    ``id17``: str of at least 17 ASCII digits (extra characters ignored). Raises ``ValueError`` otherwise.
    """
    head = id17[:17]
    if len(head) != 17 or not head.isascii() or not head.isdigit():
        raise ValueError(f"需要 17 位数字: {id17!r}")
    total = sum(int(c) * int(w) for c, w in zip(head, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def check_digit(body17: pd.Series | str) -> pd.Series | str | None:
    """Vectorised check character (GB 11643-1999, ISO 7064 MOD 11-2) for 17-digit ID bodies.

    ``body17``: Series of str (or one str) whose first 17 characters are ASCII digits (longer values are
    cut to 17). Returns a ``"string"`` Series of ``'0'``-``'9'``/``'X'`` with the same index (a str for a
    scalar); ``<NA>``/None where the body is missing or not 17 digits. Never raises.
    """
    scalar = _is_scalar(body17)
    s = pd.Series([body17], dtype=object) if scalar else pd.Series(body17)
    t = as_string(s).str.slice(0, 17)
    ok = t.str.fullmatch(r"[0-9]{17}").fillna(False).to_numpy(dtype=bool)
    out = np.full(len(t), pd.NA, dtype=object)
    if ok.any():
        mat = _bytes_matrix(t[ok].to_numpy(dtype=object), 17)
        out[ok] = _check_bytes(mat).view("S1").astype(str)
    res = pd.Series(out, index=s.index, dtype="string")
    if scalar:
        v = res.iloc[0]
        return None if v is pd.NA else str(v)
    return res
