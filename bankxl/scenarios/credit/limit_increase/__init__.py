"""C10 存量个贷提额增信 — limit increases for existing personal-loan customers (SCENARIOS.md "C10", §0, §6).

Inputs: ``loans`` 贷款 (required; per loan 客户号, 贷款品种, 放款日/到期日/期限, 授信额度 (else 贷款金额), 月供, 状态,
逾期天数, and the optional 申报月收入, 已还期数, 近24月逾期, 五级分类, 重组标志); optional ``customers`` 客户 (出生日期/证件号
for the age, 代发标志), ``transactions`` 交易流水 (代发 credits: the payroll income), ``customer_monthly`` 客户月度存款
(本行日均), ``product_holdings`` 产品持有 (代发/公积金) and ``credit_reports`` 征信明细 (② 征信). A fact the data do not
hold is unknown: the customer is 待核实 with the factor named (未计算因素), never passed, failed or given a limit 0.

Method (defaults SCENARIOS.md C10 【假设】, each a parameter): scope = customers with a running loan of a product in
``products`` (贷款品种 → 产品上限); the 提额借据 is their loan with the largest current limit (授信额度, else 贷款金额).
Four admission keys: ① 本行 — 正常还款 ≥ ``min_terms`` 12 期 (已还期数, else whole months since 放款日; the largest of
the customer's loans), no overdue in 24 months (近24月逾期, 状态 D, 逾期天数 > 0 on running loans or loans settled
within 24 months), 五级分类 正常 on every running loan; ② 征信 — latest report (not older than ``report_max_age``):
no current overdue, no 连三累六 (:mod:`bankxl.rules.credit_report`), 近3月硬查询 ≤ ``max_queries`` 6; ③ 能力 — DTI =
Σ 月供 of running loans here ÷ 月收入 ≤ ``max_dti`` 50%, 月收入 = 代发月均 (流水 代发 in ≥ ``min_pay_months`` of the
last ``income_months`` months: Σ 代发 ÷ months with 代发) else 申报月收入 (column 收入来源 says which); ④ 关系 — 本行日均
(mean 存款月日均 of the last ``dep_months`` months) ≥ ``min_deposit`` 5 万 or 代发/公积金. Exclusions: 重组, 剩余期限 <
``min_remaining`` 6 months, 年龄 + 剩余期限 > ``max_end_age`` 60. Tiers: A = four keys + DTI ≤ ``a_dti`` 30% + 日均 ≥
``a_deposit`` 20 万 (``rate_a`` 50%); B = four keys (``rate_b`` 30%); C = ①②③ without ④ → 增信 paths
``enhance_paths`` (公积金授权 10% / 保证人 15% / 抵押 20%). 新额度 = min(现额度 × (1 + 提升率), 月收入 ×
``income_multiple`` 15, 产品上限), rounded down to ``limit_step``; C at the highest path rate, each path listed.

Outputs: 概览 (headline; every customer in exactly one of A+B · C · 待核实 · 不提额 = 排除/不准入/无提额空间) · 提额名单
(§6 list, A/B/C + 待核实, :mod:`bankxl.lists`) · 二轮规划 (per 机构: first round A+B,
second-round targets for C by ``round2_rate`` or ``branch_targets``) · 准入统计 (per key 满足/不满足/未知, tiers) ·
客户明细 (every customer in scope) · 客户标签 (C10_LIMIT_UP). Errors: ParameterError before any input is read;
DataValidationError for a missing required table/column (runner). Row problems: VALUE_INVALID (a 提额借据 without
授信额度 and 贷款金额), REPAY_INVALID (征信还款状态串).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....lists import Rule, check_levels, fill_template, format_values, score_list, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.credit_report import RepaymentParams
from ....rules.payroll import PayrollParams, payroll_memo_param
from ....scenario import RunContext, Scenario, param
from ....tags import tag_sheet, tag_table
from .compute import (EXCLUDED, NO_ROOM, PENDING, REFUSED, TIER_A, TIER_B, TIER_C, evaluate)

#: the list's levels: the tier decides (not a score threshold), 得分 = tier points
TIER_LEVELS = ((TIER_A, 3), (TIER_B, 2), (TIER_C, 1))
ACTION_FIELDS = ("limit_txt", "new_txt", "raise_txt", "paths_txt", "loan_id", "product")


@dataclass(frozen=True)
class LimitParams(RepaymentParams, PayrollParams):
    """Parameters of C10 (SCENARIOS.md C10 【假设】), of the shared 连三累六 rule (:class:`RepaymentParams`) and of the
    shared 代发 rule (:class:`PayrollParams`, C10's default 代发关键词)."""

    products: tuple = param((("个人消费贷款", 200_000.0),), "提额产品与上限", "元",
                            "参与提额的贷款品种及其单户产品上限 [[\"贷款品种\", 上限], …]; 新额度不超过上限")
    min_terms: int = param(12, "正常还款期数下限", "期", "① 本行: 正常还款 ≥ 该期数(含等号)", min=0, max=600)
    max_queries: int = param(6, "近3月硬查询上限", "次", "② 征信: 近 3 月硬查询 ≤ 该次数(含等号)", max=100)
    report_max_age: int = param(180, "征信报告有效天数", "天", "报告日期早于数据日期该天数以上的报告不用(按无报告, 待核实)",
                                min=1, max=3650)
    max_dti: float = param(0.5, "DTI上限", None, "③ 能力: 月还款总额 ÷ 月收入 ≤ 该值(含等号)", max=10)
    income_months: int = param(6, "代发观察月数", "月", "代发月均按最近 N 个月的流水计算", min=1, max=24)
    min_pay_months: int = param(3, "代发最少月数", "月", "N 个月中有代发的月数 ≥ 该值才按代发月均计收入并算作有代发",
                                min=1, max=24)
    payroll_memo: str = payroll_memo_param("代发|工资|薪|奖金|绩效")  # the shared 代发 rule, C10's default
    dep_months: int = param(3, "日均月数", "月", "本行日均 = 最近 N 个月存款月日均的均值(缺月不补 0)", min=1, max=24)
    min_deposit: float = param(50_000.0, "关系日均下限", "元", "④ 关系: 本行日均 ≥ 该值(含等号), 或有代发/公积金")
    relation_products: tuple = param(("代发", "公积金", "公积金授权"), "关系产品", None,
                                     "产品持有中这些产品(持有)算作 ④ 的代发/公积金")
    min_remaining: int = param(6, "剩余期限下限", "月", "剩余期限 < 该月数的借据不提额", max=600)
    max_end_age: int = param(60, "年龄加剩余期限上限", "岁", "年龄 + 剩余期限(年) > 该值不提额(等于可提)", min=18, max=100)
    a_dti: float = param(0.3, "A层DTI上限", None, "A 层: DTI ≤ 该值(含等号)", max=10)
    a_deposit: float = param(200_000.0, "A层日均下限", "元", "A 层: 本行日均 ≥ 该值(含等号)")
    rate_a: float = param(0.5, "A层提升率", None, "A 层新额度 = 现额度 × (1 + 该值), 再取各上限的较小值", max=10)
    rate_b: float = param(0.3, "B层提升率", None, "B 层提升率", max=10)
    enhance_paths: tuple = param((("公积金授权", 0.10), ("保证人", 0.15), ("抵押", 0.20)), "增信路径", None,
                                 "C 层(缺④)的增信方式及增信后的提升率 [[\"方式\", 提升率], …]; 名单按最高提升率测算并逐项列出")
    income_multiple: float = param(15.0, "月收入倍数", "倍", "新额度不超过 月收入 × 该倍数", max=120)
    limit_step: float = param(1_000.0, "额度取整", "元", "新额度向下取整到该金额的整数倍(0 = 不取整)")
    round2_rate: float = param(0.3, "二轮目标转化率", None, "二轮规划: 各机构 C 层户数 × 该比例(向上取整)为目标户数", max=1)
    branch_targets: tuple = param((), "机构二轮目标户数", "户",
                                  "按机构指定二轮目标户数 [[\"机构号\", 户数], …]; 未列出的机构按转化率计算")
    strategy: tuple = strategy_param(
        (("A", "客户经理致电, 主动提额至 {new_txt}(现额度 {limit_txt}, 借据 {loan_id})", 5),
         ("B", "电话/手机银行推送提额至 {new_txt}(现额度 {limit_txt})", 10),
         ("C", "邀约办理增信后提额: {paths_txt}", 20)),
        help="每个层级的建议动作与截止日; 可用 " + "、".join("{" + f + "}" for f in ACTION_FIELDS))
    pending_action: str = param("补齐 {missing} 后复核准入与提额", "待核实的建议动作", None,
                                "准入有无法判断的因素的客户; 可用 {missing}(未知因素)")
    pending_days: int = param(15, "待核实的截止日", "工作日", "数据日期后第 N 个工作日", max=250)

    def check(self) -> None:
        """The 连三累六 rule's check, then C10's: products/caps, paths, rates, targets, regex, strategy. Raises
        :class:`ParameterError` (Chinese + English) before any input is read."""
        RepaymentParams.check(self)
        PayrollParams.check(self)
        _pairs(self.products, "提额产品与上限(products)", "products", positive=True)
        _pairs(self.enhance_paths, "增信路径(enhance_paths)", "enhance_paths", positive=True, upper=10)
        _pairs(self.branch_targets, "机构二轮目标户数(branch_targets)", "branch_targets", positive=False, allow_empty=True,
               integer=True)
        if self.a_dti > self.max_dti:
            raise ParameterError(f"参数「A层DTI上限(a_dti)」({self.a_dti:g}) 不能大于「DTI上限(max_dti)」({self.max_dti:g})。",
                                 f"a_dti ({self.a_dti:g}) cannot exceed max_dti ({self.max_dti:g}).")
        if self.a_deposit < self.min_deposit:
            raise ParameterError(
                f"参数「A层日均下限(a_deposit)」({self.a_deposit:,.0f}) 不能小于「关系日均下限(min_deposit)」({self.min_deposit:,.0f})。",
                f"a_deposit ({self.a_deposit:,.0f}) cannot be below min_deposit ({self.min_deposit:,.0f}).")
        if self.min_pay_months > self.income_months:
            raise ParameterError(
                f"参数「代发最少月数(min_pay_months)」({self.min_pay_months}) 不能大于「代发观察月数(income_months)」"
                f"({self.income_months})。",
                f"min_pay_months ({self.min_pay_months}) cannot exceed income_months ({self.income_months}).")
        if "{" in self.pending_action.replace("{missing}", ""):
            raise ParameterError("参数「待核实的建议动作(pending_action)」只能使用占位符 {missing}。",
                                 "pending_action may only use the placeholder {missing}.")
        check_levels(TIER_LEVELS, self.strategy, ACTION_FIELDS)


def _pairs(value, zh: str, en: str, *, positive: bool, upper: float | None = None, allow_empty: bool = False,
           integer: bool = False) -> None:
    """((名称, 数), …) with distinct non-empty names and finite numbers ≥ 0 (> 0 when ``positive``)."""
    rows = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in value]
    ok = (allow_empty or rows) and all(
        len(r) == 2 and isinstance(r[0], str) and r[0].strip() and not isinstance(r[1], bool)
        and isinstance(r[1], (int, float)) and np.isfinite(r[1]) and (r[1] > 0 if positive else r[1] >= 0)
        and (upper is None or r[1] <= upper) and (not integer or float(r[1]).is_integer()) for r in rows)
    if not ok or len({r[0] for r in rows}) != len(rows):
        raise ParameterError(
            f"参数「{zh}」应为 [[\"名称\", 数值], …] 形式, 名称不重复, 数值{'> 0' if positive else '≥ 0'}"
            f"{f' 且 ≤ {upper:g}' if upper is not None else ''}{'(整数)' if integer else ''}; 给定 {value!r}。",
            f"Parameter {en} must look like [[\"name\", number], ...] with distinct names and numbers "
            f"{'> 0' if positive else '>= 0'}; got {value!r}.")


