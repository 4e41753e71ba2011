"""C9 贷款流失客户 Loan churn by year and region (SCENARIOS.md "C9"; issue 3).

Inputs (canonical tables, ``bankxl.tables``):

* ``loans`` 贷款 (required) — loan_id · cust_id · start_date 放款日 · end_date 结清日 · maturity_date 到期日 ·
  amount 贷款金额 (元 or the data's currency) · status 贷款状态 (A 已结清正常 / B 已结清未还清 / C 正常 /
  D 逾期; the Chinese words of ``bankxl.tables.LOAN_STATUS_ALIASES`` are mapped) · org_id · product ·
  term_m.  A loan is *finished* when its status is A/B (then its finish date is ``end_date``, else
  ``maturity_date``), or, with no status, when it has an ``end_date``; a finished loan without any date is
  a row problem (LOAN_END_MISSING) and is treated as running.
* ``customers`` (optional) — names, ID numbers, phones, manager and org for the win-back list.
* ``orgs`` (optional) — org_id -> region (地区) / org_name: the region of a customer is that of the org of
  their loans (latest loan held at the start of the year; fallback ``customers.org_id``).
* ``product_holdings`` (optional) — non-loan products still held raise the win-back priority.

Definition (SCENARIOS.md C9 【假设】, parameters in brackets). For each year Y with S = 1 Jan, E = 31 Dec
(or the as-of date in the as-of year):

* base (denominator): customers with at least one loan outstanding at S (start < S, not finished before S);
* 仍在贷: one of those loans is still outstanding at E;
* else the customer finished them all during Y (first finish f1, last finish f2):
  - 不良结清: one of them finished with status B (unpaid, written off) — not churn, reported separately;
  - 续贷/新贷保留: another loan started within [f1 − ``refinance_grace_days``, f2 + ``window_days``]
    (借新还旧 and new loans within the window), or another loan started earlier is outstanding after f2;
  - 流失: none of that; when f2 + window is after the as-of date the window is not complete
    (流失(观察期未满)), counted as churn when ``count_pending`` (default) and shown separately.
* 户数流失率 = churned customers / base customers; 余额流失率 = churned customers' start-of-year balance /
  all base customers' start-of-year balance. The start-of-year balance is the loans' ``amount`` (原额):
  a loan table is one snapshot and carries no balance history (Berka has no balances at all); say so.

Output sheets: 流失概览 (per year, trend chart), 区域热力 (region × year churn rates with a colour scale,
bar chart of churned customers by region), 分产品, 挽回名单 (SCENARIOS.md §6 名单表 via :mod:`bankxl.lists`:
the rules of :func:`winback_rules` — every point a parameter —, levels/strategy parameters ``levels`` /
``strategy``, 截止日 in working days, rank 得分 then 原贷款金额 then 结清日 then 客户号; a factor the data do
not hold (no product_holdings table, an unknown term or amount) is not scored but listed in 未计算因素;
status-B finishes excluded), 不良结清 (reported separately, not for marketing), 客户年度明细 (every base
customer × year with the outcome, for audit), 客户标签 (§6 tags C9_CHURN 贷款流失, C9_WINBACK 流失挽回 =
得分/等级, C9_BAD_FINISH 不良结清).

Errors: a missing required table/column is raised by the runner; nothing else raises — row problems
(LOAN_DATE_ORDER, LOAN_END_MISSING, LOAN_NO_CUSTOMER) go to ``ctx.problems``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ...errors import ParameterError
from ...lists import Rule, check_levels, levels_param, score_list, strategy_param
from ...report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ...scenario import RunContext, Scenario, param
from ...tables import LOAN_STATUS, loan_status_code
from ...tags import tag_rows, tag_sheet, tag_table
from ...frames import customer_columns, join_values, per_distinct, stripped
from ...rules.identity import by_cust_id, persons

STILL, RENEWED, CHURN, PENDING, BAD = "仍在贷", "续贷/新贷保留", "流失", "流失(观察期未满)", "不良结清"
OUTCOMES = (STILL, RENEWED, CHURN, PENDING, BAD)
#: columns of the win-back list frame an action of the 策略表 may name as {placeholder}
ACTION_FIELDS = ("product", "held_txt", "year")


@dataclass(frozen=True)
class LoanChurnParams:
    """Parameters of C9 (defaults SCENARIOS.md C9 【假设】)."""

    years: tuple = param((), "统计年份", "年", help="如 [2019,2020,2021,2022]; 空 = 自首笔放款次年至数据日期所在年",
                         min=1900, max=2200)
    window_days: int = param(180, "新放款观察窗口", "天", help="结清后该天数内无新放款才算流失")
    refinance_grace_days: int = param(30, "借新还旧宽限", "天", help="结清前该天数内发放的新贷款视为借新还旧(保留)")
    count_pending: bool = param(True, "观察期未满计入流失", help="结清后窗口尚未走完(超过数据日期)时是否先计入流失")
    region_by: str = param("region", "区域口径", help="地区 = 机构表的地区列; 机构 = 按机构(网点)",
                           choices={"region": "地区", "org": "机构"})
    list_limit: int = param(2000, "名单上限", "户", help="挽回名单最多列出的客户数(按排名)")
    heat_min_base: int = param(30, "着色最小分组", "户", min=1, max=100_000,
                               help="区域热力中年初有贷客户少于该值的格子不着色: 比率基于太少的客户(1 户流失即 50%), 并无意义")
    # 挽回名单得分(0–100)【假设】: the rules of :func:`winback_rules`
    recent_days: tuple = param((180, 365, 730), "挽回-结清距今分档", "天", increasing=True, min=1, max=3660,
                               help="结清距今天数分档上限(含): 默认 ≤180 / ≤365 / ≤730 / 更早")
    recent_points: tuple = param((40, 30, 20, 10), "挽回-结清距今得分", "分",
                                 help="各档得分, 比分档多一个(最后一个为更早)")
    amount_weight: float = param(30.0, "挽回-原贷款金额权重", "分", help="得分 += 原贷款金额在名单中的分位(0–1) × 该值")
    holding_points: float = param(20.0, "挽回-持有本行产品得分", "分", help="仍持有本行其他(非贷款)产品时加分")
    long_term_months: int = param(24, "挽回-长期贷款期限", "月", help="原贷款期限 ≥ 该值视为长期关系")
    long_term_points: float = param(10.0, "挽回-长期贷款得分", "分", help="原贷款期限达到上项时加分")
    levels: tuple = levels_param((("A", 70), ("B", 50), ("C", 0)))
    #: removed ids (and their 中文 labels) -> the parameter that replaced them (refused naming it)
    RENAMED: ClassVar[dict[str, str]] = {"level_scores": "levels", "挽回等级门槛A/B": "levels"}
    strategy: tuple = strategy_param(
        (("A", "客户经理电话回访: 了解资金需求与结清原因, 推荐续贷/消费贷, 优先审批", 5),
         ("B", "纳入外呼名单: 推送贷款产品与利率信息, 了解是否已在他行贷款", 20),
         ("C", "短信/手机银行推送贷款产品; 持续关注资金需求", 20)),
        help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); 动作中可用 "
             + "、".join("{" + f + "}" for f in ACTION_FIELDS) + "(原贷款品种、仍持有的产品、流失年份)")

    def check(self) -> None:
        """Rules across values: one more 结清距今得分 than 分档; 等级门槛 from high to low with one 策略表 row
        per level, actions using only :data:`ACTION_FIELDS` (:func:`bankxl.lists.check_levels`). Raises
        ParameterError."""
        if len(self.recent_points) != len(self.recent_days) + 1:
            raise ParameterError(
                f"参数「挽回-结清距今得分(recent_points)」应比「挽回-结清距今分档(recent_days)」多一个值: 分档 "
                f"{len(self.recent_days)} 个, 得分 {len(self.recent_points)} 个。",
                f"recent_points needs one value more than recent_days ({len(self.recent_days)} bands, "
                f"{len(self.recent_points)} points).")
        check_levels(self.levels, self.strategy, ACTION_FIELDS)


# ============================================================================ core computation
def _prepare(loans: pd.DataFrame, ctx: RunContext | None) -> pd.DataFrame:
    """Normalised loan rows: cust_id, start, end (finish date or NaT = running), code, amount, org, product.
    ``loans``: the conformed 贷款 table (:func:`bankxl.conform.conform`)."""
    df = loans
    code = loan_status_code(df["status"])
    end_col, mat = df["end_date"], df["maturity_date"]
    finished = code.isin(["A", "B"]).fillna(False).astype(bool)
    no_status = code.isna().to_numpy()
    end = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    end = end.mask(finished, end_col.fillna(mat))
    end = end.mask(no_status & end_col.notna().to_numpy(), end_col)
    code = code.mask(no_status & end_col.notna().to_numpy(), "A")
    out = pd.DataFrame({
        "loan_id": df["loan_id"], "cust_id": df["cust_id"], "start": df["start_date"], "end": end,
        "code": code, "amount": df["amount"], "org_id": df["org_id"], "product": df["product"],
        "term_m": df["term_m"], "_row": df["_row"],
    }, index=df.index)
    if ctx is not None:
        bad = finished & end.isna()
        _log(ctx, out[bad], "end_date", "LOAN_END_MISSING", out.loc[bad, "code"],
             "已结清贷款(状态 A/B)没有结清日也没有到期日", "按未结清处理")
        out.loc[bad, "code"] = pd.NA
        order = out["end"].notna() & out["start"].notna() & (out["end"] < out["start"])
        _log(ctx, out[order], "end_date", "LOAN_DATE_ORDER", out.loc[order, "end"].dt.strftime("%Y-%m-%d"),
             "结清日早于放款日", "该笔贷款不参与计算")
        nost = out["start"].isna()
        _log(ctx, out[nost], "start_date", "DATE_INVALID", out.loc[nost, "start"], "放款日为空",
             "该笔贷款不参与计算")
        nocust = out["cust_id"].isna() | (stripped(out["cust_id"]) == "")
        _log(ctx, out[nocust.fillna(True)], "cust_id", "LOAN_NO_CUSTOMER", out.loc[nocust.fillna(True), "cust_id"],
             "借据没有客户号", "该笔贷款不参与计算")
        out = out[~order & ~nost & ~nocust.fillna(True)]
    return out


def _log(ctx, rows, column, code, values, reason, action):
    ctx.problem("loans", rows["_row"], column, code, values, reason, action)


def churn_by_customer_year(loans: pd.DataFrame, years, as_of, window_days: int = 180,
                           refinance_grace_days: int = 30) -> pd.DataFrame:
    """Every (year, customer) of the churn base with its outcome.

    ``loans``: the frame of :func:`_prepare` (cust_id, start, end = finish date or NaT, code, amount ...).
    Returns columns year, cust_id, n_loans (loans outstanding at S), start_balance (Σ amount of those;
    NaN when none has an amount), first_end, last_end, outcome (one of :data:`OUTCOMES`), bad (any status B), loan_id/org_id/product/
    term_m/code of the customer's largest loan held at S (largest amount, then the later 放款日, then input order);
    rows by year (in the order of ``years``), then 客户号.

    Method (issue 16 item 3): one pass over all years on integer codes — 客户号 factorised once (sorted), the
    (year, loan) pairs outstanding at S from a years × loans mask, per (year, customer) group reductions on the
    sorted pairs; Σ amount by pandas' groupby sum over the same rows in the same order as a per-year groupby.
    """
    as_of = pd.Timestamp(as_of)
    w = np.timedelta64(int(window_days), "D")
    g = np.timedelta64(int(refinance_grace_days), "D")
    cols = ["year", "cust_id", "n_loans", "start_balance", "first_end", "last_end", "outcome", "bad",
            "loan_id", "org_id", "product", "term_m", "code", "year_end"]
    years = [int(y) for y in years]
    ys = np.array([pd.Timestamp(year=y, month=1, day=1).to_datetime64() for y in years], dtype="datetime64[ns]")
    ye = np.array([min(pd.Timestamp(year=y, month=12, day=31), as_of).to_datetime64() for y in years],
                  dtype="datetime64[ns]")
    cc, cust = pd.factorize(loans["cust_id"], sort=True)  # groupby's sorted keys; a missing 客户号 (-1) is no group
    st = loans["start"].to_numpy(dtype="datetime64[ns]")
    en = loans["end"].to_numpy(dtype="datetime64[ns]")
    running = np.isnat(en)
    # outstanding at S of each year: years × loans (NaT comparisons are False, as in pandas)
    act = (st[None, :] < ys[:, None]) & (running[None, :] | (en[None, :] >= ys[:, None]))
    if not act.any():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    act &= (cc >= 0)[None, :]
    yj, r = np.nonzero(act)  # by year, then input order (the order of a per-year filter)
    key = yj.astype(np.int64) * len(cust) + cc[r]
    o = np.argsort(key, kind="stable")  # group order (year, 客户号); input order kept within a group
    yj, r, key = yj[o], r[o], key[o]
    new_grp = np.r_[True, key[1:] != key[:-1]][:len(key)]
    head, grp = np.flatnonzero(new_grp), np.cumsum(new_grp) - 1
    n = len(head)
    gy, gc = yj[head], cc[r[head]]
    amount = loans["amount"].to_numpy(dtype="float64", na_value=np.nan)[r]
    total = pd.Series(amount).groupby(grp, sort=True).sum().to_numpy()  # pandas' (compensated) sum, as before
    n_amount = np.bincount(grp, weights=~np.isnan(amount), minlength=n)
    end_r = en[r]
    still = np.bincount(grp, weights=np.isnat(end_r) | (end_r > ye[yj]), minlength=n) > 0
    e64 = end_r.view(np.int64)  # NaT is int64's minimum: last_end = max as is; first_end skips it
    nat, big = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    first_end = np.minimum.reduceat(np.where(e64 == nat, big, e64), head) if n else e64[:0]
    first_end = np.where(first_end == big, nat, first_end).view("datetime64[ns]")
    last_end = (np.maximum.reduceat(e64, head) if n else e64[:0]).view("datetime64[ns]")
    bad = np.bincount(grp, weights=loans["code"].eq("B").fillna(False).to_numpy(dtype=bool)[r], minlength=n) > 0
    # the largest loan held at S: amount descending (missing last), then the later 放款日, then input order
    top_order = np.lexsort((r, -st[r].view(np.int64), np.where(np.isnan(amount), 0.0, -amount), np.isnan(amount),
                            grp))
    top = r[top_order[head]]
    # 续贷/新贷保留: another loan of the customer (not outstanding at S) started within [first end − grace,
    # last end + window], or started before first end − grace and running past the last end
    by_cust = np.argsort(cc, kind="stable")
    c_start = np.searchsorted(cc[by_cust], np.arange(len(cust) + 1))
    cnt = c_start[gc + 1] - c_start[gc]
    pg = np.repeat(np.arange(n), cnt)
    pos = np.arange(len(pg)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    lo = by_cust[c_start[gc][pg] + pos]
    lo_st, lo_en = st[lo], en[lo]
    fe, le = first_end[pg], last_end[pg]
    near = (lo_st >= fe - g) & (lo_st <= le + w)
    run_past = (lo_st < fe - g) & (np.isnat(lo_en) | (lo_en > le))
    renewed = np.bincount(pg, weights=(near | run_past) & ~act[gy[pg], lo], minlength=n) > 0
    outcome = np.where(still, STILL, np.where(bad, BAD, np.where(renewed, RENEWED,
                       np.where(last_end + w > as_of.to_datetime64(), PENDING, CHURN))))
    out = pd.DataFrame({
        "year": np.asarray(years, dtype=np.int64)[gy], "cust_id": cust.take(gc),
        "n_loans": np.diff(np.r_[head, len(r)]).astype(np.int64),
        "start_balance": np.where(n_amount > 0, total, np.nan), "first_end": first_end, "last_end": last_end,
        "outcome": outcome, "bad": pd.array(bad, dtype="boolean")})
    for c in ("loan_id", "org_id", "product", "term_m", "code"):
        out[c] = loans[c].array.take(top)
    out["year_end"] = ye[gy]
    return out[cols]


def rates(detail: pd.DataFrame, by: list[str], count_pending: bool = True) -> pd.DataFrame:
    """Churn counts and rates per group of ``detail`` (from :func:`churn_by_customer_year`).

    Columns: base, base_balance, still, renewed, churn (incl. pending when ``count_pending``), pending,
    bad, churn_balance, rate_count = churn/base, rate_balance = churn_balance/base_balance (NaN when the
    denominator is 0).  ``base`` counts *customer-years* (rows of ``detail``, one per year × customer):
    within one year that is the number of base customers; over several years it is Σ yearly bases (户次),
    so that rate_count = Σ churn / Σ yearly base, the same unit as the numerator.
    """
    d = detail.assign(
        is_churn=detail["outcome"].isin([CHURN, PENDING] if count_pending else [CHURN]),
        is_pending=detail["outcome"].eq(PENDING), is_bad=detail["outcome"].eq(BAD),
        is_still=detail["outcome"].eq(STILL), is_renew=detail["outcome"].eq(RENEWED))
    d["churn_balance"] = d["start_balance"].where(d["is_churn"], 0.0)
    r = d.groupby(by, sort=True).agg(base=("cust_id", "size"), base_balance=("start_balance", "sum"),
                                     still=("is_still", "sum"), renewed=("is_renew", "sum"),
                                     churn=("is_churn", "sum"), pending=("is_pending", "sum"),
                                     bad=("is_bad", "sum"), churn_balance=("churn_balance", "sum"))
    r["rate_count"] = r["churn"] / r["base"].where(r["base"] > 0)
    r["rate_balance"] = r["churn_balance"] / r["base_balance"].where(r["base_balance"] > 0)
    r["rate_bad"] = r["bad"] / r["base"].where(r["base"] > 0)
    return r.reset_index()


# ============================================================================ run
def run(tables, params: LoanChurnParams, ctx: RunContext) -> Report:
    """C9: see the module docstring. Returns the report; never mutates the inputs."""
    p = params
    loans = _prepare(tables["loans"], ctx)
    customers = tables.get("customers")
    orgs = tables.get("orgs")
    holdings = tables.get("product_holdings")
    method = _method(p, ctx)
    notes: list[str] = []
    rep = Report(title="贷款流失客户", method=method, notes=notes)
    # one person, one customer (rules.identity): loans and holdings of 客户号 with the same 证件号 count together
    who = persons(customers)
    notes += who.notes()
    loans = loans.assign(cust_id=who.of(loans["cust_id"]))
    if holdings is not None:
        holdings = holdings.assign(cust_id=who.of(holdings["cust_id"]))

    n_multi = int((loans.groupby("cust_id").size() >= 2).sum()) if len(loans) else 0
    notes.append(f"有 2 笔及以上贷款的客户: {n_multi} 户(共 {loans['cust_id'].nunique()} 户有贷款记录)。"
                 + (" 本数据中没有任何客户有第二笔贷款, 因此「结清后新放款」不会出现: 结清(不良结清除外)即流失。"
                    if n_multi == 0 and len(loans) else ""))
    notes.append("年初余额口径: 贷款金额(原额)。贷款表是一个时点的快照, 没有历史余额"
                 + ("(本数据没有任何余额)" if "balance" not in tables["loans"] or
                    tables["loans"]["balance"].isna().all() else "") + ", 余额流失率以原额近似。")
    notes.append("场景定义要求剔除身故客户: 数据中没有身故标志, 未剔除。")
    end_label, end_note = _end_label(tables["loans"])
    if end_note:
        notes.append(end_note)

    years = _years(p, loans, ctx)
    detail = churn_by_customer_year(loans, years, ctx.as_of, p.window_days, p.refinance_grace_days)
    if detail.empty:
        rep.sheets.append(Sheet("流失概览", [Note(title="贷款流失客户", lines=[
            f"统计年份 {list(years) or '无'} 内没有年初有贷客户, 无法计算流失率。",
            "请检查放款日/结清日, 或在参数「统计年份」中指定年份。"])]))
        return rep
    detail["region"] = _regions(detail, customers, orgs, p.region_by)
    partial_year = _partial_year(detail, ctx.as_of)
    if partial_year:
        notes.append(f"{partial_year} 年只统计到数据日期 {ctx.as_of:%Y-%m-%d}(非全年): 年末取数据日期, "
                     "流失率低于全年口径, 不宜与往年直接比较。")

    rep.sheets.append(_overview(detail, p, ctx, partial_year))
    rep.sheets.append(_heat(detail, p, ctx))
    rep.sheets.append(_by_product(detail, p, ctx))
    winback, lst = _winback(detail, customers, holdings, p, ctx, end_label, notes)
    rep.sheets.append(winback)
    rep.sheets.append(_bad_list(detail, customers, ctx, end_label))
    rep.sheets.append(_detail_sheet(detail, ctx, end_label))
    rep.sheets.append(tag_sheet(_tags(detail, lst, p, ctx)))
    rep.headline = _headline(detail, p, ctx, partial_year, lst is not None)
    return rep


def _headline(detail: pd.DataFrame, p: LoanChurnParams, ctx: RunContext, partial_year: int | None,
              has_list: bool) -> Headline:
    """概览 (issue 10 item 1) leading with the latest year Y of ``detail`` (the data date's year; it may be
    partial): Y's 流失客户数 (户), 户数流失率 and 余额流失率 (%), 年初有贷客户数 and 不良结清客户数 (户), each
    against year Y−1 (上年, or 上年全年 when Y is counted only to the data date; blank when Y−1 has no base
    customers); chart: the 近年 table (``churn_recent``, up to 5 years) on 流失概览; top 10 of 挽回名单."""
    r = rates(detail, ["year"], p.count_pending)
    r = r.assign(year=r["year"].astype(int)).set_index("year")
    y = int(r.index.max())
    cur, prev = r.loc[y], (r.loc[y - 1] if y - 1 in r.index else None)
    label = "上年全年" if partial_year == y else "上年"
    why = None if prev is not None else f"{y - 1} 年没有年初有贷客户, 无上年对比"

    def was(col):
        return None if prev is None else float(prev[col])
    pending = int(cur["pending"])
    figs = [Figure(f"{y}年 流失客户数", int(cur["churn"]), "户", "int", label, was("churn"),
                   f"其中观察期未满 {pending} 户" if pending and p.count_pending else why),
            Figure(f"{y}年 户数流失率", _num(cur["rate_count"]), "%", "pct1", label, _num(was("rate_count")), why),
            Figure(f"{y}年 余额流失率", _num(cur["rate_balance"]), "%", "pct1", label, _num(was("rate_balance")),
                   why or "年初余额以贷款原额近似"),
            Figure(f"{y}年 年初有贷客户数", int(cur["base"]), "户", "int", label, was("base"), why),
            Figure(f"{y}年 不良结清客户数", int(cur["bad"]), "户", "int", label, was("bad"),
                   why or "不计入流失, 见「不良结清」")]
    lines = [f"{y} 年只统计到数据日期 {ctx.as_of:%Y-%m-%d}(非全年), 上年为全年: 流失数与流失率偏低, 对比时注意。"
             if partial_year == y else f"{y} 年全年。"]
    chart = Chart(table="churn_recent", categories="年份", series=["户数流失率", "余额流失率"], kind="column",
                  title="近年流失率", y_title="流失率", number_format="0%", height=240)
    return Headline(figs, chart=chart, actions="winback_list" if has_list else None, lines=lines)


def _num(v) -> float | None:
    """A rate as a float, None when unknown (NaN: no base)."""
    return None if v is None or pd.isna(v) else float(v)


def _end_label(loans: pd.DataFrame) -> tuple[str, str]:
    """(header of the finish date, note for 说明). A finished loan (status A/B) without 结清日 finishes on its
    到期日 (:func:`_prepare`): when no finished loan has a 结清日 (Berka: loan.csv gives none), every finish date
    is the scheduled end, so the lists call it 约定到期日; when only some lack one, 结清日 and a note."""
    finished = loan_status_code(loans["status"]).isin(["A", "B"]).fillna(False).astype(bool)
    has_end, has_mat = loans["end_date"].notna(), loans["maturity_date"].notna()
    n_mat, n_act = int((finished & ~has_end & has_mat).sum()), int((finished & has_end).sum())
    if not n_mat:
        return "结清日", ""
    if not n_act:
        return "约定到期日", (f"数据没有实际结清日: {n_mat} 笔已结清贷款的结清时间取约定到期日(到期日, 如放款日 + 期限), "
                          "名单与明细中称「约定到期日」; 提前结清的客户实际结清更早。")
    return "结清日", f"{n_mat} 笔已结清贷款没有结清日, 以约定到期日代替(其余 {n_act} 笔为实际结清日)。"


def _partial_year(detail: pd.DataFrame, as_of) -> int | None:
    """The as-of year when it is in ``detail`` and the data date is not 31 Dec (that year is counted only up
    to the data date, E = as_of); else None."""
    as_of = pd.Timestamp(as_of)
    if (as_of.month, as_of.day) == (12, 31):
        return None
    return int(as_of.year) if detail["year"].astype(int).eq(int(as_of.year)).any() else None


def _years(p: LoanChurnParams, loans: pd.DataFrame, ctx: RunContext) -> list[int]:
    if p.years:
        return [int(y) for y in p.years]
    if loans.empty or loans["start"].isna().all():
        return []
    first = int(loans["start"].min().year) + 1
    return list(range(first, int(ctx.as_of.year) + 1))


def _regions(detail: pd.DataFrame, customers, orgs, region_by: str) -> pd.Series:
    org = detail["org_id"]
    if customers is not None:
        org = org.fillna(detail["cust_id"].map(by_cust_id(customers)["org_id"]))
    if orgs is not None and len(orgs):
        o = orgs.drop_duplicates("org_id").set_index("org_id")
        if region_by == "org":
            reg = org.map(o["org_name"]).fillna(org)
        else:
            reg = org.map(o["region"]).fillna(org.map(o["org_name"])).fillna(org)
    else:
        reg = org
    return reg.fillna("未知").astype("string")


def _rate_frame(r: pd.DataFrame, ctx: RunContext, key: str, key_zh: str) -> pd.DataFrame:
    ml = ctx.money_label
    return pd.DataFrame({
        key_zh: r[key].astype(str) if key != "year" else r[key].astype(int).astype(str),
        "年初有贷客户数": r["base"].astype(int), ml("年初余额"): ctx.money(r["base_balance"]),
        "仍在贷": r["still"].astype(int), "续贷/新贷保留": r["renewed"].astype(int),
        "流失客户数": r["churn"].astype(int), "其中观察期未满": r["pending"].astype(int),
        "不良结清客户数": r["bad"].astype(int), ml("流失客户年初余额"): ctx.money(r["churn_balance"]),
        "户数流失率": r["rate_count"], "余额流失率": r["rate_balance"], "不良结清率": r["rate_bad"],
    })


#: years of the 近年 table behind the headline chart
RECENT_YEARS = 5
_RATE_FMT = {"户数流失率": "pct1", "余额流失率": "pct1", "不良结清率": "pct1"}


def _overview(detail, p, ctx, partial_year) -> Sheet:
    r = rates(detail, ["year"], p.count_pending)
    df = _rate_frame(r, ctx, "year", "年份")
    df.insert(1, "口径", [f"截至数据日期 {ctx.as_of:%Y-%m-%d}" if int(y) == partial_year else "全年"
                        for y in df["年份"]])
    tot = rates(detail.assign(all="合计"), ["all"], p.count_pending)
    blocks = [
        Note(title="贷款流失客户 — 年度概览", lines=[
            (f"流失 = 年初有贷客户在当年结清全部贷款, 且结清后 {p.window_days} 天内(含结清前 "
            f"{p.refinance_grace_days} 天借新还旧)没有新放款; 不良结清(状态 B)不算流失, 单列。"),
            (f"年初有贷客户-年合计 {int(tot['base'].iloc[0]):,} 户次, 流失 {int(tot['churn'].iloc[0]):,} 户次, "
            f"不良结清 {int(tot['bad'].iloc[0]):,} 户次(户次 = 各年年初有贷客户数之和, 一户跨多年计多次)。")]
            + ([f"{partial_year} 年只统计到数据日期 {ctx.as_of:%Y-%m-%d}(口径「截至数据日期」, 非全年)。"]
               if partial_year else [])),
        Table(df, name="churn_by_year", title="年度流失", formats=_RATE_FMT,
              conditional=[Conditional(["户数流失率"], kind="data_bar")]),
        Chart(table="churn_by_year", categories="年份", series=["户数流失率", "余额流失率", "不良结清率"],
              kind="line", title="流失率年度趋势", y_title="流失率", number_format="0%"),
        Table(df.tail(RECENT_YEARS)[["年份", "口径", "年初有贷客户数", "流失客户数", "户数流失率", "余额流失率"]]
              .reset_index(drop=True), name="churn_recent", title=f"近 {RECENT_YEARS} 年(概览图表的数据)",
              formats=_RATE_FMT),
    ]
    return Sheet("流失概览", blocks)


def _heat(detail, p, ctx) -> Sheet:
    r = rates(detail, ["region", "year"], p.count_pending)
    r["year"] = r["year"].astype(int).astype(str) + "年"
    blocks = [Note(title="区域 × 年份", lines=[
        (f"区域口径: {'机构表「地区」' if p.region_by == 'region' else '机构(网点)'}; 色阶: 绿 = 低, 红 = 高; "
        "空白 = 该区域当年没有年初有贷客户。"),
        f"年初有贷客户少于 {p.heat_min_base} 户的格子不着色(参数「着色最小分组」): 比率基于太少的客户, "
        "一户流失就成了高比率, 并无意义; 比率仍显示, 分母见下方客户数表。"])]
    nbase = r.pivot(index="region", columns="year", values="base")
    nbase.columns = [str(c) for c in nbase.columns]
    nbase = nbase.reset_index(drop=True)  # same region order as the rate tables (pivot sorts the index)
    for key, title, name in (("rate_count", "户数流失率", "heat_count"), ("rate_balance", "余额流失率", "heat_balance")):
        wide = r.pivot(index="region", columns="year", values=key)
        wide.columns = [str(c) for c in wide.columns]
        wide = wide.reset_index().rename(columns={"region": "区域"})
        ycols = [c for c in wide.columns if c != "区域"]
        big = {c: nbase[c].ge(p.heat_min_base).fillna(False) for c in ycols}
        n_small = sum(int((~big[c] & wide[c].notna()).sum()) for c in ycols)
        blocks.append(Table(wide, name=name, title=f"{title}(区域 × 年份)", formats={c: "pct1" for c in ycols},
                            note=(f"{n_small} 个格子年初有贷客户少于 {p.heat_min_base} 户, 不着色。" if n_small else None),
                            conditional=[Conditional([c], kind="color_scale", rows=big[c]) for c in ycols
                                         if big[c].any()]))
    base = r.pivot(index="region", columns="year", values="base").fillna(0).astype(int)
    base.columns = [str(c) for c in base.columns]
    base = base.reset_index().rename(columns={"region": "区域"})
    blocks.append(Table(base, name="heat_base", title="年初有贷客户数(区域 × 年份, 分母)"))
    tot = rates(detail, ["region"], p.count_pending)
    by_region = pd.DataFrame({"区域": tot["region"].astype(str), "流失客户数": tot["churn"].astype(int),
                              "年初有贷客户-年(户次)": tot["base"].astype(int), "户数流失率": tot["rate_count"]}) \
        .sort_values(["流失客户数", "区域"], ascending=[False, True])
    blocks.append(Table(by_region, name="churn_by_region", title="各区域合计(全部统计年份; 流失率 = Σ流失 / Σ各年年初有贷客户)",
                        formats={"户数流失率": "pct1"}))
    blocks.append(Chart(table="churn_by_region", categories="区域", series=["流失客户数"], kind="bar",
                        title="各区域流失客户数", height=max(320, 22 * len(by_region) + 80)))
    return Sheet("区域热力", blocks)


def _by_product(detail, p, ctx) -> Sheet:
    d = detail.assign(product=detail["product"].astype("string").fillna("未分类"))
    r = rates(d, ["product", "year"], p.count_pending)
    df = _rate_frame(r, ctx, "year", "年份")
    df.insert(0, "贷款品种", r["product"].astype(str).to_numpy())
    blocks = []
    if d["product"].nunique() <= 1:
        blocks.append(Note(lines=[f"数据中只有一个贷款品种({d['product'].iloc[0]}), 分产品结果与年度概览相同。"]))
    blocks.append(Table(df, name="churn_by_product", title="分产品 × 年份", formats=_RATE_FMT))
    return Sheet("分产品", blocks)


def _churned(detail: pd.DataFrame) -> pd.DataFrame:
    """The churned customers of ``detail`` (流失 and 流失(观察期未满)), one row each: their latest churn year."""
    ch = detail[detail["outcome"].isin([CHURN, PENDING])]
    return ch.sort_values(["cust_id", "year"]).drop_duplicates("cust_id", keep="last").reset_index(drop=True)


def held_products(holdings: pd.DataFrame | None, cust_id: pd.Series) -> pd.Series:
    """Per customer of ``cust_id``: the non-loan products still held (product names containing 贷款 are
    loans), sorted and joined with 、; '' = none (a customer without rows in the table holds none); <NA> =
    unknown: none known held but a 持有 the loader could not read (<NA>; a blank cell is already True, the
    column's blank rule). All <NA> when there is no product_holdings table (unknown, not "none").
    ``holdings``: the conformed 产品持有 table (cust_id, product, held ``boolean``). Returns a ``string``
    Series on ``cust_id``'s index; only the rows of those customers are read (filtered first), the texts by
    :func:`bankxl.frames.join_values` (one pass, not per product)."""
    if holdings is None or not len(holdings):
        return pd.Series(pd.NA, index=cust_id.index, dtype="string")
    key = stripped(cust_id).fillna("")
    h = holdings[holdings["cust_id"].fillna("").isin(key).to_numpy()]  # the asked customers' rows only
    prod = h["product"].fillna("")  # conformed: string, trimmed
    loan = per_distinct(prod, lambda u: u.str.contains("贷款", regex=False))  # once per product name
    other = prod.ne("").to_numpy() & ~loan.to_numpy(dtype=bool)
    held = h["held"]  # True / False / <NA> unknown
    keep = held.fillna(False).to_numpy(dtype=bool) & other
    unknown = pd.Index(h["cust_id"][held.isna().to_numpy() & other].dropna().unique())
    txt = join_values(h["cust_id"].fillna("")[keep], prod[keep])  # distinct, sorted, joined with 、
    out = pd.Series(key.map(txt).fillna("").to_numpy(), index=cust_id.index, dtype="string")
    return out.mask(out.eq("") & key.isin(unknown).to_numpy())


def winback_frame(ch: pd.DataFrame, holdings: pd.DataFrame | None, p: LoanChurnParams, as_of) -> pd.DataFrame:
    """One row per churned customer (``ch`` from :func:`_churned`) with the columns the win-back rules,
    templates and the list use: cust_id, org_id, region, year, last_end, days (finish → data date, days),
    amount (start-of-year 原额, NaN unknown), amt_pct (its percentile among ``ch``, 0–1, NaN unknown),
    product, term_m, outcome, status_txt, pending_txt, recent_pts (the 结清距今 band's points), finished,
    held_txt / holds_other (NA without a holdings table, or where a 持有 is unknown and nothing is known
    held: :func:`held_products`), long_term (NA where the term is unknown)."""
    days = (pd.Timestamp(as_of) - ch["last_end"]).dt.days
    term = pd.to_numeric(ch["term_m"], errors="coerce").astype("float64")
    held = held_products(holdings, ch["cust_id"])
    pending = ch["outcome"].eq(PENDING).to_numpy()
    window_end = (ch["last_end"] + pd.Timedelta(days=p.window_days)).dt.strftime("%Y-%m-%d")
    return pd.DataFrame({
        "cust_id": ch["cust_id"].astype("string"), "org_id": ch["org_id"].astype("string"),
        "region": ch["region"].astype("string"), "year": ch["year"].astype(int), "last_end": ch["last_end"],
        "days": days.astype("Int64"), "amount": ch["start_balance"].astype("float64"),
        "amt_pct": ch["start_balance"].astype("float64").rank(pct=True),
        "product": ch["product"].astype("string"), "term_m": term, "outcome": ch["outcome"].astype("string"),
        "status_txt": ch["code"].astype("string").map(LOAN_STATUS).fillna("已结清").astype("string"),
        "pending_txt": pd.Series(np.where(pending, "(观察期未满: " + str(p.window_days) + " 天窗口截至 " + window_end
                                          + ")", ""), dtype="string"),
        "recent_pts": np.select([days <= d for d in p.recent_days], list(p.recent_points[:-1]), p.recent_points[-1]),
        "finished": days.notna(), "held_txt": held, "holds_other": held.ne(""),
        "long_term": (term >= p.long_term_months).astype("boolean").mask(term.isna()),
    })


def winback_rules(p: LoanChurnParams, ctx: RunContext, end_label: str = "结清日") -> tuple[Rule, ...]:
    """The win-back score (0–100 with the defaults, 【假设】) as :class:`bankxl.lists.Rule` s over
    :func:`winback_frame`: 结清距今 band points (``recent_days`` / ``recent_points``), 原贷款金额 percentile ×
    ``amount_weight``, still holding other products ``holding_points``, term ≥ ``long_term_months``
    ``long_term_points``."""
    return (
        Rule("recent", f"{{year}}年结清全部贷款({{status_txt}}), {end_label}距今 {{days}} 天, 之后无新放款"
                       "{pending_txt}", weight=1.0, value="recent_pts", when="finished", name="结清距今"),
        Rule("amount", f"原贷款 {{amount:,.0f}} {ctx.base_unit}", weight=p.amount_weight, value="amt_pct",
             name="原贷款金额"),
        Rule("holding", "仍持有: {held_txt}", points=p.holding_points, when="holds_other", name="持有本行产品"),
        Rule("long_term", "原贷款期限 {term_m:.0f} 个月(长期关系)", points=p.long_term_points, when="long_term",
             name="长期贷款"),
    )


def _winback(detail, customers, holdings, p, ctx, end_label: str = "结清日", notes: list | None = None):
    """挽回名单 sheet (:func:`bankxl.lists.score_list`) -> (sheet, ScoredList or None when nobody churned)."""
    ch = _churned(detail)
    lines = [_score_text(p), "不良结清(状态 B)客户不营销, 见「不良结清」表。"]
    if holdings is not None and len(holdings):
        lines.append("产品持有表中没有记录的客户视为未持有本行其他产品。")
    if ch.empty:
        return Sheet("挽回名单", [Note(title="流失客户挽回名单", lines=[*lines, "没有流失客户。"])]), None
    frame = winback_frame(ch, holdings, p, ctx.as_of)
    # identity from the 客户 table, 机构号 from the customer's loan
    who = frame[["cust_id", "org_id"]]
    if customers is not None and len(customers):
        who = who.join(by_cust_id(customers).drop(columns=["cust_id", "org_id"], errors="ignore"), on="cust_id")
    show = {"region": "区域", "year": "流失年份", "last_end": end_label, "days": f"{end_label}距今(天)",
            "amount": ctx.base_label("原贷款金额"), "product": "贷款品种", "outcome": "状态"}
    lst = score_list(frame, winback_rules(p, ctx, end_label), p.levels, p.strategy, ctx,
                     sort_by=("amount", "last_end"), customers=who, show=show, amount="amount")
    if notes is not None:
        notes.append(f"挽回名单{lst.tie_break}")
    return Sheet("挽回名单", lst.blocks("winback_list", "流失客户挽回名单", limit=p.list_limit, lines=lines,
                                    formats={"流失年份": "0", end_label: "date"}, widths={"原因": 60}),
                 print_role="detail"), lst


def _tags(detail: pd.DataFrame, lst, p: LoanChurnParams, ctx: RunContext) -> pd.DataFrame:
    """§6 tags: C9_CHURN 贷款流失 (value = latest churn year, level = 流失 / 流失(观察期未满)), C9_WINBACK 流失挽回
    (得分 / 等级 of the list), C9_BAD_FINISH 不良结清 (value = year)."""
    ch = _churned(detail)
    bad = detail[detail["outcome"].eq(BAD)].sort_values(["cust_id", "year"]).drop_duplicates("cust_id", keep="last")
    return tag_table(
        tag_rows("C9", "C9_CHURN", "贷款流失", ch["cust_id"], ctx, p, value=ch["year"], level=ch["outcome"]),
        *([lst.tag_rows("C9", "C9_WINBACK", "流失挽回", ctx, p)] if lst is not None else []),
        tag_rows("C9", "C9_BAD_FINISH", "不良结清", bad["cust_id"], ctx, p, value=bad["year"]))


def _score_text(p: LoanChurnParams) -> str:
    """The win-back score rule in words, from the parameters (挽回名单 note; levels: the list's own note)."""
    bands = [f"≤{d} 天 {pts:g}" for d, pts in zip(p.recent_days, p.recent_points)] + [f"更早 {p.recent_points[-1]:g}"]
    return (f"得分【假设】: 结清距今 {' / '.join(bands)}; 原贷款金额在名单中的分位 × {p.amount_weight:g}; "
            f"仍持有本行其他产品 +{p.holding_points:g}; 原贷款期限 ≥{p.long_term_months} 个月(长期关系) "
            f"+{p.long_term_points:g}(参数可调)。")


def _bad_list(detail, customers, ctx, end_label: str = "结清日") -> Sheet:
    b = detail[detail["outcome"].eq(BAD)].sort_values(["year", "cust_id"]).reset_index(drop=True)
    blocks = [Note(title="不良结清(状态 B: 已结清但未还清/核销)", lines=[
        "这些客户不计入流失, 也不进入挽回名单; 请交风险/资产保全部门核对追偿与征信报送。"])]
    if b.empty:
        blocks.append(Note(lines=["没有不良结清客户。"]))
        return Sheet("不良结清", blocks, print_role="detail")
    out = customer_columns(b["cust_id"], customers, ctx, extra=("mgr_id",))
    out["机构号"] = b["org_id"].astype("string")
    out["区域"] = b["region"].astype("string")
    out["年份"] = b["year"].astype(int)
    out[end_label] = b["last_end"]
    out["借据号"] = b["loan_id"].astype("string")
    out[ctx.base_label("贷款金额")] = b["start_balance"]
    out["原因"] = "贷款状态 B: 已结清但未还清(不良结清/核销)"
    out["建议动作"] = "不营销; 风险部门核对追偿、征信报送"
    blocks.append(Table(out, name="bad_finish", title=f"不良结清客户 {len(out)} 户次",
                        text_columns=("客户号", "机构号", "借据号"), formats={"年份": "0", end_label: "date"},
                        role="detail"))
    return Sheet("不良结清", blocks, print_role="detail")


def _detail_sheet(detail, ctx, end_label: str = "结清日") -> Sheet:
    d = detail.sort_values(["year", "cust_id"]).reset_index(drop=True)
    out = pd.DataFrame({
        "年份": d["year"].astype(int), "客户号": d["cust_id"].astype("string"),
        "区域": d["region"].astype("string"), "机构号": d["org_id"].astype("string"),
        "年初贷款笔数": d["n_loans"].astype(int), ctx.base_label("年初余额(原额)"): d["start_balance"],
        f"最早{end_label}": d["first_end"], f"最晚{end_label}": d["last_end"], "结果": d["outcome"].astype(str),
    })
    return Sheet("客户年度明细", [Table(out, name="churn_detail", title="年初有贷客户 × 年份 明细(分母与结果)", role="detail",
                                  text_columns=("客户号", "机构号"),
                                  formats={"年份": "0", f"最早{end_label}": "date", f"最晚{end_label}": "date"})],
                 print_role="detail")


def _method(p: LoanChurnParams, ctx: RunContext) -> list[str]:
    return [
        "来源: 场景 C9 贷款流失客户(流失定义为【假设】, 须业务确认)。",
        "分母: 年初(1 月 1 日)有未结清贷款的客户; 结清日: 状态 A/B 的结清日, 缺失时取到期日。",
        (f"流失: 当年结清全部贷款, 结清后 {p.window_days} 天内无新放款, 且结清前 {p.refinance_grace_days} 天内"
        "无借新还旧; 不良结清(状态 B, 含核销)不算流失, 单列。"),
        "户数流失率 = 流失客户数 / 年初有贷客户数; 余额流失率 = 流失客户年初余额 / 年初总余额(年初余额以贷款原额近似)。",
        f"观察期未满(结清日 + {p.window_days} 天 > 数据日期)的客户"
        + ("先计入流失并单独标出。" if p.count_pending else "不计入流失。"),
        "贷款状态码: " + "; ".join(f"{k} {v}" for k, v in LOAN_STATUS.items()) + "。",
        f"金额单位: {ctx.base_unit}(数据原币种, 未折算)。",
    ]


SPEC = Scenario(
    id="credit.loan_churn", code="C9", title="贷款流失客户", group="信贷营销",
    inputs=("loans",), optional_inputs=("customers", "orgs", "product_holdings"),
    params=LoanChurnParams, run=run,
    summary="按年份×区域计算贷款客户流失率(户数/余额), 区域热力图与流失客户挽回名单",
    as_of_from=("loans", "start_date"), outlet_tables=("loans",), dataset_params={"Berka": {}},
)
