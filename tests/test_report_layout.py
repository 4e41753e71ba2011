"""Issue 10 writer rules: the headline sheet, page-aware print layout, wrapped row heights, columns that read
apart, panes, zero-based axes, empty tables, numbers as numbers. Read back with openpyxl and the raw XML."""
from __future__ import annotations

import math
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bankxl.report import Chart, Figure, Headline, Note, Report, Sheet, Table
from bankxl.report import layout
from bankxl.report.xlsx import XlsxReportWriter, write_report

A4_LANDSCAPE_H = 595.3 - 2 * 0.6 * 72  # printable height in points (margins 0.6 in)
A4_LANDSCAPE_W = 841.9 - 2 * 0.4 * 72


def _list_frame(n: int, order=None) -> pd.DataFrame:
    rank = np.arange(1, n + 1)
    df = pd.DataFrame({
        "排名": rank, "客户号": [f"{i:010d}" for i in rank], "客户名称": ["张*"] * n,
        "机构号": ["B01"] * n, "客户经理": [f"经理{i % 3}" for i in rank], "得分": 100.0 - rank,
        "等级": ["A"] * n, "原因": ["到期金额大"] * n, "建议动作": [f"电话联系客户{i}" for i in rank],
        "截止日": pd.Timestamp("2026-12-07"),
    })
    return df if order is None else df.iloc[order].reset_index(drop=True)


def headline_report(list_rows: int = 15, scenario_overview: bool = False) -> Report:
    """A hand-built report with a headline: 4 figures (one unknown), a chart over 到期结构, the top actions of
    a list given in reverse rank order."""
    months = pd.DataFrame({"月份": [f"2026-{m:02d}" for m in range(1, 13)],
                           "到期金额(万元)": [120.0, 80, 60, 150, 90, 30, 45, 70, 20, 10, 5, 66]})
    lst = _list_frame(list_rows, order=list(range(list_rows))[::-1])
    sheets = [Sheet("到期结构", [Table(months, name="by_month", title="按月到期"),
                             Chart("by_month", "月份", ["到期金额(万元)"], title="按月到期金额")]),
              Sheet("提醒名单", [Note(lines=["名单说明"]), Table(lst, name="remind", title="提醒名单", role="list",
                                                             text_columns=("客户号",), formats={"截止日": "date"})])]
    if scenario_overview:
        sheets.insert(0, Sheet("概览", [Note(lines=["场景自己的概览"])]))
    r = Report("存款到期视图", sheets=sheets)
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    r.headline = Headline(
        figures=[Figure("本月到期金额", 1234.5, "万元", compare_label="上月", compare=1000.0),
                 Figure("到期客户数", 53, "户", format="int", compare_label="目标", compare=None),
                 Figure("续存率", 0.625, "", format="pct1", compare_label="全行", compare=0.7),
                 Figure("他行转入", None, "万元", note="数据不含他行流水")],
        chart=Chart("by_month", "月份", ["到期金额(万元)"], title="未来 12 个月到期", height=260),
        actions="remind", lines=["本月到期集中在 4 月, 请提前安排。"])
    return r


