"""run_scenario accepts what ``bankxl run -i`` accepts (fresh-user trial): a folder stands for its data files (the
CLI's expansion, bankxl.cli.input_files) and a single mapping {table name: DataFrame} is one source. The reports
are compared table by table with the same run given the files / ``[mapping]`` explicitly (the form that worked)."""
from __future__ import annotations

import pytest

from bankxl.errors import BankxlError
from bankxl.runner import run_scenario
from bankxl.tables import get_table

AS_OF = "2026-11-30"


def _tables(report) -> dict:
    return {name: t.df for name, t in report.tables().items()}


def _same(a, b) -> None:
    ta, tb = _tables(a.report), _tables(b.report)
    assert ta.keys() == tb.keys() and ta
    for name in ta:
        assert ta[name].equals(tb[name]), name


@pytest.fixture(scope="module")
def bank_folder(tmp_path_factory, request):
    """D2's and C3's input tables of the 300-customer sample bank as one CSV each (named by table id), plus a
    text file that is not data and an Excel lock file, both to be left out as the CLI leaves them out."""
    sample = request.getfixturevalue("sample_bank")
    folder = tmp_path_factory.mktemp("bank")
    for t in ("time_deposits", "orgs", "customers", "loans"):
        sample[t].drop(columns=[c for c in sample[t].columns if c.startswith("_")]).to_csv(
            folder / f"{t}.csv", index=False, encoding="utf-8-sig")
    (folder / "readme.md").write_text("not data", encoding="utf-8")
    (folder / "~$customers.xlsx").write_bytes(b"lock")
    return folder


def test_a_folder_is_read_as_its_data_files(bank_folder):
    """["folder"] (before: 不支持的文件类型: folder) gives the report of the four CSVs given one by one; a folder as
    the single source too, and the inputs name the CSV files the tables came from."""
    files = sorted(bank_folder.glob("*.csv"))
    for code in ("D2", "C3"):
        want = run_scenario(code, files, as_of=AS_OF)
        got = run_scenario(code, [bank_folder], as_of=AS_OF)
        _same(got, want)
        assert {k: v["source"] for k, v in got.inputs.items()} == {k: v["source"] for k, v in want.inputs.items()}
    one = run_scenario("D2", str(bank_folder), as_of=AS_OF)
    _same(one, run_scenario("D2", files, as_of=AS_OF))
    assert one.inputs["time_deposits"]["source"].endswith("time_deposits.csv")


def test_a_folder_with_no_data_files_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt.bak").write_text("x", encoding="utf-8")
    with pytest.raises(BankxlError) as e:
        run_scenario("D2", [tmp_path], as_of=AS_OF)
    assert "中没有 .xlsx/.csv/.parquet 数据文件" in str(e.value) and "holds no .xlsx/.csv/.parquet files" in str(e.value)


def test_a_single_mapping_is_one_source(sample_bank):
    """{"定期存款明细": df, …} (before: 文件不存在: 定期存款明细) = [{…}]; keys are any table name."""
    frames = {get_table(t).zh: sample_bank[t].drop(columns="_row", errors="ignore")
              for t in ("time_deposits", "orgs", "customers")}
    want = run_scenario("D2", [frames], as_of=AS_OF)
    got = run_scenario("D2", frames, as_of=AS_OF)
    _same(got, want)
    assert set(got.inputs) == {"time_deposits", "orgs", "customers"}
    assert got.report.meta["as_of"] == want.report.meta["as_of"]
