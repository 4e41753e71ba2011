"""Scenario contract, RunContext and the registry (DESIGN.md "Scenario contract").

A scenario is one pure module under ``bankxl.scenarios.<group>`` exposing ``SPEC = Scenario(...)``.
``run(tables, params, ctx) -> Report`` receives typed canonical tables (``bankxl.io``), a frozen params
dataclass and a :class:`RunContext`; it never imports xlwings/openpyxl, never reads the clock and never
mutates its inputs.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import itertools
import json
import math
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pandas as pd

from .errors import ParameterError, ProblemLog

GROUPS = ("存款营销", "信贷营销", "电子银行", "风险管理", "综合管理")

#: ISO 4217 active currency codes (2025 list; XCG and ZWG included, withdrawn codes such as HRK not)
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG
HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH
UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL""".split())


def parse_currency(value: Any, where: str = "币种") -> str:
    """A user-given currency (CLI ``--currency``, 参数 table 币种 cell) -> ISO 4217 code, e.g. ``'EUR'``.

    Accepts the code in any case and the words/signs the loader knows (人民币, 欧元, ¥, €: the mappings of
    :mod:`bankxl.coerce`). Raises :class:`ParameterError` (Chinese + English) for anything else.
    """
    from .coerce import CURRENCY_SIGNS, CURRENCY_WORDS

    text = str(value).strip()
    code = (text.upper() if text.upper() in ISO_4217 else CURRENCY_WORDS.get(text.casefold())
            or CURRENCY_SIGNS.get(text) or CURRENCY_SIGNS.get(text.upper()))
    if code not in ISO_4217:
        raise ParameterError(f"{where}「{text}」不是 ISO 4217 币种代码, 请写 CNY、EUR、USD、CZK 这样的三位字母代码。",
                             f"{where} {text!r} is not an ISO 4217 currency code (e.g. CNY, EUR, USD, CZK).")
    return code


#: cap of a scalar day/month/year parameter that declares no ``max``: 10 years, 50 years, 50 years — periods
#: beyond these are typing errors and would overflow the date arithmetic they feed
PERIOD_MAX = {"天": 3660, "月": 600, "年": 50}


def param(default: Any, zh: str, unit: str | None = None, help: str = "", *, min: float | None = None,
          max: float | None = None, increasing: bool = False, open_top: bool = False,
          choices: Mapping[str, str] | None = None, pattern: str | None = None, **kw) -> Any:
    """A params-dataclass field with its 中文 label, unit and allowed range (shown on the 参数 sheet and in 说明).

    Numbers whose default is ≥ 0 may not be set negative unless ``min`` says otherwise; ``max`` caps them, and
    a scalar in 天/月/年 without ``max`` is capped by :data:`PERIOD_MAX` (it feeds date arithmetic); nan / ±inf
    are never accepted, except +inf as the first number of the last row where ``open_top`` declares an open
    upper bound (the last bracket of a tax table, written ``Infinity``). ``increasing``: a flat tuple of numbers (band edges) must be strictly
    increasing. Sequences are tuples (immutable); users write flat ones as ``30,15,7,1`` and nested ones as JSON.

    ``choices`` (text parameters): an ordered mapping ``{English id: 中文标签}``, e.g.
    ``{"following": "顺延", "preceding": "提前"}``. Users may write the id (case, spaces, ``-``/``_`` ignored),
    the label, or the shown form ``顺延 (following)``; the id is stored (and hashed), ``顺延 (following)`` is
    shown on the 参数 sheet and in 说明. ``pattern`` (text parameters): a regular expression the whole value
    must match (an empty value is allowed when the default is empty). Cross-field rules (lower < upper) go in
    a ``check(self) -> None`` method of the params dataclass raising :class:`ParameterError`;
    :func:`make_params` calls it. Raises ``ValueError`` / ``TypeError`` for an inconsistent declaration.
    """
    meta = {"zh": zh, "unit": unit, "help": help, "min": min, "max": max, "increasing": increasing,
            "open_top": open_top}
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple (immutable) for sequence parameters")
    if choices is not None:
        choices = dict(choices)
        lookup = {}
        for cid, label in choices.items():
            for key in (_choice_key(cid), _choice_key(label)):
                if lookup.setdefault(key, cid) != cid:
                    raise ValueError(f"{zh}: choice {key!r} names two ids")
        if not isinstance(default, str) or default not in choices:
            raise ValueError(f"{zh}: default {default!r} is not one of the choice ids {list(choices)}")
        meta.update(choices=choices, choice_lookup=lookup)
    if pattern is not None:
        if not isinstance(default, str):
            raise TypeError(f"{zh}: pattern= is for text parameters")
        if default and not re.fullmatch(pattern, default):
            raise ValueError(f"{zh}: default {default!r} does not match {pattern!r}")
        meta["pattern"] = pattern
    return field(default=default, metadata=meta, **kw)


