"""The M1 template workbook (bankxl.templates.build_salary_template): headers, live formulas, cached values
checked by hand, the function allow-list, loading into bankxl, and a LibreOffice recalculation."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from lo_util import formula_cells, recalc_mismatches, require_soffice

from bankxl.tables import get_table
from bankxl.scenarios.management.salary.template import (
    SALARY_DEPTS,
    SALARY_EXAMPLE_ERROR,
    SALARY_FIRST,
    SALARY_ROWS,
    build_salary_template,
    salary_template_rows,
    salary_template_values,
)
from bankxl.templates import ALLOWED_FUNCTIONS, formula_functions

ROOT = Path(__file__).resolve().parents[1]
FIRST = SALARY_FIRST + 1            # Excel row of the first payroll row
SUM_FIRST = 5                       # Excel row of the first department on 汇总


@pytest.fixture(scope="module")
def tpl(tmp_path_factory):
    return build_salary_template(tmp_path_factory.mktemp("tpl") / "员工工资可视化模板.xlsx")


def _col(ws, header):
    heads = [c.value for c in ws[FIRST - 1]]
    return heads.index(header) + 1


def test_sheets_and_headers(tpl):
    wb = openpyxl.load_workbook(tpl)
    assert wb.sheetnames == ["使用说明", "员工工资", "汇总"]
    ws = wb["员工工资"]
    heads = [c.value for c in ws[FIRST - 1]]
    spec = get_table("payroll")
    want = [c.label if c.kind == "money" else c.zh for c in spec.columns]
    assert heads == want + ["应发核对(元)", "实发核对(元)", "核对结果"]
    assert "基本工资(元)" in heads and "月份" == heads[0]
    assert "M1_Tol" in wb.defined_names
    assert any("按权限使用" in str(c.value) for c in wb["使用说明"]["A"] if c.value)
    s = wb["汇总"]
    assert [c.value for c in s[SUM_FIRST - 1]][:5] == ["部门", "发放人次", "固定工资(元)", "绩效及其他(元)", "应发合计(元)"]
    assert len(s._charts) == 1


def test_live_check_formulas_on_every_row(tpl):
    wb = openpyxl.load_workbook(tpl)
    ws = wb["员工工资"]
    g, n, st = _col(ws, "应发核对(元)"), _col(ws, "实发核对(元)"), _col(ws, "核对结果")
    r = FIRST
    # items 基本..其他应发 = H..M, 应发合计 N, deductions 养老..其他扣款 O..U, 实发 W
    assert ws.cell(r, g).value == f'=IF($B{r}="","",ROUND(SUM(H{r}:M{r})-N{r},2))'
    assert ws.cell(r, n).value == f'=IF($B{r}="","",ROUND(N{r}-SUM(O{r}:U{r})-W{r},2))'
    assert "M1_Tol" in ws.cell(r, st).value and '"不符"' in ws.cell(r, st).value
    assert [ws.cell(FIRST - 1, c).value for c in (8, 13, 14, 15, 21, 23)] == [
        "基本工资(元)", "其他应发(元)", "应发合计(元)", "养老保险(元)", "其他扣款(元)", "实发合计(元)"]
    last = FIRST + SALARY_ROWS - 1
    assert str(ws.cell(last, g).value).startswith("=IF(") and ws.cell(last + 1, g).value is None
    s = wb["汇总"]
    assert s["C5"].value.count("SUMIF(") == 3 and "COUNTIF(" in s["B5"].value
    assert "SUMPRODUCT(" in s["F5"].value


def test_every_formula_uses_allowed_functions_only(tpl):
    seen, n = set(), 0
    for sheet, cell, f in formula_cells(tpl):
        used = formula_functions(f)
        assert not used - ALLOWED_FUNCTIONS, f"{sheet}!{cell} uses {used - ALLOWED_FUNCTIONS}: {f}"
        seen |= used
        n += 1
    assert n > 3 * SALARY_ROWS
    assert {"SUMIF", "COUNTIF", "SUMPRODUCT", "ROUND", "IF", "ABS", "OR", "SUM", "COUNTA"} <= seen


def test_cached_values_match_hand_computation(tpl):
    """The example rows summed by hand (plain Python over the cells) against the cached formula results."""
    wb = openpyxl.load_workbook(tpl, data_only=True)
    ws = wb["员工工资"]
    g, n, st = _col(ws, "应发核对(元)"), _col(ws, "实发核对(元)"), _col(ws, "核对结果")
    rows = salary_template_rows()
    per: dict[str, dict] = {}
    for i in range(len(rows)):
        r = FIRST + i
        vals = [ws.cell(r, c).value or 0.0 for c in range(1, 24)]
        items, gross, deds, net = vals[7:13], vals[13], vals[14:21], vals[22]
        assert ws.cell(r, g).value == pytest.approx(round(sum(items) - gross, 2), abs=1e-9)
        assert ws.cell(r, n).value == pytest.approx(round(gross - sum(deds) - net, 2), abs=1e-9)
        bad = i == SALARY_EXAMPLE_ERROR[0]
        assert ws.cell(r, st).value == ("不符" if bad else "一致")
        d = per.setdefault(vals[3], {"n": 0, "fixed": 0.0, "perf": 0.0, "gross": 0.0, "ded": 0.0, "net": 0.0, "bad": 0})
        d["n"] += 1
        d["fixed"] += vals[7] + vals[8] + vals[10]
        d["perf"] += vals[9] + vals[11] + vals[12]
        d["gross"] += gross
        d["ded"] += sum(deds)
        d["net"] += net
        d["bad"] += bad
    assert ws.cell(FIRST + SALARY_EXAMPLE_ERROR[0], g).value == SALARY_EXAMPLE_ERROR[2]
    assert ws.cell(FIRST + len(rows), g).value in (None, "")
    s = wb["汇总"]
    names = [s.cell(SUM_FIRST + k, 1).value for k in range(SALARY_DEPTS)]
    assert [x for x in names if x] == list(per)
    for k, dept in enumerate(per):
        r, d = SUM_FIRST + k, per[dept]
        got = [s.cell(r, c).value for c in range(2, 13)]
        assert got[0] == d["n"]
        assert got[1:6] == pytest.approx([d["fixed"], d["perf"], d["gross"], d["ded"], d["net"]])
        assert got[6] == pytest.approx(d["gross"] / d["n"]) and got[7] == pytest.approx(d["net"] / d["n"])
        assert got[8] + got[9] == pytest.approx(1.0)
        assert got[10] == d["bad"]
    total = SUM_FIRST + SALARY_DEPTS
    assert s.cell(total, 1).value == "合计"
    assert s.cell(total, 5).value == pytest.approx(sum(d["gross"] for d in per.values()))
    assert s.cell(total + 2, 2).value == 0   # 未列入汇总的人次


def test_values_function_matches_the_scenario(tpl):
    """The template's example loads into bankxl; the scenario flags the same row and the same department sums."""
    from bankxl.runner import run_scenario

    res = run_scenario("management.salary", [tpl], None, params={"min_group_size": 1}, scale=1)
    flagged = res.problems.to_frame()
    assert flagged["Excel 行号"].tolist() == [FIRST + SALARY_EXAMPLE_ERROR[0]]
    assert flagged["问题码"].tolist() == ["SUM_MISMATCH"]
    v = salary_template_values()
    st = res.report.tables()["pay_structure"].df.set_index("部门")
    for dept, a in v["per_dept"].items():
        assert st.loc[dept, "固定工资(元)"] == pytest.approx(a["fixed"])
        assert st.loc[dept, "绩效及其他(元)"] == pytest.approx(a["perf"])
        assert st.loc[dept, "应发合计(元)"] == pytest.approx(a["gross"])


