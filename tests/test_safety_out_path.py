"""Where reports go. The output folder of ``run all`` is the folder the user named, resolved: ``in/../o2/../o3`` names
``o3`` and no stray ``o2`` is created on the way (breaker finding: ``mkdir(parents=True)`` on the unresolved path
made ``o2``). An existing file that is not a report bankxl wrote is never written over — as -o of ``bankxl run``
(refused, exit 2), whether the folder holding it or the file was given as input, nor as a name ``run all`` or
``--by outlet`` would write (`` (2)`` instead); only an earlier bankxl report is left out of the inputs and replaced."""
from __future__ import annotations

import os

import pandas as pd
import pytest
from test_runall import AS_OF, XA, bank, run_all


def test_dotdot_in_the_output_folder_makes_no_stray_folder(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    monkeypatch.chdir(tmp_path)
    res = run_all([bank()], os.path.join("in", "..", "o2", "..", "o3"), scenarios=[XA], as_of=AS_OF)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "o3"]  # no o2
    written = [p for p in (tmp_path / "o3").iterdir() if p.suffix == ".xlsx"]
    assert written and all(p.parent == tmp_path / "o3" for p in written)
    assert res is not None


def test_output_folder_may_be_the_input_folder(tmp_path):
    """``bankxl run all -i data --out data`` (reports beside the data) reads the data files and leaves out only the
    reports bankxl wrote there before — not every file of the folder (breaker finding: "文件夹中没有数据文件", exit 2).
    A bankxl template (company bankxl, another comment) filled in by the user is data and is read."""
    import xlsxwriter

    from bankxl.cli import input_files, main
    from bankxl.report.xlsx import is_report
    from bankxl.sample import make_sample_bank

    d = tmp_path / "data"
    d.mkdir()
    for name in ("customers", "time_deposits", "orgs"):
        make_sample_bank(200, seed=1)[name].to_csv(d / f"{name}.csv", index=False)
    wb = xlsxwriter.Workbook(str(d / "模板.xlsx"))
    wb.set_properties({"company": "bankxl", "comments": "bankxl 模板; 黄色单元格填写, 灰色单元格为公式"})
    wb.add_worksheet("客户").write_row(0, 0, ["客户号", "客户名称"])
    wb.close()
    csvs = sorted(d.glob("*.csv"))
    assert input_files([d], d) == sorted([*csvs, d / "模板.xlsx"])
    assert main(["run", "D2", "-i", str(d / "customers.csv"), "-i", str(d / "time_deposits.csv"),
                 "-i", str(d / "orgs.csv"), "-o", str(d / "到期.xlsx"), "--as-of", "2026-11-30"]) == 0
    assert is_report(d / "到期.xlsx") and not is_report(d / "模板.xlsx") and not is_report(d / "customers.csv")
    # the earlier report is left out, the data and the template are read
    assert input_files([d], d) == sorted([*csvs, d / "模板.xlsx"])
    # a report in a folder that is NOT the output folder is the user's choice: kept
    assert d / "到期.xlsx" in input_files([d], tmp_path / "out")


# ---- an existing file that is not a bankxl report is never written over (breaker finding: `bankxl run D4 -i f5
# -o f5/客户.xlsx` exited 0 and replaced the user's 客户.xlsx by the D4 report; the folder listing had dropped the -o
# path even though it was not a report, so the input was lost and not even read)

def _plain(df):
    return df.drop(columns=[c for c in df.columns if c.startswith("_")])


@pytest.fixture
def d4_folder(tmp_path, sample_bank):
    """D4's input as the breaker had it: 客户月度存款 as Parquet (written by DuckDB from the sample bank's CSV) and
    the user's 客户 workbook (sheet 客户) in one folder."""
    import duckdb

    f = tmp_path / "f5"
    f.mkdir()
    _plain(sample_bank["customer_monthly"]).to_csv(tmp_path / "cm.csv", index=False)
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{tmp_path / 'cm.csv'}', all_varchar=true)) "
               f"TO '{f / 'customer_monthly.parquet'}' (FORMAT parquet)")
    with pd.ExcelWriter(f / "客户.xlsx", engine="xlsxwriter") as w:
        _plain(sample_bank["customers"]).to_excel(w, sheet_name="客户", index=False)
    return f


