"""Issue 8, holes a breaker found in the reader and writer: far cells written in other XML forms, a
shared-strings bomb, calamine cell-read errors, absurdly wide CSVs, mixed encodings, the same table given
twice, invisible characters in headers, control characters in pivot caches, report permissions and file
names with bidi controls, M1 blank deduction items. Tests that could abort or eat memory run in a child
process with a 2 GB address-space limit and a timeout."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from conftest import LIMITED_LOAD

from bankxl.errors import DataValidationError
from bankxl.filesniff import sheet_extent
from bankxl.io import MAX_CSV_COLUMNS, _header_notes, _lookup, _map_row, read_raw_csv, read_tables
from bankxl.tables import get_table

TD_HEAD = ["账号", "客户号", "机构号", "到期日", "余额"]
TD_ROW = ["A1", "C1", "O1", "2026-12-01", "100"]
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _xlsx(path: Path, sheet_xml: str, sst: str | None = None, stored: bool = False) -> Path:
    """A minimal .xlsx with one sheet 定期存款明细 (``sheet_xml`` as given) and optional shared strings."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
          '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
          'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
          'formats-officedocument.spreadsheetml.worksheet+xml"/>'
          + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.sharedStrings+xml"/>' if sst is not None else "") + "</Types>")
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>')
    wb = (f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{rel}"><sheets><sheet name="定期存款明细" '
          'sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
              f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
              + (f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                 if sst is not None else "") + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if sst is not None:
            z.writestr("xl/sharedStrings.xml", sst)
    return path


def _rows(*rows: list) -> str:
    """``<row>`` elements of inline-string cells, A1 onwards."""
    out = []
    for r, vals in enumerate(rows, start=1):
        cells = "".join(f'<c r="{chr(65 + j)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(vals))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def _sheet(extra: str, body: str | None = None) -> str:
    return (f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'
            f'{_rows(TD_HEAD, TD_ROW) if body is None else body}{extra}</sheetData></worksheet>')




def _load_limited(path, timeout: int = 120) -> str:
    """Load in a child limited to 2 GB of address space: an abort (exit 134) fails the test, not pytest."""
    p = subprocess.run([sys.executable, "-c", LIMITED_LOAD, str(path)], capture_output=True, text=True,
                       timeout=timeout)
    assert p.returncode == 0, (p.returncode, p.stderr[-800:])
    return p.stdout


# ------------------------------------------------------------------ 1. far cell written in other XML forms
FAR = {
    "attr_order": '<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
    "single_quote": "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "lower_case": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "spaces": '<row r="1048576"><c r = "XFD1048576" ><v>1</v></c></row>',
    "far_row_first": None,  # the far cell before the header: rows out of order
}


@pytest.mark.parametrize("form", list(FAR))
def test_far_cell_in_any_xml_form_is_a_clear_error(tmp_path, form):
    if form == "far_row_first":
        xml = _sheet("", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + _rows(TD_HEAD, TD_ROW))
    else:
        xml = _sheet(FAR[form])
    out = _load_limited(_xlsx(tmp_path / "far.xlsx", xml))
    assert out.startswith("ERROR") and "XFD1048576" in out and "far.xlsx" in out, out


def test_far_cell_with_namespace_prefix_is_a_clear_error(tmp_path):
    row = "".join(f'<x:c r="{chr(65 + j)}1" t="inlineStr"><x:is><x:t>{v}</x:t></x:is></x:c>'
                  for j, v in enumerate(TD_HEAD))
    xml = (f'<?xml version="1.0"?><x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1">{row}</x:row>'
           '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    out = _load_limited(_xlsx(tmp_path / "far.xlsx", xml))
    assert out.startswith("ERROR") and "XFD1048576" in out, out


def test_extent_matches_calamine_on_unusual_forms(tmp_path):
    """Second method: calamine's own range of small sheets in these forms equals the streamed extent."""
    from python_calamine import CalamineWorkbook

    xml = _sheet('<row r="9"><c t="n" r="AB9"><v>1</v></c></row>'
                 "<row r='4'><c r='c4'><v>2</v></c></row><row r='12'><c r='B12' s='1'/></row>")
    f = _xlsx(tmp_path / "s.xlsx", xml)
    sh = CalamineWorkbook.from_path(str(f)).get_sheet_by_name("定期存款明细")
    ext = sheet_extent(f, "定期存款明细")
    assert (ext.first_row, ext.last_row, ext.last_col) == (sh.start[0] + 1, sh.end[0] + 1, sh.end[1] + 1) == (1, 9, 28)


def test_dimension_ref_alone_does_not_refuse(tmp_path):
    # calamine does not size its grid by <dimension ref>: a stale ref is no reason to refuse the file
    xml = _sheet("").replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    assert _load_limited(_xlsx(tmp_path / "dim.xlsx", xml)).strip() == "ROWS 1"


# ------------------------------------------------------------------ 2. shared strings bomb
def test_shared_strings_bomb_is_refused_before_calamine(tmp_path):
    # 1.7 GB of <si><t>A</t></si> packs into a few MB: calamine would need ~4 GB
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}" count="1" uniqueCount="1">' + "<si><t>A</t></si>" * 3_000_000 + "</sst>"
    f = _xlsx(tmp_path / "sst.xlsx", _sheet(""), sst=sst)
    assert f.stat().st_size < 1_000_000
    t = time.perf_counter()
    out = _load_limited(f)
    assert out.startswith("ERROR") and "sst.xlsx" in out and "sharedStrings" in out, out
    assert time.perf_counter() - t < 30


def test_more_shared_strings_than_cells_is_refused(tmp_path):
    # not compressed (ratio 1): caught by counting <si> entries against the cells of all sheets
    n = 1_200_000
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}" count="5" uniqueCount="5">' + "".join(
        f"<si><t>{i:07d}</t></si>" for i in range(n)) + "</sst>"
    out = _load_limited(_xlsx(tmp_path / "many.xlsx", _sheet(""), sst=sst, stored=True))
    assert out.startswith("ERROR") and "1,200,000" in out and "many.xlsx" in out, out