def _xml(path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def _sheet_part(path, title: str) -> str:
    """The worksheet XML part of sheet ``title`` (order of workbook.xml)."""
    names = re.findall(r'<sheet name="([^"]+)"', _xml(path, "xl/workbook.xml"))
    return f"xl/worksheets/sheet{names.index(title) + 1}.xml"


def chart_anchor_rows(path, title: str) -> list[tuple[int, int]]:
    """(from row, to row), 0-based, of every drawing anchor on sheet ``title``."""
    sheet = _sheet_part(path, title)
    rels = f"xl/worksheets/_rels/{sheet.rsplit('/', 1)[1]}.rels"
    with zipfile.ZipFile(path) as z:
        if rels not in z.namelist():
            return []
        drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', z.read(rels).decode())
        if not drawing:
            return []
        xml = z.read(f"xl/drawings/{drawing.group(1)}").decode()
    froms = [int(x) for x in re.findall(r"<xdr:from>.*?<xdr:row>(\d+)</xdr:row>", xml)]
    tos = [int(x) for x in re.findall(r"<xdr:to>.*?<xdr:row>(\d+)</xdr:row>", xml)]
    return list(zip(froms, tos))


def row_breaks(path, title: str) -> list[int]:
    return [int(x) for x in re.findall(r'<brk id="(\d+)"', _xml(path, _sheet_part(path, title)))]


# ------------------------------------------------------------------ headline
def test_headline_is_the_first_sheet_with_figures_chart_and_top_actions(tmp_path):
    p = write_report(headline_report(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[0] == "概览" and wb.sheetnames[1:] == ["到期结构", "提醒名单"]
    ws = wb["概览"]
    assert ws["A1"].value == "存款到期视图 — 概览" and ws["A2"].value == "数据日期 2026-11-30"
    assert ws["A3"].value == "本月到期集中在 4 月, 请提前安排。"
    assert [c.value for c in ws[5]][:7] == ["关键指标", "数值", "单位", "对比", "对比值", "差额", "说明"]
    # 差额 = 1234.5 - 1000 = 234.5 in the value's format; 62.5% - 70.0% = -7.5 percentage points, written as
    # -7.5 with a 个百分点 format (not -0.075 shown as "-7.5%", which reads as a relative change)
    assert [ws.cell(6, c).value for c in range(1, 7)] == ["本月到期金额", 1234.5, "万元", "上月", 1000, 234.5]
    assert ws["B6"].number_format == "#,##0.00" and ws["F6"].number_format == "#,##0.00"
    assert ws["B8"].number_format == "0.0%"
    assert ws["F8"].value == pytest.approx(-7.5) and "个百分点" in ws["F8"].number_format
    assert ws["F8"].number_format.startswith('+0.0"个百分点";-0.0')
    # unknown comparison / value: blank, and 说明 says so (never 0)
    assert ws["E7"].value is None and ws["F7"].value is None and ws["G7"].value == "目标数据未提供"
    assert ws["B9"].value is None and ws["F9"].value is None
    assert ws["G9"].value == "数据不含他行流水; 数据未提供, 未计算(不是 0)"
    # the top 10 actions by 排名 (the list was given in reverse order), who / what / by when
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "排名")
    assert [c.value for c in ws[head]][:8] == ["排名", "客户号", "客户名称", "机构号", "客户经理", "等级", "建议动作", "截止日"]
    body = [[ws.cell(r, c).value for c in (1, 2, 7)] for r in range(head + 1, head + 11)]
    assert body == [[i, f"{i:010d}", f"电话联系客户{i}"] for i in range(1, 11)]
    assert ws.cell(head + 11, 1).value is None  # 10 rows, not 15
    assert ws.cell(head - 1, 1).value == "完整名单见「提醒名单」, 共 15 户。"
    # the chart is on the headline and plots 到期结构's table
    chart_xml = _xml(p, "xl/charts/chart2.xml") if "xl/charts/chart2.xml" in zipfile.ZipFile(p).namelist() else ""
    assert "到期结构!$B$3:$B$14" in _xml(p, "xl/charts/chart1.xml") + chart_xml
    assert chart_anchor_rows(p, "概览")
    # one page: fit to 1 x 1, A4 landscape, print area = the content
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight in (None, 1)  # 1 = default
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == "landscape" and ws.print_area


def test_headline_actions_show_masked_names_and_count_items_that_are_not_customers(tmp_path):
    """A list with 客户名称(脱敏) shows it among the actions; actions over outlets (no 客户号, e.g. D5's 落后机构)
    are counted in 项, not 户."""
    r = headline_report(list_rows=3)
    lst = r.tables()["remind"]
    lst.df = lst.df.rename(columns={"客户名称": "客户名称(脱敏)"})
    outlets = pd.DataFrame({"排名": [1, 2], "机构号": ["O1", "O2"], "建议动作": ["补足 3 个百分点", "补足 1 个百分点"]})
    r.sheets.append(Sheet("落后机构", [Table(outlets, name="behind", title="落后机构")]))
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "a.xlsx"))["概览"]
    head = next(r_ for r_ in range(1, ws.max_row + 1) if ws.cell(r_, 1).value == "排名")
    assert "客户名称(脱敏)" in [c.value for c in ws[head]]
    assert ws.cell(head - 2, 1).value == "优先行动 前 3 户(按排名)"
    r.headline.actions = "behind"
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "b.xlsx"))["概览"]
    head = next(r_ for r_ in range(1, ws.max_row + 1) if ws.cell(r_, 1).value == "排名")
    assert ws.cell(head - 2, 1).value == "优先行动 前 2 项(按排名)"
    assert ws.cell(head - 1, 1).value == "完整名单见「落后机构」, 共 2 项。"


