"""Cell-level parsing for the loader (:mod:`bankxl.io`): header keys and units, and one coercer per column
kind (:data:`bankxl.tables.KINDS`).

Every coercer takes a 1-D ``object`` ndarray of cells *as read* (str from CSV; float / int / str / bool /
datetime / date from calamine or a DataFrame; ``None`` for blank) and returns a :class:`Coerced`: the typed
values (a numpy array or pandas array of the table's dtype, same length) plus problem groups
``(mask, code, reason)`` — a boolean mask of the cells that have the problem. Coercers never raise for bad
values. Work is vectorised: values are factorised and each *distinct* value is parsed once, so a 100k-row
column with 3,000 distinct dates costs 3,000 parses.

Rules (SCENARIOS.md §0.1 / §0.7):

* blank: ``None``, NaN, NaT, ``''``, whitespace-only text, Excel error texts (``#N/A``, ``#DIV/0!`` ...),
  ``NULL``, dashes (``-``, ``--``, ``—``, ``－``; :data:`_DASHES`) and the texts ``nan``/``None``/``NaT``/``<NA>`` (left by an earlier ``str(NaN)``) are missing;
  the loader never produces the string ``"nan"``.
* control characters in text (:data:`CONTROL_CHARS`: C0 controls but tab and line breaks, DEL, C1 controls, the
  bidi marks / overrides / isolates U+061C, U+200E/F, U+202A–E, U+2066–9) are removed from code / text /
  category / ID cells and recorded as TEXT_CONTROL (:func:`strip_controls`): an RLO (U+202E) in a name shows
  its text reversed in Excel, a NUL breaks other tools.
* code / text / category: str; a whole-number float (calamine reads every number as float) becomes text
  without ``.0`` (``1001.0`` -> ``'1001'``); codes are NFKC-normalised (full-width digits) and lose a leading
  ``'`` (Excel's text marker); a code stored as a number with more than 15 digits has lost precision ->
  VALUE_INVALID, value missing (never guessed).
* date: datetime/date cells; Excel serial numbers (1900 system: serial 1 = 1900-01-01, serial 60 is the
  non-existent 1900-02-29 -> DATE_INVALID, serials < 1 invalid; 1904 system when the workbook says so);
  8-digit ``20240105`` (number or text); text ``2024-01-05``, ``2024/1/5``, ``2024.01.05``, ``2023年1月5日``,
  with an optional time part (dropped; a time with a zone — ``Z``, ``+08:00``, ``+0300`` — or a zone-aware
  datetime is first converted to Beijing time, :data:`LOCAL_TZ`, naive times are local). Impossible dates (``2023-02-30``) and dates outside pandas'
  datetime64[ns] range (1678-2261, e.g. the ``9999-12-31`` "no maturity" sentinel) -> NaT + DATE_INVALID.
* month: as date, plus ``2024-01``, ``2024/1``, ``202401``, ``2024年1月``, ``2024.01``; always the first day.
* money / number / int / rate: numbers as is; text ``1,234.56``, ``(1,234.56)`` -> -1234.56, full-width
  digits, currency signs before or after the number and either side of the minus (``-¥2,000.00``,
  ``€-5``, ``2.000,50 €``, ``CZK 1,000``; :data:`CURRENCY_SIGNS`, recorded per column), commas only as
  thousands separators or in the European ``1.000,50`` form (any other comma, ``1,5``, is NUM_INVALID —
  never guessed; :func:`_separators`), ``1.2万`` -> 12000, ``3亿``, ``12.5%`` -> 0.125 (rate columns only: in a
  money / number / int column a ``%``/``‰`` cell is NUM_INVALID); anything
  else -> NaN + NUM_INVALID; non-finite values (``inf``, ``∞``, overflow after scaling) are NUM_INVALID,
  so loaded numbers are finite or NaN. Rates outside 0–100% (:data:`RATE_MIN`/:data:`RATE_MAX`) are
  blanked by the loader as VALUE_INVALID. Money values whose size in 元 is at least :data:`MAX_MONEY_YUAN` (100 万亿元)
  are implausible for one record: the loader blanks them as VALUE_INVALID 「金额超出合理范围」. ``factor`` scales plain numbers (header unit, e.g. 万元 ->
  10,000; a rate header with ``%`` -> 0.01). int: whole numbers only (else NUM_INVALID); a ``月`` column
  accepts ``3个月`` / ``1年`` (= 12).
* bool: 是/否, Y/N, yes/no, 1/0, true/false, T/F, √/×, ✓/✗, 有/无, 对/错 -> boolean; else VALUE_INVALID.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import math
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# ------------------------------------------------------------------------------------------ blanks
#: dashes written for "no value" (``-``, ``--``, ``—`` …): blank like ``NULL`` in every column kind
_DASHES = frozenset({"-", "--", "---", "—", "——", "－", "–", "−"})
BLANK_TEXTS = frozenset({"", "NULL", "null", "Null", "#N/A", "#NULL!", "#DIV/0!", "#VALUE!", "#REF!",
                         "#NAME?", "#NUM!", "#N/A!",
                         # text left behind by an earlier str(NaN)/str(None) in someone's script
                         "nan", "NaN", "None", "NaT", "<NA>"}) | _DASHES


def is_str_array(arr: np.ndarray) -> np.ndarray:
    """Boolean mask of the cells that are Python ``str`` (fast paths for homogeneous arrays)."""
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind == "string":
        return ~np.asarray(pd.isna(arr), dtype=bool)
    if kind in ("floating", "integer", "mixed-integer-float", "boolean", "datetime", "date", "empty",
                "datetime64", "decimal"):
        return np.zeros(len(arr), dtype=bool)
    return np.fromiter((type(x) is str for x in arr), dtype=bool, count=len(arr))


def unique_map(values: np.ndarray, fn: Callable[[Any], Any], dtype: Any = object, *,
               distinct: bool = False) -> np.ndarray:
    """``fn`` applied once per distinct value of a 1-D object array of ``str`` (no missing values), the
    results spread back to every cell: an ndarray of ``dtype`` aligned with ``values``. The columns of a
    bank export repeat (dates, codes, products, outlets), so this costs a hash per cell plus one Python
    call per distinct value, where a pandas ``.str`` method costs several Python calls per cell.
    ``distinct=True``: the values are known to be distinct already (no second hashing)."""
    if len(values) == 0:
        return np.empty(0, dtype=dtype)
    if distinct:
        return np.fromiter(map(fn, values), dtype=dtype, count=len(values))
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    res = np.fromiter(map(fn, uniques), dtype=dtype, count=len(uniques))
    return res[codes]


def _stripped_blank(u: str) -> bool:
    return u.strip() in BLANK_TEXTS


def _stripped_blank_many(values: np.ndarray) -> np.ndarray:
    """``[v.strip() in BLANK_TEXTS for v in values]`` with C-level maps (no Python frame per value); the
    strip is skipped when no value holds whitespace (:func:`_no_space`)."""
    texts = values if _no_space(values) else map(str.strip, values)
    return np.fromiter(map(BLANK_TEXTS.__contains__, texts), dtype=bool, count=len(values))


def _no_space(values: np.ndarray, ascii_only: bool = False) -> bool:
    """True when no ``str`` of ``values`` holds whitespace (``str.strip`` and ``\\s`` use the same Unicode
    whitespace) — then stripping each value changes nothing; with ``ascii_only`` also every character is
    ASCII and none is ``'`` (then NFKC and the ``'`` rule of :func:`_clean_code` change nothing either).
    One pass over the joined text instead of a call per value: ``str.split`` stops at the first whitespace (the
    same characters as ``str.strip`` and ``\\s``, checked over every code point), 10x faster than the regex."""
    joined = "".join(values)
    if ascii_only and (not joined.isascii() or "'" in joined):
        return False
    parts = joined.split(None, 1)
    return len(parts[0]) == len(joined) if len(parts) == 1 else not joined  # [] : empty or all whitespace


def has_space(values: np.ndarray) -> bool:
    """True when some ``str`` of ``values`` (all ``str``) holds whitespace, i.e. ``str.strip`` may change it
    (one pass over the joined text, :func:`_no_space`)."""
    return not _no_space(values)


def blank_mask(arr: np.ndarray, *, distinct: bool = False) -> np.ndarray:
    """True where a cell counts as blank (None/NaN/NaT/'' /whitespace/Excel error text/NULL).
    ``distinct=True``: the cells are known to be distinct (skips hashing them)."""
    arr = np.asarray(arr, dtype=object)
    m = np.asarray(pd.isna(arr), dtype=bool)
    s = is_str_array(arr)
    if s.any():
        if distinct:
            m[s] = _stripped_blank_many(arr[s])
        else:
            codes, uniq = pd.factorize(arr[s], use_na_sentinel=True)
            m[s] = _stripped_blank_many(uniq)[codes]
    return m


# ------------------------------------------------------------------------------------------ headers
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\u180e\ufeff\u00ad]")
_WS = re.compile(r"\s+")


def header_text(h: Any) -> str:
    """Normalised header as the user means it: NFKC (full-width -> half-width, U+3000 / NBSP -> space),
    BOM, zero-width and bidi control characters (U+200E/F, U+202A–E, U+2066–9) removed, all whitespace
    (incl. line breaks inside the cell) removed, leading/trailing ``*`` (required-field markers) removed. Numbers become text (``2024.0`` -> ``2024``)."""
    if h is None or (isinstance(h, float) and math.isnan(h)):
        return ""
    if isinstance(h, float) and h.is_integer():
        h = int(h)
    t = unicodedata.normalize("NFKC", str(h))
    t = _INVISIBLE.sub("", t)
    t = _WS.sub("", t)
    return t.strip("*")


#: traditional -> simplified characters of the words used in bank headers (帳號 = 账号, 餘額 = 余额); enough
#: for headers, not a general converter (no dependency for ~100 characters)
_TRAD_PAIRS = ("號号 機机 構构 碼码 編编 經经 帳账 賬账 戶户 餘余 額额 貸贷 幣币 種种 類类 狀状 態态 時时 間间 發发 開开 歸归 "
               "屬属 網网 點点 稱称 證证 聯联 繫系 電电 話话 儲储 轉转 標标 誌志 數数 據据 統统 計计 報报 務务 員员 職职 級级 "
               "門门 險险 養养 醫医 療疗 業业 個个 稅税 應应 實实 項项 專专 資资 還还 當当 區区 縣县 產产 單单 筆笔 總总 結结 "
               "際际 終终 損损 擔担 費费 貼贴 勞劳 會会 記记 錄录 執执 約约 準准 齡龄 簽签 現现 補补 獎奖 積积 別别 銀银 續续 "
               "備备 註注 對对 歷历 絡络 範范 圍围 鄉乡 鎮镇 齊齐 檔档 識识 處处 贊赞 匯汇 兌兑 綫线 線线 櫃柜 臺台 驗验 權权 "
               "動动 帶带 價价 錢钱 貨货 紀纪 層层 長长 崗岗 績绩 傷伤 遞递")
_TRAD = str.maketrans({p[0]: p[1] for p in _TRAD_PAIRS.split()})


def fold_key(text: str) -> str:
    """Matching key of an already normalised text (:func:`header_text`): traditional characters as
    simplified (:data:`_TRAD_PAIRS`), case-folded."""
    return text.translate(_TRAD).casefold()


def header_key(h: Any) -> str:
    """Matching key of a header or a name: :func:`header_text`, traditional characters folded to simplified,
    case-folded (:func:`fold_key`)."""
    return fold_key(header_text(h))


_UNIT_RE = re.compile(r"^(?P<base>.*?)[(\[【〔](?P<unit>[^()\[\]【】〔〕]*)[)\]】〕]$")
_UNIT_PREFIX = re.compile(r"^(单位|unit)[:：]?", re.IGNORECASE)


def split_unit(text: str) -> tuple[str, str | None]:
    """``'余额(万元)'`` -> ``('余额', '万元')``; ``'利率%'`` -> ``('利率', '%')``; ``'余额'`` -> ``('余额', None)``.
    ``text`` is a :func:`header_text`. A ``单位:`` prefix inside the brackets is dropped."""
    m = _UNIT_RE.match(text)
    if m and m.group("base"):
        unit = _UNIT_PREFIX.sub("", m.group("unit")).strip()
        return m.group("base"), unit or None
    if len(text) > 1 and text.endswith(("%", "‰")):
        return text[:-1], text[-1]
    return text, None


#: money units -> factor to 元
MONEY_UNITS = {"元": 1.0, "人民币元": 1.0, "rmb": 1.0, "cny": 1.0, "¥": 1.0, "万元": 1e4, "万": 1e4,
               "人民币万元": 1e4, "亿元": 1e8, "亿": 1e8, "千元": 1e3, "百万元": 1e6, "百万": 1e6, "分": 0.01,
               "角": 0.1}
#: foreign currency words seen in money headers (never converted silently)
CURRENCY_WORDS = {"美元": "USD", "usd": "USD", "欧元": "EUR", "eur": "EUR", "港元": "HKD", "港币": "HKD",
                  "hkd": "HKD", "日元": "JPY", "jpy": "JPY", "英镑": "GBP", "gbp": "GBP", "czk": "CZK",
                  "克朗": "CZK"}


def money_factor(unit: str | None) -> float | None:
    """Factor from a header money unit to 元 (``'万元'`` -> 10000.0); None when not a known 元-based unit."""
    if unit is None:
        return None
    return MONEY_UNITS.get(unit.strip().casefold())


# ------------------------------------------------------------------------------------------ results
@dataclass
class Coerced:
    """Typed values of one column plus problem groups ``(mask, code, reason)``, notes for 说明 and the
    currency signs seen."""

    values: Any
    problems: list[tuple[np.ndarray, str, np.ndarray | str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: currency signs written in the cells (keys of :data:`CURRENCY_SIGNS`, e.g. ``{'¥', '€'}``)
    currencies: set[str] = field(default_factory=set)
    #: a code / ID column: how many of its cells were numbers, not text (leading zeros lost; ``bankxl.io``)
    as_numbers: int = 0

    def add(self, mask: np.ndarray, code: str, reason: np.ndarray | str) -> None:
        if mask.any():
            self.problems.append((mask, code, reason))


def _bool_cells_to_text(arr: np.ndarray) -> np.ndarray:
    """Python bools would hash-merge with 1/0 in factorize: turn them into 'TRUE'/'FALSE' text."""
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind not in ("boolean", "mixed", "mixed-integer", "mixed-integer-float"):
        return arr
    b = np.fromiter((type(x) is bool or isinstance(x, np.bool_) for x in arr), dtype=bool, count=len(arr))
    if b.any():
        arr = arr.copy()
        arr[b] = np.where(arr[b].astype(bool), "TRUE", "FALSE")
    return arr


def per_unique(arr: np.ndarray, blank: np.ndarray, fn: Callable[[Any], tuple[Any, str | None, str | None]],
               missing: Any = None):
    """Apply ``fn(value) -> (result, code, reason)`` once per distinct non-blank value.

    Returns ``(results, codes, reasons)``: object arrays aligned with ``arr``; blank cells get ``missing``
    and no code."""
    idx, res_u, code_u, why_u = _per_unique_idx(arr, blank, fn, missing)
    if len(idx) == 0:
        e = np.empty(0, dtype=object)
        return e, e.copy(), e.copy()
    return res_u[idx], code_u[idx], why_u[idx]


def _per_unique_idx(arr: np.ndarray, blank: np.ndarray, fn: Callable[[Any], tuple[Any, str | None, str | None]],
                    missing: Any = None, fast: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None):
    """:func:`per_unique` before spreading: ``(idx, results, codes, reasons)`` where the three object
    arrays hold one entry per distinct value plus a last one for blank cells, and ``idx`` (int array
    aligned with ``arr``) points into them. ``fast(uniques) -> (done, results)``: a vectorised parse of the
    common form; the values it marks done get its result and no problem (it must give what ``fn`` gives
    for them), ``fn`` runs on the rest only."""
    work = np.where(blank, None, _bool_cells_to_text(arr))
    codes_idx, uniques = pd.factorize(work, use_na_sentinel=True)
    res_u = np.empty(len(uniques) + 1, dtype=object)
    code_u = np.empty(len(uniques) + 1, dtype=object)
    why_u = np.empty(len(uniques) + 1, dtype=object)
    todo = range(len(uniques))
    if fast is not None and len(uniques):
        done, res = fast(uniques)
        res_u[:-1][done] = res[done]
        todo = np.flatnonzero(~done).tolist()
    for i in todo:
        u = uniques[i]
        try:
            res_u[i], code_u[i], why_u[i] = fn(u)
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop a load: the cell becomes a problem
            res_u[i], code_u[i], why_u[i] = missing, "VALUE_INVALID", f"无法解析: {exc}"
    res_u[-1], code_u[-1], why_u[-1] = missing, None, None
    idx = np.where(codes_idx < 0, len(uniques), codes_idx)
    return idx, res_u, code_u, why_u


def _groups(out: Coerced, codes: np.ndarray, reasons: np.ndarray) -> None:
    """Turn per-cell code/reason arrays into problem groups on ``out``."""
    has = np.asarray(pd.notna(codes), dtype=bool) if len(codes) else np.zeros(0, bool)
    if not has.any():
        return
    for code in pd.unique(codes[has]):
        m = has & (codes == code)
        out.add(m, code, reasons)


# ------------------------------------------------------------------------------------------ text kinds
def _num_to_text(x: float) -> tuple[str | None, str | None, str | None]:
    if isinstance(x, (int, np.integer)):
        return str(int(x)), None, None
    f = float(x)
    if math.isnan(f) or math.isinf(f):
        return None, "VALUE_INVALID", "数值无法转换为文本"
    if f.is_integer():
        return str(int(f)), None, None
    return repr(f), None, None


def _cell_text(x: Any) -> str:
    if isinstance(x, _dt.datetime):
        return x.date().isoformat() if (x.hour, x.minute, x.second, x.microsecond) == (0, 0, 0, 0) \
            else x.isoformat(sep=" ")
    if isinstance(x, _dt.date):
        return x.isoformat()
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    return str(x)


def coerce_text(arr: np.ndarray, blank: np.ndarray, *, code: bool = False, distinct: bool = False) -> Coerced:
    """code/text/category -> pandas ``string`` array (see module docstring). ``distinct=True``: the cells
    are known to be distinct (each is cleaned once without hashing)."""
    strs = is_str_array(arr) & ~blank
    out_vals = np.full(len(arr), None, dtype=object)
    out = Coerced(None)
    if strs.any():
        vals = arr[strs]
        if not distinct:
            codes_, vals = pd.factorize(vals, use_na_sentinel=True)
        vals, why = strip_controls(np.asarray(vals, dtype=object))
        if _no_space(vals, ascii_only=code):  # nothing to strip or normalise (the usual export)
            res = np.asarray(vals, dtype=object)
        else:
            res = _clean_codes(vals) if code else np.fromiter(map(str.strip, vals), dtype=object, count=len(vals))
        out_vals[strs] = res if distinct else res[codes_]
        if why is not None:
            cell_why = np.full(len(arr), None, dtype=object)
            cell_why[strs] = why if distinct else why[codes_]
            out.add(np.asarray(pd.notna(cell_why), dtype=bool), "TEXT_CONTROL", cell_why)
    other = ~strs & ~blank
    if other.any():
        def fn(x):
            if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
                if code and abs(float(x)) >= 1e15 and float(x).is_integer():
                    return None, "VALUE_INVALID", "代码以数值存储且超过 15 位, 精度已丢失, 无法恢复"
                return _num_to_text(x)
            return _cell_text(x), None, None
        r, c, why = per_unique(arr[other], np.zeros(other.sum(), bool), fn)
        out_vals[other] = r
        codes = np.full(len(arr), None, dtype=object)
        reasons = np.full(len(arr), None, dtype=object)
        codes[other], reasons[other] = c, why
        _groups(out, codes, reasons)
    # empty after stripping -> missing
    out_vals[out_vals == ""] = None
    out.values = pd.array(out_vals, dtype="string")
    return out


#: characters removed from text cells on load (:func:`strip_controls`): C0 controls except tab, line feed and
#: carriage return; DEL and the C1 controls; the bidi controls (ALM U+061C, LRM/RLM U+200E/F, the embeddings and
#: overrides U+202A–E, the isolates U+2066–9) — an RLO in a customer name makes Excel show the rest reversed
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: 问题说明 of TEXT_CONTROL (the code points removed follow)
CONTROL_REASON = "文本含不可见的控制字符(如 U+202E 从右到左覆盖会让 Excel 倒序显示文字), 已删除"


def strip_controls(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``values`` (object array of ``str``) without :data:`CONTROL_CHARS`, and per value the 问题说明 naming the
    code points removed (``None`` where there were none); ``(values, None)`` unchanged when no value holds one —
    one ``str.isprintable`` pass over the joined text (every control character is unprintable; it is twice as fast
    as the regex), the regex only when something is unprintable (a tab, U+3000 …), then a pass over the values."""
    if not len(values):
        return values, None
    joined = "".join(values)
    if joined.isprintable() or CONTROL_CHARS.search(joined) is None:
        return values, None
    found = np.fromiter((CONTROL_CHARS.search(v) is not None for v in values), dtype=bool, count=len(values))
    out = np.array(values, dtype=object, copy=True)
    why = np.full(len(values), None, dtype=object)
    for i in np.flatnonzero(found):
        v = values[i]
        points = sorted({f"U+{ord(ch):04X}" for ch in CONTROL_CHARS.findall(v)})
        out[i] = CONTROL_CHARS.sub("", v)
        why[i] = f"{CONTROL_REASON}: {'、'.join(points)}"
    return out, why


