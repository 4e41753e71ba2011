"""C1 线上贷款白名单优先级 Online-loan whitelist (SCENARIOS.md "C1"; issue 13).

Inputs (canonical tables, ``bankxl.tables``):

* ``customers`` 客户 (required) — cust_id, id_no, cust_name, phone, org_id, mgr_id, birth_date, payroll_flag,
  cust_status (销户/身故 … are left out).
* ``transactions`` 交易流水 (optional) — the monthly flows: income = credits, spending = debits, own-account
  transfers (本人互转) and reversals (冲正) left out by the shared classifier
  (:func:`bankxl.rules.transactions.classify_exclusions`, its parameters inherited below). Without flows a
  customer is 信息不足, never a low score.
* ``external_lists`` 外部名单 (optional) — 公积金/机关事业单位/优质企业 lists as they arrive (15- or 18-digit IDs,
  masked phones, names with spaces), matched by the kit's one identity rule
  (:func:`bankxl.rules.identity.match_list`).
* ``credit_reports`` 征信明细, ``blacklist`` 黑名单, ``loans`` 贷款, ``customer_monthly`` 客户月度存款 (optional):
  admission rules and the 本行关系 factor; a rule whose data are absent is 未计算 (said), not passed or failed.

Method (defaults SCENARIOS.md C1; 【假设】 where it says so):

1. 准入 per person (a person = 客户号 of one ID, :func:`bankxl.rules.identity.persons`): 年龄 in ``age_range``
   (22–55); 当前无逾期 (本行贷款 status D / 逾期天数 > 0, and the credit report's 逾期/呆账 accounts, 当前逾期总额,
   last month of 近24月还款状态); 近 24 月无连三累六 (the shared rule :mod:`bankxl.rules.credit_report`, per
   account: ``streak_consecutive`` 3 overdue months in a row or a month at level ≥ 3, or ``streak_total`` 6
   overdue months; an unreadable string is REPAY_INVALID); 不在黑名单 (active entries; an identity conflict counts
   as a hit to be checked); 近 3 月硬查询 ≤ ``max_queries`` (6) where a report exists. A person passes when no
   computed rule fails; the rules not computed are listed per person (准入未计算).
2. 年龄收支曲线: persons with flows in ``band_step``-year bands: medians of monthly income and spending and
   支出收入比 = median spending / median income; a band with ≥ ``band_min`` persons and a ratio within
   ``demand_ratio`` (0.7–1.0) is a 需求段.
3. 优先分 0–100 for admitted persons with flows (five components, weights are parameters summing to 100):
   收入稳定 ``w_stable`` 30 × min(代发连续月数 / ``stable_months`` 6, 1); 收入分位 ``w_income`` 25 × the percentile
   of the monthly income among persons with flows; 需求 ``w_demand`` 20 when the person's own 支出/收入 lies in
   ``demand_ratio`` and 代发连续月数 ≥ ``demand_stable_months``; 本行关系 ``w_relation`` 15 × the share held of the
   known items 代发 / 住房贷款 / 本行日均 ≥ ``relation_deposit``; 年龄段 ``w_age`` 10 when the person's age band is
   a 需求段. Levels A ≥ 75, B ≥ 60, C ≥ 0 (``levels``), actions and 截止日 from ``strategy`` (:mod:`bankxl.lists`).
4. 参考额度 = min(月均收入 × ``limit_multiple``, ``limit_cap`` 200,000 元), rounded down to ``limit_round``.
5. 名单交叉 per branch: 内外都有 / 仅内部 / 仅外部(新客) / 冲突 (:meth:`ListMatch.counts`); 仅外部 persons are
   masked new-customer leads; conflicts are listed (身份冲突, 数据问题 LIST_CONFLICT), never merged.

Sheets: 概览 (headline), 白名单 (§6 list), 年龄曲线 (table + line chart), 准入 (per rule + 未通过 detail),
信息不足, 名单交叉 (per branch + chart), 机构分级 (levels per branch + chart), 新客线索, 身份冲突, 客户标签
(C1_WHITELIST 得分/等级, C1_INFO_GAP 信息不足, C1_EXT_LIST 外部名单客户). Errors: ParameterError for bad parameters
(before any input is read); the runner raises DataValidationError for a missing table or required column.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import customer_columns, mask_label, masked, stripped
from ....lists import Rule, check_levels, levels_param, score_list, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.credit_report import RepaymentParams
from ....rules.deposits import latest_deposit
from ....rules.payroll import PayrollParams, payroll_memo_param
from ....rules.identity import (CONFLICT, EXTERNAL_ONLY, IN_BOTH, MATCH_CLASSES, bank_identity, by_cust_id,
                                match_list)
from ....rules.transactions import SelfTransferParams, check_regex, has_pattern
from ....scenario import RunContext, Scenario, param
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import (age_bands, age_curve, blacklist_hits, credit_summary, monthly_flows, own_overdue,
                      person_codes, person_info)

#: list-frame columns the 策略表 actions may name as {placeholder}
FIELDS = ("limit", "income", "ratio", "pay_run", "ext_source", "age")
#: admission rules: id -> 中文 name (order of the 准入 sheet)
RULES = {"age": "年龄", "overdue": "当前无逾期", "streak": "近24月无连三累六", "blacklist": "非黑名单",
         "queries": "近3月硬查询"}
INFO_GAP = "信息不足"


@dataclass(frozen=True)
class WhitelistParams(SelfTransferParams, RepaymentParams, PayrollParams):
    """Parameters of C1: the flow rules' exclusion parameters (本人互转/冲正 …, inherited from
    :class:`bankxl.rules.transactions.SelfTransferParams`), the shared 连三累六 rule's (streak_consecutive /
    streak_total, :class:`bankxl.rules.credit_report.RepaymentParams`), the 代发 rule's (payroll_memo,
    :class:`bankxl.rules.payroll.PayrollParams`, C1's default) and C1's own (defaults SCENARIOS.md C1)."""

    flow_months: int = param(12, "流水月数", "月", "取数据日期前 N 个月的流水计算月均收支", min=1, max=36)
    payroll_memo: str = payroll_memo_param("代发|工资|薪|奖金|劳务费")  # the shared 代发 rule, C1's default
    closed_status: str = param("销户|身故|死亡|注销", "剔除的客户状态", None, "客户状态匹配该正则的客户不参与")
    age_range: tuple = param((22, 55), "准入年龄", "岁", "年龄在该区间内(含两端)才准入(常见区间 18–60)",
                             increasing=True)
    max_queries: int = param(6, "近3月硬查询上限", "次", "征信近 3 个月贷款/信用卡审批查询超过该次数不准入")
    credit_max_age: int = param(180, "征信报告有效天数", "天", "早于数据日期该天数以上的报告不用(征信规则未计算)")
    blacklist_removed: str = param("移出|撤销|解除|失效", "黑名单已移出状态", None, "黑名单状态匹配该正则的不计")
    housing_pattern: str = param("住房|按揭|房贷", "住房贷款品种", None, "贷款品种匹配该正则 → 住房贷款(本行关系)")
    band_step: int = param(5, "年龄段宽度", "岁", "年龄收支曲线的分段宽度", min=1, max=20)
    band_low: int = param(20, "曲线最低分段", "岁", "低于该年龄合为一段「<N」", max=60)
    band_top: int = param(60, "曲线最高分段", "岁", "该年龄及以上合为一段「≥N」", min=20, max=100)
    band_min: int = param(10, "需求段最少客户数", "户", "年龄段客户数少于该值不判断需求段(样本不足)", min=1)
    demand_ratio: tuple = param((0.7, 1.0), "需求段支出收入比", None, "支出/收入在该区间(含两端)为需求段【假设】",
                                increasing=True)
    demand_stable_months: int = param(3, "需求段收入稳定月数", "月", "个人需求: 代发连续月数 ≥ 该值才算收入稳定",
                                      min=1, max=36)
    stable_months: int = param(6, "收入稳定满分月数", "月", "代发连续月数达该值得满分", min=1, max=36)
    relation_deposit: float = param(50_000.0, "本行日均门槛", "元", "最近一月存款月日均 ≥ 该值算本行关系一项")
    w_stable: float = param(30.0, "收入稳定权重", "分", max=100)
    w_income: float = param(25.0, "收入分位权重", "分", max=100)
    w_demand: float = param(20.0, "需求权重", "分", max=100)
    w_relation: float = param(15.0, "本行关系权重", "分", max=100)
    w_age: float = param(10.0, "年龄段权重", "分", max=100)
    levels: tuple = levels_param((("A", 75), ("B", 60), ("C", 0)))
    strategy: tuple = strategy_param((("A", "客户经理电话邀约线上贷款, 参考额度 {limit:,.0f} 元", 5),
                                      ("B", "手机银行/短信推送预授信, 参考额度 {limit:,.0f} 元", 10),
                                      ("C", "纳入线上贷款营销池, 定期推送", 20)))
    limit_multiple: float = param(15.0, "额度收入倍数", "倍", "参考额度 = 月均收入 × 该倍数(不超过上限)", max=100)
    limit_cap: float = param(200_000.0, "单户额度上限", "元", "个人消费信用贷款单户上限(常见 20 万)")
    limit_round: float = param(1_000.0, "额度取整单位", "元", "参考额度向下取整到该单位", min=1)
    list_limit: int = param(5000, "名单上限", "户", min=1, help="白名单最多列出的客户数(按排名)")

    def check(self) -> None:
        """Exclusion rules (:meth:`SelfTransferParams.check`); 连三 ≤ 累六 (:meth:`RepaymentParams.check`); regexes
        valid; bands low < top; weights sum to 100 (a score of 0–100); levels/strategy
        (:func:`bankxl.lists.check_levels`). Raises ParameterError."""
        SelfTransferParams.check(self)
        RepaymentParams.check(self)
        PayrollParams.check(self)
        for f in ("closed_status", "blacklist_removed", "housing_pattern"):
            check_regex(self, f)
        if self.band_low >= self.band_top:
            raise ParameterError(f"参数「曲线最低分段(band_low)」{self.band_low} 应小于「曲线最高分段(band_top)」"
                                 f"{self.band_top}。", f"band_low ({self.band_low}) must be below band_top ({self.band_top}).")
        total = self.w_stable + self.w_income + self.w_demand + self.w_relation + self.w_age
        if abs(total - 100) > 1e-9:
            raise ParameterError(
                f"参数「收入稳定/收入分位/需求/本行关系/年龄段权重」之和应为 100(得分 0–100), 现为 {total:g}。",
                f"The five weights w_stable, w_income, w_demand, w_relation, w_age must sum to 100, got {total:g}.")
        check_levels(self.levels, self.strategy, FIELDS)


def run(tables, p: WhitelistParams, ctx: RunContext) -> Report:
    """C1: see the module docstring. Returns the report; the inputs are not modified."""
    customers = tables["customers"]
    notes: list[str] = []
    bank = bank_identity(customers)  # the customers' IDs, names and phones normalised once for the three lists
    who = bank.persons
    notes += who.notes()
    info = person_info(customers, who, ctx.as_of)
    closed = has_pattern(info["cust_status"].fillna(""), p.closed_status).to_numpy() if p.closed_status else \
        np.zeros(len(info), dtype=bool)
    if closed.any():
        notes.append(f"客户状态为 {'/'.join(sorted(set(info.loc[closed, 'cust_status'].unique())))} 的 {int(closed.sum()):,} 位客户不参与。")
    info = info[~closed]
    ids = info.index

    flows = monthly_flows(tables.get("transactions"), customers, who, p, ctx.as_of, ctx)
    people = flows["people"].reindex(ids).dropna(how="all") if flows else None
    adm, adm_notes, credit_used = _admission(tables, customers, bank, info, who, p, ctx)
    notes += adm_notes
    curve = age_curve(people, info["age"], p) if people is not None else None
    ext = tables.get("external_lists")
    lm = match_list(ext, bank) if ext is not None else None
    if lm is not None:
        lm.record_conflicts("external_lists", ext, ctx)

    frame = _frame(info, adm, people, curve, lm, ext, tables, who, p, ctx)
    scored = frame[frame["admitted"] & frame["has_flows"]]
    gap = frame[frame["admitted"] & ~frame["has_flows"]]
    lst = _score(scored, p, ctx, customers, tables)
    notes.append(f"白名单{lst.tie_break}")
    if flows is None:
        notes.append("没有交易流水(或数据日期前的流水窗口内没有): 所有准入客户为「信息不足」, 不评分; 年龄收支曲线未计算。")
    else:
        ex = flows["excluded"]
        notes.append(f"流水: {flows['months'][0]}–{flows['months'][-1]} 共 {len(flows['months'])} 个月; 排除本人互转 "
                     f"{ex.get('本人互转', 0):,} 笔、冲正 {ex.get('冲正', 0):,} 笔(共用流水规则); 月均 = 合计 / 月数。")

    rep = Report(title="线上贷款白名单", method=_method(p), notes=notes)
    counts = lm.counts() if lm is not None else None
    by_org = _levels_by_org(frame, lst, p.levels)
    rep.sheets.append(Sheet("白名单", lst.blocks(
        "whitelist", "线上贷款白名单(优先级)", limit=p.list_limit, lines=[_score_text(p)],
        formats={"年龄": "0", "代发连续月数": "0", "支出收入比": "0%", "收入分位": "0%", "内外都有": '"是";;"否"',
                 ctx.base_label("月均收入"): "#,##0", ctx.base_label("月均支出"): "#,##0",
                 ctx.base_label("参考额度"): "#,##0"}, credit_report=credit_used),
        print_role="detail"))
    rep.sheets.append(_curve_sheet(curve, p, ctx))
    rep.sheets.append(_admission_sheet(adm, frame, customers, ctx))
    rep.sheets.append(_gap_sheet(gap, customers, ctx))
    rep.sheets.append(_cross_sheet(counts, lm))
    rep.sheets.append(Sheet("机构分级", [
        Note(title="各机构白名单等级(人)", lines=["按客户所属机构; 准入未通过与信息不足的客户不评分。"]),
        Table(by_org, name="levels_by_org", title="各机构白名单等级(人)", text_columns=("机构号",),
              formats={c: "#,##0" for c in by_org.columns if c != "机构号"}, empty_note="没有客户"),
        Chart(table="levels_by_org", categories="机构号", series=[c for c in by_org.columns if c not in ("机构号", "合计")],
              kind="column", stacked=True, title="各机构白名单等级与信息不足(人)", height=320)]))
    if lm is not None:
        rep.sheets.append(_leads_sheet(ext, lm, ctx))
        rep.sheets.append(_conflict_sheet(ext, lm, customers, ctx))
    tags = tag_table(
        lst.tag_rows("C1", "C1_WHITELIST", "线上贷款白名单", ctx, p),
        tag_rows("C1", "C1_INFO_GAP", "线上贷款信息不足", gap.index.to_series(), ctx, p, level=INFO_GAP),
        tag_rows("C1", "C1_EXT_LIST", "外部名单客户", frame.index.to_series(), ctx, p, level=frame["ext_source"],
                 when=frame["in_ext"].fillna(False).to_numpy(dtype=bool)))
    rep.sheets.append(tag_sheet(tags))
    rep.headline = _headline(frame, lst, counts, by_org, ctx)
    return rep


# ---------------------------------------------------------------------------------------------- admission
def _admission(tables, customers, bank, info: pd.DataFrame, who, p: WhitelistParams,
               ctx) -> tuple[pd.DataFrame, list[str], bool]:
    """Per person (index = ``info``'s): one boolean column per rule of :data:`RULES` — True passed, False failed,
    <NA> 未计算 — plus detail columns (blacklist source, queries, worst run …), the 说明 lines, and whether some
    person's credit report (征信明细) was used — the whitelist is then a credit-report list
    (:class:`bankxl.lists.ListTable` ``credit_report``: a cross-scenario view leaves it out unless allowed).
    ``bank``: :func:`bankxl.rules.identity.bank_identity` of ``customers`` (the credit reports and the blacklist are
    matched against it)."""
    ids = info.index
    notes = []
    lo, hi = p.age_range
    age = info["age"]
    out = pd.DataFrame(index=ids)
    out["age"] = pd.array(np.where(age.isna(), None, (age >= lo) & (age <= hi)), dtype="boolean")
    own = own_overdue(tables.get("loans"), who, ids, p.housing_pattern)
    cr = tables.get("credit_reports")
    cs = None
    if cr is not None:
        clm = match_list(cr, bank)
        cs, ci = credit_summary(cr, clm, p, ctx)
        cs = cs.reindex(ids)
        notes.append(f"征信明细 {ci['rows']:,} 行, 用到 {int(cs.notna().any(axis=1).sum()):,} 位本行客户的报告"
                     f"(一人多份报告取最新); 未匹配到本行客户 {ci['unmatched']:,} 行(其中身份冲突 {ci['conflicts']:,} 行)不用"
                     + (f"; {ci['stale']:,} 人的报告早于数据日期 {p.credit_max_age} 天以上, 征信规则未计算" if ci["stale"] else "")
                     + (f"; {ci['invalid']:,} 行近24月还款状态无法解读(见数据问题), 按未知处理" if ci["invalid"] else "")
                     + "。征信数据仅限授权用途(贷款审批/贷后管理), 不得为营销而查询。")
    else:
        notes.append("没有征信明细: 连三累六、近3月硬查询未计算; 当前逾期不看征信。")
    od_own = own[0] if own is not None else pd.Series(pd.NA, index=ids, dtype="boolean")
    od_cr = cs["cur_overdue"] if cs is not None else pd.Series(pd.NA, index=ids, dtype="boolean")
    od_ds = _dataset_default(customers, who, ids)
    any_od = od_own.fillna(False) | od_cr.fillna(False) | od_ds.fillna(False)
    known = od_own.notna() | od_cr.notna() | od_ds.notna()
    if od_ds.notna().any():
        notes.append(f"客户表带数据集的违约标志(credit_default, 如 UCI 的 default): 「有违约信贷」的 {int(od_ds.sum()):,} 人按当前逾期"
                     "计(未通过)。")
    out["overdue"] = pd.array(np.where(any_od, False, np.where(known, True, None)), dtype="boolean")
    out["od_own"], out["od_cr"] = od_own, od_cr
    if own is None:
        notes.append("没有本行贷款表: 当前逾期不看本行贷款; 本行关系的「住房贷款」未知。")
    out["streak"] = ~cs["streak"] if cs is not None else pd.Series(pd.NA, index=ids, dtype="boolean")
    out["worst_run"] = cs["worst_run"] if cs is not None else np.nan
    out["total_overdue"] = cs["total_overdue"] if cs is not None else np.nan
    out["worst_level"] = cs["worst_level"] if cs is not None else np.nan
    q = cs["queries"] if cs is not None else pd.Series(np.nan, index=ids)
    out["queries"] = pd.array(np.where(q.isna(), None, q <= p.max_queries), dtype="boolean")
    out["n_queries"] = q
    bl = tables.get("blacklist")
    if bl is not None:
        blm = match_list(bl, bank)
        blm.record_conflicts("blacklist", bl, ctx, "按命中黑名单处理(不通过「非黑名单」), 未与本行客户合并, 待核实")
        hits, removed = blacklist_hits(bl, blm, p.blacklist_removed)
        out["bl_source"] = hits.reindex(ids)
        out["blacklist"] = pd.array(~ids.isin(hits.index), dtype="boolean")
        notes.append(f"黑名单 {len(bl):,} 行(已移出 {removed:,} 行不计), 命中本行客户 {int(ids.isin(hits.index).sum()):,} 位"
                     "(含身份冲突待核实)。")
    else:
        out["bl_source"] = pd.Series(pd.NA, index=ids, dtype="string")
        out["blacklist"] = pd.array([pd.NA] * len(ids), dtype="boolean")
        notes.append("没有黑名单: 「非黑名单」未计算。")
    out["house"] = own[1] if own is not None else pd.Series(pd.NA, index=ids, dtype="boolean")
    # the admission read somebody's credit report: the whitelist derives from 征信明细 (authorised use only)
    return out, notes, bool(cs is not None and cs.notna().any(axis=1).any())


def _dataset_default(customers: pd.DataFrame, who, ids: pd.Index) -> pd.Series:
    """A public dataset's default flag per person (boolean, <NA> unknown): the 客户 frame's extra column
    ``credit_default`` (UCI Bank Marketing ``default``: has credit in default, :mod:`bankxl.datasets.uci`) —
    any 客户号 of the person in default; all <NA> when the column is absent (a bank's 客户 table has none)."""
    if "credit_default" not in customers.columns:
        return pd.Series(pd.NA, index=ids, dtype="boolean")
    codes, keys = person_codes(who.of(stripped(customers["cust_id"])))
    d = customers["credit_default"].astype("boolean")
    f = pd.DataFrame({"c": codes, "t": d.fillna(False).to_numpy(dtype=bool), "k": d.notna().to_numpy()})
    g = f[codes >= 0].groupby("c")[["t", "k"]].any()
    return pd.Series(pd.array(np.where(g["t"], True, np.where(g["k"], False, None)), dtype="boolean"),
                     index=keys[g.index.to_numpy()]).reindex(ids)


def _frame(info, adm, people, curve, lm, ext, tables, who, p: WhitelistParams, ctx) -> pd.DataFrame:
    """One row per person: admission, flows, score inputs, external-list match (index = 客户号)."""
    ids = info.index
    rules = adm[list(RULES)]
    failed = rules.eq(False).fillna(False)
    f = pd.DataFrame(index=ids)
    f["admitted"] = ~failed.any(axis=1).to_numpy()
    names = np.array(list(RULES.values()), dtype=object)
    f["fail_txt"] = _join(failed.to_numpy(), names)
    f["unknown_txt"] = _join(rules.isna().to_numpy(), names)
    f["age"] = info["age"]
    has = people is not None
    f["has_flows"] = ids.isin(people.index) if has else np.zeros(len(ids), dtype=bool)
    pe = people.reindex(ids) if has else pd.DataFrame(index=ids, columns=["income", "spend", "ratio", "pay_run"],
                                                      dtype="float64")
    for c in ("income", "spend", "ratio", "pay_run"):
        f[c] = pe[c].astype("float64").to_numpy()
    f["income_pct"] = f["income"].where(f["has_flows"]).rank(pct=True, method="average")
    f["stable_share"] = np.minimum(f["pay_run"] / p.stable_months, 1.0)
    lo, hi = p.demand_ratio
    f["demand"] = pd.array(np.where(f["has_flows"], (f["ratio"] >= lo) & (f["ratio"] <= hi)
                                    & (f["pay_run"] >= p.demand_stable_months), None), dtype="boolean")
    edges, labels = age_bands(p.band_step, p.band_low, p.band_top)
    f["band"] = pd.cut(f["age"], edges, right=False, labels=labels).astype("string")
    if curve is not None:
        dem = curve.set_index("年龄段")["需求段"]
        v = f["band"].map(dem)
        f["age_demand"] = pd.array(np.where(v.isin(["是", "否"]), v == "是", None), dtype="boolean")
    else:
        f["age_demand"] = pd.array([pd.NA] * len(ids), dtype="boolean")
    # 本行关系: share held of the known items 代发 / 住房贷款 / 本行日均 ≥ relation_deposit
    dep = _deposit(tables.get("customer_monthly"), who, ids, ctx.as_of)
    items = pd.DataFrame({"代发": info["payroll_flag"], "住房贷款": adm["house"],
                          "存款": pd.array(np.where(dep.isna(), None, dep >= p.relation_deposit), dtype="boolean")},
                         index=ids)
    n_known = items.notna().sum(axis=1)
    n_held = items.fillna(False).sum(axis=1)
    f["relation_share"] = (n_held / n_known.where(n_known > 0)).astype("float64")
    f["relation_txt"] = _join(items.fillna(False).to_numpy(dtype=bool),
                              np.array(["代发", "住房贷款", f"日均≥{p.relation_deposit / 10_000:g}万"], dtype=object))
    f["dep"] = dep
    raw = np.floor(np.minimum(f["income"] * p.limit_multiple, p.limit_cap) / p.limit_round) * p.limit_round
    f["limit"] = raw
    if lm is not None:
        r = lm.rows[lm.rows["match_class"].eq(IN_BOTH).fillna(False).to_numpy()]
        src = ext.loc[r.index, "list_source"].astype("string").fillna("外部名单")
        codes, keys = person_codes(r["cust_id"])
        first = pd.Series(src.to_numpy()).groupby(codes).first().set_axis(keys, axis=0)
        f["ext_source"] = pd.Series(first.reindex(ids).to_numpy(), index=ids, dtype="string")
        f["in_ext"] = pd.array(f["ext_source"].notna().to_numpy(), dtype="boolean")
        inc = pd.to_numeric(ext.loc[r.index, "income_base"], errors="coerce")
        f["ext_income"] = pd.Series(inc.to_numpy()).groupby(codes).max().set_axis(keys, axis=0).reindex(ids)
    else:
        f["ext_source"] = pd.Series(pd.NA, index=ids, dtype="string")
        f["in_ext"] = pd.array([pd.NA] * len(ids), dtype="boolean")
        f["ext_income"] = np.nan
    f["in_both"] = f["in_ext"].astype("Float64").astype("float64")  # sort key: 1 内外都有, 0 not, NaN no list
    f["org_id"] = info["org_id"]
    return f


def _join(mask: np.ndarray, names: np.ndarray, sep: str = "、") -> np.ndarray:
    """Per row, the ``names`` where ``mask`` holds, joined with ``sep`` ('' when none): each row's columns as one
    bit pattern, the text built once per distinct pattern (at most 2^columns, not per customer) and taken back."""
    bits = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    uniq, inv = np.unique(bits, return_inverse=True)
    texts = np.empty(len(uniq), dtype=object)
    texts[:] = [sep.join(str(n) for j, n in enumerate(names) if u >> j & 1) for u in uniq.tolist()]
    return texts[inv.ravel()]


def _deposit(monthly: pd.DataFrame | None, who, ids: pd.Index, as_of: pd.Timestamp) -> pd.Series:
    """本行日均 (元) per person: the latest month's 存款月日均 of each of his 客户号 up to the data date, summed
    (:func:`bankxl.rules.deposits.latest_deposit`); NaN unknown."""
    s = latest_deposit(monthly, as_of, who)
    return pd.Series(np.nan, index=ids) if s is None else s.reindex(ids)


# ---------------------------------------------------------------------------------------------- score
def _score(scored: pd.DataFrame, p: WhitelistParams, ctx, customers, tables):
    """The §6 whitelist of the admitted persons with flows (:mod:`bankxl.lists`)."""
    frame = scored.reset_index().rename(columns={"index": "cust_id"})
    frame["cust_id"] = frame["cust_id"].astype("string")
    rules = (
        Rule("stable", "代发连续 {pay_run:.0f} 个月", weight=p.w_stable, value="stable_share", name="收入稳定"),
        Rule("income", "月均收入 {income:,.0f} 元(分位 {income_pct:.0%})", weight=p.w_income, value="income_pct",
             name="收入分位"),
        Rule("demand", "支出/收入 {ratio:.0%}, 收入稳定: 有用信需求", points=p.w_demand, when="demand", name="需求"),
        Rule("relation", "本行关系: {relation_txt}", weight=p.w_relation, value="relation_share", name="本行关系"),
        Rule("age", "{age:.0f} 岁, {band} 岁为需求段", points=p.w_age, when="age_demand", name="年龄段"),
        Rule("external", "外部名单: {ext_source}", when="in_ext", name="外部名单"),
    )
    unknown = [] if tables.get("external_lists") is not None else ["外部名单"]
    return score_list(frame, rules, p.levels, p.strategy, ctx, sort_by=("in_both", "income"), unknown=unknown, amount="limit",
                      customers=customers, params=p,
                      show={"age": "年龄", "income": ctx.base_label("月均收入"), "spend": ctx.base_label("月均支出"),
                            "ratio": "支出收入比", "pay_run": "代发连续月数", "income_pct": "收入分位",
                            "in_both": "内外都有", "ext_source": "外部名单", "limit": ctx.base_label("参考额度"),
                            "unknown_txt": "准入未计算"})


def _score_text(p: WhitelistParams) -> str:
    lo, hi = p.demand_ratio
    return (f"优先分(0–100) = 收入稳定 {p.w_stable:g} × min(代发连续月数/{p.stable_months}, 1) + 收入分位 {p.w_income:g} × 分位"
            f" + 需求 {p.w_demand:g}(支出/收入 {lo:.0%}–{hi:.0%} 且代发连续 ≥{p.demand_stable_months} 月) + 本行关系 "
            f"{p.w_relation:g} × 已知项中持有的比例(代发/住房贷款/日均≥{p.relation_deposit:,.0f}) + 年龄段 {p.w_age:g}(所在年龄段"
            f"为需求段)。参考额度 = min(月均收入 × {p.limit_multiple:g}, {p.limit_cap:,.0f}) 向下取整到 {p.limit_round:,.0f}。"
            "「外部名单」只作原因, 同分时内外都有在前。")


# ---------------------------------------------------------------------------------------------- sheets
def _curve_sheet(curve, p: WhitelistParams, ctx) -> Sheet:
    """年龄曲线: the curve table (every band, 样本不足 marked) and a line chart over 作图数据 — the same bands with
    the values of the bands below ``p.band_min`` persons left blank (a median of two people is no band's curve;
    Excel leaves a gap there). No chart when no band has enough persons (the note says so)."""
    lo, hi = p.demand_ratio
    lines = [f"有流水的客户按 {p.band_step} 岁分段: 月均收入、月均支出(本人互转与冲正已排除)的中位数;",
             f"支出收入比 = 支出中位数 / 收入中位数; 比值在 {lo:.0%}–{hi:.0%} 且客户数 ≥ {p.band_min} 的年龄段为需求段(【假设】)。"]
    if curve is None:
        return Sheet("年龄曲线", [Note(title="年龄收支曲线", lines=lines + ["没有流水: 未计算。"])])
    df = curve.rename(columns={"收入中位数": ctx.base_label("收入中位数"), "支出中位数": ctx.base_label("支出中位数")})
    inc, sp = ctx.base_label("收入中位数"), ctx.base_label("支出中位数")
    fmt = {inc: "#,##0", sp: "#,##0", "支出收入比": "0%"}
    thin = df["需求段"].eq("样本不足").to_numpy()
    plot = df[["年龄段", inc, sp, "支出收入比"]].copy()
    plot.loc[thin, [inc, sp, "支出收入比"]] = np.nan
    judged = plot[[inc, sp]].notna().any(axis=1).any()
    lines.append(f"客户数少于 {p.band_min} 的年龄段标为「样本不足」: 表中保留其数值, 但不画入曲线(作图数据留空), 几个人的中位数"
                 "不代表该年龄段。" + ("" if judged else " 本次每个年龄段都样本不足或没有客户, 未作图。"))
    blocks = [Note(title="年龄收支曲线", lines=lines),
              Table(df, name="age_curve", title="年龄段收支中位数", formats={"客户数": "#,##0", **fmt})]
    if judged:
        blocks += [Table(plot, name="age_curve_chart", title=f"作图数据(样本不足的年龄段留空: 客户数 < {p.band_min})",
                         formats=fmt),
                   Chart(table="age_curve_chart", categories="年龄段", series=[inc, sp], secondary=["支出收入比"],
                         kind="line", title=f"年龄收支曲线(月均中位数; 右轴: 支出收入比; 不含客户数 < {p.band_min} 的年龄段)",
                         height=340)]
    return Sheet("年龄曲线", blocks)


def _admission_sheet(adm: pd.DataFrame, frame: pd.DataFrame, customers, ctx) -> Sheet:
    """Per rule: persons passed / failed / 未计算; then the persons who failed (role detail)."""
    rows = [{"准入规则": zh, "通过": int(adm[r].eq(True).sum()), "未通过": int(adm[r].eq(False).sum()),
             "未计算": int(adm[r].isna().sum())} for r, zh in RULES.items()]
    per_rule = pd.DataFrame(rows)
    bad = frame[~frame["admitted"].to_numpy()]
    a = adm.loc[bad.index]
    ids = pd.Series(bad.index, dtype="string")
    df = customer_columns(ids, customers, ctx, extra=("org_id",))
    df["未通过规则"] = bad["fail_txt"].to_numpy()
    df["年龄"] = bad["age"].to_numpy()
    df["黑名单来源"] = a["bl_source"].to_numpy()
    df["近24月最长连续逾期(月)"] = a["worst_run"].to_numpy()
    df["近24月单账户累计逾期(月)"] = a["total_overdue"].to_numpy()
    df["近24月最高逾期档"] = a["worst_level"].to_numpy()
    df["近3月硬查询(次)"] = a["n_queries"].to_numpy()
    df["本行贷款逾期"] = pd.Series(a["od_own"].to_numpy(), dtype="boolean").map({True: "是", False: "否"}).to_numpy()
    df["征信当前逾期"] = pd.Series(a["od_cr"].to_numpy(), dtype="boolean").map({True: "是", False: "否"}).to_numpy()
    df["准入未计算"] = bad["unknown_txt"].to_numpy()
    df = df.sort_values(["未通过规则", "客户号"], kind="stable").reset_index(drop=True)
    n = {k: "#,##0" for k in ("通过", "未通过", "未计算")}
    return Sheet("准入", [
        Note(title="准入规则", lines=[
            "逐条判断, 数据中没有的规则为「未计算」(不算通过也不算未通过); 没有任何规则未通过的客户进入评分, 其未计算的规则列在"
            "白名单的「准入未计算」列。",
            "当前无逾期: 本行贷款(状态 D 逾期中或逾期天数 > 0)与征信(账户状态匹配参数「当前逾期账户状态」、当前逾期总额 > 0、近24月还款状态最后一月为"
            " 1–7)任一为逾期即未通过; 连三累六与近3月硬查询只在有征信报告时判断; 黑名单身份冲突(证件号相同姓名不同)按命中处理, 待核实。",
            "连三累六按账户判断(共用征信规则 bankxl.rules.credit_report): 某账户近 24 月连续逾期达「连三」月数(或某月逾期档 ≥ 该"
            "值), 或某账户逾期月数累计达「累六」月数; 还款状态为空、无法解读或含「#」(状态未知)的账户可能藏有逾期, 其他账户都没有"
            "连三累六时该规则为未计算。最长连续、累计逾期与最高逾期档取各账户中最大的(可解读的还款状态)。"]),
        Table(per_rule, name="admission_rules", title="各准入规则结果(人)", formats=n),
        Table(df, name="admission_failed", title="准入未通过客户", role="detail", empty_note="没有准入未通过的客户",
              formats={"年龄": "0", "近24月最长连续逾期(月)": "0", "近24月单账户累计逾期(月)": "0",
                       "近24月最高逾期档": "0", "近3月硬查询(次)": "0"}),
    ], print_role="detail")


def _gap_sheet(gap: pd.DataFrame, customers, ctx) -> Sheet:
    """Admitted persons without flows: 信息不足 (role detail), never a low score."""
    df = customer_columns(pd.Series(gap.index, dtype="string"), customers, ctx, extra=("org_id", "mgr_id"))
    df["年龄"] = gap["age"].to_numpy()
    df["等级"] = INFO_GAP
    df["外部名单"] = gap["ext_source"].to_numpy()
    df["准入未计算"] = gap["unknown_txt"].to_numpy()
    df["说明"] = "流水窗口内没有收支(或仅有本人互转/冲正): 不评分, 补充代发/收支信息后再评"
    return Sheet(INFO_GAP, [
        Note(title="信息不足(准入未发现问题, 但没有流水)", lines=[
            f"共 {len(df):,} 人。没有收支流水就无法判断收入稳定、收入水平和需求, 不给低分, 列为「信息不足」。"]),
        Table(df, name="info_gap", title="信息不足客户", role="detail", formats={"年龄": "0"},
              empty_note="准入客户都有流水"),
    ], print_role="detail")


def _cross_sheet(counts, lm) -> Sheet:
    """名单交叉: persons per branch and class (:meth:`ListMatch.counts`) with a chart, and the keys used."""
    if lm is None:
        return Sheet("名单交叉", [Note(title="内部 × 外部名单交叉", lines=["没有外部名单: 名单交叉未计算。"])])
    head = counts.rename(columns={"org_id": "机构号"})
    r = lm.rows
    keys = r["matched_on"].value_counts()
    kt = pd.DataFrame({"匹配依据": ["证件号", "客户号", "姓名+手机号"]})
    kt["名单行数"] = [int(keys.get(k, 0)) for k in kt["匹配依据"]]
    return Sheet("名单交叉", [
        Note(title="内部 × 外部名单交叉", lines=[
            "外部名单按本行统一的客户身份规则匹配: 先 18 位标准证件号(15 位升位; ID_CORRUPT 与校验错误的号码不参与), 再客户号, "
            "再 姓名+手机(只比较双方都显示的数字)。内外都有 = 名单中的本行客户(优先); 仅内部 = 本行客户不在名单; "
            "仅外部(新客) = 名单中的非本行客户(见「新客线索」); 冲突 = 不合并, 见「身份冲突」。一人计一次。"]),
        Table(head, name="cross_counts", title="各机构名单交叉(人)", text_columns=("机构号",),
              formats={c: "#,##0" for c in (*MATCH_CLASSES, "合计")}),
        Chart(table="cross_counts", categories="机构号", series=[IN_BOTH, EXTERNAL_ONLY, CONFLICT], kind="column",
              stacked=True, title="各机构外部名单: 本行客户 / 新客 / 冲突(人)", height=300),
        Table(kt, name="cross_keys", title="匹配依据(内外都有, 名单行数)", formats={"名单行数": "#,##0"}),
    ])


def _levels_by_org(frame: pd.DataFrame, lst, levels: tuple) -> pd.DataFrame:
    """Persons per branch: one column per level, 信息不足, 准入未通过, 合计 (int)."""
    lv = pd.Series(lst.df["等级"].to_numpy(), index=lst.df["客户号"].astype("string").to_numpy(), dtype="string")
    status = pd.Series(pd.NA, index=frame.index, dtype="string")
    status = status.fillna(lv.reindex(frame.index))
    status = status.mask(frame["admitted"].to_numpy() & ~frame["has_flows"].to_numpy(), INFO_GAP)
    status = status.mask(~frame["admitted"].to_numpy(), "准入未通过")
    cols = [str(x[0]) for x in levels] + [INFO_GAP, "准入未通过"]
    org = frame["org_id"].fillna("未知")
    ok = status.notna().to_numpy()
    t = pd.crosstab(org[ok], pd.Categorical(status[ok], categories=cols), dropna=False) if ok.any() else \
        pd.DataFrame(columns=cols)
    t = t.reindex(columns=cols, fill_value=0)
    t = t.reindex(sorted(t.index, key=lambda o: (o == "未知", o))).astype("int64")
    t["合计"] = t.sum(axis=1)
    t.columns.name = None
    return t.rename_axis("机构号").reset_index()


def _leads_sheet(ext: pd.DataFrame, lm, ctx) -> Sheet:
    """仅外部(新客): one row per person (first row of the person), masked, by 缴存基数 descending."""
    r = lm.rows
    new = r[r["match_class"].eq(EXTERNAL_ONLY).fillna(False).to_numpy()]
    key = lm.person_key()[new.index]
    first = ext.loc[new.index[~key.duplicated().to_numpy()]]
    df = pd.DataFrame({
        mask_label("姓名", ctx): masked(first["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("证件号", ctx): masked(first["id_no"], "id_no", ctx).to_numpy(),
        mask_label("手机", ctx): masked(first["phone"], "phone", ctx).to_numpy(),
        "名单来源": first["list_source"].to_numpy(), "单位": first["employer"].to_numpy(),
        ctx.base_label("缴存基数"): first["income_base"].to_numpy(dtype="float64"),
        "分配机构": first["org_id"].to_numpy()})
    df = df.sort_values(ctx.base_label("缴存基数"), ascending=False, na_position="last", kind="stable")
    return Sheet("新客线索", [
        Note(title="新客线索: 外部名单中不是本行客户的人(仅外部)", lines=[
            f"共 {len(df):,} 人, 按缴存基数从高到低; 非本行客户没有流水, 不评分(信息不足), 由网点先开户建立关系。个人信息已脱敏。"]),
        Table(df.reset_index(drop=True), name="new_leads", title="新客线索", text_columns=("分配机构",),
              formats={ctx.base_label("缴存基数"): "#,##0"}, empty_note="名单中的人都已是本行客户或无法匹配"),
    ], print_role="detail")


def _conflict_sheet(ext: pd.DataFrame, lm, customers: pd.DataFrame, ctx) -> Sheet:
    c = lm.conflicts
    rows = ext.loc[c["ext_index"]]
    name_of = by_cust_id(customers)["cust_name"] if "cust_name" in customers.columns else pd.Series(dtype="string")
    df = pd.DataFrame({
        "Excel 行号": rows["_row"].to_numpy() if "_row" in rows else pd.NA,
        mask_label("名单姓名", ctx): masked(rows["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("名单证件号", ctx): masked(rows["id_no"], "id_no", ctx).to_numpy(),
        "客户号": c["cust_id"].to_numpy(),
        mask_label("本行姓名", ctx): masked(c["cust_id"].map(name_of), "cust_name", ctx).to_numpy(),
        "冲突原因": c["reason"].to_numpy()})
    return Sheet("身份冲突", [
        Note(title="身份冲突(未合并, 请核实)", lines=[
            "证件号相同但姓名不同, 或 姓名+手机 对应本行多位客户: 这些名单行没有并入任何客户, 核实后更正名单或客户信息。"]),
        Table(df, name="conflicts", title="身份冲突", text_columns=("客户号",), role="detail",
              formats={"Excel 行号": "0"}, empty_note="没有身份冲突"),
    ])


def _headline(frame: pd.DataFrame, lst, counts, by_org: pd.DataFrame, ctx) -> Headline:
    top = next(iter(lst.counts), None)
    limit_col = ctx.base_label("参考额度")
    a_limit = lst.df.loc[lst.df["等级"].eq(top).fillna(False).to_numpy(), limit_col].sum(min_count=1) \
        if top and len(lst.df) else None
    tot = counts.drop(columns="org_id").sum() if counts is not None else None
    figs = [
        Figure("准入通过客户", int(frame["admitted"].sum()), "人", "int",
               note=f"共 {len(frame):,} 人; 未通过 {int((~frame['admitted']).sum()):,} 人"),
        Figure(f"白名单 {top} 级" if top else "白名单",
               lst.counts.get(top, 0) if top and frame["has_flows"].any() else None, "人", "int",
               note=lst.summary() if frame["has_flows"].any() else "没有流水: 无人可评分(未计算, 不是 0)"),
        Figure(INFO_GAP, int((frame["admitted"] & ~frame["has_flows"]).sum()), "人", "int", note="准入通过但无流水, 不评分"),
        Figure("外部名单中的本行客户", None if tot is None else int(tot[IN_BOTH]), "人", "int",
               note="没有外部名单" if tot is None else f"仅外部(新客) {int(tot[EXTERNAL_ONLY]):,} 人, 冲突 {int(tot[CONFLICT]):,} 人"),
        Figure(f"{top} 级参考额度合计" if top else "参考额度合计",
               None if a_limit is None or pd.isna(a_limit) else float(ctx.money(a_limit)), ctx.unit, "money0"),
    ]
    series = [c for c in by_org.columns if c not in ("机构号", "合计")]
    return Headline(figures=figs, actions="whitelist",
                    chart=Chart(table="levels_by_org", categories="机构号", series=series, kind="column", stacked=True,
                                title="各机构白名单等级(人)", height=300),
                    lines=["准入 → 优先分(收入稳定/收入分位/需求/本行关系/年龄段) → A/B/C; 无流水为信息不足, 不给低分。"])


def _method(p: WhitelistParams) -> list[str]:
    lo, hi = p.age_range
    return [
        "来源: SCENARIOS.md C1 线上贷款白名单优先级(准入 S17、额度上限 S19; 优先分权重与需求段为【假设】); 名单交叉用本行统一的"
        "客户身份规则 bankxl.rules.identity.match_list。",
        f"准入: 年龄 {lo}–{hi} 岁; 当前无逾期; 近 24 月无连三累六(某账户连续 {p.streak_consecutive} 月或累计 {p.streak_total} 月逾期, "
        "共用征信规则); "
        f"非黑名单; 近 3 月硬查询 ≤ {p.max_queries} 次。数据中没有的规则为未计算, 不算通过也不算未通过。",
        f"收支: 近 {p.flow_months} 个月交易流水, 本人互转与冲正按共用流水规则排除; 代发 = 入账且对手户名/摘要匹配「{p.payroll_memo}」。",
        _score_text(p),
        "真实公开数据: 在 UCI Bank Marketing 上运行准入规则 — 年龄(UCI age)与当前无逾期(UCI default = 有违约信贷, 映射为客户表"
        " credit_default); UCI 没有交易流水、征信、黑名单和外部名单, 连三累六/黑名单/查询为未计算, 所有准入客户为「信息不足」, "
        "年龄收支曲线与优先分无法计算。Berka 只有代扣指令没有流水; German Credit 尚无 bankxl.datasets 适配器(且无流水), 均未运行。",
    ]


SPEC = Scenario(
    id="credit.online_whitelist", code="C1", title="线上贷款白名单", group="信贷营销",
    inputs=("customers",),
    optional_inputs=("transactions", "external_lists", "credit_reports", "blacklist", "loans", "customer_monthly"),
    params=WhitelistParams, run=run, dataset_params={"UCI": {}},
    summary="准入规则(年龄/逾期/连三累六/黑名单/查询)、年龄收支曲线、优先分五项与 A/B/C、内外名单交叉、参考额度; 无流水为信息不足",
)
