"""C6 按揭客户交叉营销 as printed (issue 17 part F): the 按机构 chart's width and rows, the sheet's print scale,
read back from the written workbook; the demo bank (2,000 customers, 15 outlets) and the same bank spread
over 60 outlets."""
from __future__ import annotations

import re
import zipfile
from functools import lru_cache

import openpyxl
import pytest

from bankxl.report import Chart
from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenario import registry

AS_OF = "2026-11-30"
EMU_PX = 9525  # DrawingML EMU per pixel


@lru_cache(maxsize=1)
def _demo_bank():
    from bankxl.sample import make_sample_bank

    return make_sample_bank(customers=2000, seed=20261130, as_of=AS_OF)  # what `bankxl demo` writes


def _c6(outlets: int | None = None):
    spec = next(s for s in registry().values() if s.code == "C6")
    bank = _demo_bank()
    tables = {t: bank[t] for t in spec.sample_inputs}
    if outlets is not None:
        cust = tables["customers"].copy()
        cust["org_id"] = [f"9{i % outlets:05d}" for i in range(len(cust))]
        tables["customers"] = cust
    return execute(spec, tables, as_of=AS_OF)


def _sheet_xml(z: zipfile.ZipFile, name: str) -> tuple[str, str]:
    """(worksheet xml, its part path) of sheet ``name``."""
    wb = z.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet name="{name}" sheetId="\d+" r:id="(rId\d+)"', wb).group(1)
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    return z.read(part).decode(), part


def _linked(z: zipfile.ZipFile, part: str, kind: str) -> str:
    """The part of type ``kind`` ('drawing' / 'chart') the part ``part`` links to (its only one)."""
    folder, base = part.rsplit("/", 1)
    rels = z.read(f"{folder}/_rels/{base}.rels").decode()
    target = re.search(rf'/{kind}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*/{kind}"', rels)
    t = target.group(1) or target.group(2)
    return "xl/" + t.replace("../", "") if t.startswith("..") else f"{folder}/{t}"


def _col_px(stored: float | None) -> int:
    """Pixels of a column whose ``<col width>`` is ``stored`` (the file stores the width with its 5 px padding:
    7 px a unit; None = not set, Excel's default 64 px)."""
    return 64 if stored is None else int(stored * 7 + 0.5)


def _anchor_px(sheet_xml: str, drawing_xml: str) -> float:
    """Width in px of the (only) chart of a drawing: its two-cell anchor's columns (widths from the sheet's
    ``<cols>``) plus the end offset minus the start offset."""
    widths = {}
    for lo, hi, w in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', sheet_xml):
        for c in range(int(lo), int(hi) + 1):
            widths[c - 1] = float(w)
    (c0, off0), (c1, off1) = [(int(c), int(o)) for c, o in re.findall(
        r"<xdr:col>(\d+)</xdr:col><xdr:colOff>(\d+)</xdr:colOff>", drawing_xml)]
    return sum(_col_px(widths.get(c)) for c in range(c0, c1)) + (off1 - off0) / EMU_PX


def _outlet_chart(path):
    """(print scale %, chart width px, category range rows (first, last), table data rows, chart title) of
    the 按机构 sheet read back from the workbook's XML."""
    with zipfile.ZipFile(path) as z:
        xml, part = _sheet_xml(z, "按机构")
        scale = int(re.search(r'<pageSetup[^>]*scale="(\d+)"', xml).group(1))
        drawing = _linked(z, part, "drawing")
        dxml = z.read(drawing).decode()
        width = _anchor_px(xml, dxml)
        chart = z.read(_linked(z, drawing, "chart")).decode()
    cats = set(re.findall(r"<c:cat>.*?<c:f>[^<]*!\$A\$(\d+):\$A\$(\d+)</c:f>", chart, re.S))
    assert len(cats) == 1, cats  # every series over the same outlets
    title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", chart.split("<c:plotArea>")[0]))
    table_ref = None
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/tables/"):
                t = z.read(name).decode()
                if 'displayName="cov_4' in t:
                    table_ref = re.search(r'ref="A(\d+):[A-Z]+(\d+)"', t).groups()
    first, last = (int(x) for x in next(iter(cats)))
    data_rows = (int(table_ref[0]) + 1, int(table_ref[1]))
    return scale, width, (first, last), data_rows, title


