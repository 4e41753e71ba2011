"""Native PivotTables added headless to an XlsxWriter workbook (bankxl.report.pivot, ECMA-376 Part 1 §18.10).

Independent checks: cross-part consistency (our checker + direct reads), schema (openxml-audit), openpyxl,
LibreOffice (pivot understood -> <table:data-pilot-table>; numbers recomputed from the source range and,
with the source sheet made unreachable, from the cache records alone) and pandas.pivot_table.
"""

from __future__ import annotations

import importlib.util
import datetime
import math
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
import xlsxwriter

from lo_util import convert, data_pilot_tables, require_soffice, sheet_csv

from bankxl.report.pivot import (
    DataField,
    PivotPlacement,
    PivotSpec,
    add_pivots,
    check_pivot_package,
    pivot_grid,
    pivot_location,
)

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

SOURCE_SHEET, PIVOT_SHEET = "明细", "透视"

SPECS = (
    PivotSpec(
        "分行网点月度",
        rows=("分行", "网点"),
        columns=("月份",),
        values=(DataField("余额", "sum", "余额合计(元)", "#,##0.00"), DataField("账号", "count", "笔数")),
        field_captions={"分行": "分行名称"},
    ),
    PivotSpec("分行余额", rows=("分行",), values=(DataField("余额", "sum", "余额合计(元)", "#,##0.00"),)),
    PivotSpec("分行月均", rows=("分行",), columns=("月份",), values=(DataField("余额", "average"),)),
    PivotSpec("网点两项", rows=("网点",), values=(DataField("余额"), DataField("账号", "count", "笔数"))),
)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    rows = [
        ("杭州分行", "西湖支行", "2024-01", "A001", 100.5),
        ("杭州分行", "西湖支行", "2024-02", "A002", 200.25),
        ("杭州分行", "滨江支行", "2024-01", "A003", 300.0),
        ("杭州分行", "滨江支行", "2024-02", "A004", 70.0),
        ("杭州分行", "滨江支行", "2024-02", "A005", None),  # blank balance: counted, not summed
        ("宁波分行", "海曙支行", "2024-01", "B001", 400.0),
        ("宁波分行", "海曙支行", "2024-02", "B002", 50.0),
        ("宁波分行", "江北支行", "2024-01", "B003", 80.0),
        ("宁波分行", "江北支行", "2024-01", "B004", 1234567.89),
        ("温州分行", "鹿城支行", "2024-02", "C001", 60.0),
    ]
    return pd.DataFrame(rows, columns=["分行", "网点", "月份", "账号", "余额"])