def _clean_code(u: str) -> str:
    """A code cell: strip, NFKC (full-width digits), Excel's leading ``'`` off, strip."""
    return unicodedata.normalize("NFKC", u.strip()).lstrip("'").strip()


_LSTRIP_QUOTE = operator.methodcaller("lstrip", "'")


def _clean_codes(values: np.ndarray) -> np.ndarray:
    """:func:`_clean_code` of each value, as C-level maps (no Python frame per value)."""
    it = map(str.strip, map(_LSTRIP_QUOTE, map(unicodedata.normalize, itertools.repeat("NFKC"),
                                                 map(str.strip, values))))
    return np.fromiter(it, dtype=object, count=len(values))


# ------------------------------------------------------------------------------------------ dates
_NS_MIN_YEAR, _NS_MAX_YEAR = 1678, 2261
_EPOCH = _dt.date(1970, 1, 1)
_RE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                     r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?"
                     r"\s*(Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE)
#: the bank's time zone: a time with a zone (``Z``, ``+08:00``, ``+03:00`` ...) is converted to it before its
#: date is taken; a time without a zone is taken as local time (the date as written)
LOCAL_TZ = "Asia/Shanghai"
#: reason marker (no problem code) of a cell whose time zone was converted; coerce_date turns it into a note
TZ_CONVERTED = "tz"
_RE_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_RE_DIGITS8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_RE_DIGITS6 = re.compile(r"^(\d{4})(\d{2})$")
_RE_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")

