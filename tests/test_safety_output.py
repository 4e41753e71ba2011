"""Output safety (issue 8): --by outlet file names built from data, output paths, permissions, and the
writer's last line of defence (sheet names, tz-aware datetimes, tables longer than a sheet)."""
from __future__ import annotations

import datetime as dt
import os
import stat

import openpyxl
import pandas as pd
import pytest
from conftest import export_frame

from bankxl.cli import main
from bankxl.report import xlsx
from bankxl.report.model import Note, Report, Sheet, Table
from bankxl.report.xlsx import safe_sheet_name, write_report

FORBIDDEN = set('<>:"/\\|?*')


def _export_xlsx(td: pd.DataFrame, path):
    """Time deposits as a bank export workbook with Chinese headers (dates as text, rates in %)."""
    out = export_frame(td)
    out.to_excel(path, index=False, sheet_name="定期存款明细")
    return path


def _about(path) -> str:
    about = pd.read_excel(path, sheet_name="说明", header=None, engine="calamine")
    return "\n".join(str(v) for v in about.to_numpy().ravel() if pd.notna(v))


def _rows(path) -> set[int]:
    """Excel rows of the input (header on row 1) shown in a report's 到期明细."""
    detail = pd.read_excel(path, sheet_name="到期明细", engine="calamine", header=1)
    return set(detail["Excel行号"].dropna().astype(int))


def _excel_rows(td: pd.DataFrame, mask) -> set[int]:
    return {i + 2 for i in range(len(td)) if mask[i]}


# ------------------------------------------------------------------------------------ 1. --by outlet
def test_by_outlet_file_names_from_data_stay_inside_the_folder(sample_bank, tmp_path, capsys):
    td = sample_bank["time_deposits"].head(120).copy().reset_index(drop=True)
    weird = ["a/../../../ESCAPED1", "a/../../../data/input", "Ab", "aB", 'x<>:"|?*\\y', "机" * 300,
             "trail.", "CON"]
    for i, org in enumerate(weird):
        td.loc[i * 3:i * 3 + 2, "org_id"] = org
    td.loc[100:104, "org_id"] = None                        # 5 rows without 机构号
    (tmp_path / "data").mkdir()
    victim = _export_xlsx(td, tmp_path / "data" / "input.xlsx")
    before = victim.read_bytes()
    outdir = tmp_path / "x" / "y"
    assert main(["run", "D2", "-i", str(victim), "-o", str(outdir), "--by", "outlet"]) == 0
    err = capsys.readouterr().err
    assert victim.read_bytes() == before                    # the input workbook is never replaced
    # nothing written outside the output folder
    stray = [p for p in tmp_path.rglob("*") if p.is_file() and outdir not in p.parents and p != victim]
    assert stray == []
    files = sorted(outdir.iterdir())
    n_outlets = td["org_id"].dropna().nunique()
    assert len(files) == n_outlets + 1                      # every outlet + 未分配机构
    names = [f.name for f in files]
    assert len({n.casefold() for n in names}) == len(names)  # Ab / aB do not collide on Windows
    for n in names:
        assert len(n.encode("utf-8")) <= 255 and not FORBIDDEN & set(n) and ".." not in n, n
        assert n.endswith(".xlsx") and n.startswith("存款到期视图_")
    # the blank 机构号 rows have their own file, and the run says so
    blank = outdir / "存款到期视图_(未分配机构).xlsx"  # a name no 机构号 takes (test_safety_followups)
    assert "未分配机构" in err and "5 行" in err
    whole_out = tmp_path / "whole.xlsx"                         # the same input as one report: rows it shows
    assert main(["run", "D2", "-i", str(victim), "-o", str(whole_out)]) == 0
    whole = _rows(whole_out)
    assert _rows(blank) == whole & set(range(102, 107)) != set()  # input rows 100-104 = Excel rows 102-106
    assert "机构号为空的 5 行" in _about(blank)
    # each file holds exactly its outlet's rows; 说明 names the original 机构号 when the name differs
    by_org = {}
    for f in files:
        if f != blank:
            about = _about(f)
            org = next(o for o in td["org_id"].dropna().unique() if f"机构号「{o}」" in about)
            by_org[org] = f
            assert _rows(f) == whole & _excel_rows(td, (td["org_id"] == org).fillna(False).to_numpy())
    assert set(by_org) == set(td["org_id"].dropna().unique())
    assert "文件名" in _about(by_org["a/../../../ESCAPED1"])
    assert by_org["机" * 300].name.startswith("存款到期视图_机机")


