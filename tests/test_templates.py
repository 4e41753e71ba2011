"""The D5 template workbook (bankxl.templates.build_targets_template): structure, formulas and cached
values, the function allow-list, and a LibreOffice recalculation compared with the Python values."""
from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from lo_util import formula_cells, recalc_mismatches, recalc_to_xlsx, require_soffice

from bankxl.scenarios.deposit.targets import largest_remainder, reach_label
from bankxl.scenarios.deposit.targets.template import (
    TARGET_EXAMPLE,
    TARGET_FIRST,
    TARGET_ROWS,
    build_targets_template,
    lr_helper_values,
    targets_template_values,
)
from bankxl.templates import ALLOWED_FUNCTIONS, excel_round, formula_functions

ROOT = Path(__file__).resolve().parents[1]

SHEETS = ["使用说明", "参数", "分解", "所需日均"]
FIRST = TARGET_FIRST + 1  # Excel row of the first outlet
N_OUT = len(TARGET_EXAMPLE)


@pytest.fixture(scope="module")
def tpl(tmp_path_factory):
    return build_targets_template(tmp_path_factory.mktemp("tpl") / "存款目标分解模板.xlsx")


def test_sheets_and_headers(tpl):
    wb = openpyxl.load_workbook(tpl)
    assert wb.sheetnames == SHEETS
    dec = wb["分解"]
    heads = [dec.cell(TARGET_FIRST, j).value for j in range(1, 19)]
    assert heads[:7] == ["机构号", "机构名称", "上年日均(万元)", "上年日均增量(万元)", "市场潜力(万元)", "人数", "基期日均(万元)"]
    assert "增量任务ΔT_i(万元)" in heads and "目标日均(万元)" in heads
    req = wb["所需日均"]
    rh = [req.cell(TARGET_FIRST, j).value for j in range(1, 11)]
    assert rh == ["机构号", "机构名称", "期长N(天)", "已过d(天)", "累计余额S_d(万元·日)", "目标日均A*(万元)",
                  "所需日均R(万元)", "当前余额(万元)", "缺口(万元)", "可达性"]
    assert {"P_Target", "P_Start", "P_End", "P_AsOf", "W_Stock", "W_Staff", "P_Factor", "EW_Pot"} <= set(wb.defined_names)
    assert "最大余数法" in " ".join(str(c.value) for c in wb["使用说明"]["A"] if c.value)


def test_help_lines_fit_the_column(tpl):
    """使用说明 lines are not clipped on screen or paper: a line's width (CJK characters count 2, others 1 —
    the rule a 10-point 等线 line showed in LibreOffice's PDF: width 99 fits the 110-wide column, 112 was cut)
    stays within the column width minus a margin of 10."""
    import unicodedata

    ws = openpyxl.load_workbook(tpl)["使用说明"]
    width = ws.column_dimensions["A"].width
    assert width >= 100
    lines = [c.value for c in ws["A"][2:] if c.value]
    assert len(lines) > 15
    for line in lines:
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        assert w <= width - 10, (w, line)


def test_live_formulas(tpl):
    wb = openpyxl.load_workbook(tpl)
    dec, req = wb["分解"], wb["所需日均"]
    r = FIRST
    assert dec[f"H{r}"].value.startswith("=IF(") and "SUMIF" in dec[f"H{r}"].value
    assert dec[f"M{r}"].value == f'=IF($A{r}="","",H_Sign*(U{r}+(W{r}<=H_Left)+(T{r}=1)*H_Rest))'
    assert dec[f"N{r}"].value == f'=IF($A{r}="","",G{r}+M{r})'
    assert req[f"G{r}"].value == f'=IF($A{r}="","",IF(D{r}>=C{r},E{r}/C{r},(F{r}*C{r}-E{r})/(C{r}-D{r})))'
    assert "基本不可达" in req[f"J{r}"].value and "P_Factor" in req[f"J{r}"].value
    # every outlet row (also the empty ones) carries the formulas
    last = TARGET_FIRST + TARGET_ROWS
    assert str(dec[f"M{last}"].value).startswith("=IF(") and str(req[f"G{last}"].value).startswith("=IF(")


