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
    "DETAIL_COLUMNS",
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


def _bracket(x: np.ndarray, brackets) -> tuple[np.ndarray, np.ndarray]:
    """(预扣率, 速算扣除数) of each 累计应纳税所得额 in ``x`` (boundaries inclusive upward)."""
    upper, rate, quick = _table(brackets)
    i = np.minimum(np.searchsorted(upper, x, side="left"), len(upper) - 1)
    return rate[i], quick[i]


def annual_tax(cum_taxable, brackets=BRACKETS) -> np.ndarray:
    """Tax due on a cumulative taxable income (元): ``income × rate − 速算扣除数``, 0 for income ≤ 0.

    ``cum_taxable``: array-like of 累计应纳税所得额 (any shape). ``brackets``: (upper bound incl., rate,
    速算扣除数) rows in ascending order, the last with upper bound ``inf`` (default :data:`BRACKETS`).
    Boundaries are inclusive upward (36,000 is taxed at 3%, 36,000.01 at 10%). Returns float64 of the
    same shape, rounded to 0.01.
    """
    x = np.asarray(cum_taxable, dtype=np.float64)
    rate, quick = _bracket(x, brackets)
    due = np.where(x > 0, x * rate - quick, 0.0)
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


#: Columns of ``cumulative_iit_long(..., detail=True)``: English id -> the 中文 label a report shows.
DETAIL_COLUMNS: dict[str, str] = {
    "year": "年度",
    "first_month": "起算月份",
    "months_employed": "任职月数",
    "cum_income": "累计收入",
    "cum_basic": "累计减除费用",
    "cum_special": "累计专项扣除",
    "cum_special_additional": "累计专项附加扣除",
    "cum_other": "累计其他扣除",
    "cum_deduction": "累计扣除",
    "cum_taxable": "累计应纳税所得额",
    "rate": "预扣率",
    "quick_deduction": "速算扣除数",
    "cum_tax_due": "累计应纳税额",
    "withheld_before": "已预扣",
    "tax": "本期应预扣",
}