def test_by_outlet_never_replaces_an_input_in_the_output_folder(sample_bank, tmp_path):
    td = sample_bank["time_deposits"].head(30).copy().reset_index(drop=True)
    td["org_id"] = "S1"
    outdir = tmp_path / "out"
    outdir.mkdir()
    src = _export_xlsx(td, outdir / "存款到期视图_S1.xlsx")  # the very name the report would get
    before = src.read_bytes()
    assert main(["run", "D2", "-i", str(src), "-o", str(outdir), "--by", "outlet"]) == 0
    assert src.read_bytes() == before
    written = [p for p in outdir.iterdir() if p != src]
    assert len(written) == 1 and written[0].name == "存款到期视图_S1 (2).xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "whole.xlsx")]) == 0
    assert _rows(written[0]) == _rows(tmp_path / "whole.xlsx")


@pytest.mark.parametrize("text, want", [
    ("a/../../../ESCAPED1", "a_._._._ESCAPED1"),
    ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("com1.xlsx", "_com1.xlsx"), ("LPT9 ", "_LPT9"),
    ("CONSOLE", "CONSOLE"), ('x<>:"|?*\\y', "x" + "_" * 8 + "y"), ("tab\there\x00", "tab_here_"),
    ("trail. . ", "trail"), ("..", "_"), ("", "_"), (".hidden", "_hidden"),
])
def test_safe_filename(text, want):
    assert xlsx.safe_filename(text) == want


def test_safe_filename_caps_utf8_bytes_without_splitting_a_character():
    name = xlsx.safe_filename("机" * 300, max_bytes=100)
    assert name == "机" * 33 and len(name.encode("utf-8")) == 99


# ------------------------------------------------------------------------------------ 2./3. output files
def _tiny(df=None) -> Report:
    df = pd.DataFrame({"a": [1, 2]}) if df is None else df
    return Report(title="t", sheets=[Sheet("名单", [Table(df, name="t1")])])


def test_report_gets_the_users_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        p = write_report(_tiny(), tmp_path / "r.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
    assert [q.name for q in tmp_path.iterdir()] == ["r.xlsx"]  # no temp file left


def test_out_naming_an_existing_folder_is_a_clean_error(sample_bank, tmp_path, capsys):
    src = _export_xlsx(sample_bank["time_deposits"].head(20), tmp_path / "in.xlsx")
    (tmp_path / "x.xlsx").mkdir()
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "文件夹" in err and "folder" in err and "Traceback" not in err
    (tmp_path / "f").write_text("a file")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "f"), "--by", "outlet"]) == 2
    assert "文件夹" in capsys.readouterr().err and (tmp_path / "f").read_text() == "a file"


# ------------------------------------------------------------------------------------ 4. sheet names
def test_safe_sheet_name_apostrophe_history_and_bad_characters():
    taken: set[str] = set()
    assert safe_sheet_name("a" * 30 + "'b", taken) == "a" * 30          # no trailing ' after truncation
    assert safe_sheet_name("'x'", taken) == "x"
    assert safe_sheet_name("History", taken) == "History(2)"            # Excel reserves History
    assert safe_sheet_name("HISTORY", taken) == "HISTORY(3)"
    assert safe_sheet_name("a[b]:c*d?e/f\\g", taken) == "a_b__c_d_e_f_g"
    assert safe_sheet_name("'", taken) == "Sheet"
    assert safe_sheet_name("b" * 27 + "'''''", taken) == "b" * 27
    assert safe_sheet_name("b" * 27 + "'''''", taken) == "b" * 27 + "(2)"


def test_writer_accepts_awkward_sheet_names(tmp_path):
    rep = Report(title="t", sheets=[Sheet("a" * 30 + "'b", [Note(lines=["x"])]), Sheet("history", [Note(lines=["y"])])])
    p = write_report(rep, tmp_path / "s.xlsx")
    assert openpyxl.load_workbook(p).sheetnames == ["a" * 30, "history(2)"]


# ------------------------------------------------------------------------------------ 5. tz-aware datetimes
def test_tz_aware_datetimes_are_written_as_shanghai_local_time(tmp_path):
    utc = pd.Series(pd.to_datetime(["2026-01-01 16:30", "2026-03-01 01:00", None]).tz_localize("UTC"))
    df = pd.DataFrame({"utc": utc,
                       "mixed": pd.Series([pd.Timestamp("2026-01-01 23:00", tz="America/New_York"),
                                           dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.timezone.utc), "text"],
                                          dtype=object)})
    rep = Report(title="t", sheets=[Sheet("名单", [Table(df, name="t1"),
                                                   Note(pairs=[("时间", pd.Timestamp("2026-06-30 16:00", tz="UTC"))])])])
    p = write_report(rep, tmp_path / "tz.xlsx")
    ws = openpyxl.load_workbook(p)["名单"]
    assert ws["A2"].value == dt.datetime(2026, 1, 2, 0, 30)      # 16:30 UTC = 00:30 next day in Shanghai
    assert ws["A3"].value == dt.datetime(2026, 3, 1, 9, 0)
    assert ws["A4"].value is None
    assert ws["B2"].value == dt.datetime(2026, 1, 2, 12, 0)      # 23:00 EST (UTC-5) = 12:00 Shanghai
    assert ws["B3"].value == dt.datetime(2026, 5, 1, 20, 0)
    assert ws["B4"].value == "text"
    pair = [r for r in ws.iter_rows(values_only=True) if r[0] == "时间"][0]
    assert pair[1] == dt.datetime(2026, 7, 1, 0, 0)


