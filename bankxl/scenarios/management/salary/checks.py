"""M1 checks: rows that can be followed across months, blank items, unknown tax months and the
缴费比例提示 (SCENARIOS.md §5 M1). Frames in and out are described per function; money in 元."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....masking import mask_name
from ....scenario import RunContext
from .params import SalaryParams, _zh


def _present(df: pd.DataFrame, cols) -> list[str]:
    """Columns of ``cols`` holding at least one value (a column the file lacks is all blank)."""
    return [c for c in cols if df[c].notna().any()]


def _month_label(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.strftime("%Y-%m").astype("string")


def _names(s: pd.Series, mask: bool) -> pd.Series:
    return mask_name(s) if mask else s.astype("string")


def _dept_of(pay: pd.DataFrame, orgs: pd.DataFrame | None) -> pd.Series:
    """部门/网点 of each row: ``dept``; else the org name from ``orgs``; else 机构号; else 未填部门."""
    dept = pay["dept"].mask(pay["dept"] == "")
    org = pay["org_id"]
    if orgs is not None and len(orgs):
        dept = dept.fillna(org.map(orgs.drop_duplicates("org_id").set_index("org_id")["org_name"]))
    dept = dept.fillna(org.map(lambda v: f"机构 {v}" if pd.notna(v) else pd.NA).astype("string"))
    return dept.fillna("未填部门").astype("string")


def _followable(pay: pd.DataFrame, p: SalaryParams, ctx: RunContext, notes: list[str]
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Keep the rows that can be followed across months: a usable 月份 (within ``p.month_range`` years of the
    as-of month) and a 员工号. Returns (kept rows, ``lost`` = rows (emp_id, _row) of a known employee whose
    month is blank, unreadable or implausible, months that hold rows without 员工号).

    An implausible month (e.g. 1900-01, 2099-12) is DATE_INVALID on 月份 (the loader records blank and
    unreadable ones); rows without 员工号 are reported once (REQUIRED_EMPTY, 员工号, naming their Excel rows).
    Neither kind enters the checks or the statistics, and they are never pooled into one pseudo-employee."""
    as_of_m = ctx.as_of.to_period("M").to_timestamp()
    back, ahead = p.month_range
    lo = as_of_m - pd.DateOffset(months=round(float(back) * 12))
    hi = as_of_m + pd.DateOffset(months=round(float(ahead) * 12))
    mon = pay["month"]
    early, late = (mon < lo).to_numpy(dtype=bool), (mon > hi).to_numpy(dtype=bool)
    odd = early | late
    if odd.any():
        o = pay[odd]
        ctx.problem("payroll", o["_row"], "month", "DATE_INVALID", _month_label(o["month"]),
                    np.where(early[odd], f"月份早于数据日期 {ctx.as_of:%Y-%m-%d} 前 {back:g} 年({lo:%Y-%m}), 不合理",
                             f"月份晚于数据日期 {ctx.as_of:%Y-%m-%d} 后 {ahead:g} 年({hi:%Y-%m}), 不合理"),
                    "该行未参与核对与统计; 该员工个税不核对, 请更正月份")
    no_month = mon.isna().to_numpy(dtype=bool) | odd
    no_id = pay["emp_id"].isna().to_numpy(dtype=bool)
    lost = pay.loc[no_month & ~no_id, ["emp_id", "_row"]]
    if no_id.any():
        r = pay.loc[no_id, "_row"].dropna().astype(int).tolist()
        shown = "、".join(map(str, r[:10])) + (" 等" if len(r) > 10 else "")
        ctx.problem("payroll", [None], "emp_id", "REQUIRED_EMPTY", f"{int(no_id.sum())} 行",
                    f"{int(no_id.sum())} 行员工号为空" + (f"(第 {shown} 行)" if r else "")
                    + ": 无法跨月跟踪该员工", "这些行未参与实发/个税核对与统计; 当月无记录的员工自该月起不核对个税")
        notes.append(f"{int(no_id.sum())} 行员工号为空, 未参与核对与统计(不合并为一名员工); 这些行所在月份无记录的员工, "
                     "个税自该月起不核对。")
    return pay[~no_month & ~no_id], lost, pay.loc[~no_month & no_id, "month"]