def _choice_key(text: Any) -> str:
    """Comparison key of a choice id or label: case, spaces, ``-`` and ``_`` ignored."""
    return re.sub(r"[\s_\-]+", "", str(text)).casefold()


def choice_text(f: dataclasses.Field, value: Any) -> str:
    """How a choice value is shown: ``顺延 (following)``; a value of a field without choices: ``str(value)``."""
    choices = f.metadata.get("choices")
    return f"{choices[value]} ({value})" if choices and value in choices else str(value)


def _choices_listed(choices: Mapping[str, str]) -> tuple[str, str]:
    return ("、".join(f"{lab}({cid})" for cid, lab in choices.items()),
            ", ".join(f"{cid} ({lab})" for cid, lab in choices.items()))


_SHOWN_CHOICE = re.compile(r"^(.*?)\s*[(（]\s*([^()（）]*?)\s*[)）]\s*$")


def _choice(f: dataclasses.Field, text: Any, label: str) -> str:
    """The choice id for a user-given id / label / ``label (id)``; ParameterError listing both forms."""
    lookup = f.metadata["choice_lookup"]
    s = str(text).strip()
    found = lookup.get(_choice_key(s))
    m = _SHOWN_CHOICE.match(s) if found is None else None
    if m:
        shown, cid = lookup.get(_choice_key(m.group(1))), lookup.get(_choice_key(m.group(2)))
        found = cid if not m.group(1) or shown == cid else None
    if found is None:
        zh, en = _choices_listed(f.metadata["choices"])
        raise ParameterError(f"参数「{label}」的取值「{s}」不在可选范围内; 可选: {zh}。",
                             f"Parameter {f.name} ({f.metadata.get('zh', f.name)}): {s!r} is not allowed; "
                             f"choose one of {en}.")
    return found


def _check_pattern(f: dataclasses.Field, value: Any, label: str) -> None:
    pattern = f.metadata.get("pattern")
    if pattern is None or (value == "" and f.default == "") or re.fullmatch(pattern, str(value)):
        return
    hint = f.metadata.get("help")
    raise ParameterError(f"参数「{label}」的取值「{value}」格式不对, 应匹配 {pattern}" + (f"({hint})" if hint else "")
                         + "。", f"Parameter {f.name}: {value!r} does not match the pattern {pattern}.")


def params_table(params: Any, *, grouped: bool = False) -> pd.DataFrame:
    """The parameters as rows: 参数 (id), 名称, 取值, 单位, 说明 — for the 参数 sheet and 说明. 取值 as
    :func:`_fmt_value` shows it; ``grouped``: numbers from 10,000 up with thousands separators (说明, read by
    people); without it (the 参数 sheet) 500000, so the Excel front end writes the cell as a number.

    A choice shows as ``顺延 (following)`` and its 说明 ends with the allowed values (可选: 顺延(following)、…).
    """
    rows = []
    for f in dataclasses.fields(params):
        value, note = getattr(params, f.name), f.metadata.get("help", "")
        if f.metadata.get("choices"):
            note = (note + " " if note else "") + "可选: " + _choices_listed(f.metadata["choices"])[0]
        rows.append({"参数": f.name, "名称": f.metadata.get("zh", f.name),
                     "取值": choice_text(f, value) if f.metadata.get("choices") else _fmt_value(value, grouped=grouped),
                     "单位": f.metadata.get("unit") or "", "说明": note})
    return pd.DataFrame(rows, columns=["参数", "名称", "取值", "单位", "说明"])