# ------------------------------------------------------------------------------------ 6. rows beyond a sheet
def test_real_sheet_limit_and_boundary_arithmetic():
    assert xlsx.EXCEL_MAX_ROWS == 1_048_576
    # header on the first row, no total row: data rows 2..1,048,576
    assert xlsx.table_capacity(header_row=0, total_row=False) == 1_048_575
    # title + note above the header (header on Excel row 3), total row under the data
    assert xlsx.table_capacity(header_row=2, total_row=True) == 1_048_572
    assert xlsx.split_rows(1_048_575, 1_048_575, 1_048_575) == [1_048_575]        # exactly fits
    assert xlsx.split_rows(1_048_576, 1_048_575, 1_048_574) == [1_048_575, 1]     # one row over
    assert xlsx.split_rows(0, 5, 5) == [0]
    assert xlsx.split_rows(12, 5, 3) == [5, 3, 3, 1]


def _sheet_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("n, sheets", [(7, ["名单", "其他"]), (8, ["名单", "名单(2)", "其他"]),
                                       (20, ["名单", "名单(2)", "名单(3)", "其他"])])
def test_long_table_continues_on_more_sheets(tmp_path, monkeypatch, n, sheets):
    """Sheet of 10 rows. One sheet: title, header, 7 rows, 合计 (Excel rows 1-10). Split: title, note,
    header, 7 rows on each sheet (no 合计: a per-sheet sum would not be the table's total)."""
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 10)
    df = pd.DataFrame({"客户号": [f"C{i:03d}" for i in range(n)], "余额": [float(i) for i in range(n)]})
    rep = Report(title="t", sheets=[Sheet("名单", [Table(df, name="lst", title="提醒名单", total_row=True),
                                                   Note(lines=["表后说明"])]),
                                    Sheet("其他", [Note(lines=["x"])])])
    p = write_report(rep, tmp_path / "long.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == sheets
    got, per_sheet = [], []
    for name in sheets[:-1]:
        ws = wb[name]
        rows = _sheet_rows(ws)
        hdr = next(i for i, r in enumerate(rows) if r[0] == "客户号")
        mine = [r[0] for r in rows[hdr + 1:] if r[0] and str(r[0]).startswith("C")]
        per_sheet.append(len(mine))
        got += mine
        assert all(r[0] != "合计" for r in rows[hdr + 1:hdr + 1 + len(mine)])
    assert got == list(df["客户号"])                                       # every row once, in order
    assert per_sheet == {7: [7], 8: [7, 1], 20: [7, 7, 6]}[n]
    last = _sheet_rows(wb[sheets[-2]])
    assert last[-1][0] == "表后说明"                                        # later blocks follow the table
    first = _sheet_rows(wb["名单"])
    if n == 7:
        assert first[-1][0] == "合计" or first[9][0] == "合计"
        return
    assert wb["名单"].max_row <= 10 and all(wb[s].max_row <= 10 for s in sheets[1:-2])
    assert any(r[0] and "续表" in str(r[0]) and f"{n:,}" in str(r[0]) for r in first)
    assert any(r[0] and "续表" in str(r[0]) for r in _sheet_rows(wb["名单(2)"]))


def test_too_long_table_is_truncated_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 5)
    monkeypatch.setattr(xlsx, "MAX_CONTINUATION_SHEETS", 2)
    df = pd.DataFrame({"k": [f"K{i}" for i in range(40)]})
    p = write_report(Report(title="t", sheets=[Sheet("名单", [Table(df, name="lst")])]), tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["名单", "名单(2)", "名单(3)"]
    text = [str(c) for ws in wb for r in ws.iter_rows(values_only=True) for c in r if c]
    written = [t for t in text if t.startswith("K")]
    assert written == [f"K{i}" for i in range(len(written))] and len(written) < 40
    assert any("未写出" in t and "40" in t for t in text)


def test_pivot_over_a_continued_table_keeps_full_static_values_and_no_partial_pivot(tmp_path, monkeypatch):
    import zipfile

    from bankxl.report.model import PivotBlock
    from bankxl.report.pivot import DataField, PivotSpec

    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 10)
    df = pd.DataFrame({"网点": ["A", "B"] * 10, "余额": [float(i) for i in range(20)]})
    spec = PivotSpec("网点余额", rows=("网点",), values=(DataField("余额", "sum", "余额合计"),))
    rep = Report(title="t", sheets=[Sheet("透视", [PivotBlock(spec, "src", title="按网点")]),
                                    Sheet("明细", [Table(df, name="src")])])
    p = write_report(rep, tmp_path / "pv.xlsx")
    with zipfile.ZipFile(p) as z:
        assert not [n for n in z.namelist() if "pivot" in n.lower()]     # a pivot over part of the rows: none
    rows = _sheet_rows(openpyxl.load_workbook(p)["透视"])
    sums = {r[0]: r[1] for r in rows if r[0] in ("A", "B")}
    assert sums == {"A": 90.0, "B": 100.0}                                 # 0+2+..+18, 1+3+..+19
    assert any(r[0] and "静态" in str(r[0]) for r in rows)