def build(path: Path, df: pd.DataFrame, specs=SPECS, prewrite: bool = True) -> list[str]:
    """Write source + (optionally) pre-written pivot values with XlsxWriter, then add the pivots.
    Returns the pivots' location refs."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime.datetime(2026, 11, 30)})  # byte-stable: no clock in core.xml
    src, pv = wb.add_worksheet(SOURCE_SHEET), wb.add_worksheet(PIVOT_SHEET)
    money = wb.add_format({"num_format": "#,##0.00"})
    src.write_row(0, 0, list(df.columns))
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if not (v is None or (isinstance(v, float) and math.isnan(v))):
                src.write(i, j, v)
    placements, refs, top = [], [], 2
    for spec in specs:
        grid = pivot_grid(df, spec)
        if prewrite:
            for i, row in enumerate(grid):
                for j, v in enumerate(row):
                    if v is not None:
                        pv.write(top + i, j, v, money if isinstance(v, float) else None)
        cell = f"A{top + 1}"
        placements.append(PivotPlacement(spec, SOURCE_SHEET, f"A1:E{len(df) + 1}", df, PIVOT_SHEET, cell))
        refs.append(pivot_location(df, spec, cell))
        top += len(grid) + 3
    wb.close()
    add_pivots(path, placements)
    return refs


@pytest.fixture(scope="module")
def book(tmp_path_factory, df) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("pivot") / "透视报表.xlsx"
    return path, build(path, df)


def replace_in_part(src: Path, dst: Path, part: str, old: str, new: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                assert old.encode() in data, f"{old!r} not in {part}"
                data = data.replace(old.encode(), new.encode(), 1)
            zout.writestr(info, data)


# ------------------------------------------------------------------ expected numbers (pandas) & grid parsing
def data_names(spec: PivotSpec) -> list[str]:
    prefix = {"sum": "求和项", "count": "计数项", "average": "平均值项"}
    return [v.caption or f"{prefix[v.agg]}:{v.field}" for v in spec.values]


def expected_cells(df: pd.DataFrame, spec: PivotSpec) -> dict:
    """(row labels | '总计', column labels | '总计', data index) -> value, from pandas.pivot_table."""
    out = {}
    aggfunc = {"sum": "sum", "count": "count", "average": "mean"}
    for d, v in enumerate(spec.values):
        pt = pd.pivot_table(df, index=list(spec.rows), columns=list(spec.columns) or None, values=v.field,
                            aggfunc=aggfunc[v.agg], margins=True, margins_name="总计", dropna=False)
        if isinstance(pt, pd.Series):
            pt = pt.to_frame()
        for rkey, row in pt.iterrows():
            rkey = rkey if isinstance(rkey, tuple) else (rkey,)
            rk = "总计" if rkey[0] == "总计" else rkey
            for ckey, val in row.items():
                if spec.columns:
                    ckey = ckey if isinstance(ckey, tuple) else (ckey,)
                    ckey = ckey[-len(spec.columns):]
                    ck = "总计" if ckey[0] == "总计" else ckey
                else:
                    ck = ()
                if pd.notna(val) and not (v.agg == "count" and val == 0):
                    out[(rk, ck, d)] = float(val)
    return out


def _num(v):
    if v is None or v == "":
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v).replace(",", ""))
    except ValueError:
        return v


def grid_cells(grid: list[list], spec: PivotSpec) -> dict:
    """Read a pivot laid out in tabular form (ours, or LibreOffice's export) back into expected_cells' shape.
    LibreOffice's English labels ('Total Result', 'Total X', 'Data') are mapped to Excel's Chinese ones."""
    names = data_names(spec)
    nr, nc, nv = len(spec.rows), len(spec.columns), len(spec.values)
    cf = nc + (1 if nv >= 2 else 0)
    fdr, fdc = (1 + cf if cf else 1), nr

    def label(v):
        v = "" if v is None else str(v)
        if v in ("总计", "Total Result"):
            return "总计"
        for d, n in enumerate(names):
            if v in (f"{n}汇总", f"Total {n}"):
                return ("总计", d)
        return v

    col_keys = []
    if cf == 0:
        col_keys = [((), 0)]
    else:
        cur = [None] * cf
        for j in range(fdc, len(grid[0])):
            top = label(grid[1][j])
            if top == "总计" or isinstance(top, tuple):
                col_keys.append(("总计", 0 if top == "总计" else top[1]))
                continue
            for h in range(cf):
                if grid[1 + h][j] not in (None, ""):
                    cur[h:] = [grid[1 + h][j]] + [None] * (cf - h - 1)
            ck = tuple(str(x) for x in cur[:nc])
            col_keys.append((ck, names.index(str(cur[nc])) if nv >= 2 else 0))
    out = {}
    cur_r = [None] * nr
    for i in range(fdr, len(grid)):
        row = grid[i]
        if label(row[0]) == "总计":
            rk = "总计"
        else:
            for h in range(nr):
                if row[h] not in (None, ""):
                    cur_r[h:] = [row[h]] + [None] * (nr - h - 1)
            rk = tuple(str(x) for x in cur_r)
        for j, (ck, d) in enumerate(col_keys):
            v = _num(row[fdc + j])
            if v is not None:
                out[(rk, ck, d)] = v
    return out


def assert_same_cells(got: dict, want: dict) -> None:
    assert set(got) == set(want), (sorted(set(got) ^ set(want), key=str))
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=1e-9), k


# ------------------------------------------------------------------ 6. pivot_grid vs pandas
@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_pivot_grid_matches_pandas_pivot_table(df, spec):
    grid = pivot_grid(df, spec)
    assert len({len(r) for r in grid}) == 1
    assert_same_cells(grid_cells(grid, spec), expected_cells(df, spec))


def test_pivot_grid_layout_tabular_with_values_on_columns(df):
    grid = pivot_grid(df, SPECS[0])
    assert grid[0][:4] == [None, None, "月份", "值"]
    assert grid[1][2:] == ["2024-01", None, "2024-02", None, "余额合计(元)汇总", "笔数汇总"]
    assert grid[2] == ["分行名称", "网点", "余额合计(元)", "笔数", "余额合计(元)", "笔数", None, None]
    assert grid[3][:2] == ["宁波分行", "江北支行"] and grid[4][:2] == [None, "海曙支行"]  # outer label once
    assert grid[-1][0] == "总计" and grid[-1][-1] == len(df)
    assert pivot_grid(df, SPECS[1])[0] == ["分行", "余额合计(元)"]
    assert pivot_grid(df, SPECS[2])[0][:2] == ["平均值项:余额", "月份"]


def test_spec_validation(df):
    with pytest.raises(ValueError):
        PivotSpec("x", rows=())
    with pytest.raises(ValueError):
        DataField("余额", "median")
    with pytest.raises(ValueError, match="not a source column"):
        pivot_grid(df, PivotSpec("x", rows=("机构",), values=(DataField("余额"),)))
    with pytest.raises(ValueError, match="non-numeric"):
        pivot_grid(df, PivotSpec("x", rows=("分行",), values=(DataField("网点"),)))


def test_caption_clashing_with_field_name_gets_excel_trailing_space(df):
    grid = pivot_grid(df, PivotSpec("x", rows=("分行",), values=(DataField("余额", caption="余额"),)))
    assert grid[0] == ["分行", "余额 "]


# ------------------------------------------------------------------ 1. package consistency
def test_package_consistency(book, df):
    path, refs = book
    assert check_pivot_package(path) == []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        children = [c.tag.replace(M, "") for c in wb]
        assert children.index("pivotCaches") > children.index("calcPr")
        caches = {pc.get("cacheId") for pc in wb.iter(f"{M}pivotCache")}
        assert len(caches) == 1  # all four pivots share one source range -> one cache
        ct = z.read("[Content_Types].xml").decode()
        defn = ET.fromstring(z.read("xl/pivotCache/pivotCacheDefinition1.xml"))
        assert defn.get("refreshOnLoad") == "1" and defn.get("recordCount") == str(len(df))
        assert defn.find(f"{M}cacheSource/{M}worksheetSource").get("sheet") == SOURCE_SHEET
        fields = defn.findall(f"{M}cacheFields/{M}cacheField")
        assert [f.get("name") for f in fields] == list(df.columns)
        for f in fields:
            assert f.find(f"{M}sharedItems").get("count") != "0"  # openpyxl quirk must not appear
        shared = [len(f.find(f"{M}sharedItems")) for f in fields]
        recs = ET.fromstring(z.read("xl/pivotCache/pivotCacheRecords1.xml"))
        assert len(recs) == len(df) == int(recs.get("count"))
        for r in recs:
            for k, v in enumerate(r):
                if v.tag == f"{M}x":
                    assert 0 <= int(v.get("v")) < shared[k]
        for n in range(1, len(SPECS) + 1):
            part = f"xl/pivotTables/pivotTable{n}.xml"
            assert part in names and f'PartName="/{part}"' in ct
            pt = ET.fromstring(z.read(part))
            assert pt.get("cacheId") in caches
            assert pt.find(f"{M}location").get("ref") == refs[n - 1]
            assert pt.find(f"{M}pivotTableStyleInfo").get("name") == "PivotStyleMedium9"
        sheet_rels = z.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
        assert sheet_rels.count("relationships/pivotTable") == len(SPECS)


def test_pivot_table_items_and_location_exact(book, df):
    path, _ = book
    with zipfile.ZipFile(path) as z:
        pt = ET.fromstring(z.read("xl/pivotTables/pivotTable1.xml"))
    loc = pt.find(f"{M}location")
    assert (loc.get("ref"), loc.get("firstHeaderRow"), loc.get("firstDataRow"), loc.get("firstDataCol")) == (
        "A3:H11", "1", "3", "2")
    assert [f.get("x") for f in pt.findall(f"{M}colFields/{M}field")] == ["2", "-2"]
    xml = ET.tostring(pt.find(f"{M}colItems"), encoding="unicode").replace(f' xmlns:ns0="{M[1:-1]}"', "")
    xml = xml.replace("ns0:", "")
    assert xml == ('<colItems count="6"><i><x /><x /></i><i r="1" i="1"><x v="1" /></i><i><x v="1" /><x /></i>'
                   '<i r="1" i="1"><x v="1" /></i><i t="grand"><x /></i><i t="grand" i="1"><x /></i></colItems>')
    assert len(pt.findall(f"{M}rowItems/{M}i")) == 6  # 5 outlets + 总计
    grid = pivot_grid(df, SPECS[0])
    assert (len(grid), len(grid[0])) == (9, 8)  # A3:H11


def test_other_parts_copied_byte_for_byte(tmp_path, df):
    path = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet(SOURCE_SHEET).write_row(0, 0, list(df.columns))
    wb.add_worksheet(PIVOT_SHEET)
    wb.close()
    with zipfile.ZipFile(path) as z:
        before = {n: z.read(n) for n in z.namelist()}
    # empty source table: the report must still build (header + 总计 row only)
    empty = df.iloc[:0]
    add_pivots(path, [PivotPlacement(SPECS[0], SOURCE_SHEET, "A1:E1", empty, PIVOT_SHEET, "B2")])
    with zipfile.ZipFile(path) as z:
        after = {n: z.read(n) for n in z.namelist()}
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert check_pivot_package(path) == []
    assert not list(tmp_path.glob(".pivot-*"))  # temp file moved into place
    if importlib.util.find_spec("openxml_audit"):
        assert _audit_errors(path) == []


def test_second_round_adds_new_cache_and_stays_consistent(tmp_path, df):
    path = tmp_path / "b.xlsx"
    build(path, df, specs=SPECS[:1])
    add_pivots(path, [PivotPlacement(SPECS[1], SOURCE_SHEET, f"A1:E{len(df) + 1}", df, SOURCE_SHEET, "H2")])
    assert check_pivot_package(path) == []
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        assert wb.count("<pivotCaches>") == 1 and 'cacheId="1"' in wb and 'cacheId="2"' in wb
        assert "xl/pivotTables/pivotTable2.xml" in z.namelist()


def test_source_ref_must_match_dataframe(tmp_path, df):
    path = tmp_path / "c.xlsx"
    build(path, df, specs=())
    with pytest.raises(ValueError, match="header row included"):
        add_pivots(path, [PivotPlacement(SPECS[1], SOURCE_SHEET, f"A1:E{len(df)}", df, PIVOT_SHEET, "A1")])
    with pytest.raises(ValueError, match="no sheet"):
        add_pivots(path, [PivotPlacement(SPECS[1], "无此表", f"A1:E{len(df) + 1}", df, PIVOT_SHEET, "A1")])


# ------------------------------------------------------------------ 2. schema (openxml-audit)
def _audit_errors(path: Path) -> list[str]:
    from openxml_audit import OpenXmlValidator

    result = OpenXmlValidator().validate(str(path))
    return [f"{getattr(e, 'part_uri', '')}: {e.description}" for e in result.errors
            if e.severity.name == "ERROR"]


def test_schema_valid_openxml_audit(book, tmp_path):
    pytest.importorskip("openxml_audit")
    path, _ = book
    assert _audit_errors(path) == []
    # ... and the validator really reads the pivot parts: a planted element is reported.
    bad = tmp_path / "bad.xlsx"
    replace_in_part(path, bad, "xl/pivotTables/pivotTable1.xml", "<pivotTableStyleInfo", "<bogus/><pivotTableStyleInfo")
    assert any("bogus" in e for e in _audit_errors(bad))


# ------------------------------------------------------------------ 4. openpyxl
def test_openpyxl_sees_pivots(book, df):
    openpyxl = pytest.importorskip("openpyxl")
    path, _ = book
    ws = openpyxl.load_workbook(path)[PIVOT_SHEET]
    assert sorted(p.name for p in ws._pivots) == sorted(s.name for s in SPECS)
    p = ws._pivots[0]
    assert p.cache.refreshOnLoad and p.cache.recordCount == len(df)
    assert len(p.cache.records.r) == len(df)


# ------------------------------------------------------------------ 5. broken cacheId is caught
def test_checker_catches_broken_cache_id(book, tmp_path):
    path, _ = book
    bad = tmp_path / "bad_cacheid.xlsx"
    replace_in_part(path, bad, "xl/pivotTables/pivotTable1.xml", 'cacheId="1"', 'cacheId="99"')
    problems = check_pivot_package(bad)
    assert any("pivotTable1.xml" in p and "cacheId=99" in p for p in problems), problems


def test_checker_catches_bad_record_index_and_location(book, tmp_path):
    path, _ = book
    bad = tmp_path / "bad_index.xlsx"
    replace_in_part(path, bad, "xl/pivotCache/pivotCacheRecords1.xml", '<r><x v="1"/>', '<r><x v="7"/>')
    assert any("outside sharedItems" in p for p in check_pivot_package(bad))
    bad2 = tmp_path / "bad_loc.xlsx"
    replace_in_part(path, bad2, "xl/pivotTables/pivotTable1.xml", 'ref="A3:H11"', 'ref="A3:H10"')
    assert any("location A3:H10" in p for p in check_pivot_package(bad2))


# ------------------------------------------------------------------ 3. LibreOffice
@pytest.fixture
def soffice():
    require_soffice("LibreOffice (soffice) not installed: install libreoffice-calc to run the pivot checks")
    return convert


def _block(rows: list[list[str]], ref: str) -> list[list]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)", ref.split(".")[-1] if "." in ref else ref)

    def col(s: str) -> int:
        return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(s)))

    c1, r1, c2, r2 = col(m.group(1)), int(m.group(2)), col(m.group(3)), int(m.group(4))
    padded = [r + [""] * (c2 - len(r)) for r in rows] + [[""] * c2] * max(0, r2 - len(rows))
    return [[v if v != "" else None for v in padded[r - 1][c1 - 1:c2]] for r in range(r1, r2 + 1)]


@pytest.mark.libreoffice
def test_libreoffice_understands_pivots(book, soffice, tmp_path):
    path, refs = book
    found = data_pilot_tables(soffice, path, tmp_path / "ods")
    assert set(found) == {s.name for s in SPECS}
    for spec, ref in zip(SPECS, refs):
        start, end = ref.split(":")
        assert found[spec.name] == f"{PIVOT_SHEET}.{start}:{PIVOT_SHEET}.{end}"


@pytest.mark.libreoffice
def test_libreoffice_recomputes_same_numbers_from_source(df, soffice, tmp_path):
    path = tmp_path / "无预写.xlsx"
    refs = build(path, df, prewrite=False)  # nothing pre-written: every number below is LibreOffice's
    rows = sheet_csv(soffice, path, tmp_path / "csv", 2)
    for spec, ref in zip(SPECS, refs):
        assert_same_cells(grid_cells(_block(rows, ref), spec), expected_cells(df, spec))


@pytest.mark.libreoffice
def test_libreoffice_rebuilds_from_cache_records_alone(df, soffice, tmp_path):
    path = tmp_path / "仅缓存.xlsx"
    refs = build(path, df, prewrite=False)
    cache_only = tmp_path / "cache_only.xlsx"
    replace_in_part(path, cache_only, "xl/pivotCache/pivotCacheDefinition1.xml",
                    f'sheet="{SOURCE_SHEET}"', 'sheet="不存在的表"')
    rows = sheet_csv(soffice, cache_only, tmp_path / "csv", 2)
    for spec, ref in zip(SPECS, refs):
        assert_same_cells(grid_cells(_block(rows, ref), spec), expected_cells(df, spec))


@pytest.mark.libreoffice
def test_libreoffice_drops_pivot_with_broken_cache_id(book, soffice, tmp_path):
    path, _ = book
    bad = tmp_path / "bad_cacheid.xlsx"
    replace_in_part(path, bad, "xl/pivotTables/pivotTable1.xml", 'cacheId="1"', 'cacheId="99"')
    found = data_pilot_tables(soffice, bad, tmp_path / "ods")
    assert SPECS[0].name not in found  # the data-pilot check fails for the broken pivot ...
    assert check_pivot_package(bad)  # ... and the consistency checker reports it


def _lo_to_excel_labels(block: list[list], spec: PivotSpec) -> list[list]:
    """LibreOffice 7.x writes English captions and ignores custom field names (pivotField/@name);
    map them to what Excel shows."""
    names = data_names(spec)
    fixed = {"Total Result": "总计", "Data": "值", "(empty)": "(空白)", **spec.field_captions}
    fixed.update({f"Total {n}": f"{n}汇总" for n in names})
    return [[fixed.get(v, _num(v)) if v is not None else None for v in row] for row in block]


def _floats(grid: list[list]) -> list[list]:
    """Numbers to float rounded to 12 significant digits (LibreOffice's CSV writes 15)."""
    def norm(v):
        v = _num(v)
        return float(f"{v:.12g}") if isinstance(v, float) else v
    return [[norm(v) for v in row] for row in grid]


@pytest.mark.libreoffice
def test_libreoffice_layout_equals_pivot_grid(df, soffice, tmp_path):
    """LibreOffice lays the pivot out cell for cell where pivot_grid says Excel does."""
    path = tmp_path / "布局.xlsx"
    refs = build(path, df, prewrite=False)
    rows = sheet_csv(soffice, path, tmp_path / "csv", 2)
    for spec, ref in zip(SPECS, refs):
        assert _floats(_lo_to_excel_labels(_block(rows, ref), spec)) == _floats(pivot_grid(df, spec)), spec.name


@pytest.mark.libreoffice
def test_libreoffice_cache_alone_numeric_axis_and_blank_items(soffice, tmp_path):
    df = pd.DataFrame({"年度": [2023, 2024, 2024, 2023, 2024], "机构": ["甲", "乙", None, "甲", "乙"],
                       "金额": [1.5, 2.0, 3.0, None, 5.0]})
    spec = PivotSpec("边界", rows=("机构",), columns=("年度",),
                     values=(DataField("金额", "sum"), DataField("金额", "count", "个数")))
    path = tmp_path / "edge.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    src = wb.add_worksheet("src")
    wb.add_worksheet("pv")
    src.write_row(0, 0, list(df.columns))
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if not pd.isna(v):
                src.write(i, j, v)
    wb.close()
    add_pivots(path, [PivotPlacement(spec, "src", "A1:C6", df, "pv", "B2")])
    assert check_pivot_package(path) == []
    grid = pivot_grid(df, spec)
    assert [r[0] for r in grid[3:]] == ["乙", "甲", "(空白)", "总计"]
    cache_only = tmp_path / "edge_cache_only.xlsx"
    replace_in_part(path, cache_only, "xl/pivotCache/pivotCacheDefinition1.xml", 'sheet="src"', 'sheet="nope"')
    ref = pivot_location(df, spec, "B2")
    for f in (path, cache_only):
        rows = sheet_csv(soffice, f, tmp_path / f.stem, 2)
        assert _floats(_lo_to_excel_labels(_block(rows, ref), spec)) == _floats(grid), f.name


def test_output_is_byte_stable(tmp_path, df):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    build(a, df)
    build(b, df)
    assert a.read_bytes() == b.read_bytes()
