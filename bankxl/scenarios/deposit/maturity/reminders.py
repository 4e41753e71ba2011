"""D2 提醒名单 (:func:`reminder_list`, SCENARIOS.md §6 名单表 via :func:`bankxl.lists.score_list`) and the
D2 customer tags (:func:`customer_tags`, §6 标签长表). SCENARIOS.md D2 活动计划."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....frames import masked
from ....lists import Rule, score_list
from ....report import Note, Table
from ....scenario import RunContext
from ....tags import tag_rows, tag_table
from .params import MaturityParams
from .prepare import maturity_value


#: 提醒名单 columns a 客户经理 does not need on paper (the deposit's particulars, kept for the screen after
#: 截止日; the 证件号码 column is matched by prefix: 证件号码(脱敏) or 证件号码). Issue 10 item 3.
SCREEN_COLUMNS = ("账号", "证件号码", "支行/网点", "存期", "利率", "起息日", "距到期天数", "本息说明", "自动转存", "理财经理跟进")


def screen_columns(columns) -> list[str]:
    """The columns of ``columns`` that are on-screen only (:data:`SCREEN_COLUMNS`), in that order."""
    cols = [str(c) for c in columns]
    return [c for key in SCREEN_COLUMNS for c in cols if c == key or (key == "证件号码" and c.startswith(key))]


def reminder_window(ctx: RunContext) -> int:
    """Days covered by a reminder list made on the data date D: from D up to (excluding) the next working
    day after D, so reminders that fall on the following weekend/holiday are made on D."""
    nxt = pd.Timestamp(ctx.calendar.roll(ctx.as_of + pd.Timedelta(days=1), "following"))
    return max(int((nxt - ctx.as_of).days), 1)


def cap_due(due: pd.Series, actual: pd.Series, ctx: RunContext) -> pd.Series:
    """截止日 (``due``, datetime Series) capped at the last working day before ``actual`` (实际可支取日, same
    index) and never before the data date; a blank 截止日 stays blank."""
    cap = pd.Series(ctx.calendar.roll((actual - pd.Timedelta(days=1)).to_numpy(), "preceding"),
                    index=due.index).clip(lower=ctx.as_of)
    return due.where(due.isna() | (due <= cap), cap)


def reminder_list(d: pd.DataFrame, info: pd.DataFrame, params: MaturityParams, ctx: RunContext):
    """The reminder list for the data date D (SCENARIOS.md §6 名单表 via :func:`bankxl.lists.score_list`).

    Membership: node k holds the deposits with k ≤ dtm < k + window (:func:`reminder_window`; on an ordinary
    working day followed by a working day that is dtm == k); a deposit in two nodes' windows (long holidays) is
    kept once, in the node with the largest k ≤ dtm. One row per deposit. Score (rules, points parameters):
    大额客户 (the customer's maturities at this node sum to ≥ ``large_customer``) ``large_points``, 转大额存单
    (balance ≥ ``cd_threshold``, not a 大额存单) ``cd_points``, 大额存单续存 ``cd_renew_points``; the node itself
    is a 0-point reason. 等级 from ``levels``; 建议产品 from ``level_products``; 建议动作 and 截止日 from
    ``strategy`` ({node_action} from ``node_actions``); 截止日 is capped at the last working day before the
    实际可支取日 and is never before D. 排名: 得分, then 余额, then 客户号, then 账号 — never input order.

    Returns (list frame, the :class:`bankxl.lists.ScoredList` whose ``df`` is that frame, the sentence
    stating the order)."""
    win = reminder_window(ctx)
    nodes = sorted({int(k) for k in params.reminder_days}, reverse=True)
    node = pd.Series(pd.NA, index=d.index, dtype="Int64")
    for k in nodes:  # largest first; keep the first (largest k) match
        hit = (d["dtm"] >= k) & (d["dtm"] < k + win) & node.isna()
        node = node.mask(hit, k)
    sel = node.notna()
    r = d.loc[sel].assign(node=node[sel].astype("int64"))
    r = r.sort_values("acct_no", kind="stable")  # the last tie-break: 账号
    ri = info.loc[r.index]
    value, vnote = maturity_value(r) if len(r) else (pd.Series(dtype="float64"), pd.Series(dtype="string"))
    cust_total = r.groupby(["node", "ckey"])["balance"].transform("sum") if len(r) else r["balance"]
    big = (cust_total >= params.large_customer).astype("boolean")
    is_cd = r["kind"].eq("大额存单")
    node_action = r["node"].map({int(k): str(a) for k, a in params.node_actions})
    node_action = node_action.fillna("到期前" + r["node"].astype(str) + "天提醒")
    auto = r["auto_renew"].fillna(False).astype(bool)
    unit = ctx.base_unit
    frame = pd.DataFrame({
        "cust_id": r["cust"], "cust_name": ri["cust_name"], "id_no": ri["id_no"], "phone": ri["phone"],
        "node": r["node"], "node_label": "到期前" + r["node"].astype(str) + "天", "dtm": r["dtm"].astype("int64"),
        "outlet_id": r["outlet_id"], "outlet": r["outlet"], "mgr_id": r["mgr_id"],
        "acct": masked(r["acct_no"], "acct_no", ctx), "product": r["product"], "term_band": r["term_band"],
        "balance": r["balance"], "rate": r["rate"], "value_date": r["value_date"], "maturity": r["maturity"],
        "actual": r["actual"], "value": value, "vnote": vnote,
        "auto_shown": r["auto_renew"].map({True: "是", False: "否"}).astype("string"),
        "follow": np.where(big.fillna(False), "是", "否"), "cust_total": cust_total,
        "big": big, "cd_up": (r["balance"] >= params.cd_threshold).astype("boolean") & ~is_cd, "cd_renew": is_cd,
        "node_action": node_action, "auto_txt": np.where(auto, params.auto_renew_text, ""),
        "always": True,
    }).reset_index(drop=True)
    rules = (
        Rule("large", f"客户本节点到期合计 {{cust_total:,.0f}} {unit} ≥ {params.large_customer:,.0f} {unit}",
             points=params.large_points, when="big", name="大额客户"),
        Rule("cd_upgrade", f"单笔 {{balance:,.0f}} {unit} ≥ 大额存单起存 {params.cd_threshold:,.0f} {unit}",
             points=params.cd_points, when="cd_up", name="转大额存单"),
        Rule("cd_renew", "大额存单到期续存", points=params.cd_renew_points, when="cd_renew", name="大额存单续存"),
        Rule("node", "{node_label}节点(距到期{dtm:d}天)", when="always", name="提醒节点"),
    )
    show = {"node_label": "提醒节点", "outlet": "支行/网点", "outlet_id": "机构号", "mgr_id": "客户经理",
            "acct": "账号", "product": "产品", "term_band": "存期", "balance": ctx.base_label("余额"), "rate": "利率",
            "value_date": "起息日", "maturity": "到期日", "actual": "实际可支取日", "dtm": "距到期天数",
            "value": ctx.base_label("到期本息"), "vnote": "本息说明", "auto_shown": "自动转存", "follow": "理财经理跟进"}
    lst = score_list(frame, rules, params.levels, params.strategy, ctx, sort_by=("balance",), amount="balance",
                     customers=frame[["cust_id", "cust_name", "id_no", "phone"]], show=show)
    out = lst.df
    out["截止日"] = cap_due(out["截止日"], out["实际可支取日"], ctx)
    products = {str(k): str(v) for k, v in params.level_products}
    out.insert(out.columns.get_loc("得分"), "建议产品", out["等级"].map(products).astype("string"))
    first = ["排名", "提醒节点", "客户号"]
    screen = screen_columns(out.columns)
    lst.df = out[first + [c for c in out.columns if c not in first and c not in screen] + screen]
    order = lst.tie_break.rstrip("。") + ", 同一客户再按账号升序。"
    return lst.df, lst, order



def customer_tags(d: pd.DataFrame, rem: pd.DataFrame, vip: pd.DataFrame, params: MaturityParams,
                  ctx: RunContext) -> pd.DataFrame:
    """The D2 §6 tag table (:mod:`bankxl.tags`): D2_REMINDER 到期提醒 (one per customer on the reminder list:
    value = his highest 得分, level = that row's 等级), D2_LARGE_MATURITY 大额到期 (customers of the 行长/理财经理
    list: value = 到期金额 in the base unit), D2_OVERDUE 已到期未支取 (value = the customer's balance matured
    before the data date, base unit)."""
    top = rem.sort_values("得分", ascending=False, kind="stable").drop_duplicates("客户号")
    od = d[(d["dtm"] < 0).to_numpy() & d["cust"].notna().to_numpy()]
    over = od.groupby("ckey").agg(cust=("cust", "first"), balance=("balance", "sum")).sort_values("cust")
    return tag_table(
        tag_rows("D2", "D2_REMINDER", "到期提醒", top["客户号"], ctx, params, value=top["得分"], level=top["等级"]),
        tag_rows("D2", "D2_LARGE_MATURITY", "大额到期", vip["客户号"], ctx, params, value=vip[ctx.base_label("到期金额")]),
        tag_rows("D2", "D2_OVERDUE", "已到期未支取", over["cust"], ctx, params, value=over["balance"].to_numpy()))


def reminder_blocks(rem: pd.DataFrame, lst, rem_order: str, params: MaturityParams, ctx: RunContext) -> list:
    """The 提醒名单 sheet: a short note (what the list covers, its counts), 提醒汇总 (per node: 笔数, 客户数,
    到期金额 in the display unit, 理财经理跟进笔数), the list (``reminders``) and, under it, how it is scored.
    The list's header sits within the first rows of the sheet so that the writer freezes it (not the
    summary's); columns a 客户经理 needs on paper come first (排名 … 截止日), the deposit's particulars
    (:data:`SCREEN_COLUMNS`) after them."""
    win = reminder_window(ctx)
    node_labels = [f"到期前{int(k)}天" for k in params.reminder_days]
    amt_col = ctx.base_label("余额")
    g = rem.assign(_big=rem["理财经理跟进"].eq("是")).groupby("提醒节点")
    summ = pd.DataFrame({"笔数": g.size(), "客户数": g["客户号"].nunique(), "amt": g[amt_col].sum(),
                         "理财经理跟进笔数": g["_big"].sum()}).reindex(node_labels).fillna(0)
    summary = pd.DataFrame({"提醒节点": node_labels, "笔数": summ["笔数"].astype("int64").to_numpy(),
                            "客户数": summ["客户数"].astype("int64").to_numpy(),
                            ctx.money_label("到期金额"): ctx.money(summ["amt"].astype("float64").to_numpy()),
                            "理财经理跟进笔数": summ["理财经理跟进笔数"].astype("int64").to_numpy()})
    covers = ("到期日 = 数据日期 + N 天" if win == 1 else
              f"到期日在数据日期 + N 至 + N + {win - 1} 天(之后 {win - 1} 天为非工作日, 提醒提前到数据日期)")
    screen = screen_columns(rem.columns)
    method = [
        ("到期本息: 单利 = 本金 × (1 + 年利率 × 存期月数/12)(整存整取/大额存单); "
         "零存整取近似 = 余额 × (1 + 年利率 × (n+1)/24); 通知存款/定活两便不计算。"),
        (f"得分: 客户本节点到期合计 ≥ {params.large_customer:,.0f} {ctx.base_unit} {params.large_points:g} 分"
         f"(理财经理跟进); 单笔 ≥ {params.cd_threshold:,.0f} {ctx.base_unit}且不是大额存单 {params.cd_points:g} 分"
         f"(建议大额存单); 大额存单到期 {params.cd_renew_points:g} 分。建议产品按等级取自参数「建议产品表」, "
         "建议动作 = 参数「提醒节点动作表」中本节点的动作 + 等级的动作(参数「策略表」); 截止日不晚于实际可支取日"
         "的前一个工作日(不早于数据日期)。"),
        *(n for n in lst.note if n != lst.tie_break), rem_order,
        (f"「截止日」之后的列({'、'.join(screen)})是存款明细, 供屏幕核对: 已折叠、不打印, 点列标上方的「+」展开。"
         if screen else ""),
    ]
    table = lst.table("reminders", "提醒名单", text_columns=("账号",),
                      formats={"利率": "pct", "起息日": "date", "到期日": "date", "实际可支取日": "date"})
    table.screen_columns = tuple(screen)  # hidden (one click shows them) and not printed
    return [
        Note(title=f"到期提醒名单 — {ctx.as_of:%Y-%m-%d} 使用",
             lines=[f"节点 到期前 N 天(N = {', '.join(str(int(k)) for k in params.reminder_days)}): {covers}; "
                    + lst.summary() + (" 姓名/证件/手机已脱敏, 客户号不脱敏。" if ctx.mask else "")]),
        Table(summary, name="reminder_summary", title="提醒汇总", formats={"笔数": "int", "客户数": "int"}),
        table,
        Note(title="名单说明", lines=[x for x in method if x]),
    ]