def test_about_sheet_records_what_the_writer_did(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 10)
    monkeypatch.setattr(xlsx, "LARGE_CELLS", 1)              # constant_memory: autofilter, no Excel tables
    df = pd.DataFrame({"客户号": [f"C{i}" for i in range(30)]})
    rep = Report(title="t", sheets=[Sheet("名单", [Table(df, name="lst")]), Sheet("说明", [Note(lines=["方法"])])])
    p = write_report(rep, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(p)
    # 8 rows per sheet (note + header above them): 30 = 8 + 8 + 8 + 6
    assert wb.sheetnames == ["名单", "名单(2)", "名单(3)", "名单(4)", "说明"]
    about = [str(c) for r in wb["说明"].iter_rows(values_only=True) for c in r if c]
    assert any("共 30 行" in t and "续表见 名单(2)、名单(3)、名单(4)" in t for t in about)
    assert any("自动筛选" in t for t in about)


def test_outlet_paths_refuse_a_link_leading_out_of_the_folder(tmp_path):
    from bankxl.errors import BankxlError
    from bankxl.split import outlet_paths

    out = tmp_path / "out"
    out.mkdir()
    paths = outlet_paths("T", ["b", "B", None, "c"], out)
    assert [p.name for p in paths.values()] == ["T_b.xlsx", "T_B (2).xlsx", "T_(未分配机构).xlsx", "T_c.xlsx"]
    assert all(p.parent == out.resolve() for p in paths.values())
    (out / "T_c.xlsx").symlink_to(tmp_path / "elsewhere.xlsx")
    with pytest.raises(BankxlError, match="输出文件夹"):
        outlet_paths("T", ["b", "c"], out)


def _fail_replace(exc):
    def replace(src, dst, *a, **k):
        raise exc
    return replace


def _fail_temp(exc):
    def new_temp(path):
        raise exc
    return new_temp


@pytest.mark.parametrize(("where", "exc", "reason_zh"), [
    ("replace", PermissionError(13, "Permission denied"), "没有写入权限"),  # -o /sys/x.xlsx as root
    ("temp", FileNotFoundError(2, "No such file or directory"), "不能在其中新建文件"),  # -o /proc/x.xlsx
])
def test_unwritable_output_folder_is_a_clean_error(sample_bank, tmp_path, capsys, monkeypatch, where, exc,
                                                   reason_zh):
    """A folder the report cannot be written into (breaker s16 finding 7: /sys gave an internal
    PermissionError with exit 1, /proc printed only "错误 error: 2") is a Chinese + English error naming the
    folder and the file, exit 2; nothing is left in the folder (the input stays alone)."""
    src = _export_xlsx(sample_bank["time_deposits"].head(20), tmp_path / "in.xlsx")
    outdir = tmp_path / "out"
    outdir.mkdir()
    if where == "replace":
        monkeypatch.setattr(xlsx.os, "replace", _fail_replace(exc))
    else:
        monkeypatch.setattr(xlsx, "_new_temp", _fail_temp(exc))
    assert main(["run", "D2", "-i", str(src), "-o", str(outdir / "r.xlsx")]) == 2
    err = capsys.readouterr().err
    assert f"无法在文件夹「{outdir}」中写入报告「r.xlsx」" in err and reason_zh in err
    assert f"Cannot write the report r.xlsx into the folder {outdir}" in err
    assert "internal error" not in err and "内部错误" not in err
    assert list(outdir.iterdir()) == []


def test_unwritable_folder_error_is_still_an_oserror(tmp_path, monkeypatch):
    """Callers that fall back to another folder on OSError (the add-in's save_report) keep working."""
    monkeypatch.setattr(xlsx, "_new_temp", _fail_temp(PermissionError(13, "Permission denied")))
    with pytest.raises(OSError) as info:
        write_report(_tiny(), tmp_path / "r.xlsx")
    assert str(tmp_path) in str(info.value) and "没有写入权限" in str(info.value)