def test_every_formula_uses_allowed_functions_only(tpl):
    seen = set()
    n = 0
    for sheet, cell, f in formula_cells(tpl):
        used = formula_functions(f)
        bad = used - ALLOWED_FUNCTIONS
        assert not bad, f"{sheet}!{cell} uses {bad}: {f}"
        seen |= used
        n += 1
    assert n > 300
    assert {"IF", "SUMIF", "ROUND", "MAX", "MIN", "OR", "SUM"} <= seen
    assert not {"XLOOKUP", "LET", "FILTER", "IFS", "TEXTJOIN"} & ALLOWED_FUNCTIONS


def test_formula_functions_parser():
    assert formula_functions('=IF(A1="SUM(x)",XLOOKUP(1,B:B,C:C),_xlfn.LET(a,1,a))') == {"IF", "XLOOKUP", "_XLFN.LET"}


def test_excel_round_is_half_away_from_zero():
    assert excel_round(2.5) == 3 and excel_round(-2.5) == -3 and excel_round(0.5) == 1
    assert excel_round(2.675, 2) == 2.68 and excel_round(1234.4999) == 1234


def _hand_largest_remainder(weights, total):
    """Largest remainder by hand (a second method: plain Python, sort by remainder, then weight, then row):
    floor of each quota, the units left go to the largest remainders."""
    quotas = [total * w / sum(weights) for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), -weights[i], i))
    for i in order[:round(total - sum(parts))]:
        parts[i] += 1
    return parts


def _hand_values():
    """The example computed by hand (independently of the library): shares, ΔT_i, targets, R."""
    rows = TARGET_EXAMPLE
    cols = list(zip(*rows))
    prior, incr, pot, staff = cols[2], cols[3], cols[4], cols[5]
    def share(vals):
        pos = [max(x, 0) for x in vals]
        return [x / sum(pos) for x in pos]
    s = [share(prior), share(incr), share(pot), share(staff)]
    w = (0.4, 0.3, 0.2, 0.1)
    comb = [sum(w[k] * s[k][i] for k in range(4)) for i in range(N_OUT)]
    delta = 520000 - sum(prior)                     # 50,000 万元
    d_i = _hand_largest_remainder(comb, delta)
    targets = [prior[i] + d_i[i] for i in range(N_OUT)]
    n, d = 365, 324                                  # 2026-01-01..12-31, as of 2026-11-20
    sd = [a * d for a in cols[6]]
    r = [(targets[i] * n - sd[i]) / (n - d) for i in range(N_OUT)]
    return comb, d_i, targets, r


def test_cached_values_match_hand_computation(tpl):
    comb, d_i, targets, r = _hand_values()
    wb = openpyxl.load_workbook(tpl, data_only=True)
    dec, req, par = wb["分解"], wb["所需日均"], wb["参数"]
    assert par["B6"].value == 50000  # ΔT
    for i in range(N_OUT):
        row = FIRST + i
        assert dec[f"L{row}"].value == pytest.approx(comb[i], abs=1e-12)
        assert dec[f"M{row}"].value == d_i[i]
        assert dec[f"N{row}"].value == targets[i]
        assert req[f"G{row}"].value == pytest.approx(r[i], rel=1e-12)
    # 开发区支行: R = (64,101×365 − 59,000×324)/41 = 104,411.34 > 2 × 50,000 -> 基本不可达
    assert req[f"G{FIRST + 3}"].value == pytest.approx(104411.3414634, rel=1e-9)
    assert req[f"J{FIRST + 3}"].value == "基本不可达"
    assert req[f"J{FIRST + 5}"].value == "当前余额已满足"
    total = FIRST + TARGET_ROWS
    assert dec[f"A{total}"].value == "合计" and dec[f"M{total}"].value == sum(d_i)
    assert dec[f"L{total}"].value == pytest.approx(1.0)
    assert dec[f"A{FIRST + N_OUT}"].value is None and dec[f"M{FIRST + N_OUT}"].value in (None, "")


def test_values_function_agrees_with_template_rounding():
    v = targets_template_values()
    _comb, d_i, targets, r = _hand_values()
    assert v["delta_i"] == d_i and v["target_i"] == targets
    assert v["R"] == pytest.approx(r)


def test_bundled_workbook_is_current(tmp_path):
    bundled = ROOT / "workbooks" / "存款目标分解模板.xlsx"
    assert bundled.exists(), "run: python -m bankxl.templates"
    fresh = build_targets_template(tmp_path / "t.xlsx")
    assert bundled.read_bytes() == fresh.read_bytes(), "workbooks/存款目标分解模板.xlsx is stale: python -m bankxl.templates"


