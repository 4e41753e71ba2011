"""D2 排班: staff days per working day × outlet and the 行长/理财经理 list of large maturing customers
(:func:`staffing_tables`). SCENARIOS.md D2 排班."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....frames import identity_columns, mask_label
from ....scenario import RunContext
from .aggregate import _metrics
from .labels import _amount_text, weekday_labels
from .params import MaturityParams


def first_ids(rows: pd.DataFrame, keys: list[str], col: str, limit: int = 5) -> pd.Series:
    """Per group of ``keys`` (observed combinations), the first ``limit`` values of ``col`` in row order joined
    with 「、」, plus 「 等」 when the group has more: a ``string`` Series indexed by ``keys``. Vectorised: cumcount
    ranks the rows, a pivot on the integer group code lays out at most ``limit`` columns that are joined."""
    if not len(rows):
        return pd.Series([], dtype="string", index=pd.MultiIndex.from_arrays([[]] * len(keys), names=keys))
    g = rows.groupby(keys, observed=True, sort=True)
    f = pd.DataFrame({"g": g.ngroup().to_numpy(), "r": g.cumcount().to_numpy(),
                      "v": rows[col].astype("string").fillna("").to_numpy()})
    wide = f[f["r"] < limit].pivot(index="g", columns="r", values="v")
    txt = wide[0].astype("string")
    for j in wide.columns[1:]:
        txt = txt + ("、" + wide[j].astype("string")).fillna("")
    more = f.groupby("g").size().reindex(txt.index).to_numpy() > limit
    txt = txt.where(~more, txt + " 等")
    heads = rows[keys].iloc[f.drop_duplicates("g").sort_values("g").index]
    return pd.Series(txt.to_numpy(), index=pd.MultiIndex.from_frame(heads.reset_index(drop=True)), dtype="string")


def kinds_held(rows: pd.DataFrame, ckeys: pd.Index) -> pd.Series:
    """Per customer code of ``ckeys``, the distinct 产品 kinds (``kind``) of his ``rows`` joined with 「、」 in
    sorted order; a ``string`` Series on ``ckeys`` (vectorised: a crosstab, then one pass per kind)."""
    held = pd.crosstab(rows["ckey"], rows["kind"]).gt(0).reindex(ckeys, fill_value=False)
    txt = pd.Series("", index=ckeys, dtype="string")
    for k in sorted(str(c) for c in held.columns):
        add = held[k].to_numpy(dtype=bool)
        txt = txt.where(~add, txt.where(txt.eq(""), txt + "、") + k)
    return txt


def staffing_tables(d: pd.DataFrame, info: pd.DataFrame, params: MaturityParams, ctx: RunContext,
                    orgs: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(排班 per working day × outlet, 大额到期客户 list) for maturities whose 实际可支取日 falls in the calendar
    window. 所需人天 = ceil(到期客户数 / customers_per_staff_day). A customer is large when the sum of his
    maturing balances at that outlet that day (排班) / in the window (list) is ≥ ``large_customer``."""
    start = ctx.as_of + pd.Timedelta(days=1)
    end = ctx.as_of + pd.Timedelta(days=params.calendar_days)
    w = d[(d["actual"] >= start) & (d["actual"] <= end)]
    w = w[np.asarray(ctx.calendar.is_workday(w["actual"].to_numpy()), dtype=bool)] if len(w) else w
    cols = ["实际可支取日", "星期", "分行", "机构号", "支行/网点", "到期客户数", "到期笔数", ctx.money_label("到期金额"),
            "所需人天", f"大额客户数(≥{_amount_text(params.large_customer, ctx)})", "大额客户号", "建议安排"]
    if len(w) == 0:
        staff = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
        staff["实际可支取日"] = pd.Series(dtype="datetime64[ns]")
        for c in cols[5:10]:
            staff[c] = pd.Series(dtype="float64" if "金额" in c else "int64")
    else:
        keys = ["actual", "branch", "outlet_id", "outlet"]
        m = _metrics(w, keys).reset_index()
        per_cust = (w.groupby(keys + ["ckey"], observed=True)
                    .agg(balance=("balance", "sum"), cust=("cust", "first")).reset_index())
        big = per_cust[per_cust["balance"] >= params.large_customer].sort_values("balance", ascending=False)
        big_n = big.groupby(keys, observed=True).size()
        big_ids = first_ids(big, keys, "cust", limit=5)
        mi = pd.MultiIndex.from_frame(m[keys])
        n_staff = np.ceil(m["customers"] / params.customers_per_staff_day).astype("int64")
        n_big = big_n.reindex(mi).fillna(0).astype("int64").to_numpy()
        plan = "安排" + pd.Series(n_staff.to_numpy()).astype("string") + "人天"
        plan = plan.where(n_big == 0, plan + "; 行长/理财经理在岗, 预约" + pd.Series(n_big).astype("string") + "位大额客户")
        staff = pd.DataFrame({
            "实际可支取日": m["actual"], "星期": weekday_labels(m["actual"]),
            "分行": m["branch"], "机构号": m["outlet_id"], "支行/网点": m["outlet"],
            "到期客户数": m["customers"].astype("int64"), "到期笔数": m["count"].astype("int64"),
            ctx.money_label("到期金额"): ctx.money(m["amount"]),
            "所需人天": n_staff,
            cols[9]: n_big,
            "大额客户号": big_ids.reindex(mi).fillna("").astype("string").to_numpy(),
            "建议安排": plan.to_numpy(dtype=object),
        })
        staff = staff.sort_values(["实际可支取日", "机构号"], ignore_index=True)
        if orgs is not None:
            sc = orgs.drop_duplicates("org_id").set_index("org_id")
            staff.insert(9, "网点人数", staff["机构号"].map(sc["staff_count"]).astype("Int64"))

    # 行长/理财经理 list: customers whose maturities in the window sum to >= large_customer
    vip_cols = ["客户号", mask_label("客户名称", ctx), mask_label("手机号", ctx), "客户经理", "主要网点",
                "到期笔数", ctx.base_label("到期金额"), "最早实际可支取日", "产品", "原因", "建议动作"]
    if len(w):
        wi = info.loc[w.index]
        g = w.assign(_name=wi["cust_name"], _phone=wi["phone"]).sort_values("balance", ascending=False)
        agg = g.groupby("ckey", sort=False).agg(
            cust=("cust", "first"), amount=("balance", "sum"), count=("balance", "size"), first=("actual", "min"),
            outlet=("outlet", "first"), mgr=("mgr_id", "first"), name=("_name", "first"), phone=("_phone", "first"))
        agg = agg[agg["amount"] >= params.large_customer].sort_values(["first", "amount"], ascending=[True, False])
        agg["products"] = kinds_held(g, agg.index)
    else:
        agg = pd.DataFrame(columns=["cust", "amount", "count", "first", "outlet", "mgr", "name", "phone", "products"])
    ident = identity_columns(pd.DataFrame({"cust_name": agg["name"].to_numpy(), "phone": agg["phone"].to_numpy()}),
                             ctx, fields=("cust_name", "phone"), keep_empty=True)
    vip = pd.DataFrame({
        "客户号": pd.Series(agg["cust"].to_numpy(), dtype="string"),
        vip_cols[1]: ident[vip_cols[1]],
        vip_cols[2]: ident[vip_cols[2]],
        "客户经理": pd.Series(agg["mgr"].to_numpy(), dtype="string"),
        "主要网点": pd.Series(agg["outlet"].to_numpy(), dtype="string"),
        "到期笔数": pd.Series(agg["count"].to_numpy(), dtype="int64"),
        vip_cols[6]: pd.Series(agg["amount"].to_numpy(), dtype="float64"),
        "最早实际可支取日": pd.Series(pd.to_datetime(agg["first"].to_numpy()), dtype="datetime64[ns]"),
        "产品": pd.Series(agg["products"].to_numpy(), dtype="string"),
    })
    vip["原因"] = pd.Series(f"{params.calendar_days}天内到期合计≥{_amount_text(params.large_customer, ctx)}", index=vip.index,
                          dtype="string")
    vip["建议动作"] = pd.Series("行长/理财经理提前面访, 配置大额存单/理财", index=vip.index, dtype="string")
    return staff, vip


