"""M1 员工工资可视化 (bankxl.scenarios.management.salary): checks, tax recomputation, department statistics,
deduction shares, trend, privacy and the written workbook — values computed by hand or by a second method."""
from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bankxl import tax
from bankxl.runner import execute
from bankxl.scenario import RunContext, make_params
from bankxl.scenarios.management import salary
from bankxl.scenarios.management.salary import POOLED, SPEC, SalaryParams
from bankxl.tables import PAY_DEDUCTIONS, PAY_ITEMS, get_table

AS_OF = "2026-02-28"


def payroll(rows: list[dict], excel_first_row: int | None = 2) -> pd.DataFrame:
    """A typed canonical payroll frame from partial rows (missing money = NaN), ``_row`` from 2 unless None."""
    empty = get_table("payroll").empty()
    df = pd.DataFrame(rows)
    out = pd.DataFrame({c: df[c] if c in df.columns else pd.Series([None] * len(df)) for c in empty.columns
                        if c != "_row"})
    out = out.astype({c: empty[c].dtype for c in out.columns})
    if excel_first_row is not None:
        out["_row"] = pd.array(np.arange(excel_first_row, excel_first_row + len(out)), dtype="Int64")
    return out


def row(month, emp, gross, *, dept="营业部", name="张三", special_additional=1000.0, iit=None, social=None,
        net=None, **extra):
    """A consistent payroll row: gross all in basic_pay, 三险一金 = 1,400 (800/200/50/350) unless ``social``."""
    soc = social or {"pension": 800.0, "medical": 200.0, "unemployment": 50.0, "housing_fund": 350.0}
    r = {"month": pd.Timestamp(month), "emp_id": emp, "emp_name": name, "dept": dept, "basic_pay": gross,
         "gross": gross, **soc, "iit": iit, "special_additional": special_additional}
    r.update(extra)
    if net is None:
        net = gross - sum(v for k, v in r.items() if k in PAY_DEDUCTIONS and v is not None and not pd.isna(v))
    r["net"] = net
    return r


def run(df, as_of=AS_OF, **params):
    return execute(SPEC, {"payroll": df}, params or None, as_of=as_of)


def problems(report, code=None):
    f = report.problems.to_frame()
    return f if code is None else f[f["问题码"] == code]


# ---------------------------------------------------------------------------------------------- tax

def test_tax_vector_through_the_scenario():
    """SCENARIOS §8: 30,000/month, 三险一金 1,400, 专项附加 1,000 -> Jan 678, Feb 1,322. Employee B's
    February tax is entered as 1,300 and must be the only TAX_MISMATCH, with the Excel row of that line."""
    df = payroll([
        row("2026-01-01", "A01", 30000.0, iit=678.0),
        row("2026-01-01", "B02", 30000.0, iit=678.0, name="李四"),
        row("2026-02-01", "A01", 30000.0, iit=1322.0),
        row("2026-02-01", "B02", 30000.0, iit=1300.0, name="李四"),
    ])
    rep = run(df)
    tm = problems(rep, "TAX_MISMATCH")
    assert tm["Excel 行号"].tolist() == [5]
    assert problems(rep, "SUM_MISMATCH").empty
    detail = rep.tables()["tax_recalc"].df
    assert len(detail) == 1
    d = detail.iloc[0]
    assert d["员工号"] == "B02" and d["月份"] == "2026-02"
    assert d["累计应纳税所得额(元)"] == pytest.approx(45200.0)      # 2 × (30,000 − 5,000 − 1,400 − 1,000)
    assert d["累计应预扣税额(元)"] == pytest.approx(2000.0)         # 45,200 × 10% − 2,520
    assert d["预扣率"] == pytest.approx(0.10) and d["速算扣除数(元)"] == pytest.approx(2520.0)
    assert d["累计已预扣(元)"] == pytest.approx(678.0)              # January's 22,600 × 3%
    assert d["本月应预扣(元)"] == pytest.approx(1322.0)
    assert d["差额(元)"] == pytest.approx(-22.0)
    mism = rep.tables()["pay_mismatch"].df
    assert mism[["问题码", "Excel 行号", "表内值(元)", "应为(元)"]].values.tolist() == [["TAX_MISMATCH", 5, 1300.0, 1322.0]]


def test_tax_skipped_without_special_additional():
    """No 专项附加扣除 in the file: the tax check is skipped with a note, nobody is flagged."""
    df = payroll([row("2026-01-01", "A01", 30000.0, iit=5.0, special_additional=None),
                  row("2026-02-01", "A01", 30000.0, iit=99999.0, special_additional=None)])
    rep = run(df)
    assert problems(rep, "TAX_MISMATCH").empty
    assert "tax_recalc" not in rep.tables()
    assert any("缺少专项附加扣除, 未校验个税" in n for n in rep.notes)
    tax_note = rep.sheet("个税核对").blocks[0]
    assert any("缺少专项附加扣除, 未校验个税" in line for line in tax_note.lines)