def test_as_many_shared_strings_as_cells_still_loads(tmp_path):
    # 1.2 M distinct strings, each used by one cell: a real (big) workbook, not a bomb
    n = 1_200_000
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}">' + "".join(f"<si><t>{i:07d}</t></si>" for i in range(n)) + "</sst>"
    body = _rows(TD_HEAD, TD_ROW) + "".join(f'<row r="{r}"><c r="F{r}" t="s"><v>{r - 3}</v></c></row>'
                                            for r in range(3, n + 3))
    out = _load_limited(_xlsx(tmp_path / "big.xlsx", _sheet("", body), sst=sst), timeout=300)
    assert out.strip() == f"ROWS {n + 1}", out  # loaded (the rows without table columns are kept)


# ------------------------------------------------------------------ 3. calamine cell-read errors
BROKEN = {
    "bad_sst_index": ('<row r="3"><c r="A3" t="s"><v>99</v></c></row>', ""),
    "bad_bool": ('<row r="3"><c r="A3" t="b"><v>7</v></c></row>', None),
    "bad_ref": ('<row r="3"><c r="AZ"><v>1</v></c></row>', None),
    "bad_xml": ('<row r="3"><c r="A3"><v>1</v></row>', None),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_cell_read_error_is_a_data_error_naming_file_and_sheet(tmp_path, case):
    extra, sst = BROKEN[case]
    if sst == "":
        sst = f'<?xml version="1.0"?><sst xmlns="{NS}"><si><t>x</t></si></sst>'
    f = _xlsx(tmp_path / f"{case}.xlsx", _sheet(extra), sst=sst)
    with pytest.raises(DataValidationError) as ei:
        read_tables([f], ["time_deposits"])
    assert f"{case}.xlsx" in ei.value.message_zh and "定期存款明细" in ei.value.message_zh
    assert "已损坏" in ei.value.message_zh and "damaged" in ei.value.message_en


def test_undefined_entity_is_a_data_error(tmp_path):
    xml = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aa">]>' + _sheet("").split("?>", 1)[1]).replace(
        "<t>C1</t>", "<t>&lol9;</t>")
    with pytest.raises(DataValidationError, match="已损坏"):
        read_tables([_xlsx(tmp_path / "ent.xlsx", xml)], ["time_deposits"])


# ------------------------------------------------------------------ 5. absurd widths, linear headers
def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_wider_than_excel_is_refused_quickly(tmp_path):
    # a header of 200,000 columns hung for minutes; 5 M trailing commas took 104 s
    wide = _csv(tmp_path / "wide.csv", ",".join(TD_HEAD + [f"x{i}" for i in range(200_000)]) + "\n" + ",".join(TD_ROW) + "\n")
    seps = _csv(tmp_path / "seps.csv", ",".join(TD_HEAD) + "\n" + ",".join(TD_ROW) + "," * 5_000_000 + "\n")
    for f, rec, width in ((wide, 1, 200_005), (seps, 2, 5_000_005)):
        t = time.perf_counter()
        with pytest.raises(DataValidationError) as ei:
            read_tables([f], ["time_deposits"])
        assert time.perf_counter() - t < 10
        assert f"第 {rec} 条记录有 {width:,} 列" in ei.value.message_zh and f.name in ei.value.message_zh
        assert ei.value.excel_row == rec


