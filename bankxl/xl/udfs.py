"""bankxl worksheet formulas (xlwings UDFs, category ``bankxl``) — a column in, a column out.

Every ``BANKXL_*`` function is a thin wrapper: it turns the 2-D block Excel hands over (``@xw.arg(...,
np.array, **CELLS)``: a column, a row or a whole matrix) into a pandas Series,
calls a core function of bankxl (:mod:`bankxl.idcard`, :mod:`bankxl.masking`, :mod:`bankxl.tax`,
:mod:`bankxl.indicators`, the D2 and D5 scenario modules, the runner) and gives back a block of the *same
shape* (a list of rows), so one formula such as ``=BANKXL_ID_VALID(B2:B100001)`` serves a whole column and
spills in Excel 365 / 2021 (older Excel: select the output range and confirm with Ctrl+Shift+Enter).

Errors never surface as a Python traceback in a cell:

* a bad value in one row gives that row an Excel-style error *text*, e.g. ``#VALUE! 证件号校验位错误``;
  blank input rows give blank output rows (``""``), never 0;
* a bad call (unknown scenario, wrong argument) gives one cell ``#VALUE! <中文说明>``.

The churn and merchant rules (:func:`~bankxl.indicators.churn_state`,
:func:`~bankxl.rules.merchants.merchant_drop`, :func:`~bankxl.rules.merchants.merchant_level`) are defined in
:mod:`bankxl.indicators` and :mod:`bankxl.rules.merchants` (the E1 scenario's rule); BANKXL_CHURN /
BANKXL_MERCHANT_* call them and
this module only re-imports the names. Everything is testable without Excel: on Linux
``xw.func``/``xw.arg``/``xw.ret`` are no-op decorators, so the functions are plain Python taking 2-D numpy
arrays.

How cells arrive (:data:`CELLS`, the options of every range argument): xlwings' ``np.array`` converter
calls ``np.array(values, dtype=…)``; without ``dtype=object`` numpy turns a text column with one empty cell
(NaN) into a *string* array - every blank becomes the text ``'nan'`` and a phone or ID stored as a number
becomes ``'13812345678.0'`` / ``'1.1010119900307451e+17'``. With ``dtype=object, empty=None`` each cell
keeps its own type (str, float, bool, datetime) and an empty cell is ``None``, so a blank row gives a blank
result whatever else the column holds, and a cell that really holds the text ``nan`` stays that text.

Units: money in 元 (as in the cells); rates as fractions (0.05 = 5%, format the cell as %); dates are
Excel dates (date-formatted cells, ``yyyy-mm-dd`` text or serial numbers).
"""
from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw

from .. import idcard, masking
from ..indicators import CHURN_STATES, churn_state  # noqa: F401
from ..rules.credit_report import REPAY_MEANING, parse_repayment
from ..rules.merchants import MERCHANT_LEVELS, merchant_drop, merchant_level  # noqa: F401

__all__ = [
    "BANKXL_AGE", "BANKXL_BIRTH", "BANKXL_CHURN", "BANKXL_DAILY_AVG", "BANKXL_DAYS_TO_MATURITY",
    "BANKXL_DEVIATION", "BANKXL_ID18", "BANKXL_ID_PROBLEM", "BANKXL_ID_VALID", "BANKXL_IIT",
    "BANKXL_MASK", "BANKXL_MATURITY_BUCKET", "BANKXL_MERCHANT_DROP", "BANKXL_MERCHANT_LEVEL",
    "BANKXL_REGION", "BANKXL_REPAY_STRING", "BANKXL_REQUIRED_DAILY", "BANKXL_RUN", "BANKXL_SEX", "BANKXL_USCC_VALID",
    "CATEGORY", "churn_state", "merchant_drop", "merchant_level", "udf_names",
]

CATEGORY = "bankxl"
#: ``@xw.arg`` options of every range argument: cells keep their own Python type, an empty cell is None
CELLS: dict[str, Any] = {"ndim": 2, "dtype": object, "empty": None}
BLANK = ""  # what a blank input row gives back (Excel shows an empty cell; None would show 0)
ID_REASONS = {
    "ID_FORMAT": "证件号格式错误",
    "ID_DATE": "证件号出生日期不存在",
    "ID_CHECKSUM": "证件号校验位错误",
    "ID_CORRUPT": "证件号以数值存储超过15位, 精度已丢失",
}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


