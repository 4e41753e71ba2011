"""D2 到期透视: the native PivotTables of a real D2 report, checked end to end (issue 5).

Reports are written by ``bankxl.report.xlsx.write_report`` from the hand-built frame of test_d2_maturity
and from the sample bank (300 customers), and once more with :data:`maturity.report.EXCEL_MAX_ROWS` lowered so the
pivots are built over pre-aggregated rows. Independent checks: cross-part consistency
(``check_pivot_package``), schema (openxml-audit), openpyxl, the pre-written cells and LibreOffice's own
pivot output against ``pandas.pivot_table`` on the detail (the pre-written numbers blanked first so every
number compared is LibreOffice's), the cache records alone (cache source pointed at a missing sheet), and a
broken cacheId that both the checker and LibreOffice must reject. D5's 月度透视 gets the same checks against
its wide 月度分解 table.
"""
from __future__ import annotations

import functools
import importlib.util
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import AS_OF as SAMPLE_AS_OF
from lo_util import convert, data_pilot_tables, require_soffice, sheet_csv
from test_d2_maturity import AS_OF as HAND_AS_OF
from test_d2_maturity import CUSTOMERS, ORGS, make_td
from test_pivot import (
    _audit_errors,
    _block,
    assert_same_cells,
    expected_cells,
    grid_cells,
    replace_in_part,
)

import bankxl.report.pivot as pivot_mod
from bankxl.report.pivot import check_pivot_package
from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenario import RunContext
from bankxl.scenarios.deposit import maturity as m
from bankxl.scenarios.deposit import targets

PIVOT_SHEET = "到期透视"
PIVOT_NAMES = {"到期金额透视", "到期笔数透视"}


# ------------------------------------------------------------------------------------------ building
def hand_tables() -> dict:
    return {"time_deposits": make_td(), "orgs": ORGS, "customers": CUSTOMERS}


def sample_tables(sample_bank) -> dict:
    return {k: v for k, v in sample_bank.items() if k in ("time_deposits", "orgs", "customers")}


def _blank_numbers(grid):
    return [[v if isinstance(v, str) or v is None else None for v in row] for row in grid]


def write(report, path: Path, prewrite_numbers: bool = True) -> Path:
    """write_report; with ``prewrite_numbers=False`` the pivot cells get their labels only (no numbers), so
    whatever numbers LibreOffice shows afterwards are its own."""
    if prewrite_numbers:
        return write_report(report, path)
    real = pivot_mod.pivot_grid
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pivot_mod, "pivot_grid", lambda df, spec: _blank_numbers(real(df, spec)))
        return write_report(report, path)