def test_example_tax_is_the_cumulative_method():
    """The example's 个税 follows the cumulative method, e.g. 张三 January: 三险一金 = 11,000 × (8% + 2% + 0.5%
    + 10%) = 2,255; (11,000 − 5,000 − 2,255 − 1,000) × 3% = 82.35."""
    rows = salary_template_rows()
    first = rows.iloc[0]
    assert first["gross"] == 11000.0
    assert first["iit"] == 82.35


def test_bundled_workbook_is_current(tmp_path):
    bundled = ROOT / "workbooks" / "员工工资可视化模板.xlsx"
    assert bundled.exists(), "run: python -m bankxl.templates"
    fresh = build_salary_template(tmp_path / "t.xlsx")
    assert bundled.read_bytes() == fresh.read_bytes(), "workbooks/员工工资可视化模板.xlsx is stale"


@pytest.mark.libreoffice
def test_libreoffice_recalculation_matches_python(tpl, tmp_path):
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    out, bad, checked = recalc_mismatches(tpl, tmp_path)
    lo = openpyxl.load_workbook(out, data_only=True)
    assert not bad, bad[:10]
    assert checked > 3 * SALARY_ROWS
    assert lo["员工工资"].cell(FIRST + SALARY_EXAMPLE_ERROR[0], 26).value == "不符"
