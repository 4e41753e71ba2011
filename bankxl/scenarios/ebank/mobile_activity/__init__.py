"""E3 手机银行活跃 vs 存款; 授信未用客户 (SCENARIOS.md "E3", §0.7 缺月不补 0, §6 名单/标签, §7 月活口径).

Inputs: ``mobile_banking_monthly`` 手机银行月度 (required: 客户号, 月份; 登录次数, 动账笔数/金额, the parts 转账/缴费/
理财申购/贷款支用 笔数, 签约日, 签约状态 optional), ``customer_monthly`` 客户月度存款 (客户号, 月份, 存款月日均 元);
optional ``customers`` 客户 (identity, 手机银行签约, 客户状态) and ``credit_lines`` 授信 (客户号, 授信额度 元 required;
已用额度, 授信日, 到期日, 产品, 额度状态).

Method (parameters in brackets; defaults SCENARIOS.md E3 【假设】):

* Window: the last ``window_months`` (3) whole months (ending with the data date's month when it is the month's
  last day). A customer's monthly average of the ``tier_basis`` (登录次数 by default, §7; 动账笔数; or either)
  over the window months from his 签约 month on; a needed month without a row or value makes it unknown
  (缺月不补 0). Tiers: 高活 ≥ ``high_*`` (8 次 / 4 笔), 中活 ≥ ``mid_*`` (2), 低活 > 0, 沉默 = 0 every month (edges
  with 等号). 未签约 only when the data say so (latest 签约状态 matches ``unsigned_status``, or no activity rows
  and 客户.手机银行签约 = 否); a customer without activity rows otherwise is 未知, never 沉默. 客户状态 matching
  ``closed_status`` (销户/身故) is left out.
* 月活 (``active_basis`` 登录 by default, §7): a month with ≥ ``active_min`` logins (or 动账笔数); 月活率 = 月活 ÷
  signed customers with a known value that month.
* Deposits: 存款日均 = mean 存款月日均 of the window months the customer has (元). Medians by tier, and Spearman's
  ρ between the activity average and 存款日均 (signed customers with both known; average ranks + Pearson, scipy not
  needed).
* 积分提升法: monthly points = Σ ``point_weights`` × (登录, 转账, 缴费, 理财申购, 贷款支用) (without the parts: 动账笔数
  at the 转账 weight, said); window average; bands ``point_bands``; a customer within ``near_band`` (20%) below the
  next band's edge is pushed (积分推送名单); expected gain = ``push_conversion`` × Σ (next band's deposit median −
  own band's median).
* 结构提升法: target shares ``target_structure`` of 高/中/低活/沉默 among the tiered customers; expected deposit change =
  Σ_tier (target count − current count) × the tier's deposit median.
* 授信未用 (SCENARIOS.md E3): a line with 授信额度 > 0, 授信日 ≥ ``min_days_granted`` (30) days before the data date,
  not expired, status not ``line_inactive``, and 已用 = 0 or 已用 ÷ 额度 < ``unused_rate`` (10%). Per customer
  (一人多授信 summed): 得分 = ``expiry_points`` (60) when the earliest such line expires within ``expiry_days`` (60)
  + ``never_points`` (20) when nothing is drawn; levels A ≥ 60 (到期优先) / B ≥ 0; rank 得分 > 未用额度 > 客户号; 建议动作
  via App (tiers of ``app_tiers``: 高活 and 中活) or a call (低活/沉默/未签约/未知); 截止日 from ``strategy``, never
  after the last working day before the line's 到期日.

Outputs: 概览 (headline) · 活跃分层 (tiers, medians, Spearman, 月活 trend) · 提升测算 (structure and points methods) ·
授信未用名单 · 积分推送名单 (§6 lists) · 客户活跃明细 · 客户标签 (E3_TIER, E3_UNUSED_CREDIT, E3_POINTS_PUSH).
Errors: ParameterError before any input is read; DataValidationError for a missing required table/column (runner).
Row problems: DUP_KEY (客户号 + 月份 of 手机银行月度).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import coded_columns
from ....lists import Rule, check_levels, format_values, levels_param, score_list, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.identity import by_cust_id
from ....rules.transactions import check_regex
from ....scenario import RunContext, Scenario, param
from ....tables import MB_UNSIGNED
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import (BASIS, GROUPS, POINT_ITEMS, TIERS, Matrix, average, band_labels, band_of, dedupe, found,
                      medians_by, month_matrix, spearman, tier_of, window)

CREDIT_FIELDS = ("channel", "unused", "end_txt", "product", "tier", "n_lines")
PUSH_FIELDS = ("gap", "next_band", "band", "points")


@dataclass(frozen=True)
class MobileActivityParams:
    """Parameters of E3 (defaults SCENARIOS.md E3 【假设】, §7 月活口径 登录)."""

    window_months: int = param(3, "统计月数", "月", "分层与存款按最近 N 个整月计算(数据日期为月末时含当月, 否则到上月)",
                               min=1, max=12)
    tier_basis: str = param("logins", "分层口径", None, "按月均登录次数、月均动账笔数, 或两者任一达标分层",
                            choices={"logins": "登录次数", "txn": "动账笔数", "either": "登录或动账(任一达标)"})
    high_logins: float = param(8.0, "高活登录门槛", "次/月", "月均登录 ≥ 该值为高活(含等号)", max=10_000)
    mid_logins: float = param(2.0, "中活登录门槛", "次/月", "月均登录 ≥ 该值为中活; 大于 0 而低于它为低活", max=10_000)
    high_txn: float = param(4.0, "高活动账门槛", "笔/月", "月均动账 ≥ 该值为高活(含等号)", max=10_000)
    mid_txn: float = param(2.0, "中活动账门槛", "笔/月", "月均动账 ≥ 该值为中活; 大于 0 而低于它为低活", max=10_000)
    active_basis: str = param("logins", "月活口径", None, "当月登录(或动账)达到「月活最少次数」即为月活",
                              choices={"logins": "登录", "txn": "动账"})
    active_min: int = param(1, "月活最少次数", "次", "当月登录次数(或动账笔数) ≥ 该值为月活", min=1, max=1000)
    unsigned_status: str = param(MB_UNSIGNED, "未签约状态(正则)", None,
                                 "手机银行月度的最新签约状态匹配即为未签约(数据明示, 不是未知)")
    closed_status: str = param("销户|身故|注销", "剔除的客户状态(正则)", None, "客户表的客户状态匹配即剔除(不分层、不列名单)")
    point_weights: tuple = param((1.0, 2.0, 2.0, 5.0, 5.0), "行为积分权重", "分/次",
                                 "登录、转账、缴费、理财申购、贷款支用每次的积分(SCENARIOS.md E3 积分提升法)")
    point_bands: tuple = param((10.0, 30.0, 60.0, 100.0), "积分档", "分/月", "月均行为积分的分档下限(含等号), 递增",
                               increasing=True)
    near_band: float = param(0.2, "距下一积分档比例", None, "月均积分距下一档下限不超过该比例的客户进入推送名单", min=0, max=0.9)
    push_conversion: float = param(0.3, "推送转化率", None, "积分推送客户中预计升一档的比例【假设】, 用于预期存款增量",
                                   min=0, max=1)
    target_structure: tuple = param((25.0, 35.0, 20.0, 20.0), "目标层级结构", "%",
                                    "高活/中活/低活/沉默的目标占比, 合计 100【假设】")
    min_days_granted: int = param(30, "授信后观察天数", "天", "授信日距数据日期至少这么多天才判断是否未用", max=3650)
    unused_rate: float = param(0.10, "未用使用率上限", None, "已用额度 ÷ 授信额度低于该值视为未用(已用为 0 总是未用)",
                               min=0, max=1)
    expiry_days: int = param(60, "到期优先天数", "天", "授信到期日在数据日期后该天数内的客户优先", max=3660)
    expiry_points: float = param(60.0, "临近到期得分", "分", "授信在「到期优先天数」内到期的得分", max=1000)
    never_points: float = param(20.0, "从未支用得分", "分", "已用额度为 0 的得分", max=1000)
    line_inactive: str = param("冻结|失效|终止|注销|关闭|撤销|止付", "剔除的额度状态(正则)", None,
                               "额度状态匹配即不列入授信未用(冻结/失效额度)")
    app_tiers: str = param("mid", "App 推送层级", None, "这些层级的客户用 App 推送, 其余(含未签约、未知)电话外呼",
                           choices={"mid": "高活与中活", "high": "仅高活"})
    channel_app: str = param("App 推送", "活跃客户渠道", None, "建议动作中活跃客户的触达方式 {channel}")
    channel_call: str = param("电话外呼", "其他客户渠道", None, "建议动作中不活跃、未签约或活跃度未知客户的触达方式 {channel}")
    levels: tuple = levels_param((("A", 60), ("B", 0)),
                                 help="授信未用名单: 得分 = 临近到期得分 + 从未支用得分; 默认 A ≥ 60 即 60 天内到期")
    strategy: tuple = strategy_param((("A", "{channel}: 额度 {end_txt} 到期, 到期前提醒用信或续授信(未用 {unused:,.0f} 元)", 3),
                                      ("B", "{channel}: 提醒用信(未用 {unused:,.0f} 元, {product})", 10)),
                                     help="授信未用名单每个等级的动作与截止日; 可用 {channel} 渠道、{unused} 未用额度、"
                                          "{end_txt} 到期日、{product} 产品、{tier} 活跃层级、{n_lines} 笔数")
    push_levels: tuple = param((("A", 90), ("B", 0)), "推送名单等级", "分",
                               "积分推送名单: 得分 = 月均积分 ÷ 下一档下限 × 100")
    push_strategy: tuple = param((("A", "App 推送积分任务: 再得 {gap:.1f} 分升至「{next_band}」档", 5),
                                  ("B", "App 推送积分任务(差 {gap:.1f} 分), 月末回看", 10)), "推送名单策略", "工作日",
                                 "积分推送名单每个等级的动作与截止日; 可用 {gap} 差距分、{next_band} 下一档、{band}、{points}")

    def check(self) -> None:
        """中活 below 高活 for both bases, 5 point weights, 4 target shares summing to 100, regexes, list levels.
        Raises :class:`ParameterError`."""
        for hi, mid, zh in (("high_logins", "mid_logins", "登录"), ("high_txn", "mid_txn", "动账")):
            if not 0 < getattr(self, mid) < getattr(self, hi):
                raise ParameterError(
                    f"参数「中活{zh}门槛({mid})」应大于 0 且小于「高活{zh}门槛({hi})」; 给定 {getattr(self, mid)} / "
                    f"{getattr(self, hi)}。",
                    f"{mid} must be above 0 and below {hi}; got {getattr(self, mid)} / {getattr(self, hi)}.")
        if len(self.point_weights) != len(POINT_ITEMS):
            raise ParameterError(f"参数「行为积分权重(point_weights)」应为 5 个数(登录、转账、缴费、理财申购、贷款支用), "
                                 f"给定 {self.point_weights}。",
                                 f"point_weights needs 5 numbers (logins, transfers, payments, wm buys, loan draws); "
                                 f"got {self.point_weights}.")
        shares = [float(x) for x in self.target_structure]
        if len(shares) != len(TIERS) or abs(sum(shares) - 100.0) > 0.01:
            raise ParameterError(f"参数「目标层级结构(target_structure)」应为 4 个占比(高活、中活、低活、沉默), 合计 100; "
                                 f"给定 {self.target_structure}。",
                                 f"target_structure needs 4 shares (high, mid, low, silent) summing to 100; "
                                 f"got {self.target_structure}.")
        for name in ("unsigned_status", "closed_status", "line_inactive"):
            check_regex(self, name)
        check_levels(self.levels, self.strategy, CREDIT_FIELDS)
        check_levels(self.push_levels, self.push_strategy, PUSH_FIELDS, ids=("push_levels", "push_strategy"),
                     labels=("推送名单等级", "推送名单策略"))


# ---------------------------------------------------------------------------------------------- activity
@dataclass
class Activity:
    """Per customer (``frame``, index 客户号) and per month (``mau``) results of :func:`activity`."""

    frame: pd.DataFrame
    mau: pd.DataFrame
    months: pd.PeriodIndex
    closed: pd.Index
    points_items: list[str]
    points_missing: list[str]
    txn_as_transfer: bool
    basis_missing: list[str]


def _codes(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Position in ``ids`` of each 客户号 of ``values`` after trimming (-1: missing or not in ``ids``); the trim runs
    once per distinct 客户号, not per monthly row."""
    codes, uniq = pd.factorize(values.astype("string"))
    pos = ids.get_indexer(pd.Index(pd.Series(uniq, dtype="string").str.strip().fillna("")))
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], -1) if len(uniq) else np.full(len(values), -1)