def _fmt_value(v: Any, *, grouped: bool = True) -> str:
    """A parameter value as a bank user reads it, in a form :func:`parse_param_value` reads back: 是/否 (never
    True/False); a number without Python's ``.0`` (1000000.0 -> 1,000,000, 0.035 -> 0.035), thousands
    separated from 10,000 up (``grouped``; years and day counts stay 2026 / 30); a flat list joined by 、
    with plain numbers (30、7 — a separator there would split an element); a nested list as JSON (the form
    the 参数 sheet needs for it, as an empty list or one holding a text with a separator); anything else its
    text."""
    if isinstance(v, bool):  # users read 是/否 (the 参数 sheet reads them back), never True/False
        return "是" if v else "否"
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        v = int(v)
    if isinstance(v, (int, float)):
        return f"{v:,}" if grouped and abs(v) >= 10_000 else str(v)
    if isinstance(v, (tuple, list)):
        if not v or any(isinstance(x, (tuple, list, dict)) or (isinstance(x, str) and (_SEP.search(x) or not x))
                        for x in v):
            return json.dumps(v, ensure_ascii=False)
        return "、".join(_fmt_value(x, grouped=False) for x in v)
    return str(v)


def params_hash(params: Any) -> str:
    """Short, stable hash of the parameter values: the rule version shown in 说明 (SCENARIOS.md §6)."""
    payload = json.dumps(dataclasses.asdict(params), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]


_SEP = re.compile(r"[,，、;；\s]+")


def _scalar(kind: type, text: str) -> Any:
    t = text.strip().replace(",", "").replace("，", "")
    if kind is bool:
        if t.lower() in ("1", "true", "yes", "y", "是", "√", "on"):
            return True
        if t.lower() in ("0", "false", "no", "n", "否", "off", ""):
            return False
        raise ValueError(text)
    if kind is int:
        v = float(t)
        if not v.is_integer():
            raise ValueError(text)
        return int(v)
    if kind is float:
        return float(t[:-1]) / 100 if t.endswith("%") else float(t)
    return text.strip()


def _number_or_text(text: str) -> Any:
    """An element of a list whose default is empty: an int, else a float, else the text."""
    for kind in (int, float):
        try:
            return _scalar(kind, text)
        except ValueError:
            pass
    return text.strip()


def _expected(default: Any) -> tuple[str, str]:
    if isinstance(default, bool):
        return "是/否", "yes/no"
    if isinstance(default, int):
        return "整数", "an integer"
    if isinstance(default, float):
        return "数字(可写百分数, 如 4%)", "a number (4% allowed)"
    if isinstance(default, tuple):
        nested = any(isinstance(x, (tuple, list)) for x in default)
        ex = json.dumps(default, ensure_ascii=False) if nested else ",".join(str(x) for x in default)
        return f"列表, 例如 {ex}", f"a list, e.g. {ex}"
    return "文本", "text"


def parse_param_value(f: dataclasses.Field, text: Any) -> Any:
    """Convert a user-given value (CLI string, 参数 sheet cell) to the field's type and check its range.

    Flat tuples accept ``30,15,7,1`` / ``30、15`` / ``(30, 15)`` / JSON; nested tuples need JSON.
    Raises :class:`ParameterError` (Chinese + English) naming the parameter and the expected form.
    """
    default = f.default
    label = f"{f.metadata.get('zh', f.name)}({f.name})"
    if f.metadata.get("choices"):
        return _choice(f, text, label)
    zh_form, en_form = _expected(default)
    try:
        if isinstance(default, tuple):
            if isinstance(text, (tuple, list)):
                value = tuple(tuple(x) if isinstance(x, list) else x for x in text)
            else:
                s = str(text).strip()
                if s.startswith("[") or s.startswith("{") or any(isinstance(x, (tuple, list)) for x in default):
                    v = json.loads(s)
                    v = v if isinstance(v, list) else [v]
                    value = tuple(tuple(x) if isinstance(x, list) else x for x in v)
                else:
                    parts = [p for p in _SEP.split(s.strip("()（）[]【】")) if p]
                    value = tuple(_scalar(type(default[0]), p) if default else _number_or_text(p) for p in parts)
        elif isinstance(text, (bool, int, float)) and not isinstance(default, str):
            value = _scalar(type(default), str(text))
        else:
            value = _scalar(type(default), str(text))
    except (ValueError, TypeError, json.JSONDecodeError) as e:
        raise ParameterError(f"参数「{label}」的取值「{text}」无法识别, 应为{zh_form}。",
                             f"Parameter {f.name}: cannot read {text!r}; expected {en_form}.") from e
    _check_pattern(f, value, label)
    _check_range(f, value, label, text)
    return value