class Case:
    """One D2 run, the detail its numbers must match, its pivot specs and its workbooks (real + numbers
    blanked)."""

    def __init__(self, label, report, detail, specs, root: Path):
        self.label, self.report, self.detail, self.specs = label, report, detail, specs
        self.path = write(report, root / f"d2_{label}.xlsx")
        self.blank = write(report, root / f"d2_{label}_blank.xlsx", prewrite_numbers=False)


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    r = execute("deposit.maturity", hand_tables(), as_of=HAND_AS_OF)
    return Case("hand", r, r.tables()["maturity_detail"].df, m.pivot_specs(None), tmp_path_factory.mktemp("d2h"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory, sample_bank):
    r = execute("deposit.maturity", sample_tables(sample_bank), as_of=SAMPLE_AS_OF)
    return Case("sample", r, r.tables()["maturity_detail"].df, m.pivot_specs(None), tmp_path_factory.mktemp("d2s"))


def run_with_limit(limit: int):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(m.report, "EXCEL_MAX_ROWS", limit)  # where run() reads it (the package re-exports it)
        return execute("deposit.maturity", hand_tables(), as_of=HAND_AS_OF)


@pytest.fixture(scope="module")
def aggregated(tmp_path_factory, hand):
    """The hand frame with the row limit one below what 到期明细 needs: pivots over 到期汇总. ``detail`` is
    the full detail of the normal run (what the numbers must match)."""
    r = run_with_limit(len(hand.detail) + m.DETAIL_OVERHEAD_ROWS - 1)
    return Case("agg", r, hand.detail, m.pivot_specs(None, pre_aggregated=True), tmp_path_factory.mktemp("d2a"))


@pytest.fixture(params=["hand", "sample", "aggregated"])
def case(request):
    return request.getfixturevalue(request.param)


# ------------------------------------------------------------------------------------------ reading
def pivots_by_name(path: Path) -> dict:
    """Pivot name -> openpyxl TableDefinition of the 到期透视 sheet."""
    ws = openpyxl.load_workbook(path)[PIVOT_SHEET]
    return {p.name: p for p in ws._pivots}


def sheet_rows(path: Path, sheet: str, ref: str) -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [[c.value for c in row] for row in ws[ref]]


NORMAL = m.pivot_specs(None)


def want(case, k: int) -> dict:
    """Expected cells of pivot ``k`` (0 amount, 1 count) from pandas.pivot_table on the full detail (counts
    are counts of 账号, also when the pivot sums 笔数 of pre-aggregated rows)."""
    return expected_cells(case.detail, NORMAL[k])


def plain(ref: str) -> str:
    """'到期透视.A8:到期透视.J14' -> 'A8:J14'."""
    return re.sub(r"[^.:]*\.", "", ref).replace("$", "")


# ------------------------------------------------------------------------------------------ model
def test_specs_captions_chinese():
    amt, cnt = NORMAL
    assert (amt.rows, amt.columns) == (("分行", "支行/网点"), ("到期期间",))
    assert (amt.values[0].field, amt.values[0].caption) == ("金额(万元)", "到期金额(万元)")
    assert (cnt.values[0].field, cnt.values[0].agg, cnt.values[0].caption) == ("账号", "count", "到期笔数")
    _, cnt_agg = m.pivot_specs(None, pre_aggregated=True)
    assert (cnt_agg.values[0].field, cnt_agg.values[0].agg, cnt_agg.values[0].caption) == ("笔数", "sum", "到期笔数")
    assert m.EXCEL_MAX_ROWS == 1_048_576


def test_hand_pivot_cells_by_hand(hand):
    """Worked out from ROWS (as-of 2026-09-09, 万元): A07 and A08 (2024-02-29 + 12 months) are overdue, A10
    matures after 12 months, A04/A05/A13 in 乙支行 and A03 in 甲支行 in 2026-09."""
    amt, cnt = (grid_cells(pivot_mod.pivot_grid(hand.detail, s), s) for s in NORMAL)
    assert cnt == {
        (("一分行", "乙支行"), ("2026-09",), 0): 3, (("一分行", "乙支行"), ("2026-10",), 0): 1,
        (("一分行", "乙支行"), "总计", 0): 4,
        (("一分行", "甲支行"), ("2026-09",), 0): 1, (("一分行", "甲支行"), ("2026-10",), 0): 2,
        (("一分行", "甲支行"), "总计", 0): 3,
        (("二分行", "丙支行"), ("0 已到期未支取",), 0): 2, (("二分行", "丙支行"), ("2027-01",), 0): 1,
        (("二分行", "丙支行"), ("9 12个月以后",), 0): 1, (("二分行", "丙支行"), "总计", 0): 4,
        ("总计", ("0 已到期未支取",), 0): 2, ("总计", ("2026-09",), 0): 4, ("总计", ("2026-10",), 0): 3,
        ("总计", ("2027-01",), 0): 1, ("总计", ("9 12个月以后",), 0): 1, ("总计", "总计", 0): 11,
    }
    assert amt[(("一分行", "乙支行"), ("2026-09",), 0)] == pytest.approx(1.2 + 4.999999 + 5)
    assert amt[(("一分行", "甲支行"), ("2026-10",), 0)] == pytest.approx(15)
    assert amt[(("二分行", "丙支行"), ("0 已到期未支取",), 0)] == pytest.approx(103)
    assert amt[("总计", "总计", 0)] == pytest.approx(247.199999)


# ------------------------------------------------------------------------------------------ pre-aggregation
def test_limit_boundary():
    n = 11  # deposits of the hand frame in 到期明细
    fits = run_with_limit(n + m.DETAIL_OVERHEAD_ROWS)
    assert "maturity_detail" in fits.tables() and m.PIVOT_SOURCE_AGG not in fits.tables()
    assert len(fits.tables()["maturity_detail"].df) == n
    over = run_with_limit(n + m.DETAIL_OVERHEAD_ROWS - 1)
    assert "maturity_detail" not in over.tables() and m.PIVOT_SOURCE_AGG in over.tables()


def test_pre_aggregated_source_and_note(aggregated):
    r = aggregated.report
    names = [s.name for s in r.sheets]
    assert "到期明细" not in names and "到期汇总" in names
    agg = r.tables()[m.PIVOT_SOURCE_AGG].df
    # by hand: (branch, outlet, period) groups of the 11 deposits
    got = {tuple(k): n for *k, n in agg[["分行", "支行/网点", "到期期间", "笔数"]].itertuples(index=False)}
    assert got == {("一分行", "乙支行", "2026-09"): 3, ("一分行", "乙支行", "2026-10"): 1,
                   ("一分行", "甲支行", "2026-09"): 1, ("一分行", "甲支行", "2026-10"): 2,
                   ("二分行", "丙支行", "0 已到期未支取"): 2, ("二分行", "丙支行", "2027-01"): 1,
                   ("二分行", "丙支行", "9 12个月以后"): 1}
    assert "余额(元)" not in agg  # one money column (issue 16 item 6): 2,471,999.99 元
    assert agg["金额(万元)"].sum() == pytest.approx(247.199999)
    row = agg[(agg["支行/网点"] == "乙支行") & (agg["到期期间"] == "2026-09")]
    assert row["金额(万元)"].item() * 10_000 == pytest.approx(12_000 + 49_999.99 + 50_000)
    note = next(n for n in r.notes if "预汇总" in n)
    limit = 11 + m.DETAIL_OVERHEAD_ROWS - 1  # the lowered limit of the fixture
    assert "11 笔" in note and f"上限 {limit} 行" in note and "求和项:笔数" in note and "预汇总的 7 行" in note
    blocks = [b for s in r.sheets if s.name == PIVOT_SHEET for b in s.blocks]
    pivots = [b for b in blocks if hasattr(b, "spec")]
    assert {b.source for b in pivots} == {m.PIVOT_SOURCE_AGG}
    assert [b.spec.values[0].agg for b in pivots] == ["sum", "sum"]


def test_pre_aggregated_pivot_equals_detail_pivot(aggregated, hand):
    """Same cells (labels and numbers) as the pivot over the full detail."""
    agg = aggregated.report.tables()[m.PIVOT_SOURCE_AGG].df
    for k in (0, 1):
        got = grid_cells(pivot_mod.pivot_grid(agg, aggregated.specs[k]), aggregated.specs[k])
        assert_same_cells(got, want(hand, k))


def test_pre_aggregated_source_is_built_without_the_detail(sample, sample_bank):
    """Issue 16: when 到期明细 does not fit (limit lowered to one row short of the sample's detail) it is not
    written, so it is not built either (detail_table must not run), and 到期汇总 equals
    aggregate_for_pivot over the detail of the normal run: keys, 笔数 and row order exactly, the sums to the cent
    (they are added in input order instead of the detail's sorted order: the last bit of a float may differ)."""
    def refuse(*a, **k):
        raise AssertionError("detail_table built although 到期明细 is not written")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(m.report, "EXCEL_MAX_ROWS", len(sample.detail) + m.DETAIL_OVERHEAD_ROWS - 1)
        mp.setattr(m.report, "detail_table", refuse)
        r = execute("deposit.maturity", sample_tables(sample_bank), as_of=SAMPLE_AS_OF)
    got = r.tables()[m.PIVOT_SOURCE_AGG].df
    want = m.aggregate_for_pivot(sample.detail, RunContext(as_of=pd.Timestamp(SAMPLE_AS_OF)))
    assert len(got) > 10 and m.PIVOT_SOURCE_DETAIL not in r.tables()
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0.0)  # floats; the rest exact
    money = ["金额(万元)"]
    assert (got[money] - want[money]).abs().max().max() < 1e-9