BAD_DATE = "日期不存在"
UNREADABLE_DATE = "日期无法识别"


def _days(y: int, m: int, d: int) -> tuple[int | None, str | None, str | None]:
    try:
        day = _dt.date(y, m, d)
    except ValueError:
        return None, "DATE_INVALID", f"{BAD_DATE}({y:04d}-{m:02d}-{d:02d})"
    if not _NS_MIN_YEAR <= y <= _NS_MAX_YEAR:
        return None, "DATE_INVALID", f"日期超出可处理范围 {_NS_MIN_YEAR}-{_NS_MAX_YEAR}"
    return (day - _EPOCH).days, None, None


def _serial(f: float, date1904: bool) -> tuple[int | None, str | None, str | None]:
    if math.isnan(f) or math.isinf(f):
        return None, "DATE_INVALID", UNREADABLE_DATE
    whole = math.floor(f)
    if date1904:
        if whole < 0:
            return None, "DATE_INVALID", "Excel 日期序列号不能为负(1904 日期系统)"
        day = _dt.date(1904, 1, 1) + _dt.timedelta(days=whole)
    else:
        if whole < 1:
            return None, "DATE_INVALID", "Excel 日期序列号小于 1, 不是有效日期"
        if whole == 60:
            return None, "DATE_INVALID", "Excel 序列号 60 = 不存在的 1900-02-29"
        if whole > 2958465:
            return None, "DATE_INVALID", "Excel 日期序列号超出范围"
        # serials 1..59 count from 1900-01-01; above 60 Excel's phantom 1900-02-29 shifts the origin
        base = _dt.date(1899, 12, 31) if whole < 60 else _dt.date(1899, 12, 30)
        day = base + _dt.timedelta(days=whole)
    return _days(day.year, day.month, day.day)