def test_headline_name_when_a_scenario_sheet_is_called_overview(tmp_path):
    wb = openpyxl.load_workbook(write_report(headline_report(scenario_overview=True), tmp_path / "r.xlsx"))
    assert wb.sheetnames[:2] == ["报告概览", "概览"] and wb["概览"]["A1"].value == "场景自己的概览"


def test_headline_fits_one_page_at_a_readable_scale(tmp_path):
    """The page model: the headline's rows (title 24 + 2 lines + figures header 20 + 4 x 20 + chart 260 px +
    the actions caption, header and 10 rows) in points, against A4 landscape."""
    w = XlsxReportWriter(headline_report(), tmp_path / "r.xlsx")
    w.write()
    role, plan, last_row, _ = w.layouts["概览"]
    assert last_row >= 20
    heights = 24 + 15 * 2 + 15 + 20 + 4 * 20 + 15 + (14 * 15) + 15 + 18 + 15 + 30 + 10 * 15
    # fits at (at least) 75 %: a readable size, not a postage stamp
    assert heights * 0.75 <= A4_LANDSCAPE_H * layout.FIT * 100 / 75 * 0.75


def test_headline_validates_its_parts():
    with pytest.raises(ValueError, match="3 to 6"):
        Headline(figures=[Figure("a", 1)])
    r = headline_report()
    r.headline.actions = "nope"
    with pytest.raises(ValueError, match="nope"):
        XlsxReportWriter(r, "/dev/null").write()


def test_headline_counts_rows_in_the_declared_unit_and_shows_merchant_names(tmp_path):
    """Headline(unit="笔"): a list with a row per deposit is counted in 笔 although it has 客户号 (3 rows: 前 3 笔,
    共 3 笔); a merchant list (客户号 = 商户号) shows its 商户名称 beside the number and counts 户 by default;
    a blank unit is refused."""
    r = headline_report(list_rows=3)
    r.headline.unit = "笔"
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "a.xlsx"))["概览"]
    head = next(r_ for r_ in range(1, ws.max_row + 1) if ws.cell(r_, 1).value == "排名")
    assert ws.cell(head - 2, 1).value == "优先行动 前 3 笔(按排名)"
    assert ws.cell(head - 1, 1).value == "完整名单见「提醒名单」, 共 3 笔。"
    r = headline_report(list_rows=2)
    lst = r.tables()["remind"]
    lst.df = lst.df.drop(columns="客户名称")
    lst.df["商户名称"] = lst.df["排名"].map({1: "甲便利店", 2: "乙餐馆"})  # the list is given in reverse rank order
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "b.xlsx"))["概览"]
    head = next(r_ for r_ in range(1, ws.max_row + 1) if ws.cell(r_, 1).value == "排名")
    assert [c.value for c in ws[head]][:4] == ["排名", "客户号", "商户名称", "机构号"]
    assert [ws.cell(head + k, 3).value for k in (1, 2)] == ["甲便利店", "乙餐馆"]
    assert ws.cell(head - 2, 1).value == "优先行动 前 2 户(按排名)"
    with pytest.raises(ValueError, match="unit"):
        Headline(figures=[Figure("a", 1), Figure("b", 2), Figure("c", 3)], unit=" ")


def test_maturity_headline_counts_deposits(tmp_path, sample_bank):
    """D2's 提醒名单 has a row per deposit: its headline caption and note count 笔, with the list's row count."""
    from bankxl.runner import execute

    rep = execute("deposit.maturity", {"time_deposits": sample_bank["time_deposits"]}, as_of="2026-11-30")
    n = len(rep.tables()["reminders"].df)
    assert rep.headline.unit == "笔" and n > 0
    ws = openpyxl.load_workbook(write_report(rep, tmp_path / "d2.xlsx"))["概览"]
    head = next(r_ for r_ in range(1, ws.max_row + 1) if ws.cell(r_, 1).value == "排名")
    assert ws.cell(head - 2, 1).value == f"优先行动 前 {min(n, 10)} 笔(按排名)"
    assert ws.cell(head - 1, 1).value == f"完整名单见「提醒名单」, 共 {n:,} 笔。"


# ------------------------------------------------------------------ pages
def _long_summary() -> Report:
    """A summary sheet: a 25-row table, a 320-px chart, another 25-row table with a title."""
    a = pd.DataFrame({"机构": [f"B{i:02d}" for i in range(25)], "余额(万元)": np.arange(25, dtype=float) + 1})
    b = a.rename(columns={"余额(万元)": "笔数"}).assign(笔数=np.arange(25))
    r = Report("测试", [Sheet("汇总", [Table(a, name="a", title="A 表"), Chart("a", "机构", ["余额(万元)"], title="余额"),
                                    Table(b, name="b", title="B 表")])])
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    return r