def _untaxable(em: pd.DataFrame, unknown_rows: pd.DataFrame, lost: pd.DataFrame, blank_id_months: pd.Series
               ) -> tuple[pd.Series, pd.DataFrame]:
    """Employee-months whose cumulative tax cannot be checked: from an employee's first month in a year
    whose taxable income is unknown, every later month of that year (累计预扣法 depends on all earlier
    months). Unknown months: ``unknown_rows`` (pay rows with a blank 应发合计 / 三险一金 item, ``why`` naming
    them); every month of an employee with a ``lost`` row (its month is unknown); a month holding rows
    without 员工号 (``blank_id_months``) in which the employee has no row, up to the employee's last month.

    ``em``: one row per emp_id and month (columns emp_id, month, _row, iit, emp_name, dept). Returns (a bool
    Series aligned with ``em``: not checkable; one row per employee and year: emp_id, month (the first
    unknown month), _row, iit, emp_name, dept, why, reason)."""
    e = em[["emp_id", "month", "_row"]].assign(year=em["month"].dt.year)
    cands = [unknown_rows[["emp_id", "month", "_row", "why"]]]
    if len(lost):
        first = lost.drop_duplicates("emp_id").set_index("emp_id")["_row"]
        f = e[e["emp_id"].isin(first.index)].sort_values("month").drop_duplicates(["emp_id", "year"])
        cands.append(f.assign(_row=f["emp_id"].map(first),
                              why="第 " + f["emp_id"].map(first).astype("string").fillna("?")
                              + " 行月份无法识别或不合理(该行属于哪个月未知)"))
    if len(blank_id_months):
        bm = pd.DataFrame({"month": pd.unique(blank_id_months)})
        span = e.groupby(["emp_id", "year"], as_index=False)["month"].max().rename(columns={"month": "last"})
        pairs = span.merge(bm.assign(year=bm["month"].dt.year), on="year")
        pairs = pairs[pairs["month"] <= pairs["last"]]
        miss = pairs.merge(e[["emp_id", "month"]], on=["emp_id", "month"], how="left", indicator=True)
        miss = miss[miss["_merge"] == "left_only"]
        nxt = miss[["emp_id", "month"]].merge(e, on="emp_id", suffixes=("", "_e"))
        nxt = nxt[nxt["month_e"] >= nxt["month"]].sort_values("month_e").drop_duplicates(["emp_id", "month"])
        cands.append(nxt.assign(why=nxt["month"].dt.strftime("%Y-%m") + " 有员工号为空的工资行, 该员工该月无记录"
                                "(可能即为其中一行)")[["emp_id", "month", "_row", "why"]])
    c = pd.concat(cands, ignore_index=True)
    c = c.assign(year=c["month"].dt.year).sort_values(["month", "_row"], kind="mergesort")
    c = c.drop_duplicates(["emp_id", "year"])
    fu = e.merge(c[["emp_id", "year", "month"]].rename(columns={"month": "from"}), on=["emp_id", "year"],
                 how="left")["from"].to_numpy()
    unchecked = pd.Series(e["month"].to_numpy() >= fu, index=em.index)
    n = unchecked.groupby([e["emp_id"], e["year"]]).sum().rename("n").reset_index()
    out = c.merge(n, on=["emp_id", "year"], how="left").merge(
        em[["emp_id", "month", "iit", "emp_name", "dept"]], on=["emp_id", "month"], how="left")
    out["reason"] = (out["why"] + "(员工 " + out["emp_id"] + " " + out["month"].dt.strftime("%Y-%m")
                     + "): 累计预扣法依赖此前各月, 该月起 " + out["n"].astype(str) + " 个员工月的个税无法核对")
    return unchecked, out.sort_values("_row", kind="mergesort").reset_index(drop=True)


def _blank_names(pay: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Per row, the 中文 names of the blank cells among ``cols`` joined by 、 ("" when none)."""
    names = pd.Series([_zh(c) + "、" for c in cols], index=cols, dtype=object)
    return (pay[cols].isna().astype(object) * names).sum(axis=1).astype(str).str.rstrip("、")


def _contribution_hints(em: pd.DataFrame, p: SalaryParams, ctx: RunContext) -> pd.DataFrame:
    """Rows whose 医疗/失业/公积金 or base do not fit the pension-implied contribution base (information)."""
    cols = ["Excel 行号", "月份", "员工号", "姓名", "推算缴费基数(元)", "提示", "建议动作"]
    if not len(em) or not em["pension"].notna().any() or p.pension_rate <= 0:
        return pd.DataFrame(columns=cols)
    d = em[em["pension"] > 0]
    base = d["pension"] / p.pension_rate
    msgs = pd.Series("", index=d.index, dtype=object)

    def add(mask, text):
        nonlocal msgs
        msgs = msgs.where(~mask, msgs + np.where(msgs == "", "", "; ") + text)

    for col, rate, zh in (("medical", p.medical_rate, "医疗保险"), ("unemployment", p.unemployment_rate, "失业保险")):
        if col in d and d[col].notna().any():
            exp = base * rate
            off = d[col].notna() & ((d[col] - exp).abs() > p.contribution_tolerance)
            add(off, pd.Series([f"{zh} {a:,.2f} ≠ 基数×{rate:g} = {e:,.2f}" for a, e in zip(d[col], exp)],
                               index=d.index))
    lo, hi = p.housing_fund_range
    hf_rate = d["housing_fund"] / base
    off = d["housing_fund"].notna() & ((hf_rate < lo - p.housing_fund_slack) | (hf_rate > hi + p.housing_fund_slack))
    add(off, pd.Series([f"公积金比例 {r:.1%} 不在 {lo:.0%}–{hi:.0%}" for r in hf_rate], index=d.index))
    bmin, bmax = p.base_limits
    if bmin:
        add(base < bmin - p.contribution_tolerance, pd.Series(f"缴费基数低于下限 {bmin:,.0f}", index=d.index))
    if bmax:
        add(base > bmax + p.contribution_tolerance, pd.Series(f"缴费基数高于上限 {bmax:,.0f}", index=d.index))
    hit = msgs != ""
    h = d[hit]
    return pd.DataFrame({
        "Excel 行号": h["_row"].astype("Int64"), "月份": _month_label(h["month"]), "员工号": h["emp_id"],
        "姓名": _names(h["emp_name"], ctx.mask), "推算缴费基数(元)": base[hit].round(2), "提示": msgs[hit].astype(str),
        "建议动作": "核对缴费基数与当地比例(各地取整、大病医疗附加规则不同)"}).reset_index(drop=True)
