"""D5 computation: metric choice, checks of 存款目标, daily balances per org, quarterly/monthly split and
tracking (N, d, S_d, A*, R, 可达性) (SCENARIOS.md D5, §0.3). Shapes per function; money in 元."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ....errors import DataValidationError
from ....scenario import RunContext
from .formulas import (_as_series, daily_balances, largest_remainder, monthly_targets, reach_label,
                       required_daily_balance)
from .params import DEFAULT_METRIC, TargetParams


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
