"""D2 存款到期视图 — deposit maturity view (SCENARIOS.md "D2 存款到期视图 Maturity view").

Input ``time_deposits`` (定期存款明细, one row per account: acct_no, cust_id, org_id, product, value_date,
maturity_date, term_m (月), rate (fraction), balance (元), auto_renew, ccy, status, optional cust_name/id_no/
mgr_id, ``_row`` = Excel row). Optional ``orgs`` (机构: org_id, org_name, parent_id, staff_count) gives the
hierarchy 全行 → 分行 → 支行/网点; optional ``customers`` (客户: cust_id, cust_name, id_no, phone) gives names
and phones for the reminder lists.

Sheets of the report (in order):

* 到期结构 — static pivot: rows 全行 → 分行 → 支行/网点, columns 已到期未支取 | 当日到期 | the next
  ``months_ahead`` maturity months (yyyy-mm) | 12个月以后 | 合计; three blocks: 金额 (display unit), 笔数,
  去重客户数 (distinct customers are counted at each level, never summed from the children);
* 到期透视 — native Excel PivotTables (:data:`PIVOT_SPEC`, :data:`PIVOT_SPEC_COUNT`) over 到期明细;
* 到期分布 — by maturity month, 剩余期限档 (days to maturity), 存期, 金额段 and 产品 with column charts;
* 到期日历 — the next ``calendar_days`` days: maturities by contractual date and by 实际可支取日 (rolled to a
  working day with ``ctx.calendar``), 高峰日 flag, chart;
* 排班 — per working day × outlet: maturing customers, 所需人天 = ceil(customers / per-staff-day), large
  customers; plus the 行长/理财经理 list of large maturing customers;
* 提醒名单 — reminder list for the data date for the nodes 到期前 30/15/7/1 天 with 到期本息, 建议产品, 建议动作, 原因;
* 到期明细 — the cleaned detail (Excel table ``maturity_detail``), the pivot source. When the detail would not
  fit on one sheet (:data:`EXCEL_MAX_ROWS`), the sheet is 到期汇总 instead (``maturity_pivot_source``: rows
  pre-aggregated by 分行 × 支行/网点 × 到期期间 with 笔数, :func:`aggregate_for_pivot`), the 笔数 pivot sums
  笔数, and 说明 says so.

Method (SCENARIOS.md D2): dtm = maturity_date − as_of (days); 实际可支取日 = maturity rolled with
``roll_rule`` ('following' 顺延 / 'preceding' 提前); amount bands are half-open [lo, hi) on the single
deposit's balance (5 万整 → 5–20 万). 到期本息 = 本金 × (1 + 年利率 × 存期月数 / 12) (simple interest, 整存整取 /
大额存单 / 其他); 零存整取 ≈ 余额 × (1 + 年利率 × (n + 1) / 24) (余额 = 月存额 × n, approximation, flagged).

Row problems (into ``ctx.problems``): DATE_ORDER (到期日 < 起息日: row excluded), REQUIRED_EMPTY (到期日 empty
for a product other than 通知存款 / 定活两便 — those have no fixed maturity and are excluded with a note: computed as 起息日 + 期限 months
(:func:`bankxl.calendar.add_months`, as DateOffset: 2024-02-29 + 12 月 = 2025-02-28) when both are given, else
excluded), TERM_INVALID (期限 > 600 months, or ≤ 0 for a product with a term: the term is blanked — derived from
the dates when 到期日 is given, no maturity derived otherwise), DATE_INVALID (a derived 到期日 beyond 2261: row
excluded), VALUE_INVALID (机构号 not in the 机构 table: kept under 未匹配机构).
Raises :class:`~bankxl.errors.ParameterError` for inconsistent parameters. Inputs are never modified.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParameterError
from ...lists import Rule, check_levels, levels_param, score_list, strategy_param
from ...report import Chart, Conditional, Note, PivotBlock, Report, Sheet, Table
from ...report.pivot import DataField, PivotSpec
from ...calendar import add_months
from ...scenario import RunContext, Scenario, param
from ...tags import tag_rows, tag_sheet, tag_table
from ...frames import active_deposit_mask, identity_columns, mask_label, masked
from .maturity_template import build_maturity_template

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
P_OVERDUE, P_TODAY, P_LATER = "已到期未支取", "当日到期", "12个月以后"
#: sort-friendly labels of the 到期期间 field in 到期明细 (a PivotTable sorts items as text)
P_SORT = {P_OVERDUE: "0 已到期未支取", P_TODAY: "1 当日到期", P_LATER: "9 12个月以后"}
PRODUCT_KINDS = ("整存整取", "大额存单", "零存整取", "通知存款", "定活两便", "其他")
NO_ORGS = "(未提供机构表)"
UNMATCHED = "(未匹配机构)"

DETAIL_PIVOT_ROWS = ("分行", "支行/网点")
DETAIL_PIVOT_COLUMNS = ("到期期间",)
#: Excel's rows per sheet. When 到期明细 (title + header + deposits + total row) would not fit, the native pivots
#: are built over rows pre-aggregated by their row/column fields (:func:`aggregate_for_pivot`) and 说明 says
#: so. A module constant so that tests can lower it.
EXCEL_MAX_ROWS = 1_048_576
DETAIL_OVERHEAD_ROWS = 3  # title, header and total row of the 到期明细 table
COUNT_COL = "笔数"
PIVOT_SOURCE_DETAIL, PIVOT_SOURCE_AGG = "maturity_detail", "maturity_pivot_source"
#: label of the top row of 到期结构: 全行 when the data hold the whole bank, else 合计 (:func:`total_label`)
BANK, TOTAL = "全行", "合计"


def _level_marks(total: str) -> list[Conditional]:
    """Highlight the top (全行/合计) and 分行 rows of the 到期结构 blocks (level column)."""
    return [Conditional(["层级", "机构名称"], "text", value=total, style="warn"),
            Conditional(["层级"], "text", value="分行", style="good")]


#: 到期日遇节假日 (``roll_rule``): id -> 中文标签; the ids are :meth:`bankxl.calendar.BankCalendar.roll` rules
ROLL_RULES = {"following": "顺延", "preceding": "提前", "modified_following": "修正顺延"}
#: the {placeholders} a 策略表 action may use (columns of the reminder frame, :func:`reminder_list`)
ACTION_FIELDS = ("node_action", "auto_txt", "node", "dtm", "product", "outlet")
#: how each rule moves a maturity on a non-working day (report text)
ROLL_TEXT = {"following": "顺延至下一工作日", "preceding": "提前至上一工作日",
             "modified_following": "顺延至下一工作日(跨月则提前至上一工作日)"}


@dataclass(frozen=True)
class MaturityParams:
    """Parameters of D2 (defaults: SCENARIOS.md D2; 【假设】 where the spec says so)."""

    amount_edges: tuple = param((50_000.0, 200_000.0, 500_000.0, 1_000_000.0), "金额段分界", "元",
                                "单笔余额分段, 区间左闭右开 [下限, 上限): 默认 <5万 / 5–20万 / 20–50万 / 50–100万 / ≥100万",
                                increasing=True)
    dtm_edges: tuple = param((0, 8, 31, 91, 181, 366), "剩余期限档分界", "天",
                             "距到期天数分档下限, 左闭右开: <0 已到期未支取 / 0–7 / 8–30 / 31–90 / 91–180 / 181–365 / >365",
                             increasing=True)
    months_ahead: int = param(12, "到期月份数", "月", "到期结构展示的未来月份数(从数据日期次日所在月起)",
                              min=1, max=60)
    calendar_days: int = param(60, "到期日历天数", "天", "到期日历与排班覆盖数据日期之后的天数", min=1, max=731)
    peak_percentile: float = param(0.9, "高峰日分位数", None, max=1.0, help=
                                   "高峰日 = 实际可支取金额 > 日历窗口内全部工作日金额的该分位数(默认 P90)")
    customers_per_staff_day: int = param(20, "人均日处理客户数", "户/人天", "所需人天 = ceil(到期客户数 / 该值)【假设】",
                                         min=1)
    large_customer: float = param(500_000.0, "大额客户门槛", "元",
                                  "客户到期合计 ≥ 该值: 进入行长/理财经理名单, 提醒名单标记理财经理跟进")
    cd_threshold: float = param(200_000.0, "大额存单起存金额", "元", "单笔余额 ≥ 该值时建议产品为大额存单")
    reminder_days: tuple = param((30, 15, 7, 1), "提醒节点", "天", "到期前 N 天提醒; 名单按数据日期当天使用",
                                 min=1)
    roll_rule: str = param("following", "到期日遇节假日", None, "到期日为非工作日时实际可支取日的取法【假设: 各行规则不同】",
                           choices=ROLL_RULES)
    notice_handling: str = param("exclude", "通知存款处理", None, "通知存款没有到期日: 不计入, 或按数据日期后"
                                 "「通知存款视同到期天数」到期计入", choices={"exclude": "不计入", "seven_days": "按通知期计入"})
    notice_days: int = param(7, "通知存款视同到期天数", "天", "通知存款处理 = 按通知期计入时, 到期日记为数据日期后该天数"
                             "(七天通知存款 7, 一天通知存款 1)", min=1, max=366)
    # 提醒名单 (bankxl.lists): points of the rules, levels, strategy, 建议产品 per level, action per node
    large_points: float = param(60.0, "大额客户得分", "分", "客户本节点到期合计 ≥ 大额客户门槛: 理财经理跟进", min=0)
    cd_points: float = param(30.0, "转大额存单得分", "分", "单笔余额 ≥ 大额存单起存金额且不是大额存单: 邀约转大额存单", min=0)
    cd_renew_points: float = param(10.0, "大额存单续存得分", "分", "到期的是大额存单: 邀约续存", min=0)
    levels: tuple = levels_param((("A", 60), ("B", 30), ("C", 10), ("D", 0)),
                                 help="提醒名单各等级的最低得分, 从高到低(默认: A 大额客户 / B 可转大额存单 / C 大额存单续存 / "
                                      "D 其他); 低于最后一档的不列入名单")
    strategy: tuple = strategy_param(
        (("A", "{node_action}; 理财经理面访{auto_txt}", 2), ("B", "{node_action}; 邀约转大额存单{auto_txt}", 3),
         ("C", "{node_action}; 电话邀约续存{auto_txt}", 5), ("D", "{node_action}; 电话/短信提醒{auto_txt}", 5)),
        help="每个等级的建议动作与完成时限(工作日); {node_action} = 提醒节点动作表中本节点的动作, {auto_txt} = "
             "已约定自动转存时「; 已约定自动转存, 确认意愿」; 截止日不晚于实际可支取日前一个工作日(不早于数据日期)")
    level_products: tuple = param((("A", "大额存单/理财组合"), ("B", "大额存单"), ("C", "大额存单续存"),
                                   ("D", "整存整取续存/理财")), "建议产品表", None, "每个等级的建议产品, 每个等级一行")
    node_actions: tuple = param(((30, "了解资金用途"), (15, "推介续存方案"), (7, "预约到行/手机银行续存"),
                                 (1, "确认到行时间")), "提醒节点动作表", "天",
                                "到期前 N 天节点的动作({node_action}); 表中没有的节点为「到期前N天提醒」")

    def check(self) -> None:
        """Rules beyond one value's range: 剩余期限档 start at 0 (below 0 = 已到期未支取); the 高峰日 percentile
        lies strictly between 0 and 1; 等级门槛/策略表 (:func:`bankxl.lists.check_levels`, actions using only
        :data:`ACTION_FIELDS`); 建议产品表 one row per level; 提醒节点动作表 rows (days ≥ 1, text). Raises
        ParameterError."""
        if not self.dtm_edges or float(self.dtm_edges[0]) != 0:
            raise ParameterError("参数「剩余期限档分界(dtm_edges)」的第一个值应为 0(小于 0 为已到期未支取)。",
                                 "Parameter dtm_edges must start at 0 (below 0 = matured, not withdrawn).")
        if not 0 < self.peak_percentile < 1:
            raise ParameterError(f"参数「高峰日分位数(peak_percentile)」应在 0 与 1 之间(不含), 给定 {self.peak_percentile:g}。",
                                 f"Parameter peak_percentile must lie strictly between 0 and 1, got {self.peak_percentile:g}.")
        check_levels(self.levels, self.strategy, ACTION_FIELDS)
        names = sorted(str(x[0]) for x in self.levels)
        prods = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in self.level_products]
        if any(len(x) != 2 or not isinstance(x[1], str) for x in prods) or sorted(str(x[0]) for x in prods) != names:
            raise ParameterError(
                f"参数「建议产品表(level_products)」应为每个等级({'、'.join(names)})各写一行 [等级, 建议产品], "
                f"给定 {self.level_products!r}。",
                f"Parameter level_products needs one [level, product] row per level ({', '.join(names)}); "
                f"got {self.level_products!r}.")
        nodes = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in self.node_actions]
        if any(len(x) != 2 or isinstance(x[0], bool) or not isinstance(x[0], (int, float)) or x[0] < 1
               or x[0] != int(x[0]) or not isinstance(x[1], str) for x in nodes):
            raise ParameterError(
                f"参数「提醒节点动作表(node_actions)」应为 [[30, \"了解资金用途\"], …] 形式(到期前天数 ≥ 1 的整数, 动作), "
                f"给定 {self.node_actions!r}。",
                f"Parameter node_actions must look like [[30, \"action\"], ...] (days before maturity >= 1, "
                f"action); got {self.node_actions!r}.")


# ------------------------------------------------------------------------------------------ labels
def _wan(x: float) -> str:
    v = x / 10_000
    return f"{v:g}万"


def amount_band_labels(edges, currency: str = "CNY") -> list[str]:
    """Labels of the amount bands for ``edges`` (in the data's ``currency``): CNY ['<5万', '5–20万', …,
    '≥100万']; another currency in its own unit, never 万: ['<50,000 EUR', '50,000–200,000 EUR', …,
    '≥1,000,000 EUR']."""
    e = [float(x) for x in edges]
    if currency != "CNY":
        return ([f"<{e[0]:,.0f} {currency}"] + [f"{a:,.0f}–{b:,.0f} {currency}" for a, b in itertools.pairwise(e)]
                + [f"≥{e[-1]:,.0f} {currency}"])
    labels = [f"<{_wan(e[0])}"]
    labels += [f"{_wan(a).rstrip('万')}–{_wan(b)}" for a, b in itertools.pairwise(e)]
    labels.append(f"≥{_wan(e[-1])}")
    return labels


def _band(values: pd.Series, edges, labels: list[str]) -> pd.Series:
    """Label per value of the half-open bands [lo, hi) that ``edges`` cut (a value equal to an edge goes up):
    ``labels`` has one more entry than ``edges`` (below the first edge … from the last edge on)."""
    e = [-np.inf] + [float(x) for x in edges] + [np.inf]
    return pd.cut(values.astype("float64"), bins=e, right=False, labels=labels).astype("string")


def amount_band(balance: pd.Series, edges, currency: str = "CNY") -> pd.Series:
    """Band label per balance (:func:`amount_band_labels`); bands are half-open [lo, hi) so a balance equal to
    an edge goes up."""
    return _band(balance, edges, amount_band_labels(edges, currency))


def dtm_band_labels(edges) -> list[str]:
    """Labels of the 剩余期限档 (days to maturity) for ``edges`` (whole days, strictly increasing, first 0 —
    :attr:`MaturityParams.dtm_edges`, SCENARIOS.md D2): ``[已到期未支取, 'a–(b−1)天' per pair, '>(last−1)天']``,
    one more label than edges. Default (0, 8, 31, 91, 181, 366) -> 已到期未支取 / 0–7天 / 8–30天 / 31–90天 /
    91–180天 / 181–365天 / >365天."""
    e = [int(x) for x in edges]
    labels = [P_OVERDUE]
    labels += [f"{a}–{b - 1}天" for a, b in itertools.pairwise(e)]
    labels.append(f">{e[-1] - 1}天")
    return labels


def dtm_band(dtm: pd.Series, edges) -> pd.Series:
    """剩余期限档 per deposit: ``dtm`` = maturity_date − as_of in days (int Series; < 0 = 已到期未支取),
    bands half-open [edge_k, edge_k+1) as labelled by :func:`dtm_band_labels` (dtm 7 -> 0–7天, 8 -> 8–30天).
    Returns a ``string`` Series on ``dtm``'s index (<NA> where dtm is missing). SCENARIOS.md D2."""
    return _band(dtm, edges, dtm_band_labels(edges))