class UdfError(ValueError):
    """A bad call: shown as one ``#VALUE! <message>`` cell."""


# ================================================================================ plumbing
def _err(msg: str, kind: str = "#VALUE!") -> str:
    return f"{kind} {msg}"


def udf_names() -> list[str]:
    """Names of the worksheet functions defined here (``BANKXL_*``), sorted."""
    return sorted(n for n in globals() if n.startswith("BANKXL_") and callable(globals()[n]))


def _udf(func: Callable) -> Callable:
    """Turn any exception into one Excel error-text cell (``#VALUE! …``), never a traceback."""

    @functools.wraps(func)
    def wrapper(*args):
        try:
            return func(*args)
        except UdfError as e:
            return [[_err(str(e))]]
        except Exception as e:  # noqa: BLE001 - a cell must never show a Python traceback
            msg = getattr(e, "message_zh", None) or (e.args[0] if e.args else type(e).__name__)
            return [[_err(str(msg).splitlines()[0][:250])]]

    return wrapper


def _block(x: Any) -> np.ndarray:
    """Whatever Excel handed over -> a 2-D object array (a scalar is a 1x1 block)."""
    a = np.array(x, dtype=object)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        a = a.reshape(-1, 1)
    elif a.ndim > 2:
        raise UdfError("参数应为一列或一个区域")
    return a


def _series(x: Any) -> tuple[pd.Series, tuple[int, int]]:
    """A block flattened row by row into an object Series (None/NaN/NaT/"" or spaces -> None) and its shape.
    Cells keep their type: a number stays a number, the text ``'nan'`` stays text."""
    a = _block(x)
    s = pd.Series(a.ravel(), dtype=object)
    is_text = s.map(type).eq(str)
    blank = s.isna()
    if is_text.any():
        blank |= is_text & s.where(is_text, "x").str.strip().eq("")
    return s.mask(blank, None), a.shape


def _is_blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _cell(v: Any) -> Any:
    """One output value as Excel wants it: missing -> "", numpy scalars -> Python, Timestamp -> datetime."""
    if v is None or v is pd.NA or v is pd.NaT:
        return BLANK
    if isinstance(v, (float, np.floating)) and math.isnan(v):
        return BLANK
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v).to_pydatetime()
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def _shape_out(values: Any, shape: tuple[int, int]) -> list[list]:
    """Flat values -> a list of rows of ``shape`` (the input's shape)."""
    vals = [_cell(v) for v in (values.tolist() if hasattr(values, "tolist") else list(values))]
    n_rows, n_cols = shape
    return [vals[i * n_cols:(i + 1) * n_cols] for i in range(n_rows)]


def _one(v: Any) -> list[list]:
    return [[_cell(v)]]


def _scalar(x: Any, what: str) -> Any:
    """A single-cell argument (given as a value or a 1x1 block)."""
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)):
        a = _block(x)
        if a.size != 1:
            raise UdfError(f"{what}应为单个单元格")
        x = a.ravel()[0]
    return None if _is_blank(x) else x


def to_timestamp(v: Any) -> pd.Timestamp | None:
    """One date cell -> Timestamp: a date/datetime, ``yyyy-mm-dd`` / ``yyyy/m/d`` / ``yyyymmdd`` text or an
    Excel serial number (1900 system). None when blank; ValueError when unreadable."""
    if _is_blank(v):
        return None
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
        return pd.Timestamp(v).normalize()
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        f = float(v)
        if 19000101 <= f <= 22001231 and f.is_integer():
            return pd.Timestamp(str(int(f))).normalize()
        return (EXCEL_EPOCH + pd.Timedelta(days=int(math.floor(f)))).normalize()
    s = str(v).strip()
    t = pd.Timestamp(s)
    if t is pd.NaT:  # pandas reads the text 'nan' / 'NaT' as a missing date: the cell is not blank, it is unreadable
        raise ValueError(f"日期「{s}」无法识别")
    return t.normalize()