def test_csv_at_excel_width_still_loads(tmp_path):
    head = TD_HEAD + [f"备注{i}" for i in range(MAX_CSV_COLUMNS - len(TD_HEAD))]
    f = _csv(tmp_path / "w.csv", ",".join(head) + "\n" + ",".join(TD_ROW) + "\n")
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert t.n_rows == 1 and t.df["balance"].tolist() == [100.0]
    note = next(n for n in t.unit_notes if "未使用" in n)
    assert f"有 {MAX_CSV_COLUMNS - len(TD_HEAD)} 列未使用" in note and note.count("「备注") == 30 and " 等" in note


def test_header_notes_is_linear_in_width():
    spec = get_table("time_deposits")

    def timed(n):
        row = np.array(TD_HEAD + [f"其他{i}" for i in range(n)], dtype=object)
        best = 1e9
        for _ in range(3):
            t = time.perf_counter()
            _header_notes(row, spec, _map_row(row, _lookup(spec)))
            best = min(best, time.perf_counter() - t)
        return best

    small, big = timed(4000), timed(16000)
    assert big < 8 * small, (small, big)  # 4x the width: ~4x the time (quadratic was 16x)


# ------------------------------------------------------------------ 6. mixed encodings
def test_utf8_file_with_gbk_rows_is_decoded_per_line(tmp_path):
    head = "账号,客户号,客户名称,机构号,产品,到期日,余额\n".encode()
    utf = "A1,C1,张三,O1,整存整取,2026-12-01,100\n".encode()
    gbk = "A2,C2,李四,O1,大额存单,2026-12-02,200\n".encode("gbk")
    f = tmp_path / "mixed.csv"
    f.write_bytes(head + utf + gbk + utf.replace(b"A1", b"A3") + gbk.replace(b"A2", b"A4"))
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert t.df["product"].tolist() == ["整存整取", "大额存单", "整存整取", "大额存单"]
    assert t.df["cust_name"].tolist() == ["张三", "李四", "张三", "李四"]
    assert any("mixed.csv" in n and "2 行不是有效的 UTF-8" in n and "第 3、5 行" in n for n in t.unit_notes), t.unit_notes


def test_encoding_is_said_in_notes(tmp_path):
    f = _csv(tmp_path / "g.csv", ",".join(TD_HEAD) + "\n" + ",".join(TD_ROW[:2]) + ",营业部,2026-12-01,1\n", "gbk")
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert "文件 g.csv: 编码: GB18030(GBK)" in t.unit_notes
    assert read_raw_csv(f).attrs["encoding"] == "gb18030"


# ------------------------------------------------------------------ 7. the same table from two sources
def test_two_files_named_as_one_table_is_an_error_listing_both(tmp_path):
    """Two files both holding 定期存款明细 with different rows: an error listing both (never the first silently);
    identical copies (e.g. the 机构 sheet every export carries) are one table, read once, said in 说明."""
    import xlsxwriter

    for name, acct in (("a.xlsx", "A1"), ("b.xlsx", "A2"), ("c.xlsx", "A1")):
        wb = xlsxwriter.Workbook(str(tmp_path / name))
        ws = wb.add_worksheet("定期存款明细")
        ws.write_row(0, 0, TD_HEAD)
        ws.write_row(1, 0, [acct] + TD_ROW[1:])
        wb.close()
    with pytest.raises(DataValidationError) as ei:
        read_tables([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], ["time_deposits"])
    msg = ei.value.message_zh
    assert "文件 a.xlsx 工作表 定期存款明细" in msg and "文件 b.xlsx 工作表 定期存款明细" in msg and "多个文件" in msg
    t = read_tables([tmp_path / "a.xlsx", tmp_path / "c.xlsx"], ["time_deposits"])["time_deposits"]
    assert t.n_rows == 1 and t.df["acct_no"].tolist() == ["A1"]
    assert any("内容相同" in n and "c.xlsx" in n for n in t.unit_notes), t.unit_notes


def test_same_file_twice_is_read_once_with_a_note(tmp_path):
    f = _csv(tmp_path / "td.csv", ",".join(TD_HEAD) + "\n" + ",".join(TD_ROW) + "\n")
    link = tmp_path / "link.csv"
    link.symlink_to(f)
    for srcs in ([f, f], [f, link]):
        t = read_tables(srcs, ["time_deposits"])["time_deposits"]
        assert t.n_rows == 1
        assert any("被指定了不止一次" in n for n in t.unit_notes), t.unit_notes