def test_tax_starts_at_first_month_present_and_is_noted():
    """A March hire in a file that starts in January: cumulative tax starts in March (one 5,000 deduction),
    listed on 个税核对; a wrong March tax for him is still caught (computed from his first month)."""
    df = payroll([row("2026-01-01", "A01", 30000.0, iit=678.0), row("2026-02-01", "A01", 30000.0, iit=1322.0),
                  row("2026-03-01", "C03", 30000.0, iit=678.0), row("2026-04-01", "C03", 30000.0, iit=1322.0)])
    rep = run(df, as_of="2026-04-30")
    assert problems(rep, "TAX_MISMATCH").empty
    start = rep.tables()["tax_start"].df
    assert start[["员工号", "文件中首个月份"]].values.tolist() == [["C03", "2026-03"]]
    assert any("年中入职" in n for n in rep.notes)
    assert not any("文件缺少" in n for n in rep.notes)
    bad = df.copy()
    bad.loc[2, "iit"] = 700.0                                  # March: 22,600 × 3% = 678, not 700
    tm = problems(run(bad, as_of="2026-04-30"), "TAX_MISMATCH")
    assert tm["Excel 行号"].tolist() == [4]


def _one_month(sample_bank, months):
    pay = sample_bank["payroll"]
    keep = pd.to_datetime(pay["month"]).dt.month.isin(months)
    return pay[keep].reset_index(drop=True)


def test_file_starting_mid_year_skips_the_tax_check_for_staff_of_its_first_month(sample_bank):
    """Bug report: only the 2026-11 rows of the sample -> 298 of 458 employee-months were TAX_MISMATCH.
    November alone cannot be checked (January–October income unknown): nobody is flagged, and 说明 and
    个税核对 say why; the planted November SUM_MISMATCH rows are still found."""
    nov = _one_month(sample_bank, [11])
    rep = execute(SPEC, {"payroll": nov, "orgs": sample_bank["orgs"]}, as_of="2026-11-30")
    assert problems(rep, "TAX_MISMATCH").empty
    assert "tax_recalc" not in rep.tables() and "tax_start" not in rep.tables()
    want = "文件缺少 1–10 月工资, 无法按累计预扣法核对这些员工的个税"
    n_emp = nov["emp_id"].nunique()
    assert any(want in n and f"{n_emp:,} 名员工" in n for n in rep.notes)
    tax_lines = rep.sheet("个税核对").blocks[0].lines
    assert any(want in line for line in tax_lines)
    assert any("已按累计预扣法重算 0 个员工月" in line for line in tax_lines)
    assert len(problems(rep)) == 0                     # no SUM error is planted in November either
    assert any(f"({n_emp:,} 个员工月)" in n for n in rep.notes)   # one employee-month each (rows added up)


def test_one_month_file_with_a_hand_made_frame():
    """February-only file: '文件缺少 1 月工资'; an absurd tax is not flagged, a SUM error still is."""
    df = payroll([row("2026-02-01", "A01", 30000.0, iit=99999.0, net=30000.0 - 1400.0 - 99999.0),
                  row("2026-02-01", "B02", 30000.0, iit=5.0, net=1.0)])
    rep = run(df)
    assert problems(rep, "TAX_MISMATCH").empty
    assert problems(rep, "SUM_MISMATCH")["Excel 行号"].tolist() == [3]
    assert any("文件缺少 1 月工资, 无法按累计预扣法核对这些员工的个税" in n for n in rep.notes)