def term_label(m: Any) -> str:
    """存期 label of a term in months (int-like scalar; None/NA -> 未知): whole years when ≥ 12 and a multiple
    of 12 (12 -> 1年, 36 -> 3年), else months (3 -> 3个月, 18 -> 18个月). Used for the 存期 axis of D2."""
    if m is None or pd.isna(m):
        return "未知"
    m = int(m)
    return f"{m // 12}年" if m >= 12 and m % 12 == 0 else f"{m}个月"


def product_kind(product: pd.Series) -> pd.Series:
    """整存整取/大额存单/零存整取/通知存款/定活两便/其他 from the bank's product name (substring rules)."""
    p = product.fillna("")
    out = pd.Series("其他", index=p.index, dtype="string")
    for pat, kind in (("整存整取|定期存款|^定期$|整整", "整存整取"), ("零存", "零存整取"), ("定活", "定活两便"),
                      ("通知", "通知存款"), ("大额|存单", "大额存单")):
        out = out.mask(p.str.contains(pat, regex=True), kind)
    return out


def month_periods(as_of: pd.Timestamp, n: int) -> list[str]:
    """The ``n`` maturity months shown as columns: from the month of as_of + 1 day (yyyy-mm)."""
    start = (as_of + pd.Timedelta(days=1)).to_period("M")
    return [str(start + i) for i in range(n)]