def _distinct_ids(values: pd.Series) -> pd.Series:
    """The distinct trimmed 客户号 of ``values`` (``string``; missing left out), trimmed once per distinct value."""
    return pd.Series(values.astype("string").unique(), dtype="string").str.strip().dropna()


def _mpos(months: pd.Series, first: pd.Period, k: int) -> np.ndarray:
    """Position of each month in a window starting at ``first`` (-1 outside or missing)."""
    m = months.dt.year * 12 + months.dt.month - (first.year * 12 + first.month)
    m = m.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isfinite(m) & (m >= 0) & (m < k), np.nan_to_num(m, nan=-1), -1).astype(np.int64)


def activity(tables: Mapping[str, pd.DataFrame], p: MobileActivityParams, ctx: RunContext) -> Activity:
    """Tiers, 月活, deposits and points per customer (see the module docstring).

    ``frame`` columns: group (0..5 = :data:`GROUPS`), tier (中文), avg_logins, avg_txn (per month), measure (the
    ``tier_basis`` average; for 'either' the login average), active_now (boolean, <NA> unknown), dep (存款日均 元),
    points (月均积分), band (积分档 index, -1 unknown), signup_date, org_id, mgr_id."""
    mb = dedupe(tables["mobile_banking_monthly"], ["cust_id", "month"], "mobile_banking_monthly", ctx)
    # 客户月度存款 as 客户号 codes + 月份/存款月日均 (frames.coded_columns; read through DuckDB: computed there)
    cm = coded_columns(tables["customer_monthly"], "cust_id", ("month", "dep_avg"))
    cm_ids = pd.Series(cm.keys, dtype="string").str.strip()  # its distinct 客户号, trimmed once each
    cust = by_cust_id(tables.get("customers"))
    months = window(ctx.as_of, int(p.window_months))
    k, end = len(months), months[-1]

    all_ids = pd.Index(pd.concat([pd.Series(cust.index, dtype="string"), _distinct_ids(mb["cust_id"]),
                                  cm_ids]).unique())
    all_ids = all_ids[all_ids != ""].sort_values()
    closed_ids = pd.Index([], dtype="string")
    if "cust_status" in cust.columns:
        st = cust["cust_status"].astype("string")
        closed_ids = cust.index[st.str.contains(p.closed_status, regex=True).fillna(False).to_numpy()]
    ids = all_ids.difference(closed_ids)
    n = len(ids)

    # latest activity row per customer: 签约状态, 签约日, 机构号
    mbc = _codes(mb["cust_id"], ids)
    last = mb.assign(_c=mbc)[mbc >= 0].sort_values(["_c", "month"], kind="stable").drop_duplicates("_c", keep="last")
    has_rows = np.zeros(n, dtype=bool)
    has_rows[last["_c"].to_numpy()] = True
    status = pd.Series(pd.NA, index=range(n), dtype="string")
    status[last["_c"].to_numpy()] = last["signup_status"].astype("string").to_numpy()
    signup = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    signup[last["_c"].to_numpy()] = last["signup_date"].to_numpy(dtype="datetime64[ns]")
    flag = (pd.Series(cust["mobile_banking"].reindex(ids).to_numpy(), dtype="boolean") if "mobile_banking" in cust
            else pd.Series(pd.NA, index=range(n), dtype="boolean"))
    unsigned = (status.str.contains(p.unsigned_status, regex=True).fillna(False).to_numpy(dtype=bool)
                | (~has_rows & flag.eq(False).fillna(False).to_numpy(dtype=bool)))

    # customers × window months
    mpos = _mpos(mb["month"], months[0], k)
    smonth = pd.Series(signup).dt.to_period("M")
    s_idx = (smonth.dt.year * 12 + smonth.dt.month).to_numpy(dtype="float64", na_value=np.nan)
    w_idx = np.array([m.year * 12 + m.month for m in months], dtype="float64")
    need = ~(s_idx[:, None] > w_idx[None, :])  # months from the 签约 month on (签约日 unknown: every month)
    mat = {c: month_matrix(mb, c, mbc, mpos, (n, k)) for c in {*POINT_ITEMS, "txn_count"}}
    avg_l = average(mat["logins"], need)
    avg_t = average(mat["txn_count"], need)
    t_l = tier_of(avg_l, p.high_logins, p.mid_logins)
    t_t = tier_of(avg_t, p.high_txn, p.mid_txn)
    if p.tier_basis == "logins":
        tier, measure = t_l, avg_l
    elif p.tier_basis == "txn":
        tier, measure = t_t, avg_t
    else:  # either: the better of the two, known only when both are
        tier = np.where((t_l >= 0) & (t_t >= 0), np.minimum(t_l, t_t), -1)
        measure = avg_l
    group = np.where(unsigned, 4, np.where(tier >= 0, tier, 5))
    basis_missing = [zh for key, (col, zh) in BASIS.items()
                     if (p.tier_basis in (key, "either") or p.active_basis == key) and not found(mb, col)]

    # 月活 per month (last 12 months of data up to the window's end) and this month's flag
    col = BASIS[p.active_basis][0]
    mstat = mb["signup_status"].astype("string").str.contains(p.unsigned_status, regex=True).fillna(False)
    per = mb["month"].dt.to_period("M")
    rows = mb[(~mstat).to_numpy() & (mbc >= 0) & (per <= end).to_numpy() & (per > end - 12).to_numpy()]
    v = pd.to_numeric(rows[col], errors="coerce") if col in rows else pd.Series(np.nan, index=rows.index)
    act = (v >= p.active_min).astype("boolean").mask(v.isna())
    g = pd.DataFrame({"month": rows["month"].dt.to_period("M"), "known": act.notna(), "active": act.fillna(False)})
    mau = g.groupby("month", sort=True)[["known", "active"]].sum()
    mau = pd.DataFrame({"月份": mau.index.astype(str), "有数据客户数": mau["known"].to_numpy(dtype="int64"),
                        "月活客户数": mau["active"].to_numpy(dtype="int64")})
    with np.errstate(invalid="ignore", divide="ignore"):
        mau["月活率"] = np.where(mau["有数据客户数"] > 0, mau["月活客户数"] / mau["有数据客户数"].replace(0, 1), np.nan)
    now = mat["logins" if p.active_basis == "logins" else "txn_count"].v[:, k - 1]
    active_now = pd.array(now >= p.active_min, dtype="boolean")
    active_now[np.isnan(now)] = pd.NA
    active_now[unsigned] = False

    # deposits: mean 存款月日均 of the window months the customer has
    pos = ids.get_indexer(pd.Index(cm_ids.fillna("")))  # as _codes: the trimmed 客户号's position in ids
    cc = np.where(cm.codes >= 0, pos[np.maximum(cm.codes, 0)], -1) if len(pos) else np.full(len(cm), -1)
    cpos = _mpos(cm.frame["month"], months[0], k)
    dv = pd.to_numeric(cm.frame["dep_avg"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ok = (cc >= 0) & (cpos >= 0) & ~np.isnan(dv)
    with np.errstate(invalid="ignore", divide="ignore"):
        dep = np.bincount(cc[ok], dv[ok], minlength=n) / np.bincount(cc[ok], minlength=n)

    # 积分提升法: monthly points
    w = dict(zip(POINT_ITEMS, (float(x) for x in p.point_weights)))
    items = [c for c in POINT_ITEMS if found(mb, c)]
    txn_as_transfer = not any(c != "logins" for c in items) and found(mb, "txn_count")
    used = items + (["txn_count"] if txn_as_transfer else [])
    if used:
        pts = sum(mat[c].v * (w["transfers"] if c == "txn_count" else w[c]) for c in used)
        points = average(Matrix(pts, mat["logins"].row), need)
    else:
        points = np.full(n, np.nan)
    points = np.where(unsigned, np.nan, points)
    missing = [] if txn_as_transfer else [POINT_ITEMS[c] for c in POINT_ITEMS if c not in items]

    org = pd.Series(pd.NA, index=range(n), dtype="string")  # 客户表's outlet, else the activity rows'
    org[last["_c"].to_numpy()] = last["org_id"].astype("string").to_numpy()
    if "org_id" in cust.columns:
        org = pd.Series(cust["org_id"].reindex(ids).to_numpy(), dtype="string").fillna(org)
    frame = pd.DataFrame({
        "group": group, "tier": pd.array(np.array(GROUPS, dtype=object)[group], dtype="string"),
        "avg_logins": np.where(unsigned, np.nan, avg_l), "avg_txn": np.where(unsigned, np.nan, avg_t),
        "measure": np.where(unsigned, np.nan, measure),
        "active_now": active_now, "dep": dep, "points": points,
        "band": band_of(points, p.point_bands), "signup_date": signup, "org_id": org.to_numpy(),
    }, index=pd.Index(ids, name="cust_id"))
    return Activity(frame, mau, months, all_ids.intersection(closed_ids), used, missing, txn_as_transfer, basis_missing)


# ---------------------------------------------------------------------------------------------- analyses
def tier_table(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """One row per group (高活 … 未知): 客户数, 占比 (of the tiered customers; blank for 未签约/未知), 有存款数据,
    存款日均 median and mean (元), mean monthly logins and 动账笔数."""
    g = f["group"].to_numpy()
    counts = np.bincount(g, minlength=len(GROUPS))
    tiered = counts[: len(TIERS)].sum()
    dep = f["dep"].to_numpy()
    known = np.bincount(g[~np.isnan(dep)], minlength=len(GROUPS))
    med = medians_by(g, dep, len(GROUPS))
    mean = pd.Series(dep).groupby(g).mean().reindex(range(len(GROUPS))).to_numpy(dtype="float64")
    logins = pd.Series(f["avg_logins"].to_numpy()).groupby(g).mean().reindex(range(len(GROUPS)))
    txn = pd.Series(f["avg_txn"].to_numpy()).groupby(g).mean().reindex(range(len(GROUPS)))
    share = np.where(np.arange(len(GROUPS)) < len(TIERS), counts / max(tiered, 1), np.nan) if tiered else \
        np.full(len(GROUPS), np.nan)
    b = ctx.base_label
    return pd.DataFrame({"层级": list(GROUPS), "客户数": counts.astype("int64"), "占比(分层客户)": share,
                         "有存款数据": known.astype("int64"), b("存款日均中位数"): np.round(med, 2),
                         b("存款日均均值"): np.round(mean, 2), "月均登录次数": logins.round(1).to_numpy(),
                         "月均动账笔数": txn.round(1).to_numpy()})


def structure_table(f: pd.DataFrame, p: MobileActivityParams, ctx: RunContext) -> tuple[pd.DataFrame, float | None]:
    """结构提升法 (SCENARIOS.md E3): per tier current count/share, target share (``target_structure``) and count
    (share × tiered customers, 2 decimals), difference, the tier's 存款日均 median and the expected change =
    difference × median (元). Returns (table, total; None when no tier has a median)."""
    g = f["group"].to_numpy()
    cur = np.bincount(g, minlength=len(GROUPS))[: len(TIERS)].astype("float64")
    total = cur.sum()
    target = np.array([float(x) for x in p.target_structure]) / 100.0
    tgt = target * total
    med = medians_by(g, f["dep"].to_numpy(), len(TIERS))
    change = (tgt - cur) * med
    b = ctx.base_label
    t = pd.DataFrame({"层级": list(TIERS), "当前客户数": cur.astype("int64"),
                      "当前占比": cur / total if total else np.full(len(TIERS), np.nan), "目标占比": target,
                      "目标客户数": np.round(tgt, 2), "客户数差": np.round(tgt - cur, 2),
                      b("存款日均中位数"): np.round(med, 2), b("预期存款变化"): np.round(change, 2)})
    ok = ~np.isnan(change)
    return t, (float(change[ok].sum()) if ok.any() else None)


def points_tables(f: pd.DataFrame, p: MobileActivityParams, ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """积分提升法: (band table, push frame). Band table per 积分档: 客户数, 存款日均 median (元), 升一档预期增量 =
    next band's median − this band's (元), 推送客户数. Push frame: customers (signed, points known, not in the top
    band) whose 月均积分 ≥ (1 − ``near_band``) × the next band's lower edge — cust_id, points, band, next_band,
    edge, gap (points to go), gain (元, NaN when a median is missing), score (points ÷ edge × 100)."""
    labels = band_labels(p.point_bands)
    nb = len(labels)
    band = f["band"].to_numpy()
    med = medians_by(band, f["dep"].to_numpy(), nb)
    gain = np.append(med[1:] - med[:-1], np.nan)
    edges = np.array([float(x) for x in p.point_bands] + [np.nan])
    pts = f["points"].to_numpy()
    cand = (band >= 0) & (band < nb - 1)
    edge = np.where(cand, edges[np.clip(band, 0, nb - 1)], np.nan)
    with np.errstate(invalid="ignore"):
        push = cand & (pts >= (1 - p.near_band) * edge)
    counts = np.bincount(band[band >= 0], minlength=nb)
    pushed = np.bincount(band[push], minlength=nb)
    b = ctx.base_label
    t = pd.DataFrame({"积分档(分/月)": labels, "客户数": counts.astype("int64"), b("存款日均中位数"): np.round(med, 2),
                      b("升一档预期增量"): np.round(gain, 2), "推送客户数": pushed.astype("int64")})
    x = f[push]
    bx = band[push]
    frame = pd.DataFrame({
        "cust_id": pd.Series(x.index, dtype="string"), "points": np.round(pts[push], 1),
        "band": np.array(labels, dtype=object)[bx], "next_band": np.array(labels, dtype=object)[bx + 1],
        "edge": edge[push], "gap": np.round(edge[push] - pts[push], 1), "gain": np.round(gain[bx], 2),
        "score": np.round(pts[push] / edge[push] * 100, 1), "tier": x["tier"].to_numpy(),
        "dep": np.round(x["dep"].to_numpy(), 2)})
    return t, frame


@dataclass
class Credit:
    """Granted-but-unused credit per customer (``frame``: one row per listed customer) and the counts 说明 gives."""

    frame: pd.DataFrame
    counts: dict


def unused_credit(cl: pd.DataFrame | None, f: pd.DataFrame, closed: pd.Index, p: MobileActivityParams,
                  ctx: RunContext) -> Credit | None:
    """授信未用 (SCENARIOS.md E3) per customer from ``credit_lines`` (None: no table). A line counts when 授信额度 >
    0, 授信日 ≤ data date − ``min_days_granted``, 到期日 ≥ data date (blank: no end), 额度状态 not ``line_inactive``,
    and 已用 = 0 or 已用 ÷ 额度 < ``unused_rate``; 已用 or 授信日 blank = unknown (not listed, counted). Frame columns:
    cust_id, n_lines, limit, used, unused (= Σ 额度 − 已用, 元), use_rate, never (all lines 已用 0), end (earliest
    到期日 of the lines), days_left, expiring (boolean; <NA> when no line has a 到期日), product (of the line with the
    most unused), tier, channel, end_txt, org_id, mgr_id (the lines' when the 客户 table lacks them)."""
    if cl is None:
        return None
    as_of = ctx.as_of
    d = cl.assign(cust_id=cl["cust_id"].astype("string").str.strip())
    limit = pd.to_numeric(d["limit"], errors="coerce")
    used = pd.to_numeric(d["used"], errors="coerce")
    inactive = d["status"].astype("string").str.contains(p.line_inactive, regex=True).fillna(False)
    expired = d["end_date"].notna() & (d["end_date"] < as_of)
    no_cust = d["cust_id"].isna() | d["cust_id"].eq("") | d["cust_id"].isin(closed)
    base = limit.gt(0).fillna(False) & ~inactive & ~expired & ~no_cust
    young = d["start_date"] > as_of - pd.Timedelta(days=int(p.min_days_granted))
    unknown = base & (used.isna() | d["start_date"].isna())
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = used / limit
    ok = base & ~unknown & ~young.fillna(False) & (used.eq(0) | rate.lt(p.unused_rate)).fillna(False)
    counts = {"lines": len(d), "inactive": int(inactive.sum()), "expired": int((expired & ~inactive).sum()),
              "zero_limit": int((~limit.gt(0).fillna(False)).sum()), "unknown": int(unknown.sum()),
              "young": int((base & ~unknown & young.fillna(False)).sum()), "closed": int(d["cust_id"].isin(closed).sum()),
              "listed_lines": int(ok.sum())}
    x = d[ok.to_numpy()].assign(_lim=limit[ok], _used=used[ok], _free=(limit - used)[ok])
    if x.empty:
        return Credit(pd.DataFrame(columns=["cust_id"]), counts)
    key, uniq = pd.factorize(x["cust_id"])
    n = len(uniq)
    lim = np.bincount(key, x["_lim"].to_numpy(), minlength=n)
    use = np.bincount(key, x["_used"].to_numpy(), minlength=n)
    free = np.bincount(key, x["_free"].to_numpy(), minlength=n)
    nl = np.bincount(key, minlength=n)
    end = pd.Series(x["end_date"].to_numpy(), index=key).groupby(level=0).min().reindex(range(n))
    top = x.assign(_k=key).sort_values(["_k", "_free"], ascending=[True, False], kind="stable").drop_duplicates("_k")
    product = pd.Series(top["product"].astype("string").to_numpy(), index=top["_k"].to_numpy()).reindex(range(n))
    days_left = (end - as_of).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    expiring = pd.array(days_left <= p.expiry_days, dtype="boolean")
    expiring[np.isnan(days_left)] = pd.NA
    tier = f["tier"].reindex(pd.Index(uniq, dtype="string")).astype("string").fillna("未知").to_numpy()
    app = {"mid": ("高活", "中活"), "high": ("高活",)}[p.app_tiers]
    frame = pd.DataFrame({
        "cust_id": pd.Series(uniq, dtype="string"), "n_lines": nl.astype("int64"), "limit": lim, "used": use,
        "unused": np.round(free, 2), "use_rate": np.where(lim > 0, use / np.where(lim > 0, lim, 1), np.nan),
        "never": use == 0, "end": end.to_numpy(dtype="datetime64[ns]"), "days_left": days_left, "expiring": expiring,
        "product": product.fillna("").to_numpy(), "tier": tier,
        "channel": np.where(np.isin(tier, app), p.channel_app, p.channel_call),
        "end_txt": end.dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
        "tier_known": pd.array(np.where(np.isin(tier, ("未知",)), None, True), dtype="boolean"),
    })
    for c in ("org_id", "mgr_id"):  # the lines' outlet/manager, for a bank without the 客户 table
        if c in x.columns:
            frame[c] = pd.Series(x[c].astype("string").to_numpy(), index=key).groupby(level=0).first().reindex(
                range(n)).to_numpy()
    return Credit(frame, counts)


def credit_list(cr: Credit, customers: pd.DataFrame | None, p: MobileActivityParams, ctx: RunContext):
    """The §6 授信未用名单 (:func:`bankxl.lists.score_list`): 得分 = ``expiry_points`` (earliest line expires within
    ``expiry_days``; 到期日 blank = 未计算因素) + ``never_points`` (已用 0); 使用率 and 活跃层级 are reasons without
    points; rank 得分 > 未用额度 > 客户号. 截止日 is then capped at the last working day before the earliest 到期日
    (never before the data date's next working day)."""
    fr = cr.frame.assign(rate_txt=format_values(pd.Series(cr.frame["use_rate"]), ".1%").fillna("")) \
        if len(cr.frame) else cr.frame.assign(rate_txt=pd.Series(dtype="string"))
    for c in ("n_lines", "limit", "used", "unused", "use_rate", "never", "end", "days_left", "expiring", "product",
              "tier", "channel", "end_txt", "tier_known"):
        if c not in fr.columns:
            fr[c] = pd.Series(dtype="object")
    fr = fr.assign(low=~fr["never"].astype("boolean").fillna(False))
    rules = [Rule("expiring", "额度 {end_txt} 到期(剩 {days_left:.0f} 天)", points=p.expiry_points, when="expiring",
                  name="授信到期日"),
             Rule("never", "授信后未支用(已用 0 元)", points=p.never_points, when="never", name="从未支用"),
             Rule("low", "使用率 {rate_txt}", when="low", name="使用率"),
             Rule("tier", "手机银行{tier}({channel})", when="tier_known", name="手机银行活跃度")]
    b = ctx.base_label
    show = {"product": "产品", "n_lines": "未用授信笔数", "unused": b("未用额度"), "use_rate": "使用率",
            "end": "最早到期日"}  # 活跃层级 and 渠道 are in 原因 / 建议动作 (a list that prints on one page width)
    lst = score_list(fr, rules, p.levels, p.strategy, ctx, sort_by=("unused",), amount="unused",
                     customers=customers if customers is not None and len(customers) else fr, show=show)
    if len(lst.df):
        end = pd.to_datetime(lst.df["最早到期日"])
        cap = pd.Series(ctx.calendar.previous_workday(end - pd.Timedelta(days=1)), index=end.index)
        floor = ctx.calendar.add_workdays(ctx.as_of, 0)
        capped = cap.clip(lower=floor)
        lst.df["截止日"] = lst.df["截止日"].where(capped.isna() | (lst.df["截止日"] <= capped), capped)
    lst.note.append("截止日不晚于最早到期日前的最后一个工作日(已到期前来不及的, 取数据日期后的第一个工作日)。")
    return lst


def push_list(frame: pd.DataFrame, customers: pd.DataFrame | None, p: MobileActivityParams, ctx: RunContext):
    """积分推送名单 (SCENARIOS.md E3 积分提升法, §6): 得分 = 月均积分 ÷ 下一档下限 × 100; rank 得分 > 升一档预期增量 >
    客户号."""
    rules = [Rule("close", "月均积分 {points:.1f}, 距「{next_band}」档差 {gap:.1f} 分", weight=1.0, value="score",
                  name="积分差距")]
    b = ctx.base_label
    show = {"points": "月均积分", "next_band": "下一积分档", "gap": "差距(分)", "dep": b("存款日均"),
            "gain": b("升一档预期增量")}
    return score_list(frame, rules, p.push_levels, p.push_strategy, ctx, sort_by=("gain", "dep"), amount="gain",
                      customers=customers if customers is not None and len(customers) else frame, show=show,
                      params=p)


# ---------------------------------------------------------------------------------------------- report
def _detail(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    b = ctx.base_label
    act = f["active_now"].astype("boolean")
    return pd.DataFrame({
        "客户号": pd.Series(f.index, dtype="string"), "机构号": f["org_id"].to_numpy(), "活跃层级": f["tier"].to_numpy(),
        "月均登录次数": f["avg_logins"].round(2).to_numpy(), "月均动账笔数": f["avg_txn"].round(2).to_numpy(),
        "本月月活": pd.Series(np.where(act.isna(), "", np.where(act.fillna(False), "是", "否")), dtype="string").to_numpy(),
        "月均积分": f["points"].round(1).to_numpy(), b("存款日均"): f["dep"].round(2).to_numpy(),
        "签约日": f["signup_date"].to_numpy()}).astype({"机构号": "string", "活跃层级": "string"})


def _list_blocks(lst, name: str, title: str, empty: str, **kw) -> list:
    blocks = lst.blocks(name, title, **kw)
    blocks[-1].empty_note = empty
    return blocks


def run(tables: Mapping[str, pd.DataFrame], p: MobileActivityParams, ctx: RunContext) -> Report:
    """Run E3 (see the module docstring)."""
    a = activity(tables, p, ctx)
    f = a.frame
    customers = tables.get("customers")
    tiers = tier_table(f, ctx)
    rho, n_rho = spearman(pd.Series(f["measure"].to_numpy()).where(f["group"].to_numpy() < len(TIERS)),
                          pd.Series(f["dep"].to_numpy()))
    struct, struct_gain = structure_table(f, p, ctx)
    bands, push_frame = points_tables(f, p, ctx)
    push = push_list(push_frame, customers, p, ctx)
    push_gain = (float(push_frame["gain"].sum()) * p.push_conversion) if push_frame["gain"].notna().any() else None
    cr = unused_credit(tables.get("credit_lines"), f, a.closed, p, ctx)
    credit = credit_list(cr if cr is not None else Credit(pd.DataFrame(columns=["cust_id"]), {}), customers, p, ctx)

    basis_zh = {"logins": "月均登录次数", "txn": "月均动账笔数", "either": "月均登录次数(任一达标口径)"}[p.tier_basis]
    win = f"{a.months[0]:%Y-%m} 至 {a.months[-1]:%Y-%m}"
    known = f["group"].to_numpy() < len(TIERS)
    tags = tag_table(
        tag_rows("E3", "E3_TIER", "手机银行活跃层级", f.index[known | (f["group"].to_numpy() == 4)], ctx, p,
                 value=f.loc[known | (f["group"].to_numpy() == 4), "measure"],
                 level=f.loc[known | (f["group"].to_numpy() == 4), "tier"]),
        credit.tag_rows("E3", "E3_UNUSED_CREDIT", "授信未用", ctx, p),
        push.tag_rows("E3", "E3_POINTS_PUSH", "积分推送", ctx, p))

    # headline
    mau = a.mau
    cur_m, prev_m = (mau.iloc[-1] if len(mau) and mau.iloc[-1]["月份"] == str(a.months[-1]) else None), None
    if cur_m is not None and len(mau) > 1 and mau.iloc[-2]["月份"] == str(a.months[-1] - 1):
        prev_m = mau.iloc[-2]
    med = tiers.set_index("层级")[ctx.base_label("存款日均中位数")]
    listed = credit.df["客户号"] if len(credit.df) else pd.Series(dtype="string")
    n_exp = (int(cr.frame.loc[cr.frame["expiring"].fillna(False).to_numpy(dtype=bool), "cust_id"].isin(listed).sum())
             if cr is not None and len(cr.frame) else 0)
    unused_sum = float(credit.amount.sum()) if credit.amount is not None and len(credit.df) else 0.0
    figures = [
        Figure(f"{a.months[-1]:%Y-%m} 月活客户", None if cur_m is None else int(cur_m["月活客户数"]), "户", format="int",
               compare_label="上月", compare=None if prev_m is None else int(prev_m["月活客户数"]),
               note=None if cur_m is None else f"月活率 {cur_m['月活率']:.1%}" if pd.notna(cur_m["月活率"]) else None),
        Figure("高活客户存款日均中位数", None if pd.isna(med["高活"]) else float(med["高活"]), "元", format="money0",
               compare_label="沉默客户", compare=None if pd.isna(med["沉默"]) else float(med["沉默"])),
        Figure("活跃度与存款的相关系数", None if rho is None else round(rho, 3), "", format="0.000",
               note=f"Spearman 秩相关, {n_rho:,} 户" if rho is not None else f"可比客户 {n_rho:,} 户, 不足以计算"),
        Figure(f"结构提升预期存款({ctx.unit})", None if struct_gain is None else ctx.money(struct_gain), ctx.unit,
               note="按目标层级结构 × 各层存款日均中位数"),
        Figure("授信未用客户", len(credit.df) if cr is not None else None, "户", format="int",
               note=(f"未用额度 {ctx.money(unused_sum):,.2f} {ctx.unit}" if cr is not None else "未提供授信表")),
        Figure(f"其中 {p.expiry_days} 天内到期", n_exp if cr is not None else None, "户", format="int",
               note="最早到期的未用额度在此期间到期, 优先联系"),
    ]
    headline = Headline(figures=figures,
                        chart=Chart(table="e3_tiers", categories="层级", series=[ctx.base_label("存款日均中位数")],
                                    kind="column", title="各活跃层级存款日均中位数", y_title="元", height=220,
                                    number_format="#,##0"),
                        actions="e3_unused_credit",
                        lines=[f"统计期 {win}; 分层口径: {basis_zh}; 月活口径: 当月{BASIS[p.active_basis][1][:2]}"
                               f" ≥ {p.active_min} 次。未签约 = 数据明示未签约/解约; 无手机银行数据的客户为未知(不按沉默计)。"])

    b = ctx.base_label
    rho_line = (f"Spearman 秩相关系数 ρ = {rho:.3f}({n_rho:,} 户: 已分层且有存款数据; 平均秩 + Pearson 公式, 与 "
                "scipy.stats.spearmanr 同一定义)。" if rho is not None else
                f"可比客户 {n_rho:,} 户(需 ≥ 3 户且取值不全相同), 未计算 Spearman 相关系数。")
    tiers_note = [f"分层按统计期 {win} 的{basis_zh}: 高活 ≥ "
                  + (f"{p.high_logins:g} 次/月" if p.tier_basis != "txn" else f"{p.high_txn:g} 笔/月")
                  + (f"(或动账 ≥ {p.high_txn:g} 笔/月)" if p.tier_basis == "either" else "")
                  + ", 中活 ≥ " + (f"{p.mid_logins:g}" if p.tier_basis != "txn" else f"{p.mid_txn:g}")
                  + ", 低活 > 0, 沉默 = 每月 0(含等号); 签约当月起计, 缺月不补 0(该客户为未知)。",
                  "占比以分层客户(高活/中活/低活/沉默)为分母; 存款日均 = 统计期各月存款月日均的平均(有数据的月份)。", rho_line]
    sheets = [
        Sheet("活跃分层", [
            Note(lines=tiers_note),
            Table(tiers, name="e3_tiers", title="活跃层级与存款日均",
                  formats={"占比(分层客户)": "pct1", b("存款日均中位数"): "money0", b("存款日均均值"): "money0",
                           "月均登录次数": "0.0", "月均动账笔数": "0.0"}),
            Chart(table="e3_tiers", categories="层级", series=["客户数"], kind="column", title="各层级客户数",
                  y_title="户", height=220),
            Table(mau, name="e3_mau", title=f"月活趋势(口径: 当月{BASIS[p.active_basis][1][:2]} ≥ {p.active_min} 次)",
                  formats={"月活率": "pct1"}, empty_note="手机银行月度表没有数据"),
            Chart(table="e3_mau", categories="月份", series=["月活率"], kind="line", title="月活率", y_min=0, y_max=1,
                  number_format="0%", height=220)]),
        Sheet("提升测算", [
            Note(title="结构提升法", lines=[
                "预期存款变化 = Σ 各层(目标客户数 − 当前客户数) × 该层存款日均中位数; 目标占比为参数「目标层级结构」【假设】。",
                f"合计: {'—' if struct_gain is None else f'{struct_gain:,.0f} 元'}。"]),
            Table(struct, name="e3_structure", title="各层级目标人数与预期存款变化",
                  formats={"当前占比": "pct1", "目标占比": "pct1", "目标客户数": "0.00", "客户数差": "0.00",
                           b("存款日均中位数"): "money0", b("预期存款变化"): "money0"}),
            Note(title="积分提升法", lines=[
                "月行为积分 = " + " + ".join(f"{zh} × {float(x):g}" for zh, x in zip(POINT_ITEMS.values(), p.point_weights))
                + (";无分项数据, 动账笔数按转账计分。" if a.txn_as_transfer else "。")
                + (f" 数据中没有: {'、'.join(a.points_missing)}(不计分)。" if a.points_missing else ""),
                f"月均积分距下一档下限 ≤ {p.near_band:.0%} 的客户进入积分推送名单; 预期存款增量 = 推送转化率 {p.push_conversion:.0%} × "
                f"Σ(下一档 − 本档存款日均中位数) = {'—' if push_gain is None else f'{push_gain:,.0f} 元'}。"]),
            Table(bands, name="e3_points", title="积分档与存款日均",
                  formats={b("存款日均中位数"): "money0", b("升一档预期增量"): "money0"})]),
        Sheet("授信未用名单", _list_blocks(
            credit, "e3_unused_credit", "授信未用名单",
            "未提供授信表" if cr is None else "本期没有授信后未用的客户",
            lines=[f"授信额度 > 0、授信满 {p.min_days_granted} 天、未到期、状态正常, 已用为 0 或使用率 < {p.unused_rate:.0%}; "
                   f"{p.expiry_days} 天内到期的优先; {'、'.join(('高活', '中活') if p.app_tiers == 'mid' else ('高活',))}"
                   f"客户{p.channel_app}, 其他{p.channel_call}。"],
            formats={b("未用额度"): "money0", "使用率": "pct1", "最早到期日": "date"}),
            print_role="detail"),
        Sheet("积分推送名单", _list_blocks(
            push, "e3_points_push", "积分推送名单", "本期没有接近下一积分档的客户",
            formats={b("存款日均"): "money0", b("升一档预期增量"): "money0", "月均积分": "0.0", "差距(分)": "0.0"}),
            print_role="detail"),
        Sheet("客户活跃明细", [Table(_detail(f, ctx), name="e3_detail", title="全部客户的活跃层级(审计用)", role="detail",
                                   text_columns=("客户号", "机构号"),
                                   formats={"签约日": "date", b("存款日均"): "money0", "月均积分": "0.0"})],
              print_role="detail"),
        tag_sheet(tags),
    ]
    report = Report(title="手机银行活跃与授信未用", sheets=sheets, headline=headline)
    report.method = [
        "SCENARIOS.md E3 手机银行活跃 vs 存款; 授信未用客户; §0.7 缺月不补 0; §6 名单与标签; §7 月活口径(登录, 可切换动账)。",
        *tiers_note[:1],
        "结构提升法与积分提升法见「提升测算」; 授信未用: 额度 > 0、授信满 "
        f"{p.min_days_granted} 天、未用或使用率 < {p.unused_rate:.0%}; 冻结/失效/到期额度剔除。",
    ]
    notes = [f"授信未用名单{credit.tie_break}", f"积分推送名单{push.tie_break}"]
    counts = f["tier"].value_counts()
    notes.append(f"未签约 {int(counts.get('未签约', 0)):,} 户(数据明示); 未知 {int(counts.get('未知', 0)):,} 户(无手机银行数据、"
                 "缺月或签约晚于统计期, 不按沉默计)。")
    if len(a.closed):
        notes.append(f"客户状态为 {p.closed_status} 的 {len(a.closed):,} 户已剔除。")
    if a.basis_missing:
        notes.append(f"手机银行月度表没有「{'、'.join(a.basis_missing)}」: 依赖它的分层或月活未知(不按 0 计)。")
    if cr is None:
        notes.append("未提供授信表: 授信未用名单为空。")
    else:
        c = cr.counts
        notes.append(f"授信 {c['lines']:,} 笔: 冻结/失效等状态 {c['inactive']:,} 笔、已到期 {c['expired']:,} 笔、额度为空或 0 "
                     f"{c['zero_limit']:,} 笔、授信不满 {p.min_days_granted} 天 {c['young']:,} 笔、已用额度或授信日为空(未知, 不列入) "
                     f"{c['unknown']:,} 笔、客户已剔除 {c['closed']:,} 笔; 列入 {c['listed_lines']:,} 笔。")
    report.notes = notes
    return report


SPEC = Scenario(
    id="ebank.mobile_activity", code="E3", title="手机银行活跃与授信未用", group="电子银行",
    inputs=("mobile_banking_monthly", "customer_monthly"), optional_inputs=("customers", "credit_lines"),
    params=MobileActivityParams, run=run,
    summary="手机银行活跃分层与存款日均对比(Spearman)、结构/积分提升测算, 授信未用客户名单",
    as_of_from=("mobile_banking_monthly", "month"),
)