def _numbers(value: Any) -> list[float]:
    """Every int/float in ``value``, nested tuples/lists included (bools are not numbers here)."""
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _numbers(v)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def _check_range(f: dataclasses.Field, value: Any, label: str, text: Any = None) -> None:
    """Raise ParameterError (naming ``label`` and the given ``text``) for a non-finite number anywhere in
    ``value``, a number outside the field's min/max, or a declared-increasing tuple that is not."""
    given = _fmt_value(value) if text is None else str(text)
    checked = value
    if f.metadata.get("open_top") and value and isinstance(value[-1], (tuple, list)) and value[-1] \
            and value[-1][0] == math.inf:  # the open upper bound of the last bracket
        checked = (value[:-1], value[-1][1:])
    bad = [v for v in _numbers(checked) if not math.isfinite(v)]
    if bad:
        raise ParameterError(f"参数「{label}」的取值「{given}」含非有限数字 {bad[0]}, 应为有限的数字。",
                             f"Parameter {f.name}: {given!r} holds {bad[0]}; finite numbers expected.")
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    default = f.default
    scalar = isinstance(default, (int, float)) and not isinstance(default, bool)
    if lo is None and scalar and default >= 0:
        lo = 0
    if hi is None and scalar:
        hi = PERIOD_MAX.get(f.metadata.get("unit"))
    values = value if isinstance(value, tuple) else (value,)
    declared = f.metadata.get("min") is not None or f.metadata.get("max") is not None
    if isinstance(value, tuple) and declared and len(_numbers(values)) != len(values):
        raise ParameterError(f"参数「{label}」应为一组数字(给定「{given}」)。",
                             f"Parameter {f.name} must be a list of numbers, got {given!r}.")
    if isinstance(value, tuple) and not value and isinstance(default, tuple) and _numbers(default):
        raise ParameterError(f"参数「{label}」不能为空(默认 {_fmt_value(default)})。",
                             f"Parameter {f.name} cannot be empty (default {_fmt_value(default)}).")
    if f.metadata.get("increasing") and not values:
        raise ParameterError(f"参数「{label}」至少需要一个分界值(给定为空)。",
                             f"Parameter {f.name} needs at least one edge; it is empty.")
    if f.metadata.get("increasing") and (len(_numbers(values)) != len(values)
                                         or any(b <= a for a, b in itertools.pairwise(values))):
        raise ParameterError(f"参数「{label}」应为严格递增的一组数字(给定「{given}」)。",
                             f"Parameter {f.name} must be strictly increasing numbers, got {given!r}.")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if lo is not None and v < lo:
            raise ParameterError(f"参数「{label}」不能小于 {lo}(给定 {v})。", f"Parameter {f.name} must be >= {lo}.")
        if hi is not None and v > hi:
            raise ParameterError(f"参数「{label}」不能大于 {hi}(给定 {v})。", f"Parameter {f.name} must be <= {hi}.")


#: as-of dates bankxl computes with (inclusive): pandas' datetime range (1677-09-21 … 2262-04-11) leaves no room
#: for 到期日 / 计划 windows around dates near its ends, and no bank data date lies outside these
AS_OF_MIN, AS_OF_MAX = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")
#: words that would mean "the system clock" (pandas reads "today"/"now" as such); refused: DESIGN "never today's clock"
_CLOCK_WORDS = frozenset({"today", "now", "yesterday", "tomorrow", "今天", "今日", "当天", "当日", "现在", "昨天",
                          "明天"})
_AS_OF_FORM = "请写成 2026-11-30 的形式"


def as_of_range_text() -> str:
    return f"{AS_OF_MIN:%Y-%m-%d} 至 {AS_OF_MAX:%Y-%m-%d}"