def test_jul_to_nov_file_checks_only_mid_year_joiners(sample_bank):
    """A Jul–Nov export: staff paid in July are skipped (January–June unknown); an employee first paid in
    September is a mid-year joiner checked from September — his numbers equal the full-year run's, where his
    first month is also September; a tax error planted on him is caught."""
    full = sample_bank["payroll"]
    m = pd.to_datetime(full["month"]).dt.month
    first = pd.DataFrame({"emp": full["emp_id"], "m": m}).groupby("emp")["m"].min()
    joiners = sorted(first[(first > 7) & (first <= 11)].index)
    part = full[m.between(7, 11)].reset_index(drop=True)
    if not joiners:                                  # make one: an employee paid only from September on
        src = part[(pd.to_datetime(part["month"]).dt.month >= 9)]
        e0 = src["emp_id"].iloc[0]
        add = src[src["emp_id"] == e0].copy()
        add["emp_id"] = "NEW001"
        inc = add["gross"].fillna(0.0)
        add["iit"] = tax.cumulative_iit_long(
            add["emp_id"], add["month"], inc,
            add[["pension", "medical", "unemployment", "housing_fund"]].fillna(0.0).sum(axis=1),
            add["special_additional"].fillna(0.0),
            np.minimum(add["annuity"].fillna(0.0), 0.04 * inc)).to_numpy()
        add["net"] = add["gross"] - add[list(PAY_DEDUCTIONS)].fillna(0.0).sum(axis=1)
        part = pd.concat([part, add], ignore_index=True)
        joiners = ["NEW001"]
    part = part.drop(columns=["_row"], errors="ignore")
    part["_row"] = pd.array(np.arange(2, len(part) + 2), dtype="Int64")
    rep = execute(SPEC, {"payroll": part}, as_of="2026-11-30")
    tm = problems(rep, "TAX_MISMATCH")
    assert tm.empty       # the planted November tax error is on 000015, paid in July: not checkable here
    from bankxl.sample import PLANTED_PAYROLL_ERRORS
    sums = {(e.emp_id, f"2026-{e.month:02d}") for e in PLANTED_PAYROLL_ERRORS if e.check != "iit" and 7 <= e.month}
    mism = rep.tables()["pay_mismatch"].df
    assert set(zip(mism["员工号"], mism["月份"])) == sums and set(mism["问题码"]) == {"SUM_MISMATCH"}
    assert any("文件缺少 1–6 月工资, 无法按累计预扣法核对这些员工的个税" in n for n in rep.notes)
    july = part.loc[pd.to_datetime(part["month"]).dt.month == 7, "emp_id"].nunique()
    assert any(f"{july:,} 名员工" in n for n in rep.notes)
    start = rep.tables()["tax_start"].df
    assert sorted(start["员工号"]) == sorted(joiners)
    # plant an error on the first joiner's second month: exactly that row is flagged, by the planted amount
    j = joiners[0]
    jr = part[part["emp_id"] == j].sort_values("month")
    target = jr.index[1] if len(jr) > 1 else jr.index[0]
    bad = part.copy()
    bad.loc[target, "iit"] = bad.loc[target, "iit"] + 37.0
    bad.loc[target, "net"] = bad.loc[target, "net"] - 37.0
    tm2 = problems(execute(SPEC, {"payroll": bad}, as_of="2026-11-30"), "TAX_MISMATCH")
    new = set(tm2["Excel 行号"].astype(int)) - set(tm["Excel 行号"].astype(int))
    assert new == {int(part.loc[target, "_row"])}


def test_annuity_is_other_deduction_within_the_cap():
    """企业年金 counts as 其他扣除 up to 4% of 应发: 30,000 × 4% = 1,200 of a 2,000 contribution."""
    r1 = row("2026-01-01", "A01", 30000.0, annuity=2000.0, iit=(30000 - 5000 - 1400 - 1000 - 1200) * 0.03)
    rep = run(payroll([r1]), as_of="2026-01-31")
    assert problems(rep, "TAX_MISMATCH").empty
    r2 = dict(r1, iit=(30000 - 5000 - 1400 - 1000 - 2000) * 0.03)  # full 2,000 deducted: wrong by 24
    r2["net"] = r1["net"] + r1["iit"] - r2["iit"]
    rep2 = run(payroll([r2]), as_of="2026-01-31")
    assert problems(rep2, "TAX_MISMATCH")["原值"].tolist() == [f"{r2['iit']}"]


