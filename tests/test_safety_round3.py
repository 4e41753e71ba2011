"""Third breaker round: the data date inferred from data is not set by one far-future row (DATE_OUTLIER), an empty
required table is one clear error and an empty optional one is "not provided" (R1: unknown, never E / 0), and the
writer's guards (cells cut at Excel's 32,767 characters are said; formula-like text keeps a quote prefix).
Expected values are built by hand in each test (row counts, Excel rows, dates)."""
from __future__ import annotations

import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import PROBLEM_CODES, DataValidationError
from bankxl.runner import AS_OF_MIN_SHARE, execute, run_scenario


# ------------------------------------------------------------------ 1. a lone future month
def _monthly(n_cust: int = 60, months: int = 12) -> pd.DataFrame:
    """客户月度存款 as exported: n_cust customers × the months 2025-12 … 2026-11 (720 rows by default)."""
    per = pd.period_range("2025-12", periods=months, freq="M")
    cust = np.repeat([f"C{i:03d}" for i in range(n_cust)], months)
    month = np.tile(per.strftime("%Y-%m"), n_cust)
    avg = np.tile(np.linspace(100_000, 10_000, months), n_cust)  # falling: churners
    return pd.DataFrame({"客户号": cust, "月份": month, "存款月日均": avg})


def _write(df: pd.DataFrame, path, sheet: str):
    with pd.ExcelWriter(path) as xw:
        df.to_excel(xw, sheet_name=sheet, index=False)
    return path


def _problems(path) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name="数据问题", header=None, dtype=str)


def test_one_future_month_does_not_move_the_data_date(tmp_path):
    """Excel row 500 (data row 499) holds 2099-01 instead of its month: the data date stays 2026-11-30 (the last
    month with 60 rows; 2099-01 holds 1 row < 2% of the median 60 = 1.2), the row is DATE_OUTLIER on 数据问题
    with its Excel row and 原值, it is left out (719 rows counted), 说明 names the rule, and the report equals
    the one written from the file without that row (a second way to the same answer)."""
    df = _monthly()
    bad = df.copy()
    bad.loc[498, "月份"] = "2099-01"  # data row 499 = Excel row 500 (header on row 1)
    src = _write(bad, tmp_path / "in.xlsx", "客户月度存款")
    out = tmp_path / "out.xlsx"
    assert main(["run", "D3", "-i", str(src), "-o", str(out)]) == 0
    res = run_scenario("D3", [src], None)
    assert res.report.meta["as_of"] == pd.Timestamp("2026-11-30")
    assert res.report.meta["inputs"]["customer_monthly"]["rows"] == 719
    p = res.problems.to_frame()
    p = p[p["问题码"] == "DATE_OUTLIER"]
    assert p[["Excel 行号", "原值"]].values.tolist() == [[500, "2099-01"]]
    assert "DATE_OUTLIER" in PROBLEM_CODES
    # the written report: the data date and the problem row as the user sees them
    wb = openpyxl.load_workbook(out, read_only=True)
    about = [str(c) for row in wb["说明"].iter_rows(values_only=True) for c in row if c]
    assert "2026-11-30" in about and any("2%" in a and "DATE_OUTLIER" in a for a in about)
    assert any(r[:1] != (None,) and "DATE_OUTLIER" in [str(x) for x in r] and "500" in [str(x) for x in r]
               for r in _problems(out).itertuples(index=False))
    # second way: the same file without the bad row
    clean = _write(df.drop(index=498), tmp_path / "clean.xlsx", "客户月度存款")
    ref = run_scenario("D3", [clean], None).report
    for name, t in ref.tables().items():
        if name not in ("problems", "problem_summary", "inputs", "params"):
            pd.testing.assert_frame_equal(res.report.tables()[name].df, t.df, check_like=False)


def test_explicit_as_of_keeps_every_row(tmp_path):
    """--as-of stays as given: 2099-01-31 with the same file keeps the 2099-01 row, no DATE_OUTLIER."""
    bad = _monthly()
    bad.loc[498, "月份"] = "2099-01"
    src = _write(bad, tmp_path / "in.xlsx", "客户月度存款")
    res = run_scenario("D3", [src], None, as_of="2099-01-31")
    assert res.report.meta["as_of"] == pd.Timestamp("2099-01-31")
    assert res.report.meta["inputs"]["customer_monthly"]["rows"] == 720
    assert "DATE_OUTLIER" not in set(res.problems.to_frame()["问题码"]) if res.problems else True


