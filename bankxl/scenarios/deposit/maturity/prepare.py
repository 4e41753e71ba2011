"""D2 preparation: the cleaned deposits with their maturity fields (:func:`prepare`), the org hierarchy
(:func:`org_hierarchy`), customer details per deposit (:func:`customer_info`) and 到期本息
(:func:`maturity_value`). SCENARIOS.md D2 计算 / 边界."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....calendar import add_months
from ....errors import DataValidationError
from ....frames import CLOSED_STATUS, active_deposit_mask, masked, per_distinct, text_column
from ....rules.identity import by_cust_id, customer_key, persons
from ....scenario import RunContext
from .labels import (NO_ORGS, P_LATER, P_OVERDUE, P_TODAY, UNMATCHED, amount_band, dtm_band, month_periods,
                     product_kind, term_labels)
from .params import MaturityParams



def prepare(td: pd.DataFrame, params: MaturityParams, ctx: RunContext) -> tuple[pd.DataFrame, list[str]]:
    """Clean the time deposits and derive the maturity fields.

    ``td``: the conformed 定期存款明细 (:func:`bankxl.conform.conform`; the runner does it).

    Returns (frame, notes). The frame has one row per kept deposit with columns acct_no, cust_id, cust_name,
    id_no, org_id, mgr_id, product, kind, value_date, maturity (contractual), actual (实际可支取日), dtm
    (days, int), term (months, Int64, given or derived), term_derived (bool), rate, balance, auto_renew,
    month (yyyy-mm), period (pivot column label), dtm_band, amount_band, term_band, excel_row.
    Row problems go to ``ctx.problems``; excluded-row counts are returned as notes.
    """
    notes: list[str] = []
    n0 = len(td)
    max_term = int(params.max_term_m)  # 最长期限 (月): a longer, zero or negative 期限 is TERM_INVALID
    d = pd.DataFrame({
        "acct_no": td["acct_no"], "cust_id": td["cust_id"], "cust_name": td["cust_name"], "id_no": td["id_no"],
        "org_id": td["org_id"], "mgr_id": td["mgr_id"], "product": td["product"], "value_date": td["value_date"],
        "maturity": td["maturity_date"], "term": td["term_m"], "term_d": td["term_d"], "rate": td["rate"],
        "balance": td["balance"], "auto_renew": td["auto_renew"], "ccy": td["ccy"], "status": td["status"],
        "excel_row": td["_row"],
    }, index=td.index).reset_index(drop=True)
    d["kind"] = product_kind(d["product"])
    d["product"] = d["product"].fillna(d["kind"])

    # closed accounts, zero balances, other currencies: not maturities to manage (notes, not problems)
    active, active_notes = active_deposit_mask(td, ctx.currency)
    notes.extend(active_notes)
    keep = pd.Series(active.to_numpy(), index=d.index)

    # 通知存款: no maturity date
    notice = d["kind"].eq("通知存款") & keep
    if notice.any():
        if params.notice_handling == "exclude":
            notes.append(f"通知存款 {int(notice.sum())} 笔、余额 {d.loc[notice, 'balance'].sum():,.2f} {ctx.base_unit}无到期日, "
                         "按参数「通知存款处理」= 不计入, 未计入。")
            keep &= ~notice
        else:
            fill = notice & d["maturity"].isna()
            due = ctx.as_of + pd.Timedelta(days=params.notice_days)
            d.loc[fill, "maturity"] = due
            notes.append(f"通知存款 {int(notice.sum())} 笔按数据日期后 {params.notice_days} 天到期计入(参数「通知存款处理」= "
                         f"按通知期计入), 其中无到期日的 {int(fill.sum())} 笔到期日记为 {due:%Y-%m-%d}。")

    # implausible 期限: never used to derive a maturity (1e4 months would overflow, 0 gives 到期日 = 起息日)
    no_term_kind = d["kind"].isin(("通知存款", "定活两便"))  # 0 = no fixed term, by design
    bad_term = keep & d["term"].notna() & ((d["term"] > max_term) | ((d["term"] <= 0) & ~no_term_kind))
    if bad_term.any():
        ctx.problem("time_deposits", d.loc[bad_term, "excel_row"], "term_m", "TERM_INVALID", d.loc[bad_term, "term"],
                    f"期限应为 1–{max_term} 个月",
                    "保留, 期限置空: 有到期日时期限按起息日与到期日推算; 无到期日时不推算到期日"
                    "(该行剔除, 见同一行 REQUIRED_EMPTY)")
        d.loc[bad_term, "term"] = pd.NA

    # 定活两便 has no fixed maturity by design: without a date it is not a data problem, just not a maturity
    flexible = keep & d["kind"].eq("定活两便") & d["maturity"].isna()
    if flexible.any():
        notes.append(f"定活两便 {int(flexible.sum())} 笔、余额 {d.loc[flexible, 'balance'].sum():,.2f} {ctx.base_unit}无约定到期日, "
                     "未计入到期视图。")
        keep &= ~flexible

    # missing maturity for the other non-notice products
    missing = keep & d["maturity"].isna() & ~d["kind"].eq("通知存款")
    # a term in days (表头「存期(天)」, loaded as term_d): 起息日 + 天数 — a 365-day deposit matures 365 days later
    by_days = missing & d["value_date"].notna() & d["term_d"].between(1, max_term * 31).fillna(False)
    if by_days.any():
        d.loc[by_days, "maturity"] = d.loc[by_days, "value_date"] + pd.to_timedelta(
            d.loc[by_days, "term_d"].astype("float64"), unit="D")
        ctx.problem("time_deposits", d.loc[by_days, "excel_row"], "maturity_date", "REQUIRED_EMPTY",
                    "起息日 " + d.loc[by_days, "value_date"].dt.strftime("%Y-%m-%d").astype("string")
                    + ", 期限 " + d.loc[by_days, "term_d"].astype("Int64").astype("string") + " 天",
                    "到期日为空或无法识别(无法识别的原值见同一行的 DATE_INVALID)", "保留, 到期日按起息日 + 期限(天)推算")
        missing &= ~by_days
    if missing.any():
        can = missing & d["value_date"].notna() & d["term"].notna() & (d["term"] > 0)
        if can.any():
            derived = add_months(d["value_date"].where(can), d["term"].where(can))
            given = ("起息日 " + d["value_date"].dt.strftime("%Y-%m-%d").astype("string") + ", 期限 "
                     + d["term"].astype("string") + " 月")
            far = can & derived.isna()
            if far.any():
                ctx.problem("time_deposits", d.loc[far, "excel_row"], "maturity_date", "DATE_INVALID", given[far],
                            "到期日为空, 按起息日 + 期限推算的到期日超出可处理的日期范围(1678–2261 年)",
                            "剔除该行")
                keep &= ~far
            ok = can & ~far
            d.loc[ok, "maturity"] = derived[ok]
            ctx.problem("time_deposits", d.loc[ok, "excel_row"], "maturity_date", "REQUIRED_EMPTY", given[ok],
                        "到期日为空或无法识别(无法识别的原值见同一行的 DATE_INVALID)",
                        "保留, 到期日按起息日 + 期限(月)推算(2 月 29 日起息 1 年 → 次年 2 月 28 日)")
        cannot = missing & ~can
        if cannot.any():
            ctx.problem("time_deposits", d.loc[cannot, "excel_row"], "maturity_date", "REQUIRED_EMPTY",
                        "账号 " + masked(d.loc[cannot, "acct_no"], "acct_no", ctx).fillna(""),
                        "到期日为空, 且无起息日或期限可推算", "剔除该行")
            keep &= ~cannot

    # maturity before value date
    order = keep & d["maturity"].notna() & d["value_date"].notna() & (d["maturity"] < d["value_date"])
    if order.any():
        ctx.problem("time_deposits", d.loc[order, "excel_row"], "maturity_date", "DATE_ORDER",
                    "起息日 " + d.loc[order, "value_date"].dt.strftime("%Y-%m-%d").astype("string") + " > 到期日 "
                    + d.loc[order, "maturity"].dt.strftime("%Y-%m-%d").astype("string"),
                    "到期日早于起息日", "剔除该行")
        keep &= ~order
    keep &= d["maturity"].notna()

    # derived term where missing (after the maturity derivations, so that a 到期日 from 存期(天) gets one too):
    # 存期(天) in months (90 天 -> 3, 365 -> 12: days / (365/12) rounded), else months between value date and
    # maturity
    months_between = ((d["maturity"].dt.year - d["value_date"].dt.year) * 12
                      + (d["maturity"].dt.month - d["value_date"].dt.month)).astype("Int64")
    by_days_m = (d["term_d"].where(d["term_d"].between(1, max_term * 31)) * 12 / 365).round().astype("Int64")
    derived = by_days_m.where(by_days_m > 0).fillna(months_between.where(months_between > 0))
    d["term_derived"] = (d["term"].isna() & derived.notna()).astype(bool)
    d["term"] = d["term"].fillna(derived)

    if n0 and not keep.any():
        _no_usable_rows(d, n0, max_term, keep_reasons=bool(active_notes) or notice.any() or flexible.any())
    d = d.loc[keep].reset_index(drop=True)
    d["actual"] = ctx.calendar.roll(d["maturity"], params.roll_rule) if len(d) else d["maturity"]
    # in whole days (datetime64[D]): a nanosecond difference overflows beyond 292 years
    d["dtm"] = (d["maturity"].to_numpy(dtype="datetime64[D]") - np.datetime64(ctx.as_of.date(), "D")).astype("int64")
    d["month"] = per_distinct(d["maturity"], lambda m: m.dt.strftime("%Y-%m").astype("string"))
    months = month_periods(ctx.as_of, params.months_ahead)
    period = d["month"].copy()
    period = period.mask(d["month"] > months[-1], P_LATER)
    period = period.mask(d["dtm"] == 0, P_TODAY)
    period = period.mask(d["dtm"] < 0, P_OVERDUE)
    d["period"] = period.astype("string")
    d["dtm_band"] = dtm_band(d["dtm"], params.dtm_edges)
    d["amount_band"] = amount_band(d["balance"], params.amount_edges, ctx.currency)
    d["term_band"] = per_distinct(d["term"], term_labels)
    d.loc[d["kind"].eq("通知存款"), "term_band"] = "通知存款"
    d.loc[d["kind"].eq("定活两便") & d["term"].isna(), "term_band"] = "定活两便"
    if n0 and len(d) < n0:
        notes.append(f"定期存款明细 {n0} 行, 计入到期视图 {len(d)} 笔。")
    return d, notes


def _no_usable_rows(d: pd.DataFrame, n0: int, max_term: int, keep_reasons: bool) -> None:
    """Stop the run when a 定期存款明细 of ``n0`` rows keeps no deposit and some row was left out because a value
    it needs is unknown (余额 blank, 到期日 blank with no 起息日 + 期限 to derive it, or a row problem): the report
    would show 到期金额 0 where the amount is unknown. Same rule as a required table without data rows
    (:func:`bankxl.runner._empty_tables`). ``d``: :func:`prepare`'s frame before the rows are dropped.
    Rows all left out for a known reason (closed, balance 0, another currency) return quietly: 0 is a fact.
    Raises DataValidationError (table time_deposits) with the counts per cause."""
    fixed = d["kind"].isin(("通知存款", "定活两便"))
    derivable = d["value_date"].notna() & ((d["term"] > 0).fillna(False).astype(bool)
                                           | d["term_d"].between(1, max_term * 31).fillna(False).astype(bool))
    closed = d["status"].astype("string").str.contains(CLOSED_STATUS, regex=True).fillna(False).astype(bool)
    no_balance = int((d["balance"].isna() & ~closed).sum())  # a closed account without a balance holds nothing
    no_maturity = int((d["maturity"].isna() & ~derivable & ~fixed).sum())
    if not (no_balance or no_maturity) and keep_reasons:
        return
    causes = [f"{label}为空{extra} {k:,} 行" for label, extra, k in (("余额", "", no_balance),
                                                                    ("到期日", "且无法推算", no_maturity)) if k]
    causes_en = [f"{col} blank in {k:,} rows" for col, k in (("balance", no_balance),
                                                             ("maturity date (not derivable)", no_maturity)) if k]
    raise DataValidationError(
        f"表「定期存款明细」(time_deposits)有 {n0:,} 行, 但没有一行可用: {'、'.join(causes) or '每行都有数据问题'}"
        f"(见数据问题)。到期金额未知, 不按 0 计; D2 存款到期视图 需要这些数据, 请检查导出的文件。",
        f"Table time_deposits has {n0:,} rows but none is usable ({'; '.join(causes_en) or 'a data problem on every row'})"
        f"; the amounts due are unknown, not 0. D2 needs this data; check the export.",
        table="time_deposits", column="balance" if no_balance else "maturity_date",
        column_zh="余额" if no_balance else "到期日")


# ------------------------------------------------------------------------------------------ hierarchy
def org_hierarchy(org_ids: pd.Series, orgs: pd.DataFrame | None, ctx: RunContext,
                  rows: pd.Series | None = None) -> tuple[pd.DataFrame, bool, list[str]]:
    """Map each deposit's org_id to (branch_id, branch, outlet_id, outlet).

    With ``orgs``: walk parent_id up to the root (an org without a parent in the table); 分行 = the ancestor
    just below the root, 支行/网点 = the deposit's org (an org directly under the root in a 3-level bank is a
    分行 booking its own deposits: outlet name "<分行>(本部)"). A bank whose orgs are at most two levels deep
    has no 分行 level (``has_branch`` False). Without ``orgs``: rows are org_id only.
    Returns (frame aligned with ``org_ids``, has_branch, notes).
    """
    ids = org_ids.fillna("(空)")
    if orgs is None or len(orgs) == 0:
        out = pd.DataFrame({"branch_id": NO_ORGS, "branch": NO_ORGS, "outlet_id": ids, "outlet": ids},
                           index=org_ids.index)
        return out, False, ["未提供机构表(orgs): 到期结构只按机构号列出, 不分分行/支行层级。"]
    o = orgs.drop_duplicates("org_id")
    name = dict(zip(o["org_id"], o["org_name"].fillna(o["org_id"])))
    parent = {}
    for k, p in zip(o["org_id"], o["parent_id"]):  # one step per org (the 机构 table), not per deposit
        if p is not pd.NA and pd.notna(p) and p in name and p != k:
            parent[k] = p

    def chain(k: str) -> list[str]:
        c = [k]
        while c[-1] in parent and parent[c[-1]] not in c and len(c) < 20:
            c.append(parent[c[-1]])
        return c

    chains = {k: chain(k) for k in name}
    has_branch = max((len(c) for c in chains.values()), default=1) >= 3
    mapping = {}
    for k, c in chains.items():
        if has_branch and len(c) >= 3:
            mapping[k] = (c[-2], name[c[-2]], k, name[k])
        elif has_branch and len(c) == 2:
            mapping[k] = (k, name[k], k, f"{name[k]}(本部)")
        elif has_branch:  # the root itself
            mapping[k] = (k, name[k], k, f"{name[k]}(总行本部)")
        else:
            root = c[-1]
            mapping[k] = (root, name[root], k, name[k])
    notes = []
    unknown = ~ids.isin(list(mapping))
    if unknown.any():
        if rows is not None:
            ctx.problem("time_deposits", rows[unknown], "org_id", "VALUE_INVALID", ids[unknown],
                        "机构号不在机构表中", f"保留, 归入「{UNMATCHED}」")
        notes.append(f"{int(unknown.sum())} 笔存款的机构号不在机构表中, 归入「{UNMATCHED}」。")
    cols = ["branch_id", "branch", "outlet_id", "outlet"]
    table = pd.DataFrame(list(mapping.values()), index=pd.Index(list(mapping), dtype="string"), columns=cols)
    out = table.reindex(ids.to_numpy()).set_axis(org_ids.index).astype("string")  # one lookup, not per deposit
    unk = unknown.to_numpy()
    out.loc[unk, "branch_id"] = UNMATCHED
    out.loc[unk, "branch"] = UNMATCHED
    out.loc[unk, "outlet_id"] = ids[unk]
    out.loc[unk, "outlet"] = ids[unk]
    if not has_branch:
        notes.append("机构表只有两级(全行 → 网点), 到期结构不设分行层级。")
    return out, has_branch, notes



# ------------------------------------------------------------------------------------------ money helpers
def maturity_value(d: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """到期本息(元) and its 说明 per deposit.

    整存整取 / 大额存单 / 其他: 本金 × (1 + 年利率 × 存期月数 / 12) (simple interest, no compounding, no tax —
    储蓄存款利息个人所得税 has been suspended since 2008-10-09 【自有知识】); 零存整取: 余额 × (1 + 年利率 × (n+1)/24)
    (余额 = 月存额 × n; approximation); 通知存款 / 定活两便 / missing rate or term: not computed (NaN).
    """
    r, t, b = d["rate"], d["term"].astype("Float64").astype("float64"), d["balance"]
    simple = b * (1 + r * t / 12)
    zl = b * (1 + r * (t + 1) / 24)
    kind = d["kind"]
    val = pd.Series(np.where(kind.eq("零存整取"), zl, simple), index=d.index, dtype="float64")
    note = pd.Series("单利", index=d.index, dtype="string")
    note = note.mask(kind.eq("零存整取"), "零存整取近似")
    note = note.mask(d["term_derived"].fillna(False), note + "(存期推算)")
    no = kind.isin(["通知存款", "定活两便"])
    val = val.mask(no)
    note = note.mask(no, "不计算")
    miss = ~no & (r.isna() | t.isna())
    val = val.mask(miss)
    note = note.mask(miss, "缺利率或期限")
    return val.round(2), note


def customer_info(d: pd.DataFrame, customers: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """Who each deposit belongs to: the shown details and the customer identity (:mod:`bankxl.rules.identity`).

    ``d``: the deposits of :func:`prepare` (cust_id, cust_name, id_no). ``customers``: the optional 客户 table
    (cust_id, cust_name, id_no, phone), looked up by the trimmed 客户号 (:func:`~bankxl.rules.identity.by_cust_id`:
    first row per customer); its values win, the deposit row's fill the gaps.

    Returns (frame on ``d``'s index with cust_name, id_no, phone (string), ``cust`` (string: the 客户号 standing
    for the customer) and ``ckey`` (Int64: one code per customer, <NA> for a deposit without any identifier);
    说明 lines on merged 客户号 and identity conflicts). The shared key order: the 客户号 of one person — the
    same valid 证件号, 15 digits normalised to 18; invalid or ID_CORRUPT numbers never match — are one customer
    represented by the smallest 客户号 (:func:`~bankxl.rules.identity.persons`); a deposit without 客户号 is
    keyed by its 证件号, else 姓名+手机号 (:func:`~bankxl.rules.identity.customer_key`). Vectorised.
    """
    out = pd.DataFrame({"cust_name": d["cust_name"], "id_no": d["id_no"],
                        "phone": pd.Series(pd.NA, index=d.index, dtype="string")}).astype("string")
    key = text_column(d, "cust_id")
    c = by_cust_id(customers)
    cols = [col for col in ("cust_name", "id_no", "phone") if col in c.columns]
    if cols:
        at = c.index.get_indexer(key)  # one hash lookup for the three columns (-1: not in the 客户 table)
        for col in cols:
            found = pd.Series(c[col].astype("string").array.take(at, allow_fill=True), index=key.index)
            out[col] = found.fillna(out[col]).astype("string")
    # distinct (客户号, ID, name) rows, first occurrences in order: persons() sees the same first ID per 客户号
    who = persons(pd.DataFrame({"cust_id": key, "id_no": out["id_no"], "cust_name": out["cust_name"]})
                  .drop_duplicates())
    cust = who.of(key.replace("", pd.NA)).astype("string")
    loose = cust.isna().to_numpy()  # no 客户号: keyed by 证件号, else 姓名+手机号
    if loose.any():
        ck = "客户号:" + cust
        ck[loose] = customer_key(out[loose].assign(cust_id=cust[loose]))
    else:  # the same codes as for "客户号:" + cust (first appearance), without a million string copies
        ck = cust
    codes = pd.factorize(ck)[0]
    out["cust"] = cust
    out["ckey"] = pd.array(codes, dtype="Int64")
    out.loc[codes < 0, "ckey"] = pd.NA
    return out, who.notes()