# ------------------------------------------------------------------ 8. invisible characters in headers
def test_bidi_and_zero_width_marks_in_headers_are_ignored(tmp_path):
    head = ["\u200f账号\u200e", "\u202a客户号\u202c", "机构号\u2066\u2069", "到期日\u3000", "\u200b余额"]
    t = read_tables([_csv(tmp_path / "b.csv", ",".join(head) + "\n" + ",".join(TD_ROW) + "\n")],
                    ["time_deposits"])["time_deposits"]
    assert t.df[["acct_no", "cust_id", "org_id", "balance"]].iloc[0].tolist() == ["A1", "C1", "O1", 100.0]


# ------------------------------------------------------------------ 4. control characters in pivot caches
def test_control_characters_keep_every_pivot_part_valid_xml(tmp_path):
    import openpyxl
    from test_pivot import SPECS, build

    from bankxl.report.pivot import check_pivot_package

    df = pd.DataFrame({"分行": ["整存\x07整取", "杭州\x00分行", "a_x0041_b", "宁波分行"], "网点": ["甲", "乙", "丙", "丁"],
                       "月份": ["2024-01"] * 4, "账号": ["A1", "A2", "A3", "A4"], "余额": [1.0, 2.0, 3.0, 4.0]})
    path = tmp_path / "ctrl.xlsx"
    build(path, df, specs=SPECS[:2])
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))  # raises on an XML-illegal character
        cache = z.read("xl/pivotCache/pivotCacheDefinition1.xml").decode()
        cells = z.read("xl/sharedStrings.xml").decode()
    for item in ("整存_x0007_整取", "杭州_x0000_分行", "a_x005F_x0041_b"):  # the cells' escape, so items match
        assert f'<s v="{item}"/>' in cache and f"<t>{item}</t>" in cells, item
    assert check_pivot_package(path) == []
    assert openpyxl.load_workbook(path)["透视"]._pivots  # opens, pivots read


# ------------------------------------------------------------------ 9. writer: permissions, file names
def test_replacing_a_report_keeps_its_mode_and_new_files_get_the_umask(tmp_path):
    from bankxl.report.model import Report, Sheet, Table
    from bankxl.report.xlsx import write_report

    rep = Report(title="t", sheets=[Sheet("表", [Table(pd.DataFrame({"a": [1]}))])])
    path = tmp_path / "secret.xlsx"
    write_report(rep, path)
    old = os.umask(0o022)
    os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o666 & ~old
    path.chmod(0o600)
    write_report(rep, path)
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("text, want", [
    ("存款到期视图_\u202eCOM1.xlsx", "存款到期视图_COM1.xlsx"),
    ("a\u200bb\u200c\u200dc\u2066d\u2069\u200e\u200f\ufeff", "abcd"),
    ("\u202e", "_"),
    ("\u202eCOM1", "_COM1"),
])
def test_safe_filename_drops_bidi_and_zero_width_characters(text, want):
    from bankxl.report.xlsx import safe_filename

    assert safe_filename(text) == want


# ------------------------------------------------------------------ 10. M1: a blank deduction is unknown
def test_m1_blank_tax_is_not_checkable_never_a_mismatch_with_zero():
    from test_m1_salary import payroll, problems, row

    from bankxl.runner import execute
    from bankxl.scenarios.management.salary import SPEC

    # 三险一金 1,400 each; E1 paid 8,500 with 个人所得税 blank: the tax withheld (100) is unknown to the file
    blank = row("2026-01-01", "E1", 10000.0, iit=None, special_additional=None, net=8500.0)
    wrong = row("2026-01-01", "E2", 10000.0, iit=30.0, special_additional=None, net=8600.0)  # 10,000−1,430 = 8,570
    good = row("2026-01-01", "E3", 10000.0, iit=30.0, special_additional=None)              # net 8,570
    rep = execute(SPEC, {"payroll": payroll([blank, wrong, good], excel_first_row=2)}, as_of="2026-01-31")
    sm = problems(rep, "SUM_MISMATCH")
    assert sm["Excel 行号"].tolist() == [3]  # only E2; E1 was flagged (expected 8,600 with tax as 0) before
    mi = problems(rep, "MISSING_ITEM")
    assert mi["Excel 行号"].tolist() == [2] and "个人所得税" in mi["问题说明"].iloc[0]
    mism = rep.tables()["pay_mismatch"].df.set_index("员工号")
    assert mism.loc["E2", "应为(元)"] == 8570.0 and mism.loc["E2", "差额(元)"] == 30.0
    assert mism.loc["E1", "问题码"] == "MISSING_ITEM" and pd.isna(mism.loc["E1", "应为(元)"])
    assert any("扣款项目为空" in n and "不按 0 计" in n for n in rep.notes)