@pytest.mark.parametrize("outlets", [None, 60])
def test_outlet_chart_keeps_the_sheet_printable(tmp_path, outlets):
    """Demo bank: 15 outlets × 8 series (按揭渗透率 + 7 products) — every outlet charted, the chart ≤ 1,000 px
    wide and the sheet printed at ≥ 60 % (before: 2,400 px, scale 30 %). 60 outlets: the first outlets of the
    table (sorted by 按揭客户数) that keep a bar ≥ 6 px (1,000 − 80 px / (6 × 9.5) = 16), title says so."""
    rep = _c6(outlets)
    df = rep.tables()["cov_4"].df
    n = len(df)
    assert n == (15 if outlets is None else 60)
    scale, width, (first, last), (t_first, t_last), title = _outlet_chart(write_report(rep, tmp_path / "c6.xlsx"))
    assert t_last - t_first + 1 == n
    assert scale >= 60
    assert width <= 1000
    shown = last - first + 1
    assert first == t_first
    if outlets is None:
        assert shown == 15 and "前" not in title
        assert width == 80 + 15 * 6 * 9.5  # 935 px
    else:
        assert shown == 16 and "按揭客户数前 16 个" in title
        assert df["按揭客户数"].is_monotonic_decreasing


def test_gap_combinations_have_their_own_column(tmp_path):
    """缺口矩阵: the 缺口组合 text is the last column of its table (D), so column A keeps the width of the
    numbers above it (before: 缺口组合 was column A, 40 units wide under 缺口产品数分布); its 缺口产品数 is the
    number of products named in the combination, counted from the text here."""
    rep = _c6()
    wb = openpyxl.load_workbook(write_report(rep, tmp_path / "c6.xlsx"))
    ws = wb["缺口矩阵"]
    tables = {t.name: t.ref for t in ws.tables.values()}
    count_ref = tables["gap_count"].split(":")
    combo_ref = tables["gap_combo"].split(":")
    assert count_ref[0][0] == "A" and count_ref[1][0] == "C"
    assert combo_ref[0][0] == "A" and combo_ref[1][0] == "D"
    first = int(combo_ref[0][1:])
    header = [ws.cell(first, c).value for c in range(1, 5)]
    assert header == ["缺口产品数", "按揭客户数", "占比", "缺口组合"]
    rows = [[ws.cell(r, c).value for c in range(1, 5)] for r in range(first + 1, int(combo_ref[1][1:]) + 1)]
    assert len(rows) == 20
    for n_gap, n_cust, share, text in rows:
        assert n_gap == (0 if text == "(无缺口)" else len(text.split("、")))
    counts = [r[1] for r in rows]
    assert counts == sorted(counts, reverse=True)
    width = {k: v.width for k, v in ws.column_dimensions.items()}
    assert width["A"] < 15  # 缺口产品数 / 按揭客户数 headers (10 units) + padding
    longest = max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in r[3]) for r in rows)
    assert width["D"] >= min(longest, 50)  # one line per combination up to the writer's widest column (50)
    wraps = {r[3]: ws.cell(first + 1 + i, 4).alignment.wrap_text for i, r in enumerate(rows)}
    assert longest > 50 and wraps[max(wraps, key=len)]  # the demo's 7-product combination (58 units) wraps


def test_many_age_bands_chart_the_first_in_age_order():
    """年龄段 sheets are in age order (not by 按揭客户数): with more bands than fit (age_bands every 2 years from
    20 to 70: 27 bands incl. <20 and ≥70; 8 series fit 16) the chart shows the first 16 bands and its title
    does not claim they are the largest."""
    spec = next(s for s in registry().values() if s.code == "C6")
    bank = _demo_bank()
    rep = execute(spec, {t: bank[t] for t in spec.sample_inputs}, {"age_bands": tuple(range(20, 71, 2))}, as_of=AS_OF)
    sheet = next(s for s in rep.sheets if s.name == "按年龄段")
    chart = next(b for b in sheet.blocks if isinstance(b, Chart))
    n = len(rep.tables()[chart.table].df)
    assert n > 16 and chart.rows == 16
    assert chart.title.endswith("(前 16 个, 全部见上表)") and "按揭客户数" not in chart.title
