"""E1 商户四级预警 — acquiring-merchant warning (SCENARIOS.md "E1 商户四级预警模型", §0.5, §0.7, §6, §7, §8).

Inputs: ``merchant_monthly`` 收单商户月度 (required: mch_id 商户号, month 月份, amount 金额 元 — refunds negative;
optional txn_count 笔数, and the merchant columns) and optional ``merchants`` 收单商户 (商户名称, MCC, 网点,
客户经理, 入网日期, 商户状态, 法人证件号, 统一社会信用代码, 最近交易日). A merchant's columns come from 收单商户 where
it holds them, else from its latest month row: one monthly sheet that carries the merchant columns is enough.

Method (the level rule is :mod:`bankxl.rules.merchants`, the same code as the BANKXL_MERCHANT_LEVEL formula):
daily average A = month amount / days (calendar days; the data date's month up to the data date); baseline
B = mean A of the ``base_months`` (3) months before, or for seasonal merchants (MCC in ``seasonal_mcc`` —
schools, scenic spots — or a name matching ``seasonal_name``) A of the same month a year earlier (falls back to
the 3 months when last year is not in the data, said so); r = 1 − A/B. Levels (``drop_edges`` 30/50/80%,
``streak_months`` 2 × ``streak_drop`` 30%, edges include equality): 正常 / 一级 / 二级 / 三级 / 四级 (no
transaction in the month, or ≥ ``idle_days`` 30 days since 最近交易日). Then: 已注销 (商户状态 matches
``closed_status``: not warned) · 观察期 (入网 within ``new_months`` 3 months, or B = 0: 新商户观察期, not warned) ·
数据不足 (a month it needs has no row — 缺月不补 0 unless ``missing_as_zero`` — or a blank 金额). Months before
入网日期 are known zero. 笔数 0 with 金额 ≠ 0 is MCH_COUNT_ZERO (counted as a month with transactions).

Outputs: 概览 (Report.headline: figures vs 上月, chart, top 10 of the list) · 等级概况 (figures, level distribution + chart) · 等级分布 (网点 × 等级 + stacked chart) · 预警名单 (§6 via
:mod:`bankxl.lists`: 一级–四级, 得分 = the level's points, action and due date from the editable 策略表, monitoring
frequency from the 监测频率 table; 客户号 = 商户号, ranked by 得分, 下降金额, 商户号) · 临界名单 (r within ``near_gap``
5 pp below the next edge, or 正常 and falling ≥ ``near_slope`` a month over the last 3 months; §6 list) ·
等级迁移 (last month → this month) · 趋势 (merchants per level, last 12 months + line chart) · 商户流失率 (年内流失 /
(年初活跃 + 新增) 【S15】, by 网点) · 等级策略 · 商户明细 (every merchant) · 客户标签 (E1_MERCHANT_WARNING,
E1_NEAR_THRESHOLD keyed by 商户号: the merchant export carries no 客户号 of the legal person) (+ 数据问题, 说明).
Errors: ParameterError for bad parameters before any input is read; DataValidationError for a missing required
table/column (runner).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....lists import Rule, check_level_names, check_levels, levels_param, strategy_param
from ....report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ....rules.merchant_data import MerchantDataParams, merchant_list, merchant_months, org_table, transition_table
from ....rules.merchants import MerchantLevelParams
from ....scenario import RunContext, Scenario, param
from ....tags import tag_sheet, tag_table
from .compute import CLOSED, L1, L2, L3, L4, NEW, NO_DATA, NORMAL, NOT_OPEN, STATES, WARNED, compute

#: level -> (colour word, condition shown on 等级策略 and 说明)
COLOURS = {NORMAL: "绿", L1: "蓝", L2: "黄", L3: "橙", L4: "红"}
_STRATEGY = ((L4, "核实是否停业/撤机{exit_hint}", 3),
             (L3, "5 个工作日内上门走访, 制定挽留方案(下降 {r_txt})", 5),
             (L2, "上门走访, 了解经营变化(下降 {r_txt})", 5),
             (L1, "电话回访(下降 {r_txt})", 10))
#: list-frame columns the 策略表 may use as {placeholders}
STRATEGY_FIELDS = ("r_txt", "exit_hint", "idle_txt", "basis", "mch_name", "freq")
NEAR_FIELDS = ("next_level", "next_freq", "r_txt", "mch_name")


@dataclass(frozen=True)
class MerchantWarningParams(MerchantDataParams, MerchantLevelParams):
    """Parameters of E1: the level rule's (:class:`~bankxl.rules.merchants.MerchantLevelParams`: 下降率分档,
    连续下降, 基线月数, 季节性商户), the merchant data's (:class:`~bankxl.rules.merchant_data.MerchantDataParams`:
    缺月按无交易, 注销状态) and E1's own (defaults: SCENARIOS.md E1; 【假设】 where it gives none)."""

    new_months: int = param(3, "新商户观察月数", "月", "入网不满 N 个月为新商户观察期(不预警)", max=24)
    idle_days: int = param(30, "沉睡天数", "天", "自最近交易日起连续 ≥ 该天数无交易为四级(沉睡)", min=1, max=366)
    exit_days: int = param(90, "清退天数", "天", "连续 ≥ 该天数无交易: 建议清退/收回机具, 并计为流失",
                           min=1, max=730)
    near_gap: float = param(0.05, "临界距离", None, "下降率距下一档门槛 ≤ 该值(5 个百分点)为临界", min=0, max=0.3)
    near_slope: float = param(0.05, "临界下降斜率", None,
                              "正常商户近 3 月日均每月下降 ≥ 均值的该比例为临界(方法: 斜率 < 0; 默认 5% 避免噪声)【假设】",
                              min=0, max=1)
    levels: tuple = levels_param(((L4, 40), (L3, 30), (L2, 20), (L1, 10)),
                                 help="预警名单的等级即预警等级(名称固定, 从重到轻), 得分 = 等级的门槛分")
    strategy: tuple = strategy_param(_STRATEGY, help="每个预警等级的建议动作与截止日(数据日期后第 N 个工作日); 可用 "
                                                     "{r_txt} 下降率、{exit_hint} 清退提示、{idle_txt} 无交易天数、{basis} 基线口径")
    monitoring: tuple = param(((NORMAL, "月"), (L1, "双周"), (L2, "周"), (L3, "日"), (L4, "日")), "监测频率", None,
                              "每个等级的监测频率(正常/一级/二级/三级/四级 各一行)")
    near_levels: tuple = param((("临界", 10),), "临界名单等级", "分", "临界名单的等级与最低得分")
    near_strategy: tuple = param((("临界", "纳入临界观察, 按{next_level}频率({next_freq})监测", 10),),
                                 "临界名单策略", "工作日", "临界名单的建议动作与截止日(数据日期后第 N 个工作日); "
                                 "可用 {next_level} 下一等级、{next_freq} 其监测频率")

    def check(self) -> None:
        """The level rule's and the merchant data's checks, then E1's: 清退天数 ≥ 沉睡天数; the 策略表 names the
        four warned levels from 四级 to 一级; 监测频率 one non-empty row per level; the 临界 list's
        levels/strategy. Raises :class:`ParameterError`."""
        MerchantLevelParams.check(self)
        MerchantDataParams.check(self)
        if self.exit_days < self.idle_days:
            raise ParameterError(f"参数「清退天数(exit_days)」{self.exit_days} 应不小于「沉睡天数(idle_days)」{self.idle_days}。",
                                 f"Parameter exit_days ({self.exit_days}) must be >= idle_days ({self.idle_days}).")
        check_levels(self.levels, self.strategy, STRATEGY_FIELDS)
        check_level_names(self.levels, WARNED, "预警等级", "the warning levels", tune_zh="分数")
        rows = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in self.monitoring]
        if (sorted(str(r[0]) for r in rows) != sorted((NORMAL, L1, L2, L3, L4)) or
                any(len(r) != 2 or not isinstance(r[1], str) or not r[1].strip() for r in rows)):
            raise ParameterError(f"参数「监测频率(monitoring)」应为 {NORMAL}/{L1}/{L2}/{L3}/{L4} 各一行 [等级, 频率], 给定 {self.monitoring!r}。",
                                 f"Parameter monitoring needs one [level, frequency] row for each of 正常/一级/二级/三级/四级; "
                                 f"got {self.monitoring!r}.")
        check_levels(self.near_levels, self.near_strategy, NEAR_FIELDS, ids=("near_levels", "near_strategy"),
                     labels=("临界名单等级", "临界名单策略"))

    def frequency(self) -> dict[str, str]:
        return {str(a): str(b) for a, b in self.monitoring}