# ------------------------------------------------------------------------------------------ preparation
#: longest plausible 期限 in months (50 years); a longer, zero or negative one is TERM_INVALID
MAX_TERM_M = 600


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
                         "按参数「通知存款处理」= 不计入(exclude)未计入。")
            keep &= ~notice
        else:
            fill = notice & d["maturity"].isna()
            due = ctx.as_of + pd.Timedelta(days=params.notice_days)
            d.loc[fill, "maturity"] = due
            notes.append(f"通知存款 {int(notice.sum())} 笔按数据日期后 {params.notice_days} 天到期计入(参数「通知存款处理」= "
                         f"按通知期计入), 其中无到期日的 {int(fill.sum())} 笔到期日记为 {due:%Y-%m-%d}。")

    # implausible 期限: never used to derive a maturity (1e4 months would overflow, 0 gives 到期日 = 起息日)
    no_term_kind = d["kind"].isin(("通知存款", "定活两便"))  # 0 = no fixed term, by design
    bad_term = keep & d["term"].notna() & ((d["term"] > MAX_TERM_M) | ((d["term"] <= 0) & ~no_term_kind))
    if bad_term.any():
        ctx.problem("time_deposits", d.loc[bad_term, "excel_row"], "term_m", "TERM_INVALID", d.loc[bad_term, "term"],
                    f"期限应为 1–{MAX_TERM_M} 个月",
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
    by_days = missing & d["value_date"].notna() & d["term_d"].between(1, MAX_TERM_M * 31).fillna(False)
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
                    [f"起息日 {v:%Y-%m-%d} > 到期日 {m:%Y-%m-%d}" for v, m in
                     zip(d.loc[order, "value_date"], d.loc[order, "maturity"])],
                    "到期日早于起息日", "剔除该行")
        keep &= ~order
    keep &= d["maturity"].notna()

    # derived term where missing (after the maturity derivations, so that a 到期日 from 存期(天) gets one too):
    # 存期(天) in months (90 天 -> 3, 365 -> 12: days / (365/12) rounded), else months between value date and
    # maturity
    months_between = ((d["maturity"].dt.year - d["value_date"].dt.year) * 12
                      + (d["maturity"].dt.month - d["value_date"].dt.month)).astype("Int64")
    by_days_m = (d["term_d"].where(d["term_d"].between(1, MAX_TERM_M * 31)) * 12 / 365).round().astype("Int64")
    derived = by_days_m.where(by_days_m > 0).fillna(months_between.where(months_between > 0))
    d["term_derived"] = (d["term"].isna() & derived.notna()).astype(bool)
    d["term"] = d["term"].fillna(derived)

    d = d.loc[keep].reset_index(drop=True)
    d["actual"] = ctx.calendar.roll(d["maturity"], params.roll_rule) if len(d) else d["maturity"]
    # in whole days (datetime64[D]): a nanosecond difference overflows beyond 292 years
    d["dtm"] = (d["maturity"].to_numpy(dtype="datetime64[D]") - np.datetime64(ctx.as_of.date(), "D")).astype("int64")
    d["month"] = d["maturity"].dt.strftime("%Y-%m").astype("string")
    months = month_periods(ctx.as_of, params.months_ahead)
    period = d["month"].copy()
    period = period.mask(d["month"] > months[-1], P_LATER)
    period = period.mask(d["dtm"] == 0, P_TODAY)
    period = period.mask(d["dtm"] < 0, P_OVERDUE)
    d["period"] = period.astype("string")
    d["dtm_band"] = dtm_band(d["dtm"], params.dtm_edges)
    d["amount_band"] = amount_band(d["balance"], params.amount_edges, ctx.currency)
    d["term_band"] = pd.Series([term_label(t) for t in d["term"]], index=d.index, dtype="string")
    d.loc[d["kind"].eq("通知存款"), "term_band"] = "通知存款"
    d.loc[d["kind"].eq("定活两便") & d["term"].isna(), "term_band"] = "定活两便"
    if n0 and len(d) < n0:
        notes.append(f"定期存款明细 {n0} 行, 计入到期视图 {len(d)} 笔。")
    return d, notes


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
    recs = [mapping.get(k, (UNMATCHED, UNMATCHED, k, k)) for k in ids]
    out = pd.DataFrame(recs, columns=["branch_id", "branch", "outlet_id", "outlet"], index=org_ids.index)
    out = out.astype("string")
    if not has_branch:
        notes.append("机构表只有两级(全行 → 网点), 到期结构不设分行层级。")
    return out, has_branch, notes