@pytest.fixture(scope="module")
def lo_example(tpl, tmp_path_factory):
    """The example recalculated by LibreOffice: (recalculated file, mismatches with the cached values, formula
    cells checked). The copy LibreOffice recalculates is written by openpyxl (formulas only, no cached
    values), so every value read from it is LibreOffice's own."""
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    return recalc_mismatches(tpl, tmp_path_factory.mktemp("lo_example"))


@pytest.mark.libreoffice
def test_libreoffice_recalculation_matches_python(lo_example):
    out, bad, checked = lo_example
    lo = openpyxl.load_workbook(out, data_only=True)
    assert not bad, bad[:10]
    assert checked > 300
    comb, _d_i, targets, r = _hand_values()
    for i in range(N_OUT):
        assert lo["所需日均"][f"G{FIRST + i}"].value == pytest.approx(r[i], rel=1e-12)
        assert lo["分解"][f"N{FIRST + i}"].value == pytest.approx(targets[i])
        assert lo["分解"][f"L{FIRST + i}"].value == pytest.approx(comb[i], abs=1e-12)


# -- largest-remainder rounding (issue 10 item 7: per-row ROUND made the example total 520,001) ---------
#: the example's ΔT_i by hand: quotas 50,000 × 综合占比 = 11,945.86 / 8,752.74 / 18,691.98 / 4,100.74 /
#: 4,604.54 / 1,904.14; floors sum to 49,996, the 4 units left go to .98, .86, .74 (8,752.74), .74 (4,100.74)
EXAMPLE_DELTA_I = [11946, 8753, 18692, 4101, 4604, 1904]
TOTAL_ROW = FIRST + TARGET_ROWS  # Excel row of 合计
QUARTER_COLS = "OPQR"


def test_example_is_the_case_per_row_round_gets_wrong():
    comb, d_i, targets, _r = _hand_values()
    assert sum(math.floor(50000 * c + 0.5) for c in comb) == 50001     # per-row ROUND: 520,001 vs 520,000
    assert d_i == EXAMPLE_DELTA_I and sum(d_i) == 50000 and sum(targets) == 520000
    v = targets_template_values()
    assert v["delta_i"] == EXAMPLE_DELTA_I
    assert list(largest_remainder(v["shares"]["combined"].to_numpy(), 50000, 1.0)) == EXAMPLE_DELTA_I


@pytest.mark.libreoffice
def test_libreoffice_split_totals_exactly_520000(lo_example):
    """LibreOffice's own results: Σ ΔT_i = ΔT = 50,000, 目标日均 合计 = 520,000, each part equal to the
    bankxl (Python) path; every outlet's four quarters sum to its ΔT_i and equal the Python path."""
    dec = openpyxl.load_workbook(lo_example[0], data_only=True)["分解"]
    got = [dec[f"M{FIRST + i}"].value for i in range(N_OUT)]
    assert got == EXAMPLE_DELTA_I
    assert dec[f"M{TOTAL_ROW}"].value == 50000 and dec[f"N{TOTAL_ROW}"].value == 520000
    assert dec[f"M{TOTAL_ROW + 1}"].value == 0                       # 核对 row
    v = targets_template_values()
    quarters = [[dec[f"{c}{FIRST + i}"].value for c in QUARTER_COLS] for i in range(N_OUT)]
    assert quarters == v["quarters"]
    assert [sum(q) for q in quarters] == EXAMPLE_DELTA_I
    # 城东支行 by hand: 11,946 × (40, 25, 20, 15)% = 4,778.4 / 2,986.5 / 2,389.2 / 1,791.9; 2 units left -> .9, .5
    assert quarters[0] == [4778, 2987, 2389, 1792]
    # 开发区支行: 4,101 × … = 1,640.4 / 1,025.25 / 820.2 / 615.15 -> 1 unit left to Q1 (per-row ROUND: 4,100)
    assert quarters[3] == [1641, 1025, 820, 615]
    assert [dec[f"{c}{TOTAL_ROW}"].value for c in QUARTER_COLS] == [sum(q[k] for q in quarters) for k in range(4)]


