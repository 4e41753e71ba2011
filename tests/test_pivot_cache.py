"""The pivot cache written from factorised columns, and the package rewrite that copies members as stored
(bankxl.report.pivot, issue 16 item 5).

Independent checks: cache values and shared items read back from the XML against values written here by
hand; zip members' stored bytes read with a local-header parser of this file; the records part against
a second run with another chunk size; the cache without records through the consistency checker,
openpyxl and LibreOffice.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from lo_util import convert, data_pilot_tables, require_soffice, sheet_csv

from bankxl.report import pivot
from bankxl.report.pivot import DataField, PivotPlacement, PivotSpec, add_pivots, check_pivot_package, pivot_grid

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

SPEC = PivotSpec("边界值", rows=("机构",), columns=("年度",),
                 values=(DataField("金额", "sum"), DataField("代码", "count", "笔数")))


@pytest.fixture
def df() -> pd.DataFrame:
    """Seven rows with the values the cache must get exactly right."""
    return pd.DataFrame({
        # mixed object column: 1 and "1" are one item, "" and None blank, XML specials, a control character
        "机构": pd.Series(["b", 1, "1", "", None, 'a&<"', "x\x07y"], dtype=object),
        # a literal _xHHHH_ run is escaped as _x005F_xHHHH_; "\ue000" is the fast path's separator
        "代码": ["_x0041_", "p\ue000q", "p", "q", "p", "p", "_x0041_"],
        "年度": [2024, 2023, 2024, 2025, 2023, 2024, 2023],  # numbers on an axis: shared items
        "金额": [0.1, -0.0, 1e16, 2.5, np.nan, np.inf, 3.0],  # inline numbers; NaN and inf blank
        "标记": pd.array([True, False, None, True, True, False, None], dtype="boolean"),
        "时间": pd.to_datetime(["2026-11-30 08:00", "2026-11-30 00:00", None, "2026-12-01 00:00", "2026-11-30 08:00", None,
                              "2026-12-01 00:00"]),
    })


def _write(path: Path, df: pd.DataFrame, **kw) -> None:
    wb = xlsxwriter.Workbook(str(path))
    src = wb.add_worksheet("src")
    wb.add_worksheet("pv")
    src.write_row(0, 0, list(df.columns))
    for i in range(len(df)):
        src.write_number(i + 1, 2, float(df["年度"].iloc[i]))
        for j in range(300):  # enough data for the deflate level to show in the stored bytes
            src.write_string(i + 1, 10 + j, f"填充{i}-{j}")
    wb.close()
    add_pivots(path, [PivotPlacement(SPEC, "src", f"A1:F{len(df) + 1}", df, "pv", "B2")], **kw)


def _read_cache(path: Path) -> tuple[dict[str, dict], dict[str, list]]:
    """Per cache field: sharedItems attributes + items; per field: its value in every record (text as
    stored, None for blank)."""
    with zipfile.ZipFile(path) as z:
        d = ET.fromstring(z.read("xl/pivotCache/pivotCacheDefinition1.xml"))
        r = ET.fromstring(z.read("xl/pivotCache/pivotCacheRecords1.xml"))
    fields = {}
    for cf in d.iter(f"{M}cacheField"):
        si = cf.find(f"{M}sharedItems")
        fields[cf.get("name")] = {"attrs": dict(si.attrib),
                                  "items": [None if e.tag == f"{M}m" else e.get("v") for e in si]}
    names = list(fields)
    values: dict[str, list] = {n: [] for n in names}
    for rec in r:
        assert len(rec) == len(names)
        for n, e in zip(names, rec):
            if e.tag == f"{M}x":
                values[n].append(fields[n]["items"][int(e.get("v"))])
            else:
                values[n].append(None if e.tag == f"{M}m" else e.get("v"))
    return fields, values


def test_cache_values_and_items_by_hand(tmp_path, df):
    path = tmp_path / "edge.xlsx"
    _write(path, df)
    assert check_pivot_package(path) == []
    fields, values = _read_cache(path)
    assert values == {
        "机构": ["b", "1", "1", None, None, 'a&<"', "x_x0007_y"],
        "代码": ["_x005F_x0041_", "p\ue000q", "p", "q", "p", "p", "_x005F_x0041_"],
        "年度": ["2024", "2023", "2024", "2025", "2023", "2024", "2023"],
        "金额": ["0.1", "0", "1e+16", "2.5", None, None, "3"],
        "标记": ["TRUE", "FALSE", None, "TRUE", "TRUE", "FALSE", None],
        "时间": ["2026-11-30 08:00:00", "2026-11-30 00:00:00", None, "2026-12-01 00:00:00",
               "2026-11-30 08:00:00", None, "2026-12-01 00:00:00"],
    }
    # items in code-point / numeric order, blank last
    assert fields["机构"]["items"] == ["1", 'a&<"', "b", "x_x0007_y", None]
    assert fields["代码"]["items"] == ["_x005F_x0041_", "p", "p\ue000q", "q"]
    assert fields["年度"]["items"] == ["2023", "2024", "2025"]
    assert fields["标记"]["items"] == ["FALSE", "TRUE", None]
    assert fields["时间"]["items"] == ["2026-11-30 00:00:00", "2026-11-30 08:00:00", "2026-12-01 00:00:00", None]
    assert fields["金额"]["items"] == []  # not on an axis: stored inline
    assert fields["年度"]["attrs"] == {"containsSemiMixedTypes": "0", "containsString": "0", "containsNumber": "1",
                                     "containsInteger": "1", "minValue": "2023", "maxValue": "2025", "count": "3"}
    assert fields["金额"]["attrs"] == {"containsString": "0", "containsBlank": "1", "containsNumber": "1",
                                     "minValue": "0", "maxValue": "1e+16"}
    assert fields["机构"]["attrs"] == {"containsBlank": "1", "count": "5"}
    # the layout uses the same items: labels as in the cells, blank as Excel's (空白)
    grid = pivot_grid(df, SPEC)
    assert [row[0] for row in grid[3:]] == ["1", 'a&<"', "b", "x\x07y", "(空白)", "总计"]
    assert grid[1][1:6:2] == [2023, 2024, 2025]
    assert grid[3] == ["1", 0, 1, 1e16, 1, None, None, 1e16, 2]  # -0.0 in 2023, 1e16 in 2024
    assert grid[4] == ['a&<"', None, None, None, 1, None, None, None, 1]  # inf is blank: counted 代码 only


def test_records_do_not_depend_on_chunk_size(tmp_path, df, monkeypatch):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _write(a, df)
    monkeypatch.setattr(pivot, "_RECORD_ROWS", 2)  # 7 rows: chunks of 2, 2, 2, 1
    _write(b, df)
    assert a.read_bytes() == b.read_bytes()


def _stored(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """Member -> (CRC, compressed size, compressed bytes as stored), read from the local headers."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            head = f.read(30)
            assert head[:4] == b"PK\x03\x04"
            name_len, extra_len = struct.unpack("<HH", head[26:30])
            f.seek(info.header_offset + 30 + name_len + extra_len)
            out[info.filename] = (info.CRC, info.compress_size, f.read(info.compress_size))
    return out