def test_cumulative_columns_agree_with_a_second_computation(sample_bank):
    """Second method: the cumulative columns M1 shows come from tax.cumulative_iit_long(detail=True); on the
    whole sample payroll they equal a plain groupby/cumsum recomputation (annual_tax + cummax), and the
    detail's 本期应预扣 equals the Series form."""
    pay = sample_bank["payroll"]
    special = pay[["pension", "medical", "unemployment", "housing_fund"]].sum(axis=1)
    det = tax.cumulative_iit_long(pay["emp_id"], pay["month"], pay["gross"], special, pay["special_additional"],
                                  pay["annuity"], detail=True)
    assert list(det.columns) == list(tax.DETAIL_COLUMNS) and det.index.equals(pay.index)
    ref = tax.cumulative_iit_long(pay["emp_id"], pay["month"], pay["gross"], special, pay["special_additional"],
                                  pay["annuity"])
    np.testing.assert_allclose(det["tax"].to_numpy(), ref.to_numpy(), atol=0)

    d = pd.DataFrame({"emp": pay["emp_id"].astype(str), "m": pd.to_datetime(pay["month"]),
                      "inc": pay["gross"], "sp": special, "sa": pay["special_additional"].fillna(0.0),
                      "ot": pay["annuity"].fillna(0.0)}).sort_values(["emp", "m"], kind="mergesort")
    assert not d.duplicated(["emp", "m"]).any()
    key = [d["emp"], d["m"].dt.year]
    mon = d["m"].dt.month
    n = mon - mon.groupby(key).transform("min") + 1
    cum = {c: d[c].groupby(key).cumsum() for c in ("inc", "sp", "sa", "ot")}
    taxable = cum["inc"] - 5000.0 * n - cum["sp"] - cum["sa"] - cum["ot"]
    due = pd.Series(tax.annual_tax(taxable.to_numpy()), index=d.index)
    withheld = due.groupby(key).cummax()
    before = withheld.groupby(key).shift(1, fill_value=0.0)
    det = det.loc[d.index]
    np.testing.assert_allclose(det["cum_income"], cum["inc"], atol=1e-6)
    np.testing.assert_allclose(det["cum_taxable"], taxable, atol=1e-6)
    np.testing.assert_allclose(det["cum_tax_due"], due, atol=1e-9)
    np.testing.assert_allclose(det["withheld_before"], before, atol=1e-9)
    np.testing.assert_allclose(det["tax"], tax.round_half_up((withheld - before).to_numpy()), atol=1e-9)
    assert (det["months_employed"] == n).all()


def test_custom_tax_table_is_used():
    """A flat 3% table (a parameter) changes the expected tax: February 45,200 × 3% − 678 = 678."""
    df = payroll([row("2026-01-01", "A01", 30000.0, iit=678.0), row("2026-02-01", "A01", 30000.0, iit=678.0)])
    assert problems(run(df), "TAX_MISMATCH")["Excel 行号"].tolist() == [3]
    flat = SalaryParams(tax_brackets=((float("inf"), 0.03, 0.0),))
    assert problems(execute(SPEC, {"payroll": df}, flat, as_of=AS_OF), "TAX_MISMATCH").empty
    # the same table as the 参数 sheet / --param text gives it
    assert problems(run(df, tax_brackets="[[Infinity, 0.03, 0]]"), "TAX_MISMATCH").empty


def test_several_rows_in_one_month_are_added_up():
    """补发 in a second row: the month's tax is compared with the sum of both rows."""
    df = payroll([row("2026-01-01", "A01", 20000.0, iit=408.0),   # (20,000 + 10,000 − 5,000 − 2,800 − 1,000) × 3% = 636
                  row("2026-01-01", "A01", 10000.0, iit=228.0, special_additional=0.0)])
    rep = run(df, as_of="2026-01-31")
    assert problems(rep).empty
    assert any("多条发放记录" in n for n in rep.notes)
    assert rep.tables()["monthly_trend"].df["发放人数"].tolist() == [1]


# ---------------------------------------------------------------------------------------------- sums

def test_gross_and_net_mismatch_rows_with_excel_rows():
    good = row("2026-01-01", "E1", 10000.0, iit=0.0, special_additional=None)
    bad_g = dict(row("2026-01-01", "E2", 10000.0, iit=0.0, special_additional=None), perf_pay=100.0)  # Σ = gross + 100
    bad_n = row("2026-01-01", "E3", 10000.0, iit=0.0, special_additional=None)
    bad_n["net"] -= 200.0
    within = row("2026-01-01", "E4", 10000.0, iit=0.0, special_additional=None)
    within["net"] += 0.005                                                  # inside the 0.01 tolerance
    df = payroll([good, bad_g, bad_n, within], excel_first_row=7)           # title rows above: data from row 7
    rep = run(df, as_of="2026-01-31")
    sm = problems(rep, "SUM_MISMATCH")
    assert sm[["Excel 行号", "字段"]].values.tolist() == [[8, "应发合计(gross)"], [9, "实发合计(net)"]]
    mism = rep.tables()["pay_mismatch"].df
    assert mism["Excel 行号"].tolist() == [8, 9]
    assert mism["差额(元)"].tolist() == [-100.0, -200.0]
    assert mism["应为(元)"].tolist() == [10100.0, 8600.0]   # 10,000 − 1,400 三险一金
    assert (mism["原因"].str.len() > 0).all() and (mism["建议动作"].str.len() > 0).all()
    # the headline's 待处理核对: the largest difference first (|−200| > |−100|), what and how much in 建议动作
    fix = rep.tables()["fix_first"].df
    assert fix["员工号"].tolist() == ["E3", "E2"] and fix["排名"].tolist() == [1, 2]
    assert fix["建议动作"].iloc[0].startswith("E3 2026-01 实发合计 差 -200.00 元: ")
    assert fix["建议动作"].iloc[0].endswith(mism["建议动作"].iloc[1])
    # a tighter tolerance flags the 0.005 row too
    rep2 = execute(SPEC, {"payroll": df}, {"tolerance": 0.001}, as_of="2026-01-31")
    assert problems(rep2, "SUM_MISMATCH")["Excel 行号"].tolist() == [8, 9, 10]


