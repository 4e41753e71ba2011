"""The output folder of ``run all`` is the folder the user named, resolved: ``in/../o2/../o3`` names ``o3`` and no
stray ``o2`` is created on the way (breaker finding: ``mkdir(parents=True)`` on the unresolved path made ``o2``)."""
from __future__ import annotations

import os

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
