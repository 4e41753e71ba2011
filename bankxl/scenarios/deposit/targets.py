"""D5 存款营销指标分解 Deposit target decomposition and tracking (SCENARIOS.md "D5", §0.3, §0.4).

Inputs (canonical tables, ``bankxl.tables``):

* ``deposit_targets`` 存款目标 — two layouts are accepted:

  1. **分解 (decompose)**: exactly one row carries 目标日均 ``target`` (元): the bank (or the parent org),
     with 考核期起/止 ``period_start``/``period_end`` (default: the calendar year of the as-of date) and
     optionally 基期日均 ``base``. Every other row is an outlet with its factors 上年日均 ``prior_avg``,
     上年日均增量 ``prior_increment``, 市场潜力 ``potential`` (元) and 人数 ``staff_count`` (人; falls back to
     ``orgs.staff_count``); an outlet's 基期日均 ``base`` defaults to its ``prior_avg`` (a new outlet with
     neither has base 0). The bank's base defaults to the root row's ``base``, else its ``prior_avg``,
     else the sum of the outlets' bases. When ``orgs`` gives a hierarchy, only leaf rows are decomposed.
  2. **跟踪 (tracking only)**: several rows carry their own 目标日均 (the head office already split the
     target). No decomposition: each org's increment is ``target − base`` (base as above) and the
     time split, required daily balance, deviation and progress are computed per org.

  Several metrics (``metric`` 指标) in one file: the parameter ``metric`` chooses one (default
  各项存款日均, else the first one in the file); the others are ignored (noted in 说明).
* ``org_daily_balances`` 机构日余额 — date · org_id · balance (元) [· metric]. When the 指标 column has values,
  only the balances of the target's metric are used: the metric itself or its name without 日均 (target
  各项存款日均 -> balances 各项存款; rows with an empty 指标 count as 各项存款, the table's default); when the
  column is absent or empty the balances are taken to be the target's metric (said in 说明). Missing days and non-business
  days are forward-filled; days before an outlet's first balance (or its 开业日期 in ``orgs``) count 0
  (SCENARIOS §0.3); leading non-business days of the period before the first exported day are filled with
  the first balance.
* ``orgs`` 机构 (optional) — org_name, parent_id, staff_count, open_date.

Output (a :class:`~bankxl.report.Report`, money shown in ``ctx.unit``): sheets 指标分解 (factors, shares,
ΔT_i, targets, quarterly split, 合计 row, bar chart), 月度分解 (monthly increments, 本月日均目标 a_m per
month with their day-weighted annual mean, seasonal factors), 所需日均 (N, d, S_d, A*, R, 当前余额, 缺口,
可达性; 基本不可达 in red), 偏离度预警, 进度 (time vs task progress, chart).

Method (SCENARIOS.md D5): ΔT = 目标日均 − 基期日均; ΔT_i = ΔT × Σ_k w_k·s_{k,i} (s = factor share, negative
factor values count 0; a factor that is zero/missing for every outlet has its weight redistributed over the
other factors in proportion to their weights; with no usable factor at all ΔT is split equally); rounded to
``rounding_unit`` with the largest-remainder method so the parts sum to ΔT exactly. Quarterly split of ΔT_i
by ``quarter_progress`` (largest remainder); monthly split within a quarter by prior-year seasonal factors
(the bank-total daily average of each month of the prior-year period as a share of its quarter) when the
daily balances have data in every month of the prior-year period, else equally. Required daily balance
R = (A*·N − S_d)/(N − d); month-end deviation (月末余额 − 月日均)/月日均 (§0.4).

Monthly target (本月 A*, :func:`monthly_targets`): the quarterly/monthly increments are the progress plan of
the 年累计日均 (daily average from the period start to a month end): at the end of month m it should be
base + C_m, C_m = Σ_{k<=m} 月度增量_k (so 40/25/20/15 means 40 % of ΔT_i in the year-to-date daily average by
the end of Q1). The month's own daily-average target is then a_m = base + (C_m·D_m − C_{m−1}·D_{m−1})/days_m
(D_m = days from the period start to the end of month m, days_m = days of month m in the period). Because
C_last = ΔT_i, Σ_m a_m·days_m / N = base + ΔT_i = the annual target exactly: a branch that meets every
monthly target meets the annual one (and its 本月 and 考核期 verdicts end the period both 已达成).

The pure formulas (:func:`largest_remainder`, :func:`required_daily_balance`, :func:`deviation`,
:func:`daily_average`, :func:`daily_balances`) are public: the Excel UDFs and the template builder
(``bankxl.templates``) call them.

Errors: :class:`~bankxl.errors.DataValidationError` when 机构日余额 has 指标 values but none for the target's
metric (the message names the metric and the metrics found), and when the bank-level 目标日均 of a
decomposition (or every org's 目标日均 in tracking mode) is ≤ 0 (names sheet, column 目标日均(target) and the
Excel row: the whole report hinges on that number). Otherwise none for data content — a file without any
目标日均 gives a report that says so, and when every row with a 目标日均 has 考核期起 > 考核期止. Row problems go
to ``ctx.problems``: duplicate org rows (DUP_KEY), a row with 考核期起 > 考核期止 (DATE_ORDER; left out),
empty/negative factors, a tracking-mode org target ≤ 0 (``deposit_targets`` VALUE_INVALID, column
目标日均(target); that org is not tracked), an org without any daily balance (``org_daily_balances``
REQUIRED_EMPTY, column 机构号(org_id); its balance counts 0). Negative daily balances are flagged by the loader
(NEG_BALANCE, ``org_daily_balances.balance`` is nonneg) and noted in 说明; they are used as given.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataValidationError, ParameterError
from ...report import Chart, Conditional, Note, PivotBlock, Report, Sheet, Table
from ...report.pivot import DataField, PivotSpec
from ...scenario import RunContext, Scenario, param
from .targets_template import build_targets_template

FACTORS = ("prior_avg", "prior_increment", "potential", "staff_count")
FACTOR_ZH = {"prior_avg": "存量", "prior_increment": "上年增量", "potential": "潜力", "staff_count": "人数"}
QUARTER_ZH = ("一季度", "二季度", "三季度", "四季度")
DEFAULT_METRIC = "各项存款日均"

UNREACHABLE = "基本不可达"
REACHED = "已达成"
NOT_REACHED = "未达成(期已结束)"
SATISFIED = "当前余额已满足"
RAISE = "需提升"
WARN = "预警"


# ============================================================================ parameters
@dataclass(frozen=True)
class TargetParams:
    """Parameters of D5 (defaults SCENARIOS.md D5 【假设】 and §0.4)."""

    weight_stock: float = param(0.4, "权重-存量(上年日均)", help="存量因子权重; 四个权重按比例使用, 不必合计为 1")
    weight_increment: float = param(0.3, "权重-上年日均增量", help="上年增量因子权重; 负增量按 0 计")
    weight_potential: float = param(0.2, "权重-市场潜力", help="市场潜力因子权重(可取 D1 份额分析结果)")
    weight_staff: float = param(0.1, "权重-人数", help="人数因子权重")
    rounding_unit: float = param(10_000.0, "取整单位", "元", help="分解结果取整单位, 默认 1 万元; 最大余数法保证合计不变")
    quarter_progress: tuple = param((0.40, 0.25, 0.20, 0.15), "季度增量进度", "比例",
                                    help="一至四季度完成增量任务的比例(开门红前置)")
    deviation_limit: float = param(0.04, "月末偏离度上限", "比例", help="(月末余额 − 月日均)/月日均 超过即预警, 监管 4%")
    unreachable_factor: float = param(2.0, "不可达倍数", "倍", help="所需日均 R > 倍数 × 当前余额 → 基本不可达")
    metric: str = param("", "考核指标", help="空 = 各项存款日均(文件中无此指标时取第一个指标)")

    def check(self) -> None:
        """Rules beyond one value's range: 取整单位 > 0, 季度增量进度 four values not all 0, at least one
        weight > 0. Raises ParameterError."""
        if not self.rounding_unit > 0:
            raise ParameterError(f"参数「取整单位(rounding_unit)」应大于 0(元), 给定 {self.rounding_unit:g}。",
                                 f"Parameter rounding_unit must be above 0, got {self.rounding_unit:g}.")
        q = self.quarter_progress
        if len(q) != 4 or not sum(q) > 0:
            raise ParameterError(f"参数「季度增量进度(quarter_progress)」应为一至四季度 4 个值且不全为 0, 如 0.4,0.25,0.2,0.15"
                                 f"(给定 {','.join(f'{x:g}' for x in q)})。",
                                 "Parameter quarter_progress needs 4 quarterly shares, not all 0 (e.g. 0.4,0.25,0.2,0.15).")
        if not sum(self.weights.values()) > 0:
            raise ParameterError("参数「权重-存量/上年日均增量/市场潜力/人数」至少一个应大于 0。",
                                 "At least one of the four decomposition weights must be above 0.")

    @property
    def weights(self) -> dict[str, float]:
        return {"prior_avg": self.weight_stock, "prior_increment": self.weight_increment,
                "potential": self.weight_potential, "staff_count": self.weight_staff}


# ============================================================================ pure formulas
def largest_remainder(values: Sequence[float], total: float, unit: float = 1.0) -> np.ndarray:
    """Split ``total`` in proportion to ``values`` into multiples of ``unit`` that sum to ``total``.

    Largest-remainder (Hamilton) method on |total|/unit whole units, computed with exact fractions:
    every part gets the floor of its quota, the units left over go to the largest fractional remainders
    (ties: larger weight, then earlier position). Negative ``values``/NaN count 0; all-zero values split
    equally. A negative ``total`` is split like its absolute value and negated. When ``total`` is not a
    multiple of ``unit``, the sub-unit rest goes to the part with the largest quota, so the sum is still
    ``total`` (exact for an integer ``unit`` when ``total`` is a whole multiple — the normal case).

    Returns a float ndarray of len(values). Raises ValueError for ``unit`` <= 0, or a non-zero total with
    no parts.
    """
    w = np.asarray(values, dtype="float64").ravel()
    if not unit or unit <= 0 or not math.isfinite(unit):
        raise ValueError(f"unit must be positive, got {unit!r}")
    if not math.isfinite(total):
        raise ValueError(f"total must be finite, got {total!r}")
    if len(w) == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total over no parts")
        return np.zeros(0)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    if w.sum() <= 0:
        w = np.ones_like(w)
    sign = -1.0 if total < 0 else 1.0
    units_exact = Fraction(abs(total)) / Fraction(unit)
    k = math.floor(units_exact)
    fw = [Fraction(float(x)) for x in w]
    s = sum(fw)
    quotas = [k * x / s for x in fw]
    whole = [math.floor(q) for q in quotas]
    rest = k - sum(whole)
    order = sorted(range(len(w)), key=lambda i: (-(quotas[i] - whole[i]), -fw[i], i))
    for i in order[:rest]:
        whole[i] += 1
    parts = np.array([float(n) * unit for n in whole])
    if units_exact != k:
        j = max(range(len(w)), key=lambda i: (fw[i], -i))
        parts[j] += abs(total) - float(k) * unit
    return sign * parts


def required_daily_balance(target_avg, n_days, cum_balance, days_elapsed):
    """Average daily balance needed for the rest of the period: R = (A*·N − S_d)/(N − d).

    ``target_avg`` A* (money), ``n_days`` N (days in the period), ``cum_balance`` S_d (Σ of the daily
    balances of the first d days, money·days), ``days_elapsed`` d (clipped to 0..N). When d >= N the period
    is over and the actual average S_N/N is returned (no division by zero); N <= 0 or missing -> NaN.
    Scalars in -> float out; arrays/Series broadcast -> ndarray. SCENARIOS.md D5 (example: N=31, A*=1 亿,
    S_20=19.2 亿·日 -> 1.0727 亿).
    """
    scalar = all(np.ndim(x) == 0 for x in (target_avg, n_days, cum_balance, days_elapsed))
    a, n, s, d = (np.asarray(x, dtype="float64") for x in (target_avg, n_days, cum_balance, days_elapsed))
    a, n, s, d = np.broadcast_arrays(a, n, s, d)
    d = np.clip(d, 0, np.where(np.isnan(n), 0, n))
    done = d >= n
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(done, s / np.where(n > 0, n, np.nan), (a * n - s) / np.where(done, 1.0, n - d))
    r = np.where(n > 0, r, np.nan)
    return float(r) if scalar else r


def monthly_targets(base: float, increments: Sequence[float], month_days: Sequence[int]) -> np.ndarray:
    """Monthly daily-average targets a_m (本月目标日均) consistent with the annual daily-average target.

    ``base`` 基期日均 (money); ``increments`` the planned 月度增量任务 of each month of the period in order
    (money, Σ = ΔT_i): month m raises the 年累计日均 (average from the period start to the end of month m)
    by ``increments[m]``, so it should be base + C_m with C_m = Σ_{k<=m} increments[k]; ``month_days`` the
    days of each month inside the period (days_m, Σ = N; a partial first/last month counts its days in the
    period). With D_m = Σ_{k<=m} days_k:

        a_m = base + (C_m·D_m − C_{m−1}·D_{m−1}) / days_m

    so Σ_m a_m·days_m = base·N + C_last·N and the day-weighted mean of the a_m is base + ΔT_i, the annual
    target, exactly (up to float rounding). Example: base 100, increments (6, 6), 31 + 28 days ->
    a = (106, 100 + (12·59 − 6·31)/28) = (106, 118.642857...), (106·31 + 118.64·28)/59 = 112.
    Returns a float ndarray of len(increments); NaN increments give NaN from that month on.
    Raises ValueError when the lengths differ or a month has no days.
    """
    inc = np.asarray(increments, dtype="float64").ravel()
    days = np.asarray(month_days, dtype="float64").ravel()
    if len(inc) != len(days):
        raise ValueError(f"increments ({len(inc)}) and month_days ({len(days)}) differ in length")
    if len(days) and days.min() <= 0:
        raise ValueError("every month needs at least one day in the period")
    c = np.cumsum(inc)
    d = np.cumsum(days)
    cd = c * d
    prev = np.concatenate([[0.0], cd[:-1]])
    return float(base) + (cd - prev) / days


def deviation(month_end, month_avg):
    """月末存款偏离度 = (月末余额 − 当月日均)/当月日均 (SCENARIOS.md §0.4); 日均 <= 0 or missing -> NaN
    (§0.5: no inf). Scalars -> float, arrays -> ndarray. Example: 105 vs 100 -> 0.05."""
    scalar = np.ndim(month_end) == 0 and np.ndim(month_avg) == 0
    me, avg = np.broadcast_arrays(np.asarray(month_end, dtype="float64"), np.asarray(month_avg, dtype="float64"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(avg > 0, (me - avg) / np.where(avg > 0, avg, 1.0), np.nan)
    return float(out) if scalar else out


def _as_series(balances: Any) -> pd.Series:
    """Sparse daily balances -> float Series on a sorted, unique DatetimeIndex (last value per day kept)."""
    if isinstance(balances, pd.DataFrame):
        date_col = "date" if "date" in balances.columns else balances.columns[0]
        bal_col = "balance" if "balance" in balances.columns else balances.columns[-1]
        s = pd.Series(balances[bal_col].to_numpy(dtype="float64", na_value=np.nan),
                      index=pd.to_datetime(balances[date_col]))
    else:
        s = pd.Series(balances).astype("float64")
        s.index = pd.to_datetime(s.index)
    s = s[s.index.notna() & s.notna()]
    s.index = s.index.normalize()
    s = s[~s.index.duplicated(keep="last")] if s.index.has_duplicates else s
    return s.sort_index()


def daily_balances(balances: Any, start: Any, end: Any, open_date: Any = None,
                   fill_leading: bool = False) -> pd.Series:
    """Every calendar day from ``start`` to ``end`` with its balance (SCENARIOS.md §0.3).

    ``balances``: a Series indexed by date or a DataFrame with ``date`` and ``balance`` columns; missing
    days take the previous day's balance (forward fill, also from a balance before ``start``); days before
    the first balance count 0 (an outlet not yet open) unless ``fill_leading`` (then they take the first
    balance: leading holidays before the first exported day); days before ``open_date`` count 0.
    Returns a float Series on the daily DatetimeIndex (empty when end < start).
    """
    idx = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    s = _as_series(balances)
    if len(idx) == 0:
        return pd.Series(dtype="float64", index=idx)
    full = s.reindex(s.index.union(idx)).ffill()
    if fill_leading:
        full = full.bfill()
    out = full.reindex(idx).fillna(0.0)
    if open_date is not None and not pd.isna(open_date):
        out[out.index < pd.Timestamp(open_date).normalize()] = 0.0
    return out


def daily_average(balances: Any, start: Any = None, end: Any = None) -> float:
    """日均 = Σ daily balances from ``start`` to ``end`` / calendar days (SCENARIOS.md §0.3, §7).

    ``balances``: Series indexed by date / DataFrame (date, balance) — forward-filled over missing days,
    days before the first balance count 0 — or a plain sequence of numbers taken as consecutive days
    (NaN = previous day's value). ``start``/``end`` default to the first/last date. Example (§8): 500, 1000,
    0, 0, 0 -> 300. Returns NaN for an empty period.
    """
    if not isinstance(balances, (pd.Series, pd.DataFrame)):
        arr = pd.Series(np.asarray(balances, dtype="float64")).ffill().fillna(0.0)
        return float(arr.mean()) if len(arr) else float("nan")
    s = _as_series(balances)
    if start is None:
        start = s.index.min()
    if end is None:
        end = s.index.max()
    if start is None or pd.isna(start) or pd.isna(end):
        return float("nan")
    days = daily_balances(s, start, end)
    return float(days.sum() / len(days)) if len(days) else float("nan")


def factor_shares(factors: pd.DataFrame, weights: Mapping[str, float]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Factor shares s_{k,i} and the combined share Σ_k w_k·s_{k,i} (SCENARIOS.md D5).

    ``factors``: one row per org, columns = the keys of ``weights`` (missing column/NaN/negative -> 0).
    Returns (shares frame with one column per factor plus ``combined``, the effective weights): a factor
    that sums to 0 gets weight 0 and its weight is spread over the others in proportion to theirs; with
    no usable factor, ``combined`` is an equal split.
    """
    out = pd.DataFrame(index=factors.index)
    usable = {}
    for k, w in weights.items():
        v = pd.to_numeric(factors[k], errors="coerce") if k in factors.columns else pd.Series(0.0, index=factors.index)
        v = v.astype("float64").fillna(0.0).clip(lower=0.0)
        tot = v.sum()
        out[k] = v / tot if tot > 0 else 0.0
        usable[k] = float(w) if tot > 0 and w > 0 else 0.0
    wsum = sum(usable.values())
    eff = {k: (w / wsum if wsum > 0 else 0.0) for k, w in usable.items()}
    if wsum > 0:
        out["combined"] = sum(out[k] * eff[k] for k in eff)
    else:
        out["combined"] = 1.0 / len(out) if len(out) else 0.0
    return out, eff


# ============================================================================ helpers
def _excel_row(df: pd.DataFrame, i) -> int | None:
    """The Excel row of row ``i`` of a conformed frame (None when unknown)."""
    v = df.at[i, "_row"]
    return None if pd.isna(v) else int(v)


def _period_of(start, end, as_of: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    s = pd.Timestamp(as_of.year, 1, 1) if start is None or pd.isna(start) else pd.Timestamp(start).normalize()
    e = pd.Timestamp(s.year, 12, 31) if end is None or pd.isna(end) else pd.Timestamp(end).normalize()
    if pd.isna(start) and not pd.isna(end):
        s = pd.Timestamp(e.year, 1, 1)
    return s, e


def _months(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Period]:
    return list(pd.period_range(start, end, freq="M"))


def _choose_metric(values: pd.Series, wanted: str) -> str | None:
    vals = [v for v in pd.unique(values.dropna().astype(str).str.strip()) if v]
    if not vals:
        return None
    if wanted:
        return wanted
    return DEFAULT_METRIC if DEFAULT_METRIC in vals else vals[0]


BALANCE_DEFAULT_METRIC = "各项存款"  # an empty 指标 in 机构日余额 means this (tables.py)


def _balances_of_metric(bal: pd.DataFrame, metric: str, notes: list[str]) -> pd.DataFrame:
    """Rows of 机构日余额 for the target ``metric`` (各项存款日均 -> 各项存款: the name without 日均).

    An absent or all-empty 指标 column: every row is taken as the target's metric (noted). Empty 指标 in a
    column with values counts as 各项存款 (the table default). Raises DataValidationError naming the metric,
    the table and the metrics found when none matches."""
    bm = bal["metric"]
    choices = [v for v in pd.unique(bm.dropna()) if v]
    if not choices:
        notes.append(f"机构日余额没有「指标」(metric) 值, 按考核指标「{metric}」的日余额使用。")
        return bal
    short = metric.replace("日均", "").strip()
    pick = next((c for c in (metric, short) if c and c in choices), None)
    if pick is None:
        found = "、".join(f"「{c}」" for c in choices)
        raise DataValidationError(
            f"机构日余额(org_daily_balances)中没有考核指标「{metric}」的余额(查找指标「{short}」或「{metric}」); "
            f"表中的指标: {found}。请导出该指标的机构日余额, 或把参数「考核指标」改为与日余额一致的指标。",
            f"Table 机构日余额 (org_daily_balances) has no balances for the target metric '{metric}' (looked for "
            f"'{short}' or '{metric}'); metrics found: {', '.join(choices)}. Export the daily balances of that "
            "metric or choose a matching target metric (parameter 考核指标).",
            table="org_daily_balances", column="metric", column_zh="指标")
    empty = bm.isna() | (bm == "")
    keep = bm == pick
    if pick == BALANCE_DEFAULT_METRIC:
        keep = keep | empty
    elif empty.any():
        notes.append(f"机构日余额中 {int(empty.sum())} 行指标为空(默认 {BALANCE_DEFAULT_METRIC}), 未计入「{pick}」。")
    if len(choices) > 1:
        notes.append(f"机构日余额含多个指标({'、'.join(choices)}), 取「{pick}」。")
    return bal[keep.fillna(False).to_numpy(dtype=bool)]


@dataclass
class _Unit:
    """One org being tracked."""

    org_id: str
    name: str
    base: float
    target: float
    delta: float
    start: pd.Timestamp
    end: pd.Timestamp
    open_date: Any
    row: int | None
    is_root: bool = False


# ============================================================================ the scenario
def run(tables: Mapping[str, pd.DataFrame], params: TargetParams, ctx: RunContext) -> Report:
    """Decompose the bank's deposit target and track every org against it (module docstring for shapes)."""
    p = params
    unit = float(p.rounding_unit)
    notes: list[str] = []
    tg_all = tables["deposit_targets"]
    bal_all = tables["org_daily_balances"]
    orgs = tables.get("orgs")

    # -- metric selection ---------------------------------------------------------------------------
    metric = DEFAULT_METRIC
    tg = tg_all
    if tg_all["metric"].notna().any():
        metric = _choose_metric(tg_all["metric"], p.metric.strip()) or DEFAULT_METRIC
        m = tg_all["metric"]
        keep = (m == metric) | m.isna() | (m == "")
        others = sorted(set(m[~keep].dropna()))
        if others:
            notes.append(f"存款目标表含多个指标, 本报告只分解「{metric}」; 未处理: {', '.join(others)}。")
        tg = tg_all[keep]
    bal = _balances_of_metric(bal_all, metric, notes)

    # -- duplicates -----------------------------------------------------------------------------------
    tg = tg[tg["org_id"].notna()]
    dup = tg["org_id"].duplicated(keep="first")
    ctx.problem("deposit_targets", tg.loc[dup, "_row"], "org_id", "DUP_KEY", tg.loc[dup, "org_id"],
                "同一机构同一指标有多行", "保留第一行, 该行未使用")
    tg = tg[~dup]
    tg = _drop_reversed_periods(tg, ctx)

    names, parents, staff_from_orgs, open_dates = {}, {}, {}, {}
    if orgs is not None and len(orgs):
        oid = orgs["org_id"]
        names = dict(zip(oid, orgs["org_name"]))
        parents = dict(zip(oid, orgs["parent_id"]))
        staff_from_orgs = dict(zip(oid, orgs["staff_count"].astype("float64")))
        open_dates = dict(zip(oid, orgs["open_date"]))

    tgt = tg["target"]
    has_target = tgt.notna()
    n_target = int(has_target.sum())
    decompose = n_target == 1 and (~has_target).sum() >= 1
    bad_target = has_target & (tgt <= 0)
    tg_sheet = tg_all.attrs.get("sheet") if hasattr(tg_all, "attrs") else None
    if bad_target.any() and (decompose or bool(bad_target[has_target].all())):
        # the bank-level target of a decomposition (or every org target): nothing sensible can be computed
        _raise_bad_targets(tg, tg.index[bad_target], tg_sheet, decompose)
    method = _method_lines(p)

    if n_target == 0:
        return _empty_report(p, ctx, method, notes + [
            "存款目标表中没有任何「目标日均」(target), 无法分解或跟踪。请在全行(或各机构)行填写目标日均。"])

    def name_of(org: str) -> str:
        v = names.get(org)
        return "" if v is None or pd.isna(v) else str(v)

    def base_of(i) -> float:
        b = tg.at[i, "base"]
        if pd.isna(b):
            b = tg.at[i, "prior_avg"]
        return float(b) if not pd.isna(b) else np.nan

    factors_df = None
    shares = None
    eff: dict[str, float] = {}
    if decompose:
        ri = tg.index[has_target][0]
        root_id = str(tg.at[ri, "org_id"])
        start, end = _period_of(tg.at[ri, "period_start"], tg.at[ri, "period_end"], ctx.as_of)
        outs = tg[~has_target].copy()
        ids = outs["org_id"].astype(str)
        if parents:
            inner = {str(parents.get(o)) for o in ids if not pd.isna(parents.get(o))}
            skip = ids.isin(inner)
            if skip.any():
                notes.append(f"{int(skip.sum())} 个上级机构行({', '.join(ids[skip])})未参与分解, 只分解到最末级机构。")
                outs, ids = outs[~skip], ids[~skip]
        fac = pd.DataFrame({k: outs[k].astype("float64") for k in FACTORS}, index=outs.index)
        if staff_from_orgs:
            fill = ids.map(lambda o: staff_from_orgs.get(o, np.nan)).astype("float64")
            fac["staff_count"] = fac["staff_count"].fillna(fill)
        for k in FACTORS:
            na = fac[k].isna()
            ctx.problem("deposit_targets", outs.loc[na, "_row"], k, "REQUIRED_EMPTY", None,
                        f"分解因子「{_FACTOR_LABEL[k]}」为空", "按 0 计入占比")
            if k != "prior_increment":
                neg = fac[k] < 0
                ctx.problem("deposit_targets", outs.loc[neg, "_row"], k, "NEG_BALANCE", fac.loc[neg, k],
                            f"分解因子「{_FACTOR_LABEL[k]}」为负", "按 0 计入占比")
        shares, eff = factor_shares(fac, p.weights)
        bases = pd.Series([base_of(i) for i in outs.index], index=outs.index).fillna(0.0)
        rb = tg.at[ri, "base"]
        if pd.isna(rb):
            rb = tg.at[ri, "prior_avg"]
        bank_base = float(bases.sum()) if pd.isna(rb) else float(rb)
        bank_target = float(tg.at[ri, "target"])
        d_total = bank_target - bank_base
        parts = largest_remainder(shares["combined"].to_numpy(), d_total, unit) if len(outs) else np.zeros(0)
        if abs(bases.sum() - bank_base) > 0.5:
            notes.append(f"全行基期日均 {bank_base / ctx.scale:,.2f}{ctx.unit} ≠ 各机构基期之和 "
                         f"{bases.sum() / ctx.scale:,.2f}{ctx.unit}: 各机构目标合计 = 各机构基期之和 + ΔT, 与全行目标相差 "
                         f"{(bases.sum() - bank_base) / ctx.scale:,.2f}{ctx.unit}。")
        units = [_Unit(o, name_of(o), float(bases[i]), float(bases[i] + parts[j]), float(parts[j]), start, end,
                       open_dates.get(o), _excel_row(outs, i))
                 for j, (i, o) in enumerate(zip(outs.index, ids))]
        root = _Unit(root_id, name_of(root_id) or "全行", bank_base, bank_target, d_total, start, end, None,
                     _excel_row(tg, ri), is_root=True)
        factors_df = fac
    else:
        ctx.problem("deposit_targets", tg.loc[~has_target, "_row"], "target", "REQUIRED_EMPTY", None,
                    "文件含多个机构目标(跟踪模式), 此行无目标日均", "未参与跟踪")
        ctx.problem("deposit_targets", tg.loc[bad_target, "_row"], "target", "VALUE_INVALID",
                    tgt[bad_target].map(_fmt_value), "机构 " + tg.loc[bad_target, "org_id"]
                    + " 的目标日均 ≤ 0, 目标日均应为正数(元)", "该机构未参与跟踪, 请更正目标日均后重新运行")
        if bad_target.any():
            notes.append(f"{int(bad_target.sum())} 个机构的目标日均 ≤ 0 "
                         f"({', '.join(tg.loc[bad_target, 'org_id'].astype(str))}), 未参与跟踪, 见 数据问题。")
        rows = tg[has_target & ~bad_target]
        units = []
        for i in rows.index:
            o = str(rows.at[i, "org_id"])
            s, e = _period_of(rows.at[i, "period_start"], rows.at[i, "period_end"], ctx.as_of)
            b = base_of(i)
            t = float(rows.at[i, "target"])
            units.append(_Unit(o, name_of(o), b, t, t - b if not pd.isna(b) else np.nan, s, e, open_dates.get(o),
                               _excel_row(rows, i)))
            if pd.isna(b):
                ctx.problem("deposit_targets", [units[-1].row], "base", "REQUIRED_EMPTY", None,
                            "基期日均与上年日均均为空", "不计算增量任务与任务进度")
        root = None
        start, end = units[0].start, units[0].end
        notes.append("文件中各机构已有各自的目标日均: 未做分解, 只做时间分解与跟踪(所需日均、偏离度、进度)。")

    # -- daily balances --------------------------------------------------------------------------------
    series, data_start, data_end = _balance_series(bal)
    if data_end is not None and data_end < ctx.as_of:
        notes.append(f"机构日余额最新日期 {data_end:%Y-%m-%d} 早于数据日期 {ctx.as_of:%Y-%m-%d}, 其后各日按最后余额前向填充。")
    tracked = units + ([root] if root is not None else [])
    for u in units:
        if u.org_id not in series:
            where = f"(存款目标表第 {u.row} 行的机构)" if u.row is not None else ""
            ctx.problem("org_daily_balances", [None], "org_id", "REQUIRED_EMPTY", [u.org_id],
                        f"机构日余额中没有机构 {u.org_id}{' ' + u.name if u.name else ''} 的任何余额{where}",
                        "该机构余额按 0 计(日均、进度为 0); 请补导该机构的机构日余额")
    neg = {o: s_ for o, s_ in series.items() if (s_ < 0).any()}
    if neg:
        n_neg = sum(int((s_ < 0).sum()) for s_ in neg.values())
        notes.append(f"机构日余额中有 {n_neg} 个负余额(机构 {', '.join(neg)}), 已按原值计入日均与进度; "
                     "存款余额不应为负, 请核对(导入时记为 NEG_BALANCE)。")
    if root is not None and root.org_id not in series and units:
        notes.append("机构日余额中没有全行行, 全行余额 = 各分解机构余额之和。")

    def days_for(u: _Unit, s: pd.Timestamp, e: pd.Timestamp) -> pd.Series | None:
        """Daily balances of ``u`` over s..e; None when the data do not reach back to ``s``."""
        if e < s:
            return pd.Series(dtype="float64")
        if data_start is None:
            return None
        lead = False
        if data_start > s:
            gap = pd.date_range(s, data_start - pd.Timedelta(days=1))
            wd = np.asarray(ctx.calendar.is_workday(gap.values)) if ctx.calendar is not None else np.ones(len(gap), bool)
            if wd.any():
                return None
            lead = True
        if u.is_root and u.org_id not in series:
            out = pd.Series(0.0, index=pd.date_range(s, e))
            for v in units:
                one = days_for(v, s, e)
                if one is None:
                    return None
                out = out + one
            return out
        raw = series.get(u.org_id)
        if raw is None:
            return pd.Series(0.0, index=pd.date_range(s, e))
        first = raw.index.min()
        return daily_balances(raw, s, e, open_date=u.open_date, fill_leading=lead and first <= data_start)

    months = _months(start, end)
    q_keys, q_weights = _quarters(months, p.quarter_progress)
    season, season_src = _seasonal(series, units, root, start, end, months, ctx, days_for)
    q_split, m_split = _time_split(tracked, months, q_keys, q_weights, season, unit)

    rep = Report(title=f"存款营销指标分解 {start:%Y-%m-%d}~{end:%Y-%m-%d}", method=method, notes=notes)
    rep.sheets.append(_sheet_decomposition(units, root, factors_df, shares, eff, q_keys, q_split, decompose, p, ctx,
                                           metric, start, end))
    rep.sheets.append(_sheet_monthly(tracked, months, m_split, season, season_src, ctx, start, end))
    track = _tracking(tracked, months, m_split, ctx, p, days_for)
    rep.sheets.append(_sheet_required(track, ctx))
    rep.sheets.append(_sheet_deviation(track, ctx, p))
    rep.sheets.append(_sheet_progress(track, ctx))
    rep.sheets.extend(_sheets_monthly_pivot(tracked, months, m_split, ctx))
    return rep


def _fmt_value(v) -> str:
    return "" if pd.isna(v) else f"{float(v):,.2f}"


def _drop_reversed_periods(tg: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """``tg`` without the rows whose 考核期起 > 考核期止 (both given), each recorded as DATE_ORDER on
    考核期起(period_start) and left out of the decomposition / tracking. Raises DataValidationError (sheet,
    column, first Excel row) when such a row held a 目标日均 and no row with a 目标日均 remains."""
    rev = (tg["period_start"] > tg["period_end"]).fillna(False).to_numpy(dtype=bool)
    if not rev.any():
        return tg
    bad = tg[rev]
    shown = bad["period_start"].dt.strftime("%Y-%m-%d") + " > " + bad["period_end"].dt.strftime("%Y-%m-%d")
    ctx.problem("deposit_targets", bad["_row"], "period_start", "DATE_ORDER", shown,
                "考核期起晚于考核期止", "该机构行未参与分解与跟踪, 请更正考核期后重新运行")
    keep = tg[~rev]
    if bad["target"].notna().any() and not keep["target"].notna().any():
        hit = bad["target"].notna()
        bad, shown = bad[hit], shown[hit]
        first = _excel_row(bad, bad.index[0])
        where = "、".join(f"机构 {o}" + ("" if pd.isna(r) else f"(第 {int(r)} 行)") + f": {v}"
                         for o, r, v in zip(bad["org_id"][:5], bad["_row"][:5], shown[:5]))
        where += " 等" if len(bad) > 5 else ""
        raise DataValidationError(
            f"存款目标表(deposit_targets)中有目标日均的行考核期起晚于考核期止: {where}。没有可用的考核期, "
            "无法分解或跟踪。请更正考核期起/考核期止后重新运行。",
            f"Table 存款目标 (deposit_targets): the period start (考核期起) is after the period end (考核期止) on "
            f"every row with a target ({', '.join(shown[:5])}{' …' if len(bad) > 5 else ''}); no usable period remains. Correct the period and run "
            "again.",
            table="deposit_targets", sheet=tg.attrs.get("sheet"), column="period_start", column_zh="考核期起",
            excel_row=first)
    return keep


def _raise_bad_targets(tg: pd.DataFrame, idx, sheet: str | None, decompose: bool) -> None:
    """Stop with a DataValidationError naming the sheet, column 目标日均(target) and Excel row(s) of
    targets ≤ 0 — used for the bank-level target of a decomposition and when every org target is ≤ 0.

    A decomposition hinges on that one number (the outlets have no targets of their own), so a report
    built on a zero or negative target would show nonsense tasks; the branch head gets the cell to fix."""
    rows = [_excel_row(tg, i) for i in idx]
    first = rows[0] if rows else None
    vals = "、".join(f"机构 {tg.at[i, 'org_id']}" + (f"(第 {r} 行)" if r is not None else "") + f" = {_fmt_value(tg.at[i, 'target'])} 元"
                    for i, r in zip(idx, rows))
    what = "全行(分解)目标日均" if decompose else "各机构的目标日均"
    raise DataValidationError(
        f"存款目标表(deposit_targets)中{what} ≤ 0: {vals}。目标日均是考核期日均余额目标, 必须为正数(元), "
        "无法据此分解或跟踪。请在该单元格填写正确的目标日均后重新运行。",
        f"Table 存款目标 (deposit_targets): the {'bank-level ' if decompose else ''}target (目标日均) must be "
        f"> 0; found {', '.join(_fmt_value(tg.at[i, 'target']) for i in idx)} (Excel row(s) "
        f"{', '.join(str(r) for r in rows)}). Enter the positive target daily average (元) and run again.",
        table="deposit_targets", sheet=sheet, column="target", column_zh="目标日均", excel_row=first)


_FACTOR_LABEL = {"prior_avg": "上年日均", "prior_increment": "上年日均增量", "potential": "市场潜力",
                 "staff_count": "人数"}


def _balance_series(bal: pd.DataFrame) -> tuple[dict[str, pd.Series], pd.Timestamp | None, pd.Timestamp | None]:
    if bal is None or len(bal) == 0:
        return {}, None, None
    b = bal[bal["date"].notna() & bal["org_id"].notna()]
    if len(b) == 0:
        return {}, None, None
    frame = pd.DataFrame({"org_id": b["org_id"].to_numpy(), "date": b["date"].to_numpy(),
                          "balance": b["balance"].to_numpy()})
    frame = frame[frame["balance"].notna()]
    out = {o: _as_series(g[["date", "balance"]]) for o, g in frame.groupby("org_id", sort=True)}
    if not out:
        return {}, None, None
    return out, pd.Timestamp(frame["date"].min()), pd.Timestamp(frame["date"].max())


def _quarters(months: list[pd.Period], progress: Sequence[float]) -> tuple[list[tuple[int, int]], list[float]]:
    keys = []
    for m in months:
        k = (m.year, m.quarter)
        if k not in keys:
            keys.append(k)
    prog = list(progress) + [0.0] * 4
    w = [max(float(prog[q - 1]), 0.0) for _, q in keys]
    if sum(w) <= 0:
        w = [1.0] * len(keys)
    return keys, w


def _seasonal(series, units, root, start, end, months, ctx, days_for) -> tuple[dict[pd.Period, float], str]:
    """Month weight inside its quarter from the prior-year bank-total monthly daily averages."""
    equal = {}
    for m in months:
        same_q = [x for x in months if (x.year, x.quarter) == (m.year, m.quarter)]
        equal[m] = 1.0 / len(same_q)
    if not series or not months:
        return equal, "季内平均(无上年日余额)"
    prior = [m - 12 for m in months]
    observed = set()
    for s in series.values():
        observed.update(s.index.to_period("M"))
    if not all(pm in observed for pm in prior):
        return equal, "季内平均(日余额未覆盖上年同期各月)"
    ids = [u.org_id for u in units if u.org_id in series] or list(series)
    total = None
    ps, pe = prior[0].start_time, prior[-1].end_time.normalize()
    for o in ids:
        d = daily_balances(series[o], ps, pe)
        total = d if total is None else total + d
    avg = total.groupby(total.index.to_period("M")).mean()
    out = {}
    for m, pm in zip(months, prior):
        same_q = [(x, x - 12) for x in months if (x.year, x.quarter) == (m.year, m.quarter)]
        qsum = sum(max(float(avg.get(y, 0.0)), 0.0) for _, y in same_q)
        out[m] = max(float(avg.get(pm, 0.0)), 0.0) / qsum if qsum > 0 else 1.0 / len(same_q)
    return out, "上年同月全行日均(季内占比)"


def _time_split(tracked, months, q_keys, q_weights, season, unit):
    q_split: dict[str, list[float]] = {}
    m_split: dict[str, dict[pd.Period, float]] = {}
    for u in tracked:
        if pd.isna(u.delta):
            q_split[u.org_id] = [np.nan] * len(q_keys)
            m_split[u.org_id] = {m: np.nan for m in months}
            continue
        qs = largest_remainder(q_weights, u.delta, unit) if q_keys else np.zeros(0)
        q_split[u.org_id] = list(qs)
        mm = {}
        for (y, q), qv in zip(q_keys, qs):
            ms = [m for m in months if (m.year, m.quarter) == (y, q)]
            for m, v in zip(ms, largest_remainder([season[m] for m in ms], qv, unit)):
                mm[m] = float(v)
        m_split[u.org_id] = mm
    return q_split, m_split


def monthly_task_table(tracked, months, m_split, ctx: RunContext) -> pd.DataFrame:
    """月度任务明细 (name ``monthly_tasks``), the pivot source: one row per (outlet, month) with 机构号, 机构名称,
    季度 (Qn, or yyyy-Qn over two years), 月份 (yyyy-mm) and the month's increment task (display unit);
    months without a task (NaN: the outlet is not decomposed) are left out."""
    years = {m.year for m in months}
    rows = [{"机构号": u.org_id, "机构名称": u.name,
             "季度": f"Q{m.quarter}" if len(years) == 1 else f"{m.year}-Q{m.quarter}", "月份": f"{m:%Y-%m}",
             ctx.money_label("月度增量任务"): v / ctx.scale}
            for u in tracked if not u.is_root for m in months
            if not pd.isna(v := m_split[u.org_id].get(m, np.nan))]
    cols = ["机构号", "机构名称", "季度", "月份", ctx.money_label("月度增量任务")]
    return pd.DataFrame(rows, columns=cols)


def monthly_pivot_spec(ctx: RunContext) -> PivotSpec:
    """Native PivotTable over 月度任务明细: rows 机构名称, columns 季度 → 月份, value 求和 月度增量任务."""
    task = ctx.money_label("月度增量任务")
    return PivotSpec(name="月度任务透视", rows=("机构名称",), columns=("季度", "月份"),
                     values=(DataField(task, "sum", caption=f"增量任务({ctx.unit})", num_format="#,##0.00"),))


def _sheets_monthly_pivot(tracked, months, m_split, ctx: RunContext) -> list[Sheet]:
    """月度透视 (native PivotTable, :func:`monthly_pivot_spec`) + its source sheet 月度任务明细."""
    df = monthly_task_table(tracked, months, m_split, ctx)
    if not len(df):
        return []
    return [
        Sheet("月度透视", [
            Note(title="月度增量任务 — Excel 数据透视表",
                 lines=[("数据源: 「月度任务明细」表 monthly_tasks, 每行一个机构一个月; 打开文件时 Excel 自动刷新"
                         "(受保护的视图下需先点「启用编辑」), 可拖动 机构/季度/月份 调整行列。"),
                        f"数值 = 月度增量任务({ctx.unit}), 与「月度分解」一致。"]),
            PivotBlock(monthly_pivot_spec(ctx), "monthly_tasks", title=f"各机构月度增量任务({ctx.unit})"),
        ]),
        Sheet("月度任务明细", [Table(df, name="monthly_tasks", title="月度任务明细(透视表数据源)",
                                   text_columns=("机构号", "月份"))]),
    ]


def _tracking(tracked, months, m_split, ctx: RunContext, p: TargetParams, days_for) -> pd.DataFrame:
    """One row per (org, 口径) with N, d, S_d, A*, R, current, gap, reachability, month-end deviation."""
    as_of = ctx.as_of
    cur_m = as_of.to_period("M")
    rows = []
    for u in tracked:
        now = days_for(u, as_of, as_of)
        current = float(now.iloc[-1]) if now is not None and len(now) else np.nan
        spans = []
        if cur_m in months:
            plan = _month_plan(u, months, m_split)
            ms = max(cur_m.start_time, u.start)
            me = min(cur_m.end_time.normalize(), u.end)
            spans.append(("本月", ms, me, plan[cur_m]))
        spans.append(("考核期", u.start, u.end, u.target))
        for label, s, e, a in spans:
            n = (e - s).days + 1
            d = int(min(max((as_of - s).days + 1, 0), n))
            daily = days_for(u, s, min(e, as_of)) if d > 0 else pd.Series(dtype="float64")
            covered = daily is not None
            s_d = float(daily.sum()) if covered else np.nan
            r = required_daily_balance(a, n, s_d, d) if covered else np.nan
            gap = r - current if d < n else np.nan
            rows.append({"org_id": u.org_id, "name": u.name, "root": u.is_root, "span": label, "start": s, "end": e,
                         "N": n, "d": d, "S": s_d, "A": a, "R": r, "current": current, "gap": gap,
                         "base": u.base, "target": u.target, "covered": covered,
                         "reach": reach_label(r, current, a, n, d, covered, p.unreachable_factor)})
    return pd.DataFrame(rows)


def _month_days(months: Sequence[pd.Period], start: pd.Timestamp, end: pd.Timestamp) -> list[int]:
    """Days of each month that lie inside start..end."""
    return [(min(m.end_time.normalize(), end) - max(m.start_time, start)).days + 1 for m in months]


def _month_plan(u: "_Unit", months, m_split) -> dict:
    """本月目标日均 a_m of ``u`` for every month (:func:`monthly_targets`); without an increment plan (no
    base) every month's target is the annual target (also consistent with it)."""
    inc = [m_split[u.org_id].get(m, np.nan) for m in months]
    if pd.isna(u.delta) or pd.isna(u.base) or any(pd.isna(x) for x in inc):
        return {m: u.target for m in months}
    a = monthly_targets(u.base, inc, _month_days(months, u.start, u.end))
    return dict(zip(months, (float(x) for x in a)))


def reach_label(r, current, a, n, d, covered=True, factor=2.0) -> str:
    """可达性 of one org for one span — the single rule used by the report and the D5 template.

    ``r`` R (所需日均; at d >= n the actual average), ``current`` 当前余额, ``a`` A*, ``n`` N, ``d`` d,
    ``covered`` whether the daily balances reach back to the span start, ``factor`` 不可达倍数. Labels:
    d >= n: 已达成 (r >= a) / 未达成(期已结束); else R <= 当前余额: 当前余额已满足; 当前余额 <= 0 (or missing) or
    R > factor × 当前余额: 基本不可达; otherwise 需提升. Not covered: 日余额未覆盖期初, 无法计算; r or a missing: —.
    """
    if not covered:
        return "日余额未覆盖期初, 无法计算"
    if d >= n:
        return REACHED if r >= a else NOT_REACHED
    if pd.isna(r) or pd.isna(a):
        return "—"
    if not pd.isna(current) and r <= current:
        return SATISFIED
    if pd.isna(current) or current <= 0 or r > factor * current:
        return UNREACHABLE
    return RAISE


_ACTION = {
    SATISFIED: "保持余额, 防止月末/季末冲高后回落",
    RAISE: "按缺口安排营销, 每日余额须达到所需日均",
    UNREACHABLE: "所需日均超过当前余额的不可达倍数: 评估目标, 上报调整或集中重点客户",
    REACHED: "期已结束, 已达成目标",
    NOT_REACHED: "期已结束, 分析未达成原因",
}


# ============================================================================ sheets
def _quarter_labels(q_keys) -> list[str]:
    years = {y for y, _ in q_keys}
    return [QUARTER_ZH[q - 1] if len(years) == 1 else f"{y}年{QUARTER_ZH[q - 1]}" for y, q in q_keys]


def _sheet_decomposition(units, root, fac, shares, eff, q_keys, q_split, decompose, p, ctx, metric, start, end) -> Sheet:
    ml = ctx.money_label
    qlab = _quarter_labels(q_keys)
    rows = []
    for j, u in enumerate(units):
        r = {"机构号": u.org_id, "机构名称": u.name}
        if decompose:
            idx = fac.index[j]
            r[ml("上年日均")] = fac.at[idx, "prior_avg"] / ctx.scale
            r[ml("上年日均增量")] = fac.at[idx, "prior_increment"] / ctx.scale
            r[ml("市场潜力")] = fac.at[idx, "potential"] / ctx.scale
            r["人数"] = fac.at[idx, "staff_count"]
            for k in FACTORS:
                r[f"{FACTOR_ZH[k]}占比"] = shares.at[idx, k]
            r["综合占比"] = shares.at[idx, "combined"]
        r[ml("基期日均")] = u.base / ctx.scale
        r[ml("增量任务ΔT_i")] = u.delta / ctx.scale
        r[ml("目标日均")] = u.target / ctx.scale
        for lab, v in zip(qlab, q_split[u.org_id]):
            r[ml(f"{lab}增量")] = v / ctx.scale
        rows.append(r)
    df = pd.DataFrame(rows)
    if not len(df):
        df = pd.DataFrame(columns=["机构号", "机构名称", ml("基期日均"), ml("增量任务ΔT_i"), ml("目标日均")])
    fmts = {c: "pct" for c in df.columns if str(c).endswith("占比")}
    fmts["人数"] = "int"
    blocks: list = []
    pairs = [("考核指标", metric), ("考核期", f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"),
             ("模式", "分解: 全行目标按因子分解到各机构" if decompose else "跟踪: 各机构已有目标, 未分解")]
    if root is not None:
        pairs += [(ml("全行目标日均"), f"{root.target / ctx.scale:,.2f}"),
                  (ml("全行基期日均"), f"{root.base / ctx.scale:,.2f}"),
                  (ml("增量任务ΔT"), f"{root.delta / ctx.scale:,.2f}"),
                  ("有效权重", " / ".join(f"{FACTOR_ZH[k]} {eff.get(k, 0):.0%}" for k in FACTORS)),
                  ("取整", f"最大余数法取整到 {p.rounding_unit:,.0f} 元, 合计行 = 全行 ΔT")]
        rest = abs(root.delta) % p.rounding_unit
        if units and rest > 1e-6:
            j = max(range(len(units)), key=lambda k: (shares["combined"].iloc[k], -k))
            pairs.append(("零头", (f"ΔT 不是 {p.rounding_unit:,.0f} 元的整数倍: 零头 {rest:,.2f} 元计入占比最大的"
                                  f"「{units[j].name or units[j].org_id}」, 以保证合计 = ΔT")))
    blocks.append(Note(title="存款指标分解 Target decomposition", pairs=pairs))
    blocks.append(Table(df, name="decomposition", title="机构分解表", total_row=True, formats=fmts,
                        text_columns=("机构号",),
                        note="占比为因子份额(负值按 0); 目标日均 = 基期日均 + 增量任务; 季度增量按开门红进度分解"))
    if len(df):
        blocks.append(Chart(table="decomposition", categories="机构名称" if df["机构名称"].astype(str).str.len().gt(0).all()
                            else "机构号", series=[ml("增量任务ΔT_i")], kind="bar", title="各机构增量任务",
                            height=max(260, 24 * len(df) + 80), number_format="#,##0"))
    return Sheet("指标分解", blocks)


def _sheet_monthly(tracked, months, m_split, season, season_src, ctx, start, end) -> Sheet:
    years = {m.year for m in months}
    lab = {m: (f"{m.month}月" if len(years) == 1 else f"{m:%Y-%m}") for m in months}
    mdays = _month_days(months, start, end)
    n = sum(mdays)
    rows, trows = [], []
    for u in tracked:
        r = {"机构号": u.org_id, "机构名称": u.name}
        t = dict(r)
        plan = _month_plan(u, months, m_split)
        for m in months:
            r[ctx.money_label(f"{lab[m]}增量")] = m_split[u.org_id].get(m, np.nan) / ctx.scale
            t[ctx.money_label(f"{lab[m]}日均目标")] = plan[m] / ctx.scale
        t[ctx.money_label("按月目标折算全年日均")] = sum(plan[m] * k for m, k in zip(months, mdays)) / n / ctx.scale
        t[ctx.money_label("考核期目标日均")] = u.target / ctx.scale
        trows.append(t)
        if not u.is_root:
            rows.append(r)
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["机构号", "机构名称"])
    tdf = pd.DataFrame(trows) if trows else pd.DataFrame(columns=["机构号", "机构名称"])
    sf = pd.DataFrame({"月份": [f"{m:%Y-%m}" for m in months], "季度": [f"Q{m.quarter}" for m in months],
                       "季内占比": [season.get(m, np.nan) for m in months]})
    return Sheet("月度分解", [
        Note(title="月度增量任务 Monthly split",
             lines=[f"季度增量按季节因子分到月: {season_src}; 最大余数法取整, 各月之和 = 季度增量。",
                    ("月度增量 = 年累计日均(考核期初至该月末的日均)比基期增加的计划: 到 m 月末年累计日均应达 "
                     "基期日均 + 截至 m 月的累计增量, 12 月末即目标日均。"),
                    ("本月日均目标 a_m = 基期日均 + (C_m×D_m − C_(m−1)×D_(m−1))/当月天数 (C = 累计增量, D = 期初至月末天数): "
                     "每月都恰好达到本月日均目标, 全年日均就恰好等于目标日均(见「按月目标折算全年日均」列)。")]),
        Table(df, name="monthly", title="各机构月度增量任务", total_row=True, text_columns=("机构号",)),
        Table(tdf, name="monthly_avg_targets", title="各机构本月日均目标(每月当月日均应达到的余额)",
              text_columns=("机构号",)),
        Table(sf, name="seasonal", title="季节因子", formats={"季内占比": "pct"}),
    ])


def _sheet_required(track: pd.DataFrame, ctx) -> Sheet:
    ml = ctx.money_label
    if len(track):
        df = pd.DataFrame({
            "机构号": track["org_id"], "机构名称": track["name"], "口径": track["span"],
            "期起": track["start"], "期止": track["end"], "期长N(天)": track["N"].astype("int64"),
            "已过d(天)": track["d"].astype("int64"), f"累计余额S_d({ctx.unit}·日)": track["S"] / ctx.scale,
            ml("目标日均A*"): track["A"] / ctx.scale, ml("所需日均R"): track["R"] / ctx.scale,
            ml("当前余额"): track["current"] / ctx.scale, ml("缺口"): track["gap"] / ctx.scale,
            "可达性": track["reach"], "建议动作": track["reach"].map(_ACTION).fillna("补齐日余额数据后重算"),
        })
    else:
        df = pd.DataFrame(columns=["机构号", "机构名称", "口径", "可达性", "建议动作"])
    return Sheet("所需日均", [
        Note(title="所需日均余额 Required daily balance",
             lines=[("R = (A*·N − S_d)/(N − d): 剩余每天平均需达到的余额; 缺口 = R − 当前余额; "
                    "d = N 时 R 列为实际日均。"),
                    ("本月口径 A* = 本月日均目标 a_m(见「月度分解」: 使年累计日均达到序时进度的当月日均, 各月都达到则全年"
                     "恰好达到目标日均); 考核期口径 A* = 目标日均。"),
                    ("两种口径一致: 本月达到本月目标且以后各月也达到, 考核期就达到; 考核期「需提升」而本月「当前余额已满足」"
                     "表示按进度计划后续月份的日均目标更高, 余额还需继续增长。")]),
        Table(df, name="required", title="各机构所需日均", text_columns=("机构号",),
              conditional=[Conditional(["可达性"], kind="text", value=UNREACHABLE, style="bad"),
                           Conditional([ml("缺口")], kind="cell", criteria=">", value=0, style="warn")]),
    ])


def _sheet_deviation(track: pd.DataFrame, ctx, p: TargetParams) -> Sheet:
    ml = ctx.money_label
    mt = track[track["span"] == "本月"] if len(track) else track
    rows = []
    for r in mt.itertuples(index=False):
        n, d, s, cur = r.N, r.d, r.S, r.current
        if not r.covered or d == 0:
            continue
        if d >= n:
            avg_pred, me = s / n, cur
            cap = np.nan
        else:
            avg_pred = (s + cur * (n - d)) / n
            me = cur
            rest = s + cur * (n - d - 1)
            cap = (1 + p.deviation_limit) * rest / (n - 1 - p.deviation_limit) if n - 1 - p.deviation_limit > 0 else np.nan
        dev = deviation(me, avg_pred)
        warn = WARN if (not pd.isna(dev) and dev > p.deviation_limit) else "正常"
        rows.append({"机构号": r.org_id, "机构名称": r.name, "本月天数": n, "已过天数": d,
                     ml("本月至今日均"): s / d / ctx.scale, ml("当前余额"): cur / ctx.scale,
                     ml("预测月末余额"): me / ctx.scale, ml("预测当月日均"): avg_pred / ctx.scale,
                     "偏离度": dev, "预警": warn, ml("月末余额上限"): cap / ctx.scale,
                     "建议动作": (f"月末余额宜控制在 {cap / ctx.scale:,.2f}{ctx.unit} 以内, 避免冲时点" if warn == WARN
                              and not pd.isna(cap) else ("月末偏离度超限, 说明原因" if warn == WARN else "正常"))})
    cols = ["机构号", "机构名称", "本月天数", "已过天数", ml("本月至今日均"), ml("当前余额"), ml("预测月末余额"),
            ml("预测当月日均"), "偏离度", "预警", ml("月末余额上限"), "建议动作"]
    df = pd.DataFrame(rows, columns=cols)
    df["本月天数"] = df["本月天数"].astype("int64")
    df["已过天数"] = df["已过天数"].astype("int64")
    return Sheet("偏离度预警", [
        Note(title="月末存款偏离度 Month-end deviation",
             lines=[f"偏离度 = (月末余额 − 当月日均)/当月日均, 超过 {p.deviation_limit:.0%} 预警(SCENARIOS §0.4)。",
                    ("月中: 预测月末余额 = 当前余额(假设余额保持), 预测当月日均 = (S_d + 当前余额×剩余天数)/N;"
                    " 月末余额上限 = 使偏离度不超限的最高月末余额。")]),
        Table(df, name="deviation", title="月末偏离度", text_columns=("机构号",), formats={"偏离度": "pct"},
              conditional=[Conditional(["预警"], kind="text", value=WARN, style="bad")]),
    ])


def _sheet_progress(track: pd.DataFrame, ctx) -> Sheet:
    ml = ctx.money_label
    yt = track[track["span"] == "考核期"] if len(track) else track
    rows = []
    for r in yt.itertuples(index=False):
        time_p = r.d / r.N if r.N else np.nan
        avg = r.S / r.d if r.covered and r.d > 0 else np.nan
        denom = r.target - r.base
        task = (avg - r.base) / denom if not pd.isna(avg) and not pd.isna(denom) and denom != 0 else np.nan
        diff = task - time_p if not pd.isna(task) else np.nan
        state = "—" if pd.isna(diff) else ("领先" if diff >= 0 else "落后")
        rows.append({"机构号": r.org_id, "机构名称": r.name or r.org_id, "时间进度": time_p,
                     ml("期内日均(至今)"): avg / ctx.scale, ml("基期日均"): r.base / ctx.scale,
                     ml("目标日均"): r.target / ctx.scale, "任务进度": task, "进度差": diff, "状态": state})
    cols = ["机构号", "机构名称", "时间进度", ml("期内日均(至今)"), ml("基期日均"), ml("目标日均"), "任务进度", "进度差",
            "状态"]
    df = pd.DataFrame(rows, columns=cols)
    blocks = [Note(title="时间进度 vs 任务进度 Progress",
                   lines=["时间进度 = d/N; 任务进度 = (期内日均至今 − 基期日均)/(目标日均 − 基期日均); 进度差 < 0 为落后。"]),
              Table(df, name="progress", title="进度", text_columns=("机构号",),
                    formats={"时间进度": "pct1", "任务进度": "pct1", "进度差": "pct1"},
                    conditional=[Conditional(["状态"], kind="text", value="落后", style="warn")])]
    if len(df):
        blocks.append(Chart(table="progress", categories="机构名称", series=["时间进度", "任务进度"], kind="column",
                            title="时间进度 vs 任务进度", number_format="0%"))
    return Sheet("进度", blocks)


def _method_lines(p: TargetParams) -> list[str]:
    return [
        "方法依据 SCENARIOS.md D5(指标分解)、§0.3(日均)、§0.4(月末偏离度)。",
        "增量任务 ΔT = 全行目标日均 − 全行基期日均(默认上年日均; 全行行未填时取各机构基期之和); 允许负增量。",
        (f"机构分解 ΔT_i = ΔT × Σ_k w_k·s_(k,i); 权重 存量 {p.weight_stock} / 上年增量 {p.weight_increment} / "
        f"潜力 {p.weight_potential} / 人数 {p.weight_staff}【假设】; 因子份额中负值按 0; 某因子全部为 0 或空时其权重按比例"
        "分给其余因子; 全部因子不可用时平均分配。"),
        f"取整到 {p.rounding_unit:,.0f} 元, 最大余数法(先取整数部分, 余下单位给小数部分最大的机构), 合计恰等于 ΔT。",
        "机构目标日均 = 机构基期日均(默认其上年日均; 新网点无上年日均时为 0) + ΔT_i。",
        (f"季度增量进度 {' / '.join(f'{x:.0%}' for x in p.quarter_progress)}(开门红前置【假设】), 月度按上年同月全行日均的"
        "季内占比(日余额覆盖上年同期各月时), 否则季内平均; 进度指年累计日均(期初至季末/月末的日均)比基期的增量。"),
        ("本月日均目标 a_m = 基期 + (C_m·D_m − C_(m−1)·D_(m−1))/days_m (C_m 截至 m 月累计增量, D_m 期初至 m 月末天数): "
         "Σ a_m·days_m / N = 目标日均, 各月都达标则全年达标。"),
        "日均 = 期内每日余额之和 / 日历天数; 缺日与非营业日按前一日余额填充; 新网点开业前(首笔余额前)记 0(§0.3)。",
        "所需日均 R = (A*·N − S_d)/(N − d); 缺口 = R − 当前余额; R > 不可达倍数 × 当前余额 → 基本不可达; d = N 时输出实际日均。",
        "偏离度 = (月末余额 − 当月日均)/当月日均 > 上限 → 预警; 进度: 时间进度 d/N 对比任务进度 (日均至今 − 基期)/(目标 − 基期)。",
    ]


def _empty_report(p, ctx, method, notes) -> Report:
    lines = notes or ["无数据"]
    rep = Report(title="存款营销指标分解", method=method, notes=notes)
    for name in ("指标分解", "月度分解", "所需日均", "偏离度预警", "进度"):
        rep.sheets.append(Sheet(name, [Note(title=name, lines=lines)]))
    return rep


SPEC = Scenario(
    id="deposit.targets", code="D5", title="存款营销指标分解", group="存款营销",
    inputs=("deposit_targets", "org_daily_balances"), optional_inputs=("orgs",),
    params=TargetParams, run=run,
    summary="全行存款日均目标按存量/增量/潜力/人数分解到机构和季度、月度, 并计算所需日均、偏离度与进度",
    as_of_from=("org_daily_balances", "date"),
    template=build_targets_template, template_file="存款目标分解模板.xlsx",
)