def test_planted_sample_errors_are_exactly_what_is_flagged(sample_bank):
    from bankxl.sample import PLANTED_PAYROLL_ERRORS

    pay = sample_bank["payroll"]
    rep = execute(SPEC, {"payroll": pay, "orgs": sample_bank["orgs"]}, as_of="2026-11-30")
    mism = rep.tables()["pay_mismatch"].df
    got = {(int(m[5:7]), e, c) for m, e, c in mism[["月份", "员工号", "问题码"]].itertuples(index=False)}
    want = {(e.month, e.emp_id, "TAX_MISMATCH" if e.check == "iit" else "SUM_MISMATCH")
            for e in PLANTED_PAYROLL_ERRORS if e.month <= 11}
    assert got == want
    assert len(rep.problems) == len(want)
    assert not any("文件缺少" in n for n in rep.notes)       # the sample starts in January: all checked
    deltas = dict(zip(zip(mism["员工号"], mism["问题码"]), mism["差额(元)"]))
    for e in PLANTED_PAYROLL_ERRORS:
        code = "TAX_MISMATCH" if e.check == "iit" else "SUM_MISMATCH"
        # gross: table − Σ items = −delta; net and iit: table − expected = delta
        assert deltas[(e.emp_id, code)] == pytest.approx(-e.delta if e.check == "gross" else e.delta)


def test_planted_errors_keep_their_excel_rows_when_loaded_from_the_workbook(sample_bank, tmp_path):
    from bankxl.runner import run_scenario
    from bankxl.sample import write_sample_workbooks

    paths = write_sample_workbooks({"payroll": sample_bank["payroll"]}, tmp_path)
    res = run_scenario("management.salary", paths, None, as_of="2026-11-30")
    flagged = problems(res.report)
    assert len(flagged) == 4
    wb = openpyxl.load_workbook(paths[0], read_only=True)
    ws = wb["员工工资"]
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    emp_col = header.index("员工号")
    rows = {r[0].row: r for r in ws.iter_rows(min_row=2)}
    mism = res.report.tables()["pay_mismatch"].df
    for excel_row, emp in zip(mism["Excel 行号"], mism["员工号"]):
        assert rows[int(excel_row)][emp_col].value == emp


# ---------------------------------------------------------------------------------------------- statistics

def _dept_frame():
    """营业部 3 staff, 个金部 4 staff, 小部门 2 staff; one month, except 营业部's Z1 with two months."""
    rs = []
    for emp, g in (("Z1", 10000.0), ("Z2", 12000.0), ("Z3", 20000.0)):
        rs.append(row("2026-02-01", emp, g, dept="营业部", special_additional=None))
    rs.append(row("2026-01-01", "Z1", 14000.0, dept="营业部", special_additional=None))  # Z1 average 12,000
    for emp, g in (("G1", 9000.0), ("G2", 11000.0), ("G3", 15000.0), ("G4", 30000.0)):
        rs.append(row("2026-02-01", emp, g, dept="个人金融部", special_additional=None))
    for emp, g in (("S1", 50000.0), ("S2", 52000.0)):
        rs.append(row("2026-02-01", emp, g, dept="行长室", special_additional=None))
    return payroll(rs)


@pytest.mark.golden("management.salary")
def test_department_medians_and_quartiles_by_hand():
    rep = run(_dept_frame())
    rank = rep.tables()["dept_rank"].df.set_index("部门")
    # 营业部 monthly averages 12,000 / 12,000 / 20,000 -> median 12,000, P25 12,000, P75 16,000
    assert rank.loc["营业部", "人数"] == 3
    assert rank.loc["营业部", "月均应发中位数(元)"] == 12000.0
    assert rank.loc["营业部", "应发P25(元)"] == 12000.0 and rank.loc["营业部", "应发P75(元)"] == 16000.0
    # 个人金融部 9,000 / 11,000 / 15,000 / 30,000 -> median 13,000; P25 = 9,000 + 0.75×2,000 = 10,500;
    # P75 = 15,000 + 0.25×15,000 = 18,750 (linear, = Excel PERCENTILE.INC)
    assert rank.loc["个人金融部", "月均应发中位数(元)"] == 13000.0
    assert rank.loc["个人金融部", "应发P25(元)"] == 10500.0 and rank.loc["个人金融部", "应发P75(元)"] == 18750.0
    # net = gross − 1,400 for everyone here
    assert rank.loc["个人金融部", "月均实发中位数(元)"] == 13000.0 - 1400.0
    # 行长室 has 2 staff (< 3): pooled, and the pool (2 staff) shows no statistic
    assert "行长室" not in rank.index
    assert rank.loc[POOLED, "人数"] == 2 and pd.isna(rank.loc[POOLED, "月均应发中位数(元)"])
    assert rep.tables()["dept_rank"].df["部门"].tolist()[:2] == ["个人金融部", "营业部"]  # by median, desc
    box = rep.tables()["dept_box"].df.set_index("部门")
    assert box.loc["个人金融部", ["最小值(元)", "最大值(元)"]].tolist() == [9000.0, 30000.0]
    assert box.loc["个人金融部", "P75−中位数(元)"] == 18750.0 - 13000.0