# ---------------------------------------------------------------------------------------------- list
def limit_list(f: pd.DataFrame, p: LimitParams, ctx: RunContext, customers: pd.DataFrame | None):
    """提额名单 (§6): tiers A/B/C (得分 = tier points 3/2/1; rank then 提额金额, 现额度) and 待核实 (blank 得分, last;
    action from ``pending_action``). Identity from 客户 (else the loan rows)."""
    x = f[f["tier"].isin([TIER_A, TIER_B, TIER_C, PENDING]).to_numpy()].reset_index(drop=True)
    pts = x["tier"].map(dict(TIER_LEVELS)).astype("float64")
    b = ctx.base_unit
    frame = pd.DataFrame({
        "cust_id": x["cust_id"].astype("string"), "pts": pts, "tier_reason": x["reason"].astype("string"),
        "has_raise": pd.array(np.where(x["tier"].eq(PENDING), None, x["raise"].gt(0)), dtype="boolean"),
        "is_pay": pd.array(np.where(x["tier"].eq(PENDING), None, x["income_src"].eq("代发")), dtype="boolean"), "loan_id": x["loan_id"].astype("string"),
        "product": x["product"].astype("string"), "limit": x["limit"].round(2), "new": x["new_limit"].round(2),
        "raise": x["raise"].round(2), "rate": x["rate"], "income": x["income"].round(2),
        "income_src": x["income_src"], "dti": x["dti"], "deposit": x["deposit"].round(2), "bind": x["bind"],
        "remaining": x["remaining"], "paths_txt": x["paths_txt"].astype("string"),
        "limit_txt": format_values(x["limit"], ",.0f").fillna("—") + f" {b}",
        "new_txt": format_values(x["new_limit"], ",.0f").fillna("—") + f" {b}",
        "raise_txt": format_values(x["raise"], ",.0f").fillna("—") + f" {b}",
        "pay_txt": format_values(x["income"], ",.0f").fillna("—"), "org_id": x["org_id"], "mgr_id": x["mgr_id"]})
    rules = [Rule("tier", "{tier_reason}", weight=1.0, value="pts", name="层级"),
             Rule("raise", "可提额 {raise_txt}(约束: {bind})", when="has_raise", name="提额空间"),
             Rule("payroll", f"月收入按代发月均 {{pay_txt}} {b}", when="is_pay", name="代发收入")]
    bl = ctx.base_label
    show = {"loan_id": "借据号", "limit": bl("现额度"), "rate": "提升率", "new": bl("新额度"), "raise": bl("提额金额"),
            "bind": "约束", "income": bl("月收入"), "income_src": "收入来源", "dti": "DTI", "deposit": bl("本行日均")}
    who = customers if customers is not None and len(customers) else frame
    lst = score_list(frame, rules, TIER_LEVELS, p.strategy, ctx, sort_by=("raise", "limit"), customers=who, show=show, amount="raise",
                     decimals=0, params=p)
    df = lst.df
    unk = df["等级"].isna()
    if unk.any():
        miss = x.set_index(x["cust_id"].astype("string"))["missing"]
        m = df.loc[unk, "客户号"].map(miss).astype("string")
        df.loc[unk, "等级"] = PENDING
        df.loc[unk, "建议动作"] = fill_template(p.pending_action, pd.DataFrame({"missing": m})).to_numpy()
        df.loc[unk, "截止日"] = pd.Timestamp(ctx.calendar.add_workdays(ctx.as_of, int(p.pending_days)))
        df.loc[unk, "原因"] = ("待核实: " + m).to_numpy()
        df["未计算因素"] = df.get("未计算因素", pd.Series(pd.NA, index=df.index, dtype="string")).astype("string")
        df.loc[unk, "未计算因素"] = m.to_numpy()
    lst.counts[PENDING] = int(unk.sum())
    lst.note.append(f"等级「{PENDING}」: 准入或排除条件有无法判断的因素(见「未计算因素」), 不提额、得分空白、排在最后; "
                    f"建议动作与截止日取参数「待核实的建议动作 / 待核实的截止日」({p.pending_days} 个工作日)。")
    return lst