def parse_as_of(value: Any, where: str = "数据日期") -> pd.Timestamp:
    """A user-given as-of date (CLI ``--as-of``, 参数 table 数据日期 cell) -> ``pd.Timestamp`` (midnight).

    Read like a date cell of the data (:func:`bankxl.coerce.coerce_date`: ``2026-11-30``, ``2026/1/5``,
    ``20261130``, 2026年11月30日, date/datetime objects, Excel serials). ``where`` names the source in messages.
    Raises :class:`ParameterError` (Chinese + English) for a clock word (``today``/``now``/今天: bankxl never
    reads the clock), text that is no existing day, or a date outside :data:`AS_OF_MIN` … :data:`AS_OF_MAX`.
    """
    import numpy as np

    from .coerce import coerce_date

    text = str(value).strip()
    if text.casefold() in _CLOCK_WORDS:
        raise ParameterError(f"{where}「{text}」: bankxl 从不读取系统时钟, 请写明日期, 例如 2026-11-30。",
                             f"{where} {text!r}: bankxl never reads the system clock; give the date, "
                             "e.g. 2026-11-30.")
    day = pd.NaT if not text else coerce_date(np.array([value], dtype=object), np.array([False])).values[0]
    if pd.isna(day):
        try:  # a real day the loader's range does not hold (1677-01-01, 0000-01-01): say the range
            far = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            far = pd.NaT
        if not pd.isna(far):
            check_as_of_range(far, where, text)
        raise ParameterError(f"{where}「{text}」不是有效日期(该日不存在或格式不对), {_AS_OF_FORM}"
                             f"(可处理范围 {as_of_range_text()})。",
                             f"{where} {text!r} is not a valid date (no such day, or not YYYY-MM-DD; "
                             f"supported {AS_OF_MIN:%Y-%m-%d} to {AS_OF_MAX:%Y-%m-%d}).")
    day = pd.Timestamp(day).normalize()
    check_as_of_range(day, where, text)
    return day


def check_as_of_range(day: pd.Timestamp, where: str = "数据日期", text: str | None = None,
                      error: type = ParameterError, **where_kw) -> None:
    """Raise ``error`` (ParameterError, or DataValidationError with ``where_kw`` such as column=) when ``day``
    lies outside :data:`AS_OF_MIN` … :data:`AS_OF_MAX`."""
    if not AS_OF_MIN <= day <= AS_OF_MAX:
        shown = text or f"{day:%Y-%m-%d}"
        raise error(f"{where}「{shown}」超出可处理范围({as_of_range_text()}), 请检查日期。",
                    f"{where} {shown!r} is outside the supported range {AS_OF_MIN:%Y-%m-%d} to "
                    f"{AS_OF_MAX:%Y-%m-%d}.", **where_kw)


def make_params(cls: type, overrides: Any = None, *, check: bool = True) -> Any:
    """Build a params dataclass from defaults + overrides keyed by English id or 中文 label, and check it.

    ``overrides``: None, a mapping {id or 中文 label: value as users write it}, or an instance of a params
    dataclass (then only checked, see :func:`check_params`). ``check=False`` skips the cross-field ``check()``
    hook (for one entry of a 参数 table read on its own). Runs before any input is read (runner) and in
    microseconds. Raises :class:`ParameterError` (Chinese + English) naming the parameter for an unknown
    name, a value of the wrong form, out of range or not among the choices, or a failed ``check()``. A name the
    params class lists in its ``RENAMED`` class attribute (``{old id or 中文 label: new id}``: parameters that
    were removed or folded into another) is refused naming its successor; a name in its ``REMOVED``
    (``{old id or 中文 label: (中文原因, English reason)}``: parameters dropped without a successor) is refused
    with that reason.
    """
    if dataclasses.is_dataclass(overrides) and not isinstance(overrides, type):
        return check_params(overrides) if check else overrides
    overrides = dict(overrides or {})
    by_name = {f.name: f for f in dataclasses.fields(cls)}
    by_zh = {f.metadata.get("zh"): f for f in dataclasses.fields(cls) if f.metadata.get("zh")}
    values = {}
    for k, v in overrides.items():
        f = by_name.get(k) or by_zh.get(k)
        if f is None and k in getattr(cls, "RENAMED", {}):
            new = by_name[cls.RENAMED[k]]
            label = f"{new.metadata.get('zh', new.name)}({new.name})"
            raise ParameterError(f"参数「{k}」已由「{label}」代替, 请改用「{label}」(取值形式见参数表)。",
                                 f"Parameter {k!r} was replaced by {new.name!r} ({new.metadata.get('zh', '')}); "
                                 f"give {new.name!r} instead (see the 参数 sheet for its form).")
        if f is None and k in getattr(cls, "REMOVED", {}):
            why_zh, why_en = cls.REMOVED[k]
            raise ParameterError(f"参数「{k}」{why_zh}, 请不要再设置它(参数表中删除该行)。",
                                 f"Parameter {k!r}: {why_en}; do not set it (delete its 参数 row).")
        if f is None:
            names = [f"{f.metadata.get('zh')}({n})" if f.metadata.get("zh") else n for n, f in by_name.items()]
            raise ParameterError(f"未知参数「{k}」; 可用参数(中文名或 id): {'、'.join(names)}",
                                 f"Unknown parameter {k!r}. Valid: {', '.join(by_name)}.")
        values[f.name] = parse_param_value(f, v)
    params = cls(**values)
    return check_params(params) if check else params


