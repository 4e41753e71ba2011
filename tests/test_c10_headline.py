"""Issue 10 item 2 on C10's headline (概览): a long 说明 wraps inside the key-figure table instead of running past
its border to the page edge, and count charts tick at whole numbers (``Chart.integer``; the application's ticks
read 0.2, 0.4 … 1.2 户). Writer rules checked on hand-built reports, then on C10's hand bank."""
from __future__ import annotations

import math
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from bankxl.report import Chart, Figure, Headline, Report, Sheet, Table
from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from test_c10_limit_increase import AS_OF, bank


def _value_axes(path) -> list[str]:
    """The <c:valAx> of every chart of the workbook, in chart-part order (chart1, chart2 …)."""
    with zipfile.ZipFile(path) as z:
        parts = sorted((n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.search(r"\d+", n).group()))
        return [re.findall(r"<c:valAx>.*?</c:valAx>", z.read(n).decode(), re.S)[0] for n in parts]


def _major(axis: str) -> str | None:
    m = re.search(r'<c:majorUnit val="([^"]+)"/>', axis)
    return m.group(1) if m else None


def _width(text: str) -> int:
    """Display width written out here: a CJK character or full-width punctuation 2, anything else 1."""
    return sum(2 if ("\u4e00" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f")
               else 1 for ch in text)


def test_count_axis_ticks_on_whole_numbers(tmp_path):
    """Major unit = the smallest of 1, 2, 5, 10 … giving at most 8 intervals over the span, by hand:
    1 户 per branch -> 1 (not 0.2); 大 30/3/12 alone -> 30 -> 5 (2 × 8 = 16 < 30 ≤ 40); the same stacked with
    小 20/0/1 -> 50 -> 10 (5 × 8 = 40 < 50); a pyramid 男 -7/-2 vs 女 6/3 -> span 13 -> 2, keeping its format;
    a chart without ``integer`` keeps the application's ticks."""
    one = pd.DataFrame({"机构号": ["01", "02", "03"], "A层(户)": [1, 0, 0], "B层(户)": [0, 1, 0]})
    big = pd.DataFrame({"机构号": ["01", "02", "03"], "大": [30, 3, 12], "小": [20, 0, 1]})
    pyr = pd.DataFrame({"年龄段": ["<30", "≥30"], "男": [-7, -2], "女": [6, 3]})
    r = Report("测试", [Sheet("图", [
        Table(one, name="one"), Table(big, name="big"), Table(pyr, name="pyr"),
        Chart("one", "机构号", ["A层(户)", "B层(户)"], stacked=True, integer=True),
        Chart("big", "机构号", ["大"], integer=True),
        Chart("big", "机构号", ["大", "小"], stacked=True, integer=True),
        Chart("pyr", "年龄段", ["男", "女"], kind="bar", stacked=True, number_format="#,##0;#,##0", integer=True),
        Chart("one", "机构号", ["A层(户)", "B层(户)"], stacked=True)])])
    axes = _value_axes(write_report(r, tmp_path / "r.xlsx"))
    assert [_major(a) for a in axes] == ["1", "5", "10", "2", None]
    assert all('formatCode="#,##0"' in a for a in axes[:3]) and 'formatCode="#,##0;#,##0"' in axes[3]


def test_long_figure_note_wraps_inside_the_table(tmp_path):
    """A 说明 of 60 CJK characters (width 120) wraps in the 说明 column (at least 50 wide, 48 per line after
    padding): ⌈120 / 48⌉ = 3 lines -> row 3 × 15 + 2 = 47 pt (to the pixel); a short 说明 keeps the 20-pt row."""
    lst = pd.DataFrame({"排名": [1], "客户号": ["K1"], "建议动作": ["电话联系"]})
    r = Report("测试", [Sheet("名单", [Table(lst, name="l", role="list", text_columns=("客户号",))])])
    r.headline = Headline([Figure("甲", 1, "户", "int", note="说" * 60), Figure("乙", 2, "户", "int", note="短"),
                           Figure("丙", 3, "户", "int")], actions="l")
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["概览"]
    row = {ws.cell(i, 1).value: i for i in range(1, ws.max_row + 1) if ws.cell(i, 1).value in ("甲", "乙")}
    assert ws.cell(row["甲"], 7).alignment.wrap_text and ws.cell(row["甲"], 7).value == "说" * 60
    assert ws.row_dimensions[row["甲"]].height == pytest.approx(47, abs=0.75)  # whole pixels (0.75 pt)
    assert ws.row_dimensions[row["乙"]].height == pytest.approx(20, abs=0.75)
    assert ws.column_dimensions["G"].width >= 50


def test_c10_headline_notes_wrap_and_counts_tick_on_whole_numbers(tmp_path):
    """C10 on its hand bank: the 不提额 说明 (排除 … 无提额空间 …(准入通过但新额度不高于现额度)) is wider than the
    column, so its row is as tall as its lines (width counted here, 48 per line); every C10 chart counts 户
    (at most 3 per branch, 4 per 结果) and ticks at 1, formatted #,##0."""
    rep = execute("credit.limit_increase", bank(), as_of=AS_OF)
    p = write_report(rep, tmp_path / "c10.xlsx")
    ws = openpyxl.load_workbook(p)["概览"]
    r = next(i for i in range(1, ws.max_row + 1) if ws.cell(i, 1).value == "不提额")
    note = ws.cell(r, 7).value
    lines = math.ceil(_width(note) / 48)
    assert _width(note) > 50 and lines >= 2 and ws.cell(r, 7).alignment.wrap_text
    assert ws.row_dimensions[r].height == pytest.approx(lines * 15 + 2, abs=0.75)  # whole pixels
    axes = _value_axes(p)
    assert len(axes) == 3 and {_major(a) for a in axes} == {"1"} and all('formatCode="#,##0"' in a for a in axes)
