"""D2 排班: staff days per working day × outlet and the 行长/理财经理 list of large maturing customers
(:func:`staffing_tables`). SCENARIOS.md D2 排班."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....frames import join_values
from ....lists import Rule, ScoredList, fill_template, score_list
from ....report import Conditional, Note, Table
from ....scenario import RunContext
from .aggregate import _metrics
from .labels import _amount_text, weekday_labels
from .params import MaturityParams
from .reminders import cap_due


def first_ids(rows: pd.DataFrame, keys: list[str], col: str, limit: int = 5) -> pd.Series:
    """Per group of ``keys`` (observed combinations), the first ``limit`` values of ``col`` in row order joined
    with 「、」, plus 「 等」 when the group has more: a ``string`` Series indexed by ``keys``
    (:func:`bankxl.frames.join_values`; a missing value shows as "")."""
    if not len(rows):
        return pd.Series([], dtype="string", index=pd.MultiIndex.from_arrays([[]] * len(keys), names=keys))
    return join_values(rows[keys], rows[col].astype("string").fillna(""), order="first", distinct=False,
                       limit=limit, more=" 等")


def kinds_held(rows: pd.DataFrame, ckeys: pd.Index) -> pd.Series:
    """Per customer code of ``ckeys``, the distinct 产品 kinds (``kind``) of his ``rows`` joined with 「、」 in
    sorted order ("" for none); a ``string`` Series on ``ckeys`` (:func:`bankxl.frames.join_values`)."""
    return join_values(rows["ckey"], rows["kind"]).reindex(ckeys).fillna("")


def staffing_tables(d: pd.DataFrame, info: pd.DataFrame, params: MaturityParams, ctx: RunContext,
                    orgs: pd.DataFrame | None) -> tuple[pd.DataFrame, ScoredList]:
    """(排班 per working day × outlet, 大额到期客户 list) for maturities whose 实际可支取日 falls in the calendar
    window. 所需人天 = ceil(到期客户数 / customers_per_staff_day). A customer is large when the sum of his
    maturing balances at that outlet that day (排班) / in the window (list) is ≥ ``large_customer``."""
    start = ctx.as_of + pd.Timedelta(days=1)
    end = ctx.as_of + pd.Timedelta(days=params.calendar_days)
    used = ["actual", "branch", "outlet_id", "outlet", "ckey", "cust", "balance", "mgr_id", "kind"]
    w = d.loc[((d["actual"] >= start) & (d["actual"] <= end)).to_numpy(), used]  # only the columns read below
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
        big_ids = first_ids(big, keys, "cust", limit=params.large_ids_shown)
        mi = pd.MultiIndex.from_frame(m[keys])
        n_staff = np.ceil(m["customers"] / params.customers_per_staff_day).astype("int64")
        n_big = big_n.reindex(mi).fillna(0).astype("int64").to_numpy()
        plan = "安排" + pd.Series(n_staff.to_numpy()).astype("string") + "人天"
        plan = plan.where(n_big == 0, plan + "; " + fill_template(params.staff_large_action, pd.DataFrame({"n_big": n_big})))
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

    # 行长/理财经理 list (§6 名单表): customers whose maturities in the window sum to >= large_customer
    return staff, large_customer_list(w, info, params, ctx)


def large_customer_list(w: pd.DataFrame, info: pd.DataFrame, params: MaturityParams, ctx: RunContext) -> ScoredList:
    """The 行长/理财经理 list (SCENARIOS.md D2 排班 "≥50 万客户进行长/理财经理名单", §6 名单表 via
    :func:`bankxl.lists.score_list`): one row per customer (``ckey``) whose maturities ``w`` (working days of
    the calendar window, by 实际可支取日) sum to ≥ ``large_customer``. Rule 大额到期 scores ``large_points``;
    等级 from ``large_levels``; 建议动作 and 截止日 from ``large_strategy`` (截止日 capped at the last working day
    before his earliest 实际可支取日, never before the data date). Shown: 主要网点 (outlet of his largest deposit;
    机构号/客户经理 likewise), 到期笔数, 到期金额 (base unit), 最早实际可支取日, 产品 (kinds, sorted). Identity columns
    masked per ``ctx.mask``. Rank: 得分, then 到期金额, then 客户号."""
    cols = ["ckey", "cust", "amount", "count", "first", "outlet", "outlet_id", "mgr"]
    if len(w):
        wi = info.loc[w.index]
        g = w.assign(_name=wi["cust_name"], _id=wi["id_no"], _phone=wi["phone"]).sort_values("balance", ascending=False)
        agg = g.groupby("ckey", sort=False).agg(
            cust=("cust", "first"), amount=("balance", "sum"), count=("balance", "size"), first=("actual", "min"),
            outlet=("outlet", "first"), outlet_id=("outlet_id", "first"), mgr=("mgr_id", "first"),
            name=("_name", "first"), id_no=("_id", "first"), phone=("_phone", "first"))
        agg = agg[agg["amount"] >= params.large_customer]
        agg["products"] = kinds_held(g, agg.index)
        agg = agg.reset_index()
    else:
        agg = pd.DataFrame({c: pd.Series(dtype="float64" if c == "amount" else "object") for c in cols})
        agg = agg.assign(count=pd.Series(dtype="int64"), first=pd.Series(dtype="datetime64[ns]"),
                         name=pd.Series(dtype="string"), id_no=pd.Series(dtype="string"),
                         phone=pd.Series(dtype="string"), products=pd.Series(dtype="string"))
    first = pd.to_datetime(agg["first"])
    frame = pd.DataFrame({
        "cust_id": agg["cust"].astype("string"), "cust_name": agg["name"].astype("string"),
        "id_no": agg["id_no"].astype("string"), "phone": agg["phone"].astype("string"),
        "org_id": agg["outlet_id"].astype("string"), "mgr_id": agg["mgr"].astype("string"),
        "outlet": agg["outlet"].astype("string"), "count": agg["count"].astype("int64"),
        "amount": agg["amount"].astype("float64"), "first": first,
        "first_day": first.dt.strftime("%Y-%m-%d").astype("string"), "products": agg["products"].astype("string"),
        "large": True,
    })
    unit = ctx.base_unit
    rules = (Rule("large", f"{params.calendar_days}天内到期合计 {{amount:,.0f}} {unit} ≥ "
                           f"{_amount_text(params.large_customer, ctx)}", points=params.large_points, when="large",
                  name="大额到期"),)
    show = {"outlet": "主要网点", "count": "到期笔数", "amount": ctx.base_label("到期金额"), "first": "最早实际可支取日",
            "products": "产品"}
    lst = score_list(frame, rules, params.large_levels, params.large_strategy, ctx, sort_by=("amount",), amount="amount",
                     customers=frame, show=show, params=params)
    lst.df["截止日"] = cap_due(lst.df["截止日"], lst.df["最早实际可支取日"], ctx)
    return lst




def staffing_blocks(staff: pd.DataFrame, params: MaturityParams, ctx: RunContext) -> list:
    """The 排班 sheet: a note and the schedule (``staffing``: one row per working day × outlet, columns of
    :func:`staffing_tables`). 所需人天 gets a data bar only when it differs between rows: a column that is the
    same on every row (e.g. 1 everywhere when no outlet has more than ``customers_per_staff_day`` maturing
    customers a day) under a full bar looks informative and is not (issue 10 item 5); the note says so."""
    per = params.customers_per_staff_day
    # the parameter filled as the schedule fills it, not its raw template ({n_big} is not for branch heads)
    example = fill_template(params.staff_large_action, pd.DataFrame({"n_big": [1]})).iloc[0]
    lines = [f"按实际可支取日(工作日)× 网点: 所需人天 = ceil(到期客户数 / {per})【假设: 人均日处理量】。",
             f"大额客户: 当日在该网点到期合计 ≥ {params.large_customer:,.0f} {ctx.base_unit}; 建议安排加上参数「大额客户排班建议」"
             f"(1 位大额客户时为「{example}」), 大额客户号最多列 {params.large_ids_shown} 个(按金额从大到小); "
             "客户名单见「大额到期客户」。"]
    need = staff["所需人天"]
    varies = len(need) > 0 and need.nunique() > 1
    if varies:
        lines.append(f"所需人天的数据条: 最长 = {int(need.max())} 人天; 所需人天 ≥ 2 的 {int((need > 1).sum()):,} 行需多于 1 人接待。")
    elif len(need):
        lines.append(f"所需人天 在全部 {len(need):,} 行都是 {int(need.iloc[0])}(每个网点每天到期客户数不超过 "
                     f"{per * int(need.iloc[0])} 户), 不加数据条; 按「建议安排」照常排班即可。")
    return [Note(title="到期排班建议", lines=lines),
            Table(staff, name="staffing", title=f"未来 {params.calendar_days} 天排班", text_columns=("机构号", "大额客户号"),
                  formats={"实际可支取日": "date"},
                  conditional=[Conditional(["所需人天"], "data_bar")] if varies else [],
                  empty_note=f"未来 {params.calendar_days} 天的工作日没有到期(按实际可支取日)")]