# ---------------------------------------------------------------------------------------------- tables
def planning(lst_df: pd.DataFrame, p: LimitParams, ctx: RunContext) -> pd.DataFrame:
    """二轮规划 per 机构号 of the list (blank → (未分配)), sorted by 机构号: first round = A + B (户数, 新增额度); C
    (需增信) 户数 and 增信后可提额; second-round target 户数 = ``branch_targets`` for the 机构 when listed, else
    ⌈C 户数 × ``round2_rate``⌉; 二轮目标新增额度 = Σ 提额金额 of the 机构's first that many C customers by 排名;
    待核实 户数. Money in the display unit."""
    raise_col = ctx.base_label("提额金额")
    org = (lst_df["机构号"] if "机构号" in lst_df.columns else pd.Series(pd.NA, index=lst_df.index)).astype("string") \
        .fillna("(未分配)")
    lv = lst_df["等级"].astype("string")
    up = pd.to_numeric(lst_df[raise_col], errors="coerce").fillna(0.0).to_numpy()
    codes, orgs = pd.factorize(org, sort=True)
    n = len(orgs)

    def count(mask) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n).astype("int64")

    def total(mask) -> np.ndarray:
        return np.bincount(codes[mask], weights=up[mask], minlength=n)

    is_a, is_b, is_c = (lv.eq(t).fillna(False).to_numpy() for t in (TIER_A, TIER_B, TIER_C))
    n_c = count(is_c)
    override = {str(a): int(b) for a, b in p.branch_targets}
    target = np.array([override.get(o, -1) for o in orgs], dtype="int64")  # over 机构 (few), not customers
    given = target >= 0
    target = np.where(given, target, np.ceil(n_c * float(p.round2_rate) - 1e-9).astype("int64"))
    pos = pd.Series(is_c.astype(int)).groupby(codes).cumsum().to_numpy() - 1  # rank within the 机构's C rows
    take = is_c & (pos < target[codes])
    m = ctx.money
    out = pd.DataFrame({
        "机构号": pd.array(orgs, dtype="string"), "A层(户)": count(is_a), "B层(户)": count(is_b),
        "一轮提额户数": count(is_a | is_b), ctx.money_label("一轮新增额度"): m(total(is_a | is_b)).round(2),
        "C层需增信(户)": n_c, ctx.money_label("C增信后可提额"): m(total(is_c)).round(2),
        "二轮目标户数": target, ctx.money_label("二轮目标新增额度"): m(total(take)).round(2),
        "目标来源": np.where(given, "参数指定", f"C 户数 × {p.round2_rate:.0%}"),
        "待核实(户)": count(lv.eq(PENDING).fillna(False).to_numpy())})
    return out