# ------------------------------------------------------------------------------------------ aggregations
def _metrics(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """amount (元), count, customers (distinct cust_id) per ``keys``."""
    if not keys:
        return pd.DataFrame({"amount": [float(d["balance"].sum())], "count": [len(d)],
                             "customers": [int(d["cust_id"].nunique())]})
    g = d.groupby(keys, sort=True, observed=True, dropna=False)
    return pd.DataFrame({"amount": g["balance"].sum(), "count": g.size(), "customers": g["cust_id"].nunique()})


def total_label(outlet_ids: pd.Series, orgs: pd.DataFrame | None) -> str:
    """全行 when the deposits cover the whole bank, else 合计 (e.g. a ``--by outlet`` report, which holds one
    outlet): with a 机构表, whole = every org without children in it (the outlets) has deposits; without one,
    whole = the deposits are not all of one org. ``outlet_ids``: the deposits' org ids (string)."""
    ids = set(outlet_ids.dropna().astype(str))
    if orgs is None or len(orgs) == 0:
        return TOTAL if len(ids) == 1 else BANK
    oid = orgs["org_id"].dropna()
    parents = set(orgs["parent_id"].dropna())
    leaves = set(oid[~oid.isin(parents)].astype(str))
    return BANK if leaves <= ids else TOTAL


def structure_tables(d: pd.DataFrame, periods: list[str], has_branch: bool,
                     ctx: RunContext, total: str = BANK) -> dict[str, pd.DataFrame]:
    """The static pivot: one frame per metric ('amount' in display unit, 'count', 'customers').

    Rows: ``total`` (全行 / 合计, :func:`total_label`), then per 分行 its subtotal row followed by its 支行/网点
    (without a 分行 level: the total then the
    outlets). Columns: 层级, 机构号, 机构名称, ``periods`` …, 合计. Every level is computed from the detail
    (distinct customers are distinct at that level, not the sum of the children).
    """
    levels = [(total, "_all", "_all_name")]
    d = d.assign(_all=total, _all_name=total)
    if has_branch:
        levels.append(("分行", "branch_id", "branch"))
    levels.append(("支行/网点" if has_branch else "网点", "outlet_id", "outlet"))
    per = {}
    for label, key, _ in levels:
        by_p = _metrics(d, [key, "period"])
        tot = _metrics(d, [key])
        per[key] = (by_p, tot)

    order: list[tuple[str, str, str, str]] = [(total, "_all", total, total)]
    if has_branch:
        branches = d[["branch_id", "branch"]].drop_duplicates().sort_values("branch_id")
        for bid, bname in branches.itertuples(index=False):
            order.append(("分行", "branch_id", bid, bname))
            outs = d.loc[d["branch_id"] == bid, ["outlet_id", "outlet"]].drop_duplicates().sort_values("outlet_id")
            for oid, oname in outs.itertuples(index=False):
                order.append(("支行/网点", "outlet_id_in_" + bid, oid, "　　" + str(oname)))
    else:
        outs = d[["outlet_id", "outlet"]].drop_duplicates().sort_values("outlet_id")
        for oid, oname in outs.itertuples(index=False):
            order.append(("网点", "outlet_id", oid, "　　" + str(oname)))

    # an outlet id may sit under two branches only when unmatched; outlet figures are per (branch, outlet)
    if has_branch:
        per_out = (_metrics(d, ["branch_id", "outlet_id", "period"]), _metrics(d, ["branch_id", "outlet_id"]))

    result = {}
    for metric in ("amount", "count", "customers"):
        rows = []
        for level, key, kval, kname in order:
            if key.startswith("outlet_id_in_"):
                bid = key[len("outlet_id_in_"):]
                by_p, tot = per_out
                sel_p = by_p.xs((bid, kval), level=(0, 1)) if (bid, kval) in tot.index else None
                total = tot.loc[(bid, kval), metric] if (bid, kval) in tot.index else 0
            else:
                by_p, tot = per[key]
                sel_p = by_p.xs(kval, level=0) if kval in tot.index else None
                total = tot.loc[kval, metric] if kval in tot.index else 0
            vals = {p: (sel_p[metric].get(p, 0) if sel_p is not None else 0) for p in periods}
            row = {"层级": level, "机构号": "" if key == "_all" else kval, "机构名称": kname, **vals, "合计": total}
            rows.append(row)
        f = pd.DataFrame(rows, columns=["层级", "机构号", "机构名称", *periods, "合计"])
        num = [*periods, "合计"]
        if metric == "amount":
            f[num] = ctx.money(f[num].astype("float64"))
        else:
            f[num] = f[num].astype("int64")
        result[metric] = f
    return result


def bucket_table(d: pd.DataFrame, key: str, order: list[str], label: str, ctx: RunContext) -> pd.DataFrame:
    """金额 (display unit), 笔数, 去重客户数 and 金额占比 per bucket of ``key`` in the given ``order`` (empty
    buckets kept as zero rows). No 合计 row (a chart plots every row); see :func:`bucket_total`."""
    m = _metrics(d, [key]) if len(d) else pd.DataFrame(columns=["amount", "count", "customers"])
    m = m.reindex(order).fillna(0)
    tot_amount = float(d["balance"].sum())
    f = pd.DataFrame({label: pd.Series(order, dtype="string"),
                      ctx.money_label("到期金额"): ctx.money(m["amount"].astype("float64").to_numpy()),
                      "笔数": m["count"].astype("int64").to_numpy(),
                      "去重客户数": m["customers"].astype("int64").to_numpy()})
    f["金额占比"] = (m["amount"].astype("float64").to_numpy() / tot_amount) if tot_amount else 0.0
    return f


def bucket_total(d: pd.DataFrame, ctx: RunContext) -> str:
    """The 合计 line under a bucket table (distinct customers counted over the whole range)."""
    return (f"合计: 到期金额 {ctx.money(float(d['balance'].sum())):,.2f} {ctx.unit}, {len(d)} 笔, "
            f"{int(d['cust_id'].nunique())} 户(去重)。")


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


def customer_info(d: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """cust_name, id_no, phone per deposit row: from ``customers`` when given, else from the deposit rows."""
    out = pd.DataFrame({"cust_name": d["cust_name"], "id_no": d["id_no"],
                        "phone": pd.Series(pd.NA, index=d.index, dtype="string")})
    if customers is not None and len(customers):
        c = customers.drop_duplicates("cust_id").set_index("cust_id")
        for col in ("cust_name", "id_no", "phone"):
            out[col] = d["cust_id"].map(c[col]).fillna(out[col])
    return out


# ------------------------------------------------------------------------------------------ sheets
def calendar_table(d: pd.DataFrame, params: MaturityParams, ctx: RunContext) -> pd.DataFrame:
    """One row per day as_of+1 … as_of+calendar_days: contractual maturities, rolled (实际可支取) ones, 高峰日.

    高峰日: a working day whose 实际可支取金额 is above the ``peak_percentile`` quantile (linear interpolation,
    rounded to 6 decimals of the display unit) of 实际可支取金额 over all working days of the window (zero days
    included), when that threshold is > 0 (with few maturities the quantile is 0: no 高峰日 rather than every
    day with a maturity). Non-working days are never 高峰日: what matures on them is paid out on their 实际可支取日.
    """
    cal = ctx.calendar
    days = pd.date_range(ctx.as_of + pd.Timedelta(days=1), periods=params.calendar_days, freq="D")
    wd = np.asarray(cal.is_workday(days.to_numpy()), dtype=bool)
    hol = cal.holiday_name(days.to_numpy()) if hasattr(cal, "holiday_name") else np.full(len(days), None)
    rolled = pd.DatetimeIndex(cal.roll(days.to_numpy(), params.roll_rule))
    by_m = _metrics(d, ["maturity"]) if len(d) else None
    by_a = _metrics(d, ["actual"]) if len(d) else None

    def get(m, col):
        if m is None:
            return np.zeros(len(days))
        return m[col].reindex(days).fillna(0).to_numpy()

    unit = ctx.money_label
    f = pd.DataFrame({
        "日期": days, "月日": pd.Series(days.strftime("%m-%d"), dtype="string"),
        "星期": [WEEKDAYS_ZH[x] for x in days.day_of_week],
        "是否工作日": np.where(wd, "是", "否"),
        "节假日": [("" if h is None or (isinstance(h, float) and math.isnan(h)) else str(h)) for h in hol],
        "实际可支取日": rolled,
        unit("合同到期金额"): ctx.money(get(by_m, "amount")), "合同到期笔数": get(by_m, "count").astype("int64"),
        "合同到期客户数": get(by_m, "customers").astype("int64"),
        unit("实际可支取金额"): ctx.money(get(by_a, "amount")), "实际可支取笔数": get(by_a, "count").astype("int64"),
        "实际可支取客户数": get(by_a, "customers").astype("int64"),
    })
    amt = f[unit("实际可支取金额")]
    # rounded to 1e-6 of the display unit: the interpolation's float noise (10.999999999999996) is not shown
    thr = round(float(np.quantile(amt[wd], params.peak_percentile)), 6) if wd.any() else 0.0
    f[peak_threshold_column(params, ctx)] = thr
    f["高峰日"] = np.where(wd & (amt > thr) & (thr > 0), "高峰日", "")
    return f


def peak_threshold_column(params: MaturityParams, ctx: RunContext) -> str:
    """Header of the 高峰日 threshold column of 到期日历, e.g. ``P90阈值(万元)``."""
    return ctx.money_label(f"P{round(params.peak_percentile * 100):g}阈值")


def staffing_tables(d: pd.DataFrame, info: pd.DataFrame, params: MaturityParams, ctx: RunContext,
                    orgs: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(排班 per working day × outlet, 大额到期客户 list) for maturities whose 实际可支取日 falls in the calendar
    window. 所需人天 = ceil(到期客户数 / customers_per_staff_day). A customer is large when the sum of his
    maturing balances at that outlet that day (排班) / in the window (list) is ≥ ``large_customer``."""
    start = ctx.as_of + pd.Timedelta(days=1)
    end = ctx.as_of + pd.Timedelta(days=params.calendar_days)
    w = d[(d["actual"] >= start) & (d["actual"] <= end)]
    w = w[np.asarray(ctx.calendar.is_workday(w["actual"].to_numpy()), dtype=bool)] if len(w) else w
    cols = ["实际可支取日", "星期", "分行", "机构号", "支行/网点", "到期客户数", "到期笔数", ctx.money_label("到期金额"),
            "所需人天", f"大额客户数(≥{_amount_text(params.large_customer, ctx)})", "大额客户号", "建议安排"]
    if len(w) == 0:
        staff = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
        staff["实际可支取日"] = pd.Series(dtype="datetime64[ns]")
        for c in cols[5:10]:
            staff[c] = pd.Series(dtype="float64" if "金额" in c else "int64")
    else:
        keys = ["actual", "branch", "outlet_id", "outlet"]
        m = _metrics(w, keys).reset_index()
        per_cust = w.groupby(keys + ["cust_id"], observed=True)["balance"].sum().reset_index()
        big = per_cust[per_cust["balance"] >= params.large_customer].sort_values("balance", ascending=False)
        big_n = big.groupby(keys, observed=True).size()
        big_ids = big.groupby(keys, observed=True)["cust_id"].agg(lambda s: "、".join(list(s.astype(str))[:5])
                                                                  + (" 等" if len(s) > 5 else ""))
        mi = pd.MultiIndex.from_frame(m[keys])
        staff = pd.DataFrame({
            "实际可支取日": m["actual"], "星期": [WEEKDAYS_ZH[x] for x in m["actual"].dt.day_of_week],
            "分行": m["branch"], "机构号": m["outlet_id"], "支行/网点": m["outlet"],
            "到期客户数": m["customers"].astype("int64"), "到期笔数": m["count"].astype("int64"),
            ctx.money_label("到期金额"): ctx.money(m["amount"]),
            "所需人天": np.ceil(m["customers"] / params.customers_per_staff_day).astype("int64"),
            cols[9]: big_n.reindex(mi).fillna(0).astype("int64").to_numpy(),
            "大额客户号": big_ids.reindex(mi).fillna("").astype("string").to_numpy(),
        })
        adv = []
        for n_staff, n_big in zip(staff["所需人天"], staff[cols[9]]):
            parts = [f"安排{n_staff}人天"]
            if n_big:
                parts.append(f"行长/理财经理在岗, 预约{n_big}位大额客户")
            adv.append("; ".join(parts))
        staff["建议安排"] = adv
        staff = staff.sort_values(["实际可支取日", "机构号"], ignore_index=True)
        if orgs is not None:
            sc = orgs.drop_duplicates("org_id").set_index("org_id")
            staff.insert(9, "网点人数", staff["机构号"].map(sc["staff_count"]).astype("Int64"))

    # 行长/理财经理 list: customers whose maturities in the window sum to >= large_customer
    vip_cols = ["客户号", mask_label("客户名称", ctx), mask_label("手机号", ctx), "客户经理", "主要网点",
                "到期笔数", ctx.base_label("到期金额"), "最早实际可支取日", "产品", "原因", "建议动作"]
    if len(w):
        wi = info.loc[w.index]
        g = w.assign(_name=wi["cust_name"], _phone=wi["phone"]).sort_values("balance", ascending=False)
        agg = g.groupby("cust_id", sort=False).agg(
            amount=("balance", "sum"), count=("balance", "size"), first=("actual", "min"),
            outlet=("outlet", "first"), mgr=("mgr_id", "first"), name=("_name", "first"), phone=("_phone", "first"),
            products=("kind", lambda s: "、".join(sorted(set(s.astype(str))))))
        agg = agg[agg["amount"] >= params.large_customer].sort_values(["first", "amount"], ascending=[True, False])
    else:
        agg = pd.DataFrame(columns=["amount", "count", "first", "outlet", "mgr", "name", "phone", "products"])
    ident = identity_columns(pd.DataFrame({"cust_name": agg["name"].to_numpy(), "phone": agg["phone"].to_numpy()}),
                             ctx, fields=("cust_name", "phone"), keep_empty=True)
    vip = pd.DataFrame({
        "客户号": pd.Series(agg.index, dtype="string"),
        vip_cols[1]: ident[vip_cols[1]],
        vip_cols[2]: ident[vip_cols[2]],
        "客户经理": pd.Series(agg["mgr"].to_numpy(), dtype="string"),
        "主要网点": pd.Series(agg["outlet"].to_numpy(), dtype="string"),
        "到期笔数": pd.Series(agg["count"].to_numpy(), dtype="int64"),
        vip_cols[6]: pd.Series(agg["amount"].to_numpy(), dtype="float64"),
        "最早实际可支取日": pd.Series(pd.to_datetime(agg["first"].to_numpy()), dtype="datetime64[ns]"),
        "产品": pd.Series(agg["products"].to_numpy(), dtype="string"),
    })
    vip["原因"] = pd.Series(f"{params.calendar_days}天内到期合计≥{_amount_text(params.large_customer, ctx)}", index=vip.index,
                          dtype="string")
    vip["建议动作"] = pd.Series("行长/理财经理提前面访, 配置大额存单/理财", index=vip.index, dtype="string")
    return staff, vip


def reminder_window(ctx: RunContext) -> int:
    """Days covered by a reminder list made on the data date D: from D up to (excluding) the next working
    day after D, so reminders that fall on the following weekend/holiday are made on D."""
    nxt = pd.Timestamp(ctx.calendar.roll(ctx.as_of + pd.Timedelta(days=1), "following"))
    return max(int((nxt - ctx.as_of).days), 1)


def reminder_list(d: pd.DataFrame, info: pd.DataFrame, params: MaturityParams, ctx: RunContext):
    """The reminder list for the data date D (SCENARIOS.md §6 名单表 via :func:`bankxl.lists.score_list`).

    Membership: node k holds the deposits with k ≤ dtm < k + window (:func:`reminder_window`; on an ordinary
    working day followed by a working day that is dtm == k); a deposit in two nodes' windows (long holidays) is
    kept once, in the node with the largest k ≤ dtm. One row per deposit. Score (rules, points parameters):
    大额客户 (the customer's maturities at this node sum to ≥ ``large_customer``) ``large_points``, 转大额存单
    (balance ≥ ``cd_threshold``, not a 大额存单) ``cd_points``, 大额存单续存 ``cd_renew_points``; the node itself
    is a 0-point reason. 等级 from ``levels``; 建议产品 from ``level_products``; 建议动作 and 截止日 from
    ``strategy`` ({node_action} from ``node_actions``); 截止日 is capped at the last working day before the
    实际可支取日 and is never before D. 排名: 得分, then 余额, then 客户号, then 账号 — never input order.

    Returns (list frame, the :class:`bankxl.lists.ScoredList` whose ``df`` is that frame, the sentence
    stating the order)."""
    win = reminder_window(ctx)
    nodes = sorted({int(k) for k in params.reminder_days}, reverse=True)
    node = pd.Series(pd.NA, index=d.index, dtype="Int64")
    for k in nodes:  # largest first; keep the first (largest k) match
        hit = (d["dtm"] >= k) & (d["dtm"] < k + win) & node.isna()
        node = node.mask(hit, k)
    sel = node.notna()
    r = d.loc[sel].assign(node=node[sel].astype("int64"))
    r = r.sort_values("acct_no", kind="stable")  # the last tie-break: 账号
    ri = info.loc[r.index]
    value, vnote = maturity_value(r) if len(r) else (pd.Series(dtype="float64"), pd.Series(dtype="string"))
    cust_total = r.groupby(["node", "cust_id"])["balance"].transform("sum") if len(r) else r["balance"]
    big = (cust_total >= params.large_customer).astype("boolean")
    is_cd = r["kind"].eq("大额存单")
    node_action = r["node"].map({int(k): str(a) for k, a in params.node_actions})
    node_action = node_action.fillna("到期前" + r["node"].astype(str) + "天提醒")
    auto = r["auto_renew"].fillna(False).astype(bool)
    unit = ctx.base_unit
    frame = pd.DataFrame({
        "cust_id": r["cust_id"], "cust_name": ri["cust_name"], "id_no": ri["id_no"], "phone": ri["phone"],
        "node": r["node"], "node_label": "到期前" + r["node"].astype(str) + "天", "dtm": r["dtm"].astype("int64"),
        "outlet_id": r["outlet_id"], "outlet": r["outlet"], "mgr_id": r["mgr_id"],
        "acct": masked(r["acct_no"], "acct_no", ctx), "product": r["product"], "term_band": r["term_band"],
        "balance": r["balance"], "rate": r["rate"], "value_date": r["value_date"], "maturity": r["maturity"],
        "actual": r["actual"], "value": value, "vnote": vnote,
        "auto_shown": r["auto_renew"].map({True: "是", False: "否"}).astype("string"),
        "follow": np.where(big.fillna(False), "是", "否"), "cust_total": cust_total,
        "big": big, "cd_up": (r["balance"] >= params.cd_threshold).astype("boolean") & ~is_cd, "cd_renew": is_cd,
        "node_action": node_action, "auto_txt": np.where(auto, "; 已约定自动转存, 确认意愿", ""),
        "always": True,
    }).reset_index(drop=True)
    rules = (
        Rule("large", f"客户本节点到期合计 {{cust_total:,.0f}} {unit} ≥ {params.large_customer:,.0f} {unit}",
             points=params.large_points, when="big", name="大额客户"),
        Rule("cd_upgrade", f"单笔 {{balance:,.0f}} {unit} ≥ 大额存单起存 {params.cd_threshold:,.0f} {unit}",
             points=params.cd_points, when="cd_up", name="转大额存单"),
        Rule("cd_renew", "大额存单到期续存", points=params.cd_renew_points, when="cd_renew", name="大额存单续存"),
        Rule("node", "{node_label}节点(距到期{dtm:d}天)", when="always", name="提醒节点"),
    )
    show = {"node_label": "提醒节点", "outlet": "支行/网点", "outlet_id": "机构号", "mgr_id": "客户经理",
            "acct": "账号", "product": "产品", "term_band": "存期", "balance": ctx.base_label("余额"), "rate": "利率",
            "value_date": "起息日", "maturity": "到期日", "actual": "实际可支取日", "dtm": "距到期天数",
            "value": ctx.base_label("到期本息"), "vnote": "本息说明", "auto_shown": "自动转存", "follow": "理财经理跟进"}
    lst = score_list(frame, rules, params.levels, params.strategy, ctx, sort_by=("balance",),
                     customers=frame[["cust_id", "cust_name", "id_no", "phone"]], show=show)
    out = lst.df
    # 截止日 ≤ the last working day before the 实际可支取日, ≥ D
    cap = pd.Series(ctx.calendar.roll((out["实际可支取日"] - pd.Timedelta(days=1)).to_numpy(), "preceding"),
                    index=out.index).clip(lower=ctx.as_of)
    out["截止日"] = out["截止日"].where(out["截止日"].isna() | (out["截止日"] <= cap), cap)
    products = {str(k): str(v) for k, v in params.level_products}
    out.insert(out.columns.get_loc("得分"), "建议产品", out["等级"].map(products).astype("string"))
    first = ["排名", "提醒节点", "客户号"]
    lst.df = out[first + [c for c in out.columns if c not in first]]
    order = lst.tie_break.rstrip("。") + ", 同一客户再按账号升序。"
    return lst.df, lst, order


def _amount_text(x: float, ctx: RunContext) -> str:
    """An amount threshold (base unit) as shown in labels: 50万 (CNY) or 500,000 EUR (another currency)."""
    return _wan(x) if ctx.currency == "CNY" else f"{x:,.0f} {ctx.base_unit}"


def customer_tags(d: pd.DataFrame, rem: pd.DataFrame, vip: pd.DataFrame, params: MaturityParams,
                  ctx: RunContext) -> pd.DataFrame:
    """The D2 §6 tag table (:mod:`bankxl.tags`): D2_REMINDER 到期提醒 (one per customer on the reminder list:
    value = his highest 得分, level = that row's 等级), D2_LARGE_MATURITY 大额到期 (customers of the 行长/理财经理
    list: value = 到期金额 in the base unit), D2_OVERDUE 已到期未支取 (value = the customer's balance matured
    before the data date, base unit)."""
    top = rem.sort_values("得分", ascending=False, kind="stable").drop_duplicates("客户号")
    over = d[d["dtm"] < 0].groupby("cust_id")["balance"].sum()
    return tag_table(
        tag_rows("D2", "D2_REMINDER", "到期提醒", top["客户号"], ctx, params, value=top["得分"], level=top["等级"]),
        tag_rows("D2", "D2_LARGE_MATURITY", "大额到期", vip["客户号"], ctx, params, value=vip[ctx.base_label("到期金额")]),
        tag_rows("D2", "D2_OVERDUE", "已到期未支取", over.index, ctx, params, value=over.to_numpy()))


def detail_table(d: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """到期明细 (name ``maturity_detail``): the pivot source, one row per deposit."""
    balance_col, amount_col = detail_money_columns(ctx)
    return pd.DataFrame({
        "分行": d["branch"], "支行/网点": d["outlet"], "机构号": d["outlet_id"],
        "到期月份": d["month"], "到期期间": d["period"].map(lambda p: P_SORT.get(p, p)).astype("string"),
        "剩余期限档": d["dtm_band"], "产品": d["product"], "产品类别": d["kind"], "期限档": d["term_band"],
        "金额段": d["amount_band"], balance_col: d["balance"], amount_col: ctx.money(d["balance"]),
        "客户号": d["cust_id"], "账号": masked(d["acct_no"], "acct_no", ctx), "客户经理": d["mgr_id"],
        "起息日": d["value_date"], "到期日": d["maturity"], "实际可支取日": d["actual"],
        "距到期天数": d["dtm"].astype("int64"), "利率": d["rate"],
        "自动转存": d["auto_renew"].map({True: "是", False: "否"}).astype("string"),
        "Excel行号": d["excel_row"],
    }).sort_values(["分行", "机构号", "到期日", "账号"], ignore_index=True)


def detail_money_columns(ctx: RunContext) -> tuple[str, str]:
    """Headers of (balance in the base unit, amount in the display unit) in 到期明细."""
    return ("余额(元)" if ctx.base_unit == "元" else ctx.base_label("余额"),
            ctx.money_label("金额") if ctx.scale != 1 else "金额")


def detail_fits(n_rows: int) -> bool:
    """True when a 到期明细 table of ``n_rows`` deposits fits on one sheet (:data:`EXCEL_MAX_ROWS`)."""
    return n_rows + DETAIL_OVERHEAD_ROWS <= EXCEL_MAX_ROWS


def aggregate_for_pivot(detail: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """到期汇总 (name ``maturity_pivot_source``): 到期明细 grouped by the pivots' row and column fields
    (分行, 支行/网点, 到期期间; blanks kept as their own group) with the sums of the balance (base unit) and the
    display amount and 笔数 = number of deposits. Sorted by the keys. A pivot over it gives the same sums as over
    the detail; counts become 求和项:笔数."""
    keys = [*DETAIL_PIVOT_ROWS, *DETAIL_PIVOT_COLUMNS]
    money = list(dict.fromkeys(detail_money_columns(ctx)))
    g = detail.groupby(keys, dropna=False, sort=True)
    out = g[money].sum()
    out[COUNT_COL] = g.size().astype("int64")
    return out.reset_index()


def pivot_specs(ctx: RunContext | None = None, pre_aggregated: bool = False) -> tuple[PivotSpec, PivotSpec]:
    """The native PivotTables over 到期明细: (金额 by 分行/支行 × 到期期间, 笔数 by the same).

    With ``pre_aggregated`` the source is :func:`aggregate_for_pivot`'s frame and 到期笔数 is the sum of its
    笔数 column instead of a count of 账号.
    Distinct customers cannot be a classic PivotTable value (Excel needs the data model for 非重复计数); they
    are on the static 到期结构 sheet."""
    amount_field = ctx.money_label("金额") if ctx is not None and ctx.scale != 1 else (
        "金额" if ctx is not None else "金额(万元)")
    captions = {"到期期间": "到期期间"}
    amt = PivotSpec(name="到期金额透视", rows=DETAIL_PIVOT_ROWS, columns=DETAIL_PIVOT_COLUMNS,
                    values=(DataField(amount_field, "sum", caption=f"到期{amount_field}", num_format="#,##0.00"),),
                    field_captions=captions)
    count = (DataField(COUNT_COL, "sum", caption="到期笔数", num_format="#,##0") if pre_aggregated else
             DataField("账号", "count", caption="到期笔数", num_format="#,##0"))
    cnt = PivotSpec(name="到期笔数透视", rows=DETAIL_PIVOT_ROWS, columns=DETAIL_PIVOT_COLUMNS, values=(count,),
                    field_captions=captions)
    return amt, cnt


#: the native PivotTable of 到期明细 at the default display scale (万元): rows 分行 → 支行/网点, columns 到期期间
#: (0 已到期未支取 / 1 当日到期 / yyyy-mm … / 9 12个月以后), value 求和 金额(万元). See :func:`pivot_specs`.
PIVOT_SPEC, PIVOT_SPEC_COUNT = pivot_specs(None)


# ------------------------------------------------------------------------------------------ run
def run(tables: Mapping[str, pd.DataFrame], params: MaturityParams, ctx: RunContext) -> Report:
    """Build the D2 report (sheets listed in the module docstring). Tables: ``time_deposits`` (required),
    ``orgs`` and ``customers`` (optional)."""
    td = tables["time_deposits"]
    orgs = tables.get("orgs")
    customers = tables.get("customers")
    d, notes = prepare(td, params, ctx)
    hier, has_branch, hnotes = org_hierarchy(d["org_id"], orgs, ctx, d["excel_row"])
    notes += hnotes
    d = pd.concat([d, hier], axis=1)
    info = customer_info(d, customers)
    periods_m = month_periods(ctx.as_of, params.months_ahead)
    periods = [P_OVERDUE, P_TODAY, *periods_m, P_LATER]
    unit = ctx.money_label

    # 1 到期结构
    top = total_label(d["outlet_id"], orgs)
    st = structure_tables(d, periods, has_branch, ctx, top)
    hdr = (f"数据日期 {ctx.as_of:%Y-%m-%d}; 列 = 到期期间: 已到期未支取(到期日早于数据日期仍有余额) | 当日到期 | "
           f"{periods_m[0]} 至 {periods_m[-1]} 各月(合同到期日所在月) | 12个月以后 | 合计。")
    hier_line = (f"行 = {top} → 分行 → 支行/网点(按机构表上级机构号)。" if has_branch else
                 (f"行 = {top} → 网点(机构表两级)。" if orgs is not None and len(orgs) else
                  f"未提供机构表: 行 = {top} + 机构号, 不分层级。"))
    if top == TOTAL:
        hier_line += " 数据只含部分机构(如按网点拆分的报告), 首行为这些机构的合计, 不是全行。"
    s1 = Sheet("到期结构", [
        Note(title=f"D2 存款到期结构 — {ctx.as_of:%Y-%m-%d}",
             lines=[hdr, hier_line, f"去重客户数在每一层级单独去重({top}/分行不等于下级之和); 一客户当月多笔只计 1 户。"]),
        Table(st["amount"], name="maturity_amount", title=f"到期金额({ctx.unit})", formats={p: "money" for p in periods},
              text_columns=("机构号",), conditional=_level_marks(top)),
        Table(st["count"], name="maturity_count", title="到期笔数", text_columns=("机构号",), conditional=_level_marks(top),
              formats={p: "int" for p in [*periods, "合计"]}),
        Table(st["customers"], name="maturity_customers", title="到期去重客户数", text_columns=("机构号",),
              conditional=_level_marks(top),
              formats={p: "int" for p in [*periods, "合计"]}),
    ])

    # 到期明细 + native pivots (over pre-aggregated rows when the detail does not fit on one sheet)
    detail = detail_table(d, ctx)
    pre_agg = not detail_fits(len(detail))
    amt_spec, cnt_spec = pivot_specs(ctx, pre_aggregated=pre_agg)
    pivot_source = aggregate_for_pivot(detail, ctx) if pre_agg else detail
    source_name = PIVOT_SOURCE_AGG if pre_agg else PIVOT_SOURCE_DETAIL
    source_sheet = "到期汇总" if pre_agg else "到期明细"
    if pre_agg:
        notes.append(
            f"到期明细共 {len(detail):,} 笔, 超过 Excel 单表上限 {EXCEL_MAX_ROWS:,} 行, 未写入工作簿; 「到期透视」的数据透视表"
            f"改以按 分行 × 支行/网点 × 到期期间 预汇总的 {len(pivot_source):,} 行(「{source_sheet}」表 {source_name})为数据源: "
            f"金额为各组余额之和, 到期笔数 = 求和项:{COUNT_COL}(非计数), 合计与明细一致; 产品、期限档、金额段等字段不在汇总中, "
            "无法拖入透视表(按这些维度的分布见「到期分布」)。")
    if len(detail):
        src_line = (f"数据源: 「{source_sheet}」表 {source_name}(明细超过 Excel 行数上限, 已按分行/支行/到期期间预汇总, "
                    f"笔数为「{COUNT_COL}」列求和, 见「说明」)。" if pre_agg else
                    f"数据源: 「{source_sheet}」表 {source_name}, 每行一笔定期存款; 可把 产品类别、期限档、金额段、"
                    "剩余期限档 等字段拖入行/列/筛选。")
        pblocks = [
            Note(title=f"D2 到期透视(Excel 数据透视表)— 数据日期 {ctx.as_of:%Y-%m-%d}",
                 lines=[src_line,
                        "打开文件时 Excel 自动刷新透视表(受保护的视图下需先点「启用编辑」); 金额单位: " + ctx.unit + "。",
                        "到期期间前的数字仅用于排序: 0 已到期未支取, 1 当日到期, 9 12个月以后; 其余为到期年月。",
                        "去重客户数需 Excel 数据模型, 普通透视表无法计算, 见「到期结构」。"]),
            PivotBlock(amt_spec, source_name, title=f"到期金额({ctx.unit}): 分行 → 支行/网点 × 到期期间"),
            PivotBlock(cnt_spec, source_name, title="到期笔数: 分行 → 支行/网点 × 到期期间"),
        ]
    else:
        pblocks = [Note(lines=["没有计入的到期存款, 未生成数据透视表。"])]
    s_pivot = Sheet("到期透视", pblocks)

    # 2 到期分布
    w12 = d[(d["dtm"] >= 0) & (d["period"] != P_LATER)]
    month_order = [P_TODAY, *periods_m]
    by_month = bucket_table(w12, "period", month_order, "到期月份", ctx)
    by_dtm = bucket_table(d, "dtm_band", dtm_band_labels(params.dtm_edges), "剩余期限档", ctx)
    terms = sorted(w12["term"].dropna().astype(int).unique().tolist())
    term_order = [term_label(t) for t in terms]
    term_order = list(dict.fromkeys(term_order + [t for t in ("通知存款", "定活两便", "未知")
                                                  if t in set(w12["term_band"])]))
    by_term = bucket_table(w12, "term_band", term_order, "存期", ctx)
    by_band = bucket_table(w12, "amount_band", amount_band_labels(params.amount_edges, ctx.currency), "金额段", ctx)
    kinds = [k for k in PRODUCT_KINDS if k in set(w12["kind"])]
    by_prod = bucket_table(w12, "kind", kinds, "产品", ctx)
    amt_col = unit("到期金额")

    def dist_block(f, name, title, scope, rng):
        return Table(f, name=name, title=title, note=f"{scope} {bucket_total(rng, ctx)}",
                     formats={"金额占比": "pct1", "笔数": "int", "去重客户数": "int"})

    win_note = f"范围: 未来 12 个月内到期(含当日到期, 至 {periods_m[-1]} 月末)。"
    s2 = Sheet("到期分布", [
        dist_block(by_month, "by_month", "按到期月份", win_note, w12),
        Chart("by_month", "到期月份", [amt_col], kind="column", title="未来 12 个月到期金额与客户数",
              secondary=["去重客户数"], y_title=ctx.unit),
        dist_block(by_dtm, "by_dtm", "按剩余期限(距到期天数)", "范围: 全部计入的定期存款(含已到期未支取与 1 年以后)。", d),
        Chart("by_dtm", "剩余期限档", [amt_col], kind="column", title="按剩余期限的到期金额", y_title=ctx.unit),
        dist_block(by_term, "by_term", "按存期(原始期限)", win_note, w12),
        Chart("by_term", "存期", [amt_col], kind="column", title="未来 12 个月到期金额 — 按存期", y_title=ctx.unit),
        dist_block(by_band, "by_band", "按金额段(单笔余额, 区间左闭右开)", win_note, w12),
        Chart("by_band", "金额段", [amt_col], kind="column", title="未来 12 个月到期金额 — 按金额段",
              secondary=["去重客户数"], y_title=ctx.unit),
        dist_block(by_prod, "by_product", "按产品", win_note, w12),
        Chart("by_product", "产品", [amt_col], kind="column", title="未来 12 个月到期金额 — 按产品", y_title=ctx.unit),
    ])
    # 3 到期日历
    cal = calendar_table(d, params, ctx)
    thr_col = peak_threshold_column(params, ctx)
    thr_zero = len(cal) and not cal[thr_col].iloc[0] > 0
    s3 = Sheet("到期日历", [
        Note(title=f"未来 {params.calendar_days} 天到期日历({(ctx.as_of + pd.Timedelta(days=1)):%Y-%m-%d} 起)",
             lines=["合同到期 = 按合同到期日; 实际可支取 = 到期日遇非工作日"
                    + ROLL_TEXT[params.roll_rule]
                    + " 后落在当日的到期(柜面实际压力)。",
                    (f"高峰日 = 工作日且实际可支取金额 > 本窗口全部工作日实际可支取金额的 P{params.peak_percentile * 100:g}"
                    f"(当前阈值 {thr_col} 列, 阈值须大于 0)。")
                    + (" 本窗口到期的工作日太少, 阈值为 0, 不标记高峰日。" if thr_zero else "")]),
        Table(cal, name="maturity_calendar", title="每日到期",
              formats={"日期": "date", "实际可支取日": "date", thr_col: "money"},
              conditional=[Conditional(["高峰日"], "text", value="高峰", style="bad"),
                           Conditional(["是否工作日"], "text", value="否", style="warn")]),
        Chart("maturity_calendar", "月日", [unit("实际可支取金额")], kind="column",
              title="每日实际可支取金额与客户数", secondary=["实际可支取客户数"], y_title=ctx.unit, width=900),
    ])

    # 4 排班
    staff, vip = staffing_tables(d, info, params, ctx, orgs)
    s4 = Sheet("排班", [
        Note(title="到期排班建议",
             lines=[f"按实际可支取日(工作日)× 网点: 所需人天 = ceil(到期客户数 / {params.customers_per_staff_day})【假设: 人均日处理量】。",
                    f"大额客户: 当日在该网点到期合计 ≥ {params.large_customer:,.0f} {ctx.base_unit}, 请行长/理财经理在岗接待。",
                    (f"行长/理财经理名单: 未来 {params.calendar_days} 天内(按实际可支取日)到期合计 ≥ "
                    f"{params.large_customer:,.0f} {ctx.base_unit}的客户, 建议提前一周面访, 配置大额存单/理财。")]),
        Table(staff, name="staffing", title=f"未来 {params.calendar_days} 天排班", text_columns=("机构号", "大额客户号"),
              formats={"实际可支取日": "date"}, conditional=[Conditional(["所需人天"], "data_bar")]),
        Table(vip, name="large_customers", title="大额到期客户(行长/理财经理名单)", text_columns=("客户号",),
              formats={"最早实际可支取日": "date"}),
    ])

    # 5 提醒名单
    rem, lst, rem_order = reminder_list(d, info, params, ctx)
    win = reminder_window(ctx)
    node_labels = [f"到期前{int(k)}天" for k in params.reminder_days]
    amt_col = ctx.base_label("余额")
    g = rem.assign(_big=rem["理财经理跟进"].eq("是")).groupby("提醒节点")
    summ = pd.DataFrame({"笔数": g.size(), "客户数": g["客户号"].nunique(), "amt": g[amt_col].sum(),
                         "理财经理跟进笔数": g["_big"].sum()}).reindex(node_labels).fillna(0)
    summary = pd.DataFrame({"提醒节点": node_labels, "笔数": summ["笔数"].astype("int64").to_numpy(),
                            "客户数": summ["客户数"].astype("int64").to_numpy(),
                            unit("到期金额"): ctx.money(summ["amt"].astype("float64").to_numpy()),
                            "理财经理跟进笔数": summ["理财经理跟进笔数"].astype("int64").to_numpy()})
    covers = ("到期日 = 数据日期 + N 天" if win == 1 else
              f"到期日在数据日期 + N 至 + N + {win - 1} 天(之后 {win - 1} 天为非工作日, 提醒提前到数据日期)")
    s5 = Sheet("提醒名单", [
        Note(title=f"到期提醒名单 — {ctx.as_of:%Y-%m-%d} 使用",
             lines=[f"节点 到期前 N 天(N = {', '.join(str(int(k)) for k in params.reminder_days)}): {covers}。",
                    ("到期本息: 单利 = 本金 × (1 + 年利率 × 存期月数/12)(整存整取/大额存单); "
                    "零存整取近似 = 余额 × (1 + 年利率 × (n+1)/24); 通知存款/定活两便不计算。"),
                    (f"得分: 客户本节点到期合计 ≥ {params.large_customer:,.0f} {ctx.base_unit} {params.large_points:g} 分"
                     f"(理财经理跟进); 单笔 ≥ {params.cd_threshold:,.0f} {ctx.base_unit}且不是大额存单 {params.cd_points:g} 分"
                     f"(建议大额存单); 大额存单到期 {params.cd_renew_points:g} 分。建议产品按等级取自参数「建议产品表」, "
                     "建议动作 = 参数「提醒节点动作表」中本节点的动作 + 等级的动作(参数「策略表」); 截止日不晚于实际可支取日"
                     "的前一个工作日(不早于数据日期)。")
                    + (" 姓名/证件/手机已脱敏, 客户号不脱敏。" if ctx.mask else ""),
                    lst.summary(), *(n for n in lst.note if n != lst.tie_break), rem_order]),
        Table(summary, name="reminder_summary", title="提醒汇总", formats={"笔数": "int", "客户数": "int"}),
        lst.table("reminders", "提醒名单", text_columns=("账号",),
                  formats={"利率": "pct", "起息日": "date", "到期日": "date", "实际可支取日": "date"}),
    ])

    if pre_agg:
        s_detail = Sheet(source_sheet, [
            Table(pivot_source, name=source_name,
                  title="到期汇总(透视表数据源: 明细超过 Excel 行数上限, 按分行 × 支行/网点 × 到期期间预汇总)",
                  formats={COUNT_COL: "int"}),
        ])
    else:
        s_detail = Sheet(source_sheet, [
            Table(detail, name=source_name, title="到期明细(透视表数据源)",
                  text_columns=("客户号", "账号", "机构号", "客户经理", "到期月份"),
                  formats={"利率": "pct", "Excel行号": "0", "起息日": "date", "到期日": "date", "实际可支取日": "date"}),
        ])

    report = Report(title="存款到期视图", sheets=[s1, s_pivot, s2, s3, s4, s5, s_detail,
                                                  tag_sheet(customer_tags(d, rem, vip, params, ctx))])
    report.method = [
        "方法依据: SCENARIOS.md「D2 存款到期视图」。",
        f"距到期天数 dtm = 到期日 − 数据日期 {ctx.as_of:%Y-%m-%d}; 剩余期限档: {', '.join(dtm_band_labels(params.dtm_edges))}。",
        f"到期月份: 合同到期日所在月, 展示 {periods_m[0]} 至 {periods_m[-1]}(从数据日期次日所在月起 {params.months_ahead} 个月)。",
        f"金额段按单笔余额, 区间左闭右开 [下限, 上限): {', '.join(amount_band_labels(params.amount_edges, ctx.currency))}"
        "(正好等于分界的余额归入上一档)。",
        f"实际可支取日: 到期日遇非工作日{ROLL_TEXT[params.roll_rule]}({params.roll_rule})【假设: 各行规则不同】; "
        "工作日按「注意」中的日历来源。",
        f"高峰日: 实际可支取金额 > 未来 {params.calendar_days} 天内全部工作日金额的 P{params.peak_percentile * 100:g}(线性插值), 且阈值 > 0。",
        f"排班: 所需人天 = ceil(当日网点到期客户数 / {params.customers_per_staff_day})【假设】。",
        f"提醒: 到期前 {'/'.join(str(int(k)) for k in params.reminder_days)} 天; 名单按数据日期当天使用, 其后的非工作日的提醒并入当天。",
        "到期本息 = 本金 × (1 + 利率 × 存期/12) 单利; 零存整取 ≈ 余额 × (1 + 利率 × (n+1)/24)(余额 = 月存额 × n); 未扣税(储蓄存款利息个税 2008-10-09 起暂免)。",
        "到期日为空: 有起息日与期限时按 起息日 + 期限(月) 推算(按月, 2 月 29 日起息 1 年 → 次年 2 月 28 日; 期限 ≤ 0 或超过 600 个月记 TERM_INVALID, 不据此推算); 到期日早于起息日: 剔除并记 DATE_ORDER。",
        "通知存款: " + ("无到期日, 不计入(参数 exclude)。" if params.notice_handling == "exclude"
                    else f"按数据日期后 {params.notice_days} 天到期计入(参数 seven_days)。"),
        f"提醒名单{rem_order}",
        "客户标签: D2_REMINDER 到期提醒(标签值 = 客户在提醒名单中的最高得分, 等级同行); D2_LARGE_MATURITY 大额到期"
        f"(未来 {params.calendar_days} 天内到期合计, {ctx.base_unit}); D2_OVERDUE 已到期未支取(余额合计, {ctx.base_unit})。",
    ]
    report.notes = notes + [
        ("续存率(到期后 7 天内同客户新做定期/大额存单/理财金额 ÷ 到期金额)未计算: 输入只有数据日期的定期存款快照, "
        "没有到期后的交易或新开户数据。提供下一期明细或交易流水后可作为活动基线计算。"),
        "已到期未支取 = 到期日早于数据日期、数据日期仍有余额(未自动转存或未支取)。",
    ]
    return report


SPEC = Scenario(
    id="deposit.maturity", code="D2", title="存款到期视图", group="存款营销",
    inputs=("time_deposits",), optional_inputs=("orgs", "customers"),
    params=MaturityParams, run=run,
    summary="定期存款按机构/月份/期限/金额段的到期结构、未来 60 天到期日历与排班、到期前 30/15/7/1 天提醒名单",
    as_of_from=None, outlet_tables=("time_deposits",),
    template=build_maturity_template, template_file="存款到期视图模板.xlsx",
)