def test_min_group_size_one_shows_small_departments():
    rep = run(_dept_frame(), min_group_size=1)
    rank = rep.tables()["dept_rank"].df.set_index("部门")
    assert rank.loc["行长室", "月均应发中位数(元)"] == 51000.0


def test_structure_fixed_vs_performance_by_hand():
    rs = [row("2026-02-01", "A", 0.0, dept="甲", special_additional=None, basic_pay=5000.0, post_pay=3000.0,
              allowance=1000.0, perf_pay=4000.0, overtime=500.0, other_pay=500.0),
          row("2026-02-01", "B", 0.0, dept="甲", special_additional=None, basic_pay=4000.0, post_pay=2000.0,
              allowance=0.0, perf_pay=2000.0, overtime=0.0, other_pay=0.0),
          row("2026-02-01", "C", 0.0, dept="甲", special_additional=None, basic_pay=6000.0, post_pay=0.0,
              allowance=0.0, perf_pay=0.0, overtime=0.0, other_pay=0.0)]
    for r in rs:
        r["gross"] = sum(r[c] for c in PAY_ITEMS)
        r["net"] = r["gross"] - 1400.0
    rep = execute(SPEC, {"payroll": payroll(rs)}, None, as_of=AS_OF, scale=1)
    st = rep.tables()["pay_structure"].df.set_index("部门")
    fixed, perf = 9000 + 6000 + 6000, 5000 + 2000
    assert st.loc["甲", "固定工资(元)"] == fixed and st.loc["甲", "绩效及其他(元)"] == perf
    assert st.loc["甲", "固定占比"] == pytest.approx(fixed / (fixed + perf))
    assert st.loc["甲", "人均月固定(元)"] == pytest.approx(fixed / 3)
    total = rep.tables()["pay_structure_total"].df.iloc[0]
    assert total["部门"] == "全行合计" and total["应发合计(元)"] == fixed + perf


def test_deduction_shares_sum_to_one_and_waterfall_closes():
    rs = [row("2026-02-01", "A", 20000.0, iit=300.0, annuity=400.0, other_deduction=50.0),
          row("2026-02-01", "B", 12000.0, iit=100.0),
          row("2026-02-01", "C", 8000.0, iit=0.0, other_deduction=20.0)]
    rep = execute(SPEC, {"payroll": payroll(rs)}, None, as_of=AS_OF, scale=1)
    mix = rep.tables()["deduction_mix"].df.set_index("扣款项目")
    assert mix["占扣款合计"].sum() == pytest.approx(1.0)
    hand = {"养老保险": 2400.0, "医疗保险": 600.0, "失业保险": 150.0, "住房公积金": 1050.0, "企业年金": 400.0,
            "个人所得税": 400.0, "其他扣款": 70.0}
    assert mix["金额(元)"].to_dict() == hand
    assert mix.loc["住房公积金", "占应发合计"] == pytest.approx(1050.0 / 40000.0)
    wf = rep.tables()["pay_waterfall"].df
    assert wf["步骤"].tolist()[0] == "应发合计" and wf["步骤"].tolist()[-1] == "实发合计"
    assert wf["金额(元)"].iloc[0] == 40000.0
    assert wf["累计(元)"].iloc[-2] == pytest.approx(40000.0 - sum(hand.values()))
    assert wf["金额(元)"].iloc[-1] == pytest.approx(40000.0 - sum(hand.values()))
    assert (wf["余额部分(元)"] + wf["本项扣减(元)"]).iloc[1] == 40000.0   # first bar spans the whole gross
    assert "核对差异" not in wf["步骤"].tolist()


