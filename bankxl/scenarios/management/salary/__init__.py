"""M1 员工工资可视化 — staff salary checks and charts (SCENARIOS.md §5 "M1").

Input ``payroll`` (canonical table 员工工资, one row per employee and month; see ``bankxl.tables``): month,
emp_id, emp_name, dept, org_id, position, grade, the 应发 items :data:`~bankxl.tables.PAY_ITEMS`, gross,
the deductions :data:`~bankxl.tables.PAY_DEDUCTIONS`, special_additional, net; money in 元 (float64),
``_row`` = Excel row. Optional ``orgs`` (机构) names the department when ``dept`` is empty (org_id ->
org_name).

Checks (all rows of the file):

* 应发合计 = Σ 应发项目 and 实发合计 = 应发合计 − Σ 扣款项目, within ``tolerance``; a row outside is listed on
  校验结果 with its Excel row and recorded as ``SUM_MISMATCH`` in ``ctx.problems``. An item column the file
  lacks counts 0 (the bank has no such item), and so does a blank 应发 item (an item not paid that month);
  a BLANK deduction cell (or 应发合计) of a column the file has is unknown, not 0: that row's 实发 check is
  not made and the row is listed as ``MISSING_ITEM`` naming the blank items (never a mismatch computed
  with 0); 说明 says so. A check is skipped (with a note) when every item column of it is empty in the file.
* 个人所得税 recomputed by the cumulative withholding method (累计预扣法) with
  :func:`bankxl.tax.cumulative_iit_long` per employee and calendar year: income = 应发合计; 专项扣除 =
  养老 + 医疗 + 失业 + 住房公积金; 专项附加扣除 from the file; 其他扣除 = 企业年金个人缴费 up to
  ``annuity_cap_rate`` (4%) of the month's 应发合计 (the real cap is 4% of the 缴费工资计税基数, which the
  file does not hold; 应发 stands in for it). |个税 − 重算| > tolerance -> ``TAX_MISMATCH``. When the file has
  no 专项附加扣除 at all (or no 个人所得税) the tax check is skipped and 说明 says so — no employee is flagged.
  Several rows of one employee in one month are added up first (tax compared per employee and month).
  An export that starts after January of a tax year (file's first month m > 1 in that year): employees
  paid in month m may have January..m−1 income the file lacks, so their tax that year is NOT checked (note
  on 说明 and 个税核对: "文件缺少 1–(m−1) 月工资 ..."; never flagged); employees whose first month that year
  is later than m are mid-year joiners and are checked from their first month (listed on 个税核对).
  Unknown is not zero: once an employee has a month whose taxable income is unknown (blank 应发合计 or a
  blank 三险一金 item of a column the file has; a row of his with an unknown month; a month holding rows
  without 员工号 in which he has no row), that month and every later month of his that year are not
  checked — one ``MISSING_ITEM`` on 个人所得税 per employee and year names the first unknown month.
* Rows that cannot be followed across months are left out of every check and statistic: a 月份 outside
  ``month_range`` of the as-of month (``DATE_INVALID``), a blank 员工号 (reported once, never pooled into
  one pseudo-employee).
* 缴费比例提示 (information only, not a data problem): the contribution base implied by 养老保险 / 8% is used
  to check 医疗/失业 (difference > 1 元) and the 住房公积金 rate range; optional base limits.

Visuals (window = the ``window_months`` months up to the as-of month): 工资结构 (fixed = 基本 + 岗位 + 津补贴,
performance = 绩效 + 加班 + 其他, per department, stacked and 100% stacked columns), 部门排名 (median,
P25/P75 of each employee's monthly average gross/net; min/P25/median/P75/max as a box-plot substitute;
quantiles by linear interpolation = Excel PERCENTILE.INC), 扣款构成 (sum and share per deduction, pie,
a waterfall table 应发 → −各扣款 → 实发 with its chart), 月度趋势 (all months up to the as-of month: gross,
net, headcount; a month whose total gross exceeds ``bonus_factor`` × the median month is marked 年终奖月).
Departments with fewer than ``min_group_size`` staff are pooled as 其他部门(合并) so no statistic shows one
person's pay. Individual ranking only with ``show_individual`` (names always masked there).

Raises nothing of its own: a missing required column is the loader's DataValidationError.

Modules: :mod:`.params` (SalaryParams, item groups), :mod:`.checks` (followable rows, 应发/实发/个税 checks,
unknown months, 缴费比例提示), :mod:`.report` (the sheets and :func:`run`), :mod:`.template` (the
员工工资可视化模板.xlsx hook).
"""
from __future__ import annotations

from ....scenario import Scenario
from .checks import _contribution_hints
from .params import FIXED_ITEMS, PERF_ITEMS, POOLED, SOCIAL_ITEMS, SalaryParams
from .report import run
from .template import build_salary_template

#: what ``bankxl.scenarios.management.salary`` offers (its tests use these names)
__all__ = ["SPEC", "SalaryParams", "run", "POOLED", "FIXED_ITEMS", "PERF_ITEMS", "SOCIAL_ITEMS",
           "build_salary_template", "_contribution_hints"]

SPEC = Scenario(
    id="management.salary", code="M1", title="员工工资可视化", group="综合管理",
    inputs=("payroll",), optional_inputs=("orgs",), params=SalaryParams, run=run,
    summary="核对应发/实发/个税(累计预扣法), 按部门展示工资结构、中位数排名、扣款构成和月度趋势",
    as_of_from=("payroll", "month"),
    template=build_salary_template, template_file="员工工资可视化模板.xlsx",
)
