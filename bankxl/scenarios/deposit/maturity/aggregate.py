"""D2 aggregations: 到期结构 (:func:`structure_tables`), 到期分布 buckets (:func:`bucket_table`) and the
到期日历 (:func:`calendar_table`). SCENARIOS.md D2 透视 / 日历."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .... import engine
from ....engine import usage
from ....scenario import RunContext
from .labels import BANK, TOTAL, weekday_labels
from .params import MaturityParams


def _metrics(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """amount (元), count, customers (distinct customers: ``ckey`` of :func:`.prepare.customer_info`) per
    ``keys``."""
    if not keys:
        return pd.DataFrame({"amount": [float(d["balance"].sum())], "count": [len(d)],
                             "customers": [int(d["ckey"].nunique())]})
    g = d.groupby(keys, sort=True, observed=True, dropna=False)
    return pd.DataFrame({"amount": g["balance"].sum(), "count": g.size(), "customers": g["ckey"].nunique()})


def total_label(outlet_ids: pd.Series, orgs: pd.DataFrame | None) -> str:
    """全行 when the deposits cover the whole bank, else 合计 (e.g. a ``--by outlet`` report, which holds one
    outlet): with a 机构表, whole = every org without children in it (the outlets) has deposits; without one,
    whole = the deposits are not all of one org. ``outlet_ids``: the deposits' org ids (string)."""
    ids = set(outlet_ids.dropna().astype(str))
    if orgs is None or len(orgs) == 0:
        return TOTAL if len(ids) == 1 else BANK
    oid = orgs["org_id"].dropna()
    parents = set(orgs["parent_id"].dropna())
    leaves = set(oid[~oid.isin(parents)].astype(str))
    return BANK if leaves <= ids else TOTAL


#: GROUPING_ID levels of the engine query ``maturity_structure`` (bankxl/engine/queries/maturity_structure.sql):
#: (level of an org's 合计 row, level of its per-period rows)
_TOTAL_LEVELS, _BRANCH_LEVELS, _OUTLET_LEVELS = (7, 6), (3, 2), (1, 0)


def structure_tables(d: pd.DataFrame, periods: list[str], has_branch: bool,
                     ctx: RunContext, total: str = BANK) -> dict[str, pd.DataFrame]:
    """The static pivot: one frame per metric ('amount' in display unit, 'count', 'customers').

    Rows: ``total`` (全行 / 合计, :func:`total_label`), then per 分行 its subtotal row followed by its 支行/网点
    (without a 分行 level: the total then the
    outlets). Columns: 层级, 机构号, 机构名称, ``periods`` …, 合计. Every level is computed from the detail
    (distinct customers are distinct at that level, not the sum of the children): the engine query
    ``maturity_structure`` (GROUPING SETS over 分行 → 支行/网点 × 到期期间, :mod:`bankxl.engine`) on whichever
    engine is the default; ``d`` needs branch_id, branch, outlet_id, outlet, period, balance (元), ckey.
    A period outside ``periods`` counts in 合计 only.
    """
    eng = engine.default_engine()  # the run's engine (bankxl.engine.using), named in 说明 by the usage record
    s = engine.run("maturity_structure", {"deposits": d}, engine=eng)
    usage.record("到期结构(分行/支行 × 到期期间, 含去重客户数)", eng, "定期存款明细", len(d), len(s))
    lvl = s["level"].to_numpy()
    org_levels = [_BRANCH_LEVELS[0], _OUTLET_LEVELS[0]] if has_branch else [_OUTLET_LEVELS[0]]
    orgs = s[np.isin(lvl, org_levels)]
    # sheet order: per 分行 (by 机构号) its row, then its 支行/网点 by 机构号; without 分行: outlets by 机构号
    orgs = orgs.sort_values(["branch_id", "level", "outlet_id"] if has_branch else ["outlet_id"],
                            ascending=[True, False, True] if has_branch else True, kind="stable")
    is_branch = orgs["level"].to_numpy() == _BRANCH_LEVELS[0]
    outlet_label = "支行/网点" if has_branch else "网点"
    n = len(orgs) + 1
    level = [total, *np.where(is_branch, "分行", outlet_label).tolist()]
    org_id = ["", *np.where(is_branch, orgs["branch_id"].astype(object), orgs["outlet_id"].astype(object)).tolist()]
    org_name = [total, *np.where(is_branch, orgs["branch"].astype(object),
                                 "　　" + orgs["outlet"].astype(object).astype(str)).tolist()]

    # per-period rows of each org row: row number 0 = total, 1.. = orgs in sheet order
    keys = ["branch_id", "outlet_id"]
    row_of = orgs[["level", *keys]].assign(row=np.arange(1, n)).assign(level=lambda f: f["level"] - 1)
    per = s[np.isin(lvl, [lv - 1 for lv in org_levels])].merge(row_of, on=["level", *keys], how="inner")
    tot_p = s[lvl == _TOTAL_LEVELS[1]].assign(row=0)
    per = pd.concat([tot_p, per], ignore_index=True)
    tot = pd.concat([s[lvl == _TOTAL_LEVELS[0]].assign(row=0), orgs.assign(row=np.arange(1, n))],
                    ignore_index=True).set_index("row")

    result = {}
    for metric in ("amount", "count", "customers"):
        wide = per.pivot_table(index="row", columns="period", values=metric, aggfunc="sum", observed=True)
        wide = wide.reindex(index=range(n), columns=periods).fillna(0)
        f = pd.DataFrame({"层级": level, "机构号": org_id, "机构名称": org_name})
        vals = {p: wide[p].to_numpy() for p in periods}
        vals["合计"] = tot[metric].reindex(range(n)).fillna(0).to_numpy()
        f = pd.concat([f, pd.DataFrame(vals)], axis=1)
        num = [*periods, "合计"]
        if metric == "amount":
            f[num] = ctx.money(f[num].astype("float64"))
        else:
            f[num] = f[num].astype("int64")
        result[metric] = f
    return result