def test_aggregate_keeps_blank_keys():
    c = RunContext(as_of=pd.Timestamp(HAND_AS_OF))
    det = pd.DataFrame({"分行": pd.array(["甲", None, None], dtype="string"),
                        "支行/网点": pd.array(["a", "b", "b"], dtype="string"),
                        "到期期间": pd.array(["2026-10"] * 3, dtype="string"),
                        "金额(万元)": [1.0, 2.0, 3.0]})
    out = m.aggregate_for_pivot(det, c)
    assert len(out) == 2 and out["笔数"].tolist() == [1, 2] and out["金额(万元)"].tolist() == [1.0, 5.0]
    assert out["分行"].isna().tolist() == [False, True]


# ------------------------------------------------------------------------------------------ package, schema, openpyxl
def test_package_consistent(case):
    assert check_pivot_package(case.path) == []
    assert check_pivot_package(case.blank) == []


def test_schema_valid_openxml_audit(case):
    pytest.importorskip("openxml_audit")
    assert _audit_errors(case.path) == []


def test_openpyxl_sees_pivots(case):
    pv = pivots_by_name(case.path)
    assert set(pv) == PIVOT_NAMES
    source = case.report.tables()[
        m.PIVOT_SOURCE_AGG if case.label == "agg" else m.PIVOT_SOURCE_DETAIL].df
    for name, spec in zip(("到期金额透视", "到期笔数透视"), case.specs):
        p = pv[name]
        assert p.cache.refreshOnLoad and p.cache.recordCount == len(source) == len(p.cache.records.r)
        assert [f.name for f in p.cache.cacheFields] == [str(c) for c in source.columns]
        assert [d.name for d in p.dataFields] == [spec.values[0].caption]  # Chinese captions
        src_sheet = "到期汇总" if case.label == "agg" else "到期明细"
        assert p.cache.cacheSource.worksheetSource.sheet == src_sheet