def check_params(params: Any) -> Any:
    """Check every value of a params instance (choices, pattern, range, as :func:`parse_param_value` does for
    text) and call its ``check()`` hook. Returns the instance, with choices given as 中文 label replaced by
    their id. Raises :class:`ParameterError`."""
    changes = {}
    for f in dataclasses.fields(params):
        value, label = getattr(params, f.name), f"{f.metadata.get('zh', f.name)}({f.name})"
        if f.metadata.get("choices"):
            value = _choice(f, value, label)
            if value != getattr(params, f.name):
                changes[f.name] = value
        _check_pattern(f, value, label)
        _check_range(f, value, label)
    params = dataclasses.replace(params, **changes) if changes else params
    hook = getattr(params, "check", None)
    if callable(hook):
        hook()
    return params


@dataclass
class RunContext:
    """What every scenario needs besides its tables and parameters.

    ``as_of``: data date (never today's clock); ``calendar``: a :class:`bankxl.calendar.BankCalendar`;
    ``currency`` of the money columns (ISO 4217: 'CNY', 'EUR', 'CZK' …); ``scale``: the display divisor — 1 (元)
    or 10,000 (万元) for CNY; other currencies show the code at 1 (EUR) or 1,000 (千EUR: a requested 10,000 becomes
    1,000, as 万EUR is not a unit anyone reads);
    ``mask``: mask ID/phone/name/address/counterparties on lists and 数据问题 (:mod:`bankxl.masking`);
    ``mask_accounts``: with ``mask``, also the customers' own account numbers (账号脱敏, default True);
    ``strict``: row problems are fatal; ``problems``: sink for row
    problems found inside the scenario; ``notes``: lines added to 说明 (e.g. calendar source).
    """

    as_of: pd.Timestamp
    calendar: Any = None
    currency: str = "CNY"
    scale: int = 10_000
    mask: bool = True
    mask_accounts: bool = True
    strict: bool = False
    problems: ProblemLog = field(default_factory=ProblemLog)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.as_of = pd.Timestamp(self.as_of).normalize()
        self.currency = str(self.currency).upper()
        if self.currency != "CNY" and self.scale == 10_000:
            self.scale = 1_000
        if self.calendar is None:
            from .calendar import BankCalendar

            self.calendar = BankCalendar()

    def problem(self, table: str, rows, column: str | None, code: str, values, reason, action) -> int:
        """Record row problems found inside a scenario on the 数据问题 sheet — the one way to do it:
        :meth:`bankxl.errors.ProblemLog.record` (``rows`` = the flagged rows' ``_row``, e.g.
        ``df.loc[bad, "_row"]``; ``column`` a column id of ``table``). Returns the number recorded."""
        return self.problems.record(table, rows, column, code, values, reason, action)

    @property
    def unit(self) -> str:
        """Display unit of money: 元 / 万元 for CNY, else the code: EUR / 千EUR (never 元 for foreign money)."""
        prefix = {1: "", 1_000: "千", 10_000: "万"}.get(self.scale, f"{self.scale:g}×")
        return prefix + self.base_unit

    @property
    def base_unit(self) -> str:
        """Unit of one money value: 元 for CNY, else the ISO code (EUR)."""
        return "元" if self.currency == "CNY" else self.currency

    def money(self, values):
        """Scale money (in the base unit) for display: 元 -> 万元 when scale is 10,000."""
        return values / self.scale

    def money_label(self, zh: str) -> str:
        """A money header with the display unit, e.g. ``余额(万元)``."""
        return f"{zh}({self.unit})"

    def base_label(self, zh: str) -> str:
        """A money header in the base unit, e.g. ``余额(元)`` — for customer-level lists."""
        return f"{zh}({self.base_unit})"