def _bytes(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("engine", [[], ["--engine", "duckdb"]], ids=["default", "duckdb"])
def test_out_naming_a_user_workbook_of_the_input_folder_is_refused(d4_folder, capsys, engine):
    """-i <folder> -o <folder>/客户.xlsx: refused as -i 客户.xlsx -o 客户.xlsx is (exit 2, 就是输入文件), every file of the
    folder byte for byte as before, no report written anywhere. Before: exit 0 and 客户.xlsx replaced."""
    from bankxl.cli import input_files, main
    from bankxl.errors import BankxlError
    from bankxl.runner import run_scenario

    before = _bytes(d4_folder)
    out = d4_folder / "客户.xlsx"
    # the user's workbook named as -o stays in the folder's data files (only an earlier report is left out)
    assert input_files([d4_folder], out) == [d4_folder / "customer_monthly.parquet", out]
    assert main(["run", "D4", "-i", str(d4_folder), "-o", str(out), "--as-of", AS_OF, *engine]) == 2
    err = capsys.readouterr().err
    assert "输出文件「客户.xlsx」就是输入文件, bankxl 从不覆盖用户的数据" in err and "is an input file" in err
    assert _bytes(d4_folder) == before
    with pytest.raises(BankxlError, match="就是输入文件"):  # the library's folder source as well
        run_scenario("D4", [d4_folder], out, as_of=AS_OF)
    assert _bytes(d4_folder) == before


def test_out_naming_an_existing_user_file_not_given_as_input_is_refused(d4_folder, tmp_path, capsys):
    """-i <the parquet file> -o <folder>/客户.xlsx (the workbook exists, is not an input, not a report): exit 2 with
    its own sentence; an existing .csv / .parquet as -o: exit 2 (.xlsx only). Bytes unchanged each time."""
    from bankxl.cli import main

    before = _bytes(d4_folder)
    pq = d4_folder / "customer_monthly.parquet"
    assert main(["run", "D4", "-i", str(pq), "-o", str(d4_folder / "客户.xlsx"), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "输出文件「客户.xlsx」已存在, 且不是 bankxl 写出的报告; bankxl 从不覆盖用户的文件" in err
    assert "exists and is not a report bankxl wrote" in err
    (d4_folder / "客户.csv").write_bytes("客户号,客户名称\r\nC1,甲\r\n".encode("gbk"))
    before = _bytes(d4_folder)
    for out in (d4_folder / "客户.csv", pq):
        assert main(["run", "D4", "-i", str(d4_folder), "-o", str(out), "--as-of", AS_OF]) == 2
        assert f"报告文件名应以 .xlsx 结尾: 「{out.name}」" in capsys.readouterr().err
    assert _bytes(d4_folder) == before


def test_an_earlier_report_as_out_is_left_out_of_the_inputs_and_replaced(d4_folder, capsys):
    """The one file -o may replace: a report bankxl wrote there before — not read as input, replaced by the new
    report (a different --as-of gives a different 说明), the data files untouched."""
    from bankxl.cli import input_files, main
    from bankxl.report.xlsx import is_report

    data = _bytes(d4_folder)
    out = d4_folder / "D4.xlsx"
    assert main(["run", "D4", "-i", str(d4_folder), "-o", str(out), "--as-of", AS_OF]) == 0
    first = out.read_bytes()
    assert is_report(out)
    assert input_files([d4_folder], out) == [d4_folder / "customer_monthly.parquet", d4_folder / "客户.xlsx"]
    capsys.readouterr()
    assert main(["run", "D4", "-i", str(d4_folder), "-o", str(out), "--as-of", "2026-12-15"]) == 0
    assert "2 个输入文件" in capsys.readouterr().err  # the parquet and 客户.xlsx, not the earlier report
    assert out.read_bytes() != first and is_report(out)
    about = pd.read_excel(out, sheet_name="说明", header=None, engine="calamine").astype(str)
    assert about.apply(lambda c: c.str.contains("2026-12-15", regex=False)).any().any()
    assert {k: v for k, v in _bytes(d4_folder).items() if k != "D4.xlsx"} == data


def test_run_all_never_writes_over_a_user_file_in_the_out_folder(d4_folder, tmp_path):
    """run all -o <folder> holding the user's 客户画像.xlsx and D4_存款核心客户定位.xlsx (not reports, not inputs):
    both byte for byte as before, the reports go to "… (2).xlsx"; a second run replaces those (2) reports (bankxl's
    own) and makes no (3). Before: both user files replaced."""
    from bankxl.cli import main
    from bankxl.report.xlsx import is_report

    o = tmp_path / "o6"
    o.mkdir()
    mine = (d4_folder / "客户.xlsx").read_bytes()
    for name in ("客户画像.xlsx", "D4_存款核心客户定位.xlsx"):
        (o / name).write_bytes(mine)
    pq = str(d4_folder / "customer_monthly.parquet")
    for _ in range(2):
        assert main(["run", "all", "-i", pq, "-o", str(o), "--as-of", AS_OF]) == 0
        assert (o / "客户画像.xlsx").read_bytes() == mine and (o / "D4_存款核心客户定位.xlsx").read_bytes() == mine
        assert is_report(o / "客户画像 (2).xlsx") and is_report(o / "D4_存款核心客户定位 (2).xlsx")
        assert is_report(o / "营销任务清单.xlsx")
        assert not any("(3)" in p.name for p in o.iterdir())


def test_by_outlet_never_writes_over_a_user_file_in_the_out_folder(tmp_path, sample_bank):
    """--by outlet: one outlet's file name taken by a user's workbook (not a report) -> that outlet's report goes to
    "… (2).xlsx", the user's file unchanged; the other outlets' earlier reports are replaced in place."""
    from bankxl.cli import main
    from bankxl.report.xlsx import is_report

    src = tmp_path / "td.csv"
    _plain(sample_bank["time_deposits"]).to_csv(src, index=False)
    o = tmp_path / "按网点"
    assert main(["run", "D2", "-i", str(src), "-o", str(o), "--by", "outlet", "--as-of", AS_OF]) == 0
    first = sorted(o.iterdir())
    assert len(first) > 1 and all(is_report(p) for p in first)
    taken = first[0]
    taken.write_bytes(b"user's own workbook")
    assert main(["run", "D2", "-i", str(src), "-o", str(o), "--by", "outlet", "--as-of", AS_OF]) == 0
    assert taken.read_bytes() == b"user's own workbook"
    moved = taken.with_name(f"{taken.stem} (2).xlsx")
    assert sorted(o.iterdir()) == sorted([*first, moved]) and is_report(moved)
    assert all(is_report(p) for p in first[1:])
