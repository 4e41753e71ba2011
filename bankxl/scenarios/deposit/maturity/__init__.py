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
excluded), TERM_INVALID (期限 > ``max_term_m`` (600) months, or ≤ 0 for a product with a term: the term is blanked — derived from
the dates when 到期日 is given, no maturity derived otherwise), DATE_INVALID (a derived 到期日 beyond 2261: row
excluded), VALUE_INVALID (机构号 not in the 机构 table: kept under 未匹配机构).
Raises :class:`~bankxl.errors.ParameterError` for inconsistent parameters. Inputs are never modified.

Modules: :mod:`.params` (MaturityParams), :mod:`.labels` (axis labels, bands), :mod:`.prepare` (cleaning,
org hierarchy, 到期本息), :mod:`.aggregate` (到期结构, 到期分布, 到期日历), :mod:`.staffing` (排班 and the
大额到期客户 list), :mod:`.reminders` (提醒名单, 客户标签), :mod:`.report` (到期明细, pivots, :func:`run`),
:mod:`.template` (the 存款到期视图模板.xlsx hook).
"""
from __future__ import annotations

from ....scenario import Scenario
from .labels import amount_band, amount_band_labels, dtm_band, dtm_band_labels, month_periods, term_label
from .params import MaturityParams
from .prepare import prepare
from .report import (DETAIL_OVERHEAD_ROWS, EXCEL_MAX_ROWS, PIVOT_SOURCE_AGG, PIVOT_SOURCE_DETAIL, PIVOT_SPEC,
                     PIVOT_SPEC_COUNT, aggregate_for_pivot, pivot_specs, run)
from .template import build_maturity_template

#: what ``bankxl.scenarios.deposit.maturity`` offers (its tests, the UDFs and the template use these names)
__all__ = ["SPEC", "MaturityParams", "run", "prepare", "amount_band", "amount_band_labels", "dtm_band",
           "dtm_band_labels", "month_periods", "term_label", "pivot_specs", "aggregate_for_pivot", "PIVOT_SPEC",
           "PIVOT_SPEC_COUNT", "PIVOT_SOURCE_AGG", "PIVOT_SOURCE_DETAIL", "EXCEL_MAX_ROWS", "DETAIL_OVERHEAD_ROWS",
           "build_maturity_template"]


SPEC = Scenario(
    id="deposit.maturity", code="D2", title="存款到期视图", group="存款营销",
    inputs=("time_deposits",), optional_inputs=("orgs", "customers"),
    params=MaturityParams, run=run,
    summary="定期存款按机构/月份/期限/金额段的到期结构、未来 60 天到期日历与排班、到期前 30/15/7/1 天提醒名单",
    as_of_from=None, outlet_tables=("time_deposits",),
    template=build_maturity_template, template_file="存款到期视图模板.xlsx",
)