def test_summary_pages_break_before_a_chart_and_keep_titles_with_their_table(tmp_path):
    p = write_report(_long_summary(), tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(p)["汇总"]
    scale = ws.page_setup.scale
    # by hand: narrow columns -> 100 %; page = 508.8 pt x 0.96 = 488.4 pt. Rows: title 18 + header 30 + 25 x 15
    # = 423 (rows 0-26), blank 15 = 438; the chart (rows 28-45, 16.x rows of 15 pt) would end at ~691 pt:
    # it must start a page -> break at row 28. The chart ends row 44 (260 pt from 28 = 17.x rows of 15 pt)
    assert scale in (None, 100)  # 100 % is the default, not written
    breaks = row_breaks(p, "汇总")
    anchors = chart_anchor_rows(p, "汇总")
    assert breaks[0] == 28 and anchors[0][0] == 28
    assert all(not (f < b <= t) for b in breaks for f, t in anchors)
    # B 表's title (row 47) is never the last row of a page: a break falls before it or after its 3rd row
    assert all(not (47 < b <= 47 + 1 + 1 + 3) for b in breaks)
    assert ws.print_area == "'汇总'!$A$1:$L$73" or ws.print_area.startswith("'汇总'!$A$1:")
    assert not ws.print_title_rows  # a chart on the sheet: no repeated header printed over it


def test_paginate_by_hand():
    """10 rows of 10 pt on pages of 35 pt: breaks at 3, 6, 9; keeping rows 2-4 together moves the first break
    to 2; a keep group taller than a page is split as usual; repeated rows shorten later pages."""
    h = [10.0] * 10
    assert layout.paginate(h, [], 35) == [3, 6, 9]
    assert layout.paginate(h, [(2, 5)], 35) == [2, 5, 8]
    assert layout.paginate(h, [(1, 9)], 35) == [3, 6, 9]
    assert layout.paginate(h, [], 35, repeat_h=10) == [3, 5, 7, 9]


def test_summary_shrinks_to_three_pages_and_detail_prints_its_first_page(tmp_path):
    df = pd.DataFrame({"机构": [f"B{i:03d}" for i in range(95)], "余额": np.arange(95, dtype=float)})
    big = pd.DataFrame({"客户号": [f"{i:08d}" for i in range(500)], "余额": np.arange(500, dtype=float)})
    r = Report("测试", [Sheet("汇总", [Table(df, name="s", title="汇总表")]),
                       Sheet("明细", [Table(big, name="d", title="明细表", role="detail")]),
                       Sheet("说明", [Note(lines=["x"])], landscape=False)])
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    p = write_report(r, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(p)
    # 汇总: title 18 + header 30 + 95 x 15 pt; at 100 % a page holds 508.8 x 0.96 = 488.4 pt: 29 rows, then
    # 30 rows under the repeated 30-pt header -> 29 + 30 + 30 < 95: 4 pages; at 95 % (514.1 pt):
    # 31 + 32 + 32 = 95 rows -> 3 pages, breaks before data rows 32 and 64 (0-based rows 33 and 65)
    s = wb["汇总"]
    assert s.page_setup.scale == 95 and row_breaks(p, "汇总") == [33, 65]
    assert s.print_title_rows == "$2:$2"
    # 明细 (500 rows > DETAIL_ROWS): fit to one page, print area = the rows of its first page at 100 %:
    # title 18 + header 30 + 29 x 15 = 483 <= 488.4 -> rows 1-31 (1-based)
    d = wb["明细"]
    assert d.sheet_properties.pageSetUpPr.fitToPage and d.page_setup.fitToHeight in (None, 1)
    assert d.print_area == "'明细'!$A$1:$B$31"
    assert "明细, 打印首页" in d.oddHeader.right.text
    notes = [c.value for c in wb["说明"]["A"] if c.value]
    assert any("「明细」" in str(v) and "取消打印区域" in str(v) for v in notes)


# ------------------------------------------------------------------ rows, columns, panes
def test_text_lines_rule_by_hand():
    # width 50 -> 48 units a line; 72 CJK = 144 units -> 3 lines; 'ab\n' + 30 CJK -> 1 + 2 lines;
    # 40 ASCII -> 1; blank -> 1; 500 CJK -> capped at 8
    vals = ["存" * 72, "ab\n" + "款" * 30, "x" * 40, None, "到" * 500]
    assert layout.text_lines(vals, 50).tolist() == [3, 3, 1, 1, 8]
    assert layout.row_height(np.array([1, 3])).tolist() == [15.0, 47.0]
    s = pd.Series(["客户A１", "ｘ", "", "é"])  # fullwidth １ and ｘ count 2
    assert layout.display_widths(s).tolist() == [7, 2, 0, 1]


def test_wrapped_rows_are_as_tall_as_their_lines(tmp_path):
    df = _list_frame(3)
    df["原因"] = ["存" * 72, "短", "款" * 30]
    r = Report("测试", [Sheet("名单", [Table(df, name="l", widths={"原因": 50})])])
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["名单"]
    # width 50: 144 units / 48 -> 3 lines -> 3 x 15 + 2 = 47 pt; 60 units -> 2 lines -> 32 pt
    # (XlsxWriter stores whole pixels: 47 pt -> 63 px = 47.25 pt)
    assert ws.row_dimensions[2].height == pytest.approx(47, abs=0.5)
    assert ws.row_dimensions[4].height == pytest.approx(32, abs=0.5)
    assert ws.row_dimensions[3].height is None
    assert ws["H2"].alignment.wrap_text


def test_columns_read_apart_and_list_panes(tmp_path):
    lst = _list_frame(53)
    lst["备注"] = "x" * 60
    lst["地址"] = "某" * 30
    r = Report("测试", [Sheet("提醒名单", [Note(title="汇总", lines=[f"第 {i} 行" for i in range(10)]),
                                       Table(lst, name="l", title="名单", role="list", text_columns=("客户号",))])])
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["提醒名单"]
    # header on row 14 (1-based): note title + 10 lines, blank, table title, header -> freeze rows 1-14 and,
    # the list being wider than a screen, the 排名 / 客户号 / 客户名称 columns
    assert ws["A14"].value == "排名" and ws.freeze_panes == "D15"
    assert ws["A15"].alignment.horizontal == "center"  # rank centred: '1' and '0000000001' never run together
    assert ws["B15"].alignment.horizontal == "left" and ws["B15"].alignment.indent == 1
    assert ws["J15"].alignment.horizontal == "center"  # dates centred


def test_short_table_under_a_deep_block_does_not_freeze_many_rows(tmp_path):
    df = pd.DataFrame({"机构": [f"B{i}" for i in range(15)], "目标": np.arange(15, dtype=float)})
    r = Report("测试", [Sheet("指标分解", [Note(pairs=[(f"项目{i}", "x") for i in range(11)]),
                                       Table(df, name="t", title="分解")])])
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["指标分解"]
    # header on row 14; the table ends on row 29 < a 30-row screen: nothing frozen (was 14 rows)
    assert ws["A14"].value == "机构" and ws.freeze_panes is None


# ------------------------------------------------------------------ items 5-7 at the writer
def test_value_axes_start_at_zero_unless_the_chart_says_otherwise(tmp_path):
    df = pd.DataFrame({"月份": ["1月", "2月", "3月"], "人数": [457, 458, 459], "变动": [-3.0, -1.0, -2.0]})
    r = Report("测试", [Sheet("趋势", [Table(df, name="t"), Chart("t", "月份", ["人数"], kind="line"),
                                     Chart("t", "月份", ["变动"]),
                                     Chart("t", "月份", ["人数"], y_min=450, y_max=460),
                                     Chart("t", "月份", ["人数"], zero_based=False)])])
    p = write_report(r, tmp_path / "r.xlsx")
    axes = [re.findall(r"<c:valAx>.*?</c:valAx>", _xml(p, f"xl/charts/chart{i}.xml"), re.S)[0] for i in range(1, 5)]
    assert '<c:min val="0"/>' in axes[0] and "<c:max" not in axes[0]
    assert '<c:max val="0"/>' in axes[1] and "<c:min" not in axes[1]
    assert '<c:min val="450"/>' in axes[2] and '<c:max val="460"/>' in axes[2]
    assert "<c:min" not in axes[3] and "<c:max" not in axes[3]


def test_empty_table_says_none_and_why(tmp_path):
    empty = pd.DataFrame({"客户号": pd.Series([], dtype="string"), "余额": pd.Series([], dtype=float)})
    r = Report("测试", [Sheet("网贷", [Table(empty, name="e", title="网贷客户", empty_note="数据中没有网贷放款记录"),
                                     Table(empty, name="f", title="另一张")])])
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["网贷"]
    assert ws["A1"].value == "网贷客户" and ws["A2"].value == "无: 数据中没有网贷放款记录" and ws["A3"].value == "客户号"
    assert ws["A6"].value == "另一张" and ws["A7"].value == "无: 没有符合条件的记录"


def test_formatted_numbers_and_booleans_are_written_as_numbers_and_shi_fou(tmp_path):
    df = pd.DataFrame({"项目": ["目标", "基期"], "值": ["1,618,362.00", "1,498,482"],
                       "编号": ["0001", "1,234"], "标志": [True, np.bool_(False)]}).astype({"标志": object})
    r = Report("测试", [Sheet("分解", [Note(pairs=[("全行目标日均(万元)", "1,618,362.00"), ("启用", True),
                                                 ("说明", "每户 1,000 元以上")]),
                                     Table(df, name="t", text_columns=("编号",))])])
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["分解"]
    assert ws["B1"].value == 1618362.0 and ws["B1"].data_type == "n" and ws["B1"].number_format == "#,##0.00"
    assert ws["B2"].value == "是" and ws["B3"].value == "每户 1,000 元以上"
    assert ws["B6"].value == 1618362.0 and ws["B7"].value == 1498482 and ws["B7"].number_format == "#,##0"
    assert ws["C7"].value == "1,234" and ws["C7"].data_type == "s"  # a text column stays text
    assert [ws["D6"].value, ws["D7"].value] == ["是", "否"]
    assert not any(c.value in (True, False, "True", "False") for row in ws.iter_rows() for c in row)


def test_column_points_match_excel():
    # Excel: width 8.43 -> 64 px -> 48 pt; width 10 -> 75 px -> 56.25 pt (Calibri 11, 7 px per digit)
    assert layout.column_pt(None) == 48.0 and layout.column_pt(10) == 56.25
    assert layout.width_scale(2 * A4_LANDSCAPE_W, A4_LANDSCAPE_W) == math.floor(100 * layout.FIT / 2)


def test_print_scale_fits_the_widest_renderer(tmp_path):
    """12 text columns of 40 units (+2 padding = 42): 504 units > 220 -> A3. Width for the scale at 9.4 px per
    unit: int(42 x 9.4 + 0.5) + 5 = 400 px = 300 pt a column, 3,600 pt in all; A3 landscape printable
    1190.6 - 57.6 = 1133.0 pt -> floor(100 x 0.96 x 1133.0 / 3600) = 30 %."""
    df = pd.DataFrame({f"列{i}": ["x" * 40] for i in range(12)})
    ws = openpyxl.load_workbook(write_report(Report("测试", [Sheet("宽表", [Table(df, name="w")])]),
                                             tmp_path / "r.xlsx"))["宽表"]
    assert ws.page_setup.paperSize == 8 and ws.page_setup.scale == 30


def test_colour_scale_only_on_the_rows_it_names(tmp_path):
    """Conditional.rows (issue 10 item 5: no colour for groups too small to mean anything): rows 1, 2 and 4 of
    5 (0-based; header on Excel row 1) -> one format over B3:B4 B6:B6; no row -> no format; a Series mask is
    aligned on the index (reversed frame)."""
    from bankxl.report import Conditional

    df = pd.DataFrame({"组": list("abcde"), "比例": [1.0, 0.2, 0.5, 0.0, 0.9]})
    keep = [False, True, True, False, True]
    r = Report("测试", [Sheet("s", [Table(df, name="t", conditional=[
        Conditional(["比例"], "color_scale", rows=keep)])]),
        Sheet("s2", [Table(df, name="u", conditional=[Conditional(["比例"], "color_scale", rows=[False] * 5)])]),
        Sheet("s3", [Table(df.iloc[::-1], name="v", conditional=[
            Conditional(["比例"], "color_scale", rows=pd.Series(keep, index=df.index))])])])
    p = write_report(r, tmp_path / "r.xlsx")
    x1, x2, x3 = (_xml(p, _sheet_part(p, s)) for s in ("s", "s2", "s3"))
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', x1) == ["B3:B4 B6"]
    assert "conditionalFormatting" not in x2
    # reversed: rows e d c b a -> keep e, c, b = positions 0, 2, 3 -> B2 B4:B5
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', x3) == ["B2 B4:B5"]