# ---------------------------------------------------------------------------------------------- lists
def _pct(x: pd.Series | np.ndarray) -> np.ndarray:
    v = pd.Series(np.asarray(x, dtype="float64"))
    return np.where(v.notna(), (v * 100).round(1).astype(str) + "%", "")


def warning_list(f: pd.DataFrame, p: MerchantWarningParams, ctx: RunContext):
    """预警名单: merchants at 一级–四级 (not 注销/观察期), §6 via :func:`bankxl.lists.score_list`."""
    x = f[f["state"].isin(WARNED).to_numpy()]
    freq = p.frequency()
    pts = {str(a): float(b) for a, b in p.levels}
    idle = x["idle"]
    idle_txt = np.where(idle.notna(), "(" + np.where(x["idle_exact"], "已", "至少") + "连续 "
                        + idle.fillna(0).astype(int).astype(str) + " 天无交易)", "")
    exit_hint = np.where(idle.fillna(0) >= p.exit_days,
                         f"; 连续无交易已达 {p.exit_days} 天, 建议清退/收回机具", "")
    frame = pd.DataFrame({
        "cust_id": x.index.astype("string"), "state": x["state"].to_numpy(),
        **{f"is_{i}": x["state"].eq(lvl).to_numpy() for i, lvl in enumerate(WARNED)},
        "r": x["r"].to_numpy(), "r_txt": _pct(x["r"]), "base": x["base"].round(2).to_numpy(),
        "cur": x["cur"].round(2).to_numpy(), "loss": x["loss"].round(2).to_numpy(), "basis": x["basis"].to_numpy(),
        "prev": x["prev"].to_numpy(), "idle": idle.to_numpy(), "idle_txt": idle_txt, "exit_hint": exit_hint,
        "streak": (x["streak_n"] >= p.streak_months).to_numpy(), "streak_n": x["streak_n"].to_numpy(),
        "yoy": x["basis"].eq("去年同期").to_numpy(), "mch_name": x["mch_name"].to_numpy(),
        "mcc": x["mcc"].to_numpy(), "freq": x["state"].map(freq).to_numpy()})
    u = ctx.base_unit
    drop = f"当月日均较{{basis}}下降 {{r_txt}}(基线 {{base:,.0f}} → 当月 {{cur:,.0f}} {u}/日)"
    rules = [Rule(f"level_{i}", "当月无交易{idle_txt}" if lvl == L4 else drop, points=pts[lvl], when=f"is_{i}",
                  name=lvl) for i, lvl in enumerate(WARNED)]
    rules += [Rule("streak", f"连续 {{streak_n}} 个月下降率 ≥ {p.streak_drop:.0%}", when="streak", name="连续下降"),
              Rule("seasonal", "季节性商户(MCC {mcc}), 按去年同期比较", when="yoy", name="季节性商户")]
    show = {"mch_name": "商户名称", "mcc": "MCC", "basis": "基线口径", "base": ctx.base_label("基线日均"),
            "cur": ctx.base_label("当月日均"), "r": "下降率", "loss": ctx.base_label("当月下降金额"),
            "prev": "上月等级", "idle": "连续无交易天数", "freq": "监测频率"}
    return merchant_list(frame, rules, p.levels, p.strategy, ctx, f, sort_by=("loss",), show=show, top=3,
                         params=p)