def test_trend_headcount_and_bonus_month():
    rs = []
    for m, bonus in (("2026-01-01", 30000.0), ("2026-02-01", 0.0), ("2026-03-01", 0.0), ("2026-04-01", 0.0)):
        for emp in ("A", "B"):
            rs.append(row(m, emp, 10000.0 + bonus, special_additional=None))
    rs.append(row("2026-04-01", "C", 10000.0, special_additional=None))
    rep = run(payroll(rs), as_of="2026-04-30")
    tr = rep.tables()["monthly_trend"].df
    assert tr["发放人数"].tolist() == [2, 2, 2, 3]
    assert tr["应发合计(万元)"].tolist() == [8.0, 2.0, 2.0, 3.0]
    # median month 25,000; January 80,000 > 1.5 × 25,000
    assert tr["备注"].tolist() == ["年终奖月(集中发放)", "", "", ""]
    assert any("年终奖月" in n and "2026-01" in n for n in rep.notes)
    # issue 10 item 1: 概览 = April against March: 应发 3 × 10,000 = 3.0 万元 vs 2.0; 3 people vs 2; 人均 10,000 both
    f = {x.label: x for x in rep.headline.figures}
    assert (f["2026-04 应发合计"].value, f["2026-04 应发合计"].compare) == (3.0, 2.0)
    assert (f["2026-04 发放人数"].value, f["2026-04 发放人数"].compare) == (3, 2)
    assert (f["2026-04 人均应发"].value, f["2026-04 人均应发"].compare) == (10_000.0, 10_000.0)
    assert f["2026-04 实发合计"].compare == tr["实发合计(万元)"].iloc[2] and f["核对不符"].value == 0
    assert rep.headline.actions == "fix_first" and len(rep.tables()["fix_first"].df) == 0
    one = run(payroll(rs[:2]), as_of="2026-01-31").headline  # one month: no 上月 (blank, said), never 0
    assert all(x.compare is None for x in one.figures[:4]) and one.figures[0].note == "数据中没有上月工资, 无上月对比"


def test_window_and_later_months():
    rs = [row("2025-01-01", "A", 50000.0, special_additional=None),
          row("2026-02-01", "A", 10000.0, special_additional=None),
          row("2026-03-01", "A", 99999.0, special_additional=None)]
    rep = run(payroll(rs), as_of="2026-02-28", window_months=12, min_group_size=1)
    assert rep.tables()["dept_rank"].df["月均应发中位数(元)"].tolist() == [10000.0]
    assert rep.tables()["monthly_trend"].df["月份"].tolist() == ["2025-01", "2026-02"]
    assert any("晚于数据日期" in n for n in rep.notes)


# ---------------------------------------------------------------------------------------------- privacy

def test_no_individual_ranking_by_default_and_names_masked(sample_bank):
    pay = sample_bank["payroll"]
    rep = execute(SPEC, {"payroll": pay}, None, as_of="2026-11-30")
    assert "个人排名" not in rep.sheet_names
    names = set(pay["emp_name"].dropna())
    for name, t in rep.tables().items():
        for col in t.df.columns:
            if t.df[col].dtype != "float64":
                assert not names & set(t.df[col].dropna().astype(str)), (name, col)
    assert any("按权限使用" in n for n in rep.notes)
    rep2 = execute(SPEC, {"payroll": pay}, {"show_individual": True}, as_of="2026-11-30", mask=False)
    ind = rep2.tables()["emp_rank"].df
    assert ind["姓名(脱敏)"].str.contains(r"\*").all()          # masked in rankings even when mask is off
    assert ind["月均应发(元)"].is_monotonic_decreasing
    mism = rep2.tables()["pay_mismatch"].df
    assert set(mism["姓名"]) <= names                               # lists unmasked when mask is off


def test_masking_of_the_check_list():
    df = payroll([dict(row("2026-02-01", "E9", 10000.0, name="欧阳娜娜", special_additional=None), net=1.0)])
    mism = run(df).tables()["pay_mismatch"].df
    assert mism["姓名"].tolist() == ["欧阳**"] and mism["员工号"].tolist() == ["E9"]


# ---------------------------------------------------------------------------------------------- edges

def test_empty_payroll_builds_a_report(tmp_path):
    from bankxl.report.xlsx import write_report

    rep = execute(SPEC, {"payroll": get_table("payroll").empty()}, None, as_of=AS_OF)
    assert rep.sheet_names[:6] == ["校验结果", "个税核对", "工资结构", "部门排名", "扣款构成", "月度趋势"]
    write_report(rep, tmp_path / "e.xlsx")


def test_missing_optional_columns():
    """Only the required columns: no item/deduction checks, notes say so, statistics still built."""
    df = payroll([{"month": pd.Timestamp("2026-02-01"), "emp_id": e, "gross": g, "net": g * 0.8}
                  for e, g in (("A", 1000.0), ("B", 2000.0), ("C", 3000.0))])
    rep = run(df)
    assert problems(rep).empty
    assert any("没有任何应发项目列" in n for n in rep.notes) and any("没有任何扣款项目列" in n for n in rep.notes)
    assert rep.tables()["dept_rank"].df["部门"].tolist() == ["未填部门"]
    assert rep.tables()["dept_rank"].df["月均应发中位数(元)"].tolist() == [2000.0]


