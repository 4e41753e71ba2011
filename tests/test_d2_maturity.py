"""D2 存款到期视图: numbers checked against values worked out by hand on a small frame."""
from __future__ import annotations

import functools
import math
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bankxl.calendar import BankCalendar
from bankxl.errors import ParameterError
from bankxl.report.pivot import PivotSpec
from bankxl.report.xlsx import write_report
from bankxl.runner import execute as _execute
from bankxl.scenario import get_scenario
from bankxl.scenarios.deposit import maturity as m
from bankxl.tables import get_table

#: these tests find rows by the hand-made 账号 A01…: shown unmasked (账号脱敏 否; the default masks them)
execute = functools.partial(_execute, mask_accounts=False)

AS_OF = "2026-09-09"  # a Wednesday; 2026-09-10 (Thursday) is a working day
T = pd.Timestamp

# acct, cust, org, product, value_date, maturity_date, term_m, rate, balance
ROWS = [
    ("A01", "C1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 100_000.0),   # D+30
    ("A02", "C1", "O11", "整存整取", "2025-10-20", "2026-10-20", 12, 0.015, 50_000.0),
    ("A03", "C2", "O11", "大额存单", "2024-09-24", "2026-09-24", 24, 0.02, 600_000.0),    # D+15, large
    ("A04", "C3", "O12", "整存整取", "2026-03-16", "2026-09-16", 6, 0.012, 49_999.99),    # D+7
    ("A05", "C4", "O12", "零存整取", "2025-09-10", "2026-09-10", 12, 0.0135, 12_000.0),   # D+1
    ("A06", "C1", "O12", "整存整取", "2023-10-01", "2026-10-01", 36, 0.02, 200_000.0),    # 国庆 -> rolled
    ("A07", "C5", "O21", "整存整取", "2025-08-01", "2026-08-01", 12, 0.015, 30_000.0),    # overdue
    ("A08", "C6", "O21", "大额存单", "2024-02-29", None, 12, 0.02, 1_000_000.0),         # maturity missing
    ("A09", "C2", "O21", "整存整取", "2026-01-05", "2027-01-05", 12, 0.015, 80_000.0),
    ("A10", "C7", "O21", "整存整取", "2026-06-01", "2028-06-01", 24, 0.017, 300_000.0),   # beyond 12 months
    ("A11", "C8", "O11", "整存整取", "2026-05-01", "2026-04-01", 12, 0.015, 10_000.0),    # DATE_ORDER
    ("A12", "C9", "O12", "通知存款", "2026-08-01", None, None, 0.005, 70_000.0),          # notice deposit
    ("A13", "C3", "O12", "整存整取", "2026-03-30", "2026-09-30", 6, 0.012, 50_000.0),     # C3 twice in 2026-09
]


def make_td(rows=ROWS) -> pd.DataFrame:
    td = pd.DataFrame(rows, columns=["acct_no", "cust_id", "org_id", "product", "value_date", "maturity_date",
                                     "term_m", "rate", "balance"])
    for c in ("acct_no", "cust_id", "org_id", "product"):
        td[c] = td[c].astype("string")
    for c in ("value_date", "maturity_date"):
        td[c] = pd.to_datetime(td[c])
    td["term_m"] = td["term_m"].astype("Int64")
    td["_row"] = pd.array(range(2, 2 + len(td)), dtype="Int64")  # Excel rows 2.. (A11 -> row 12)
    return td


ORGS = pd.DataFrame({"org_id": ["BANK", "B1", "B2", "O11", "O12", "O21"],
                     "org_name": ["某银行", "一分行", "二分行", "甲支行", "乙支行", "丙支行"],
                     "parent_id": [None, "BANK", "BANK", "B1", "B1", "B2"]}).astype("string")
CUSTOMERS = pd.DataFrame({"cust_id": ["C1", "C2", "C3", "C4"], "cust_name": ["张三丰", "欧阳娜娜", "李四", "王五"],
                          "id_no": ["11010519491231002X", "110105194912310038", "110105194912310046",
                                    "110105194912310054"],
                          "phone": ["13812345678", "13900001111", "13700002222", "13600003333"]}).astype("string")


@pytest.fixture(scope="module")
def report():
    return execute("deposit.maturity", {"time_deposits": make_td(), "orgs": ORGS, "customers": CUSTOMERS},
                   as_of=AS_OF)


def _row(df, col, value):
    hit = df[df[col] == value]
    assert len(hit) == 1, (col, value, df[col].tolist())
    return hit.iloc[0]


def _wan(x):
    return x / 10_000


# --- spec ------------------------------------------------------------------------------------------
def test_spec_registered():
    spec = get_scenario("D2")
    assert spec is m.SPEC and spec.id == "deposit.maturity" and spec.title == "存款到期视图"
    assert spec.inputs == ("time_deposits",) and spec.optional_inputs == ("orgs", "customers")
    assert spec.as_of_from is None and spec.outlet_tables == ("time_deposits",)
    assert isinstance(m.PIVOT_SPEC, PivotSpec)
    assert m.PIVOT_SPEC.rows == ("分行", "支行/网点") and m.PIVOT_SPEC.columns == ("到期期间",)


def test_sheets_in_order(report):
    # 客户标签: the §6 tag table (issue 9); 大额到期客户 on its own sheet (issue 10: under the 排班 schedule it never
    # printed); the writer puts the headline 概览 first
    assert report.sheet_names == ["到期结构", "到期透视", "到期分布", "到期日历", "排班", "大额到期客户", "提醒名单",
                                  "到期明细", "客户标签", "数据问题", "说明"]
    assert report.headline is not None and report.headline.actions == "reminders"


# --- 到期结构 -----------------------------------------------------------------------------------------
@pytest.mark.golden("deposit.maturity")
def test_structure_amounts_counts_customers_by_hand(report):
    t = report.tables()
    amt, cnt, cus = t["maturity_amount"].df, t["maturity_count"].df, t["maturity_customers"].df
    assert amt["机构名称"].str.strip("　").tolist() == ["全行", "一分行", "甲支行", "乙支行", "二分行", "丙支行"]
    assert amt["层级"].tolist() == ["全行", "分行", "支行/网点", "支行/网点", "分行", "支行/网点"]
    b1 = amt["机构号"] == "B1"
    # 一分行 2026-09: A03 600,000 + A04 49,999.99 + A05 12,000 + A13 50,000
    assert amt.loc[b1, "2026-09"].item() == pytest.approx(_wan(711_999.99))
    assert cnt.loc[b1, "2026-09"].item() == 4
    assert cus.loc[b1, "2026-09"].item() == 3  # C2, C3, C4
    o12 = amt["机构号"] == "O12"
    assert amt.loc[o12, "2026-09"].item() == pytest.approx(_wan(111_999.99))
    assert cnt.loc[o12, "2026-09"].item() == 3
    assert cus.loc[o12, "2026-09"].item() == 2  # C3 has two deposits this month and counts once
    # 2026-10: C1 has A01, A02 at 甲支行 and A06 at 乙支行 -> 1 customer at 一分行 (not 1 + 1)
    assert amt.loc[b1, "2026-10"].item() == pytest.approx(_wan(350_000))
    assert cus.loc[b1, "2026-10"].item() == 1
    assert cus.loc[amt["机构号"] == "O11", "2026-10"].item() == 1
    assert cus.loc[o12, "2026-10"].item() == 1
    # 二分行: overdue A07 + A08 (maturity computed 2025-02-28), 2027-01 A09, later A10
    b2 = amt["机构号"] == "B2"
    assert amt.loc[b2, "已到期未支取"].item() == pytest.approx(_wan(1_030_000))
    assert cnt.loc[b2, "已到期未支取"].item() == 2
    assert amt.loc[b2, "2027-01"].item() == pytest.approx(_wan(80_000))
    assert amt.loc[b2, "12个月以后"].item() == pytest.approx(_wan(300_000))
    # 全行
    bank = amt["层级"] == "全行"
    total = 100_000 + 50_000 + 600_000 + 49_999.99 + 12_000 + 200_000 + 30_000 + 1_000_000 + 80_000 + 300_000 + 50_000
    assert amt.loc[bank, "合计"].item() == pytest.approx(_wan(total))
    assert cnt.loc[bank, "合计"].item() == 11  # 13 rows - DATE_ORDER - 通知存款
    # distinct customers at 全行 are not the sum of the branches: C2 is in both branches
    assert cus.loc[bank, "合计"].item() == 7
    assert cus.loc[b1, "合计"].item() + cus.loc[b2, "合计"].item() == 8
    # months: 12 columns from the month of as-of + 1 day
    months = [c for c in amt.columns if c[:2] == "20"]
    assert months == [str(p) for p in pd.period_range("2026-09", periods=12, freq="M")]
    # rows of every level add up to 合计 for amounts and counts
    per = ["已到期未支取", "当日到期", *months, "12个月以后"]
    assert np.allclose(amt[per].sum(axis=1), amt["合计"])
    assert (cnt[per].sum(axis=1) == cnt["合计"]).all()


def test_no_orgs_rows_are_org_ids():
    r = execute("deposit.maturity", {"time_deposits": make_td()}, as_of=AS_OF)
    amt = r.tables()["maturity_amount"].df
    assert amt["机构号"].tolist() == ["", "O11", "O12", "O21"]
    assert amt["层级"].tolist() == ["全行", "网点", "网点", "网点"]
    assert any("未提供机构表" in n for n in r.notes)
    assert amt.loc[amt["机构号"] == "O21", "合计"].item() == pytest.approx(_wan(1_410_000))


def test_two_level_orgs_and_unmatched_org():
    orgs = pd.DataFrame({"org_id": ["BANK", "O11", "O12", "O21"], "org_name": ["某银行", "甲", "乙", "丙"],
                         "parent_id": [None, "BANK", "BANK", "BANK"]}).astype("string")
    td = make_td()
    td["org_id"] = td["org_id"].mask(td["acct_no"] == "A10", "O99")
    r = execute("deposit.maturity", {"time_deposits": td, "orgs": orgs}, as_of=AS_OF)
    amt = r.tables()["maturity_amount"].df
    assert "分行" not in set(amt["层级"])
    assert amt.loc[amt["机构号"] == "O99", "12个月以后"].item() == pytest.approx(30.0)
    probs = r.problems.to_frame()
    hit = probs[probs["问题码"] == "VALUE_INVALID"]
    assert hit["Excel 行号"].tolist() == [11] and hit["原值"].tolist() == ["O99"]


# --- bands, dates, problems ---------------------------------------------------------------------------
def test_amount_band_edges_half_open():
    s = pd.Series([49_999.99, 50_000.0, 199_999.99, 200_000.0, 999_999.99, 1_000_000.0])
    got = m.amount_band(s, m.MaturityParams().amount_edges).tolist()
    assert got == ["<5万", "5–20万", "5–20万", "20–50万", "50–100万", "≥100万"]


def test_dtm_band_edges():
    s = pd.Series([-1, 0, 7, 8, 30, 31, 365, 366])
    got = m.dtm_band(s, m.MaturityParams().dtm_edges).tolist()
    assert got == ["已到期未支取", "0–7天", "0–7天", "8–30天", "8–30天", "31–90天", "181–365天", ">365天"]


def test_amount_band_table(report):
    band = report.tables()["by_band"].df.set_index("金额段")
    # next-12-month deposits: A04 49,999.99 -> <5万 with A05 12,000; A13 50,000 (edge) + A01 + A02 -> 5–20万
    # (A09 80,000 in 2027-01 too)
    assert band.loc["<5万", "笔数"] == 2
    assert band.loc["5–20万", "笔数"] == 4
    assert band.loc["5–20万", "到期金额(万元)"] == pytest.approx(_wan(50_000 + 100_000 + 50_000 + 80_000))
    assert band.loc["5–20万", "去重客户数"] == 3  # C1 (A01, A02), C2 (A09), C3 (A13)
    assert band.loc["20–50万", "笔数"] == 1 and band.loc["50–100万", "笔数"] == 1 and band.loc["≥100万", "笔数"] == 0
    assert band["金额占比"].sum() == pytest.approx(1.0)


def test_date_order_problem_and_row_excluded(report):
    probs = report.problems.to_frame()
    p = probs[probs["问题码"] == "DATE_ORDER"]
    assert p["Excel 行号"].tolist() == [12]
    assert p["处理"].tolist() == ["剔除该行"]
    assert "A11" not in set(report.tables()["maturity_detail"].df["账号"])


def test_missing_maturity_feb29_plus_one_year(report):
    probs = report.problems.to_frame()
    p = probs[probs["问题码"] == "REQUIRED_EMPTY"]
    assert p["Excel 行号"].tolist() == [9]
    det = report.tables()["maturity_detail"].df
    a08 = _row(det, "账号", "A08")
    assert a08["到期日"] == T("2025-02-28")
    assert a08["到期期间"] == "0 已到期未支取"


def test_notice_deposit_excluded_by_default_and_seven_days_option(report):
    assert "A12" not in set(report.tables()["maturity_detail"].df["账号"])
    r = execute("deposit.maturity", {"time_deposits": make_td()}, {"notice_handling": "seven_days"}, as_of=AS_OF)
    a12 = _row(r.tables()["maturity_detail"].df, "账号", "A12")
    assert a12["到期日"] == T("2026-09-16") and a12["剩余期限档"] == "0–7天"


def test_roll_to_next_working_day(report):
    cal = BankCalendar()
    # chinese-calendar: 2026-10-01..07 国庆节 off, 10-08 (Thursday) a working day
    assert not any(cal.is_workday(T(f"2026-10-0{d}")) for d in range(1, 8))
    assert cal.is_workday(T("2026-10-08"))
    det = report.tables()["maturity_detail"].df
    a06 = _row(det, "账号", "A06")
    assert a06["到期日"] == T("2026-10-01")
    assert a06["实际可支取日"] == T("2026-10-08") == cal.next_workday(T("2026-10-01"))
    # preceding rule: back to the last working day before the holiday (2026-09-30, Wednesday)
    r = execute("deposit.maturity", {"time_deposits": make_td()}, {"roll_rule": "preceding"}, as_of=AS_OF)
    assert _row(r.tables()["maturity_detail"].df, "账号", "A06")["实际可支取日"] == T("2026-09-30")


def test_calendar_sheet(report):
    cal = report.tables()["maturity_calendar"].df
    assert len(cal) == 60
    assert cal["日期"].iloc[0] == T("2026-09-10") and cal["日期"].iloc[-1] == T("2026-11-08")
    d1001 = _row(cal, "日期", T("2026-10-01"))
    assert d1001["星期"] == "周四" and d1001["是否工作日"] == "否"
    assert d1001["合同到期金额(万元)"] == pytest.approx(20.0) and d1001["实际可支取金额(万元)"] == 0
    assert d1001["实际可支取日"] == T("2026-10-08")
    d1008 = _row(cal, "日期", T("2026-10-08"))
    assert d1008["合同到期金额(万元)"] == 0 and d1008["实际可支取金额(万元)"] == pytest.approx(20.0)
    assert d1008["实际可支取客户数"] == 1
    # totals: what matures in the window by contract = what is paid out by actual date (no roll leaves it)
    assert cal["合同到期金额(万元)"].sum() == pytest.approx(cal["实际可支取金额(万元)"].sum())
    # 高峰日: working-day amounts above their P90; by hand: the non-zero working days are
    # 09-10 1.2, 09-16 4.999999, 09-24 60, 09-30 5, 10-08 20, 10-09 10, 10-20 5 (万元), all others 0
    bc = BankCalendar()
    workdays = [d for d in pd.date_range("2026-09-10", "2026-11-08") if bc.is_workday(d)]
    amounts = {T("2026-09-10"): 1.2, T("2026-09-16"): 4.999999, T("2026-09-24"): 60, T("2026-09-30"): 5,
               T("2026-10-08"): 20, T("2026-10-09"): 10, T("2026-10-20"): 5}
    vals = sorted(amounts.get(d, 0.0) for d in workdays)
    # linear-interpolation quantile by hand
    pos = 0.9 * (len(vals) - 1)
    lo = math.floor(pos)
    thr = vals[lo] + (vals[min(lo + 1, len(vals) - 1)] - vals[lo]) * (pos - lo)
    expected = {d for d, v in amounts.items() if v > thr}
    got = set(cal.loc[cal["高峰日"] == "高峰日", "日期"])
    assert got == expected and T("2026-09-24") in got
    assert cal["P90阈值(万元)"].iloc[0] == pytest.approx(thr)


# --- reminders ------------------------------------------------------------------------------------------
def test_reminder_membership_and_value(report):
    rem = report.tables()["reminders"].df
    # ranked as every §6 list (issue 9): 得分 first — A03 (大额客户 + 大额存单续存, 70) — then the 0-point rows by
    # 余额 (A01 100,000 > A04 49,999.99 > A05 12,000); before the kit the rows were ordered by node (30 → 1 天)
    assert list(zip(rem["提醒节点"], rem["账号"])) == [("到期前15天", "A03"), ("到期前30天", "A01"),
                                                      ("到期前7天", "A04"), ("到期前1天", "A05")]
    assert rem["排名"].tolist() == [1, 2, 3, 4]
    v = rem.set_index("账号")["到期本息(元)"]
    assert v["A01"] == pytest.approx(100_000 * (1 + 0.015 * 12 / 12))           # 101,500
    assert v["A03"] == pytest.approx(600_000 * (1 + 0.02 * 24 / 12))            # 624,000
    assert v["A04"] == pytest.approx(50_299.99)                                  # 49,999.99 × 1.006
    assert v["A05"] == pytest.approx(12_087.75)                                  # 零存整取 12,000 × (1 + .0135 × 13/24)
    a03 = _row(rem, "账号", "A03")
    assert a03["理财经理跟进"] == "是" and "理财经理" in a03["建议动作"] and a03["建议产品"] == "大额存单/理财组合"
    assert _row(rem, "账号", "A01")["理财经理跟进"] == "否"
    assert "零存整取" in _row(rem, "账号", "A05")["本息说明"]
    assert rem["原因"].str.len().min() > 0 and rem["建议动作"].str.len().min() > 0


def test_reminder_masking_with_customer_table(report):
    rem = report.tables()["reminders"].df
    c1 = _row(rem, "账号", "A01")
    assert c1["客户号"] == "C1"
    assert c1["客户名称(脱敏)"] == "张**"
    assert c1["证件号码(脱敏)"] == "110105********002X"
    assert c1["手机号(脱敏)"] == "138****5678"
    assert _row(rem, "账号", "A03")["客户名称(脱敏)"] == "欧阳**"
    r = execute("deposit.maturity", {"time_deposits": make_td(), "customers": CUSTOMERS}, as_of=AS_OF, mask=False)
    assert _row(r.tables()["reminders"].df, "账号", "A01")["客户名称"] == "张三丰"


def test_reminder_window_before_weekend():
    # as-of Friday 2026-09-11: the next working day is Monday 09-14, so node 1 covers maturities 09-12..09-14
    rows = [(f"X{i}", f"K{i}", "O11", "整存整取", "2025-09-01", d, 12, 0.015, 10_000.0)
            for i, d in enumerate(["2026-09-12", "2026-09-13", "2026-09-14", "2026-09-15", "2026-09-18"])]
    r = execute("deposit.maturity", {"time_deposits": make_td(rows)}, as_of="2026-09-11")
    rem = r.tables()["reminders"].df
    assert sorted(rem.loc[rem["提醒节点"] == "到期前1天", "账号"]) == ["X0", "X1", "X2"]
    assert sorted(rem.loc[rem["提醒节点"] == "到期前7天", "账号"]) == ["X4"]  # 09-18 = D + 7
    summary = r.tables()["reminder_summary"].df.set_index("提醒节点")
    assert summary.loc["到期前1天", "笔数"] == 3 and summary.loc["到期前30天", "笔数"] == 0


# --- staffing -------------------------------------------------------------------------------------------
def test_staffing_required_staff_days_and_large_customers():
    rows = [("S1", "K1", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 300_000.0),
            ("S2", "K1", "O11", "大额存单", "2025-09-15", "2026-09-15", 12, 0.02, 250_000.0),
            ("S3", "K2", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 20_000.0),
            ("S4", "K3", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 490_000.0),
            ("S5", "K4", "O12", "整存整取", "2025-09-13", "2026-09-13", 12, 0.015, 10_000.0)]  # Sunday -> 09-14
    tables = {"time_deposits": make_td(rows), "orgs": ORGS}
    r = execute("deposit.maturity", tables, {"customers_per_staff_day": 2}, as_of=AS_OF)
    st = r.tables()["staffing"].df
    d15 = st[(st["实际可支取日"] == T("2026-09-15")) & (st["机构号"] == "O11")].iloc[0]
    assert d15["到期客户数"] == 3 and d15["到期笔数"] == 4
    assert d15["所需人天"] == 2  # ceil(3 / 2)
    assert d15["大额客户数(≥50万)"] == 1 and d15["大额客户号"] == "K1"  # 300k + 250k; K3's 490k is below
    d14 = st[st["实际可支取日"] == T("2026-09-14")].iloc[0]
    assert d14["机构号"] == "O12" and d14["所需人天"] == 1
    assert T("2026-09-13") not in set(st["实际可支取日"])
    vip = r.tables()["large_customers"].df
    assert vip["客户号"].tolist() == ["K1"] and vip["到期金额(元)"].tolist() == [550_000.0]
    r20 = execute("deposit.maturity", tables, as_of=AS_OF)
    assert r20.tables()["staffing"].df["所需人天"].tolist() == [1, 1]


# --- empty input, params, workbook --------------------------------------------------------------------
def test_empty_input_gives_well_formed_report(tmp_path):
    empty = get_table("time_deposits").empty()
    r = execute("deposit.maturity", {"time_deposits": empty}, as_of=AS_OF)
    t = r.tables()
    assert len(t["reminders"].df) == 0 and len(t["maturity_detail"].df) == 0 and len(t["staffing"].df) == 0
    amt = t["maturity_amount"].df
    assert amt["层级"].tolist() == ["全行"] and amt["合计"].item() == 0
    assert len(t["maturity_calendar"].df) == 60 and t["maturity_calendar"].df["高峰日"].eq("").all()
    p = write_report(r, tmp_path / "empty.xlsx")
    assert openpyxl.load_workbook(p).sheetnames == ["概览", *r.sheet_names]


def test_bad_params_raise():
    with pytest.raises(ParameterError):
        execute("deposit.maturity", {"time_deposits": make_td()}, {"roll_rule": "nearest"}, as_of=AS_OF)
    with pytest.raises(ParameterError):
        execute("deposit.maturity", {"time_deposits": make_td()}, {"amount_edges": "[200000, 50000]"}, as_of=AS_OF)


def test_custom_amount_bands_from_param_text():
    r = execute("deposit.maturity", {"time_deposits": make_td()}, {"金额段分界": "[100000, 500000]"}, as_of=AS_OF)
    band = r.tables()["by_band"].df
    assert band["金额段"].tolist() == ["<10万", "10–50万", "≥50万"]
    assert band["笔数"].sum() == 8  # deposits maturing within the 12 months (incl. A09 in 2027-01)


def test_written_workbook(report, tmp_path):
    p = write_report(report, tmp_path / "d2.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["概览", "到期结构", "到期透视", "到期分布", "到期日历", "排班", "大额到期客户", "提醒名单",
                             "到期明细", "客户标签", "数据问题", "说明"]  # issue 10: the headline first
    assert {"maturity_amount", "maturity_count", "maturity_customers"} <= set(wb["到期结构"].tables)
    assert "maturity_detail" in wb["到期明细"].tables and "reminders" in wb["提醒名单"].tables
    assert len(wb["到期分布"]._charts) == 5 and len(wb["到期日历"]._charts) == 1
    ws = wb["到期结构"]
    ref = ws.tables["maturity_amount"].ref
    header_row = int("".join(ch for ch in ref.split(":")[0] if ch.isdigit()))
    headers = [c.value for c in ws[header_row]]
    assert headers[:5] == ["层级", "机构号", "机构名称", "已到期未支取", "当日到期"]
    assert headers[-2:] == ["12个月以后", "合计"]
    bank_total = ws.cell(header_row + 1, headers.index("合计") + 1).value
    assert bank_total == pytest.approx(247.199999)
    rem = wb["提醒名单"]
    rref = rem.tables["reminders"].ref
    hr = int("".join(ch for ch in rref.split(":")[0] if ch.isdigit()))
    rh = [c.value for c in rem[hr]]
    # the §6 list layout puts 排名 first (issue 9; was 提醒节点, 客户号)
    assert rh[:3] == ["排名", "提醒节点", "客户号"] and rem.cell(hr + 1, 3).value == "C2"  # A03 ranks first
    assert rem.cell(hr + 2, rh.index("到期本息(元)") + 1).value == pytest.approx(101_500)  # A01
    with zipfile.ZipFile(p) as z:
        assert sum(n.startswith("xl/pivotTables/pivotTable") and n.endswith(".xml") for n in z.namelist()) == 2


def test_display_scale_yuan():
    r = execute("deposit.maturity", {"time_deposits": make_td()}, as_of=AS_OF, scale=1)
    amt = r.tables()["maturity_amount"].df
    assert amt.loc[amt["层级"] == "全行", "2026-10"].item() == pytest.approx(350_000)
    assert "到期金额(元)" in r.tables()["by_band"].df.columns


def test_sample_bank_smoke(tmp_path):
    from bankxl import sample

    tables = sample.make_sample_bank(customers=500, seed=3, as_of="2026-11-30")
    assert "time_deposits" in tables  # issue 9: missing sample data fails, never skips
    use = {k: v for k, v in tables.items() if k in ("time_deposits", "orgs", "customers")}
    r = execute("deposit.maturity", use, as_of="2026-11-30")
    t = r.tables()
    det, amt, cnt = t["maturity_detail"].df, t["maturity_amount"].df, t["maturity_count"].df
    assert len(det) > 0
    bank = amt["层级"] == "全行"
    assert amt.loc[bank, "合计"].item() == pytest.approx(det["金额(万元)"].sum())
    assert cnt.loc[bank, "合计"].item() == len(det)
    # every branch row equals the sum of its outlets for amounts (additive), distinct customers at most that
    write_report(r, tmp_path / "sample.xlsx")


def test_flexible_deposit_without_maturity_is_a_note_not_a_problem():
    rows = [*ROWS, ("A14", "C9", "O12", "定活两便", "2026-01-01", None, None, 0.0066, 8_000.0)]
    r = execute("deposit.maturity", {"time_deposits": make_td(rows)}, as_of=AS_OF)
    probs = r.problems.to_frame()
    assert probs.loc[probs["问题码"] == "REQUIRED_EMPTY", "Excel 行号"].tolist() == [9]  # only A08
    assert "A14" not in set(r.tables()["maturity_detail"].df["账号"])
    assert any("定活两便 1 笔" in n for n in r.notes)


def test_inputs_not_mutated():
    td, orgs = make_td(), ORGS.copy()
    before = td.copy(deep=True)
    execute("deposit.maturity", {"time_deposits": td, "orgs": orgs, "customers": CUSTOMERS}, as_of=AS_OF)
    pd.testing.assert_frame_equal(td, before)
    pd.testing.assert_frame_equal(orgs, ORGS)


def test_closed_zero_and_foreign_rows_left_out_with_notes():
    """The closed/zero/currency filter (now bankxl.frames.active_deposit_mask, shared with D4 and
    C3): A20 closed, A21 zero balance, A22 USD are left out; A23 has a blank currency (= the data's) and
    stays; A24 '人民币' is CNY."""
    extra = [("A20", "C1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 90_000.0),
             ("A21", "C1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 0.0),
             ("A22", "C1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 70_000.0),
             ("A23", "C1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 60_000.0),
             ("A24", "C1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 40_000.0)]
    td = make_td([*ROWS, *extra])
    n = len(ROWS)
    td["status"] = pd.array(["正常"] * n + ["已销户", "正常", "正常", "正常", "正常"], dtype="string")
    td["ccy"] = pd.array(["CNY"] * n + ["CNY", "CNY", "USD", "  ", "人民币"], dtype="string")
    from bankxl.frames import active_deposit_mask, active_deposits

    keep, notes = active_deposit_mask(td, "CNY")
    assert td.loc[~keep, "acct_no"].tolist() == ["A20", "A21", "A22"]
    assert len(notes) == 3 and "USD: 1 笔, 余额 70,000.00" in notes[2]
    kept, _ = active_deposits(td, "CNY")
    assert kept["acct_no"].tolist() == td["acct_no"].tolist()[:n] + ["A23", "A24"]
    # the data in USD: only A22 is in the data's currency (plus blank A23); CNY rows are foreign then
    keep_usd, _ = active_deposit_mask(td, "USD")
    assert td.loc[keep_usd, "acct_no"].tolist() == ["A22", "A23"]
    rep = execute("deposit.maturity", {"time_deposits": td}, as_of=AS_OF)
    accts = set(rep.tables()["maturity_detail"].df["账号"])
    assert {"A23", "A24"} <= accts and not {"A20", "A21", "A22"} & accts
    assert any("销户" in x for x in rep.notes) and any("USD" in x for x in rep.notes)


def test_band_and_term_labels_documented_examples():
    assert m.dtm_band_labels((0, 8, 31, 91, 181, 366)) == ["已到期未支取", "0–7天", "8–30天", "31–90天", "91–180天",
                                                           "181–365天", ">365天"]
    assert m.dtm_band(pd.Series([-1, 0, 7, 8, 365, 366]), (0, 8, 31, 91, 181, 366)).tolist() == [
        "已到期未支取", "0–7天", "0–7天", "8–30天", "181–365天", ">365天"]
    assert [m.term_label(x) for x in (3, 12, 18, 36, None)] == ["3个月", "1年", "18个月", "3年", "未知"]


# --- 行长/理财经理名单 and the texts that are parameters (issue 9 leftovers) ---------------------------------
STAFF_ROWS = [("S1", "K1", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 300_000.0),
              ("S2", "K1", "O11", "大额存单", "2025-09-15", "2026-09-15", 12, 0.02, 250_000.0),
              ("S3", "K2", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 20_000.0),
              ("S4", "K3", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 490_000.0)]
K_CUSTOMERS = pd.DataFrame({"cust_id": ["K1", "K3"], "cust_name": ["赵大海", "钱小江"],
                            "id_no": ["11010519491231002X", "110105194912310038"],
                            "phone": ["13812345678", "13900001111"]}).astype("string")


def _staff_report(params=None):
    tables = {"time_deposits": make_td(STAFF_ROWS), "orgs": ORGS, "customers": K_CUSTOMERS}
    return execute("deposit.maturity", tables, {"customers_per_staff_day": 2, **(params or {})}, as_of=AS_OF)


def test_large_customer_list_is_a_section6_list_from_its_strategy_parameter():
    """K1: 300,000 + 250,000 = 550,000 ≥ 500,000 (K3's 490,000 is below) -> one row, 得分 = 大额客户得分 60, 等级 A
    (大额名单等级门槛 A ≥ 0). Default strategy: the former fixed action, 5 working days after Wed 2026-09-09 =
    Wed 09-16, capped at the last working day before his 实际可支取日 Tue 09-15 -> Mon 2026-09-14. With
    large_strategy [A, "行长面访{products}, 共{count}笔", 1]: 1 working day -> Thu 09-10 (not capped);
    products sorted: 大额存单 (U+5927) before 整存整取 (U+6574)."""
    r = _staff_report()
    t = r.tables()["large_customers"]
    vip = t.df
    assert t.role == "list"
    # §6 identity columns (客户经理 is left out: the hand data have no 客户经理)
    assert list(vip.columns[:6]) == ["排名", "客户号", "客户名称(脱敏)", "证件号码(脱敏)", "手机号(脱敏)", "机构号"]
    assert {"得分", "等级", "原因", "建议动作", "截止日"} <= set(vip.columns)
    row = vip.iloc[0]
    assert len(vip) == 1 and row["客户号"] == "K1" and row["排名"] == 1
    assert row["证件号码(脱敏)"] == "110105********002X" and row["手机号(脱敏)"] == "138****5678"
    assert row["客户名称(脱敏)"] != "赵大海" and row["机构号"] == "O11"
    assert row["到期金额(元)"] == 550_000.0 and row["到期笔数"] == 2 and row["产品"] == "大额存单、整存整取"
    assert (row["得分"], row["等级"]) == (60.0, "A")
    assert row["原因"] == "60天内到期合计 550,000 元 ≥ 50万"
    assert row["建议动作"] == "行长/理财经理提前面访, 配置大额存单/理财" and row["截止日"] == T("2026-09-14")
    mine = _staff_report({"large_strategy": [["A", "行长面访{products}, 共{count}笔", 1]]}).tables()
    row = mine["large_customers"].df.iloc[0]
    assert row["建议动作"] == "行长面访大额存单、整存整取, 共2笔" and row["截止日"] == T("2026-09-10")


def test_staffing_texts_and_id_count_are_parameters():
    """On 2026-09-15 at O11: K1 550,000 and K3 490,000; with 大额客户门槛 200,000 both are large (K2's 20,000
    not): 大额客户号 by amount = "K1、K3"; 排班大额客户号个数 1 -> "K1 等". 所需人天 = ceil(3 / 2) = 2; the
    sentence after it comes from 大额客户排班建议 ({n_big} = 2)."""
    st = _staff_report({"large_customer": 200_000.0}).tables()["staffing"].df.iloc[0]
    assert st["大额客户号"] == "K1、K3" and st["建议安排"] == "安排2人天; 行长/理财经理在岗, 预约2位大额客户"
    st = _staff_report({"large_customer": 200_000.0, "large_ids_shown": 1,
                        "staff_large_action": "{n_big}位大额客户请行长接待"}).tables()["staffing"].df.iloc[0]
    assert st["大额客户号"] == "K1 等" and st["建议安排"] == "安排2人天; 2位大额客户请行长接待"
    with pytest.raises(ParameterError) as e:
        _staff_report({"staff_large_action": "预约{n}位"})
    assert "staff_large_action" in e.value.message_zh and "{n_big}" in e.value.message_zh
    with pytest.raises(ParameterError):
        _staff_report({"large_strategy": [["A", "面访{nope}", 1]]})


def test_auto_renew_text_is_a_parameter(report):
    """A05 (C4, matures 2026-09-10 = node 1) set to 自动转存: its action ends with the 自动转存提示."""
    td = make_td().assign(auto_renew=lambda f: f["acct_no"].eq("A05").astype("boolean"))
    tables = {"time_deposits": td, "orgs": ORGS, "customers": CUSTOMERS}
    act = lambda r: _row(r.tables()["reminders"].df, "账号", "A05")["建议动作"]  # noqa: E731
    assert act(execute("deposit.maturity", tables, as_of=AS_OF)).endswith("; 已约定自动转存, 确认意愿")
    mine = execute("deposit.maturity", tables, {"auto_renew_text": "(已约定自动转存)"}, as_of=AS_OF)
    assert act(mine).endswith("(已约定自动转存)") and "确认意愿" not in act(mine)


def test_max_term_is_a_parameter():
    """T1 has no 到期日, 起息日 2000-01-15 and 期限 360 months: by default 2030-01-15 (12个月以后); with 最长期限
    240 months the term is TERM_INVALID (Excel row 2) and the deposit cannot be dated: left out. T2 (row 3, dated)
    keeps the table usable (a table with no usable row stops the run: test_d2_no_usable_rows)."""
    rows = [("T1", "K9", "O11", "整存整取", "2000-01-15", None, 360, 0.03, 10_000.0),
            ("T2", "K9", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 20_000.0)]
    r = execute("deposit.maturity", {"time_deposits": make_td(rows)}, as_of=AS_OF)
    assert r.tables()["maturity_detail"].df["到期日"].tolist() == [T("2026-10-09"), T("2030-01-15")]
    r = execute("deposit.maturity", {"time_deposits": make_td(rows)}, {"max_term_m": 240}, as_of=AS_OF)
    probs = r.problems.to_frame()
    assert probs.loc[probs["问题码"] == "TERM_INVALID", "Excel 行号"].tolist() == [2]
    assert r.tables()["maturity_detail"].df["Excel行号"].tolist() == [3]