def key_stats(f: pd.DataFrame, p: LimitParams, ctx: RunContext) -> pd.DataFrame:
    """准入统计: per admission key and exclusion, customers 满足/不满足/未知 (exclusions: 触发/未触发/未知)."""
    rows = [("① 本行(合计)", "k1"), (f"  正常还款 ≥ {p.min_terms} 期", "k1_terms"), ("  近 24 月无逾期", "k1_overdue"),
            ("  五级分类正常", "k1_class"), ("② 征信(合计)", "k2"), ("  当前无逾期", "k2_overdue"),
            ("  近 24 月无连三累六", "k2_streak"), (f"  近 3 月硬查询 ≤ {p.max_queries}", "k2_queries"),
            (f"③ DTI ≤ {p.max_dti:.0%}", "k3"), (f"④ 关系: 日均 ≥ {p.min_deposit:,.0f} {ctx.base_unit}或代发/公积金", "k4"),
            ("排除: 重组贷款", "x_restr"), (f"排除: 剩余期限 < {p.min_remaining} 个月", "x_short"),
            (f"排除: 年龄 + 剩余期限 > {p.max_end_age}", "x_age")]
    yes = [int(f[c].astype("boolean").eq(True).sum()) for _, c in rows]
    no = [int(f[c].astype("boolean").eq(False).sum()) for _, c in rows]
    unk = [int(f[c].astype("boolean").isna().sum()) for _, c in rows]
    return pd.DataFrame({"条件": [r[0] for r in rows], "是(户)": yes, "否(户)": no, "未知(户)": unk})


