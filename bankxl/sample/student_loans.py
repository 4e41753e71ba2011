"""Sample ``student_loans`` (助学贷款) for C7 助学贷款客户 (issue 14).

Who: ≈30% of the customers aged 18–31 (students and recent graduates). 学历 本专科 ≈85% (学制 4 年 ≈70%, 3 年 ≈30%;
入学 at 18–19) or 研究生 ≈15% (学制 3 年, 入学 at 22–23). One 借据 per academic year from the 入学年份 until
graduation or the data date (a loan each autumn, 放款日 in October), 贷款金额 = the year's policy cap for the degree
(2014–2020 8,000/12,000, 2021–2022 12,000/16,000, 2023 起 16,000/20,000 元) × 100%/75%/50%, rounded to 1,000 元;
≈1% planted above the cap. 到期日 = 毕业年份 + 15 年 (capped at 放款日 + 22 年). Phase at the data date with graduation
on 6-30 and 5 年 grace: 在读 / 宽限期 (balance = amount; ≈5% 逾期 — interest unpaid) / 还款期 (balance falls
linearly from the grace end to the 到期日; ≈35% 结清 with 结清日, ≈12% 逾期 with 逾期天数 1–400). 逾期/结清 are drawn per
student (all of a student's running loans share it). ≈3% 延期毕业: 宽限期到期日 given one year later than the rule; ≈30% 冬季毕业: 宽限期到期日 given in
December–February after the rule's 6-30; ≈20% of the students in their grace period (at least one) chose a shorter
grace: 宽限期到期日 given 20–85 days after the data date.
≈1% without 入学年份 and 毕业年份 (state unknown); ≈2% 学历 blank; ≈10% without 客户号 (matched by 证件号).
共同借款人 (父亲/母亲): ≈45% an existing customer aged 40–65 (same 证件号, 姓名, 手机 as 客户), the others people outside
the bank (valid IDs, ages 40–60). 机构号/客户经理 from the student's 客户 row. Own random stream, deterministic.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _digits, _names, _valid_ids

#: (from year, 本专科 cap, 研究生 cap) in 元/年 — the sample's policy history 【自有知识】
CAPS = ((2014, 8_000.0, 12_000.0), (2021, 12_000.0, 16_000.0), (2023, 16_000.0, 20_000.0))


def _cap(year: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Yearly cap (元) by disbursement year and degree (``grad`` True = 研究生)."""
    out = np.full(len(year), CAPS[0][1])
    for y0, ug, pg in CAPS:
        out = np.where(year >= y0, np.where(grad, pg, ug), out)
    return out


