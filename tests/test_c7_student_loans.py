"""C7 助学贷款客户: hand-computed states, cohort rates, reminders, co-borrower leads, policy checks, bad params."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import ParameterError
from bankxl.runner import execute
from bankxl.tables import get_table

AS_OF = "2026-06-30"  # a Tuesday; graduation day = 06-30 by default, so 毕业年份 2026 is the 在读 edge


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows of a canonical table with the spec's dtypes (missing columns blank)."""
    empty = get_table(table).empty().drop(columns="_row")
    df = pd.DataFrame(rows)
    return pd.DataFrame({c: (df[c] if c in df else pd.Series([None] * len(df))).astype(empty[c].dtype)
                         for c in empty.columns})


def loan(lid, cust, grad=None, enroll=None, years=None, grace=None, bal=8000.0, status="正常", od=None, cb=None,
         cb_name=None, cb_phone=None, school="安徽大学", start="2019-10-15", amount=8000.0, degree="本专科"):
    return {"loan_id": lid, "cust_id": cust, "grad_year": grad, "enroll_year": enroll, "study_years": years,
            "grace_end": pd.Timestamp(grace) if grace else None, "balance": bal, "status": status, "overdue_days": od,
            "co_borrower_id": cb, "co_borrower_name": cb_name, "co_borrower_phone": cb_phone, "school": school,
            "start_date": pd.Timestamp(start), "amount": amount, "degree": degree}


def bank() -> dict[str, pd.DataFrame]:
    """11 students (S01–S11), 12 loans; parents P01 (customer, 存款 30,000 latest month), P02 (customer by the
    15-digit form of its ID, 存款 80,000), P03 (not a customer), P04 (customer by name + phone; child overdue)."""
    sl = frame("student_loans", [
        loan("L01", "S01", grad=2026, cb="11010519491231002X", cb_name="王五"),     # 06-30 = as_of: 在读 (edge)
        loan("L02a", "S02", grad=2025, bal=10000.0),                               # 宽限期 to 2030-06-30
        loan("L02b", "S02", grad=2025, bal=12000.0),                               # same person: 22,000
        loan("L03", "S03", grad=2021, bal=16000.0),                                # grace ends 2026-06-30 = as_of
        loan("L04", "S04", grad=2020, cb="360426199101010071", cb_name="张三"),      # grace ended 2025-06-30: 还款期
        loan("L05", "S05", enroll=2016, years=4, bal=6000.0, od=15, cb_name="赵六", cb_phone="13812345678"),  # 逾期
        loan("L06", "S06", grad=2021, grace="2026-09-15"),                         # 延毕: stated grace end
        loan("L07", "S07", grad=2021, grace="2026-07-20", bal=12000.0),            # 20 days left: urgent
        loan("L08", "S08", grad=2019, bal=0.0, status="结清"),                      # 结清
        loan("L09", "S09"),                                                         # no years: 未知
        loan("L10", "S10", grad=2021, grace="2026-09-30"),                         # = as_of + 3 months: in
        loan("L11", "S11", grad=2021, grace="2026-10-01", cb="340524800101001", cb_name="李四"),  # out; P02
    ])
    sl.loc[sl["loan_id"] == "L04", "co_borrower_phone"] = "13900000001"
    cust = frame("customers", [
        *({"cust_id": f"S{i:02d}", "cust_name": f"学生{i}", "org_id": "010001",
           "birth_date": pd.Timestamp(f"{2008 - i}-01-01")} for i in range(1, 12)),
        {"cust_id": "P01", "cust_name": "张三", "id_no": "360426199101010071", "org_id": "010001", "mgr_id": "M1"},
        {"cust_id": "P02", "cust_name": "李四", "id_no": "34052419800101001X", "org_id": "010002", "mgr_id": "M2"},
        {"cust_id": "P04", "cust_name": "赵六", "phone": "13812345678", "org_id": "010001"},
    ])
    cm = frame("customer_monthly", [
        {"cust_id": "P01", "month": pd.Timestamp("2026-05-01"), "dep_avg": 90_000.0},
        {"cust_id": "P01", "month": pd.Timestamp("2026-06-01"), "dep_avg": 30_000.0},
        {"cust_id": "P02", "month": pd.Timestamp("2026-06-01"), "dep_avg": 80_000.0},
        {"cust_id": "P04", "month": pd.Timestamp("2026-06-01"), "dep_avg": 1_000.0},
    ])
    return {"student_loans": sl, "customers": cust, "customer_monthly": cm}


@pytest.fixture(scope="module")
def report():
    return execute("credit.student_loans", bank(), {"cohort_by": "grad"}, as_of=AS_OF)