def test_e1_future_month_in_merchant_monthly(tmp_path):
    """E1 (收单商户月度): 60 merchants × 12 months, one row moved to 2099-01 -> data date 2026-11-30, one
    DATE_OUTLIER at Excel row 100."""
    df = _monthly().rename(columns={"客户号": "商户号", "存款月日均": "金额"})
    df.loc[98, "月份"] = "2099-01"
    src = _write(df, tmp_path / "m.xlsx", "收单商户月度")
    res = run_scenario("E1", [src], None)
    assert res.report.meta["as_of"] == pd.Timestamp("2026-11-30")
    p = res.problems.to_frame()
    assert p.loc[p["问题码"] == "DATE_OUTLIER", ["Excel 行号", "原值"]].values.tolist() == [[100, "2099-01"]]


@pytest.mark.parametrize("n_last, outlier", [(2, False), (1, True)])
def test_material_share_boundary(n_last, outlier):
    """Median 100 rows a month (2025-12 … 2026-10): a last month 2026-11 with 2 rows holds 2% = material ->
    data date 2026-11-30; with 1 row (1%) it is an outlier -> 2026-10-31 and that row is DATE_OUTLIER."""
    assert AS_OF_MIN_SHARE == 0.02
    df = _monthly(n_cust=100, months=11).rename(columns={"客户号": "cust_id", "月份": "month", "存款月日均": "dep_avg"})
    last = pd.DataFrame({"cust_id": [f"C{i:03d}" for i in range(n_last)], "month": "2026-11", "dep_avg": 1.0})
    df = pd.concat([df, last], ignore_index=True)
    df["month"] = pd.to_datetime(df["month"])
    rep = execute("D3", {"customer_monthly": df})
    assert rep.meta["as_of"] == pd.Timestamp("2026-10-31" if outlier else "2026-11-30")
    codes = set(rep.problems.to_frame()["问题码"]) if rep.problems else set()
    assert ("DATE_OUTLIER" in codes) == outlier
    if outlier:
        assert rep.problems.counts[("customer_monthly", "DATE_OUTLIER")] == 1