def test_prewritten_cells_equal_pandas(case):
    """What a user sees before any refresh (Protected View): the pre-written cells."""
    pv = pivots_by_name(case.path)
    for k, name in enumerate(("到期金额透视", "到期笔数透视")):
        rows = sheet_rows(case.path, PIVOT_SHEET, pv[name].location.ref)
        assert_same_cells(grid_cells(rows, case.specs[k]), want(case, k))
        assert rows[1][:2] == ["分行", "支行/网点"] and rows[-1][0] == "总计"


# ------------------------------------------------------------------------------------------ LibreOffice
@pytest.fixture(scope="module")
def lo():
    require_soffice("LibreOffice (soffice) not installed: install libreoffice-calc to run the D2 pivot checks")
    return functools.partial(convert, timeout=300)


def _sheet_no(path: Path) -> int:
    return openpyxl.load_workbook(path, read_only=True).sheetnames.index(PIVOT_SHEET) + 1


def assert_lo_numbers(case, lo, xlsx: Path, outdir: Path) -> None:
    rows = sheet_csv(lo, xlsx, outdir, _sheet_no(xlsx))
    pv = pivots_by_name(case.path)
    for k, name in enumerate(("到期金额透视", "到期笔数透视")):
        block = _block(rows, pv[name].location.ref)
        assert any(v == "Total Result" for r in block for v in r), "not LibreOffice's own pivot output"
        assert_same_cells(grid_cells(block, case.specs[k]), want(case, k))


@pytest.mark.libreoffice
def test_libreoffice_understands_pivots(case, lo, tmp_path):
    found = data_pilot_tables(lo, case.path, tmp_path / "ods")
    assert set(found) == PIVOT_NAMES
    pv = pivots_by_name(case.path)
    for name in PIVOT_NAMES:
        assert found[name].startswith(f"{PIVOT_SHEET}.")
        assert plain(found[name]) == pv[name].location.ref


@pytest.mark.libreoffice
def test_libreoffice_recomputes_same_sums_and_counts(case, lo, tmp_path):
    # numbers blanked in the written cells: every number compared is LibreOffice's
    assert_lo_numbers(case, lo, case.blank, tmp_path / "csv")


@pytest.mark.libreoffice
def test_libreoffice_from_cache_records_alone(case, lo, tmp_path):
    sheet = "到期汇总" if case.label == "agg" else "到期明细"
    cache_only = tmp_path / f"{case.blank.stem}_cache_only.xlsx"
    replace_in_part(case.blank, cache_only, "xl/pivotCache/pivotCacheDefinition1.xml",
                    f'sheet="{sheet}"', 'sheet="不存在的表"')
    assert_lo_numbers(case, lo, cache_only, tmp_path / "csv")


@pytest.mark.libreoffice
def test_broken_cache_id_fails_checker_and_data_pilot(hand, lo, tmp_path):
    bad = tmp_path / "d2_bad_cacheid.xlsx"
    with zipfile.ZipFile(hand.path) as z:
        xml = z.read("xl/pivotTables/pivotTable1.xml").decode()
    cache_id = re.search(r'cacheId="(\d+)"', xml).group(1)
    name = re.search(r'<pivotTableDefinition[^>]*\sname="([^"]+)"', xml).group(1)
    replace_in_part(hand.path, bad, "xl/pivotTables/pivotTable1.xml", f'cacheId="{cache_id}"', 'cacheId="99"')
    problems = check_pivot_package(bad)
    assert any("cacheId=99" in p for p in problems), problems
    found = data_pilot_tables(lo, bad, tmp_path / "ods")
    assert name in PIVOT_NAMES and name not in found  # the data-pilot check fails for it


