"""Report file names: one function (bankxl.report.xlsx.report_file_name) names every scenario report that
``bankxl demo`` and ``bankxl run all`` write, valid on Windows, and README's table names the same files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bankxl import demo
from bankxl.report.xlsx import report_file_name, safe_filename
from bankxl.scenario import registry

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-30"
WINDOWS_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@pytest.mark.parametrize("spec", list(registry().values()), ids=lambda s: s.code)
@pytest.mark.parametrize("prefix", [None, "示例银行", "Berka"])
def test_every_registered_title_gives_a_windows_safe_name(spec, prefix):
    name = report_file_name(spec.code, spec.title, prefix)
    stem = name.removesuffix(".xlsx")
    assert name.endswith(".xlsx") and not WINDOWS_BAD.search(name)
    assert stem == stem.rstrip(". ") and not re.search(r"[ _]{2,}|_ | _", stem)  # no "_ " left by a ':'
    assert stem.startswith(f"{prefix}_{spec.code}_" if prefix else f"{spec.code}_")


def test_c8_title_by_hand():
    """'征信数据: 他行客户挖掘': the ':' and the space after it fold into one _ (was '征信数据: …' in the demo and
    '征信数据_ …' in run all)."""
    assert report_file_name("C8", "征信数据: 他行客户挖掘", "示例银行") == "示例银行_C8_征信数据_他行客户挖掘.xlsx"
    assert report_file_name("C8", "征信数据: 他行客户挖掘") == "C8_征信数据_他行客户挖掘.xlsx"
    assert safe_filename("a _/_ b") == "a_b" and safe_filename("x<>y") == "x__y"
    assert report_file_name("X", "名单. ", "P") == "P_X_名单.xlsx"


def test_readme_names_the_files_the_demo_writes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^\| `(示例银行_[^`]+\.xlsx)` \|", readme, flags=re.M))
    expected = {report_file_name(s.code, s.title, "示例银行") for s in registry().values()}
    assert named and named <= expected, named - expected
    assert "示例银行_C8_征信数据_他行客户挖掘.xlsx" in named


def test_demo_and_run_all_write_the_same_name(tmp_path, monkeypatch):
    """The C8 report, written by the demo (on the sample bank) and by run all (on the same input
    workbooks), is named by report_file_name; run all's name is the demo's without the 示例银行_ prefix."""
    from bankxl.crossview.runall import run_all
    from bankxl.sample import make_sample_bank, write_sample_workbooks

    c8 = registry()["credit.credit_report"]
    monkeypatch.setattr(demo, "registry", lambda: {c8.id: c8})
    monkeypatch.setattr("bankxl.datasets.demo_runs", lambda out, data_dir, progress: [])
    summary = demo.run_demo(tmp_path / "demo", customers=200, as_of=AS_OF, progress=lambda s: None)
    demo_files = {Path(f).name for f in summary["文件"]}
    assert demo_files == {"示例银行_C8_征信数据_他行客户挖掘.xlsx"}
    assert (tmp_path / "demo" / "示例银行_C8_征信数据_他行客户挖掘.xlsx").is_file()

    inputs = write_sample_workbooks(make_sample_bank(customers=200, seed=7, as_of=AS_OF), tmp_path / "in")
    run_all(inputs, tmp_path / "all", as_of=AS_OF, scenarios=[c8], progress=lambda s: None)
    written = {p.name for p in (tmp_path / "all").iterdir()}
    assert report_file_name(c8.code, c8.title) in written
    assert "示例银行_" + report_file_name(c8.code, c8.title) in demo_files