def _parent_ids(rng, n: int, as_of: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Valid 18-digit IDs of people aged 40–60 and their sex (True = male)."""
    birth = as_of - rng.integers(40 * 365, 60 * 365, n).astype("timedelta64[D]")
    return _valid_ids(rng, birth, 0.5, (340524, 360426, 510107, 420102, 430103, 410105))


def _make_student_loans(rng, customers: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The table's columns (dict of arrays, ``student_loans`` column ids); see the module docstring."""
    n_c = len(customers)
    birth = customers["birth_date"].to_numpy(dtype="datetime64[D]")
    age = (as_of - birth) / _DAY / 365.25
    stu = np.flatnonzero((age >= 18) & (age < 32) & (rng.random(n_c) < 0.30))
    k = len(stu)
    ay = int(str(as_of)[:4])
    autumn = int(str(as_of)[5:7]) >= 10  # this year's loan is out once October has come
    pg = rng.random(k) < 0.15
    years = np.where(pg, 3, np.where(rng.random(k) < 0.7, 4, 3))
    by = birth[stu].astype("datetime64[Y]").astype(np.int64) + 1970
    enroll = by + np.where(pg, 22, 18) + rng.integers(0, 2, k)
    ok = enroll <= ay - (0 if autumn else 1)
    stu, pg, years, enroll = stu[ok], pg[ok], years[ok], enroll[ok]
    k = len(stu)
    grad = enroll + years
    last = np.minimum(grad - 1, ay - (0 if autumn else 1))
    n_loans = np.maximum(last - enroll + 1, 1)
    si = np.repeat(np.arange(k), n_loans)
    first = np.cumsum(n_loans) - n_loans
    yr = enroll[si] + (np.arange(len(si)) - first[si])
    m = len(si)
    start = (yr - 1970).astype("datetime64[Y]").astype("datetime64[D]") + 273 + rng.integers(0, 25, m)  # Oct
    amount = np.round(_cap(yr, pg[si]) * rng.choice([1.0, 0.75, 0.5], m, p=[0.6, 0.25, 0.15]), -3)
    over = rng.random(m) < 0.01
    amount = np.where(over, _cap(yr, pg[si]) + 2_000.0, amount)
    grad_d = (grad - 1970).astype("datetime64[Y]").astype("datetime64[D]") + 180  # 6-30 (6-29 in leap years)
    grad_d = grad_d + ((grad % 4) == 0)  # 6-30 every year
    u_g = rng.random(k)
    late = u_g < 0.03  # 延期毕业: the ledger states the later grace end
    winter = (u_g >= 0.03) & (u_g < 0.33)  # 冬季毕业: the ledger's grace end falls in December–February
    grace_end = np.array([np.datetime64(f"{g + 5 + int(x)}-06-30") for g, x in zip(grad, late)], dtype="datetime64[D]") \
        if k else np.array([], dtype="datetime64[D]")
    grace_end = np.where(winter, grace_end + 154 + rng.integers(0, 89, k), grace_end)  # 12-01 … 02-27
    mat = np.minimum(np.array([np.datetime64(f"{g + 15}-06-30") for g in grad[si]], dtype="datetime64[D]")
                     if m else np.array([], dtype="datetime64[D]"),
                     start + (22 * 365) * _DAY)
    # phase per student at the data date
    in_school = as_of <= grad_d
    in_grace = ~in_school & (as_of <= grace_end)
    # ≈20% of the students in their grace period (at least one) chose a shorter grace ending within 3 months
    early = in_grace & (rng.random(k) < 0.2)
    if in_grace.any() and not early.any():
        early[np.flatnonzero(in_grace)[0]] = True
    grace_end = np.where(early, as_of + rng.integers(20, 86, k), grace_end)
    repaying = ~in_school & ~in_grace
    u = rng.random(k)
    settled = repaying & (u < 0.35) | in_grace & (u < 0.05)
    overdue = ~settled & (repaying & (rng.random(k) < 0.12) | in_grace & (rng.random(k) < 0.05))
    # balances: principal falls linearly from the grace end to the 到期日 once repayment starts
    ge, ss = grace_end[si], settled[si]
    done = np.clip(((as_of - ge) / _DAY) / np.maximum(((mat - ge) / _DAY), 1), 0, 1)
    balance = np.where(ss, 0.0, np.round(amount * (1 - np.where(repaying[si], done, 0.0)), 2))
    end_date = np.where(ss, as_of - rng.integers(10, 600, m).astype("timedelta64[D]"), np.datetime64("NaT"))
    end_date = np.where(ss, np.maximum(end_date, np.minimum(ge, as_of)), end_date)
    status = np.where(ss, "结清", np.where(overdue[si], "逾期", "正常")).astype(object)
    od = np.where(overdue[si], rng.integers(1, 401, k)[si], 0).astype("float64")
    od = np.where(ss, np.nan, od)

    cust = customers.iloc[stu]
    cid = cust["cust_id"].to_numpy(dtype=object)
    cid = np.where(rng.random(k) < 0.10, None, cid)
    # co-borrowers: an existing customer aged 40–65 (≈45%) or a person outside the bank
    elder = np.flatnonzero((age >= 40) & (age <= 65))
    own_p = (rng.random(k) < 0.45) & (len(elder) > 0)
    pick = elder[rng.integers(0, max(len(elder), 1), k)] if len(elder) else np.zeros(k, dtype=np.int64)
    out_id, out_male = _parent_ids(rng, k, as_of)
    out_name = _names(rng, out_male)
    out_phone = _digits(rng.choice(np.array([138, 139, 150, 186, 177], dtype=np.int64), k) * 10**8
                        + rng.integers(0, 10**8, k), 11)
    cb_id = np.where(own_p, customers["id_no"].to_numpy(dtype=object)[pick], out_id)
    cb_name = np.where(own_p, customers["cust_name"].to_numpy(dtype=object)[pick], out_name)
    cb_phone = np.where(own_p, customers["phone"].to_numpy(dtype=object)[pick], out_phone)
    cb_male = np.where(own_p, customers["sex"].to_numpy(dtype=object)[pick] == "男", out_male)
    schools = np.array(["北京师范大学", "武汉大学", "四川大学", "安徽大学", "江西师范大学", "湖南大学", "郑州大学",
                        "合肥职业技术学院", "南昌理工学院", "成都纺织高等专科学校"], dtype=object)
    no_year = rng.random(k) < 0.01
    deg = np.where(pg, "研究生", "本专科").astype(object)
    deg = np.where(rng.random(k) < 0.02, None, deg)
    return {
        "loan_id": "ZX" + _digits(np.arange(1, m + 1, dtype=np.int64) + 2014_000_000, 10),
        "cust_id": cid[si], "cust_name": cust["cust_name"].to_numpy(dtype=object)[si],
        "id_no": cust["id_no"].to_numpy(dtype=object)[si], "phone": cust["phone"].to_numpy(dtype=object)[si],
        "org_id": cust["org_id"].to_numpy(dtype=object)[si], "mgr_id": cust["mgr_id"].to_numpy(dtype=object)[si],
        "school": schools[rng.integers(0, len(schools), k)][si], "degree": deg[si],
        "study_years": years[si].astype("float64"),
        "enroll_year": np.where(no_year, np.nan, enroll.astype("float64"))[si],
        "grad_year": np.where(no_year, np.nan, grad.astype("float64"))[si],
        "grace_end": np.where(late | winter | early, grace_end, np.datetime64("NaT"))[si].astype("datetime64[ns]"),
        "start_date": start.astype("datetime64[ns]"), "maturity_date": mat.astype("datetime64[ns]"),
        "amount": amount, "balance": balance, "status": status, "overdue_days": od,
        "end_date": end_date.astype("datetime64[ns]"),
        "co_borrower_id": cb_id[si], "co_borrower_name": cb_name[si], "co_borrower_phone": cb_phone[si],
        "co_borrower_rel": np.where(cb_male, "父亲", "母亲").astype(object)[si],
        "as_of": np.full(m, as_of).astype("datetime64[ns]"),
    }