TIER_ORDER = (TIER_A, TIER_B, TIER_C, PENDING, NO_ROOM, REFUSED, EXCLUDED)


def tier_counts(f: pd.DataFrame) -> pd.DataFrame:
    """Customers and limits per outcome (A/B/C/待核实/无提额空间/不准入/排除), in that order (元)."""
    t = pd.Categorical(f["tier"], categories=TIER_ORDER)
    g = pd.DataFrame({"t": t, "n": 1, "limit": f["limit"].to_numpy(float),
                      "raise": f["raise"].to_numpy(float)}).groupby("t", observed=False)
    return pd.DataFrame({"结果": list(TIER_ORDER), "户数": g["n"].sum().to_numpy(dtype="int64"),
                         "现额度": g["limit"].sum(min_count=1).to_numpy(), "提额金额": g["raise"].sum(min_count=1).to_numpy()})


def _yn(s: pd.Series) -> np.ndarray:
    b = s.astype("boolean")
    return np.where(b.isna(), "未知", np.where(b.fillna(False), "是", "否"))


def detail(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """客户明细: every customer in scope with each fact, key, exclusion, the tier and why (元, 审计用)."""
    bl = ctx.base_label
    return pd.DataFrame({
        "客户号": f["cust_id"].astype("string"), "借据号": f["loan_id"].astype("string"),
        "贷款品种": f["product"].astype("string"), "机构号": f["org_id"].astype("string"),
        "客户经理": f["mgr_id"].astype("string"), "年龄": f["age"], "剩余期限(月)": f["remaining"],
        bl("现额度"): f["limit"].round(2), "现额度来源": f["limit_src"], bl("产品上限"): f["cap"],
        "正常还款期数": f["paid"], bl("代发月均"): f["payroll_avg"].round(2), bl("申报月收入"): f["declared"],
        bl("月收入"): f["income"].round(2), "收入来源": f["income_src"], bl("月还款总额"): f["payments"].round(2),
        "DTI": f["dti"], bl("本行日均"): f["deposit"].round(2), "代发/公积金": _yn(f["relation_pay"]),
        "征信报告日期": pd.to_datetime(f["report_date"]), "近3月硬查询": f["queries"],
        "①本行": _yn(f["k1"]), "②征信": _yn(f["k2"]), "③DTI": _yn(f["k3"]), "④关系": _yn(f["k4"]),
        "重组": _yn(f["x_restr"]), "剩余<下限": _yn(f["x_short"]), "年龄+期限超限": _yn(f["x_age"]),
        "结果": f["tier"].astype("string"), "提升率": f["rate"], bl("新额度"): f["new_limit"], "约束": f["bind"],
        bl("提额金额"): f["raise"].round(2), "原因": f["reason"].astype("string"),
        "未计算因素": f["missing"].astype("string").replace("", pd.NA)})


# ---------------------------------------------------------------------------------------------- run
def run(tables: Mapping[str, pd.DataFrame], params: LimitParams, ctx: RunContext) -> Report:
    """Run C10 (see the module docstring). Never mutates the inputs."""
    p = params
    f, info = evaluate(tables, p, ctx)
    lst = limit_list(f, p, ctx, tables.get("customers"))
    plan = planning(lst.df, p, ctx)
    stats = key_stats(f, p, ctx)
    tiers = tier_counts(f)
    tags = tag_table(lst.tag_rows("C10", "C10_LIMIT_UP", "存量个贷提额", ctx, p))
    m, ml, bl = ctx.money, ctx.money_label, ctx.base_label
    n_tier = {t: int((f["tier"] == t).sum()) for t in tiers["结果"]}
    ab = f["tier"].isin([TIER_A, TIER_B]).to_numpy()
    up_ab = float(np.nansum(f.loc[ab, "raise"].to_numpy(float))) if ab.any() else 0.0
    paths = "、".join(f"{a} {r:.0%}" for a, r in p.enhance_paths)
    figures = [
        Figure("存量个贷客户", len(f), "户", format="int", note="提额产品: " + "、".join(a for a, _ in p.products)),
        Figure("可直接提额(A+B)", n_tier[TIER_A] + n_tier[TIER_B], "户", format="int",
               note=f"A {n_tier[TIER_A]:,} / B {n_tier[TIER_B]:,}"),
        Figure(f"A+B 新增额度({ctx.unit})", m(up_ab) if ab.any() else None, ctx.unit,
               note=None if ab.any() else "没有 A/B 层客户"),
        Figure("C 需增信", n_tier[TIER_C], "户", format="int", note=paths),
        Figure("待核实", n_tier[PENDING], "户", format="int", note="数据不足以判断准入, 见「未计算因素」"),
        Figure("不提额", n_tier[EXCLUDED] + n_tier[REFUSED] + n_tier[NO_ROOM], "户", format="int",
               note=f"排除 {n_tier[EXCLUDED]:,}(重组/期限/年龄), 不准入 {n_tier[REFUSED]:,}, "
                    f"无提额空间 {n_tier[NO_ROOM]:,}(准入通过但新额度不高于现额度)"),
    ]
    money0 = {bl(c): "money0" for c in ("现额度", "新额度", "提额金额", "月收入", "本行日均")}
    blocks = lst.blocks("c10_list", "存量个贷提额名单", lines=[
        f"新额度 = min(现额度 × (1 + 提升率), 月收入 × {p.income_multiple:g}, 产品上限), 向下取整到 {p.limit_step:,.0f} "
        f"{ctx.base_unit}; A {p.rate_a:.0%} / B {p.rate_b:.0%} / C 按增信路径({paths}), 名单按最高提升率测算。",
        "月收入 = 代发月均(有代发时), 否则申报月收入; 「收入来源」列写明。"],
        formats=money0 | {"提升率": "pct1", "DTI": "pct1"},
        credit_report=bool(f["has_report"].any()))  # ② 征信 read a report: a credit-report list (authorised use)
    blocks[-1].empty_note = "没有可提额或待核实的客户"
    plan_note = (f"一轮 = A、B 层直接提额; 二轮 = C 层增信后提额, 目标户数 = 参数「机构二轮目标户数」中指定的数, 否则 C 户数 × "
                 f"{p.round2_rate:.0%} 向上取整; 二轮目标新增额度 = 该机构按排名前 N 户 C 层客户的提额金额之和。")
    sheets = [
        Sheet("提额名单", blocks, print_role="detail"),
        Sheet("二轮规划", [Note(lines=[plan_note]),
                         Table(plan, name="c10_plan", title="机构提额规划(一轮 + 二轮目标)", text_columns=("机构号",),
                               total_row=True, empty_note="没有可提额或待核实的客户"),
                         Chart(table="c10_plan", categories="机构号", series=["A层(户)", "B层(户)", "C层需增信(户)"],
                               kind="column", stacked=True, title="各机构提额客户(户)", height=260, integer=True)]),
        Sheet("准入统计", [Table(tiers.assign(**{ml("现额度"): m(tiers["现额度"]).round(2),
                                               ml("提额金额"): m(tiers["提额金额"]).round(2)})
                               .drop(columns=["现额度", "提额金额"]), name="c10_tiers", title="结果分布"),
                         Chart(table="c10_tiers", categories="结果", series=["户数"], kind="bar", title="结果分布(户)",
                               height=300, integer=True),
                         Table(stats, name="c10_keys", title="四项准入与排除条件(逐项, 不累计)")]),
        Sheet("客户明细", [Table(detail(f, ctx), name="c10_detail", title="存量个贷客户的准入、分层与新额度(审计用)",
                               role="detail", text_columns=("客户号", "借据号", "机构号", "客户经理"),
                               formats={"DTI": "pct1", "提升率": "pct1", "征信报告日期": "date", "年龄": "0",
                                        "剩余期限(月)": "0", "正常还款期数": "0", "近3月硬查询": "0"})],
              print_role="detail"),
        tag_sheet(tags),
    ]
    headline = Headline(figures=figures,
                        chart=Chart(table="c10_plan", categories="机构号", series=["A层(户)", "B层(户)", "C层需增信(户)"],
                                    kind="column", stacked=True, title="各机构提额客户(户)", height=240,
                                    integer=True),
                        actions="c10_list",
                        lines=[f"A {n_tier[TIER_A]:,} 户、B {n_tier[TIER_B]:,} 户可直接提额; C {n_tier[TIER_C]:,} 户需增信; "
                               f"待核实 {n_tier[PENDING]:,} 户; 不提额 {n_tier[EXCLUDED] + n_tier[REFUSED] + n_tier[NO_ROOM]:,} 户"
                               f"(其中无提额空间 {n_tier[NO_ROOM]:,} 户); 合计 {len(f):,} 户。"])
    report = Report(title="存量个贷提额增信", sheets=sheets, headline=headline)
    report.method = _method(p)
    report.notes = _notes(f, info, lst, tables, p)
    return report


def _method(p: LimitParams) -> list[str]:
    return [
        "SCENARIOS.md C10 存量个贷提额增信(四项准入、分层、新额度、边界); §6 名单与标签; 默认值为【假设】, 均为参数。",
        f"① 本行: 正常还款 ≥ {p.min_terms} 期(已还期数; 为空时按放款日至数据日期的整月数), 近 24 月无逾期(近24月逾期、状态 D、"
        "逾期天数 > 0), 在贷借据五级分类均为正常。",
        f"② 征信: 每人取最新一份报告(早于 {p.report_max_age} 天的不用), 当前无逾期(账户状态逾期/呆账、当前逾期总额 > 0、"
        f"还款状态串最后一月 1–7), 近 24 月无连三累六(连续 {p.streak_consecutive} 个月或累计 {p.streak_total} 个月, 按账户), "
        f"近 3 月硬查询 ≤ {p.max_queries} 次。",
        f"③ 能力: DTI = 本行在贷借据月供之和 ÷ 月收入 ≤ {p.max_dti:.0%}; 月收入 = 代发月均(近 {p.income_months} 个月中 ≥ "
        f"{p.min_pay_months} 个月有代发: 代发合计 ÷ 有代发的月数), 否则申报月收入。",
        f"④ 关系: 本行日均(近 {p.dep_months} 个月存款月日均的均值) ≥ {p.min_deposit:,.0f} 元, 或有代发/公积金"
        f"(流水代发、客户代发标志、产品持有 {'/'.join(p.relation_products)})。",
        f"排除: 重组贷款; 剩余期限 < {p.min_remaining} 个月; 年龄 + 剩余期限(年) > {p.max_end_age}(等于可提)。",
        f"分层: A = 四项满足且 DTI ≤ {p.a_dti:.0%}、日均 ≥ {p.a_deposit:,.0f} 元(提升 {p.rate_a:.0%}); B = 四项满足"
        f"(提升 {p.rate_b:.0%}); C = ①②③满足、缺④, 增信后提额; 任一条件不满足为不准入; 有无法判断的条件为待核实。",
        f"新额度 = min(现额度 × (1 + 提升率), 月收入 × {p.income_multiple:g}, 产品上限), 向下取整; 不高于现额度的为无提额空间。",
    ]


def _notes(f: pd.DataFrame, info: dict, lst, tables, p: LimitParams) -> list[str]:
    notes = [f"提额名单{lst.tie_break}",
             "DTI 的月还款总额只含本行在贷借据的月供; 征信明细不含他行月供, 他行负债未计入(实际 DTI 可能更高)。",
             "共同借款人不单独评估: 按借据的客户号(主借款人)评估。"]
    cr = info["credit"]
    if not cr["given"]:
        notes.append("未提供征信明细: ② 征信无法判断, 相关客户为待核实(不按通过处理)。")
    else:
        if cr["stale"]:
            notes.append(f"{cr['stale']:,} 人的最新征信报告早于 {p.report_max_age} 天, 未使用(待核实)。")
        if cr["unmatched"]:
            notes.append(f"征信明细中 {cr['unmatched']:,} 行对应不到提额范围内的客户(按证件号/客户号), 未使用。")
    if info["paid_derived"]:
        notes.append(f"{info['paid_derived']:,} 笔借据没有已还期数, 按放款日至数据日期(或结清日)的整月数推算。")
    if info["limit_from_amount"]:
        notes.append(f"{info['limit_from_amount']:,} 户的提额借据没有授信额度, 现额度按贷款金额计。")
    for t, zh, why in (("transactions", "交易流水", "代发收入无法识别, 月收入按申报月收入"),
                       ("customer_monthly", "客户月度存款", "本行日均未知"),
                       ("customers", "客户", "年龄只能由贷款表的证件号推算")):
        if t not in tables:
            notes.append(f"未提供{zh}: {why}。")
    return notes


#: real-data parameters (bankxl.datasets): German Credit's purposes map to four 贷款品种, all in scope; the caps are
#: parameters only (DEM; the data hold no income, so no new limit is computed there)
DATASET_PARAMS = {"German": {"products": (("个人消费贷款", 200_000.0), ("个人汽车贷款", 200_000.0),
                                          ("个人经营贷款", 200_000.0), ("其他贷款", 200_000.0))}}

SPEC = Scenario(
    id="credit.limit_increase", code="C10", title="存量个贷提额增信", group="信贷营销",
    inputs=("loans",), optional_inputs=("customers", "transactions", "customer_monthly", "product_holdings",
                                        "credit_reports"),
    params=LimitParams, run=run,
    summary="存量个贷客户按本行/征信/能力/关系四项准入与排除条件分 A/B/C 层, 测算新额度(现额度×提升率、月收入×15、产品上限取小), "
            "C 层给出增信路径, 按机构做二轮规划",
    outlet_tables=("loans",), dataset_params=DATASET_PARAMS,
)