# ------------------------------------------------------------------ 2. header-only tables
def test_header_only_required_table_is_one_clear_error(tmp_path, capsys):
    """客户月度存款 with its header only: exit 2, the message names the table, file and sheet, and comes before
    (instead of) the "无法确定数据日期" one."""
    src = _write(_monthly().head(0), tmp_path / "h.xlsx", "客户月度存款")
    assert main(["run", "D3", "-i", str(src), "-o", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "表「客户月度存款」(customer_monthly)没有数据行" in err and "h.xlsx" in err and "工作表「客户月度存款」" in err
    assert "无法确定数据日期" not in err
    with pytest.raises(DataValidationError) as e:
        run_scenario("D3", [src], None, as_of="2026-11-30")  # also with a data date given
    assert e.value.table == "customer_monthly"


# ------------------------------------------------------------------ 3. R1: header-only 存款账户 = not provided
def _r1_frames():
    from tests.test_r1_npl_capacity import _deposits, _npl

    return _npl(), _deposits()


def test_r1_header_only_deposits_is_unknown_never_e(tmp_path):
    """R1's 8 borrowers with a header-only 存款账户 sheet: every grade 未知/无法评估, 覆盖率 blank (as without
    the sheet), never E with 可用资金 0; 说明 says the table had no rows and was treated as not provided."""
    from bankxl.tables import get_table

    npl, dep = _r1_frames()
    label = {c.id: c.zh for c in get_table("npl_loans").columns}
    dlabel = {c.id: c.zh for c in get_table("deposit_accounts").columns}
    src = tmp_path / "r1.xlsx"
    with pd.ExcelWriter(src) as xw:
        npl.rename(columns=label).to_excel(xw, sheet_name="不良贷款", index=False)
        dep.head(0).rename(columns=dlabel).to_excel(xw, sheet_name="存款账户", index=False)
    res = run_scenario("R1", [src], None, as_of="2026-11-30")
    lst = res.report.tables()["npl_list"].df
    assert len(lst) == 8 and set(lst["等级"]) == {"未知/无法评估"}
    assert lst["覆盖率"].isna().all() and lst["可用资金(元)"].isna().all()
    notes = " ".join(str(x) for x in res.report.notes)
    assert "存款账户" in notes
    # the same through execute with an empty frame (the scenario's own rule)
    rep = execute("R1", {"npl_loans": npl, "deposit_accounts": dep.head(0)}, as_of="2026-11-30")
    lst2 = rep.tables()["npl_list"].df
    assert set(lst2["等级"]) == {"未知/无法评估"} and lst2["覆盖率"].isna().all()


def test_r1_header_only_deposits_note_in_about_sheet(tmp_path):
    """The written 说明 names the header-only 存款账户 sheet as not provided."""
    from bankxl.tables import get_table

    npl, dep = _r1_frames()
    src = tmp_path / "r1.xlsx"
    with pd.ExcelWriter(src) as xw:
        npl.rename(columns={c.id: c.zh for c in get_table("npl_loans").columns}).to_excel(
            xw, sheet_name="不良贷款", index=False)
        dep.head(0).rename(columns={c.id: c.zh for c in get_table("deposit_accounts").columns}).to_excel(
            xw, sheet_name="存款账户", index=False)
    out = tmp_path / "o.xlsx"
    assert main(["run", "R1", "-i", str(src), "-o", str(out), "--as-of", "2026-11-30"]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    text = " ".join(str(c) for row in wb["说明"].iter_rows(values_only=True) for c in row if c)
    assert re.search(r"输入表「存款账户」\(deposit_accounts\)没有数据行.*按未提供处理", text)
    zipfile.ZipFile(out).testzip()


# ------------------------------------------------------------------ 4/5. writer guards
def _sheet_xml(path, sheet_index: int) -> tuple[str, list[str]]:
    """(sheet XML, the cellXfs <xf> elements of styles.xml in order) of a written workbook."""
    with zipfile.ZipFile(path) as z:
        xml = z.read(f"xl/worksheets/sheet{sheet_index}.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    return xml, re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", xfs, re.S)


def _guard_report(df: pd.DataFrame, **kw):
    from bankxl.report import Note, Report, Sheet, Table

    return Report(title="测试", sheets=[Sheet("名单", [Table(df, name="t", **kw)]),
                                      Sheet("说明", [Note(title="说明", lines=["x"])])])


def test_formula_like_text_keeps_a_quote_prefix(tmp_path):
    """Name cells '=HYPERLINK("http://x","y")', '+86 1', '@SUM(A1)', '-5' are strings whose style carries
    quotePrefix="1" (F2+Enter keeps them text); '张三' does not; the total row stays a live SUBTOTAL formula."""
    from bankxl.report.xlsx import write_report

    names = ['=HYPERLINK("http://x","y")', "张三", "+86 1", "@SUM(A1)", "-5"]
    df = pd.DataFrame({"客户名称": names, "余额": [1.0, 2.0, 3.0, 4.0, 5.0]})
    out = write_report(_guard_report(df, total_row=True), tmp_path / "q.xlsx")
    xml, xfs = _sheet_xml(out, 1)
    with zipfile.ZipFile(out) as z:
        sst = re.findall(r"<si><t[^>]*>(.*?)</t></si>", z.read("xl/sharedStrings.xml").decode(), re.S)
    import html
    sst = [html.unescape(t) for t in sst]
    cells = dict(re.findall(r'<c r="(A\d+)" s="(\d+)" t="s"><v>\d+</v></c>', xml))
    values = {r: sst[int(v)] for r, v in re.findall(r'<c r="(A\d+)"[^>]*t="s"><v>(\d+)</v></c>', xml)}
    by_value = {values[r]: xfs[int(cells[r])] for r in cells}
    for v in ('=HYPERLINK("http://x","y")', "+86 1", "@SUM(A1)", "-5"):
        assert 'quotePrefix="1"' in by_value[v], v
    assert 'quotePrefix="1"' not in by_value["张三"]
    assert "<f>" not in re.search(r'<c r="A2".*?</c>', xml).group(0)  # the data cell is no formula
    assert re.search(r"<f>SUBTOTAL\(109,", xml)  # the writer's own total formula is kept
    wb = openpyxl.load_workbook(out)
    assert wb["名单"]["A2"].value == '=HYPERLINK("http://x","y")' and wb["名单"]["A2"].data_type == "s"
    assert wb["名单"]["A2"].quotePrefix and not wb["名单"]["A3"].quotePrefix


def test_oversized_cells_are_cut_and_said(tmp_path):
    """Two 备注 cells of 40,000 characters (Excel holds 32,767): each is written as exactly 32,767 characters
    ending in the cut mark, the 32,000-character one whole, and 说明 says 工作表「名单」列「备注」有 2 个单元格 …
    已截断."""
    from bankxl.report.xlsx import CELL_MAX, CUT_MARK, write_report

    assert CELL_MAX == 32767
    long = "长" * 40_000
    df = pd.DataFrame({"客户号": ["1", "2", "3"], "备注": [long, "短", "x" * 32_000]})
    df.loc[1, "备注"] = "y" * 40_000
    out = write_report(_guard_report(df), tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["名单"]
    got = [ws["B2"].value, ws["B3"].value, ws["B4"].value]
    assert len(got[0]) == 32767 and got[0].endswith(CUT_MARK) and got[0].startswith("长" * 100)
    assert len(got[1]) == 32767 and got[1].endswith(CUT_MARK)
    assert got[2] == "x" * 32_000
    text = " ".join(str(c) for row in wb["说明"].iter_rows(values_only=True) for c in row if c)
    assert "工作表「名单」列「备注」有 2 个单元格" in text and "已截断" in text
