"""E2 商户五星级分层 — five-star tiering of acquiring merchants (SCENARIOS.md "E2 商户五星级分层", §0.7, §6).

Inputs: ``merchant_monthly`` 收单商户月度 (required: 商户号, 月份, 金额 元 — refunds negative; optional 笔数,
结算户日均 元 and the merchant columns) and optional ``merchants`` 收单商户 (商户名称, 网点, 客户经理, 入网日期,
商户状态, 法人证件号 …; a merchant's columns come from it first, else from its latest month row).

Method (parameters in brackets; defaults SCENARIOS.md E2 【假设】): over the last ``window_months`` (3) whole
months — ending with the data date's month when the data date is its last day, else with the month before —
月均交易额 = Σ 金额 / N (元), 月均笔数 = Σ 笔数 / N, 结算户日均 = the months' 结算户日均 weighted by their days.
Stars (同时满足, and every star below): ★1 every month ≥ ``active_count`` 笔 · ★2 月均交易额 ≥ 1 万 and 月均笔数
≥ ``count_min`` 30 · ★3 ≥ 5 万 and 结算户日均 ≥ 1 万 · ★4 ≥ 20 万 and ≥ 5 万 · ★5 ≥ 50 万 and ≥ 20 万
(``amount_edges``, ``deposit_edges``; edges include equality); 无星 = a month without a transaction. Not
starred: 已注销 (商户状态 matches ``closed_status``), 新商户 (入网 after the window's first day), 数据不足 (a month
of the window without a row or 金额 — 缺月不补 0 unless ``missing_as_zero``; months before 入网 are zero). A
merchant without 结算户日均 for the window is starred on transactions alone and flagged (仅按交易定星,
未计算因素: 结算户日均 — never read as 0). ``calibrate`` = 是 sets the thresholds once from quantiles
(``calibrate_shares`` 5/15/30/30/20%) of this data and shows them as 参数 rows to copy back (then 否: fixed);
it is never done unless asked. Last month's stars: the same rule on the window one month earlier.

Outputs: 概览 (headline: figures, star chart, top upgrade actions) · 星级分布 (this vs last month, migration
matrix, by 网点) · 存款贡献 (by star: 结算户日均合计/占比, 沉淀率 = 结算户日均 / 月均交易额, median, 升一星预期日均增量
= median(star + 1) − median(star), chart) · 升星名单 (next star's unmet thresholds all within ``near_up`` 10%;
§6 via :mod:`bankxl.lists`) · 保级名单 (a threshold of the own star within ``near_keep`` 10%) · 员工积分 (Σ 升星级数 ×
``up_points`` − Σ 降星级数 × ``down_points`` per 网点 × 客户经理) · 门槛与权益 (thresholds used, ``rights`` table,
calibrated 参数 rows) · 商户明细 (every merchant) · 客户标签 (E2_STAR, E2_UPGRADE, E2_KEEP keyed by 商户号).
Errors: ParameterError for bad parameters before any input is read; DataValidationError for a missing
required table/column (runner). Row problems: DUP_KEY, MCH_COUNT_ZERO (:mod:`bankxl.rules.merchant_data`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....lists import Rule, check_levels, format_values, levels_param, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.merchant_data import (MerchantDataParams, closed_merchants, known_volumes, merchant_list,
                                     merchant_months, org_table, transition_table, whole_month_end)
from ....scenario import RunContext, Scenario, param, params_table
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import (CLOSED, STAR_LABELS, STATES, calibrate, deposit_impact, gaps, staff_points, stars, state,
                      window)

UP_FIELDS = ("next_star", "gap_txt", "gain_txt", "mch_name", "star")
KEEP_FIELDS = ("star", "down_star", "margin_txt", "loss_txt", "mch_name")
RIGHTS_HEAD = ("星级", "费率优惠", "机具", "贷款优先", "专属经理")


@dataclass(frozen=True)
class MerchantStarParams(MerchantDataParams):
    """Parameters of E2: the merchant data's (:class:`~bankxl.rules.merchant_data.MerchantDataParams`: 缺月按无交易,
    注销状态 — the same ids and meaning as in E1 and C4) and E2's own (defaults SCENARIOS.md E2 【假设】: 同时满足,
    首次可用分位数校准后固化)."""

    window_months: int = param(3, "统计月数", "月", "月均交易额/月均笔数/结算户日均按最近 N 个整月计算"
                               "(数据日期为月末时含当月, 否则到上月)", min=1, max=12)
    active_count: int = param(1, "★1 每月最少笔数", "笔", "★1: 统计期内每个月交易笔数 ≥ 该值", min=1, max=100_000)
    amount_edges: tuple = param((10_000.0, 50_000.0, 200_000.0, 500_000.0), "月均交易额门槛", "元",
                                "★2/★3/★4/★5 的月均交易额下限(含等号), 递增", increasing=True)
    count_min: int = param(30, "★2 月均笔数门槛", "笔", "★2 及以上: 月均笔数 ≥ 该值(笔数未知时不作限制并标注)",
                           max=1_000_000)
    deposit_edges: tuple = param((10_000.0, 50_000.0, 200_000.0), "结算户日均门槛", "元",
                                 "★3/★4/★5 的结算户日均下限(含等号), 递增; 无结算户数据的商户仅按交易定星并标注",
                                 increasing=True)
    calibrate: bool = param(False, "按分位数校准", None,
                            "是 = 本次按分位数从数据重算门槛(见「校准目标占比」), 报告「门槛与权益」页给出校准值; "
                            "请把校准值填回参数表并改回否, 门槛从此固定(否则每次运行都会重算)")
    calibrate_shares: tuple = param((5.0, 15.0, 30.0, 30.0, 20.0), "校准目标占比", "%",
                                    "校准时 ★1/★2/★3/★4/★5 商户的目标占比(近似: 各条件同时满足)")
    near_up: float = param(0.10, "升星临界距离", None, "下一星级的各项门槛差距均 ≤ 该比例时列入升星名单", min=0, max=0.5)
    near_keep: float = param(0.10, "保级临界距离", None, "本星级某项门槛的超出比例 ≤ 该值时列入保级名单", min=0, max=0.5)
    up_points: float = param(10.0, "升星积分", "分/星", "员工积分: 管户商户每升一星加分", max=1000)
    down_points: float = param(10.0, "降星扣分", "分/星", "员工积分: 管户商户每降一星扣分(注销按降至 0 星)", max=1000)
    min_star_group: int = param(30, "增量最小分组", "户",
                                "升一星预期日均增量只在本星与上一星各有 ≥ 该数的有结算户日均商户时计算, 否则留空: "
                                "几户商户的中位数之差不代表升星的效果", min=1, max=100_000)
    rights: tuple = param((("★1", "标准费率", "基础 POS", "—", "网点服务"),
                           ("★2", "费率优惠 0.05 个百分点", "免费 POS", "—", "网点服务"),
                           ("★3", "费率优惠 0.10 个百分点", "智能 POS + 扫码", "商户贷优先审批", "客户经理维护"),
                           ("★4", "费率优惠 0.15 个百分点", "智能 POS + 收银系统", "优先审批 + 利率优惠", "专属客户经理"),
                           ("★5", "费率优惠 0.20 个百分点", "定制收银方案", "绿色通道 + 利率优惠", "专属客户经理 + 支行长联系")),
                          "权益表", None, "每个星级一行: [星级, 费率优惠, 机具, 贷款优先, 专属经理]【假设】")
    levels: tuple = levels_param((("A", 60), ("B", 40), ("C", 0)),
                                 help="升星名单: 得分 = 10 × 目标星级 + 50 × (1 − 最大差距 ÷ 升星临界距离)")
    strategy: tuple = strategy_param((("A", "上门拜访, 推动升至★{next_star}: {gap_txt}", 5),
                                      ("B", "电话沟通升星权益, 推动升至★{next_star}", 10),
                                      ("C", "纳入升星跟进, 月度回访", 20)),
                                     help="升星名单每个等级的动作与截止日; 可用 {next_star} 目标星级、{gap_txt} 差距")
    keep_levels: tuple = param((("A", 60), ("B", 40), ("C", 0)), "保级名单等级", "分",
                               "保级名单: 得分 = 10 × 当前星级 + 50 × (1 − 最小超出 ÷ 保级临界距离)")
    keep_strategy: tuple = param((("A", "上门走访, 防止降至★{down_star}: {margin_txt}", 5),
                                  ("B", "电话关怀, 关注交易与结算资金留存", 10),
                                  ("C", "纳入保级观察", 20)), "保级名单策略", "工作日",
                                 "保级名单每个等级的动作与截止日; 可用 {star} 当前星级、{down_star}、{margin_txt}")

    def check(self) -> None:
        """The merchant data's check, then E2's: edges of the right length, shares, the rights table (★1–★5, 5
        columns), list levels. Raises :class:`ParameterError`."""
        MerchantDataParams.check(self)
        if len(self.amount_edges) != 4 or len(self.deposit_edges) != 3:
            raise ParameterError(
                f"参数「月均交易额门槛(amount_edges)」应为 4 个递增金额(★2–★5), 「结算户日均门槛(deposit_edges)」应为 3 个"
                f"(★3–★5); 给定 {self.amount_edges} / {self.deposit_edges}。",
                f"amount_edges needs 4 increasing amounts (★2–★5) and deposit_edges 3 (★3–★5); "
                f"got {self.amount_edges} / {self.deposit_edges}.")
        if len(self.calibrate_shares) != 5 or sum(float(x) for x in self.calibrate_shares) <= 0 or any(
                float(x) <= 0 for x in self.calibrate_shares):
            raise ParameterError(f"参数「校准目标占比(calibrate_shares)」应为 5 个正数(★1–★5), 给定 {self.calibrate_shares}。",
                                 f"calibrate_shares needs 5 positive numbers (★1–★5); got {self.calibrate_shares}.")
        rows = [tuple(r) if isinstance(r, (tuple, list)) else (r,) for r in self.rights]
        if ([str(r[0]) for r in rows] != list(STAR_LABELS[1:]) or any(len(r) != len(RIGHTS_HEAD) for r in rows)):
            raise ParameterError(f"参数「权益表(rights)」应为 ★1–★5 各一行 [{', '.join(RIGHTS_HEAD)}], 给定 {self.rights!r}。",
                                 f"Parameter rights needs one row per ★1–★5 with {len(RIGHTS_HEAD)} columns; "
                                 f"got {self.rights!r}.")
        check_levels(self.levels, self.strategy, UP_FIELDS)
        check_levels(self.keep_levels, self.keep_strategy, KEEP_FIELDS, ids=("keep_levels", "keep_strategy"),
                     labels=("保级名单等级", "保级名单策略"))


# ---------------------------------------------------------------------------------------------- helpers
def _pct(x) -> pd.Series:
    return format_values(pd.Series(np.asarray(x, dtype="float64")), ".1%").fillna("")


def _join(*parts: pd.Series) -> pd.Series:
    """Non-empty parts joined with 、 (vectorised)."""
    s = parts[0].astype("string").fillna("")
    for p in parts[1:]:
        s = s.str.cat(p.astype("string").fillna(""), sep="、")
    return s.str.replace(r"、{2,}", "、", regex=True).str.strip("、")


def _piece(cond, text: pd.Series) -> pd.Series:
    return pd.Series(np.where(np.asarray(cond, dtype=bool), text.fillna("").to_numpy(dtype=object), ""), dtype="string")


def _closeness(dist: pd.Series, near: float):
    """A list's 0–1 closeness per merchant: 1 − distance / ``near`` (the 临界距离 parameter) clipped to [0, 1], 1
    where the distance is unknown; 1.0 for everybody when ``near`` is 0."""
    return (1 - dist / near).clip(0, 1).fillna(1).to_numpy() if near > 0 else 1.0


def _money_txt(v: np.ndarray, prefix: str) -> np.ndarray:
    """``prefix`` + the amount (元, thousands separators, no decimals) + ``元)`` per value; '' where it is unknown."""
    return np.where(np.isfinite(v), prefix + format_values(pd.Series(v), ",.0f").fillna("").to_numpy() + " 元)", "")


def _shown(x: pd.DataFrame) -> dict:
    """The merchant figures both lists show: 月均交易额 / 结算户日均 (元, 2 decimals), 月均笔数 (1 decimal), 商户名称."""
    return {"amount": x["amount"].round(2).to_numpy(), "count": x["count"].round(1).to_numpy(),
            "deposit": x["deposit"].round(2).to_numpy(), "mch_name": x["mch_name"].to_numpy()}


def _star_text(x) -> pd.Series:
    v = pd.Series(np.asarray(x, dtype="float64"))
    return pd.Series(np.where(v.notna(), v.fillna(0).astype(int).astype(str), ""), dtype="string")


# ---------------------------------------------------------------------------------------------- compute
@dataclass
class Result:
    frame: pd.DataFrame   # per merchant (index 商户号), see :func:`compute`
    params: MerchantStarParams  # the thresholds used (calibrated ones when asked)
    calibrated: dict | None
    window: tuple          # (start, end) Periods of this month's window, or None
    prev_window: tuple
    future: int


def compute(tables: Mapping[str, pd.DataFrame], p: MerchantStarParams, ctx: RunContext) -> Result:
    """Per merchant (frame index 商户号): state, prev_state, star / prev_star (float, NaN not starred), amount,
    count, deposit (元), rate (沉淀率), dep_unknown, count_unknown, closed, the gaps of
    :func:`.compute.gaps` and the merchant columns."""
    mx = merchant_months(tables["merchant_monthly"], tables.get("merchants"), ctx)
    amt, cnt, _ = known_volumes(mx, ctx.as_of, p.missing_as_zero)
    end = whole_month_end(ctx.as_of)
    k = int(p.window_months)
    w = window(mx, amt, cnt, end, k, p.active_count)
    wp = window(mx, amt, cnt, end - 1, k, p.active_count)
    closed = closed_merchants(mx.attrs, p.closed_status)
    cal = None
    if p.calibrate and w is not None:
        ok = w.known & ~w.new & ~closed & w.active
        cal = calibrate(w.amount[ok], w.count[ok], w.deposit[ok], p.calibrate_shares)
        if cal is not None:
            p = replace(p, **cal)
    n = len(mx.ids)
    nan = np.full(n, np.nan)
    if w is not None:
        star, dep_unknown = stars(w, p)
        star = np.where(closed, np.nan, star)
        g = gaps(w, star, p)
        amount, count, deposit = w.amount, w.count, w.deposit
    else:
        star, dep_unknown, g = nan, np.ones(n, bool), {}
        amount = count = deposit = nan
    prev_star = stars(wp, p)[0] if wp is not None else nan
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(np.isfinite(deposit) & (amount > 0), deposit / np.where(amount > 0, amount, 1), np.nan)
    f = pd.DataFrame({
        "state": pd.array(state(star, w, closed), dtype="string"),
        "prev_state": pd.array(state(prev_star, wp), dtype="string"),
        "star": star, "prev_star": prev_star, "amount": amount, "count": count, "deposit": deposit, "rate": rate,
        "dep_unknown": np.asarray(dep_unknown, bool) & np.isfinite(star),
        "count_unknown": ~np.isfinite(count) & np.isfinite(star), "closed": closed,
        **{key: g.get(key, nan) for key in ("up_amount", "up_count", "up_deposit", "up_max", "keep_amount",
                                            "keep_count", "keep_deposit", "keep_min")}}, index=mx.ids)
    f = f.join(mx.attrs)
    return Result(f, p, cal, (w.start, w.end) if w is not None else None,
                  (wp.start, wp.end) if wp is not None else None, mx.future)


# ---------------------------------------------------------------------------------------------- lists
def upgrade_list(f: pd.DataFrame, impact: pd.DataFrame, p: MerchantStarParams, ctx: RunContext):
    """升星名单 (SCENARIOS.md E2 临界: 距上一星阈值 ≤ 10%): ★1–★4 merchants whose unmet thresholds of the next
    star are all within ``near_up``; ★0 (无星) → ★1 is about activity, not a distance, and is left out."""
    s = f["star"]
    x = f[(s.between(1, 4) & (f["up_max"] <= p.near_up)).to_numpy()]
    nxt = x["star"].astype(int) + 1
    gain = impact.set_index("star")["gain"].reindex(x["star"].astype(int)).to_numpy()
    need_a = pd.Series(x["up_amount"].to_numpy() * np.array([float(e) for e in (0, 0, *p.amount_edges)])[nxt])
    need_d = pd.Series(x["up_deposit"].to_numpy() * np.array([np.nan, np.nan, np.nan, *p.deposit_edges])[nxt])
    need_c = pd.Series(x["up_count"].to_numpy() * float(p.count_min))
    gap_txt = _join(
        _piece(x["up_amount"].to_numpy() > 0, "月均交易额差 " + format_values(need_a, ",.0f") + " 元("
               + _pct(x["up_amount"]) + ")"),
        _piece(np.nan_to_num(x["up_count"].to_numpy()) > 0, "月均笔数差 " + format_values(np.ceil(need_c - 1e-9), ",.0f")
               + " 笔(" + _pct(x["up_count"]) + ")"),
        _piece(np.nan_to_num(x["up_deposit"].to_numpy()) > 0, "结算户日均差 " + format_values(need_d, ",.0f") + " 元("
               + _pct(x["up_deposit"]) + ")"))
    # a reason where the next star's 结算户日均 condition is met; unknown (NA: 未计算因素) where the data lack it
    dep_ok = pd.array((nxt >= 3).to_numpy() & (x["up_deposit"].to_numpy() == 0), dtype="boolean")
    dep_ok[(nxt.to_numpy() >= 3) & x["dep_unknown"].to_numpy()] = pd.NA
    frame = pd.DataFrame({
        "cust_id": x.index.astype("string"), "star": x["star"].to_numpy(), "next_star": nxt.to_numpy(),
        "star_txt": ("★" + x["star"].astype(int).astype(str)).to_numpy(), "gap_txt": gap_txt.to_numpy(),
        "closeness": _closeness(x["up_max"], p.near_up), "gain": gain,
        "gain_txt": _money_txt(gain, "(升星预期结算户日均 +"), "dep_ok": dep_ok, **_shown(x)})
    rules = [Rule("close", "距★{next_star}: {gap_txt}", weight=50, value="closeness", name="门槛差距"),
             Rule("target", "目标★{next_star}{gain_txt}", weight=10, value="next_star", name="目标星级"),
             Rule("deposit", "结算户日均已达★{next_star}门槛", when="dep_ok", name="结算户日均")]
    b = ctx.base_label
    show = {"mch_name": "商户名称", "star_txt": "当前星级", "next_star": "目标星级", "amount": b("月均交易额"),
            "count": "月均笔数", "deposit": b("结算户日均"), "gain": b("升星预期日均增量")}
    return merchant_list(frame, rules, p.levels, p.strategy, ctx, f, sort_by=("gain", "amount"), show=show,
                         params=p)


def keep_list(f: pd.DataFrame, impact: pd.DataFrame, p: MerchantStarParams, ctx: RunContext):
    """保级名单 (SCENARIOS.md E2 临界: 距降星 ≤ 10%): ★2–★5 merchants with one of their own star's thresholds
    (月均交易额, ★2's 月均笔数, own 结算户日均) exceeded by ≤ ``near_keep``; ★1 → 无星 is about activity."""
    s = f["star"]
    x = f[(s.between(2, 5) & (f["keep_min"] <= p.near_keep)).to_numpy()]
    own = x["star"].astype(int)
    loss = impact.set_index("star")["gain"].reindex(own - 1).to_numpy()
    margin_txt = _join(
        _piece(x["keep_amount"].to_numpy() <= p.near_keep, "月均交易额仅高出 " + _pct(x["keep_amount"])),
        _piece(np.nan_to_num(x["keep_count"].to_numpy(), nan=np.inf) <= p.near_keep,
               "月均笔数仅高出 " + _pct(x["keep_count"])),
        _piece(np.nan_to_num(x["keep_deposit"].to_numpy(), nan=np.inf) <= p.near_keep,
               "结算户日均仅高出 " + _pct(x["keep_deposit"])))
    # no reason text (False) where 结算户日均 is known; unknown (NA: listed under 未计算因素) for ★3+ without it
    dep_known = pd.array(np.zeros(len(x), dtype=bool), dtype="boolean")
    dep_known[(own.to_numpy() >= 3) & x["dep_unknown"].to_numpy()] = pd.NA
    frame = pd.DataFrame({
        "cust_id": x.index.astype("string"), "star": own.to_numpy(), "down_star": (own - 1).to_numpy(),
        "star_txt": ("★" + own.astype(str)).to_numpy(), "margin_txt": margin_txt.to_numpy(),
        "closeness": _closeness(x["keep_min"], p.near_keep), "loss": loss,
        "loss_txt": _money_txt(loss, "(降一星预期结算户日均 −"), "dep_known": dep_known, **_shown(x)})
    rules = [Rule("margin", "★{star}门槛边缘: {margin_txt}", weight=50, value="closeness", name="门槛余量"),
             Rule("own", "当前★{star}{loss_txt}", weight=10, value="star", name="当前星级"),
             Rule("deposit", "", when="dep_known", name="结算户日均")]
    b = ctx.base_label
    show = {"mch_name": "商户名称", "star_txt": "当前星级", "amount": b("月均交易额"), "count": "月均笔数",
            "deposit": b("结算户日均")}
    return merchant_list(frame, rules, p.keep_levels, p.keep_strategy, ctx, f, sort_by=("deposit", "amount"),
                         show=show, params=p)


# ---------------------------------------------------------------------------------------------- tables
def _distribution(f: pd.DataFrame) -> pd.DataFrame:
    cur = f["state"].value_counts().reindex(STATES, fill_value=0)
    prev = f["prev_state"].value_counts().reindex(STATES, fill_value=0)
    n = int(cur.sum())
    return pd.DataFrame({"星级": list(STATES), "本月商户数": cur.to_numpy(dtype="int64"),
                         "上月商户数": prev.to_numpy(dtype="int64"),
                         "增减": (cur - prev).to_numpy(dtype="int64"),
                         "本月占比": (cur / n).to_numpy() if n else np.zeros(len(STATES))})


def _by_org(f: pd.DataFrame) -> pd.DataFrame:
    out, pv = org_table(f["org_id"], f["state"], STATES)
    out["★3及以上"] = pv[list(STAR_LABELS[3:])].sum(axis=1).to_numpy()
    out["合计"] = pv.sum(axis=1).to_numpy()
    return out.astype({"★3及以上": "int64", "合计": "int64"})


def _impact_table(impact: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    m, lab = ctx.money, ctx.money_label
    return pd.DataFrame({
        "星级": impact["星级"], "商户数": impact["商户数"], "有存款数据": impact["有存款数据"],
        lab("结算户日均合计"): m(impact["deposit_sum"]).round(2), "日均占比": impact["share"],
        lab("月均交易额合计"): m(impact["amount_sum"]).round(2), "沉淀率": impact["rate"],
        ctx.base_label("结算户日均中位数"): impact["median"].round(2),
        ctx.base_label("升一星预期日均增量"): impact["gain"].round(2)})


def _thresholds(p: MerchantStarParams, counts: pd.Series) -> pd.DataFrame:
    a, d = [float(x) for x in p.amount_edges], [float(x) for x in p.deposit_edges]
    cond = [f"每月 ≥ {p.active_count} 笔",
            f"★1 且 月均交易额 ≥ {a[0]:,.0f} 元 且 月均笔数 ≥ {p.count_min} 笔",
            *[f"★{k - 1} 且 月均交易额 ≥ {a[k - 2]:,.0f} 元 且 结算户日均 ≥ {d[k - 3]:,.0f} 元" for k in (3, 4, 5)]]
    return pd.DataFrame({"星级": list(STAR_LABELS[1:]), "条件(同时满足)": cond,
                         "月均交易额下限(元)": [np.nan, *a], "月均笔数下限": [float(p.active_count), float(p.count_min),
                                                                     np.nan, np.nan, np.nan],
                         "结算户日均下限(元)": [np.nan, np.nan, *d],
                         "本月商户数": counts.reindex(list(STAR_LABELS[1:]), fill_value=0).to_numpy(dtype="int64")})


def _rights(p: MerchantStarParams, counts: pd.Series) -> pd.DataFrame:
    df = pd.DataFrame([tuple(str(v) for v in r) for r in p.rights], columns=list(RIGHTS_HEAD))
    df["本月商户数"] = counts.reindex(df["星级"], fill_value=0).to_numpy(dtype="int64")
    return df


def _calibrated_rows(spec_id: str, p: MerchantStarParams) -> pd.DataFrame:
    t = params_table(replace(p, calibrate=False))
    t = t[t["参数"].isin(["amount_edges", "count_min", "deposit_edges", "calibrate"])].copy()
    t.loc[t["参数"] == "calibrate", "取值"] = "否"
    t.insert(0, "场景", spec_id)
    return t.reset_index(drop=True)


def _small_groups(impact: pd.DataFrame, min_group: int) -> str | None:
    """The note on the stars whose 升一星预期日均增量 is left blank for too few merchants with a known 结算户日均
    (fewer than ``min_group``, parameter 增量最小分组), e.g. ``★1 3 户、★4 14 户``; None when there are none.
    ``impact``: :func:`.compute.deposit_impact`'s frame."""
    few = impact[impact["有存款数据"] < min_group]
    if not len(few):
        return None
    counts = "、".join(f"{s} {n:,} 户" for s, n in zip(few["星级"], few["有存款数据"]))
    return (f"有结算户日均的商户少于 {min_group} 户的星级({counts}): 它与相邻星级之间的升一星预期日均增量留空"
            "(参数「增量最小分组」), 几户商户的中位数之差不代表升星的效果; 中位数照列, 仅供参考。")


def _list_blocks(lst, name: str, title: str, empty: str, **kw) -> list:
    """``lst.blocks(...)`` with the table's :attr:`Table.empty_note` set (why the list can be empty)."""
    blocks = lst.blocks(name, title, **kw)
    blocks[-1].empty_note = empty
    return blocks


def _detail(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    b = ctx.base_label
    delta = f["star"] - f["prev_star"]
    return pd.DataFrame({
        "商户号": pd.Series(f.index, dtype="string"), "商户名称": f["mch_name"].to_numpy(), "网点": f["org_id"].to_numpy(),
        "客户经理": f["mgr_id"].to_numpy(), "入网日期": f["open_date"].to_numpy(), "本月星级": f["state"].to_numpy(),
        "上月星级": f["prev_state"].to_numpy(), "星级变动": delta.to_numpy(), b("月均交易额"): f["amount"].round(2).to_numpy(),
        "月均笔数": f["count"].round(1).to_numpy(), b("结算户日均"): f["deposit"].round(2).to_numpy(),
        "沉淀率": f["rate"].to_numpy(),
        "仅按交易定星": np.where(f["dep_unknown"], "是(无结算户日均)", ""),
    }).astype({"商户号": "string", "网点": "string", "客户经理": "string", "本月星级": "string", "上月星级": "string"})


# ---------------------------------------------------------------------------------------------- run
def run(tables: Mapping[str, pd.DataFrame], params: MerchantStarParams, ctx: RunContext) -> Report:
    """Run E2 (see the module docstring)."""
    res = compute(tables, params, ctx)
    p, f = res.params, res.frame
    impact = deposit_impact(f, p.min_star_group)
    up = upgrade_list(f, impact, p, ctx)
    keep = keep_list(f, impact, p, ctx)
    points = staff_points(f, p.up_points, p.down_points)
    dist = _distribution(f)
    counts = dist.set_index("星级")["本月商户数"]
    starred = f["star"].notna()
    tags = tag_table(
        tag_rows("E2", "E2_STAR", "商户星级", f.index[starred.to_numpy()], ctx, params,
                 value=f.loc[starred, "star"], level=f.loc[starred, "state"]),
        up.tag_rows("E2", "E2_UPGRADE", "升星商户", ctx, params),
        keep.tag_rows("E2", "E2_KEEP", "保级商户", ctx, params))

    n_star, n_prev = int(starred.sum()), int(f["prev_star"].notna().sum())
    high, high_prev = int((f["star"] >= 3).sum()), int((f["prev_star"] >= 3).sum())
    known_dep = starred & f["deposit"].notna()
    dep_sum = float(f.loc[known_dep, "deposit"].sum()) if known_dep.any() else None
    up_gain = up.df[ctx.base_label("升星预期日均增量")] if len(up.df) else pd.Series(dtype="float64")
    gain_sum = float(up_gain.sum()) if up_gain.notna().any() else None
    small = _small_groups(impact, p.min_star_group)
    n_gain_blank = int(up_gain.isna().sum())
    gain_note = "升星名单商户各升一星, 按上一星与本星结算户日均中位数之差"
    if n_gain_blank:  # why: on 存款贡献 and 升星名单 (the 说明 cell prints one line)
        gain_note = f"各升一星: 上一星与本星日均中位数之差; {n_gain_blank:,} 户未计入(分组过少)"
    n_dep_unknown = int(f["dep_unknown"].sum())
    win = (f"{res.window[0]:%Y-%m} 至 {res.window[1]:%Y-%m}" if res.window else "数据未覆盖统计期")
    pwin = (f"{res.prev_window[0]:%Y-%m} 至 {res.prev_window[1]:%Y-%m}" if res.prev_window else "数据未覆盖")
    figures = [
        Figure("定星商户", n_star, "户", format="int", compare_label="上月", compare=n_prev if res.prev_window else None,
               note=f"统计期 {win}"),
        Figure("★3 及以上商户", high, "户", format="int", compare_label="上月",
               compare=high_prev if res.prev_window else None),
        Figure("结算户日均合计", None if dep_sum is None else ctx.money(dep_sum), ctx.unit,
               note=(f"{n_dep_unknown:,} 户无结算户数据, 仅按交易定星(未计入)" if n_dep_unknown else None)),
        Figure("升星名单", len(up.df), "户", format="int", note=f"距上一星门槛 ≤ {p.near_up:.0%}"),
        Figure("升星预期日均增量", None if gain_sum is None else ctx.money(gain_sum), ctx.unit,
               note=gain_note),
        Figure("员工积分净额", float(points["积分"].sum()) if len(points) else 0.0, "分", format="0.0",
               note=f"升一星 +{p.up_points:g} / 降一星 −{p.down_points:g}"),
    ]
    cal_line = []
    if p is not params:
        cal_line = ["门槛本次按分位数校准(参数「按分位数校准」= 是): 请把「门槛与权益」页的校准值填回参数表并改为否, 以后固定使用。"]
    elif params.calibrate:
        cal_line = ["参数「按分位数校准」= 是, 但数据不足以校准(需 ≥ 20 户可定星且有结算户数据的商户, 门槛递增): 仍用参数表的门槛。"]
    headline = Headline(figures=figures,
                        chart=Chart(table="e2_stars", categories="星级", series=["本月商户数", "上月商户数"],
                                    kind="column", title="各星级商户数(本月 vs 上月)", y_title="商户数", height=220),
                        actions="e2_upgrade_list", lines=[f"统计期 {win}(上月口径 {pwin}); 客户号 = 商户号。", *cal_line])

    b = ctx.base_label
    money0 = {b("月均交易额"): "money0", b("结算户日均"): "money0", b("升星预期日均增量"): "money0"}
    impact_t = _impact_table(impact, ctx)
    rights = _rights(p, counts)
    sheets = [
        Sheet("星级分布", [
            Note(lines=[f"星级按统计期 {win} 计算, 上月按 {pwin}; 同一门槛。新商户 = 入网晚于统计期首日; "
                        "数据不足 = 统计期某月无数据行或金额为空(缺月不补 0)。",
                        "上月星级不看商户状态(注销时间未知): 迁移表没有上月「已注销」一行, 本月注销的商户在「已注销」列。"]),
            Table(dist, name="e2_stars", title="星级分布(本月 vs 上月)", formats={"本月占比": "pct1"}),
            Table(transition_table(f["prev_state"], f["state"], STATES, "上月 \\ 本月",
                                   rows=[x for x in STATES if x != CLOSED]), name="e2_migration",
                  title="上月 → 本月星级迁移(商户数)"),
            Table(_by_org(f), name="e2_by_org", title="网点 × 星级(商户数)", text_columns=("网点",))]),
        Sheet("存款贡献", [
            Note(lines=["低成本存款贡献: 只计有结算户日均的商户; 沉淀率 = 结算户日均合计 ÷ 月均交易额合计; "
                        "升一星预期日均增量 = 上一星结算户日均中位数 − 本星中位数(上一星无数据时为空)。",
                        *([small] if small else [])]),
            Table(impact_t, name="e2_deposit", title="各星级结算户日均与沉淀率",
                  formats={"日均占比": "pct1", "沉淀率": "pct1", b("结算户日均中位数"): "money0",
                           b("升一星预期日均增量"): "money0"}),
            Chart(table="e2_deposit", categories="星级", series=[ctx.money_label("结算户日均合计")], kind="column",
                  title="各星级结算户日均合计", y_title=ctx.unit, height=240)]),
        Sheet("升星名单", _list_blocks(up, "e2_upgrade_list", f"升星名单(距上一星门槛 ≤ {p.near_up:.0%})",
                                       "本期没有接近上一星门槛的商户",
                                       lines=["客户号 = 商户号; 法人证件号脱敏显示。无星 → ★1 取决于每月是否有交易, 不在此名单。",
                                              *([f"升星预期日均增量空白的 {n_gain_blank:,} 户: 本星或目标星级有结算户日均"
                                                 f"的商户少于 {p.min_star_group} 户(参数「增量最小分组」)或没有, "
                                                 "增量未计算, 见「存款贡献」。"] if n_gain_blank else [])],
                                       formats=money0), print_role="detail"),
        Sheet("保级名单", _list_blocks(keep, "e2_keep_list", f"保级名单(本星门槛余量 ≤ {p.near_keep:.0%})",
                                       "本期没有接近降星的商户",
                                       lines=["客户号 = 商户号。★1 → 无星取决于每月是否有交易, 不在此名单。"],
                                       formats=money0, top_style="warn"), print_role="detail"),
        Sheet("员工积分", [
            Note(lines=[f"积分 = Σ 升星级数 × {p.up_points:g} − Σ 降星级数 × {p.down_points:g}【假设】;",
                        "只计本月与上月星级都已知的商户; 注销商户按降至 0 星;", "按客户经理(商户表的客户经理)汇总。"]),
            Table(points, name="e2_points", title="员工星级积分", text_columns=("网点", "客户经理"),
                  formats={"积分": "0.0"}, empty_note="没有两个月星级都已知的商户")]),
        Sheet("门槛与权益", [
            Note(lines=["门槛为参数(默认值【假设】), 含等号; 各星级须同时满足本星条件及以下各星条件。"
                        + ("" if not cal_line else " 本次门槛为分位数校准值。")]),
            Table(_thresholds(p, counts), name="e2_thresholds", title="星级门槛(本次使用)",
                  formats={"月均交易额下限(元)": "money0", "结算户日均下限(元)": "money0", "月均笔数下限": "int"},
                  widths={"条件(同时满足)": 56}),
            Table(rights, name="e2_rights", title="星级权益(参数「权益表」)"),
            *([Note(title="校准值(固化用)", lines=[
                "把下表各行的取值填入参数表对应行(或把本表另存为 CSV, 用 --params 指定), 「按分位数校准」改为否; 之后门槛固定。"]),
               Table(_calibrated_rows(SPEC_ID, p), name="e2_calibrated", title="校准后的参数", text_columns=("取值",),
                     widths={"说明": 50})] if res.calibrated else [])]),
        Sheet("商户明细", [Table(_detail(f, ctx), name="e2_detail", title="全部商户的星级(审计用)", role="detail",
                               text_columns=("商户号", "网点", "客户经理"),
                               formats={"入网日期": "date", "沉淀率": "pct1", "星级变动": "0;-0;0"})],
              print_role="detail"),
        tag_sheet(tags),
    ]
    report = Report(title="商户五星级分层", sheets=sheets, headline=headline)
    report.method = [
        "方法依据: 场景 E2 商户五星级分层; 缺月不补 0; 名单与标签按统一的名单规则。",
        f"统计期: 最近 {p.window_months} 个整月({win}); 月均交易额 = 金额合计(退货为负) ÷ 月数; 月均笔数同理; "
        "结算户日均 = 各月结算户日均按当月天数加权。",
        "星级(同时满足, 逐级): " + "; ".join(_thresholds(p, counts)["条件(同时满足)"].radd(
            pd.Series(list(STAR_LABELS[1:])) + " ")) + "。",
        "无结算户日均的商户仅按交易条件定星并在明细与名单的「未计算因素」中标注(不按 0 处理)。",
        f"升星名单: ★1–★4 商户, 下一星级未达到的各项门槛差距均 ≤ {p.near_up:.0%}; 保级名单: ★2–★5 商户, 本星某项门槛超出 ≤ "
        f"{p.near_keep:.0%}。",
        f"员工积分 = Σ 升星级数 × {p.up_points:g} − Σ 降星级数 × {p.down_points:g}【假设】。",
    ]
    notes = [f"升星名单{up.tie_break}", f"保级名单{keep.tie_break}",
             "名单的「客户号」为商户号; 客户标签按商户号(商户导出不含法人的客户号)。",
             "方法所列的活跃天数、产品持有数两项指标不在收单商户表中, 未用于定星。"]
    if n_dep_unknown:
        notes.append(f"{n_dep_unknown:,} 户商户统计期内缺结算户日均: 仅按交易定星(标注「仅按交易定星」), 不计入存款贡献。")
    n_cnt = int(f["count_unknown"].sum())
    if n_cnt:
        notes.append(f"{n_cnt:,} 户商户统计期内缺笔数: ★2 的笔数条件未判断(不作限制), ★1 按金额不为 0 判断有交易。")
    if res.future:
        notes.append(f"{res.future:,} 行月份晚于数据日期, 未使用。")
    if "merchants" not in tables:
        notes.append("未提供收单商户表: 商户名称、网点、客户经理、入网日期、状态取自月度表中的商户列(没有则为空)。")
    if res.calibrated:
        notes.append("门槛由分位数校准: " + ", ".join(f"{k} = {v}" for k, v in res.calibrated.items()) + "。")
    report.notes = notes + cal_line
    return report


SPEC_ID = "ebank.merchant_stars"
SPEC = Scenario(
    id=SPEC_ID, code="E2", title="商户五星级分层", group="电子银行",
    inputs=("merchant_monthly",), optional_inputs=("merchants",), params=MerchantStarParams, run=run,
    summary="收单商户按月均交易额、笔数与结算户日均分五星, 输出存款贡献、升星/保级名单与员工积分",
    as_of_from=("merchant_monthly", "month"), subject="merchant",
)
