"""C8 征信数据: 他行客户挖掘 Credit-report poaching (SCENARIOS.md C8; issue 14).

**Compliance (SCENARIOS.md §0.9, C8 合规前提【S20】)**: only credit reports the bank obtained under the customer's
authorisation for 贷款审批/贷后管理 are read; nobody queries the credit bureau for marketing; every export is masked
(证件号/姓名) and the lists are for the bank's own account managers. 说明 and the headline say so.

Inputs (canonical tables, ``bankxl.tables``):

* ``credit_reports`` 征信明细 (required) — one row per credit account of a report: 证件号, 客户号, 姓名, 报告日期
  (报告编号 when the table has it), 账户类型 D1/R1/R2/R3/R4, 管理机构, 业务种类 (11–99 or its name), 开立/到期日期,
  借款金额/授信额度, 余额, 账户状态, 当前逾期总额, 近24月还款状态, 五级分类, 担保方式, 近3月硬查询次数.
* ``customers`` 客户 (optional) — who each report belongs to (证件号 → 客户号 → 姓名+手机号: the one identity rule
  :mod:`bankxl.rules.identity`), 机构号/客户经理 and 代发标志; without it the report's own 客户号 are used.
* ``customer_monthly`` 客户月度存款 (optional) — the latest month's 存款月日均 > 0 = 本行有存款.

Method (defaults 【假设】 of SCENARIOS.md C8, every one a parameter): per person the **latest report** (报告日期,
then 报告编号); accounts whose 管理机构 matches ``own_bank`` are the bank's own and leave every 他行 figure; 未结清 =
账户状态 not 结清/销户/转出 and latest month not C/G. 他行未结清笔数/余额 by kind (业务种类 → ``kinds``; R2/R3 = 信用卡;
双币卡 = two accounts, as reported); 他行占比 = 他行/(他行 + 本行) from the same report; 转贷窗口 = 他行 loans (not
cards) maturing within ``window_months`` (6) months of the data date (both edges included); 干净 = no 1–7/D/Z in
any 近24月还款状态 and no account in trouble now (:mod:`bankxl.rules.credit_report`; a '#' month or an unreadable
string leaves it unknown); 多头 = institutions with open loans (cards not counted, the bank included); 近3月硬查询
= the report's 近3月硬查询次数. **Exclusions** (排除名单, never marketed): in trouble now (逾期/呆账 状态, 当前逾期
总额 > 0, latest month 1–7, 五级分类 次级/可疑/损失), 多头 > ``max_lenders``, 近3月硬查询 > ``max_queries``.
**Priority score**: ``target_points`` × the percentile of the 他行 ``target_kinds`` (经营贷/消费贷) balance among the
candidates + ``window_points`` (转贷窗口) + ``clean_points`` (干净) + ``relation_points`` (本行有存款/代发) +
``collateral_points`` (他行抵押/质押贷款: 可置换); levels, actions, due dates from ``levels``/``strategy``.

Sheets: 概览 (headline) · 他行业务结构 · 转贷窗口 · 挖掘名单 · 排除名单 · 客户征信汇总 · 客户标签 (C8_POACH = 得分/等级,
C8_REFI_WINDOW = 转贷窗口余额, C8_HOLD = 排除) · 数据问题 · 说明.
Errors: none beyond the runner's structural checks and ParameterError for bad parameters (before any load); row
problems: REPAY_INVALID (还款状态串), VALUE_INVALID (业务种类), REQUIRED_EMPTY (管理机构), LIST_CONFLICT.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import customer_columns, flag_text
from ....lists import Rule, check_levels, levels_param, score_list, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.credit_report import RepaymentParams
from ....rules.deposits import latest_deposit
from ....rules.identity import by_cust_id
from ....rules.transactions import check_regex
from ....scenario import Scenario, param
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import by_kind, latest_accounts, person_keys, person_summary

KINDS = (("住房贷", r"^1[123]$|住房|公积金|商用房"), ("汽车贷", r"^21$|汽车"), ("助学贷", r"^3[123]$|助学"),
         ("经营贷", r"^41$|经营"), ("农户贷", r"^5[123]$|农户"), ("消费贷", r"^91$|消费"), ("其他贷款", r"^99$|其他"))
COMPLIANCE = ("合规: 仅使用依客户授权(贷款审批/贷后管理)已合法取得的征信报告, 不得为营销目的查询征信; 名单仅供本行客户经理"
              "内部使用, 导出时证件号、姓名脱敏(征信业务管理办法)。")
_FIELDS = ("other_bal", "target_bal", "n_window", "window_bal", "first_txt", "main_kind", "n_other", "n_lenders")


@dataclass(frozen=True)
class CreditReportParams(RepaymentParams):
    """Parameters of C8 (defaults SCENARIOS.md C8 【假设】); 连三累六 from the shared repayment rule."""

    own_bank: str = param("示例银行", "本行行名/行号", None,
                          "正则: 管理机构匹配即为本行账户, 不计入他行(多个用 | 分隔)", pattern=r"(?s).*\S.*")
    kinds: tuple = param(KINDS, "业务种类归类", None,
                         "[[种类, 正则], …]: 业务种类(代码 11–99 或名称)匹配的第一个种类; 贷记卡/准贷记卡(R2/R3)为信用卡")
    target_kinds: tuple = param(("经营贷", "消费贷"), "重点置换种类", None, "优先分按这些种类的他行余额分位计分")
    window_months: int = param(6, "转贷窗口", "月", "他行贷款在数据日期后该月数内(含当日)到期 = 转贷窗口", min=1, max=36)
    collateral: str = param("抵押|质押", "可置换担保方式(正则)", None, "他行未结清贷款的担保方式匹配即「抵押担保, 可置换」",
                            pattern=r"(?s).*\S.*")
    max_lenders: int = param(3, "多头机构数上限", "家", "有未结清贷款的机构数(含本行, 不含信用卡)超过该数 → 排除", max=50)
    max_queries: int = param(6, "近3月硬查询上限", "次", "近 3 个月贷款/信用卡审批查询超过该次数 → 排除", max=100)
    target_points: float = param(30.0, "他行余额分位满分", "分", "得分 = 该值 × 重点种类他行余额在候选客户中的分位(0–1)",
                                 max=100)
    window_points: float = param(20.0, "转贷窗口加分", "分", max=100)
    clean_points: float = param(20.0, "记录干净加分", "分", max=100)
    relation_points: float = param(15.0, "本行存款/代发加分", "分", max=100)
    collateral_points: float = param(15.0, "抵押担保加分", "分", max=100)
    levels: tuple = levels_param((("A", 70), ("B", 40), ("C", 0)))
    strategy: tuple = strategy_param((
        ("A", "客户经理面谈: 他行{main_kind}等余额 {other_bal:,.0f} 元, 提供置换方案", 5),
        ("B", "电话联系: 了解他行贷款到期与利率, 预约面谈", 10),
        ("C", "短信/手机银行推送本行贷款产品", 20)),
        help="每个等级的建议动作与截止日; 可用 {other_bal} 他行余额、{target_bal} 重点种类余额、{main_kind} 主要种类、"
             "{n_window} 窗口笔数、{window_bal} 窗口余额、{first_txt} 最早到期日、{n_other} 他行笔数、{n_lenders} 机构数")
    hold_action: str = param("不营销: 征信有风险信号, 转贷后/风险关注", "排除名单建议动作", None, pattern=r"(?s).*\S.*")
    hold_days: int = param(10, "排除名单截止日", "工作日", "排除名单的截止日 = 数据日期后第 N 个工作日", max=250)
    list_limit: int = param(1000, "名单上限", "户", "挖掘名单最多列出的客户数(按排名)", min=1, max=1_000_000)

    def check(self) -> None:
        """连三累六; levels/strategy (placeholders among the list fields); regexes; kinds pairs of a name and a valid
        regex; target kinds among them. Raises ParameterError."""
        RepaymentParams.check(self)
        check_levels(self.levels, self.strategy, _FIELDS)
        check_regex(self, "own_bank")
        check_regex(self, "collateral")
        names = []
        for x in self.kinds:
            if not isinstance(x, (tuple, list)) or len(x) != 2 or not all(isinstance(v, str) and v.strip() for v in x):
                raise ParameterError(f"参数「业务种类归类(kinds)」应为 [[\"种类\", \"正则\"], …], 给定 {self.kinds!r}。",
                                     f"Parameter kinds must look like [[\"kind\", \"regex\"], ...]; got {self.kinds!r}.")
            try:
                re.compile(x[1])
            except re.error as e:
                raise ParameterError(f"参数「业务种类归类(kinds)」中「{x[0]}」的正则「{x[1]}」无效: {e}。",
                                     f"Parameter kinds: the regex of {x[0]!r} is invalid: {e}.") from e
            names.append(x[0])
        missing = [k for k in self.target_kinds if k not in names]
        if missing:
            raise ParameterError(f"参数「重点置换种类(target_kinds)」中的 {'、'.join(map(str, missing))} 不在「业务种类归类」中"
                                 f"(可用: {'、'.join(names)})。",
                                 f"Parameter target_kinds: {missing} are not among the kinds {names}.")


def _customers_for_list(cust: pd.DataFrame | None, cr: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """The identity frame of the lists: the 客户 table when given (name/ID/phone/机构号/客户经理), else each person's
    name and 证件号 from his report rows."""
    if cust is not None and len(cust):
        return cust
    f = pd.DataFrame({"cust_id": key.to_numpy(), "cust_name": cr["cust_name"].to_numpy() if "cust_name" in cr.columns
                      else None, "id_no": cr["id_no"].to_numpy()}).dropna(subset=["cust_id"])
    return f.drop_duplicates("cust_id").astype("string")


def _relation(ids: pd.Index, cust, monthly, as_of: pd.Timestamp) -> tuple[pd.Series, str]:
    """本行有存款/代发 per person (boolean, <NA> unknown) and where it comes from. 有存款 = the latest month's
    存款月日均 of the 客户号 up to the data date > 0 (:func:`bankxl.rules.deposits.latest_deposit`; ``monthly`` a
    frame or a DuckTable): a 客户号 without a row up to the data date has none (False), a blank value is unknown."""
    out = pd.Series(pd.NA, index=ids, dtype="boolean")
    src = []
    if cust is not None and "payroll_flag" in cust.columns and cust["payroll_flag"].notna().any():
        pf = by_cust_id(cust)["payroll_flag"].astype("boolean").reindex(ids)
        out = pf.copy()
        src.append("客户表的代发标志")
    dep = latest_deposit(monthly, as_of)
    if dep is not None:
        v = dep.reindex(ids).to_numpy(dtype="float64")
        row = ids.isin(dep.index)  # no row up to the data date: no deposit here; a blank value: unknown
        has = pd.Series(pd.array(np.where(row & np.isnan(v), None, row & (v > 0)), dtype="boolean"), index=ids)
        out = (out.fillna(False) | has) if src else has  # Kleene OR: 代发 or 存款
        src.append("客户月度存款表最近一个月的存款月日均 > 0")
    return out, " 或 ".join(src) or "无(客户表代发标志与客户月度存款都没有: 未计算)"


def run(tables, p: CreditReportParams, ctx) -> Report:
    cr = tables["credit_reports"]
    cust = tables.get("customers")
    monthly = tables.get("customer_monthly")
    notes: list[str] = [COMPLIANCE]
    key, idinfo = person_keys(cr, cust, ctx)
    acc, counts = latest_accounts(cr, key, p, ctx)
    per = person_summary(acc, p, ctx.as_of)
    if idinfo["unmatched"]:
        notes.append(f"征信明细 {idinfo['unmatched']:,} 行对应不到本行客户(按{idinfo['by']}), 不计入"
                     + (f"; 身份冲突 {idinfo['conflicts']:,} 行见数据问题。" if idinfo["conflicts"] else "。"))
    if counts["reports_dropped"]:
        notes.append(f"一人多份报告取最新一份: 较早报告的 {counts['reports_dropped']:,} 行账户未用。")
    ids = per.index
    rel, rel_src = _relation(ids, cust, monthly, ctx.as_of)
    per["relation"] = rel
    excl = per["bad_now"].fillna(False) | (per["n_lenders"] > p.max_lenders) | (per["queries"] > p.max_queries)
    has_other = (per["n_other"] > 0)
    cand = per[has_other & ~excl].copy()
    held = per[excl].copy()
    info = _customers_for_list(cust, cr, key)

    # ---- 挖掘名单
    tb = cand["target_bal"].fillna(0)
    cand["target_pct"] = tb.where(tb > 0).rank(pct=True).fillna(0.0)
    cand["top_pct"] = np.ceil((1 - cand["target_pct"]) * 100).clip(lower=1)
    cand["in_window"] = cand["n_window"] > 0
    cand["first_txt"] = cand["first_maturity"].dt.strftime("%Y-%m-%d").astype("string").fillna("")
    cand["main_kind"] = cand["main_kind"].fillna("")
    frame = cand.reset_index()
    kinds_txt = "/".join(p.target_kinds)
    rules = [
        Rule("target", f"他行{kinds_txt}余额 {{target_bal:,.0f}} {ctx.base_unit}(前 {{top_pct:.0f}}%)",
             weight=p.target_points, value="target_pct", name="他行重点种类余额"),
        Rule("window", "{n_window} 笔他行贷款 {first_txt} 起到期(转贷窗口)", points=p.window_points,
             when="in_window", name="转贷窗口"),
        Rule("clean", "近24月征信记录干净", points=p.clean_points, when="clean", name="记录干净"),
        Rule("relation", "本行有存款/代发", points=p.relation_points, when="relation", name="本行存款/代发"),
        Rule("collateral", "他行抵押/质押贷款(可置换)", points=p.collateral_points, when="collateral",
             name="抵押担保"),
    ]
    show = {"other_bal": ctx.base_label("他行余额"), "share": "他行占比", "n_lenders": "多头机构数",
            "window_bal": ctx.base_label("转贷窗口余额"), "first_txt": "最早到期日"}
    lst = score_list(frame, rules, p.levels, p.strategy, ctx, sort_by=("other_bal",), customers=info, show=show, amount="other_bal",
                     params=p)
    # ---- 排除名单 (risk only: never marketed)
    hf = held.reset_index()
    hf["od"] = hf["bad_now"].fillna(False)
    hf["many"] = hf["n_lenders"] > p.max_lenders
    hf["asks"] = (hf["queries"] > p.max_queries).fillna(False)
    hold_rules = [Rule("od", "当前逾期/呆账/不良", when="od", name="当前逾期"),
                  Rule("many", f"多头: {{n_lenders}} 家机构 > {p.max_lenders}", when="many", name="多头"),
                  Rule("asks", f"近3月硬查询 {{queries:.0f}} 次 > {p.max_queries}", when="asks", name="查询过多")]
    hold = score_list(hf, hold_rules, (("不营销", 0),), (("不营销", p.hold_action, p.hold_days),), ctx,
                      sort_by=("other_bal",), customers=info, params=p, amount="other_bal", strategy_label=("排除名单建议动作", "排除名单截止日"),
                      show={"other_bal": ctx.base_label("他行余额"), "n_lenders": "多头机构数", "queries": "近3月硬查询"})
    tags = tag_table(
        lst.tag_rows("C8", "C8_POACH", "他行客户挖掘", ctx, p),
        tag_rows("C8", "C8_REFI_WINDOW", "他行贷款转贷窗口", frame["cust_id"], ctx, p, value=frame["window_bal"],
                 when=frame["in_window"]),
        tag_rows("C8", "C8_HOLD", "征信风险信号(不营销)", hold.df["客户号"], ctx, p))

    kinds = [k for k, _ in p.kinds]
    kt = by_kind(acc, kinds)
    kind_df = pd.DataFrame({
        "业务种类": kt["kind"], "他行笔数": kt["other_n"], "他行客户数": kt["other_people"],
        ctx.money_label("他行余额"): ctx.money(kt["other_bal"]), "本行笔数": kt["own_n"],
        ctx.money_label("本行余额"): ctx.money(kt["own_bal"]), "他行占比": kt["share"]})
    sheets = [
        _kind_sheet(kind_df, ctx),
        _window_sheet(acc, info, p, ctx),
        Sheet("挖掘名单", lst.blocks("c8_list", "他行客户挖掘名单", limit=p.list_limit, lines=[
            f"候选: 有他行未结清账户、未被排除的客户 {len(frame):,} 人。得分(0–100)【假设】: 他行{kinds_txt}余额分位 × "
            f"{p.target_points:g} + 转贷窗口 {p.window_points:g} + 记录干净 {p.clean_points:g} + 本行存款/代发 "
            f"{p.relation_points:g} + 抵押担保 {p.collateral_points:g}。", COMPLIANCE],
            formats={"他行占比": "pct1", "最早到期日": "text"}, credit_report=True), print_role="detail"),
        Sheet("排除名单", hold.blocks("c8_hold", "排除名单(不营销)", lines=[
            f"当前逾期/呆账/不良, 多头 > {p.max_lenders} 家, 或近3月硬查询 > {p.max_queries} 次的客户: 不列入挖掘名单, "
            "营销任务清单(run all)在参数「使用征信名单」为是时将其列为暂不联系(风险名单)。"], top_style="bad", risk_only=True,
            credit_report=True),
              print_role="detail"),
        _people_sheet(per, excl, info, ctx),
        tag_sheet(tags),
    ]
    n_people = len(per)
    tot_other = float(acc.loc[acc["open"] & acc["other"], "balance"].sum()) if len(acc) else 0.0
    tot_own = float(acc.loc[acc["open"] & acc["own"], "balance"].sum()) if len(acc) else 0.0
    share = tot_other / (tot_other + tot_own) if tot_other + tot_own > 0 else None
    n_win = int((per["n_window"] > 0).sum()) if n_people else 0
    top = str(p.levels[0][0])
    headline = Headline(
        figures=[
            Figure("有征信报告的客户", n_people, "人", format="int", note="每人取最新一份报告"),
            Figure("他行未结清余额", ctx.money(tot_other) if n_people else None, ctx.unit,
                   compare_label="本行未结清余额", compare=ctx.money(tot_own) if n_people else None),
            Figure("他行占比", share, "%", format="pct1", note="他行/(他行+本行), 同一份报告"),
            Figure(f"{p.window_months}个月内到期(转贷窗口)", n_win, "人", format="int",
                   compare_label="其中在挖掘名单", compare=int(frame["in_window"].sum()) if len(frame) else 0),
            Figure("挖掘名单", len(lst.df), "人", format="int", compare_label=f"其中 {top} 级",
                   compare=lst.counts.get(top, 0)),
            Figure("排除(不营销)", len(hold.df), "人", format="int",
                   note=f"当前逾期/多头>{p.max_lenders}家/近3月查询>{p.max_queries}次"),
        ],
        chart=Chart(table="c8_kinds", categories="业务种类", series=[ctx.money_label("他行余额"),
                                                                ctx.money_label("本行余额")],
                    kind="bar", title="未结清余额: 他行 vs 本行(按业务种类)"),
        actions="c8_list",
        lines=[COMPLIANCE])
    method = [
        "来源: SCENARIOS.md C8 征信数据: 他行客户挖掘优先级(优先分与排除条件为【假设】)、§0.9 合规; issue 14。",
        f"每人取最新一份报告(报告日期, 有报告编号时再取最大编号); 管理机构匹配「{p.own_bank}」的为本行账户, 不计入他行; "
        "未结清 = 账户状态不是结清/销户/转出且最近一月不是 C/G; 贷记卡/准贷记卡计为信用卡, 双币卡按报告计 2 户。",
        f"转贷窗口: 他行未结清贷款(不含信用卡)到期日在数据日期后 {p.window_months} 个月内(含当日)。干净: 近24月还款状态无 "
        "1–7/D/Z 且当前无逾期; 含「#」(状态未知)或无法解读的状态串为未知, 不算干净也不算不干净。",
        f"多头 = 有未结清贷款的机构数(含本行, 不含信用卡); 连三累六: 连续 {p.streak_consecutive} 个月或累计 "
        f"{p.streak_total} 个月逾期(客户征信汇总中列示, 不作排除条件)。",
        f"本行存款/代发来源: {rel_src}。",
    ]
    notes += [f"挖掘名单{lst.tie_break}", f"排除名单{hold.tie_break}"]
    report = Report("征信数据: 他行客户挖掘", sheets=sheets, method=method, notes=notes, headline=headline)
    return report


def _kind_sheet(kind_df: pd.DataFrame, ctx) -> Sheet:
    money = [c for c in kind_df.columns if c.endswith(f"({ctx.unit})")]
    return Sheet("他行业务结构", [
        Note(title="他行 vs 本行未结清业务(按业务种类)", lines=[
            "每人最新一份报告中未结清的账户; 他行占比 = 他行余额/(他行余额 + 本行余额); 合计见概览。"]),
        Table(kind_df, name="c8_kinds", title="按业务种类", formats={"他行占比": "pct1", **{c: "money" for c in money}},
              empty_note="没有未结清账户"),
        Chart(table="c8_kinds", categories="业务种类", series=money, kind="bar",
              title="未结清余额: 他行 vs 本行"),
    ])


def _window_sheet(acc: pd.DataFrame, info, p, ctx) -> Sheet:
    end = ctx.as_of + pd.DateOffset(months=p.window_months)
    mat = pd.to_datetime(acc["maturity_date"])
    w = acc[(acc["open"] & acc["other"] & ~acc["card"]).to_numpy(dtype=bool) & ((mat > ctx.as_of) & (mat <= end)).to_numpy()]
    w = w.assign(maturity_date=pd.to_datetime(w["maturity_date"])).sort_values(
        ["maturity_date", "person", "lender"], kind="stable")
    df = customer_columns(w["person"], info, ctx, extra=("org_id", "mgr_id"))
    df["管理机构"] = w["lender"].to_numpy()
    df["业务种类"] = w["kind"].to_numpy()
    df["到期日期"] = w["maturity_date"].to_numpy()
    df["距到期(天)"] = (w["maturity_date"] - ctx.as_of).dt.days.to_numpy()
    df[ctx.base_label("余额")] = w["balance"].to_numpy()
    df["担保方式"] = w["guarantee"].to_numpy()
    return Sheet("转贷窗口", [
        Note(title=f"他行贷款 {p.window_months} 个月内到期(转贷窗口)", lines=[
            f"到期日在 {ctx.as_of:%Y-%m-%d} 之后、{end:%Y-%m-%d} 之前(含)的他行未结清贷款(不含信用卡), 按到期日排列。"]),
        Table(df, name="c8_window", title="转贷窗口明细", role="detail", formats={"距到期(天)": "int"},
              empty_note=f"没有 {p.window_months} 个月内到期的他行贷款"),
    ], print_role="detail")


def _people_sheet(per: pd.DataFrame, excl: pd.Series, info, ctx) -> Sheet:
    df = customer_columns(pd.Series(per.index, dtype="string"), info, ctx, extra=("org_id", "mgr_id"))
    df["报告日期"] = per["report_date"].to_numpy()
    df["他行未结清笔数"] = per["n_other"].to_numpy()
    df[ctx.base_label("他行余额")] = per["other_bal"].to_numpy()
    df[ctx.base_label("本行余额")] = per["own_bal"].to_numpy()
    df["他行占比"] = per["share"].to_numpy()
    df["多头机构数"] = per["n_lenders"].to_numpy()
    df["近3月硬查询"] = per["queries"].to_numpy()
    df["转贷窗口笔数"] = per["n_window"].to_numpy()
    for col, zh in (("clean", "记录干净"), ("streak", "连三累六"), ("bad_now", "当前逾期")):
        v = per[col]
        df[zh] = flag_text(v, v.notna(), unknown="未知").to_numpy()
    df["结论"] = np.where(excl.to_numpy(), "排除(不营销)", np.where(per["n_other"].to_numpy() > 0, "挖掘名单", "无他行未结清"))
    return Sheet("客户征信汇总", [
        Note(title="每位客户最新一份报告的汇总", lines=[
            "记录干净/连三累六/当前逾期: 「未知」= 还款状态含「#」或无法解读, 或数据没有该信息(不按否处理)。", COMPLIANCE]),
        Table(df, name="c8_people", title="客户征信汇总", role="detail",
              formats={"他行占比": "pct1", "近3月硬查询": "0", "报告日期": "date"}, empty_note="没有可用的征信报告"),
    ], print_role="detail")


SPEC = Scenario(
    id="credit.credit_report", code="C8", title="征信数据: 他行客户挖掘", group="信贷营销",
    inputs=("credit_reports",), optional_inputs=("customers", "customer_monthly"),
    params=CreditReportParams, run=run,
    summary="依授权取得的征信报告: 他行余额与占比、转贷窗口、干净记录、多头与查询排除, 输出他行客户挖掘名单",
    outlet_tables=("customers",),
)