@pytest.mark.golden("credit.student_loans")
def test_states_cohorts_and_reminders_by_hand(report):
    """States (graduation 06-30 inclusive = 在读; grace end inclusive = 宽限期; overdue over time; stated grace
    end over the rule; no dates = 未知), one person per student, cohort rates, reminder order and due dates."""
    t = report.tables()
    st = t["c7_students"].df.set_index("客户号")["状态"].to_dict()
    assert st == {"S01": "在读", "S02": "宽限期", "S03": "宽限期", "S04": "还款期", "S05": "逾期", "S06": "宽限期",
                  "S07": "宽限期", "S08": "结清", "S09": "未知", "S10": "宽限期", "S11": "宽限期"}
    s = t["c7_students"].df.set_index("客户号")
    assert s.loc["S02", "借据数"] == 2 and s.loc["S02", "未结清余额(元)"] == 22000.0
    # S05: 入学 2016 + 学制 4 = 2020; 宽限期 by the rule 2025-06-30; S06's stated 2026-09-15 wins over 2026-06-30
    assert s.loc["S05", "毕业年份"] == 2020 and s.loc["S06", "宽限期到期日"] == pd.Timestamp("2026-09-15")

    c = t["c7_cohort_counts"].df.set_index("毕业年份(届别)")
    # 2020: S04 还款期 (8,000) + S05 逾期 (6,000): 逾期率 1/2, 逾期余额率 6,000 / 14,000
    assert c.loc["2020", "已离校人数"] == 2 and c.loc["2020", "逾期率"] == 0.5
    assert c.loc["2020", "逾期余额率"] == pytest.approx(6000 / 14000)
    # 2021: S03 S06 S07 S10 S11 all 宽限期, none overdue; 2019 only 结清 and 2026 only 在读: no rate (blank, not 0)
    assert c.loc["2021", "宽限期"] == 5 and c.loc["2021", "逾期率"] == 0.0
    assert pd.isna(c.loc["2019", "逾期率"]) and pd.isna(c.loc["2026", "逾期率"])
    assert c.index[-1] == "未知" and c.loc["未知", "未知"] == 1 and c["人数"].sum() == 11
    b = t["c7_cohort_balances"].df.set_index("毕业年份(届别)")
    assert b.loc["2025", "宽限期"] == 22000.0 and b.loc["2020", "逾期"] == 6000.0

    r = t["c7_grace_remind"].df
    # window [06-30, 09-30]: S03 (0 days) and S07 (20) urgent 50 + 30 = 80 A; S06 and S10 (edge) 50 B; S11 out.
    # Ties: S03 16,000 > S07 12,000; S06 = S10 8,000 -> 客户号.
    assert r["客户号"].tolist() == ["S03", "S07", "S06", "S10"]
    assert r["得分"].tolist() == [80.0, 80.0, 50.0, 50.0] and r["等级"].tolist() == ["A", "A", "B", "B"]
    # A: 3rd working day after Tue 06-30 = Fri 07-03, but never after the last working day before the grace end:
    # S03 ends today -> today; S07 (07-20, last working day before = Fri 07-17) keeps 07-03. B: 10th = 07-14.
    assert r["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-06-30", "2026-07-03", "2026-07-14", "2026-07-14"]
    assert r["原因"].iloc[1] == "宽限期 2026-07-20 结束(剩 20 天)；30 天内结束；余额 12,000 元"
    tags = t["customer_tags"].df
    assert sorted(tags.loc[tags["标签代码"] == "C7_GRACE_REMIND", "客户号"]) == ["S03", "S06", "S07", "S10"]
    assert set(tags.loc[tags["标签代码"] == "C7_STUDENT", "客户号"]) == {f"S{i:02d}" for i in range(1, 12)} - {"S08"}


def test_co_borrower_leads_by_identity(report):
    """P01 by 证件号 (latest month 30,000 < 50,000: +40; child S04 还款期: +30 = 70 A); P02 by its 15-digit ID
    upgraded (80,000: not low; child S11 宽限期 +30 = 30 B); P04 by 姓名+手机 but its child S05 is overdue: left out;
    王五 (S01's co-borrower) is no customer: a masked new lead."""
    t = report.tables()
    lead = t["c7_coborrower_leads"].df
    assert lead["客户号"].tolist() == ["P01", "P02"]
    assert lead["得分"].tolist() == [70.0, 30.0] and lead["等级"].tolist() == ["A", "B"]
    assert lead["原因"].iloc[0] == "存款月日均 30,000 元, 低于 50,000 元；子女已毕业(还款期), 需按期还款"
    assert lead["存款月日均(元)"].tolist() == [30000.0, 80000.0]
    new = t["c7_new_leads"].df
    assert len(new) == 1 and new.iloc[0]["证件号码(脱敏)"] == "110105********002X"
    assert new.iloc[0]["共同借款人(脱敏)"] == "王*" and new.iloc[0]["学生状态"] == "在读"