def _filler_workbook(path: Path, df, rows: int) -> Path:
    """An XlsxWriter workbook at ``path``: sheet src with ``df``'s header and ``rows - 1`` rows of 20 filler
    texts from column G (members worth compressing), and an empty sheet pv for the pivot."""
    wb = xlsxwriter.Workbook(str(path))
    src = wb.add_worksheet("src")
    wb.add_worksheet("pv")
    src.write_row(0, 0, list(df.columns))
    for i in range(1, rows):
        src.write_row(i, 6, [f"行{i}列{j}" for j in range(20)])
    wb.close()
    return path


def _deflated_at_level_1(source: Path, zout: zipfile.ZipFile) -> None:
    """Every member of the zip at ``source`` written into ``zout`` deflated at level 1 (zlib's default is 6)."""
    with zipfile.ZipFile(source) as zin:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def test_unchanged_members_copied_as_stored(tmp_path, df):
    """Members not edited keep their compressed bytes: the workbook is not inflated and deflated again.
    The input is deflated at level 1, so re-deflating (at zlib's default level 6) would change them."""
    path = tmp_path / "level1.xlsx"
    with zipfile.ZipFile(path, "w") as zout:
        _deflated_at_level_1(_filler_workbook(tmp_path / "first.xlsx", df, 400), zout)
    before = _stored(path)
    add_pivots(path, [PivotPlacement(SPEC, "src", f"A1:F{len(df) + 1}", df, "pv", "B2")])
    after = _stored(path)
    assert {n for n in before if before[n] != after[n]} == {
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert set(after) - set(before) == {
        "xl/pivotCache/pivotCacheDefinition1.xml", "xl/pivotCache/pivotCacheRecords1.xml",
        "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels", "xl/pivotTables/pivotTable1.xml",
        "xl/pivotTables/_rels/pivotTable1.xml.rels", "xl/worksheets/_rels/sheet2.xml.rels"}
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every member's CRC checks
        assert [i.filename for i in z.infolist()][:len(before)] == list(before)  # order kept
    assert check_pivot_package(path) == []


def test_without_records_checker_and_openpyxl(tmp_path, df):
    path = tmp_path / "norec.xlsx"
    _write(path, df, records=False)
    assert check_pivot_package(path) == []
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if "pivotCacheRecords" in n]
        d = ET.fromstring(z.read("xl/pivotCache/pivotCacheDefinition1.xml"))
    assert d.get("saveData") == "0" and d.get(R_ID) is None and d.get("refreshOnLoad") == "1"
    pt = openpyxl.load_workbook(path)["pv"]._pivots[0]
    assert pt.name == SPEC.name and pt.cache.saveData is False


