"""R1 不良客户偿还能力 NPL repayment ability (SCENARIOS.md §4 R1; issue 11).

Inputs (canonical tables, ``bankxl.tables``):

* ``npl_loans`` 不良贷款 (required) — 借据号 · 客户号 · 证件号 · 五级分类 · 逾期天数 · 本金余额 (元) · 欠息 (元) ·
  担保方式 · 保证人证件号 · 保证期间截止日 · 核销标志 · 机构号 …; written-off (核销, 表外) loans stay listed.
* ``deposit_accounts`` 存款账户 (optional) — the deposit accounts of borrowers and guarantors: 账号 · 客户号 ·
  证件号 · 余额 · 近12月日均 · 近12月入账 · 账户性质 {工资, 社保/养老金, 一般} · 冻结标志 / 冻结金额 · 联名标志 ·
  最近交易日 · 账户状态 · 币种. Without it (Berka) the funds are unknown: coverage blank, grade 未知/无法评估 —
  never 0 or E.
* ``customers`` 客户 (optional) — names/phones for the list, and 证件号 → 客户号 to find a guarantor's accounts.
* ``orgs`` 机构 (optional) — 机构名称 of the branch distribution.

Method (parameters in brackets): the loans of one borrower are merged (:func:`.capacity.borrower_keys`, customer
identity of :mod:`bankxl.rules.identity`: valid 证件号, else 客户号). Available funds F = the borrower's
available deposits (余额 minus frozen money, 社保/养老金 accounts, closed accounts and other currencies left out;
联名 accounts × ``joint_share``) + the guarantors' available deposits (保证人证件号 matched to a depositor here, within
the guarantee period when 保证期间截止日 is given; ``count_guarantor``) + 近12月入账 / 12 × ``inflow_months``.
CR = F / (本金余额 + 欠息). Grades (``cr_bands`` = C/B/A lower bounds): A CR ≥ 1, B 0.5–1, C 0.1–0.5, D < 0.1 with
a transaction within ``activity_months`` (or some funds), E no available funds and no transaction. A part that
is unknown makes F unknown: the grade is 未知/无法评估 unless the known part alone already reaches A.

Output: the headline 概览 (``Report.headline``, :func:`_headline`: key figures — borrowers, 欠款合计, 可用资金
against the 欠款 of the same borrowers, A/B borrowers, E and unknown borrowers —, the grade chart, the top 10 of
清收名单, the legal caveat), then the sheets 清收名单 (SCENARIOS.md §6 list via :mod:`bankxl.lists`: priority
A→E, then 欠款合计 descending; reasons; 建议动作 and 截止日 per grade from ``strategy``; available accounts with
masked numbers), 网点分布 (the grade distribution of the whole bank, then per branch: table + stacked chart),
可用账户 and 借据明细 (detail sheets: print their first page), 客户标签 (R1_REPAY_GRADE = CR / grade).
Row problems: NPL_CLASS_DPD (五级分类 milder than its overdue days allow), REQUIRED_EMPTY (本金余额 blank while
others are given). Errors: ParameterError for bad parameters (before any input is read); the runner raises
DataValidationError for a missing table/required column.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import join_values, masked, stripped
from ....lists import Rule, check_levels, fill_template, score_list, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....scenario import RunContext, Scenario, param
from ....tables import LOAN_STATUS, get_table
from ....tags import tag_rows, tag_sheet, tag_table
from .capacity import (CLASS_RANK, GRADE_LEVELS, GRADE_POINTS, GRADE_ZH, GRADES, UNKNOWN, borrowers, coverage,
                       required_class)

#: list-frame columns the 策略表 actions may name as {placeholder}
ACTION_FIELDS = ("accounts_txt", "funds", "owed", "cr_txt")
CAVEAT = ("本名单只提供清收线索: 系统不自动扣款; 扣划/抵销在司法实践中有争议, 须依借款/保证合同并经法务审核后"
          "方可办理。")  # source: SCENARIOS.md R1 【S21】 (说明 names it in the method lines, not the user's sheets)


@dataclass(frozen=True)
class NplCapacityParams:
    """Parameters of R1 (defaults SCENARIOS.md §4 R1 【假设】)."""

    cr_bands: tuple = param((0.1, 0.5, 1.0), "覆盖率分档", "倍", increasing=True, min=0, max=100,
                            help="C/B/A 级的最低覆盖率(可用资金 ÷ 欠款合计), 从低到高; 默认 C ≥0.1, B ≥0.5, A ≥1")
    inflow_months: float = param(3.0, "入账计入月数", "月", max=12,
                                 help="可用资金计入 近12月月均入账 × 该月数(近12月入账 ÷ 12 × 月数)")
    activity_months: int = param(12, "交易观察期", "月", min=1, max=60,
                                 help="最近交易日在数据日期前该月数内视为有交易(区分 D 与 E)")
    count_guarantor: bool = param(True, "计入保证人存款", help="保证人证件号与本行存款客户匹配且在保证期间内时计入其可用存款")
    joint_share: float = param(0.0, "联名账户计入比例", "", max=1,
                               help="联名账户可用余额计入的比例(0–1); 默认 0 = 不计入, 权属须法务确认")
    list_limit: int = param(5000, "名单上限", "户", min=1, max=1_000_000, help="清收名单最多列出的借款人数(按优先级)")
    strategy: tuple = strategy_param(
        (("A", "协商一次性清收; 经法务审核后可依合同办理抵销(不自动扣款); 可用账户: {accounts_txt}", 5),
         ("B", "约谈借款人及保证人, 制定还款计划; 法务审核后依约处置可用存款", 10),
         ("C", "电话 + 上门催收, 关注账户入账, 督促保证人履约", 15),
         ("D", "催收并评估诉讼/财产保全, 核实财产线索", 20),
         ("E", "纳入诉讼、核销后管理或不良资产处置; 定期查询财产线索", 30)),
        help="每个等级的清收动作与截止日(数据日期后第 N 个工作日); 动作中可用 "
             + "、".join("{" + f + "}" for f in ACTION_FIELDS) + "(可用账户、可用资金、欠款合计、覆盖率)")
    unknown_action: str = param("补齐存款账户与欠款数据后重新评估", "无法评估的建议动作",
                                help="等级为 未知/无法评估 的借款人的建议动作")
    unknown_days: int = param(10, "无法评估的截止日", "工作日", max=250, help="补齐数据的截止日: 数据日期后第 N 个工作日")

    def check(self) -> None:
        """Three 覆盖率分档 (C, B, A); one 策略表 row per grade A–E using only :data:`ACTION_FIELDS`. Raises
        ParameterError."""
        if len(self.cr_bands) != 3:
            raise ParameterError(f"参数「覆盖率分档(cr_bands)」应为 3 个数(C、B、A 级的最低覆盖率), 给定 {self.cr_bands}。",
                                 f"cr_bands needs 3 numbers (lower bounds of C, B, A), got {self.cr_bands}.")
        check_levels(GRADE_LEVELS, self.strategy, ACTION_FIELDS)


# ============================================================================ run
def run(tables, p: NplCapacityParams, ctx: RunContext) -> Report:
    """R1: see the module docstring. Returns the report; never mutates the inputs."""
    npl = tables["npl_loans"]
    # an optional table without rows is not provided (its values unknown, never 0 — the runner drops one read
    # from a header-only sheet, bankxl.runner._empty_tables); same here for frames passed directly
    empty = [t for t in ("deposit_accounts", "customers", "orgs") if t in tables and len(tables[t]) == 0]
    tables = {k: v for k, v in tables.items() if k not in empty}
    dep, customers, orgs = tables.get("deposit_accounts"), tables.get("customers"), tables.get("orgs")
    notes: list[str] = [f"输入表「{get_table(t).zh}」({t})没有数据行, 按未提供处理(值未知, 不按 0 计)。" for t in empty]
    rep = Report(title="不良客户偿还能力", method=_method(p, ctx), notes=notes)
    _check_rows(npl, ctx)
    if npl.empty:
        rep.sheets.append(Sheet("概览", [Note(title="不良客户偿还能力", lines=["不良贷款表没有数据行。", CAVEAT])]))
        return rep
    bor, keys = borrowers(npl)
    cov, detail = coverage(bor, npl, keys, dep, customers, p, ctx.as_of, ctx.currency)
    notes += _notes(npl, dep, cov, detail, p) + _absent_notes(tables)
    frame = _list_frame(cov, detail, ctx)
    lst = _score(frame, p, ctx, customers, npl)
    rep.headline = _headline(cov, lst, ctx)
    rep.sheets.append(Sheet("清收名单", lst.blocks("npl_list", "不良客户清收名单", limit=p.list_limit,
                                                 lines=[CAVEAT, _grade_text(p)],
                                                 formats={"覆盖率": "0.00", "最长逾期天数": "#,##0",
                                                          "借据笔数": "0"},
                                                 widths={"可用账户": 48, "借据号": 30}, text_columns=("借据号",))))
    notes.append(f"清收名单{lst.tie_break}")
    rep.sheets.append(_branches(cov, orgs, ctx, _grade_summary(cov, ctx)))
    rep.sheets.append(_accounts_sheet(detail, cov, ctx))
    rep.sheets.append(_loans_sheet(npl, keys, cov, ctx))
    tags = tag_table(tag_rows("R1", "R1_REPAY_GRADE", "不良客户偿还能力", lst.df["客户号"], ctx, p,
                              value=lst.df["覆盖率"], level=lst.df["等级"]))
    rep.sheets.append(tag_sheet(tags))
    return rep


def _check_rows(npl: pd.DataFrame, ctx: RunContext) -> None:
    """Row problems: a 五级分类 milder than the overdue days allow (NPL_CLASS_DPD, kept as given) and a blank
    本金余额 among given ones (REQUIRED_EMPTY: that borrower's coverage is not computed)."""
    need = required_class(npl["overdue_days"])
    have = stripped(npl["classification"])
    milder = (have.map(CLASS_RANK).astype("float64") < need.map(CLASS_RANK).astype("float64")).fillna(False)
    if milder.any():
        ctx.problem("npl_loans", npl.loc[milder, "_row"], "classification", "NPL_CLASS_DPD",
                    have[milder] + " / 逾期 " + npl.loc[milder, "overdue_days"].astype("string") + " 天",
                    "五级分类轻于逾期天数对应的最低分类(零售: 逾期 >90 天至少次级, >270 天至少可疑, >360 天损失)",
                    "按台账分类列示; 请核对分类")
    blank = npl["principal"].isna()
    if blank.any() and not blank.all():
        ctx.problem("npl_loans", npl.loc[blank, "_row"], "principal", "REQUIRED_EMPTY", npl.loc[blank, "loan_id"],
                    "本金余额为空", "该借款人欠款合计与覆盖率不计算(未知/无法评估), 仍列入名单")


#: what an optional column's absence means for R1 (others: not shown)
ABSENT = {"id_no": "借款人只按客户号合并, 保证人只能经客户表找到", "classification": "不核对分类与逾期天数",
          "overdue_days": "不核对分类与逾期天数", "interest": "欠款合计未知, 覆盖率不计算",
          "guarantor_id": "不计保证人存款", "guarantee_end": "保证期间按未届满计",
          "written_off": "核销情况未知", "org_id": "网点分布为未知机构", "nature": "全部按一般账户计(不识别社保/养老金账户)",
          "frozen": "全部按未冻结计", "frozen_amount": "冻结按整户计", "inflow_12m": "入账未知(只有已知部分达 A 级才定级)",
          "last_txn_date": "交易情况只看近12月入账", "ccy": "全部按报表币种计", "status": "不识别销户/贷款状态",
          "joint": "全部按非联名计"}


def _absent_notes(tables) -> list[str]:
    """One 说明 line per input table naming the optional columns the data did not hold (``attrs['columns_found']``
    of :func:`bankxl.conform.conform`) and what that means here."""
    from ....tables import get_table

    out = []
    for t, df in tables.items():
        found = df.attrs.get("columns_found") if df is not None else None
        if found is None:
            continue
        miss = [c for c in get_table(t).columns if not c.required and c.id not in found and c.id != "as_of"]
        if miss:
            out.append(f"{get_table(t).zh}表未提供的列: " + "; ".join(
                f"{c.zh}({c.id})" + (f" — {ABSENT[c.id]}" if c.id in ABSENT else "") for c in miss) + "。")
    return out


def _notes(npl, dep, cov, detail, p) -> list[str]:
    out = []
    n_multi = int((cov["n_loans"] >= 2).sum())
    out.append(f"不良借据 {len(npl):,} 笔, 合并为借款人 {len(cov):,} 户(同一证件号/客户号的多笔借据合并; "
               f"有 2 笔及以上的 {n_multi:,} 户)。")
    if dep is None:
        out.append("未提供「存款账户」表: 可用资金与覆盖率未知, 全部借款人的等级为「未知/无法评估」(不是 0, 也不是 E 级)。")
    else:
        if dep["inflow_12m"].isna().all():
            out.append("存款账户表没有「近12月入账」: 入账项未知; 只有当已知部分已达 A 级时才定级, 其余为未知/无法评估。")
        if p.joint_share == 0 and detail is not None and detail["excluded"].str.startswith("联名").any():
            out.append("联名账户按参数不计入可用资金(权属须法务确认)。")
    if npl["status"].notna().any():
        vc = stripped(npl["status"]).value_counts().sort_index()
        out.append("贷款状态: " + "; ".join(f"{k} {LOAN_STATUS.get(k, k)} {v:,} 笔" for k, v in vc.items()) + "。")
    if npl["principal"].isna().all():
        out.append("不良贷款表没有本金余额: 欠款合计未知, 覆盖率不计算; 名单按贷款金额(原额)排序。")
    if npl["interest"].isna().all():
        out.append("不良贷款表没有欠息: 欠款合计(本金 + 欠息)未知, 覆盖率不计算(不按欠息为 0 处理)。")
    if npl["guarantee_end"].isna().all() and npl["guarantor_id"].notna().any():
        out.append("未提供保证期间截止日: 保证人存款按仍在保证期间内计入, 请法务核实保证期间。")
    if npl["guarantor_id"].notna().any():
        out.append("同一保证人为多个借款人担保时, 其可用存款在每个借款人处都计入(线索口径, 不做分摊)。")
    if dep is not None:
        out.append("账户性质空白按一般账户计; 冻结标志、联名标志空白按否计(存款账户表的约定)。")
    return out


def _fmt_money(v: pd.Series) -> pd.Series:
    from ....lists import format_values

    return format_values(v, ",.0f").fillna("未知")


def _list_frame(cov: pd.DataFrame, detail: pd.DataFrame | None, ctx: RunContext) -> pd.DataFrame:
    """One row per borrower with the columns the rules, templates and the list use."""
    f = cov.reset_index().copy()  # keeps the borrower key as column "key"
    known = f["grade"].ne(UNKNOWN)
    f["pts"] = f["grade"].map(GRADE_POINTS).astype("float64")
    f["is_e"] = (f["grade"] == "E").astype("boolean").mask(~known)
    f["cr_txt"] = pd.Series(np.where(f["cr"].notna(), (f["cr"] * 100).round(1).astype(str) + "%", "未知"),
                            dtype="string")
    f["funds_txt"], f["owed_txt"] = _fmt_money(f["funds"]), _fmt_money(f["owed"])
    parts = [f["dep_avail"], f["guar_avail"], f["inflow_part"]]
    f["parts_txt"] = ("借款人 " + _fmt_money(parts[0]) + " + 保证人 " + _fmt_money(parts[1]) + " + 入账 "
                      + _fmt_money(parts[2]))
    f["grade_reason"] = fill_template(
        "覆盖率 {cr_txt}: 可用资金 {funds_txt} 元(" + "{parts_txt}) ÷ 欠款 {owed_txt} 元", f)
    f.loc[f["grade"] == "E", "grade_reason"] = "无可用资金, 且近期无交易"
    f.loc[f["grade"] == "D", "grade_reason"] = f.loc[f["grade"] == "D", "grade_reason"] + np.where(
        f.loc[f["grade"] == "D", "has_txn"].fillna(False), ", 近期有交易", ", 有少量可用资金")
    f["frozen_txt"] = _fmt_money(f["frozen_amt"])
    f["pension_txt"] = _fmt_money(f["pension_amt"])
    f["is_frozen"] = (f["frozen_amt"] > 0).astype("boolean").mask(~known)
    f["is_pension"] = (f["pension_amt"] > 0).astype("boolean").mask(~known)
    f["is_wo"] = f["written_off"].fillna(False).astype("boolean").mask(~known)
    f["is_multi"] = (f["n_loans"] >= 2).astype("boolean").mask(~known)
    f["guar_txt"] = f["guar_status"].fillna("")
    f["is_guar"] = f["guar_status"].notna().astype("boolean").mask(~known)
    f["accounts_txt"] = _accounts_text(f, detail, ctx)
    return f


def _accounts_text(f: pd.DataFrame, detail: pd.DataFrame | None, ctx: RunContext) -> pd.Series:
    """Per borrower: the 3 largest counted accounts, ``账号(脱敏) 可用 12,345 元`` joined with ；, + 等 N 户."""
    out = pd.Series("", index=f.index, dtype="string")
    if detail is None or not len(detail):
        return out
    d = detail[detail["counted"] & (detail["available"] > 0) & detail["in_period"].astype(bool)].copy()
    if not len(d):
        return out
    d["acct_txt"] = masked(d["acct_no"], "acct_no", ctx).fillna("") + np.where(d["role"] == "保证人", "(保证人)", "") \
        + " 可用 " + _fmt_money(d["available"]) + " 元"
    d = d.sort_values(["key", "available", "acct_no"], ascending=[True, False, True])
    txt = join_values(d["key"], d["acct_txt"], sep="；", order="first", distinct=False, limit=3, more=" 等 {n} 户")
    return pd.Series(f["key"].map(txt).fillna("").to_numpy(), index=f.index, dtype="string")


def _rules(ctx: RunContext) -> tuple[Rule, ...]:
    u = ctx.base_unit
    return (
        Rule("grade", "{grade_reason}", weight=1.0, value="pts", name="偿还能力"),
        Rule("empty", "{grade_reason}", when="is_e", name="偿还能力"),
        Rule("written_off", "已核销(表外)贷款 {n_written_off} 笔, 仍需清收", when="is_wo", name="核销"),
        Rule("frozen", f"冻结资金 {{frozen_txt}} {u} 不计入", when="is_frozen", name="冻结"),
        Rule("pension", f"社保/养老金账户 {{pension_txt}} {u} 不计入", when="is_pension", name="社保养老金"),
        Rule("guarantor", "保证人: {guar_txt}", when="is_guar", name="保证人"),
        Rule("multi", "{n_loans} 笔不良借据合并", when="is_multi", name="多笔合并"),
    )


def _score(frame: pd.DataFrame, p: NplCapacityParams, ctx: RunContext, customers, npl):
    """The §6 list (:func:`bankxl.lists.score_list`): 得分 = grade points (A 4 … E 0), rank A→E then 欠款合计
    and 贷款金额 descending; 未知/无法评估 rows get their own 等级 text, action and due date."""
    who = frame[["cust_id", "cust_name", "id_no", "org_id", "mgr_id"]].copy()
    if customers is not None and len(customers):
        info = customers.drop_duplicates("cust_id").set_index("cust_id")
        for c in ("cust_name", "phone"):
            if c in info.columns:
                who[c] = who[c].fillna(who["cust_id"].map(info[c])) if c in who.columns else \
                    who["cust_id"].map(info[c])
    u = ctx.base_label
    show = {"loan_ids": "借据号", "n_loans": "借据笔数", "worst_class": "五级分类(最差)", "max_dpd": "最长逾期天数",
            "written_off": "含核销", "principal": u("本金余额"), "interest": u("欠息"), "owed": u("欠款合计"),
            "dep_avail": u("借款人可用存款"), "guar_avail": u("保证人可用存款"), "inflow_part": u("入账计入"),
            "funds": u("可用资金"), "cr": "覆盖率", "amount": u("贷款金额"), "accounts_txt": "可用账户"}
    frame = frame.assign(written_off=frame["written_off"].map({True: "是", False: "否"}).astype("string"))
    lst = score_list(frame, _rules(ctx), GRADE_LEVELS, p.strategy, ctx, sort_by=("owed", "amount"), amount="owed",
                     customers=who, show=show)
    df = lst.df
    unknown = df["等级"].isna()
    if unknown.any():
        why = frame.drop_duplicates("cust_id").set_index("cust_id")["why_unknown"]
        df.loc[unknown, "等级"] = UNKNOWN
        df.loc[unknown, "建议动作"] = p.unknown_action
        df.loc[unknown, "截止日"] = pd.Timestamp(ctx.calendar.add_workdays(ctx.as_of, p.unknown_days))
        if "未计算因素" not in df.columns:
            df["未计算因素"] = pd.Series(pd.NA, index=df.index, dtype="string")
        df.loc[unknown, "未计算因素"] = df.loc[unknown, "客户号"].map(why).astype("string")
        lst.counts[UNKNOWN] = int(unknown.sum())
        lst.note.append(f"等级「{UNKNOWN}」: 数据不足以计算覆盖率(见「未计算因素」), 不等于无偿还能力(不是 E 级), "
                        f"得分空白、排在最后; "
                        f"建议动作与截止日取参数「无法评估的建议动作 / 无法评估的截止日」({p.unknown_days} 个工作日)。")
    return lst


def _grade_text(p: NplCapacityParams) -> str:
    c, b, a = p.cr_bands
    return (f"等级: A 强 覆盖率 ≥{a:g}; B 较强 {b:g}–{a:g}; C 一般 {c:g}–{b:g}; D 弱 <{c:g} 且有交易或有少量资金; "
            f"E 无 = 无可用资金且近 {p.activity_months} 个月无交易。得分 = 等级分(A 4 … E 0), 清收优先级 A→E, "
            "同级按欠款合计从高到低。")


def _grade_summary(cov: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    order = [*GRADES, UNKNOWN]
    g = cov.assign(grade=pd.Categorical(cov["grade"], categories=order)).groupby("grade", observed=False)
    df = pd.DataFrame({"等级": order, "含义": [GRADE_ZH.get(x, "数据不足") for x in order],
                       "借款人数": g.size().to_numpy(),
                       ctx.money_label("欠款合计"): ctx.money(g["owed"].sum(min_count=1)).to_numpy(),
                       ctx.money_label("可用资金"): ctx.money(g["funds"].sum(min_count=1)).to_numpy()})
    df["覆盖率"] = df[ctx.money_label("可用资金")] / df[ctx.money_label("欠款合计")].where(
        df[ctx.money_label("欠款合计")] > 0)
    return df


def _headline(cov: pd.DataFrame, lst, ctx: RunContext) -> Headline:
    """The report's first sheet (issue 10): key figures in the display unit (``ctx.unit``) — 不良借款人 (户; note:
    借据 and written-off borrowers), 欠款合计 (Σ 本金 + 欠息; unknown when no borrower's is known), 可用资金 compared
    with the 欠款合计 of the same borrowers (those whose funds and 欠款 are both known: 差额 = what their funds
    leave unpaid), 有偿还能力(A/B 级) borrowers (note: their 欠款), 无可用资金(E 级) and 未知/无法评估 borrowers —,
    the chart of borrowers per grade (``grade_summary`` on 网点分布) and the top 10 of 清收名单 (``npl_list``).
    ``cov``: :func:`.capacity.coverage` (one row per borrower: grade, owed, funds, n_loans, written_off, 元)."""
    grade, owed, funds = cov["grade"], cov["owed"], cov["funds"]
    both = owed.notna() & funds.notna()
    n_wo = int(cov["written_off"].fillna(False).astype(bool).sum())
    ab = grade.isin(["A", "B"])
    n_unknown = int((grade == UNKNOWN).sum())
    n_owed = int(owed.notna().sum())

    def total(v: pd.Series, mask=None):
        v = v if mask is None else v[mask]
        return float(ctx.money(v.sum())) if v.notna().any() else None

    figures = [
        Figure("不良借款人", len(cov), "户", format="int",
               note=f"{int(cov['n_loans'].sum()):,} 笔借据; 含已核销借款人 {n_wo:,} 户"),
        Figure("欠款合计(本金 + 欠息)", total(owed), ctx.unit,
               note=None if n_owed in (0, len(cov)) else f"仅 {n_owed:,} 户已知"),
        Figure("可用资金合计", total(funds, both), ctx.unit, compare_label="同口径欠款合计",
               compare=total(owed, both),
               note=f"{int(both.sum()):,} 户可用资金与欠款均已知" + ("" if both.all() else
                                                           f"; 其余 {int((~both).sum()):,} 户未计入(未知, 不是 0)")),
        Figure("有偿还能力(A/B 级)", int(ab.sum()), "户", format="int",
               note=f"欠款 {ctx.money(owed[ab].sum()):,.2f} {ctx.unit}, 优先协商清收" if ab.any() else None),
        Figure("无可用资金(E 级)", int((grade == "E").sum()), "户", format="int", note="无余额且近期无交易"),
        Figure("未知/无法评估", n_unknown, "户", format="int",
               note="数据不足, 补齐后重新评估(不是 E 级)" if n_unknown else None),
    ]
    return Headline(figures=figures, actions="npl_list", lines=[CAVEAT],
                    chart=Chart(table="grade_summary", categories="等级", series=["借款人数"], kind="column",
                                title="各偿还能力等级的借款人数", height=240))


def _money_txt(v: pd.Series, ctx: RunContext) -> str:
    if v.isna().all():
        return "未知(数据不足)"
    known = v.notna().sum()
    return f"{ctx.money(v.sum()):,.2f} {ctx.unit}" + ("" if known == len(v) else f"(仅 {known:,} 户已知)")


def _branches(cov: pd.DataFrame, orgs, ctx: RunContext, grades: pd.DataFrame) -> Sheet:
    """网点分布: the whole bank's grade distribution (``grades`` = :func:`_grade_summary`, charted on the
    headline), then borrowers per branch and grade (table + stacked chart)."""
    order = [*GRADES, UNKNOWN]
    org = cov["org_id"].astype("string").fillna("未知机构")
    ct = pd.crosstab(org, pd.Categorical(cov["grade"], categories=order), dropna=False).reindex(columns=order,
                                                                                                fill_value=0)
    ct.columns = [str(c) for c in ct.columns]
    g = cov.groupby(org.to_numpy())
    df = ct.reset_index().rename(columns={"org_id": "机构号", "row_0": "机构号"})
    df.columns = ["机构号", *ct.columns]
    if orgs is not None and len(orgs):
        names = orgs.drop_duplicates("org_id").set_index("org_id")["org_name"]
        df.insert(1, "机构名称", df["机构号"].map(names).astype("string"))
    df["借款人数"] = ct.sum(axis=1).to_numpy()
    df[ctx.money_label("欠款合计")] = ctx.money(g["owed"].sum(min_count=1)).reindex(ct.index).to_numpy()
    df[ctx.money_label("可用资金")] = ctx.money(g["funds"].sum(min_count=1)).reindex(ct.index).to_numpy()
    df = df.sort_values(["借款人数", "机构号"], ascending=[False, True]).reset_index(drop=True)
    series = [c for c in order if df[c].sum() > 0] or [UNKNOWN]
    return Sheet("网点分布", [
        Table(grades, name="grade_summary", title="全行偿还能力等级分布",
              formats={"覆盖率": "0.00", "借款人数": "#,##0"}),
        Note(title="网点分布(按借款人主借据的机构)", lines=["每个借款人计一次, 机构取其本金余额最大的借据的机构号。"]),
        Table(df, name="branch_grades", title="各机构偿还能力等级分布", text_columns=("机构号",), total_row=True),
        Chart(table="branch_grades", categories="机构名称" if "机构名称" in df.columns else "机构号", series=series, kind="column", stacked=True,
              title="各机构不良借款人(按等级)", height=max(320, 24 * len(df) + 120)),
    ])


def _accounts_sheet(detail, cov, ctx: RunContext) -> Sheet:
    if detail is None:
        return Sheet("可用账户", [Note(title="可用账户", lines=["未提供存款账户表, 无账户明细。"])])
    d = detail.sort_values(["key", "role", "acct"]).reset_index(drop=True)
    u = ctx.base_label
    out = pd.DataFrame({
        "借款人客户号": d["key"].map(cov["cust_id"]).astype("string").to_numpy(),
        "角色": d["role"].astype("string"), "账号(脱敏)" if ctx.mask else "账号": masked(d["acct_no"], "acct_no", ctx),
        "客户号": d["cust_id"].astype("string"), "账户性质": d["nature"].astype("string").fillna("一般"),
        u("余额"): d["balance"], u("冻结金额"): d["frozen_part"], u("计入可用"): d["available"],
        u("近12月入账"): d["inflow_raw"], "最近交易日": d["last_txn"],
        "处理": d["excluded"].mask(d["excluded"].eq(""), "计入").where(d["in_period"].astype(bool),
                                                                 "保证期间已届满, 不计"),
    })
    return Sheet("可用账户", print_role="detail", blocks=[
        Note(title="借款人及保证人的存款账户", lines=[
            "「计入可用」= 余额 − 冻结部分(社保/养老金、销户、外币账户为 0; 联名账户按参数比例); 空白 = 余额未知。", CAVEAT]),
        Table(out, name="npl_accounts", title=f"匹配到的存款账户 {len(out):,} 个", role="detail",
              text_columns=("借款人客户号", "客户号", out.columns[2]), formats={"最近交易日": "date"}),
    ])


def _loans_sheet(npl, keys, cov, ctx: RunContext) -> Sheet:
    u = ctx.base_label
    out = pd.DataFrame({
        "借据号": npl["loan_id"].astype("string").to_numpy(),
        "借款人客户号": keys.map(cov["cust_id"]).astype("string").to_numpy(),
        "机构号": npl["org_id"].astype("string").to_numpy(), "五级分类": npl["classification"].astype("string").to_numpy(),
        "逾期天数": npl["overdue_days"].to_numpy(), u("本金余额"): npl["principal"].to_numpy(),
        u("欠息"): npl["interest"].to_numpy(), u("贷款金额"): npl["amount"].to_numpy(),
        "核销": npl["written_off"].map({True: "是", False: "否"}).astype("string").to_numpy(),
        "贷款状态": npl["status"].astype("string").to_numpy(), "担保方式": npl["guarantee"].astype("string").to_numpy(),
        "保证人证件号" + ("(脱敏)" if ctx.mask else ""): masked(npl["guarantor_id"], "id_no", ctx).to_numpy(),
        "保证期间截止日": npl["guarantee_end"].to_numpy(),
    })
    out = out.sort_values(["借款人客户号", "借据号"]).reset_index(drop=True)
    return Sheet("借据明细", print_role="detail", blocks=[Table(out, name="npl_loans_detail", title=f"不良借据 {len(out):,} 笔(含核销)",
                                  role="detail", text_columns=("借据号", "借款人客户号", "机构号"),
                                  formats={"保证期间截止日": "date", "逾期天数": "#,##0"})])


def _method(p: NplCapacityParams, ctx: RunContext) -> list[str]:
    c, b, a = p.cr_bands
    return [
        "来源: SCENARIOS.md §4 R1 不良客户偿还能力(公式与等级为【假设】, 须业务确认; 扣划/抵销的争议见【S21】); issue 11。",
        (f"可用资金 F = 借款人可用存款(扣除冻结资金、社保/养老金账户、销户与外币账户) + 保证人可用存款(保证期间内"
         f"{'' if p.count_guarantor else '; 本次按参数不计'}) + 近12月月均入账 × {p.inflow_months:g}"
         f"(= 近12月入账 ÷ 12 × {p.inflow_months:g})。"),
        f"覆盖率 CR = F ÷ (本金余额 + 欠息)。等级: A ≥{a:g}; B {b:g}–{a:g}; C {c:g}–{b:g}; D <{c:g}; "
        f"E = 无可用资金且近 {p.activity_months} 个月无交易。",
        "同一借款人的多笔借据合并(证件号优先, 其次客户号: bankxl.rules.identity); 已核销(表外)贷款仍列入。",
        "数据未提供或为空的部分不按 0 处理: 可用资金任何一部分未知时, 只有已知部分已达 A 级才定级, 否则为「未知/无法评估」。",
        "分类参照《商业银行金融资产风险分类办法》(2023-07-01 施行): 零售逾期 >90 天至少次级、>270 天至少可疑、>360 天损失"
        "【自有知识, 核对原文】; 分类轻于此要求的借据列入数据问题(NPL_CLASS_DPD)。",
        CAVEAT,
        f"金额单位: {ctx.base_unit}(数据原币种, 未折算; 外币账户不计入)。",
    ]


SPEC = Scenario(
    id="risk.npl_capacity", code="R1", title="不良客户偿还能力", group="风险管理",
    inputs=("npl_loans",), optional_inputs=("deposit_accounts", "customers", "orgs"),
    params=NplCapacityParams, run=run,
    summary="不良借款人可用资金(本人+保证人存款、入账)覆盖率 A–E 分级, 清收优先级、网点分布与含可用账户的名单",
    outlet_tables=("npl_loans",), dataset_params={"Berka": {}},
)
