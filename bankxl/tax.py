"""Individual income tax (个人所得税) on wages: the cumulative withholding method (累计预扣法).

Rules (SCENARIOS.md M1, 【S25】; 国家税务总局公告 2018 年第 61 号):

* 累计预扣预缴应纳税所得额 = 累计收入 − 累计免税收入 − 累计减除费用(5,000 元 × 本单位任职受雇月份数)
  − 累计专项扣除(三险一金) − 累计专项附加扣除 − 累计依法确定的其他扣除(如企业年金个人缴费);
* 累计应预扣税额 = 累计应纳税所得额 × 预扣率 − 速算扣除数 (综合所得年度税率表, :data:`BRACKETS`);
* 本期应预扣税额 = 累计应预扣税额 − 累计已预扣税额; a negative result is not refunded during the year
  (暂不退税, 留待汇算清缴), so the amount withheld so far is the running maximum of the cumulative tax due.

Test vector (SCENARIOS.md §8): income 30,000/month, 三险一金 1,400, 专项附加 1,000 -> monthly taxable
22,600; January 22,600 × 3% = 678.00; February 45,200 × 10% − 2,520 − 678 = 1,322.00.

Amounts are 元 (float64); every tax amount is rounded half-up to 0.01 元 (分). Everything is vectorised:
:func:`cumulative_iit` takes a 2-D (employees × months) array, :func:`cumulative_iit_long` a long table
(one row per employee and month, e.g. the canonical ``payroll`` table) — the M1 scenario uses the latter
to recompute the tax and compare it with the withheld amount.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "BASIC_DEDUCTION",
    "BONUS_BRACKETS",
    "BRACKETS",
    "annual_bonus_iit",
    "annual_tax",
    "cumulative_iit",
    "cumulative_iit_long",
    "round_half_up",
]

#: 基本减除费用 per month (元).
BASIC_DEDUCTION = 5_000.0

#: 综合所得年度税率表 (居民个人工资薪金预扣预缴): (upper bound of 累计应纳税所得额 incl., rate, 速算扣除数).
BRACKETS: tuple[tuple[float, float, float], ...] = (
    (36_000.0, 0.03, 0.0),
    (144_000.0, 0.10, 2_520.0),
    (300_000.0, 0.20, 16_920.0),
    (420_000.0, 0.25, 31_920.0),
    (660_000.0, 0.30, 52_920.0),
    (960_000.0, 0.35, 85_920.0),
    (float("inf"), 0.45, 181_920.0),
)

#: 按月换算后的综合所得税率表 (全年一次性奖金单独计税: 奖金 / 12 找档): (upper bound, rate, 速算扣除数).
BONUS_BRACKETS: tuple[tuple[float, float, float], ...] = (
    (3_000.0, 0.03, 0.0),
    (12_000.0, 0.10, 210.0),
    (25_000.0, 0.20, 1_410.0),
    (35_000.0, 0.25, 2_660.0),
    (55_000.0, 0.30, 4_410.0),
    (80_000.0, 0.35, 7_160.0),
    (float("inf"), 0.45, 15_160.0),
)


def round_half_up(x, decimals: int = 2) -> np.ndarray:
    """Round half away from zero to ``decimals`` places (money: 0.01 元), vectorised.

    ``np.round`` rounds half to even and binary floats such as 1.005 sit just below the half; a tiny
    relative nudge makes 1.005 -> 1.01 as a cashier would.
    """
    a = np.asarray(x, dtype=np.float64)
    f = 10.0**decimals
    return np.sign(a) * np.floor(np.abs(a) * f * (1 + 1e-12) + 0.5) / f


def _table(brackets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = np.array(brackets, dtype=np.float64)
    return b[:, 0], b[:, 1], b[:, 2]


def annual_tax(cum_taxable, brackets=BRACKETS) -> np.ndarray:
    """Tax due on a cumulative taxable income (元): ``income × rate − 速算扣除数``, 0 for income ≤ 0.

    ``cum_taxable``: array-like of 累计应纳税所得额 (any shape). Boundaries are inclusive upward
    (36,000 is taxed at 3%, 36,000.01 at 10%). Returns float64 of the same shape, rounded to 0.01.
    """
    x = np.asarray(cum_taxable, dtype=np.float64)
    upper, rate, quick = _table(brackets)
    i = np.searchsorted(upper, x, side="left")
    i = np.minimum(i, len(upper) - 1)
    due = np.where(x > 0, x * rate[i] - quick[i], 0.0)
    return round_half_up(np.maximum(due, 0.0))


def cumulative_iit(taxable_by_month, *, basic_deduction: float | None = None) -> np.ndarray:
    """Monthly withholding under 累计预扣法, vectorised over employees.

    ``taxable_by_month``: array-like of shape ``(months,)`` or ``(employees, months)``; month ``j`` (in
    order, January first, consecutive months of employment at this employer in one tax year) holds that
    month's income after the monthly deductions, i.e.
    ``收入 − 5,000 − 专项扣除(三险一金) − 专项附加扣除 − 其他扣除`` (may be negative). Pass
    ``basic_deduction=5000`` instead to give pre-basic amounts (``收入 − 专项 − 专项附加 − 其他``): the
    5,000 is then subtracted here. NaN counts as 0.

    Returns float64 of the same shape: 本期应预扣预缴税额 per month (元, ≥ 0, rounded to 0.01). The sum over
    months equals :func:`annual_tax` of the cumulative taxable income, apart from months where a drop in
    income would have produced a refund (none is paid during the year).
    """
    a = np.nan_to_num(np.asarray(taxable_by_month, dtype=np.float64), nan=0.0)
    if basic_deduction:
        a = a - float(basic_deduction)
    if a.ndim == 0:
        a = a.reshape(1)
    cum = np.cumsum(a, axis=-1)
    due = annual_tax(cum)
    withheld = np.maximum.accumulate(due, axis=-1)
    prev = np.concatenate([np.zeros(withheld.shape[:-1] + (1,)), withheld[..., :-1]], axis=-1)
    return round_half_up(withheld - prev)


def cumulative_iit_long(
    emp_id: pd.Series,
    month: pd.Series,
    income: pd.Series,
    special_deduction: pd.Series | float = 0.0,
    special_additional: pd.Series | float = 0.0,
    other_deduction: pd.Series | float = 0.0,
    *,
    basic_deduction: float = BASIC_DEDUCTION,
) -> pd.Series:
    """累计预扣法 on a long table (one row per employee and month), e.g. the canonical ``payroll`` table.

    ``emp_id``: employee key; ``month``: datetime-like (any day in the month); ``income``: 本月收入额
    (元, normally 应发合计 ``gross``); ``special_deduction``: 专项扣除 (养老 + 医疗 + 失业 + 住房公积金);
    ``special_additional``: 专项附加扣除; ``other_deduction``: 其他扣除 (企业年金个人缴费 etc.). Series must
    share one index; scalars apply to every row. NaN counts as 0.

    Tax years are calendar years; within a year, an employee's 累计减除费用 is 5,000 × (month number −
    the employee's first month in that year + 1), so a mid-year hire starts at 5,000 and a gap month
    (e.g. unpaid leave) still counts as a month of employment. Two rows for one employee and month (a
    supplementary payment) are added up for that month; the month's tax is put on the first of them
    and 0 on the others.

    Returns a float64 Series (元, rounded to 0.01) aligned with ``emp_id``'s index: the tax to withhold in
    each row's month.
    """
    idx = emp_id.index
    n = len(idx)

    def col(v):
        if isinstance(v, pd.Series):
            return pd.to_numeric(v, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        return np.full(n, float(v), dtype=np.float64)

    if n == 0:
        return pd.Series(np.zeros(0), index=idx, dtype="float64")
    m = pd.to_datetime(month).to_numpy().astype("datetime64[M]")
    year = m.astype("datetime64[Y]").astype(np.int64) + 1970
    mon = m.astype(np.int64) - (year - 1970) * 12  # 0..11
    amount = np.nan_to_num(
        col(income) - col(special_deduction) - col(special_additional) - col(other_deduction)
    )

    frame = pd.DataFrame({"emp": emp_id.astype(object).to_numpy(), "year": year, "mon": mon, "amt": amount})
    # one line per employee, year and month
    g = frame.groupby(["emp", "year", "mon"], sort=True, dropna=False)["amt"].sum().reset_index()
    key_change = (g["emp"].ne(g["emp"].shift()) | g["year"].ne(g["year"].shift())).to_numpy()
    grp = np.cumsum(key_change) - 1
    first_mon = g.groupby(grp)["mon"].transform("min").to_numpy()
    months_employed = g["mon"].to_numpy() - first_mon + 1
    cum_income = g.groupby(grp)["amt"].cumsum().to_numpy()
    cum_taxable = cum_income - basic_deduction * months_employed
    due = annual_tax(cum_taxable)
    withheld = pd.Series(due).groupby(grp).cummax().to_numpy()
    prev = pd.Series(withheld).groupby(grp).shift(1, fill_value=0.0).to_numpy()
    g["tax"] = round_half_up(withheld - prev)

    # back to the input rows: the tax goes on the first row of each (emp, year, month)
    merged = frame.reset_index(drop=True).merge(
        g[["emp", "year", "mon", "tax"]], on=["emp", "year", "mon"], how="left", sort=False
    )
    tax = merged["tax"].to_numpy(dtype=np.float64, copy=True)
    dup = frame.duplicated(["emp", "year", "mon"], keep="first").to_numpy()
    tax[dup] = 0.0
    return pd.Series(tax, index=idx, dtype="float64", name="iit")


def annual_bonus_iit(bonus) -> np.ndarray:
    """Tax on a 全年一次性奖金 taxed on its own (单独计税): bonus × rate − 速算扣除数, with the bracket
    found from bonus / 12 in :data:`BONUS_BRACKETS`. Vectorised; 元, rounded to 0.01; 0 for bonus ≤ 0."""
    b = np.asarray(bonus, dtype=np.float64)
    upper, rate, quick = _table(BONUS_BRACKETS)
    i = np.minimum(np.searchsorted(upper, b / 12.0, side="left"), len(upper) - 1)
    return round_half_up(np.where(b > 0, np.maximum(b * rate[i] - quick[i], 0.0), 0.0))