def test_checker_still_requires_records_when_saved_with_data(tmp_path, df):
    path = tmp_path / "rec.xlsx"
    _write(path, df)
    broken = tmp_path / "no_records_part.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/pivotCache/pivotCacheRecords1.xml":
                zout.writestr(info, zin.read(info))
    assert any("does not resolve to pivotCacheRecords" in p or "missing part" in p
               for p in check_pivot_package(broken))


@pytest.mark.libreoffice
def test_libreoffice_same_pivot_without_records(tmp_path):
    require_soffice("LibreOffice (soffice) not installed: install libreoffice-calc to run the pivot checks")
    df = pd.DataFrame({"分行": ["甲", "甲", "乙", "乙", "丙"], "月份": ["01", "02", "01", "01", "02"],
                       "余额": [1.5, 2.0, 4.25, 1.0, 8.0]})
    spec = PivotSpec("余额透视", rows=("分行",), columns=("月份",), values=(DataField("余额", "sum"),))
    rows = {}
    for records in (True, False):
        path = tmp_path / f"r{int(records)}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        src = wb.add_worksheet("src")
        wb.add_worksheet("pv")
        src.write_row(0, 0, list(df.columns))
        for i, row in enumerate(df.itertuples(index=False), start=1):
            src.write_row(i, 0, list(row))
        wb.close()  # nothing pre-written: every number on the pivot sheet is LibreOffice's
        add_pivots(path, [PivotPlacement(spec, "src", "A1:C6", df, "pv", "A1")], records=records)
        assert data_pilot_tables(convert, path, tmp_path / f"ods{int(records)}") == {spec.name: "pv.A1:pv.D6"}
        rows[records] = sheet_csv(convert, path, tmp_path / f"csv{int(records)}", 2)
    assert rows[False] == rows[True]
    assert rows[True][2] == ["丙", "", "8", "8"] and rows[True][5] == ["Total Result", "6.75", "10", "16.75"]


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek/tell: zipfile then writes a data descriptor after every member
    (flag bit 3), as rust_xlsxwriter does."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += b
        return len(b)


def test_members_with_data_descriptors_copied_as_stored(tmp_path, df):
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w") as zout:
        _deflated_at_level_1(_filler_workbook(tmp_path / "first.xlsx", df, 200), zout)
    path = tmp_path / "descriptors.xlsx"
    path.write_bytes(bytes(stream.data))
    with zipfile.ZipFile(path) as z:
        assert all(i.flag_bits & 0x08 for i in z.infolist())
    before = _stored(path)
    add_pivots(path, [PivotPlacement(SPEC, "src", f"A1:F{len(df) + 1}", df, "pv", "B2")])
    after = _stored(path)
    assert {n for n in before if before[n] != after[n]} == {
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        kept = [i for i in z.infolist() if i.filename in before and i.filename != "[Content_Types].xml"
                and not i.filename.startswith("xl/workbook") and "_rels/workbook" not in i.filename]
        assert kept and all(i.flag_bits & 0x08 for i in kept)  # stored form (descriptor included) kept
    assert check_pivot_package(path) == []
    assert openpyxl.load_workbook(path)["pv"]._pivots[0].name == SPEC.name
