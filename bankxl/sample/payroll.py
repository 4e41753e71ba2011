"""Sample ``payroll`` (员工工资) and the staff it pays: items, social contributions, 累计预扣法 tax, planted errors."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..tax import cumulative_iit, round_half_up
from ._common import _chuxi, _digits, _finish, _names


#: 缴费基数上下限 (元/月): 60% and 300% of an assumed local average wage of 12,000 元.
CONTRIB_BASE = (7_200.0, 36_000.0)


#: Employee contribution rates on the contribution base.
SOCIAL_RATES = {"pension": 0.08, "medical": 0.02, "unemployment": 0.005, "housing_fund": 0.12}


ANNUITY_RATE = 0.02


@dataclass(frozen=True)
class PlantedPayrollError:
    """A deliberate payroll anomaly: (month of the as-of year, emp_id), the check that must catch it."""

    month: int
    emp_id: str
    check: str  # 'gross' (gross != Σ items), 'net' (net != gross − Σ deductions), 'iit' (tax != 累计预扣法)
    delta: float
    note: str


PLANTED_PAYROLL_ERRORS: tuple[PlantedPayrollError, ...] = (
    PlantedPayrollError(
        3, "000007", "gross", 100.0, "绩效工资改动后应发合计未更新: Σ应发项目 = 应发合计 + 100"
    ),
    PlantedPayrollError(
        7, "000023", "gross", -100.0, "津补贴改动后应发合计未更新: Σ应发项目 = 应发合计 − 100"
    ),
    PlantedPayrollError(9, "000042", "net", -200.0, "实发合计少 200 元: 实发 = 应发 − Σ扣款 − 200"),
    PlantedPayrollError(11, "000015", "iit", 88.0, "个税比累计预扣法多 88 元(实发相应减少)"),
)


_HQ_DEPTS = (
    "办公室",
    "人力资源部",
    "财务会计部",
    "风险管理部",
    "个人金融部",
    "公司金融部",
    "信息科技部",
    "运营管理部",
)


_BRANCH_DEPTS = ("综合办公室", "个人金融部", "公司金融部", "风险管理部", "运营管理部")


_BASIC_BY_GRADE = {
    "P1": 3000,
    "P2": 3400,
    "P3": 3900,
    "P4": 4500,
    "P5": 5200,
    "P6": 6000,
    "M1": 6500,
    "M2": 7500,
    "M3": 9000,
    "M4": 11000,
}


_POST = {
    "柜员": 2200,
    "大堂经理": 2600,
    "客户经理": 3000,
    "理财经理": 3200,
    "专业岗": 3000,
    "部门经理": 5000,
    "副行长": 6000,
    "行长": 8000,
}


_PERF = {
    "柜员": (2500, 0.20),
    "大堂经理": (2600, 0.20),
    "客户经理": (4500, 0.45),
    "理财经理": (4200, 0.40),
    "专业岗": (3500, 0.20),
    "部门经理": (7000, 0.25),
    "副行长": (9000, 0.25),
    "行长": (12000, 0.25),
}


def _make_staff(rng: np.random.Generator, orgs: pd.DataFrame, n_months: int) -> pd.DataFrame:
    """One row per employee: org, dept, position, grade, pay parameters, months employed (1-based)."""
    recs = []
    for org_id, name, level, staff in orgs[["org_id", "org_name", "level", "staff_count"]].itertuples(
        index=False
    ):
        staff = int(staff)
        if level == "全行":
            pos = ["行长", "副行长", "副行长"] + ["部门经理"] * len(_HQ_DEPTS)
            pos += ["专业岗"] * (staff - len(pos))
            depts = (
                ["行领导"] * 3
                + list(_HQ_DEPTS)
                + [_HQ_DEPTS[i % len(_HQ_DEPTS)] for i in range(staff - 3 - 8)]
            )
            grades = ["M4", "M3", "M3"] + ["M2"] * len(_HQ_DEPTS) + [None] * (staff - 3 - len(_HQ_DEPTS))
        elif level == "分行":
            pos = ["行长", "副行长"] + ["部门经理"] * len(_BRANCH_DEPTS)
            rest = staff - len(pos)
            n_cm = rest * 3 // 10
            pos += ["客户经理"] * n_cm + ["专业岗"] * (rest - n_cm)
            depts = [f"{name}行领导"] * 2 + [f"{name}{d}" for d in _BRANCH_DEPTS]
            depts += [f"{name}{_BRANCH_DEPTS[1 + i % 2]}" for i in range(n_cm)]
            depts += [f"{name}{_BRANCH_DEPTS[i % len(_BRANCH_DEPTS)]}" for i in range(rest - n_cm)]
            grades = ["M3", "M2"] + ["M1"] * len(_BRANCH_DEPTS) + [None] * rest
        else:
            n_cm = int(np.clip(staff // 3, 3, 6))
            pos = (
                ["行长"]
                + (["副行长"] if staff >= 12 else [])
                + ["大堂经理", "理财经理"]
                + ["客户经理"] * n_cm
            )
            pos += ["柜员"] * (staff - len(pos))
            depts = [name] * staff
            grades = ["M1"] + (["M1"] if staff >= 12 else []) + [None] * (staff - 1 - (staff >= 12))
        for p, d, g in zip(pos, depts, grades):
            recs.append((org_id, d, p, g))
    staff_df = pd.DataFrame(recs, columns=["org_id", "dept", "position", "grade"])
    n = len(staff_df)
    staff_df["emp_id"] = _digits(np.arange(1, n + 1), 6)
    pgrade = np.array(["P1", "P2", "P3", "P4", "P5", "P6"], dtype=object)
    drawn = pgrade[rng.choice(6, size=n, p=(0.12, 0.22, 0.26, 0.2, 0.13, 0.07))]
    staff_df["grade"] = np.where(staff_df["grade"].isna(), drawn, staff_df["grade"])
    male = rng.random(n) < 0.48
    staff_df["emp_name"] = _names(rng, male)
    staff_df["basic"] = staff_df["grade"].map(_BASIC_BY_GRADE).astype(float)
    plev = staff_df["grade"].str[1].astype(int).to_numpy()
    staff_df["post"] = np.round(staff_df["position"].map(_POST).to_numpy() * (1 + 0.08 * (plev - 1)), -1)
    staff_df["perf_base"] = staff_df["position"].map(lambda p: _PERF[p][0]).astype(float) * (
        1 + 0.06 * (plev - 1)
    )
    staff_df["perf_sigma"] = staff_df["position"].map(lambda p: _PERF[p][1]).astype(float)
    staff_df["allowance"] = (rng.integers(9, 16, n) * 100).astype(float) + np.where(
        staff_df["grade"].str.startswith("M"), 500.0, 0.0
    )
    staff_df["special_additional"] = rng.choice(
        [0.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0, 5000.0],
        size=n,
        p=(0.30, 0.15, 0.07, 0.18, 0.15, 0.10, 0.05),
    )
    staff_df["annuity_member"] = rng.random(n) < 0.8
    # joiners / leavers among ordinary staff (never the first 60 head-office employees)
    start = np.ones(n, dtype=np.int64)
    end = np.full(n, n_months, dtype=np.int64)
    if n_months >= 3:
        ordinary = staff_df["position"].isin(["柜员", "专业岗"]).to_numpy() & (np.arange(n) >= 60)
        u = rng.random(n)
        join = ordinary & (u < 0.03)
        leave = ordinary & (u >= 0.03) & (u < 0.05)
        start[join] = rng.integers(2, n_months + 1, join.sum())
        end[leave] = rng.integers(1, n_months, leave.sum())
    staff_df["start_m"] = start
    staff_df["end_m"] = end
    return staff_df


def _make_payroll(rng: np.random.Generator, staff: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    year = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    n_months = int(as_of.astype("datetime64[M]").astype(np.int64) - (year - 1970) * 12 + 1)
    n = len(staff)
    months = np.arange(1, n_months + 1)
    shape = (n, n_months)
    employed = (months[None, :] >= staff["start_m"].to_numpy()[:, None]) & (
        months[None, :] <= staff["end_m"].to_numpy()[:, None]
    )

    basic = np.repeat(staff["basic"].to_numpy()[:, None], n_months, axis=1)
    post = np.repeat(staff["post"].to_numpy()[:, None], n_months, axis=1)
    mfac = np.where(months == 1, 2.5, np.where(np.isin(months, (3, 6, 9, 12)), 1.3, 1.0))
    perf = (
        staff["perf_base"].to_numpy()[:, None]
        * mfac[None, :]
        * rng.lognormal(0.0, 1.0, shape) ** staff["perf_sigma"].to_numpy()[:, None]
    )
    perf = round_half_up(perf)
    allowance = (
        staff["allowance"].to_numpy()[:, None] + np.where((months >= 6) & (months <= 9), 300.0, 0.0)[None, :]
    )
    counter = staff["position"].isin(["柜员", "大堂经理"]).to_numpy()[:, None]
    ot_p = np.where(counter, 0.35, 0.05)
    overtime = np.where(rng.random(shape) < ot_p, rng.integers(15, 90, shape) * 10.0, 0.0)
    sf_month = int(str(_chuxi(year).astype("datetime64[M]"))[5:7])
    other = np.where(months == sf_month, 1000.0, 0.0)[None, :] + np.where(months == 9, 800.0, 0.0)[None, :]
    other = other + np.where(rng.random(shape) < 0.01, rng.integers(2, 20, shape) * 100.0, 0.0)
    other = np.broadcast_to(other, shape).copy()
    # one 扣回 (negative item): valid data, an edge case for the visualisation
    if n > 50 and n_months >= 5:  # employee 000051 (head office, employed all year), May
        other[50, 4] = -500.0
    items = {
        "basic_pay": basic,
        "post_pay": post,
        "perf_pay": perf,
        "allowance": allowance,
        "overtime": overtime,
        "other_pay": other,
    }
    items = {k: np.broadcast_to(v, shape).astype(np.float64) for k, v in items.items()}
    gross = round_half_up(sum(items.values()))

    base = np.clip(gross, *CONTRIB_BASE)
    ded = {k: round_half_up(base * r) for k, r in SOCIAL_RATES.items()}
    ded["annuity"] = np.where(
        staff["annuity_member"].to_numpy()[:, None], round_half_up(base * ANNUITY_RATE), 0.0
    )
    union = round_half_up(basic * 0.005)
    ded["other_deduction"] = round_half_up(
        union + np.where(rng.random(shape) < 0.02, rng.integers(1, 6, shape) * 100.0, 0.0)
    )
    special = ded["pension"] + ded["medical"] + ded["unemployment"] + ded["housing_fund"]
    sa = np.repeat(staff["special_additional"].to_numpy()[:, None], n_months, axis=1)
    taxable = np.where(employed, gross - special - sa - ded["annuity"] - 5000.0, 0.0)
    ded["iit"] = cumulative_iit(taxable)
    total_ded = sum(
        ded[k]
        for k in ("pension", "medical", "unemployment", "housing_fund", "annuity", "iit", "other_deduction")
    )
    net = round_half_up(gross - total_ded)

    month_dates = (np.datetime64(f"{year}-01", "M") + (months - 1)).astype("datetime64[D]")
    ii, jj = np.nonzero(employed.T)  # month-major: all employees of January first
    emp_idx, mon_idx = jj, ii
    data = {
        "month": month_dates[mon_idx],
        "emp_id": staff["emp_id"].to_numpy()[emp_idx],
        "emp_name": staff["emp_name"].to_numpy()[emp_idx],
        "dept": staff["dept"].to_numpy()[emp_idx],
        "org_id": staff["org_id"].to_numpy()[emp_idx],
        "position": staff["position"].to_numpy()[emp_idx],
        "grade": staff["grade"].to_numpy()[emp_idx],
    }
    for k, v in items.items():
        data[k] = v[emp_idx, mon_idx].copy()
    data["gross"] = gross[emp_idx, mon_idx].copy()
    for k in ("pension", "medical", "unemployment", "housing_fund", "annuity", "iit", "other_deduction"):
        data[k] = ded[k][emp_idx, mon_idx].copy()
    data["special_additional"] = sa[emp_idx, mon_idx].copy()
    data["net"] = net[emp_idx, mon_idx].copy()

    # planted anomalies
    for e in PLANTED_PAYROLL_ERRORS:
        if e.month > n_months:
            continue
        hit = np.nonzero((data["emp_id"] == e.emp_id) & (mon_idx + 1 == e.month))[0]
        if len(hit) != 1:
            continue
        r = hit[0]
        if e.check == "gross":
            data["perf_pay" if e.delta > 0 else "allowance"][r] += e.delta
        elif e.check == "net":
            data["net"][r] = round(data["net"][r] + e.delta, 2)
        elif e.check == "iit":
            data["iit"][r] = round(data["iit"][r] + e.delta, 2)
            data["net"][r] = round(data["net"][r] - e.delta, 2)
    return _finish("payroll", data)