def _recalc_with(tpl, tmp_path, outlets, target):
    """The template with ``outlets`` (机构号, 名称, 上年日均, 上年日均增量, 市场潜力, 人数) on 分解 (the other rows
    emptied) and 目标日均 ``target``, recalculated by LibreOffice; returns its 分解 sheet (values)."""
    wb = openpyxl.load_workbook(tpl)
    dec = wb["分解"]
    for i in range(TARGET_ROWS):
        for j in range(6):
            dec.cell(FIRST + i, j + 1).value = outlets[i][j] if i < len(outlets) else None
    sheet, cell = next(wb.defined_names["P_Target"].destinations)
    wb[sheet][cell.replace("$", "")] = target
    src = tmp_path / "src" / "t.xlsx"
    src.parent.mkdir()
    wb.save(src)
    return openpyxl.load_workbook(recalc_to_xlsx(src, tmp_path / "lo"), data_only=True)["分解"]


def _python_path(outlets, target):
    v = targets_template_values([(*o, 0.0, 0.0) for o in outlets], {"target": target})
    return v["delta_i"], v["quarters"]


@pytest.mark.libreoffice
def test_libreoffice_remainder_ties_by_hand(tpl, tmp_path):
    """ΔT = 3 over shares 1:1:3:1: quotas 0.5 / 0.5 / 1.5 / 0.5 — all remainders tie. Floors 0,0,1,0 leave 2
    units: first the larger share (C), then the upper row (A) -> 1, 0, 2, 0 (per-row ROUND: 1+1+2+1 = 5)."""
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    outlets = [("1", "A", 100.0, 10.0, 1000.0, 1), ("2", "B", 100.0, 10.0, 1000.0, 1),
               ("3", "C", 300.0, 30.0, 3000.0, 3), ("4", "D", 100.0, 10.0, 1000.0, 1)]
    dec = _recalc_with(tpl, tmp_path, outlets, 603.0)
    got = [dec[f"M{FIRST + i}"].value for i in range(4)]
    assert got == [1, 0, 2, 0]
    assert dec[f"M{FIRST + 4}"].value in (None, "") and dec[f"M{TOTAL_ROW}"].value == 3
    quarters = [[dec[f"{c}{FIRST + i}"].value for c in QUARTER_COLS] for i in range(4)]
    # 1 × (.4, .25, .2, .15): the unit goes to Q1; 2 × …: .8, .5, .4, .3 -> Q1 and Q2
    assert quarters == [[1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    assert _python_path(outlets, 603.0) == (got, quarters)


@pytest.mark.libreoffice
def test_libreoffice_negative_fractional_delta_and_quarter_tie(tpl, tmp_path):
    """ΔT = 1,979.5 − 2,000 = −20.5 over two equal outlets: 20 whole units 10 / 10, the 0.5 rest to the first
    (largest share, upper row), negated -> −10.5 / −10. Quarters of 10: 4, 2.5, 2, 1.5 -> one unit left, Q2 and
    Q4 tie at .5, Q2 has the larger progress -> 4, 3, 2, 1 (per-row ROUND: 4, 3, 2, 2 = 11); the 0.5 of −10.5
    goes to Q1 (largest progress)."""
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    outlets = [("1", "A", 1000.0, 10.0, 1000.0, 1), ("2", "B", 1000.0, 10.0, 1000.0, 1)]
    dec = _recalc_with(tpl, tmp_path, outlets, 1979.5)
    got = [dec[f"M{FIRST + i}"].value for i in range(2)]
    assert got == [-10.5, -10]
    assert dec[f"M{TOTAL_ROW}"].value == -20.5 and dec[f"N{TOTAL_ROW}"].value == 1979.5
    quarters = [[dec[f"{c}{FIRST + i}"].value for c in QUARTER_COLS] for i in range(2)]
    assert quarters == [[-4.5, -3, -2, -1], [-4, -3, -2, -1]]
    assert _python_path(outlets, 1979.5) == (got, quarters)


@pytest.mark.parametrize("weights, total", [
    ([0.2, 0.3, 0.5], 7), ([1, 1, 1, 1], 10), ([1, 1, 3, 1], 3), ([0, 0, 0], 5), ([0.5, -1, 0.5], -9),
    ([1, 2], 20.5), ([0.4, 0.25, 0.2, 0.15], -10.5), ([0.1] * 7, 0),
])
def test_helper_columns_mirror_is_the_python_path(weights, total):
    """The template's helper-column arithmetic (cached values, :func:`lr_helper_values`) gives the same
    parts as the library's ``largest_remainder`` — also with empty rows between outlets."""
    h = lr_helper_values(list(weights), total)
    assert list(h["part"]) == list(largest_remainder(weights, total, 1.0))
    gapped = lr_helper_values([None, *weights[:1], None, *weights[1:], None], total)
    assert list(gapped["part"][[1, *range(3, 3 + len(weights) - 1)]]) == list(h["part"])
    assert math.isnan(gapped["part"][0]) and math.isnan(gapped["part"][-1])


def test_helper_columns_hidden_in_an_outline_group(tpl):
    dec = openpyxl.load_workbook(tpl)["分解"]
    heads = {dec.cell(TARGET_FIRST, j).value: j for j in range(19, 35)}
    assert list(heads)[:5] == ["分配权重", "权重名次", "整数部分", "余数", "余数名次"] and len(heads) == 16
    dims = list(dec.column_dimensions.values())

    def dim(j):  # openpyxl keeps one dimension per range of equal columns (min..max, 1-based)
        return next((d for d in dims if d.min <= j <= d.max), None)

    for j in range(19, 35):                          # S..AH
        assert dim(j).hidden and dim(j).outline_level == 1, j
    assert not dim(18).hidden and not dim(18).outline_level   # R (四季度增量) stays visible


def _library_reach(ws, row, factor):
    """可达性 by the library's rule from the row's N, d, A*, R and 当前余额 (blank -> missing)."""
    cur = ws[f"H{row}"].value
    return reach_label(ws[f"G{row}"].value, float("nan") if cur in (None, "") else cur, ws[f"F{row}"].value,
                       ws[f"C{row}"].value, ws[f"D{row}"].value, True, factor)


def test_cached_reach_is_the_library_rule(tpl):
    v = targets_template_values()
    wb = openpyxl.load_workbook(tpl, data_only=True)
    req = wb["所需日均"]
    labels = [req[f"J{FIRST + i}"].value for i in range(N_OUT)]
    assert labels == v["reach"]
    assert labels == [_library_reach(req, FIRST + i, 2.0) for i in range(N_OUT)]
    # by hand (R vs 当前余额 from the example): 开发区 104,411 > 2 × 50,000; 新城 R ≤ 12,000
    assert labels[3] == "基本不可达" and labels[5] == "当前余额已满足"
    assert set(labels) >= {"需提升", "基本不可达", "当前余额已满足"}
    # the formula's label texts are exactly the library's
    f = openpyxl.load_workbook(tpl)["所需日均"][f"J{FIRST}"].value
    for lab in ("已达成", "未达成(期已结束)", "当前余额已满足", "基本不可达", "需提升"):
        assert f'"{lab}"' in f


@pytest.mark.libreoffice
def test_libreoffice_reach_labels_equal_library_in_every_branch(tpl, tmp_path):
    """Change the inputs so every branch of the 可达性 formula is hit (period over: 已达成 / 未达成(期已结束);
    blank 当前余额; 当前余额 0), recalculate in LibreOffice and compare with ``reach_label``."""
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    wb = openpyxl.load_workbook(tpl)
    req = wb["所需日均"]
    req[f"H{FIRST + 1}"] = None                     # blank 当前余额 -> 基本不可达 (library: missing current)
    req[f"H{FIRST + 2}"] = 0                        # 0 -> 基本不可达
    req[f"C{FIRST + 4}"] = 324                      # N = d for 滨江: period over, actual 47,800 < 49,604 -> 未达成
    req[f"C{FIRST + 5}"] = 324                      # 新城: period over, actual 2,000 >= 1,904 -> 已达成
    req[f"E{FIRST + 5}"] = 2000 * 324
    src = tmp_path / "src" / "t.xlsx"
    src.parent.mkdir()
    wb.save(src)
    lo = openpyxl.load_workbook(recalc_to_xlsx(src, tmp_path / "lo"), data_only=True)["所需日均"]
    got = [lo[f"J{FIRST + i}"].value for i in range(N_OUT)]
    assert got == [_library_reach(lo, FIRST + i, 2.0) for i in range(N_OUT)]
    _comb, _d, targets, _r = _hand_values()
    assert (targets[4], targets[5]) == (49604, 1904)
    assert got[1] == got[2] == "基本不可达"
    assert got[4] == "未达成(期已结束)" and got[5] == "已达成"
    assert lo[f"G{FIRST + 5}"].value == pytest.approx(2000)        # d = N: R shows the actual average