def cumulative_iit_long(
    emp_id: pd.Series,
    month: pd.Series,
    income: pd.Series,
    special_deduction: pd.Series | float = 0.0,
    special_additional: pd.Series | float = 0.0,
    other_deduction: pd.Series | float = 0.0,
    *,
    basic_deduction: float = BASIC_DEDUCTION,
    brackets=BRACKETS,
    detail: bool = False,
) -> pd.Series | pd.DataFrame:
    """累计预扣法 on a long table (one row per employee and month), e.g. the canonical ``payroll`` table.
    The one implementation of the rule for long tables (M1, the sample and template generators and the
    ``BANKXL.IIT`` worksheet function all use it).

    ``emp_id``: employee key; ``month``: datetime-like (any day in the month); ``income``: 本月收入额
    (元, normally 应发合计 ``gross``); ``special_deduction``: 专项扣除 (养老 + 医疗 + 失业 + 住房公积金);
    ``special_additional``: 专项附加扣除; ``other_deduction``: 其他扣除 (企业年金个人缴费 etc.). Series must
    share one index; scalars apply to every row. NaN counts as 0. ``basic_deduction``: 减除费用 per month
    (元); ``brackets``: the 预扣率表 as (upper bound of 累计应纳税所得额 incl., rate, 速算扣除数) rows,
    ascending, last bound ``inf`` (default :data:`BRACKETS`).

    Tax years are calendar years; within a year, an employee's 累计减除费用 is ``basic_deduction`` ×
    (month number − the employee's first month in that year + 1), so a mid-year hire starts at one
    month's deduction and a gap month (e.g. unpaid leave) still counts as a month of employment. Two rows
    for one employee and month (a supplementary payment) are added up for that month; the month's tax is
    put on the first of them and 0 on the others.

    Returns, aligned with ``emp_id``'s index:

    * ``detail=False`` (default): a float64 Series named ``iit`` (元, rounded to 0.01): the tax to
      withhold in each row's month (本期应预扣);
    * ``detail=True``: a DataFrame with the cumulative columns of :data:`DETAIL_COLUMNS` (English ids;
      中文 labels in that mapping): ``year``, ``first_month`` (1–12, the employee's first month of that
      year in the data), ``months_employed``, ``cum_income``, ``cum_basic``, ``cum_special``,
      ``cum_special_additional``, ``cum_other``, ``cum_deduction`` (= the four deductions), ``cum_taxable``
      (= cum_income − cum_deduction), ``rate`` and ``quick_deduction`` (the bracket of cum_taxable),
      ``cum_tax_due`` (= max(cum_taxable × rate − quick_deduction, 0), rounded), ``withheld_before``
      (已预扣 in earlier months of the year = running maximum of cum_tax_due up to the previous month) and
      ``tax`` (本期应预扣 = max(cum_tax_due − withheld_before, 0); the Series of ``detail=False``). Rows
      sharing an employee and month repeat that month's cumulative values; ``tax`` is on the first only.
    """
    idx = emp_id.index
    n = len(idx)

    def col(v):
        if isinstance(v, pd.Series):
            return np.nan_to_num(pd.to_numeric(v, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
        return np.full(n, float(v), dtype=np.float64)

    if n == 0:
        if detail:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("year", "first_month", "months_employed")
                                              else "float64") for c in DETAIL_COLUMNS}, index=idx)
        return pd.Series(np.zeros(0), index=idx, dtype="float64", name="iit")
    m = pd.to_datetime(month).to_numpy().astype("datetime64[M]")
    year = m.astype("datetime64[Y]").astype(np.int64) + 1970
    mon = m.astype(np.int64) - (year - 1970) * 12  # 0..11

    # employees as integer codes (a blank emp_id is one code of its own): grouping and mapping back stay on ints
    emp = pd.factorize(emp_id, use_na_sentinel=False)[0].astype(np.int64)
    frame = pd.DataFrame({"emp": emp, "year": year, "mon": mon,
                          "income": col(income), "special": col(special_deduction),
                          "special_additional": col(special_additional), "other": col(other_deduction)})
    amounts = ["income", "special", "special_additional", "other"]
    # one line per employee, year and month; ``line`` = each input row's line in ``g``
    grouped = frame.groupby(["emp", "year", "mon"], sort=True)
    g = grouped[amounts].sum().reset_index()
    line = grouped.ngroup().to_numpy()
    key_change = (g["emp"].ne(g["emp"].shift()) | g["year"].ne(g["year"].shift())).to_numpy()
    grp = np.cumsum(key_change) - 1
    g["first_month"] = g.groupby(grp)["mon"].transform("min") + 1
    g["months_employed"] = g["mon"] - g["first_month"] + 2
    for a in amounts:
        g["cum_" + a] = g.groupby(grp)[a].cumsum()
    g["cum_basic"] = basic_deduction * g["months_employed"].to_numpy(dtype=np.float64)
    g["cum_deduction"] = g["cum_basic"] + g["cum_special"] + g["cum_special_additional"] + g["cum_other"]
    g["cum_taxable"] = g["cum_income"] - g["cum_deduction"]
    x = g["cum_taxable"].to_numpy(dtype=np.float64)
    g["rate"], g["quick_deduction"] = _bracket(x, brackets)
    g["cum_tax_due"] = annual_tax(x, brackets)
    withheld = g["cum_tax_due"].groupby(grp).cummax()
    g["withheld_before"] = withheld.groupby(grp).shift(1, fill_value=0.0)
    g["tax"] = round_half_up((withheld - g["withheld_before"]).to_numpy())

    # back to the input rows: the tax goes on the first row of each (emp, year, month)
    keep = ["tax"] if not detail else [c for c in DETAIL_COLUMNS if c != "year"]
    merged = g[["year", *keep]].take(line).reset_index(drop=True)
    tax = merged["tax"].to_numpy(dtype=np.float64, copy=True)
    tax[pd.Series(line).duplicated(keep="first").to_numpy()] = 0.0
    if not detail:
        return pd.Series(tax, index=idx, dtype="float64", name="iit")
    out = merged[list(DETAIL_COLUMNS)].copy()
    out["tax"] = tax
    out = out.astype({"year": "int64", "first_month": "int64", "months_employed": "int64"})
    out.index = idx
    return out


def annual_bonus_iit(bonus) -> np.ndarray:
    """Tax on a 全年一次性奖金 taxed on its own (单独计税): bonus × rate − 速算扣除数, with the bracket
    found from bonus / 12 in :data:`BONUS_BRACKETS`. Vectorised; 元, rounded to 0.01; 0 for bonus ≤ 0."""
    b = np.asarray(bonus, dtype=np.float64)
    rate, quick = _bracket(b / 12.0, BONUS_BRACKETS)
    return round_half_up(np.where(b > 0, np.maximum(b * rate - quick, 0.0), 0.0))