def _local_ymd(x: _dt.datetime) -> tuple[int, int, int]:
    """(year, month, day) of a zone-aware time in :data:`LOCAL_TZ`."""
    t = pd.Timestamp(x).tz_convert(LOCAL_TZ)
    return t.year, t.month, t.day


def _local(r: tuple) -> tuple:
    """Mark a parsed cell as zone-converted (reason :data:`TZ_CONVERTED`, no problem code)."""
    return r if r[1] else (r[0], None, TZ_CONVERTED)


def _parse_date(x: Any, *, month: bool, date1904: bool) -> tuple[int | None, str | None, str | None]:
    """One cell -> (days since 1970-01-01, code, reason); ``month`` -> first day of the month."""
    def fin(r):
        days = r[0]
        if days is None or not month:
            return r
        d = _EPOCH + _dt.timedelta(days=days)
        return (d.replace(day=1) - _EPOCH).days, None, None

    if isinstance(x, _dt.datetime) and x.tzinfo is not None:  # pd.Timestamp too
        return _local(fin(_days(*_local_ymd(x))))
    if isinstance(x, (pd.Timestamp, _dt.datetime, _dt.date)):
        return fin(_days(x.year, x.month, x.day))
    if isinstance(x, np.datetime64):
        t = pd.Timestamp(x)
        return fin(_days(t.year, t.month, t.day))
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        f = float(x)
        if f.is_integer() and 10000101 <= f <= 99991231:
            m8 = _RE_DIGITS8.match(str(int(f)))
            return fin(_days(int(m8[1]), int(m8[2]), int(m8[3])))
        if month and f.is_integer() and 100001 <= f <= 999912:
            return fin(_days(int(f) // 100, int(f) % 100, 1))
        return fin(_serial(f, date1904))
    if isinstance(x, str):
        t = unicodedata.normalize("NFKC", x).strip().strip("'")
        m = _RE_YMD.match(t)
        if m and m[7]:
            try:
                tz = _dt.timezone.utc if m[7] in ("Z", "z") else _dt.timezone(
                    (-1 if m[7][0] == "-" else 1) * _dt.timedelta(hours=int(m[7][1:3]), minutes=int(m[7][-2:])))
                x = _dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=tz)
            except ValueError:
                return None, "DATE_INVALID", f"{BAD_DATE}({t})"
            return _local(fin(_days(*_local_ymd(x))))
        m = m or _RE_DIGITS8.match(t)
        if m:
            return fin(_days(int(m[1]), int(m[2]), int(m[3])))
        if month:
            m = _RE_YM.match(t) or _RE_DIGITS6.match(t)
            if m:
                return fin(_days(int(m[1]), int(m[2]), 1))
        if _RE_SERIAL.match(t):
            return fin(_serial(float(t), date1904))
        return None, "DATE_INVALID", UNREADABLE_DATE
    return None, "DATE_INVALID", UNREADABLE_DATE


def coerce_date(arr: np.ndarray, blank: np.ndarray, *, month: bool = False, date1904: bool = False) -> Coerced:
    """date / month -> ``datetime64[ns]`` ndarray (day precision); problems DATE_INVALID. One time-zone rule:
    a time with a zone (text ``…Z`` / ``…+03:00`` / ``…+0800``, or a zone-aware datetime / Timestamp, e.g.
    from a tz-aware DataFrame column) is converted to :data:`LOCAL_TZ` and its date taken; a naive time is
    local; the zone is dropped. A note says so when it happened. ``arr`` may also be a naive ``datetime64``
    array (dates typed by the reader, e.g. Parquet; NaT = blank): the same day, month and range rules."""
    if arr.dtype.kind == "M":
        return _typed_dates(arr, month)
    idx, res_u, code_u, why_u = _per_unique_idx(arr, blank, lambda x: _parse_date(x, month=month, date1904=date1904),
                                                fast=lambda u: _iso_days(u, month))
    days_u = np.array([np.iinfo(np.int64).min if r is None else r for r in res_u], dtype=np.int64)
    days, codes, why = days_u[idx], code_u[idx], why_u[idx]
    vals = days.view("datetime64[D]").astype("datetime64[ns]") if len(days) else np.array([], "datetime64[ns]")
    vals = np.where(days == np.iinfo(np.int64).min, np.datetime64("NaT", "ns"), vals)
    out = Coerced(vals.astype("datetime64[ns]"))
    _groups(out, codes, why)
    tz = (codes == None) & (why == TZ_CONVERTED)  # noqa: E711 - elementwise on object arrays
    if tz.any():
        out.notes.append(f"带时区的时间(如「{_cell_text(arr[np.flatnonzero(tz)[0]])}」)已换算为北京时间 "
                         f"({LOCAL_TZ}) 后取日期; 不带时区的时间按北京时间读取")
    return out


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _iso_days(values: np.ndarray, month: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(done, days)``: the distinct cells that are ASCII ``YYYY-MM-DD`` text of a real date within
    :data:`_NS_MIN_YEAR`–:data:`_NS_MAX_YEAR` (the form of nearly every export), parsed in one numpy pass
    into days since 1970-01-01 (a month column: its first day) — what :func:`_parse_date` gives them; every
    other value (other forms, impossible dates, other years) is left to it (done False)."""
    n = len(values)
    done, days = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
    s = is_str_array(values)
    if s.any():
        s[s] = np.fromiter(map(len, values[s]), dtype=np.int64, count=int(s.sum())) == 10
    if not s.any():
        return done, days
    idx = np.flatnonzero(s)
    c = np.array(values[idx].tolist(), dtype="U10").view(np.uint32).reshape(-1, 10).astype(np.int64)
    digits = ((c >= 48) & (c <= 57))[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1) & (c[:, 4] == 45) & (c[:, 7] == 45)
    v = c - 48
    y = v[:, 0] * 1000 + v[:, 1] * 100 + v[:, 2] * 10 + v[:, 3]
    m, d = v[:, 5] * 10 + v[:, 6], v[:, 8] * 10 + v[:, 9]
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = _DAYS_IN_MONTH[np.clip(m, 1, 12) - 1] + (leap & (m == 2))
    ok = digits & (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim) & (y >= _NS_MIN_YEAR) & (y <= _NS_MAX_YEAR)
    first = np.where(ok, (y - 1970) * 12 + m - 1, 0).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    done[idx] = ok
    days[idx] = first if month else first + d - 1
    return done, days


def _typed_dates(arr: np.ndarray, month: bool) -> Coerced:
    """:func:`coerce_date` of a naive ``datetime64`` array: the day (a month column: its first day), as
    :func:`_parse_date` gives for a datetime cell; a year outside :data:`_NS_MIN_YEAR`–:data:`_NS_MAX_YEAR`
    is DATE_INVALID (value NaT) with the same reason."""
    day = arr.astype("datetime64[M]" if month else "datetime64[D]")
    nat = np.isnat(day)
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    bad = ~nat & ((year < _NS_MIN_YEAR) | (year > _NS_MAX_YEAR))
    vals = np.where(nat | bad, np.datetime64("NaT", "D"), day.astype("datetime64[D]")).astype("datetime64[ns]")
    out = Coerced(vals)
    out.add(bad, "DATE_INVALID", f"日期超出可处理范围 {_NS_MIN_YEAR}-{_NS_MAX_YEAR}")
    return out


# ------------------------------------------------------------------------------------------ numbers
#: plausibility limit for one money cell, in 元 after header-unit scaling: |value| >= 1e14 (100 万亿元, more
#: than a large bank's total balance sheet) is a keying/export error (``1e15``, ``9e99``, a 20-digit number)
#: and would dominate every total; the loader blanks it (VALUE_INVALID 「金额超出合理范围」, row kept).
MAX_MONEY_YUAN = 1e14
MONEY_TOO_LARGE = "金额超出合理范围"
#: plausible range of an interest rate as a fraction (0–100% a year); the loader blanks a rate outside it
#: (VALUE_INVALID, row kept): a negative or a >100% rate is a keying/export error (``-3``, ``1e308``)
RATE_MIN, RATE_MAX = 0.0, 1.0
RATE_OUT_OF_RANGE = "利率超出合理范围(应在 0% 到 100% 之间)"
_RE_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SCALE_SUFFIX = (("万亿", 1e12), ("百万", 1e6), ("千万", 1e7), ("万", 1e4), ("亿", 1e8), ("千", 1e3))

#: currency signs and codes accepted before or after an amount, on either side of its minus sign
#: (``-¥2,000.00``, ``¥-2,000.00``, ``2.000,50 €``, ``CZK 1,000``) -> ISO code. The loader records the signs
#: it saw per column (:attr:`Coerced.currencies`, ``LoadedTable.currencies_seen``); nothing is converted.
#: ``$`` is taken as USD and ``¥`` as CNY (a Chinese bank's yuan), for labelling only.
CURRENCY_SIGNS = {"¥": "CNY", "元": "CNY", "人民币": "CNY", "RMB": "CNY", "CNY": "CNY", "$": "USD", "USD": "USD",
                  "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP", "HKD": "HKD", "JPY": "JPY", "CZK": "CZK",
                  "Kč": "CZK"}
_CUR_BY_KEY = {k.casefold(): k for k in CURRENCY_SIGNS}
#: what a 币种 (ccy) column may say besides :data:`CURRENCY_SIGNS` / :data:`CURRENCY_WORDS`: ISO 4217 numeric
#: codes and the 人民币 codes of Chinese core systems (01, 本币)
CURRENCY_CELLS = {"156": "CNY", "01": "CNY", "本币": "CNY", "人民币元": "CNY", "840": "USD", "978": "EUR",
                  "344": "HKD", "392": "JPY", "826": "GBP", "203": "CZK"}
_RE_ALPHA3 = re.compile(r"[A-Za-z]{3}")


def currency_code(text: str) -> str:
    """One 币种 cell -> its ISO 4217 code when the text names a currency (CNY / cny / 人民币 / RMB / ¥ / 156 /
    本币 -> ``CNY``; 欧元 / € / 978 / eur -> ``EUR``; any three letters upper-cased); other text trimmed."""
    t = text.strip()
    return (CURRENCY_CELLS.get(t) or CURRENCY_SIGNS.get(_CUR_BY_KEY.get(t.casefold(), ""))
            or CURRENCY_WORDS.get(t.casefold()) or (t.upper() if _RE_ALPHA3.fullmatch(t) else t))


def currency_codes(values: Any) -> pd.arrays.StringArray:
    """A text column of currencies (``string`` dtype, blank = <NA>) -> the same length of ISO codes
    (:func:`currency_code`, once per distinct value); missing stays missing."""
    s = pd.Series(pd.array(values, dtype="string"))
    ok = s.notna().to_numpy()
    out = np.full(len(s), None, dtype=object)
    out[ok] = unique_map(s[ok].to_numpy(dtype=object), currency_code)
    return pd.array(out, dtype="string")


_CUR_ALT = "|".join(re.escape(k) for k in sorted(CURRENCY_SIGNS, key=len, reverse=True))
_RE_CURRENCY = re.compile(rf"^(?P<s>[-+]?)\s*(?P<c1>{_CUR_ALT})?\s*(?P<body>.*?)\s*(?P<c2>{_CUR_ALT})?$",
                          re.IGNORECASE)
#: ``1,234,567.89``: commas that group thousands
_RE_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
#: ``1.234.567,89`` / ``1 234 567,89``: dot (or space) groups and a decimal comma (the European order)
_RE_DECIMAL_COMMA = re.compile(r"^\d{1,3}([. ])\d{3}(\1\d{3})*,\d+$")
AMBIGUOUS_COMMA = "逗号既不是千分位(每 3 位一组)也不是欧式小数逗号(如 1.000,50), 无法判断是小数点还是千分位"


PERCENT_NOT_ALLOWED = "带 % / ‰ 的百分数只能用于利率列, 该列是金额/数值列"


def _separators(t: str) -> str | None:
    """Digit separators out of an unsigned number text, the decimal point as ``.``; None when a comma is
    ambiguous. Rule: commas group thousands (``1,000`` = 1000); the dot is the decimal point; the one
    exception is the full European form — dot or space groups of 3 digits and a decimal comma
    (``1.000,50`` / ``1 000,50`` = 1000.50). Any other comma (``1,5``, ``1,50``, ``1,000,00``) is never
    guessed. Spaces and ``_`` between digits are dropped."""
    t = t.replace("_", "")
    if "," not in t:
        return t.replace(" ", "")
    if _RE_DECIMAL_COMMA.match(t):
        return t.replace(".", "").replace(" ", "").replace(",", ".")
    t = t.replace(" ", "")
    return t.replace(",", "") if _RE_THOUSANDS.match(t) else None


#: minus signs other than ``-`` that a typeset or Unicode export writes: U+2212 MINUS SIGN (NFKC keeps it) and
#: U+FE63 / U+FF0D (NFKC makes them ``-`` already); read as ``-`` by :func:`_parse_number_text`
_MINUS = str.maketrans({"\u2212": "-"})


def _parse_number_text(t: str, *, months: bool, percent: bool = True, days: bool = False
                       ) -> tuple[float | None, bool, str | None, str | None]:
    """Text -> (value, explicit, reason, currency sign). ``explicit``: the text carried its own scale (%,
    万), so the header factor must not apply. ``value`` None + reason None = missing marker. ``percent=False``
    (money / number / int columns): a ``%`` / ``‰`` suffix is an error, not a scale. The currency sign is
    one of :data:`CURRENCY_SIGNS` (as spelled there) or None. Separators: :func:`_separators`. ``months``:
    a term in months (``3个月``, ``1年`` = 12; ``90天`` is an error); ``days``: a term in days (``90天``; a
    text in months or years is an error: it has no exact number of days)."""
    t = unicodedata.normalize("NFKC", t).translate(_MINUS).strip().strip("'")
    neg = False
    if len(t) >= 2 and t[0] == "(" and t[-1] == ")":
        neg, t = True, t[1:-1].strip()
    m = _RE_CURRENCY.match(t)
    c1, c2 = m["c1"], m["c2"]
    if c1 and c2 and CURRENCY_SIGNS[_CUR_BY_KEY[c1.casefold()]] != CURRENCY_SIGNS[_CUR_BY_KEY[c2.casefold()]]:
        return None, False, "数值带两种币种符号", None
    cur = _CUR_BY_KEY[(c1 or c2).casefold()] if (c1 or c2) else None
    t = m["body"]
    if m["s"]:
        if t[:1] in ("+", "-"):
            return None, False, "数值无法识别(两个正负号)", cur
        t = m["s"] + t
    if t[:1] in ("+", "-"):
        neg, t = neg != (t[0] == "-"), t[1:].strip()
    if t.startswith("("):
        return None, False, "数值无法识别", cur
    if t.endswith("-") and t[:-1][-1:].isdigit():  # trailing minus (SAP style 1234-)
        neg, t = not neg, t[:-1]
    mult, explicit = 1.0, False
    if not percent and t.endswith(("%", "‰")):
        return None, False, PERCENT_NOT_ALLOWED, cur
    if t.endswith("%"):
        mult, explicit, t = 0.01, True, t[:-1]
    elif t.endswith("‰"):
        mult, explicit, t = 0.001, True, t[:-1]
    else:
        for suf, f in _SCALE_SUFFIX:
            if t.endswith(suf):
                mult, explicit, t = f, True, t[: -len(suf)]
                break
        if months and not explicit:
            if t.endswith(("个月", "月")) or t.upper().endswith("M"):
                t = t[:-2] if t.endswith("个月") else t[:-1]
            elif t.endswith("年") or t.upper().endswith("Y"):
                mult, explicit, t = 12.0, True, t[:-1]
            elif t.endswith("天") or t.upper().endswith("D"):
                return None, False, "期限以天表示, 本列按月计, 无法换算(按天的期限请放在「期限(天)」列)", cur
        if days and not explicit:
            if t.endswith(("天", "日")) or t.upper().endswith("D"):
                t = t[:-1]
            elif t.endswith(("月", "年")) or t.upper().endswith(("M", "Y")):
                return None, False, "期限以月/年表示, 本列按天计, 无法准确换算为天数", cur
    body = _separators(t.strip())
    if body is None:
        return None, False, AMBIGUOUS_COMMA, cur
    if not _RE_NUM.match(body):
        return None, False, "数值无法识别", cur
    v = float(body) * mult
    if not math.isfinite(v):
        return None, False, "数值超出范围", cur
    return (-v if neg else v), explicit, None, cur


def _plain_number_text(u: str) -> str:
    """Fast-path cleaning of one numeric text: stripped, thousands commas out; ``''`` (not a number, the
    full parser decides) when a comma is not a thousands separator (:func:`_separators`)."""
    u = u.strip()
    if "," not in u:
        return u
    return u.replace(",", "") if _RE_THOUSANDS.match(u) else ""


def coerce_number(arr: np.ndarray, blank: np.ndarray, *, factor: float = 1.0, integer: bool = False,
                  months: bool = False, percent: bool = True, days: bool = False) -> Coerced:
    """money / number / rate / int -> float64 ndarray (or Int64 array when ``integer``).

    ``factor`` multiplies plain numbers (header unit); values with their own scale (``12.5%``, ``1.2万``)
    are taken at face value. ``percent``: whether ``12.5%`` / ``3‰`` text is accepted (rate columns only;
    the loader passes False for money / number / int, where such a cell is NUM_INVALID rather than
    silently 0.125). ``months`` / ``days``: a term column in months / days (:func:`_parse_number_text`).
    A minus is ``-``, U+2212 ``−``, full-width ``－`` or brackets (``(1,234.00)``, accounting style).
    Currency signs (:data:`CURRENCY_SIGNS`) around the number are accepted and collected
    in ``Coerced.currencies``; commas follow :func:`_separators`. Problems NUM_INVALID (NaN): text that is
    no number, an ambiguous comma, and every non-finite value (``inf``, ``∞``, ``1e400``, or a finite value
    that overflows when scaled by ``factor``) — the loaded values are always finite or NaN."""
    n = len(arr)
    vals = np.full(n, np.nan)
    codes = np.full(n, None, dtype=object)
    reasons = np.full(n, None, dtype=object)
    seen: set[str] = set()
    typed = arr.dtype.kind == "f"  # parsed as numbers already (NaN = blank)
    kind = "floating" if typed else pd.api.types.infer_dtype(np.where(blank, None, arr), skipna=True)
    with np.errstate(over="ignore", invalid="ignore"):
        if typed:
            vals = arr * factor
        elif kind in ("floating", "integer", "mixed-integer-float", "decimal"):  # fast path: numbers
            nb = ~blank
            vals[nb] = np.asarray(arr[nb], dtype=np.float64) * factor
        else:
            todo = ~blank
            strs = is_str_array(arr) & ~blank
            if strs.any():  # fast path: plain numeric text, parsed once per distinct text
                ucodes, uniq = pd.factorize(arr[strs], use_na_sentinel=True)
                cleaned = pd.Series([_plain_number_text(u) for u in uniq], dtype=object)
                num_u = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                num = num_u[ucodes]
                ok = np.isfinite(num)
                idx = np.flatnonzero(strs)[ok]
                vals[idx] = num[ok] * factor
                todo[idx] = False

            def fn(x):
                if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
                    return float(x) * factor, None, None
                if isinstance(x, str):
                    v, explicit, why, cur = _parse_number_text(x, months=months, percent=percent, days=days)
                    if cur:
                        seen.add(cur)
                    if v is None:
                        return (None, "NUM_INVALID", why) if why else (None, None, None)
                    return (v if explicit else v * factor), None, None
                return None, "NUM_INVALID", "数值无法识别"

            if todo.any():
                r, c, why = per_unique(arr[todo], np.zeros(todo.sum(), bool), fn)
                vals[todo] = np.array([np.nan if v is None else v for v in r], dtype=np.float64)
                codes[todo], reasons[todo] = c, why
        inf = np.isinf(vals)
        if inf.any():
            vals[inf] = np.nan
            codes[inf], reasons[inf] = "NUM_INVALID", "数值超出范围(无穷大或换算后溢出)"
        out = Coerced(vals, currencies=seen)
        if integer:
            whole = np.isnan(vals) | (np.abs(vals - np.round(vals)) < 1e-9)
            bad = ~whole
            if bad.any():
                codes[bad], reasons[bad] = "NUM_INVALID", "应为整数"
                vals = np.where(bad, np.nan, vals)
            big = np.abs(np.nan_to_num(vals)) > 2**62
            if big.any():
                codes[big], reasons[big] = "NUM_INVALID", "整数超出范围"
                vals = np.where(big, np.nan, vals)
            out.values = pd.array(np.round(vals), dtype="Float64").astype("Int64")
    _groups(out, codes, reasons)
    return out


# ------------------------------------------------------------------------------------------ bool
TRUE_TEXTS = frozenset({"是", "y", "yes", "1", "1.0", "true", "t", "√", "✓", "✔", "有", "对", "已签约", "是的"})
FALSE_TEXTS = frozenset({"否", "n", "no", "0", "0.0", "false", "f", "×", "✗", "✘", "x", "无", "错", "未签约"})


def coerce_bool(arr: np.ndarray, blank: np.ndarray) -> Coerced:
    """bool -> pandas ``boolean`` array; unknown values -> <NA> + VALUE_INVALID."""
    def fn(x):
        if isinstance(x, (int, float, np.integer, np.floating)):
            if x == 1:
                return True, None, None
            if x == 0:
                return False, None, None
            return None, "VALUE_INVALID", "不是是/否值"
        t = unicodedata.normalize("NFKC", str(x)).strip().casefold()
        if t in TRUE_TEXTS:
            return True, None, None
        if t in FALSE_TEXTS:
            return False, None, None
        return None, "VALUE_INVALID", "不是是/否值(可用 是/否、Y/N、1/0、true/false、√)"

    idx, res_u, code_u, why_u = _per_unique_idx(arr, blank, fn)
    na_u = np.array([r is None for r in res_u], dtype=bool)
    val_u = np.array([bool(r) if r is not None else False for r in res_u], dtype=bool)
    out = Coerced(pd.arrays.BooleanArray(val_u[idx], na_u[idx]))
    _groups(out, code_u[idx], why_u[idx])
    return out
