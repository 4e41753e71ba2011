"""C4 收单商户信贷营销 — merchant-loan marketing to acquiring merchants (SCENARIOS.md "C4 收单商户四级预警 + 信贷营销",
§0.5, §0.6.9, §0.7, §6, §7 商户贷额度).

Inputs: ``merchant_monthly`` 收单商户月度 (required: 商户号, 月份, 金额 元 — refunds negative; optional 笔数 and the
merchant columns), optional ``merchants`` 收单商户 (网点, 客户经理, 入网日期, 商户状态, MCC, 法人证件号, 统一社会信用代码)
and optional ``loans`` 贷款 (证件号码, 逾期天数, 贷款状态) for "法人无本行逾期" — without it that condition is
unknown (待核实), never taken as met or as 0.

Method (parameters in brackets; defaults SCENARIOS.md C4 【假设】): over the last ``stab_months`` (6) whole months
(ending with the data date's month when it is the month's last day, else the month before): 活跃月数 (金额 > 0),
均值 μ, CV = σ/μ (σ: population, STDEV.P), 最低月/μ, 趋势斜率/μ (least squares per month); 稳定 = all months
active and CV ≤ ``cv_max`` 0.5 and 最低月 ≥ ``min_ratio`` 0.3 μ. Warning level = E1's rule
(:mod:`bankxl.rules.merchants`, C4's params derive from its :class:`MerchantLevelParams`) for the data date's
month, baseline ``base_months`` 3 (MCC in ``seasonal_mcc`` or name matching ``seasonal_name``: same month last
year; the parameters are E1's own, so E1 and C4 give a merchant the same level). Admission: 入网 ≥
``open_months`` 12 months · 稳定 · μ ≥ ``min_monthly`` 3 万元 · level ≤ ``max_warning`` (一级) · legal person
without an overdue loan here (逾期天数 > 0 or 状态 in ``overdue_status``). A merchant whose only open question
is the unknown overdue check is 待核实 (listed, flagged). Chain merchants are one borrower: merchants sharing a
valid legal-person ID (15/18 digits normalised), else a valid 统一社会信用代码 (GB 32100), are summed.
Reference limit per borrower = min(Σ μ × ``limit_multiple`` 3, Σ 年交易额 (last 12 whole months) ×
``annual_share`` 30%, ``product_cap``), rounded down to ``limit_step`` 元; blank when 年交易额 is unknown.

Outputs: 概览 (headline: figures, admission funnel chart, top-10 marketing actions) · 准入漏斗 · 稳定性散点 (μ–CV
scatter, admitted vs not) · 营销名单 (one row per borrower, §6 via :mod:`bankxl.lists`; 客户号 = main 商户号) ·
经理任务 (网点 × 客户经理) · 商户明细 (every merchant: metrics, conditions, reason) · 客户标签 (C4_MERCHANT_LOAN).
Errors: ParameterError before any input is read; DataValidationError for a missing required table/column
(runner). Row problems: DUP_KEY, MCH_COUNT_ZERO; VALUE_INVALID for a 统一社会信用代码 failing its check.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....lists import Rule, check_levels, format_values, levels_param, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.identity import id_key
from ....rules.merchant_data import (MerchantDataParams, closed_merchants, known_volumes, merchant_list,
                                     merchant_months)
from ....rules.merchants import MERCHANT_LEVELS, MerchantLevelParams
from ....scenario import RunContext, Scenario, param
from ....tags import tag_sheet, tag_table
from .compute import (NO, PENDING, YES, annual_volume, borrower_keys, level_rank, overdue_legal, stability,
                      tenure_ok, warning_level, whole_month_end)

ACTION_FIELDS = ("limit_txt", "check_txt", "mch_name", "n_members")


@dataclass(frozen=True)
class MerchantCreditParams(MerchantDataParams, MerchantLevelParams):
    """Parameters of C4: the E1 level rule's (:class:`~bankxl.rules.merchants.MerchantLevelParams`: 下降率分档,
    连续下降, 基线月数, 季节性商户 — the same ids and meaning as in E1), the merchant data's
    (:class:`~bankxl.rules.merchant_data.MerchantDataParams`: 缺月按无交易, 注销状态) and C4's own
    (SCENARIOS.md C4 【假设】)."""

    stab_months: int = param(6, "稳定性月数", "月", "稳定性按最近 N 个整月计算", min=3, max=24)
    cv_max: float = param(0.5, "变异系数上限", None, "稳定: 变异系数 CV = σ/μ ≤ 该值(含等号)", max=10)
    min_ratio: float = param(0.3, "最低月占均值下限", None, "稳定: 最低月交易额 ≥ 该比例 × 均值(含等号)", max=1)
    open_months: int = param(12, "入网月数下限", "月", "准入: 入网满该月数", max=240)
    min_monthly: float = param(30_000.0, "月均交易额下限", "元", "准入: 近 N 月月均交易额 ≥ 该值(含等号)")
    max_warning: int = param(1, "预警等级上限", "级", "准入: 预警等级 ≤ 该级(0 正常, 1 一级, 2 二级, 3 三级)", max=3)
    overdue_status: tuple = param(("D", "B"), "视为逾期的贷款状态", None,
                                  "法人本行贷款状态属于这些值即为有逾期(D 逾期中, B 不良结清/核销); 逾期天数 > 0 且未结清亦是")
    limit_multiple: float = param(3.0, "月均交易额倍数", "倍", "额度规则一: 月均交易额 × 该倍数", max=60)
    annual_share: float = param(0.30, "年交易额比例", None, "额度规则二: 近 12 个月交易额 × 该比例", max=1)
    product_cap: float = param(500_000.0, "产品上限", "元", "额度规则三: 商户贷产品的单户上限")
    limit_step: float = param(1_000.0, "额度取整", "元", "参考额度向下取整到该金额的整数倍(0 = 不取整)")
    levels: tuple = levels_param((("A", 60), ("B", 30), ("C", 0)),
                                 help="得分 = 50 × 参考额度 ÷ 产品上限 + 30 × (1 − CV ÷ 变异系数上限) + 趋势上升 10")
    strategy: tuple = strategy_param((("A", "客户经理上门营销商户贷, 参考额度 {limit_txt}{check_txt}", 5),
                                      ("B", "电话营销商户贷, 参考额度 {limit_txt}{check_txt}", 10),
                                      ("C", "纳入商户贷储备名单{check_txt}", 20)),
                                     help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); 可用 {limit_txt} 参考额度、"
                                          "{check_txt} 待核实提示、{mch_name} 商户名称、{n_members} 商户数")

    def check(self) -> None:
        """The level rule's and the merchant data's checks, then C4's: 视为逾期的贷款状态 not empty, list
        levels/strategy. Raises :class:`ParameterError`."""
        MerchantLevelParams.check(self)
        MerchantDataParams.check(self)
        if not self.overdue_status:
            raise ParameterError("参数「视为逾期的贷款状态(overdue_status)」不能为空。", "overdue_status must not be empty.")
        check_levels(self.levels, self.strategy, ACTION_FIELDS)


# ---------------------------------------------------------------------------------------------- merchants
def merchant_frame(tables: Mapping[str, pd.DataFrame], p: MerchantCreditParams, ctx: RunContext) -> tuple[pd.DataFrame, dict]:
    """Per merchant (index 商户号): stability metrics (active, mu, cv, min_ratio, slope_ratio 元 / fractions),
    annual (元), level / level_rank, the admission conditions (boolean, <NA> unknown), admit (是/否/待核实),
    reason, borrower key / kind, the merchant columns. Info: counts for the notes."""
    mx = merchant_months(tables["merchant_monthly"], tables.get("merchants"), ctx)
    amt, cnt, _ = known_volumes(mx, ctx.as_of, p.missing_as_zero)
    end = whole_month_end(ctx.as_of)
    st = stability(amt, mx.months, end, int(p.stab_months))
    annual = annual_volume(amt, mx.months, end)
    level = warning_level(mx, amt, cnt, p, ctx.as_of)
    rank = level_rank(level)
    attrs = mx.attrs
    is_closed = closed_merchants(attrs, p.closed_status)
    key, kind, uscc_bad = borrower_keys(attrs)
    mch = tables.get("merchants")
    if mch is not None and uscc_bad.any():  # report the bad codes of 收单商户 rows (attrs of the month rows: not)
        u = mch["uscc"].astype("string").str.strip().str.upper()
        bad_rows = mch["mch_id"].isin(attrs.index[uscc_bad]) & u.notna() & u.ne("")
        if bad_rows.any():
            ctx.problem("merchants", mch.loc[bad_rows, "_row"], "uscc", "VALUE_INVALID", mch.loc[bad_rows, "uscc"],
                        "统一社会信用代码校验未通过(GB 32100)", "不用于连锁汇总(按法人证件号或商户本身测算)")
    legal = id_key(attrs["legal_id"].astype("string"))
    overdue, loan_info = overdue_legal(legal, tables.get("loans"), p.overdue_status)

    n = len(attrs)
    tenure = tenure_ok(mx, int(p.open_months), ctx.as_of)
    k = int(p.stab_months)
    with np.errstate(invalid="ignore"):
        stable_v = (st["active"] == k) & (st["cv"] <= p.cv_max + 1e-12) & (st["min_ratio"] >= p.min_ratio - 1e-12)
    stable = pd.array(np.where(st["known"], stable_v, pd.NA), dtype="boolean")
    volume = pd.array(np.where(st["known"], st["mu"] >= p.min_monthly, pd.NA), dtype="boolean")
    warn = pd.array(np.where(np.isfinite(rank), rank <= p.max_warning, pd.NA), dtype="boolean")
    no_overdue = ~overdue.astype("boolean")
    conds = {"tenure": tenure.to_numpy(), "stable": stable, "volume": volume, "warning": warn,
             "no_overdue": no_overdue.to_numpy()}
    frame_c = pd.DataFrame(conds, index=attrs.index).astype("boolean")
    any_false = (frame_c == False).fillna(False).any(axis=1).to_numpy() | is_closed  # noqa: E712 - NA-aware
    others_true = frame_c.drop(columns="no_overdue").fillna(False).all(axis=1).to_numpy()
    all_true = frame_c.fillna(False).all(axis=1).to_numpy()
    admit = np.where(any_false, NO, np.where(all_true, YES, np.where(others_true, PENDING, "未知")))

    lvl = pd.Series(level, index=attrs.index, dtype=object)
    active_txt = pd.Series(st["active"]).fillna(0).astype(int).astype(str).to_numpy()
    reason = np.select(
        [is_closed, frame_c["tenure"].eq(False).fillna(False).to_numpy(), ~st["known"],
         frame_c["stable"].eq(False).fillna(False).to_numpy(), frame_c["volume"].eq(False).fillna(False).to_numpy(),
         frame_c["warning"].eq(False).fillna(False).to_numpy(), frame_c["no_overdue"].eq(False).fillna(False).to_numpy(),
         frame_c["tenure"].isna().to_numpy(), frame_c["warning"].isna().to_numpy(),
         frame_c["no_overdue"].isna().to_numpy()],
        ["已注销", f"入网不满 {p.open_months} 个月", f"近 {k} 个月数据不全(缺月不补 0)",
         "交易不稳定(活跃 " + active_txt + f"/{k} 月, CV " + format_values(pd.Series(st["cv"]), ".2f").fillna("—").to_numpy()
         + ", 最低月/均值 " + format_values(pd.Series(st["min_ratio"]), ".0%").fillna("—").to_numpy() + ")",
         f"月均交易额不足 {p.min_monthly:,.0f} 元", "预警等级" + lvl.fillna("").astype(str).to_numpy(),
         "法人在本行有逾期贷款", "入网日期未知", "预警等级未知(基线月份缺数据或观察期)",
         "法人本行逾期情况未核实" + ("(未提供贷款表)" if tables.get("loans") is None else "(法人证件号缺失/无效)")],
        default="")
    f = pd.DataFrame({
        "active": st["active"], "mu": st["mu"], "cv": st["cv"], "min_ratio": st["min_ratio"],
        "slope_ratio": st["slope_ratio"], "annual": annual, "level": pd.array(level, dtype="string"),
        "level_rank": rank, "closed": is_closed, **conds, "admit": pd.array(admit, dtype="string"),
        "reason": pd.array(reason, dtype="string"), "key": key.to_numpy(), "kind": kind.to_numpy(),
        "legal_key": legal.to_numpy()}, index=attrs.index)
    f = f.join(attrs)
    info = {"future": mx.future, "window": (end - (k - 1), end), "loans": loan_info, "uscc_bad": int(uscc_bad.sum()),
            "n": n}
    return f, info


# ---------------------------------------------------------------------------------------------- borrowers
def borrowers(f: pd.DataFrame, p: MerchantCreditParams) -> pd.DataFrame:
    """One row per borrower over its admitted (是 / 待核实) merchants: main merchant (largest μ, then 商户号),
    n_members, mu_sum, annual_sum (NaN when a member's is unknown), cv_max (worst member), slope_ratio
    (Σ slope / Σ μ), pending (a member 待核实), rule1/2/3, limit (元, rounded down to ``limit_step``; NaN when
    年交易额 unknown), bind (the binding rule)."""
    x = f[f["admit"].isin([YES, PENDING]).to_numpy()].copy()
    x["_id"] = x.index.astype("string")
    x = x.sort_values(["key", "mu", "_id"], ascending=[True, False, True], kind="stable")
    code = pd.factorize(x["key"])[0]
    x["_code"] = code
    x["_slope"] = x["slope_ratio"] * x["mu"]
    x["_annual_nan"] = x["annual"].isna()
    x["_pending"] = x["admit"].eq(PENDING)
    g = x.groupby("_code", sort=True)
    main = x.drop_duplicates("_code", keep="first").set_index("_code")
    b = pd.DataFrame({
        "main": main["_id"], "mch_name": main["mch_name"], "kind": main["kind"], "key": main["key"],
        "n_members": g.size(), "mu_sum": g["mu"].sum(), "annual_sum": g["annual"].sum().where(~g["_annual_nan"].any()),
        "cv_max": g["cv"].max(), "slope_ratio": g["_slope"].sum() / g["mu"].sum(), "pending": g["_pending"].any(),
        "level": main["level"]})
    r1 = b["mu_sum"] * p.limit_multiple
    r2 = b["annual_sum"] * p.annual_share
    r3 = pd.Series(float(p.product_cap), index=b.index)
    rules = np.vstack([r1.to_numpy(), np.nan_to_num(r2.to_numpy(), nan=np.inf), r3.to_numpy()])
    raw = rules.min(axis=0)
    step = float(p.limit_step)
    limit = np.floor(raw / step + 1e-9) * step if step > 0 else raw
    b["rule1"], b["rule2"], b["rule3"] = r1, r2, r3
    b["limit"] = np.where(b["annual_sum"].notna(), limit, np.nan)
    b["bind"] = np.where(b["annual_sum"].notna(), np.array(["月均交易额×倍数", "年交易额×比例", "产品上限"])[
        rules.argmin(axis=0) if len(b) else np.zeros(0, int)], "年交易额未知")
    return b.reset_index(drop=True)


def marketing_list(b: pd.DataFrame, f: pd.DataFrame, p: MerchantCreditParams, ctx: RunContext):
    """营销名单 (§6): one row per borrower, 客户号 = main 商户号."""
    pending = b["pending"].to_numpy(bool)
    limit_txt = np.where(b["limit"].notna(), format_values(b["limit"], ",.0f").fillna("").to_numpy(dtype=object)
                         + " 元", "待定(年交易额未知)")
    frame = pd.DataFrame({
        "cust_id": b["main"].astype("string").to_numpy(), "mch_name": b["mch_name"].to_numpy(),
        "n_members": b["n_members"].to_numpy(), "limit": b["limit"].round(2).to_numpy(),
        "limit_share": (b["limit"] / p.product_cap).clip(0, 1).to_numpy() if p.product_cap > 0 else np.nan,
        "stab": (1 - b["cv_max"] / p.cv_max).clip(0, 1).to_numpy() if p.cv_max > 0 else 1.0,
        "rising": (b["slope_ratio"] > 0).to_numpy(), "chain": (b["n_members"] > 1).to_numpy(),
        "no_overdue": pd.array(np.where(pending, pd.NA, True), dtype="boolean"),
        "limit_txt": limit_txt, "check_txt": np.where(pending, "(先核实法人本行无逾期)", ""),
        "bind": b["bind"].to_numpy(), "kind": b["kind"].to_numpy(),
        "cv_txt": format_values(b["cv_max"], ".2f").fillna("").to_numpy(),
        "slope_txt": format_values(b["slope_ratio"], ".1%").fillna("").to_numpy(),
        "mu": b["mu_sum"].round(2).to_numpy(), "annual": b["annual_sum"].round(2).to_numpy(),
        "cv": b["cv_max"].round(4).to_numpy(), "level": b["level"].to_numpy()})
    rules = [Rule("limit", "参考额度 {limit_txt}(约束: {bind})", weight=50, value="limit_share", name="参考额度"),
             Rule("stable", f"近 {p.stab_months} 月交易稳定(CV {{cv_txt}})", weight=30, value="stab", name="稳定性"),
             Rule("rising", "交易额上升(每月 {slope_txt})", points=10, when="rising", name="趋势"),
             Rule("chain", "连锁: 按{kind}合并 {n_members} 家商户", when="chain", name="连锁"),
             Rule("overdue", "法人本行无逾期", when="no_overdue", name="法人本行逾期")]
    b_ = ctx.base_label
    show = {"mch_name": "商户名称", "n_members": "商户数", "mu": b_(f"近{p.stab_months}月月均交易额"), "annual": b_("年交易额"),
            "cv": "变异系数", "level": "预警等级", "limit": b_("参考额度"), "bind": "约束规则"}
    return merchant_list(frame, rules, p.levels, p.strategy, ctx, f, sort_by=("limit", "mu"), show=show)


# ---------------------------------------------------------------------------------------------- tables
def _funnel(f: pd.DataFrame, p: MerchantCreditParams) -> pd.DataFrame:
    open_ = ~f["closed"].to_numpy(bool)
    steps = [("全部商户(未注销)", open_)]
    acc = open_.copy()
    for col, label in (("tenure", f"入网 ≥ {p.open_months} 个月"), ("stable", "交易稳定"),
                       ("volume", f"月均交易额 ≥ {p.min_monthly / 10_000:g} 万元"),
                       ("warning", f"预警 ≤ {MERCHANT_LEVELS[int(p.max_warning)]}")):
        acc = acc & f[col].fillna(False).to_numpy(bool)
        steps.append(("且" + label, acc.copy()))
    steps.append(("且法人本行无逾期(已核实)", acc & f["no_overdue"].fillna(False).to_numpy(bool)))
    steps.append(("另: 法人逾期待核实(列入名单)", acc & f["no_overdue"].isna().to_numpy()))
    return pd.DataFrame({"环节": [s[0] for s in steps], "商户数": [int(s[1].sum()) for s in steps]}).astype(
        {"商户数": "int64"})


def _scatter(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    x = f[np.isfinite(f["cv"].to_numpy(dtype="float64"))]
    ok = x["admit"].isin([YES, PENDING]).to_numpy()
    mu = ctx.money(x["mu"]).round(2).to_numpy()
    cv = x["cv"].round(4).to_numpy()
    return pd.DataFrame({ctx.money_label("月均交易额"): mu, "CV(可营销)": np.where(ok, cv, np.nan),
                         "CV(不准入)": np.where(ok, np.nan, cv), "商户号": x.index.astype("string"),
                         "准入": x["admit"].to_numpy()}).sort_values(ctx.money_label("月均交易额"), kind="stable")


def _tasks(lst, levels, ctx: RunContext) -> pd.DataFrame:
    """经理任务: per 网点 × 客户经理 of the list — 可营销户数, one count per list level (names of ``levels``, in
    their order), 待核实逾期, 参考额度合计 (display unit); most 可营销户数 first, then 网点, 客户经理."""
    df = lst.df
    names = [str(x[0]) for x in levels]
    lim = ctx.base_label("参考额度")
    keys = pd.DataFrame({c: (df[c] if c in df.columns else pd.Series(pd.NA, index=df.index))
                         for c in ("机构号", "客户经理")}).astype("string").fillna("(未分配)").astype("category")
    lv = {f"_lv{i}": df["等级"].eq(name).to_numpy() for i, name in enumerate(names)}
    g = pd.DataFrame({"n": 1, **lv, "limit": df[lim].to_numpy(dtype="float64"),
                      "pending": df.get("未计算因素", pd.Series(pd.NA, index=df.index)).notna().to_numpy()},
                     index=df.index).groupby([keys["机构号"], keys["客户经理"]], observed=True).sum(min_count=1)
    out = pd.DataFrame({"网点": g.index.get_level_values(0).astype("string"),
                        "客户经理": g.index.get_level_values(1).astype("string"),
                        "可营销户数": g["n"].to_numpy(dtype="int64"),
                        **{name: g[f"_lv{i}"].to_numpy(dtype="int64") for i, name in enumerate(names)},
                        "待核实逾期": g["pending"].to_numpy(dtype="int64"),
                        ctx.money_label("参考额度合计"): ctx.money(g["limit"]).round(2).to_numpy()})
    return out.sort_values(["可营销户数", "网点", "客户经理"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


def _detail(f: pd.DataFrame, ctx: RunContext, k: int) -> pd.DataFrame:
    b = ctx.base_label

    def yn(s: pd.Series) -> np.ndarray:
        return np.where(s.isna(), "未知", np.where(s.fillna(False), "是", "否"))

    return pd.DataFrame({
        "商户号": pd.Series(f.index, dtype="string"), "商户名称": f["mch_name"].to_numpy(), "网点": f["org_id"].to_numpy(),
        "客户经理": f["mgr_id"].to_numpy(), "入网日期": f["open_date"].to_numpy(), "借款主体": f["kind"].to_numpy(),
        "活跃月数": f["active"].to_numpy(), b(f"近{k}月月均交易额"): f["mu"].round(2).to_numpy(), "变异系数": f["cv"].to_numpy(),
        "最低月/均值": f["min_ratio"].to_numpy(), "斜率/均值": f["slope_ratio"].to_numpy(),
        b("年交易额"): f["annual"].round(2).to_numpy(), "预警等级": f["level"].to_numpy(),
        "入网满期": yn(f["tenure"]), "稳定": yn(f["stable"]), "月均达标": yn(f["volume"]), "预警达标": yn(f["warning"]),
        "法人无逾期": yn(f["no_overdue"]), "准入": f["admit"].to_numpy(), "原因": f["reason"].to_numpy(),
    }).astype({"商户号": "string", "网点": "string", "客户经理": "string", "预警等级": "string"})


# ---------------------------------------------------------------------------------------------- run
def run(tables: Mapping[str, pd.DataFrame], params: MerchantCreditParams, ctx: RunContext) -> Report:
    """Run C4 (see the module docstring)."""
    p = params
    f, info = merchant_frame(tables, p, ctx)
    b = borrowers(f, p)
    lst = marketing_list(b, f, p, ctx)
    funnel = _funnel(f, p)
    tasks = _tasks(lst, p.levels, ctx)
    tags = tag_table(lst.tag_rows("C4", "C4_MERCHANT_LOAN", "收单商户贷营销", ctx, p))
    k = int(p.stab_months)
    w0, w1 = info["window"]
    lim_col = ctx.base_label("参考额度")
    total_limit = float(lst.df[lim_col].sum()) if lst.df[lim_col].notna().any() else None
    n_pending = int(b["pending"].sum())
    chains = int((b["n_members"] > 1).sum())
    judged = int((~f["closed"]).sum())
    n_stable = int(f["stable"].fillna(False).sum())
    loans_given = "loans" in tables
    figures = [
        Figure("评估商户(未注销)", judged, "户", format="int"),
        Figure("交易稳定商户", n_stable, "户", format="int", note=f"近 {k} 月 {w0:%Y-%m} 至 {w1:%Y-%m}"),
        Figure("可营销借款主体", len(b), "户", format="int",
               note=(f"{chains:,} 个连锁主体按法人/信用代码合并" if chains else None)),
        Figure("参考额度合计", None if total_limit is None else ctx.money(total_limit), ctx.unit,
               note="min(月均×倍数, 年交易额×比例, 产品上限)"),
        Figure("其中待核实逾期", n_pending, "户", format="int",
               note=None if loans_given else "未提供贷款表: 法人本行逾期未核实"),
    ]
    headline = Headline(figures=figures,
                        chart=Chart(table="c4_scatter", categories=ctx.money_label("月均交易额"),
                                    series=["CV(可营销)", "CV(不准入)"], kind="scatter",
                                    title=f"μ–CV 散点(近 {k} 月月均交易额 × 变异系数)",
                                    x_title=ctx.money_label("月均交易额"), y_title="CV", height=240),
                        actions="c4_list", lines=[f"稳定性统计期 {w0:%Y-%m} 至 {w1:%Y-%m}; 客户号 = 主商户号(连锁按法人合并)。"])
    money0 = {ctx.base_label(c): "money0" for c in (f"近{k}月月均交易额", "年交易额", "参考额度")}
    blocks = lst.blocks("c4_list", "收单商户贷营销名单", lines=[
        "一行一个借款主体: 同一法人证件号(或统一社会信用代码)的商户合并测算, 客户号为其中月均交易额最大的商户号。",
        f"参考额度 = min(月均交易额 × {p.limit_multiple:g}, 年交易额 × {p.annual_share:.0%}, {p.product_cap:,.0f} 元), "
        f"向下取整到 {p.limit_step:,.0f} 元。"], formats=money0 | {"变异系数": "0.00"})
    blocks[-1].empty_note = "没有满足准入条件的商户"
    sheets = [
        Sheet("准入漏斗", [Note(lines=["准入条件(参数, 默认值【假设】):",
                                    f"入网 ≥ {p.open_months} 个月; 近 {k} 个月每月交易额 > 0,",
                                    f"且 CV ≤ {p.cv_max:g}, 且最低月 ≥ {p.min_ratio:.0%} × 均值;",
                                    f"月均 ≥ {p.min_monthly:,.0f} 元; 预警 ≤ {MERCHANT_LEVELS[int(p.max_warning)]}"
                                    "(与 E1 同一等级规则);",
                                    "法人本行无逾期(无法核实的列入名单, 标注待核实)。"]),
                          Table(funnel, name="c4_funnel", title="准入漏斗(逐项累计)"),
                          Chart(table="c4_funnel", categories="环节", series=["商户数"], kind="bar",
                                title="准入漏斗(商户数)", height=260)]),
        Sheet("稳定性散点", [Note(lines=[f"μ–CV 散点图见「概览」: 横轴 = 近 {k} 月月均交易额, 纵轴 = 变异系数 CV(越低越稳定); "
                                        "一列为可营销(含待核实), 一列为不准入。"]),
                          Table(_scatter(f, ctx), name="c4_scatter", title="散点数据", text_columns=("商户号",),
                                formats={"CV(可营销)": "0.00", "CV(不准入)": "0.00"})], print_role="detail"),
        Sheet("营销名单", blocks, print_role="detail"),
        Sheet("经理任务", [Note(lines=[f"按营销名单的网点与客户经理汇总; {'/'.join(str(x[0]) for x in p.levels)} = 名单等级"
                                    "(参数「等级门槛」), 待核实逾期 = 法人本行逾期未能核实的借款主体。"]),
                          Table(tasks, name="c4_tasks", title="网点 × 客户经理 营销任务", text_columns=("网点", "客户经理"),
                                empty_note="没有可营销的商户")]),
        Sheet("商户明细", [Table(_detail(f, ctx, k), name="c4_detail", title="全部商户的稳定性与准入(审计用)", role="detail",
                               text_columns=("商户号", "网点", "客户经理"),
                               formats={"入网日期": "date", "变异系数": "0.00", "最低月/均值": "pct1", "斜率/均值": "pct1",
                                        "活跃月数": "int"})], print_role="detail"),
        tag_sheet(tags),
    ]
    report = Report(title="收单商户信贷营销", sheets=sheets, headline=headline)
    report.method = [
        "方法依据: 场景 C4 收单商户信贷营销; 商户贷额度取各口径最小值; 分母 ≤ 0 不计算; 缺月不补 0。",
        f"稳定性(近 {k} 个整月 {w0:%Y-%m} 至 {w1:%Y-%m}): 活跃月数(金额 > 0)、均值 μ、变异系数 CV = σ/μ(σ 为总体标准差, "
        "同 Excel STDEV.P)、最低月/μ、趋势斜率(最小二乘, 每月)/μ。",
        f"预警等级: 与商户四级预警(E1)及工作表公式 BANKXL_MERCHANT_LEVEL 同一规则与参数, 数据日期所在月, 基线 = 前 "
        f"{p.base_months} 个月日均(季节性商户: MCC 属「季节性商户MCC」或名称匹配「季节性商户名称」, 用去年同月); "
        f"{p.rule_text()}。",
        "借款主体: 法人证件号(15/18 位标准化后有效)相同的商户合并, 否则统一社会信用代码(GB 32100 校验通过)相同的合并; "
        "额度规则按合并后的月均与年交易额计算, 产品上限每个主体一次。",
        "准入 = 是: 各条件都满足; 待核实: 仅「法人本行无逾期」无法核对(未提供贷款表或法人证件号缺失/无效), 仍列入名单并在「未计算因素」标注。",
    ]
    notes = [f"营销名单{lst.tie_break}", "名单的「客户号」为商户号; 客户标签按商户号。"]
    li = info["loans"]
    if not li.get("loans"):
        notes.append("未提供贷款表: 法人本行逾期情况未核实(待核实), 不按无逾期处理。")
    elif li.get("no_key"):
        notes.append(f"贷款表中 {li['no_key']:,} 笔贷款的证件号缺失或无效, 无法对应到法人。")
    if info["uscc_bad"]:
        notes.append(f"{info['uscc_bad']:,} 户商户的统一社会信用代码校验未通过, 不用于连锁汇总。")
    if info["future"]:
        notes.append(f"{info['future']:,} 行月份晚于数据日期, 未使用。")
    n_annual = int(b["limit"].isna().sum())
    if n_annual:
        notes.append(f"{n_annual:,} 个借款主体近 12 个月有缺月, 年交易额未知: 参考额度待定(不按 0 计)。")
    report.notes = notes
    return report


SPEC = Scenario(
    id="credit.merchant_credit", code="C4", title="收单商户信贷营销", group="信贷营销",
    inputs=("merchant_monthly",), optional_inputs=("merchants", "loans"), params=MerchantCreditParams, run=run,
    summary="收单商户按近 6 月交易稳定性、入网时长、月均交易额、预警等级与法人逾期准入, 连锁按法人汇总, 给出参考额度与营销名单",
    as_of_from=("merchant_monthly", "month"), subject="merchant",
)