# ------------------------------------------------------------------------------------------ D5 月度透视
@pytest.fixture(scope="module")
def d5(tmp_path_factory):
    from test_d5_targets import AS_OF as D5_AS_OF
    from test_d5_targets import _bank

    r = execute("deposit.targets", _bank(), as_of=D5_AS_OF)
    root = tmp_path_factory.mktemp("d5")
    return r, write(r, root / "d5.xlsx"), write(r, root / "d5_blank.xlsx", prewrite_numbers=False)


def d5_expected(report) -> dict:
    """The monthly tasks of the wide 月度分解 table (机构名称 × 季度/月份 + totals), from pandas."""
    wide = report.tables()["monthly"].df
    months = [c for c in wide.columns if c.endswith("月增量(万元)")]
    long = wide.melt(id_vars=["机构名称"], value_vars=months, var_name="m", value_name="v")
    long["季度"] = "Q" + ((long["m"].str.extract(r"^(\d+)月")[0].astype(int) - 1) // 3 + 1).astype(str)
    long["月份"] = "2026-" + long["m"].str.extract(r"^(\d+)月")[0].str.zfill(2)
    spec = targets.monthly_pivot_spec(RunContext(as_of=pd.Timestamp("2026-01-01")))
    return expected_cells(long.rename(columns={"v": spec.values[0].field}), spec), spec


def test_d5_monthly_task_source_by_hand(d5):
    r, _, _ = d5
    src = r.tables()["monthly_tasks"].df
    assert list(src.columns) == ["机构号", "机构名称", "季度", "月份", "月度增量任务(万元)"]
    assert len(src) == 3 * 12
    a = src[src["机构号"] == "A"]
    assert a["月度增量任务(万元)"].head(3).tolist() == [201, 200, 200]  # Q1 601 split equally (test_d5_targets)
    assert src.groupby("机构号")["月度增量任务(万元)"].sum().tolist() == [1501, 630, 870]
    assert src["季度"].head(4).tolist() == ["Q1", "Q1", "Q1", "Q2"] and src["月份"].iloc[0] == "2026-01"
    assert [s.name for s in r.sheets][5:7] == ["月度透视", "月度任务明细"]


def test_d5_pivot_grid_equals_wide_monthly_table(d5):
    r, _, _ = d5
    want_cells, spec = d5_expected(r)
    got = grid_cells(pivot_mod.pivot_grid(r.tables()["monthly_tasks"].df, spec), spec)
    assert_same_cells(got, want_cells)
    assert want_cells[("总计", "总计", 0)] == 3001


def test_d5_workbook_package_schema_openpyxl(d5):
    r, path, blank = d5
    assert check_pivot_package(path) == [] and check_pivot_package(blank) == []
    if importlib.util.find_spec("openxml_audit"):
        assert _audit_errors(path) == []
    ws = openpyxl.load_workbook(path)["月度透视"]
    (p,) = ws._pivots
    assert p.name == "月度任务透视" and p.cache.recordCount == 36 and p.cache.refreshOnLoad
    assert [d.name for d in p.dataFields] == ["增量任务(万元)"]
    want_cells, spec = d5_expected(r)
    assert_same_cells(grid_cells(sheet_rows(path, "月度透视", p.location.ref), spec), want_cells)


@pytest.mark.libreoffice
def test_d5_libreoffice_recomputes_and_from_cache(d5, lo, tmp_path):
    r, path, blank = d5
    found = data_pilot_tables(lo, path, tmp_path / "ods")
    ref = openpyxl.load_workbook(path)["月度透视"]._pivots[0].location.ref
    assert plain(found["月度任务透视"]) == ref
    want_cells, spec = d5_expected(r)
    cache_only = tmp_path / "d5_cache_only.xlsx"
    replace_in_part(blank, cache_only, "xl/pivotCache/pivotCacheDefinition1.xml", 'sheet="月度任务明细"',
                    'sheet="不存在的表"')
    sheet_no = openpyxl.load_workbook(path, read_only=True).sheetnames.index("月度透视") + 1
    for f in (blank, cache_only):
        block = _block(sheet_csv(lo, f, tmp_path / f.stem, sheet_no), ref)
        assert any(v == "Total Result" for row in block for v in row)
        assert_same_cells(grid_cells(block, spec), want_cells)