def near_list(f: pd.DataFrame, p: MerchantWarningParams, ctx: RunContext):
    """临界名单: r within ``near_gap`` of the next edge (正常/一级/二级), or 正常 and falling (SCENARIOS.md E1)."""
    x = f[(f["near_edge"] | f["declining"]).to_numpy()]
    freq = p.frequency()
    frame = pd.DataFrame({
        "cust_id": x.index.astype("string"), "near_edge": x["near_edge"].to_numpy(),
        "declining": x["declining"].to_numpy(), "r": x["r"].to_numpy(), "r_txt": _pct(x["r"]),
        "gap_txt": _pct(x["gap"]), "slope_txt": _pct(x["slope"]), "state": x["state"].to_numpy(),
        "next_level": x["next_level"].fillna("").to_numpy(), "next_freq": x["next_level"].map(freq).fillna("").to_numpy(),
        "base": x["base"].round(2).to_numpy(), "cur": x["cur"].round(2).to_numpy(),
        "mch_name": x["mch_name"].to_numpy(), "mcc": x["mcc"].to_numpy(), "basis": x["basis"].to_numpy()})
    rules = [Rule("near_edge", "下降率 {r_txt}, 距{next_level}门槛仅 {gap_txt}", points=20, when="near_edge",
                  name="接近下一档"),
             Rule("declining", "近 3 月日均持续下降(每月 {slope_txt})", points=10, when="declining", name="近3月下降")]
    show = {"mch_name": "商户名称", "mcc": "MCC", "state": "当前等级", "basis": "基线口径",
            "base": ctx.base_label("基线日均"), "cur": ctx.base_label("当月日均"), "r": "下降率"}
    return merchant_list(frame, rules, p.near_levels, p.near_strategy, ctx, f, sort_by=("base",), show=show,
                         params=p)


