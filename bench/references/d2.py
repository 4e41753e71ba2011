"""D2 到期结构: amount, count and distinct customers per 到期期间 at every level (全行, 分行, 支行/网点 under its
分行; without a 分行 level: 全行 and 网点), with a 合计 column — 6 grouping sets (4 without 分行) incl. COUNT
DISTINCT per level. bankxl: ``maturity.aggregate.structure_tables(d, periods, has_branch, ctx, total)`` on the
prepared deposits ``d`` (columns branch_id, outlet_id, period, balance 元, ckey = one customer per identity)."""
from __future__ import annotations

import pandas as pd

from ..refs import Call, CoreRef

SQL = """
SELECT CASE WHEN GROUPING(branch_id) = 1 THEN 'all' WHEN GROUPING(outlet_id) = 1 THEN 'branch' ELSE 'outlet' END
         AS level,
       CASE WHEN GROUPING(branch_id) = 1 THEN '' ELSE branch_id END AS branch,
       CASE WHEN GROUPING(outlet_id) = 1 THEN '' ELSE outlet_id END AS outlet,
       CASE WHEN GROUPING(period) = 1 THEN '合计' ELSE period END AS period,
       SUM(balance) AS amount, COUNT(*) AS count, COUNT(DISTINCT ckey) AS customers
FROM d
GROUP BY GROUPING SETS ((), (period), (branch_id), (branch_id, period), (branch_id, outlet_id),
                        (branch_id, outlet_id, period))
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    d, has_branch = call.args[0], call.args[2]
    x = pd.DataFrame({"outlet_id": d["outlet_id"].astype("string"), "period": d["period"].astype("string"),
                      "balance": d["balance"].astype("float64"), "ckey": d["ckey"]})
    # without a 分行 level every outlet sits under one (blank) branch: the same grouping sets give 全行 and 网点
    x.insert(0, "branch_id", d["branch_id"].astype("string") if has_branch else "")
    return {"d": x}


def _bankxl(call: Call) -> pd.DataFrame:
    """structure_tables' three wide frames -> long (level, branch, outlet, period, amount 元, count, customers);
    the 分行 of an outlet row is the 分行 row above it. Periods with no deposit are 0 in bankxl's sheet and absent
    from a GROUP BY: zero-count cells are dropped here."""
    frames = call.result
    parts = []
    for metric, f in frames.items():
        level = f["层级"].astype(str)
        lv = pd.Series("outlet", index=f.index).mask(level == "分行", "branch").mask(f["机构号"] == "", "all")
        branch = f["机构号"].where(lv == "branch").ffill().where(lv == "outlet", f["机构号"].where(lv == "branch"))
        if not call.args[2]:
            branch = pd.Series("", index=f.index)
        outlet = f["机构号"].where(lv == "outlet", "")
        vals = f.drop(columns=["层级", "机构号", "机构名称"])
        vals.insert(0, "level", lv)
        vals.insert(1, "branch", branch.where(lv != "all", "").fillna(""))
        vals.insert(2, "outlet", outlet)
        m = vals.melt(id_vars=["level", "branch", "outlet"], var_name="period", value_name=metric)
        parts.append(m.set_index(["level", "branch", "outlet", "period"]))
    out = pd.concat(parts, axis=1).reset_index()
    out = out[out["count"] != 0].reset_index(drop=True)
    out["count"] = out["count"].astype("int64")
    out["customers"] = out["customers"].astype("int64")
    out["level"] = out["level"].where(call.args[2] | (out["level"] != "outlet"), "outlet")
    return out


def _duckdb(res: pd.DataFrame, call: Call) -> pd.DataFrame:
    ctx = call.args[3]
    out = res.copy()
    if not call.args[2]:  # no 分行: the (branch) sets repeat 全行 under the blank branch; outlets keep a blank branch
        out = out[out["level"] != "branch"]
    out["amount"] = ctx.money(out["amount"].astype("float64"))
    for c in ("level", "branch", "outlet", "period"):
        out[c] = out[c].astype(object)
    out["count"] = out["count"].astype("int64")
    out["customers"] = out["customers"].astype("int64")
    return out.reset_index(drop=True)


def _bankxl_typed(call: Call) -> pd.DataFrame:
    out = _bankxl(call)
    for c in ("level", "branch", "outlet", "period"):
        out[c] = out[c].astype(object)
    out["amount"] = out["amount"].astype("float64")
    return out


REF = CoreRef(code="D2", target="bankxl.scenarios.deposit.maturity.report:structure_tables",
              what="到期结构 6 grouping sets (amount, count, COUNT DISTINCT customers)", sql=SQL, inputs=_inputs,
              bankxl=_bankxl_typed, duckdb=_duckdb, keys=["level", "branch", "outlet", "period"], money=["amount"],
              money_unit=lambda call: call.args[3].scale)