def bucket_table(d: pd.DataFrame, key: str, order: list[str], label: str, ctx: RunContext) -> pd.DataFrame:
    """金额 (display unit), 笔数, 去重客户数 and 金额占比 per bucket of ``key`` in the given ``order`` (empty
    buckets kept as zero rows). No 合计 row (a chart plots every row); see :func:`bucket_total`."""
    m = _metrics(d, [key]) if len(d) else pd.DataFrame(columns=["amount", "count", "customers"])
    m = m.reindex(order).fillna(0)
    tot_amount = float(d["balance"].sum())
    f = pd.DataFrame({label: pd.Series(order, dtype="string"),
                      ctx.money_label("到期金额"): ctx.money(m["amount"].astype("float64").to_numpy()),
                      "笔数": m["count"].astype("int64").to_numpy(),
                      "去重客户数": m["customers"].astype("int64").to_numpy()})
    f["金额占比"] = (m["amount"].astype("float64").to_numpy() / tot_amount) if tot_amount else 0.0
    return f


def bucket_total(d: pd.DataFrame, ctx: RunContext) -> str:
    """The 合计 line under a bucket table (distinct customers counted over the whole range)."""
    return (f"合计: 到期金额 {ctx.money(float(d['balance'].sum())):,.2f} {ctx.unit}, {len(d)} 笔, "
            f"{int(d['ckey'].nunique())} 户(去重)。")



def calendar_table(d: pd.DataFrame, params: MaturityParams, ctx: RunContext) -> pd.DataFrame:
    """One row per day as_of+1 … as_of+calendar_days: contractual maturities, rolled (实际可支取) ones, 高峰日.

    高峰日: a working day whose 实际可支取金额 is above the ``peak_percentile`` quantile (linear interpolation,
    rounded to 6 decimals of the display unit) of 实际可支取金额 over all working days of the window (zero days
    included), when that threshold is > 0 (with few maturities the quantile is 0: no 高峰日 rather than every
    day with a maturity). Non-working days are never 高峰日: what matures on them is paid out on their 实际可支取日.
    """
    cal = ctx.calendar
    days = pd.date_range(ctx.as_of + pd.Timedelta(days=1), periods=params.calendar_days, freq="D")
    wd = np.asarray(cal.is_workday(days.to_numpy()), dtype=bool)
    hol = cal.holiday_name(days.to_numpy()) if hasattr(cal, "holiday_name") else np.full(len(days), None)
    rolled = pd.DatetimeIndex(cal.roll(days.to_numpy(), params.roll_rule))
    by_m = _metrics(d, ["maturity"]) if len(d) else None
    by_a = _metrics(d, ["actual"]) if len(d) else None

    def get(m, col):
        if m is None:
            return np.zeros(len(days))
        return m[col].reindex(days).fillna(0).to_numpy()

    unit = ctx.money_label
    f = pd.DataFrame({
        "日期": days, "月日": pd.Series(days.strftime("%m-%d"), dtype="string"),
        "星期": weekday_labels(days),
        "是否工作日": np.where(wd, "是", "否"),
        "节假日": pd.Series(hol, dtype=object).where(pd.notna(pd.Series(hol, dtype=object)), "").astype(str).to_numpy(dtype=object),
        "实际可支取日": rolled,
        unit("合同到期金额"): ctx.money(get(by_m, "amount")), "合同到期笔数": get(by_m, "count").astype("int64"),
        "合同到期客户数": get(by_m, "customers").astype("int64"),
        unit("实际可支取金额"): ctx.money(get(by_a, "amount")), "实际可支取笔数": get(by_a, "count").astype("int64"),
        "实际可支取客户数": get(by_a, "customers").astype("int64"),
    })
    amt = f[unit("实际可支取金额")]
    # rounded to 1e-6 of the display unit: the interpolation's float noise (10.999999999999996) is not shown
    thr = round(float(np.quantile(amt[wd], params.peak_percentile)), 6) if wd.any() else 0.0
    f[peak_threshold_column(params, ctx)] = thr
    f["高峰日"] = np.where(wd & (amt > thr) & (thr > 0), "高峰日", "")
    return f


def peak_threshold_column(params: MaturityParams, ctx: RunContext) -> str:
    """Header of the 高峰日 threshold column of 到期日历, e.g. ``P90阈值(万元)``."""
    return ctx.money_label(f"P{round(params.peak_percentile * 100):g}阈值")


