"""D5 存款营销指标分解 Deposit target decomposition and tracking (SCENARIOS.md "D5", §0.3, §0.4).

Inputs (canonical tables, ``bankxl.tables``):

* ``deposit_targets`` 存款目标 — two layouts are accepted:

  1. **分解 (decompose)**: exactly one row carries 目标日均 ``target`` (元): the bank (or the parent org),
     with 考核期起/止 ``period_start``/``period_end`` (default: the calendar year of the as-of date) and
     optionally 基期日均 ``base``. Every other row is an outlet with its factors 上年日均 ``prior_avg``,
     上年日均增量 ``prior_increment``, 市场潜力 ``potential`` (元) and 人数 ``staff_count`` (人; falls back to
     ``orgs.staff_count``); an outlet's 基期日均 ``base`` defaults to its ``prior_avg`` (a new outlet with
     neither has base 0). The bank's base defaults to the root row's ``base``, else its ``prior_avg``,
     else the sum of the outlets' bases. When ``orgs`` gives a hierarchy, only leaf rows are decomposed.
  2. **跟踪 (tracking only)**: several rows carry their own 目标日均 (the head office already split the
     target). No decomposition: each org's increment is ``target − base`` (base as above) and the
     time split, required daily balance, deviation and progress are computed per org.

  Several metrics (``metric`` 指标) in one file: the parameter ``metric`` chooses one (default
  各项存款日均, else the first one in the file); the others are ignored (noted in 说明).
* ``org_daily_balances`` 机构日余额 — date · org_id · balance (元) [· metric]. When the 指标 column has values,
  only the balances of the target's metric are used: the metric itself or its name without 日均 (target
  各项存款日均 -> balances 各项存款; rows with an empty 指标 count as 各项存款, the table's default); when the
  column is absent or empty the balances are taken to be the target's metric (said in 说明). Missing days and non-business
  days are forward-filled; days before an outlet's first balance (or its 开业日期 in ``orgs``) count 0
  (SCENARIOS §0.3); leading non-business days of the period before the first exported day are filled with
  the first balance.
* ``orgs`` 机构 (optional) — org_name, parent_id, staff_count, open_date.

Output (a :class:`~bankxl.report.Report`, money shown in ``ctx.unit``): sheets 指标分解 (factors, shares,
ΔT_i, targets, quarterly split, 合计 row, bar chart), 月度分解 (monthly increments, 本月日均目标 a_m per
month with their day-weighted annual mean, seasonal factors), 所需日均 (N, d, S_d, A*, R, 当前余额, 缺口,
可达性; 基本不可达 in red), 偏离度预警, 进度 (time vs task progress, chart).

Method (SCENARIOS.md D5): ΔT = 目标日均 − 基期日均; ΔT_i = ΔT × Σ_k w_k·s_{k,i} (s = factor share, negative
factor values count 0; a factor that is zero/missing for every outlet has its weight redistributed over the
other factors in proportion to their weights; with no usable factor at all ΔT is split equally); rounded to
``rounding_unit`` with the largest-remainder method so the parts sum to ΔT exactly. Quarterly split of ΔT_i
by ``quarter_progress`` (largest remainder); monthly split within a quarter by prior-year seasonal factors
(the bank-total daily average of each month of the prior-year period as a share of its quarter) when the
daily balances have data in every month of the prior-year period, else equally. Required daily balance
R = (A*·N − S_d)/(N − d); month-end deviation (月末余额 − 月日均)/月日均 (§0.4).

Monthly target (本月 A*, :func:`monthly_targets`): the quarterly/monthly increments are the progress plan of
the 年累计日均 (daily average from the period start to a month end): at the end of month m it should be
base + C_m, C_m = Σ_{k<=m} 月度增量_k (so 40/25/20/15 means 40 % of ΔT_i in the year-to-date daily average by
the end of Q1). The month's own daily-average target is then a_m = base + (C_m·D_m − C_{m−1}·D_{m−1})/days_m
(D_m = days from the period start to the end of month m, days_m = days of month m in the period). Because
C_last = ΔT_i, Σ_m a_m·days_m / N = base + ΔT_i = the annual target exactly: a branch that meets every
monthly target meets the annual one (and its 本月 and 考核期 verdicts end the period both 已达成).

The pure formulas (:func:`largest_remainder`, :func:`required_daily_balance`, :func:`deviation`,
:func:`daily_average`, :func:`daily_balances`) are public: the Excel UDFs and the template builder
(``bankxl.templates``) call them.

Errors: :class:`~bankxl.errors.DataValidationError` when 机构日余额 has 指标 values but none for the target's
metric (the message names the metric and the metrics found), and when the bank-level 目标日均 of a
decomposition (or every org's 目标日均 in tracking mode) is ≤ 0 (names sheet, column 目标日均(target) and the
Excel row: the whole report hinges on that number). Otherwise none for data content — a file without any
目标日均 gives a report that says so, and when every row with a 目标日均 has 考核期起 > 考核期止. Row problems go
to ``ctx.problems``: duplicate org rows (DUP_KEY), a row with 考核期起 > 考核期止 (DATE_ORDER; left out),
empty/negative factors, a tracking-mode org target ≤ 0 (``deposit_targets`` VALUE_INVALID, column
目标日均(target); that org is not tracked), an org without any daily balance (``org_daily_balances``
REQUIRED_EMPTY, column 机构号(org_id); its balance counts 0). Negative daily balances are flagged by the loader
(NEG_BALANCE, ``org_daily_balances.balance`` is nonneg) and noted in 说明; they are used as given.

Modules: :mod:`.params` (TargetParams, labels), :mod:`.formulas` (the public pure formulas), :mod:`.compute`
(metric choice, checks of the target table, daily balances, time split, tracking), :mod:`.report` (the
sheets and :func:`run`), :mod:`.template` (the 存款目标分解模板.xlsx hook).
"""
from __future__ import annotations

from ....scenario import Scenario
from .formulas import (daily_average, daily_balances, deviation, factor_shares, largest_remainder, monthly_targets,
                       reach_label, required_daily_balance)
from .params import TargetParams
from .report import monthly_pivot_spec, monthly_task_table, run
from .template import build_targets_template

#: what ``bankxl.scenarios.deposit.targets`` offers (its tests, the UDFs and the template use these names)
__all__ = ["SPEC", "TargetParams", "run", "daily_average", "daily_balances", "deviation", "factor_shares",
           "largest_remainder", "monthly_targets", "reach_label", "required_daily_balance", "monthly_pivot_spec",
           "monthly_task_table", "build_targets_template"]

SPEC = Scenario(
    id="deposit.targets", code="D5", title="存款营销指标分解", group="存款营销",
    inputs=("deposit_targets", "org_daily_balances"), optional_inputs=("orgs",),
    params=TargetParams, run=run,
    summary="全行存款日均目标按存量/增量/潜力/人数分解到机构和季度、月度, 并计算所需日均、偏离度与进度",
    as_of_from=("org_daily_balances", "date"),
    template=build_targets_template, template_file="存款目标分解模板.xlsx",
)