def test_orgs_name_the_department_when_dept_is_empty():
    df = payroll([{**row("2026-02-01", e, 1000.0, special_additional=None), "dept": None, "org_id": "010001"}
                  for e in ("A", "B", "C")])
    orgs = get_table("orgs").empty().drop(columns="_row")
    orgs = pd.concat([orgs, pd.DataFrame({"org_id": ["010001"], "org_name": ["城东支行"]})], ignore_index=True)
    rep = execute(SPEC, {"payroll": df, "orgs": orgs.astype({"org_id": "string", "org_name": "string"})}, None,
                  as_of=AS_OF)
    assert rep.tables()["dept_rank"].df["部门"].tolist() == ["城东支行"]


def test_params_have_labels_and_defaults():
    p = make_params(SalaryParams, {"核对容差": "0.5", "housing_fund_range": "[0.05, 0.12]"})
    assert p.tolerance == 0.5 and p.housing_fund_range == (0.05, 0.12)
    d = SalaryParams()
    assert (d.pension_rate, d.medical_rate, d.unemployment_rate, d.basic_deduction) == (0.08, 0.02, 0.005, 5000.0)
    assert d.show_individual is False and d.tax_brackets == tax.BRACKETS


def test_contribution_hints_information_only():
    odd = row("2026-02-01", "A", 10000.0, special_additional=None,
              social={"pension": 800.0, "medical": 260.0, "unemployment": 50.0, "housing_fund": 2000.0})
    rep = execute(SPEC, {"payroll": payroll([odd])}, {"base_limits": "[12000, 0]"}, as_of=AS_OF)
    hints = rep.tables()["contrib_hints"].df
    text = hints["提示"].iloc[0]
    assert "医疗保险 260.00" in text and "公积金比例 20.0%" in text and "低于下限 12,000" in text
    assert problems(rep).empty                      # not a data problem


# ---------------------------------------------------------------------------------------------- workbook

def test_written_workbook_has_sheets_tables_and_charts(sample_bank, tmp_path):
    from bankxl.report.xlsx import write_report

    rep = execute(SPEC, {"payroll": sample_bank["payroll"], "orgs": sample_bank["orgs"]}, None, as_of="2026-11-30")
    p = write_report(rep, tmp_path / "m1.xlsx")
    wb = openpyxl.load_workbook(p)
    # issue 10 item 1: the headline 概览 comes first
    assert wb.sheetnames == ["概览", "校验结果", "个税核对", "工资结构", "部门排名", "扣款构成", "月度趋势", "数据问题", "说明"]
    charts = {ws.title: len(ws._charts) for ws in wb.worksheets}
    assert charts["工资结构"] == 2 and charts["部门排名"] == 2 and charts["扣款构成"] == 2 and charts["月度趋势"] == 1
    assert "pay_mismatch" in wb["校验结果"].tables and "tax_recalc" in wb["个税核对"].tables
    ws = wb["部门排名"]
    ref = ws.tables["dept_rank"].ref
    first = ws[ref.split(":")[0]].row
    heads = [c.value for c in ws[first]][:4]
    assert heads == ["排名", "部门", "人数", "月均应发中位数(元)"]
    top = rep.tables()["dept_rank"].df.iloc[0]
    assert ws.cell(first + 1, 2).value == top["部门"]
    assert ws.cell(first + 1, 4).value == pytest.approx(top["月均应发中位数(元)"])
    ws = wb["校验结果"]
    ref = ws.tables["pay_mismatch"].ref
    first = ws[ref.split(":")[0]].row
    assert [c.value for c in ws[first]][:3] == ["Excel 行号", "月份", "员工号"]
    assert sorted(ws.cell(first + i, 6).value for i in range(1, 5)) == ["SUM_MISMATCH"] * 3 + ["TAX_MISMATCH"]


def test_run_function_signature_is_pure():
    """run() takes (tables, params, ctx) and records problems only in ctx.problems."""
    ctx = RunContext(as_of=pd.Timestamp(AS_OF))
    df = payroll([dict(row("2026-02-01", "A", 1000.0, special_additional=None), net=5.0)])
    before = df.copy(deep=True)
    rep = salary.run({"payroll": df}, SalaryParams(), ctx)
    pd.testing.assert_frame_equal(df, before)
    assert [p.code for p in ctx.problems.problems] == ["SUM_MISMATCH"] and rep.title == "员工工资可视化"