# ---------------------------------------------------------------------------------------------- tables
def _distribution(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    states = [s for s in STATES if s != NOT_OPEN]
    g = f.groupby("state")
    cnt = g.size().reindex(states, fill_value=0)
    amount = g["amount"].sum(min_count=1).reindex(states)
    n = int(cnt.sum())
    return pd.DataFrame({"等级": states, "商户数": cnt.astype("int64").to_numpy(),
                         "占比": (cnt / n).to_numpy() if n else np.zeros(len(states)),
                         ctx.money_label("当月交易额"): ctx.money(amount).round(2).to_numpy()})


def _by_org(f: pd.DataFrame) -> pd.DataFrame:
    out, pv = org_table(f["org_id"], f["state"], [s for s in STATES if s != NOT_OPEN])
    warned = pv[list(WARNED)].sum(axis=1)
    judged = pv[[NORMAL, *WARNED]].sum(axis=1)
    out["合计"] = pv.sum(axis=1).to_numpy()
    out["预警商户"] = warned.to_numpy()
    out["预警率"] = (warned / judged.where(judged > 0)).to_numpy()
    return out.astype({"合计": "int64", "预警商户": "int64"})


def _trend(res, ctx: RunContext, months: int = 12) -> pd.DataFrame:
    k = min(months, len(res.months))
    st = res.states[:, -k:]
    cols = {"月份": [f"{mo:%Y-%m}" for mo in res.months[-k:]]}
    for s in (*WARNED[::-1], NORMAL, NEW, NO_DATA):
        cols[s] = (st == s).sum(axis=0).astype("int64")
    cols["预警商户"] = np.isin(st, WARNED).sum(axis=0).astype("int64")
    cols[ctx.money_label("交易额")] = ctx.money(np.nansum(res.amount[:, -k:], axis=0)).round(2)
    return pd.DataFrame(cols)


def _churn_table(f: pd.DataFrame, churn: dict) -> pd.DataFrame:
    org = f["org_id"].fillna("(无网点)")
    g = pd.DataFrame({"网点": org, "a": f["active_start"], "n": f["new_in_year"], "p": f["in_churn"],
                      "l": f["lost"]}).groupby("网点")[["a", "n", "p", "l"]].sum()
    total = g.sum()
    g.loc["全行"] = total
    out = g.reset_index()
    out.columns = ["网点", "年初活跃", "年内新增", "考察商户", "年内流失"]
    out["流失率"] = (out["年内流失"] / out["考察商户"].where(out["考察商户"] > 0)).astype("float64")
    if churn.get("rate") is None:
        out["流失率"] = np.nan
    return out.astype({c: "int64" for c in ("年初活跃", "年内新增", "考察商户", "年内流失")} | {"网点": "string"})


def _strategy_table(p: MerchantWarningParams, counts: Mapping[str, int]) -> pd.DataFrame:
    e1, e2, e3 = (float(x) for x in p.drop_edges)
    cond = {NORMAL: f"r < {e1:.0%}", L1: f"{e1:.0%} ≤ r < {e2:.0%}",
            L2: f"{e2:.0%} ≤ r < {e3:.0%}, 或连续 {p.streak_months} 月 r ≥ {p.streak_drop:.0%}",
            L3: f"r ≥ {e3:.0%}", L4: f"当月无交易, 或连续 ≥ {p.idle_days} 天无交易(≥ {p.exit_days} 天: 拟清退/收回机具)"}
    plan = {str(a): (str(b), int(c)) for a, b, c in p.strategy}
    freq = p.frequency()
    rows = [{"等级": lvl, "颜色": COLOURS[lvl], "条件": cond[lvl], "监测频率": freq[lvl],
             "动作": _plain(plan[lvl][0]) if lvl in plan else "常规维护",
             "截止日(第 N 个工作日)": plan[lvl][1] if lvl in plan else np.nan, "商户数": int(counts.get(lvl, 0))}
            for lvl in (NORMAL, L1, L2, L3, L4)]
    return pd.DataFrame(rows).astype({"商户数": "int64"})


def _plain(action: str) -> str:
    """A 策略表 action without its per-merchant ``{…}`` parts (for summary tables)."""
    return re.sub(r"\{[^}]*\}", "", re.sub(r"[(（][^()（）{}]*\{[^}]*\}[^()（）]*[)）]", "", action)).strip()


def _detail(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    b = ctx.base_label
    return pd.DataFrame({
        "商户号": pd.Series(f.index, dtype="string"), "商户名称": f["mch_name"].to_numpy(), "MCC": f["mcc"].to_numpy(),
        "网点": f["org_id"].to_numpy(), "客户经理": f["mgr_id"].to_numpy(), "入网日期": f["open_date"].to_numpy(),
        "本月等级": f["state"].to_numpy(), "上月等级": f["prev"].to_numpy(), "基线口径": f["basis"].to_numpy(),
        b("基线日均"): f["base"].round(2).to_numpy(), b("当月日均"): f["cur"].round(2).to_numpy(),
        "下降率": f["r"].to_numpy(), b("当月交易额"): f["amount"].to_numpy(), "当月笔数": f["count"].to_numpy(),
        "连续无交易天数": f["idle"].to_numpy(), "临界": np.where(f["near_edge"] | f["declining"], "是", ""),
    }).astype({"商户号": "string", "网点": "string", "客户经理": "string", "本月等级": "string", "上月等级": "string"})


def _headline(f: pd.DataFrame, res, n_near: int, p: MerchantWarningParams, ctx: RunContext) -> Headline:
    """概览 (issue 10): 预警商户 (一级–四级), 其中 三级+四级, 临界商户, 当月交易额 (display unit) against 上月 (the
    same rule one month earlier; blank when the data hold one month only), the year's churn rate; chart: merchants
    per level; top 10 of 预警名单."""
    has_prev = len(res.months) >= 2
    why = None if has_prev else "数据只有一个月, 无上月对比"
    serious = (L3, L4)
    amount = np.nansum(res.amount, axis=0) if res.amount.size else np.zeros(len(res.months))
    amount_known = np.isfinite(res.amount).any(axis=0) if res.amount.size else np.zeros(len(res.months), dtype=bool)

    def month_amount(i: int):
        return float(ctx.money(amount[i])) if len(amount) >= -i and amount_known[i] else None

    rate = res.churn.get("rate")
    figs = [Figure("预警商户(一级–四级)", int(f["state"].isin(WARNED).sum()), "户", "int", "上月",
                   int(f["prev"].isin(WARNED).sum()) if has_prev else None, why),
            Figure("其中 三级 + 四级", int(f["state"].isin(serious).sum()), "户", "int", "上月",
                   int(f["prev"].isin(serious).sum()) if has_prev else None, why),
            Figure("临界商户", n_near, "户", "int"),
            Figure("当月交易额", month_amount(-1), ctx.unit, "money", "上月", month_amount(-2) if has_prev else None, why),
            Figure(f"{res.churn['y0'].year} 年商户流失率", None if rate is None else float(rate), "%", "pct1",
                   note=None if rate is not None else f"未计算: {res.churn['reason']}")]
    e1, e2, e3 = (float(x) for x in p.drop_edges)
    lines = [f"下降率 = 1 − 当月日均 ÷ 前 {p.base_months} 月日均(季节性商户比去年同月); {e1:.0%} / {e2:.0%} / {e3:.0%} 分一级 / 二级 / "
             "三级, 当月无交易为四级。"]
    chart = Chart(table="e1_levels", categories="等级", series=["商户数"], kind="column", title="各等级商户数",
                  y_title="商户数", height=240)
    return Headline(figs, chart=chart, actions="e1_warning_list", lines=lines)


# ---------------------------------------------------------------------------------------------- run
def run(tables: Mapping[str, pd.DataFrame], params: MerchantWarningParams, ctx: RunContext) -> Report:
    """Run E1 (see the module docstring)."""
    p = params
    mx = merchant_months(tables["merchant_monthly"], tables.get("merchants"), ctx)
    res = compute(mx, p, ctx)
    f = res.frame
    lst = warning_list(f, p, ctx)
    near = near_list(f, p, ctx)
    dist = _distribution(f, ctx)
    by_org = _by_org(f)
    cols = [s for s in STATES if s != NOT_OPEN or (f["state"] == NOT_OPEN).any()]
    trans = transition_table(f["prev"], f["state"], cols, "上月等级 \\ 本月等级", rows=[s for s in STATES if s != CLOSED])
    trend = _trend(res, ctx)
    churn_t = _churn_table(f, res.churn)
    counts = dist.set_index("等级")["商户数"]
    strat = _strategy_table(p, counts)
    tags = tag_table(lst.tag_rows("E1", "E1_MERCHANT_WARNING", "商户预警", ctx, p),
                     near.tag_rows("E1", "E1_NEAR_THRESHOLD", "临界商户", ctx, p))

    n = len(f)
    judged = int(counts[[NORMAL, *WARNED]].sum())
    warned = int(counts[list(WARNED)].sum())
    ch = res.churn
    churn_txt = (f"{ch['rate']:.1%}({ch['lost']:,} / ({ch['active']:,} + {ch['new']:,}))" if ch.get("rate") is not None
                 else f"未计算({ch['reason']})")
    amt = float(np.nansum(f["amount"])) if n else 0.0
    key = [("数据日期", f"{ctx.as_of:%Y-%m-%d}"), ("当月", f"{ctx.as_of:%Y-%m}"
                                                       + ("" if ctx.as_of.is_month_end else f"(截至 {ctx.as_of.day} 日)")),
           ("商户总数", f"{n:,}"), ("参与评级", f"{judged:,}"),
           ("预警商户(一级–四级)", f"{warned:,}" + (f"({warned / judged:.1%})" if judged else "")),
           ("其中", " · ".join(f"{lvl} {int(counts[lvl]):,}" for lvl in WARNED)),
           ("临界商户", f"{len(near.df):,}"),
           ("不评级", f"观察期 {int(counts[NEW]):,} · 数据不足 {int(counts[NO_DATA]):,} · 已注销 {int(counts[CLOSED]):,}"),
           (f"{ch['y0'].year} 年商户流失率(至数据日期)", churn_txt),
           ("当月交易额", f"{ctx.money(amt):,.2f} {ctx.unit}")]
    plan = {str(a): (str(b), int(c)) for a, b, c in p.strategy}
    freq = p.frequency()
    actions = [f"{lvl} {lst.counts.get(lvl, 0):,} 户: {_plain(plan[lvl][0])}(截止日: 第 {plan[lvl][1]} 个工作日, "
               f"监测: {freq[lvl]})" for lvl in WARNED]
    pct = {"占比": "pct1"}
    # the level chart is the headline's (概览), over this table: not drawn twice
    overview = [Note(title="等级概况", pairs=key),
                Note(title="本期行动", lines=actions + [f"临界 {len(near.df):,} 户: 纳入临界观察(见临界名单)。"]),
                Table(dist, name="e1_levels", title="等级分布(全行)", formats={"商户数": "int"} | pct,
                      conditional=[Conditional(["商户数"], "data_bar")])]
    states = [s for s in STATES if s != NOT_OPEN]
    org_sheet = [Note(lines=["网点 × 等级(商户数); 预警率 = 一级–四级 ÷ 参与评级(正常 + 一级–四级)。",
                             "数据条画在预警商户数上: 商户少的网点的预警率不宜比较。"]),
                 Table(by_org, name="e1_by_org", title="网点 × 等级分布", text_columns=("网点",),
                       formats={s: "int" for s in states} | {"合计": "int", "预警商户": "int", "预警率": "pct1"},
                       conditional=[Conditional(["预警商户"], "data_bar")]),
                 Chart(table="e1_by_org", categories="网点", series=list(WARNED[::-1]), kind="column", stacked=True,
                       title="各网点预警商户(一级–四级)", y_title="商户数", height=340)]
    prev_end = res.info["ends"][-2] if len(res.months) >= 2 else None
    stay = int((f["prev"] == f["state"]).sum())
    trans_lines = [f"行 = 上月({prev_end:%Y-%m-%d})等级, 列 = 本月({ctx.as_of:%Y-%m-%d})等级; 两期按同一规则、各自的基线计算。"
                   if prev_end is not None else "数据只有一个月: 没有上月等级。",
                   f"等级不变 {stay:,} 户, 变化 {n - stay:,} 户。",
                   "上月不看商户状态(注销时间未知)与最近交易日(只有当前值): 上月没有「已注销」。"]
    trend_cols = [*WARNED[::-1]]
    churn_lines = ["年度商户流失率 = 年内流失 ÷ (年初活跃 + 年内新增);",
                   f"统计 {ch['y0'].year}-01-01 至 {ctx.as_of:%Y-%m-%d}。全行: {churn_txt}。",
                   f"年初活跃 = {ch['y0'] - ch['start']} 至 {ch['y0'] - 1} 有交易;",
                   "年内新增 = 入网日期在年内(无入网日期: 此前几个月",
                   "有数据而无交易, 年内有交易)。",
                   f"流失 = 已注销或连续 ≥ {p.exit_days} 天无交易。行业参考 12–15%。"]
    if ch.get("unknown"):
        churn_lines += [f"{ch['unknown']:,} 户商户的数据没有覆盖 {ch['y0'] - ch['start']} 至 {ch['y0'] - 1},",
                        "年初是否活跃未知: 不计入(不按不活跃处理)。"]
    sheets = [
        Sheet("等级概况", overview),
        Sheet("等级分布", org_sheet),
        Sheet("预警名单", lst.blocks("e1_warning_list", "商户预警名单(四级 / 三级 / 二级 / 一级)",
                                   lines=["客户号 = 商户号; 法人证件号脱敏显示。监测频率取自参数「监测频率」。"],
                                   text_columns=("MCC",),
                                   formats={"下降率": "pct1", ctx.base_label("基线日均"): "money0",
                                            ctx.base_label("当月日均"): "money0", ctx.base_label("当月下降金额"): "money0",
                                            "连续无交易天数": "int"},
                                   conditional=[Conditional([ctx.base_label("当月下降金额")], "data_bar")],
                                   widths={"原因": 56, "建议动作": 44}, top_style="bad")),
        Sheet("临界名单", near.blocks("e1_near_list", "临界商户名单",
                                    lines=[f"下降率距下一档门槛 ≤ {p.near_gap:.0%}, 或正常商户近 3 月日均每月下降 ≥ {p.near_slope:.0%}"
                                           "(季节性商户不看斜率)。客户号 = 商户号。"],
                                    text_columns=("MCC",), formats={"下降率": "pct1", ctx.base_label("基线日均"): "money0",
                                                                    ctx.base_label("当月日均"): "money0"},
                                    top_style="warn")),
        Sheet("等级迁移", [Note(lines=trans_lines),
                          Table(trans, name="e1_transitions", title="上月 → 本月等级迁移矩阵(商户数)",
                                formats={s: "int" for s in STATES} | {"合计": "int"}, text_columns=("上月等级 \\ 本月等级",))]),
        Sheet("趋势", [Note(lines=["近 12 个月每月末的等级(按同一规则逐月计算; 历史月份不看商户状态与最近交易日)。"]),
                      Table(trend, name="e1_trend", title="各月预警商户数与交易额",
                            formats={s: "int" for s in (*WARNED, NORMAL, NEW, NO_DATA, "预警商户")}),
                      Chart(table="e1_trend", categories="月份", series=trend_cols, kind="line",
                            title="近 12 个月各预警等级商户数", y_title="商户数", height=300),
                      Chart(table="e1_trend", categories="月份", series=[ctx.money_label("交易额")], kind="column",
                            title="近 12 个月收单交易额", y_title=ctx.unit, height=260)]),
        Sheet("商户流失率", [Note(lines=churn_lines),
                           Table(churn_t, name="e1_churn", title="年度商户流失率(网点 / 全行)", text_columns=("网点",),
                                 formats={"流失率": "pct1"} | {c: "int" for c in ("年初活跃", "年内新增", "考察商户", "年内流失")})]),
        Sheet("等级策略", [Note(lines=["等级条件、监测频率与动作(参数「下降率分档」「监测频率」「策略表」, 可在参数表修改)。"]),
                          Table(strat, name="e1_strategy", title="预警等级与策略", widths={"条件": 40, "动作": 40},
                                formats={"商户数": "int", "截止日(第 N 个工作日)": "int"})]),
        Sheet("商户明细", [Table(_detail(f, ctx), name="e1_detail", title="全部商户的等级(审计用)", role="detail",
                               text_columns=("商户号", "MCC", "网点", "客户经理"),
                               formats={"下降率": "pct1", "入网日期": "date", "连续无交易天数": "int", "当月笔数": "int"})]),
        tag_sheet(tags),
    ]
    report = Report(title="商户四级预警", sheets=sheets, headline=_headline(f, res, len(near.df), p, ctx))
    report.method = [
        "方法依据: 场景 E1 商户四级预警模型与商户预警基线(各月日均按天数归一, 季节商户同比); 分母 ≤ 0 不计算; 缺月不补 0。",
        f"日均 = 当月金额(退货为负) ÷ 当月天数(数据日期所在月只算到数据日期); 基线 = 前 {p.base_months} 个月日均的均值; "
        "季节性商户(MCC 属「季节性商户MCC」或名称匹配「季节性商户名称」)用去年同月日均; 下降率 r = 1 − 当月日均 ÷ 基线。",
        f"等级: {p.rule_text()}; 连续 ≥ {p.idle_days} 天无交易(最近交易日)也为四级。等级规则与工作表公式 "
        "BANKXL_MERCHANT_LEVEL、收单商户信贷营销(C4)的预警等级相同。",
        f"不预警: 已注销(商户状态匹配「{p.closed_status}」) · 观察期(入网不满 {p.new_months} 个月, 或基线为 0: 新商户观察期) · "
        "数据不足(所需月份没有数据行或金额为空; 入网前的月份按 0)。",
        "预警名单等级 = 预警等级, 得分 = 等级门槛分, 建议动作与时限取自参数「策略表」; 同分按当月下降金额(基线日均 − 当月日均)× 当月天数排序。",
    ]
    notes = [f"预警名单{lst.tie_break}", f"临界名单{near.tie_break}",
             "名单的「客户号」为商户号; 客户标签按商户号(商户导出不含法人的客户号; 按法人汇总请用法人证件号)。"]
    if res.info["fallback"]:
        notes.append(f"{res.info['fallback']:,} 户季节性商户没有去年同月数据, 改按前 {p.base_months} 个月基线。")
    if res.info["future"]:
        notes.append(f"{res.info['future']:,} 行月份晚于数据日期, 未使用。")
    if res.info["unknown_months"] and not p.missing_as_zero:
        notes.append(f"{res.info['unknown_months']:,} 个商户月份没有数据或金额为空: 按未知处理(不补 0); "
                     "若导出只含有交易的月份, 请把参数「缺月按无交易」设为是。")
    if "merchants" not in tables:
        notes.append("未提供收单商户表: 商户名称、MCC、网点、入网日期、状态等取自月度表中的商户列(没有则为空)。")
    for col, what in (("mcc", "季节性商户只按名称识别"), ("open_date", "新商户只按基线为 0 识别, 年内新增按首次交易"),
                      ("status", "已注销商户无法剔除"), ("org_id", "网点分布为(无网点)"),
                      ("last_txn_date", "连续无交易天数按月份推算(下限)"), ("txn_count", "无交易按金额为 0 判断")):
        have = any(col in t.columns and t[col].notna().any() for t in (tables.get("merchants"), tables["merchant_monthly"])
                   if t is not None)
        if not have:
            label = {"mcc": "MCC", "open_date": "入网日期", "status": "商户状态", "org_id": "网点",
                     "last_txn_date": "最近交易日", "txn_count": "笔数"}[col]
            notes.append(f"数据没有「{label}」({col}): {what}。")
    report.notes = notes
    return report


SPEC = Scenario(
    id="ebank.merchant_warning", code="E1", title="商户四级预警", group="电子银行",
    inputs=("merchant_monthly",), optional_inputs=("merchants",), params=MerchantWarningParams, run=run,
    summary="收单商户按日均交易额较前 3 月(季节商户同比)的下降率分正常/一级/二级/三级/四级, 输出预警名单、临界名单、迁移矩阵与流失率",
    as_of_from=("merchant_monthly", "month"), subject="merchant",
)