def test_without_monthly_deposits_the_deposit_factor_is_unknown():
    b = bank()
    del b["customer_monthly"]
    lead = execute("credit.student_loans", b, as_of=AS_OF).tables()["c7_coborrower_leads"].df
    # P01: only the child factor (30, B), 存款月日均 listed as not computed — never scored 0 or "not low"
    assert lead.set_index("客户号").loc["P01", "得分"] == 30.0
    assert lead.set_index("客户号").loc["P01", "未计算因素"] == "存款月日均"
    assert lead["存款月日均(元)"].isna().all()


def test_policy_caps_by_year_and_degree():
    """2020 本专科 cap 8,000 (10,000 above); 2023 研究生 cap 20,000 (20,000 not above); 2022 研究生 16,000 (17,000
    above); 到期日 later than graduation + 15 years is beyond the policy term."""
    b = bank()
    extra = frame("student_loans", [
        loan("X1", "S01", grad=2024, start="2020-10-10", amount=10000.0),
        loan("X2", "S01", grad=2024, start="2023-10-10", amount=20000.0, degree="研究生"),
        loan("X3", "S01", grad=2024, start="2022-10-10", amount=17000.0, degree="硕士研究生"),
    ])
    extra["maturity_date"] = pd.to_datetime(["2039-06-30", "2039-07-01", "2030-01-01"])
    b["student_loans"] = pd.concat([b["student_loans"], extra], ignore_index=True)
    rep = execute("credit.student_loans", b, as_of=AS_OF)
    pol = rep.tables()["c7_policy"].df.set_index("借据号")
    assert sorted(pol.index) == ["X1", "X2", "X3"]
    assert pol.loc["X1", "问题"] == "超过年度额度上限" and pol.loc["X1", "当年上限(元)"] == 8000.0
    assert pol.loc["X2", "问题"] == "超过政策期限" and pol.loc["X2", "政策最晚到期日"] == pd.Timestamp("2039-06-30")
    assert pol.loc["X3", "当年上限(元)"] == 16000.0
    codes = rep.problems.to_frame()["问题码"].tolist()
    assert codes.count("POLICY_LIMIT") == 3


def test_online_loan_ages_need_transactions(report):
    t = report.tables()["c7_ages"].df
    assert "网贷客户(人)" not in t.columns  # no 交易流水: 未计算, not a column of zeros
    fig = {f.label: f for f in report.headline.figures}
    assert fig["学生中的网贷客户"].value is None and "未计算" in fig["学生中的网贷客户"].note


def test_bad_parameters_fail_before_any_load(tmp_path, capsys):
    with pytest.raises(ParameterError, match="grad_month_day"):
        execute("credit.student_loans", bank(), {"grad_month_day": "02-30"}, as_of=AS_OF)
    with pytest.raises(ParameterError, match="caps"):
        execute("credit.student_loans", bank(), {"caps": ((2023, 16000, 20000), (2021, 12000, 16000))}, as_of=AS_OF)
    junk = tmp_path / "坏文件.xlsx"  # not a workbook: reading it would fail; the parameter stops the run first
    junk.write_bytes(b"not a workbook")
    code = main(["run", "C7", "-i", str(junk), "--out", str(tmp_path / "o.xlsx"), "--param", "grace_years=-1"])
    err = capsys.readouterr().err
    assert code != 0 and "grace_years" in err and "坏文件" not in err
    assert not (tmp_path / "o.xlsx").exists()


def test_loans_without_any_identifier_are_each_a_person_by_the_identity_rule():
    """Students are keyed by the identity rule (rules.identity.ListMatch.person_key): two loans with no 借据号,
    客户号, 证件号 or 姓名+手机 (both 2021 graduates, grace ended 2026-06-30 = as_of → 宽限期) are two students
    of their own — not dropped. The 2021 cohort: S03, S06, S07, S10, S11 + these two = 7 students."""
    b = bank()
    extra = frame("student_loans", [loan(None, None, grad=2021), loan(None, None, grad=2021)])
    b["student_loans"] = pd.concat([b["student_loans"], extra], ignore_index=True)
    rep = execute("credit.student_loans", b, {"cohort_by": "grad"}, as_of=AS_OF)
    counts = rep.tables()["c7_cohort_counts"].df
    row = counts[counts.iloc[:, 0].astype(str) == "2021"].iloc[0]
    assert row["人数"] == 7 and row["宽限期"] == 7
    assert len(rep.tables()["c7_students"].df) == 13