#: what a scenario's lists and tags are keyed by (:attr:`Scenario.subject`)
SUBJECTS = ("customer", "merchant")

@dataclass(frozen=True)
class Scenario:
    """One registered scenario (DESIGN.md): stable id, course code, title, group, inputs, params, run."""

    id: str
    code: str
    title: str
    group: str
    inputs: tuple[str, ...]
    params: type
    run: Callable[..., Any]
    optional_inputs: tuple[str, ...] = ()
    summary: str = ""          # one line: what it does (ribbon screentip, `bankxl list`)
    #: where the data date comes from when none is given: (table, column) whose latest date is the as-of
    #: date (month columns count as that month's last day); else a single ``as_of`` value in the data
    as_of_from: tuple[str, str] | None = None
    #: tables that may be split by outlet for ``--by outlet`` (they carry ``org_id``)
    outlet_tables: tuple[str, ...] = ()
    # -- hooks: declared here, never looked up by module naming convention --------------------------------
    #: the canonical tables its sample data need, all made by :mod:`bankxl.sample` (None: inputs + optional
    #: inputs); ``bankxl demo`` and the contract test run it on them
    sample_tables: tuple[str, ...] | None = None
    #: real-data parameters per public dataset of :mod:`bankxl.datasets` (``{"UCI": {"f1_min": 50_000}}``,
    #: thresholds in the data's currency); a dataset named here is one ``bankxl demo`` runs it on
    dataset_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False, compare=False)
    #: its Excel template workbook: ``template(path) -> path`` writes it (XlsxWriter, byte-stable) under the
    #: file name ``template_file`` (e.g. 存款到期视图模板.xlsx); None when it has none
    template: Callable[[Any], Any] | None = None
    template_file: str = ""
    #: what its lists and tags are keyed by: ``"customer"`` (客户号, SCENARIOS.md §6) or ``"merchant"`` (商户号 in
    #: the 客户号 column, e.g. E1): the cross-scenario view (:mod:`bankxl.crossview`) stacks customer scenarios only
    subject: str = "customer"

    def __post_init__(self):
        if self.group not in GROUPS:
            raise ValueError(f"{self.id}: unknown group {self.group}")
        if self.subject not in SUBJECTS:
            raise ValueError(f"{self.id}: unknown subject {self.subject!r}; one of {SUBJECTS}")
        if (self.template is None) != (not self.template_file):
            raise ValueError(f"{self.id}: template and template_file go together")

    def default_params(self):
        return self.params()

    @property
    def sample_inputs(self) -> tuple[str, ...]:
        """The canonical tables its sample data need (:attr:`sample_tables`, else inputs + optional inputs)."""
        return self.sample_tables if self.sample_tables is not None else self.inputs + self.optional_inputs


_REGISTRY: dict[str, Scenario] = {}


def registry() -> dict[str, Scenario]:
    """All scenarios, discovered from the modules and packages under ``bankxl.scenarios`` that define
    ``SPEC`` (a scenario is one module, or one folder whose ``__init__`` holds its SPEC); ordered by code."""
    if not _REGISTRY:
        from . import scenarios

        found = []
        # discovery: walking the scenarios package is how a new scenario registers itself; everything else
        # about it (sample tables, template, real-data params) is a SPEC field, not looked up by name
        for mod in pkgutil.walk_packages(scenarios.__path__, scenarios.__name__ + "."):
            m = importlib.import_module(mod.name)
            spec = getattr(m, "SPEC", None)
            if isinstance(spec, Scenario):
                found.append(spec)
        for s in sorted(found, key=lambda s: (GROUPS.index(s.group), s.code)):
            if s.id in _REGISTRY:
                raise ValueError(f"duplicate scenario id {s.id}")
            _REGISTRY[s.id] = s
    return _REGISTRY


def get_scenario(key: str) -> Scenario:
    """A scenario by id (``deposit.maturity``), course code (``D2``) or 中文 title."""
    reg = registry()
    if key in reg:
        return reg[key]
    for s in reg.values():
        if key in (s.code, s.title):
            return s
    raise KeyError(f"未知场景「{key}」; 可用: {', '.join(reg)}\nUnknown scenario {key!r}.")