def _dates(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Object Series of date cells -> datetime64 Series and a mask of unreadable (non-blank) cells."""
    out, bad = [], []
    for v in s:
        try:
            out.append(to_timestamp(v))
            bad.append(False)
        except (ValueError, TypeError, OverflowError):
            out.append(None)
            bad.append(True)
    return pd.Series(pd.to_datetime(pd.Series(out, dtype=object)), index=s.index), np.array(bad, dtype=bool)


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Object Series -> float array (blank -> NaN) and a mask of non-numeric, non-blank cells."""
    vals = np.full(len(s), np.nan)
    bad = np.zeros(len(s), dtype=bool)
    for i, v in enumerate(s):
        if _is_blank(v):
            continue
        if isinstance(v, bool):
            bad[i] = True
            continue
        try:
            vals[i] = float(str(v).replace(",", "")) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            bad[i] = True
    return vals, bad


def _as_of(x: Any) -> pd.Timestamp:
    v = _scalar(x, "数据日期")
    if v is None:
        raise UdfError("缺少数据日期(as_of), 请给出一个日期单元格")
    try:
        return to_timestamp(v)
    except (ValueError, TypeError) as e:
        raise UdfError(f"数据日期「{v}」无法识别") from e


def _id_reasons(s: pd.Series) -> pd.Series:
    """:func:`bankxl.idcard.check_reason` of an ID column as Excel hands it, plus ``ID_CORRUPT`` for a number
    cell that cannot hold the ID (more than 15 digits, not whole: a double keeps 15-16 significant digits;
    :func:`bankxl.idcard.numeric_id_problem`, the loader's rule). A 15-digit number is exact and is checked
    as its digits."""
    reason = idcard.check_reason(s)
    numeric = s.map(type).isin([float, int, np.float64, np.int64, bool, np.bool_])
    if numeric.any():
        _text, problem = idcard.repair_numeric_ids(s[numeric])
        reason = reason.mask(problem.reindex(s.index).eq(idcard.REASON_CORRUPT), idcard.REASON_CORRUPT)
    return reason


def _id_outputs(ids: Any, compute: Callable[[pd.Series], pd.Series]) -> list[list]:
    """Common path of the ID functions: blank -> "", invalid -> ``#VALUE! <reason>``, else compute()."""
    s, shape = _series(ids)
    reason = _id_reasons(s)
    out = compute(s).astype(object).to_numpy(copy=True)
    for i, r in enumerate(reason):
        if r == "ID_MISSING" or s.iloc[i] is None:
            out[i] = BLANK
        elif r is not None:
            out[i] = _err(ID_REASONS.get(r, r))
    return _shape_out(out, shape)


def _ids_udf(func: Callable) -> Callable:
    """Declare a ``BANKXL_*`` function whose one argument ``ids`` is a column of ID numbers: the same as
    ``@xw.func(category=CATEGORY)``, ``@xw.arg("ids", np.array, **CELLS, doc="证件号码列")``, ``@_udf``."""
    return xw.func(category=CATEGORY)(xw.arg("ids", np.array, **CELLS, doc="证件号码列")(_udf(func)))


# ================================================================================ ID card / USCC
@xw.func(category=CATEGORY)
@xw.arg("ids", np.array, **CELLS, doc="证件号码列(18 位或 15 位居民身份证号, 文本)")
@_udf
def BANKXL_ID_VALID(ids):
    """证件号是否有效: TRUE/FALSE(格式 + 出生日期 + 校验位, GB 11643; 地区码不校验)。空单元格返回空。

    ids: 证件号码列(一列进一列出)。以数值存储超过 15 位的证件号为 FALSE(精度已丢失)。
    """
    s, shape = _series(ids)
    ok = idcard.is_valid(s).to_numpy(dtype=object)
    ok[s.isna().to_numpy()] = BLANK
    return _shape_out(ok, shape)


@_ids_udf
def BANKXL_ID_PROBLEM(ids):
    """证件号问题说明: 有效为空; 否则为问题码与中文说明, 如 ``ID_CHECKSUM 证件号校验位错误``(数据问题表同码)。

    ids: 证件号码列。
    """
    s, shape = _series(ids)
    reason = _id_reasons(s)
    out = [BLANK if r in (None, "ID_MISSING") else f"{r} {ID_REASONS.get(r, r)}" for r in reason]
    return _shape_out(np.array(out, dtype=object), shape)


@_ids_udf
def BANKXL_ID18(ids):
    """18 位证件号: 15 位旧号升位(前 6 位 + 19 + 后 9 位 + 重算校验位), 18 位原样(规范化后)。

    ids: 证件号码列。无效号码返回 ``#VALUE! <原因>``。
    """
    return _id_outputs(ids, idcard.to_18)


@_ids_udf
def BANKXL_BIRTH(ids):
    """出生日期(日期值, 请设置单元格为日期格式)。ids: 证件号码列。无效号码返回 ``#VALUE! <原因>``。"""
    return _id_outputs(ids, idcard.birth_date)


@xw.func(category=CATEGORY)
@xw.arg("ids", np.array, **CELLS, doc="证件号码列")
@xw.arg("as_of", np.array, **CELLS, doc="计算年龄的日期: 一个单元格, 或与证件号等长的一列")
@_udf
def BANKXL_AGE(ids, as_of):
    """周岁年龄: as_of 年 − 出生年 − (当年生日未到 ? 1 : 0)(SCENARIOS §0.6)。

    ids: 证件号码列; as_of: 日期(单个单元格或逐行一列, 必填, 不取今天)。无效号码返回 ``#VALUE! <原因>``。
    """
    s, shape = _series(ids)
    a = _block(as_of)
    if a.size == 1:
        when: Any = _as_of(a)
    elif a.size == len(s):
        when, bad = _dates(pd.Series(list(a.ravel()), dtype=object))
        if bad.any():
            raise UdfError("as_of 列中有无法识别的日期")
    else:
        raise UdfError("as_of 应为一个日期, 或与证件号等长的一列日期")
    return _id_outputs(ids, lambda x: idcard.age_at(x, when))


@_ids_udf
def BANKXL_SEX(ids):
    """性别 男/女(18 位第 17 位、15 位第 15 位, 奇男偶女)。ids: 证件号码列。"""
    return _id_outputs(ids, idcard.sex)


@_ids_udf
def BANKXL_REGION(ids):
    """发证地(前 6 位行政区划码, 按出生年份取当时名称), 如 北京市朝阳区; 仅供参考, 未收录的代码返回 ``#N/A``。"""
    def region(s: pd.Series) -> pd.Series:
        r = idcard.region(s).astype(object)
        return r.where(r.notna(), _err("地区码未收录", "#N/A"))

    return _id_outputs(ids, region)


@xw.func(category=CATEGORY)
@xw.arg("codes", np.array, **CELLS, doc="统一社会信用代码列(18 位)")
@_udf
def BANKXL_USCC_VALID(codes):
    """统一社会信用代码是否有效: TRUE/FALSE(GB 32100-2015 字符集与校验位)。空单元格返回空。"""
    s, shape = _series(codes)
    ok = idcard.uscc_is_valid(s).to_numpy(dtype=object)
    ok[s.isna().to_numpy()] = BLANK
    return _shape_out(ok, shape)


_MASKERS = {"证件": masking.mask_id, "证件号": masking.mask_id, "身份证": masking.mask_id, "id": masking.mask_id,
            "手机": masking.mask_phone, "电话": masking.mask_phone, "phone": masking.mask_phone,
            "姓名": masking.mask_name, "name": masking.mask_name,
            "账号": masking.mask_account, "卡号": masking.mask_account, "account": masking.mask_account}


@xw.func(category=CATEGORY)
@xw.arg("values", np.array, **CELLS, doc="要脱敏的列")
@xw.arg("kind", doc="类型: 证件(默认) / 手机 / 姓名 / 账号")
@_udf
def BANKXL_MASK(values, kind="证件"):
    """脱敏: 证件号保留前 6 后 4(340524********001X), 手机保留前 3 后 4, 姓名保留姓, 账号保留前 4 后 4。

    values: 一列; kind: 证件 / 手机 / 姓名 / 账号(或 id / phone / name / account)。
    """
    k = str(_scalar(kind, "类型") or "证件").strip()
    fn = _MASKERS.get(k) or _MASKERS.get(k.lower())
    if fn is None:
        raise UdfError(f"未知的脱敏类型「{k}」, 可用: 证件 / 手机 / 姓名 / 账号")
    s, shape = _series(values)
    return _shape_out(fn(s).astype(object).to_numpy(), shape)


# ================================================================================ deposits (D2, D5)
def _maturity_dtm(dates: Any, as_of: Any) -> tuple[pd.Series, np.ndarray, tuple[int, int]]:
    s, shape = _series(dates)
    d, bad = _dates(s)
    when = _as_of(as_of)
    dtm = (d - when).dt.days.astype("Int64")
    return dtm, bad, shape


@xw.func(category=CATEGORY)
@xw.arg("maturity_dates", np.array, **CELLS, doc="到期日列")
@xw.arg("as_of", doc="数据日期(一个单元格)")
@_udf
def BANKXL_DAYS_TO_MATURITY(maturity_dates, as_of):
    """距到期天数 = 到期日 − 数据日期(天; 负数 = 已到期未支取)(D2)。

    maturity_dates: 到期日列; as_of: 数据日期(必填, 不取今天)。无法识别的日期返回 ``#VALUE!``。
    """
    dtm, bad, shape = _maturity_dtm(maturity_dates, as_of)
    out = dtm.astype(object).to_numpy(copy=True)
    out[bad] = _err("日期无法识别")
    return _shape_out(out, shape)


@xw.func(category=CATEGORY)
@xw.arg("maturity_dates", np.array, **CELLS, doc="到期日列")
@xw.arg("as_of", doc="数据日期(一个单元格)")
@_udf
def BANKXL_MATURITY_BUCKET(maturity_dates, as_of):
    """剩余期限档(D2 默认分档): 已到期未支取 / 0–7天 / 8–30天 / 31–90天 / 91–180天 / 181–365天 / >365天。

    maturity_dates: 到期日列; as_of: 数据日期。与 D2 存款到期视图的分档完全一致。
    """
    from ..scenarios.deposit import maturity

    dtm, bad, shape = _maturity_dtm(maturity_dates, as_of)
    band = maturity.dtm_band(dtm.astype("float64"), maturity.MaturityParams().dtm_edges)
    out = band.astype(object).to_numpy(copy=True)
    out[bad] = _err("日期无法识别")
    return _shape_out(out, shape)


@xw.func(category=CATEGORY)
@xw.arg("balances", np.array, **CELLS, doc="每日余额列(元), 按日期先后")
@xw.arg("dates", np.array, **CELLS, doc="可选: 与余额等长的日期列(缺的日期沿用前一日余额)")
@_udf
def BANKXL_DAILY_AVG(balances, dates=None):
    """日均余额(元) = 统计期内每日余额之和 / 日历天数(SCENARIOS §0.3)。

    balances: 余额列; 只给余额时每行算一天, 空单元格沿用前一日余额; 给出 dates 时按日期补齐缺失的日期
    (前值填充), 期间为首末日期。例: 500, 1000, 0, 0, 0 -> 300。
    """
    from ..scenarios.deposit import targets

    s, _shape = _series(balances)
    vals, bad = _numbers(s)
    if bad.any():
        raise UdfError(f"余额第 {int(np.argmax(bad)) + 1} 行不是数字")
    if dates is None or (np.ndim(dates) == 0 and _is_blank(dates)):
        return _one(targets.daily_average(vals))
    ds, _ = _series(dates)
    d, dbad = _dates(ds)
    if len(d) != len(vals):
        raise UdfError("日期列与余额列行数不同")
    if dbad.any():
        raise UdfError(f"日期第 {int(np.argmax(dbad)) + 1} 行无法识别")
    return _one(targets.daily_average(pd.Series(vals, index=pd.DatetimeIndex(d))))


def _broadcast_numbers(*cols: Any) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Number blocks -> flat float arrays of one common length (1x1 blocks broadcast); shape of the longest."""
    blocks = [_block(c) for c in cols]
    longest = max(blocks, key=lambda b: b.size)
    out = []
    for b in blocks:
        vals, bad = _numbers(pd.Series(list(b.ravel()), dtype=object))
        if bad.any():
            raise UdfError("参数中有非数字的单元格")
        if b.size not in (1, longest.size):
            raise UdfError("各参数应为单个单元格或等长的列")
        out.append(np.broadcast_to(vals, (longest.size,)) if b.size == 1 else vals)
    return out, longest.shape


@xw.func(category=CATEGORY)
@xw.arg("target_avg", np.array, **CELLS, doc="目标日均 A*(元)")
@xw.arg("n_days", np.array, **CELLS, doc="期长 N(天)")
@xw.arg("cum_balance", np.array, **CELLS, doc="已过 d 天的余额累计 S_d(元·日)")
@xw.arg("days_elapsed", np.array, **CELLS, doc="已过天数 d")
@_udf
def BANKXL_REQUIRED_DAILY(target_avg, n_days, cum_balance, days_elapsed):
    """剩余每日所需平均余额 R = (A*·N − S_d)/(N − d)(元, D5); d = N 时返回实际日均 S_N/N。

    各参数为单个单元格或等长的列(逐行计算)。例: N=31, A*=1 亿, S_20=19.2 亿·日 -> 1.0727 亿。
    """
    from ..scenarios.deposit import targets

    (a, n, s, d), shape = _broadcast_numbers(target_avg, n_days, cum_balance, days_elapsed)
    return _shape_out(targets.required_daily_balance(a, n, s, d), shape)


@xw.func(category=CATEGORY)
@xw.arg("month_end", np.array, **CELLS, doc="月末余额(元)")
@xw.arg("month_avg", np.array, **CELLS, doc="当月日均(元)")
@_udf
def BANKXL_DEVIATION(month_end, month_avg):
    """月末存款偏离度 = (月末余额 − 当月日均)/当月日均(小数, 请设为百分比格式; 监管上限 4%)。

    日均 ≤ 0 返回空(不输出无穷大)。例: 日均 100、月末 105 -> 0.05。
    """
    from ..scenarios.deposit import targets

    (me, avg), shape = _broadcast_numbers(month_end, month_avg)
    return _shape_out(targets.deviation(me, avg), shape)


# ================================================================================ D3 churn state
@xw.func(category=CATEGORY)
@xw.arg("baseline", np.array, **CELLS, doc="基线余额(元): 前 6 个月月日均的均值")
@xw.arg("current", np.array, **CELLS, doc="当前余额(元): 近 3 个月月日均的均值")
@_udf
def BANKXL_CHURN(baseline, current):
    """存款流失状态(D3): 稳定(降幅<20%) / 轻度流失(20–50%) / 重度流失(50–90%) / 已流失(≥90% 或当前<1,000元)。

    baseline: 基线列(元); current: 当前列(元)。基线 < 1 万元返回「不评估」。
    """
    (b, c), shape = _broadcast_numbers(baseline, current)
    return _shape_out(churn_state(b, c), shape)


# ================================================================================ E1 merchant warning
def _volume_matrix(volumes: Any) -> np.ndarray:
    a = _block(volumes)
    vals, bad = _numbers(pd.Series(list(a.ravel()), dtype=object))
    if bad.any():
        raise UdfError("交易额中有非数字的单元格")
    return vals.reshape(a.shape)


@xw.func(category=CATEGORY)
@xw.arg("volumes", np.array, **CELLS, doc="商户月交易额(元): 每行一户, 每月一列, 最早的在左, 最右为当月(至少 4 列)")
@xw.arg("last_month", doc="可选: 当月的任一日期(用于按各月天数折算日均; 省略时每月按 30 天)")
@_udf
def BANKXL_MERCHANT_LEVEL(volumes, last_month=None):
    """商户预警等级(E1): 正常 / 一级(关注) / 二级(警示) / 三级(严重) / 四级(沉睡) / 观察期(新商户)。

    下降率 r = 1 − 当月日均/前 3 月日均: <30% 正常, 30–50% 一级, 50–80% 二级(或连续 2 月 ≥30%), ≥80% 三级;
    当月 0 交易为四级。一行一户, 返回一列。例: 前 3 月日均 10,000 元, 本月 30 天 150,000 元 -> 二级。
    """
    v = _volume_matrix(volumes)
    lm = _scalar(last_month, "当月日期") if last_month is not None else None
    return [[_cell(x)] for x in merchant_level(v, lm)]


@xw.func(category=CATEGORY)
@xw.arg("volumes", np.array, **CELLS, doc="商户月交易额(元): 每行一户, 每月一列, 最右为当月")
@xw.arg("last_month", doc="可选: 当月的任一日期")
@_udf
def BANKXL_MERCHANT_DROP(volumes, last_month=None):
    """商户交易额下降率 r = 1 − 当月日均/前 3 月日均(小数, 请设为百分比格式; 基线为 0 时返回空)(E1)。"""
    v = _volume_matrix(volumes)
    lm = _scalar(last_month, "当月日期") if last_month is not None else None
    r, _ = merchant_drop(v, lm)
    return [[_cell(x)] for x in r]


# ================================================================================ C8 credit report
#: what BANKXL_REPAY_STRING returns: accepted words -> column of parse_repayment
_REPAY_WHAT = {"最高逾期档": "worst", "worst": "worst", "逾期月数": "overdue_months", "months": "overdue_months",
               "最长连续逾期": "longest_run", "run": "longest_run", "未知月数": "unknown_months",
               "unknown": "unknown_months", "连三累六": "streak", "streak": "streak", "干净": "clean",
               "clean": "clean", "当前状态": "current", "current": "current"}


@xw.func(category=CATEGORY)
@xw.arg("text", np.array, **CELLS, doc="征信近24月还款状态串列(24 位, 从早到晚: N、1–7、C、G、D、Z、*、#)")
@xw.arg("what", doc="返回: 连三累六(默认) / 最高逾期档 / 逾期月数 / 最长连续逾期 / 未知月数 / 干净 / 当前状态")
@_udf
def BANKXL_REPAY_STRING(text, what="连三累六"):
    """解读征信近24月还款状态串(C8; C1/C10 准入的「连三累六」), 与场景使用同一规则 (bankxl.rules.credit_report)。

    text: 一列状态串(小写、空格、全角自动规范); what: 连三累六(是/否/未知) / 最高逾期档(0–7) / 逾期月数 /
    最长连续逾期(月) / 未知月数(#) / 干净(无 1–7/D/Z: 是/否/未知) / 当前状态(最近一月, 如「N 正常」)。
    「#」月状态未知: 能否判断见规则说明, 不能判断时返回「未知」。长度不是 24 位或含其他字符时返回 ``#VALUE! 原因``;
    空白返回空白。例: NNNNNNNNNNNNNNNNNNNNN111 -> 连三累六 是, 最高逾期档 1, 逾期月数 3。
    """
    w = str(_scalar(what, "返回项") or "连三累六").strip()
    col = _REPAY_WHAT.get(w) or _REPAY_WHAT.get(w.lower())
    if col is None:
        raise UdfError(f"未知的返回项「{w}」, 可用: 连三累六 / 最高逾期档 / 逾期月数 / 最长连续逾期 / 未知月数 / 干净 / 当前状态")
    s, shape = _series(text)
    parsed = parse_repayment(s.astype("string"))
    v = parsed[col]
    if col in ("streak", "clean"):
        out = np.where(v.isna(), "未知", np.where(v.fillna(False), "是", "否")).astype(object)
    elif col == "current":
        out = (v + " " + v.map(REPAY_MEANING).astype("string")).astype(object).to_numpy()
    else:
        out = v.astype(object).to_numpy()
    out = np.where(parsed["problem"].notna().to_numpy(), ("#VALUE! " + parsed["problem"]).astype(object), out)
    out = np.where(parsed["text"].isna().to_numpy(), BLANK, out)
    return _shape_out(out, shape)


# ================================================================================ M1 income tax
@xw.func(category=CATEGORY)
@xw.arg("emp_ids", np.array, **CELLS, doc="员工号列")
@xw.arg("months", np.array, **CELLS, doc="月份列(该月任一日期)")
@xw.arg("income", np.array, **CELLS, doc="当月收入额(元, 通常为应发合计)")
@xw.arg("special", np.array, **CELLS, doc="专项扣除(元): 三险一金个人部分")
@xw.arg("additional", np.array, **CELLS, doc="专项附加扣除(元)")
@xw.arg("other", np.array, **CELLS, doc="其他扣除(元), 如企业年金个人缴费")
@_udf
def BANKXL_IIT(emp_ids, months, income, special=0, additional=0, other=0):
    """本月应预扣个人所得税(元, 累计预扣法, 每人每年从任职首月累计; 国家税务总局公告 2018 年第 61 号)。

    一行一人一月(如工资表): emp_ids 员工号, months 月份, income 收入额, special 三险一金, additional
    专项附加扣除, other 其他扣除(后三者可为单个单元格或列)。例: 月收入 30,000、三险一金 1,400、专项附加
    1,000 -> 1 月 678.00, 2 月 1,322.00。
    """
    from .. import tax

    e, shape = _series(emp_ids)
    m, mbad = _dates(_series(months)[0])
    if len(m) != len(e):
        raise UdfError("员工号与月份行数不同")
    if mbad.any():
        raise UdfError(f"月份第 {int(np.argmax(mbad)) + 1} 行无法识别")
    (inc, sp, ad, ot), _ = _broadcast_numbers(income, special, additional, other)
    if len(inc) != len(e):
        raise UdfError("收入列与员工号列行数不同")
    blank = e.isna().to_numpy() | m.isna().to_numpy()
    idx = pd.RangeIndex(len(e))
    out = np.full(len(e), BLANK, dtype=object)
    if (~blank).any():
        k = ~blank
        t = tax.cumulative_iit_long(pd.Series(e[k].astype(str).to_numpy(), index=idx[k]), m[k],
                                    pd.Series(inc[k], index=idx[k]), pd.Series(sp[k], index=idx[k]),
                                    pd.Series(ad[k], index=idx[k]), pd.Series(ot[k], index=idx[k]))
        out[k] = t.to_numpy()
    return _shape_out(out, shape)


# ================================================================================ whole scenario
@xw.func(category=CATEGORY)
@xw.arg("scenario", doc="场景: id(deposit.maturity)、代码(D2)或中文名称")
@xw.arg("data", np.array, **CELLS, doc="输入表区域, 含表头行")
@xw.arg("sheet", doc="可选: 报告中的工作表名称(默认第一张)")
@xw.arg("as_of", doc="可选: 数据日期(数据中无「数据日期」列时必填)")
@_udf
def BANKXL_RUN(scenario, data, sheet=None, as_of=None):
    """动态数组: 对输入区域运行一个场景, 返回报告某张工作表的第一张表(含表头, 自动溢出)。

    scenario: 场景 id / 代码 / 名称; data: 输入表(含表头, 只需一张输入表的场景); sheet: 报告中的工作表名
    (默认第一张); as_of: 数据日期。金额单位与报告文件相同(万元), 名单脱敏。
    """
    return run_table(scenario, data, sheet, as_of)


def run_table(scenario: Any, data: Any, sheet: Any = None, as_of: Any = None) -> list[list]:
    """Core of :func:`BANKXL_RUN`: header row + rows of the chosen report table (list of lists)."""
    from ..runner import run_scenario
    from ..scenario import get_scenario

    key = _scalar(scenario, "场景")
    if key is None:
        raise UdfError("请给出场景, 如 D2 或 deposit.maturity")
    try:
        spec = get_scenario(str(key).strip())
    except KeyError as e:
        raise UdfError(f"未知场景「{key}」") from e
    if len(spec.inputs) != 1:
        raise UdfError(f"场景「{spec.title}」需要 {len(spec.inputs)} 张输入表, 请用功能区按钮运行")
    a = _block(data)
    raw = pd.DataFrame([[None if _is_blank(v) else v for v in row] for row in a], dtype=object)
    when = _scalar(as_of, "数据日期") if as_of is not None else None
    res = run_scenario(spec, [{spec.inputs[0]: raw}], None, as_of=to_timestamp(when) if when is not None else None)
    rep = res.report
    want = _scalar(sheet, "工作表") if sheet is not None else None
    sheets = [s for s in rep.sheets if want is None or s.name == str(want).strip()]
    if not sheets:
        raise UdfError(f"报告中没有工作表「{want}」; 可用: {'、'.join(rep.sheet_names)}")
    from ..report.model import Table

    table = next((b for s in sheets for b in s.blocks if isinstance(b, Table)), None)
    if table is None:
        raise UdfError(f"工作表「{sheets[0].name}」中没有表格")
    df = table.df
    rows = [[str(c) for c in df.columns]]
    rows += [[_cell(v) for v in r] for r in df.itertuples(index=False, name=None)]
    return rows
