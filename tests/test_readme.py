"""README.md against the code a new user runs (fresh-user trial, part H3): the Python section's code runs as
written, ``import bankxl`` gives the entry points it names, and the README's lists of demo inputs, demo reports and
sample workbooks are the ones the code writes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import bankxl
from bankxl.report.xlsx import report_file_name
from bankxl.scenario import registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
AS_OF = "2026-11-30"


def _tables(report) -> dict:
    return {name: t.df for name, t in report.tables().items()}


def test_the_package_exports_the_entry_points_the_readme_uses():
    """``bankxl.run_scenario`` & co. are the runner's own functions (it exported nothing but __version__)."""
    from bankxl import crossview, runner, sample, scenario

    assert bankxl.run_scenario is runner.run_scenario and bankxl.execute is runner.execute
    assert bankxl.run_all is crossview.run_all and bankxl.make_sample_bank is sample.make_sample_bank
    assert bankxl.registry is scenario.registry and bankxl.get_scenario is scenario.get_scenario
    assert set(bankxl.__all__) >= {"run_scenario", "execute", "run_all", "registry", "get_scenario"}
    assert all(callable(getattr(bankxl, n)) for n in bankxl.__all__ if n != "__version__")
    with pytest.raises(AttributeError):
        bankxl.no_such_entry_point  # noqa: B018
    ns: dict = {}
    exec("from bankxl import *", ns)  # noqa: S102
    assert {"run_scenario", "run_all"} <= ns.keys()


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    """The README's Python block executed in a folder holding the 300-customer sample as ``样例/`` (what
    ``bankxl sample --out 样例`` writes); returns (its namespace, the folder)."""
    import os

    from bankxl.sample import make_sample_bank, write_sample_workbooks

    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) == 1, "README.md: one Python example"
    here = tmp_path_factory.mktemp("readme")
    write_sample_workbooks(make_sample_bank(customers=300, as_of=AS_OF), here / "样例")
    cwd = os.getcwd()
    os.chdir(here)
    try:
        ns: dict = {}
        exec(compile(blocks[0], "README.md", "exec"), ns)  # noqa: S102
    finally:
        os.chdir(cwd)
    return ns, here


def test_readme_python_runs_d4_on_the_folder(readme_run, monkeypatch):
    """``run_scenario("D4", ["样例"], …)`` = the same run on the folder's files named one by one; the report file
    is written where the README says; 客户月度存款 has 300 customers × 12 months."""
    from bankxl.runner import run_scenario

    ns, here = readme_run
    res = ns["res"]
    assert res.path == Path("核心客户.xlsx") and (here / res.path).is_file()
    assert res.inputs["customer_monthly"]["rows"] == 300 * 12
    monkeypatch.chdir(here)
    same = run_scenario("D4", sorted(Path("样例").glob("*.xlsx")), None, as_of=AS_OF)
    a, b = _tables(res.report), _tables(same.report)
    assert a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)
    assert ns["core"].equals(a["d4_core"]) and len(ns["core"]) > 0


def test_readme_python_runs_d4_on_a_dataframe(readme_run):
    """``[{"客户月度存款": df}]``: the table found by its Chinese name; nothing written (out None); the same 3,600 rows."""
    ns, _here = readme_run
    res2 = ns["res2"]
    assert res2.path is None and res2.inputs["customer_monthly"]["rows"] == 300 * 12
    assert len(res2.report.tables()["d4_core"].df) > 0


def test_readme_python_run_all_over_a_folder(readme_run):
    """``run_all(["样例"], …)`` reads the folder's files as ``bankxl run all -i 样例`` does: every registered scenario
    runs (before, a folder was taken as one unreadable source and all 20 were skipped) and the two cross views are
    written into 全部报告/."""
    ns, here = readme_run
    run = ns["allrun"]
    assert [r.spec.code for r in run.runs] == [s.code for s in registry().values()]
    assert {r.status for r in run.runs} == {"已运行"} and run.exit_code == 0
    out = here / "全部报告"
    assert (out / "客户画像.xlsx").is_file() and (out / "营销任务清单.xlsx").is_file()
    assert (out / report_file_name("D4", registry()["deposit.core_customers"].title)).is_file()


def _sample_workbook_rows() -> dict[str, tuple[set, set, set]]:
    """README's table of sample workbooks: {file: (sheets, scenarios that read it, scenarios that may)}."""
    rows = re.findall(r"^\| `(样例_[^`]+\.xlsx)` \|([^|]*)\|([^|]*)\|([^|]*)\|$", README, flags=re.M)
    return {f: (set(sheets.strip().split("、")), set(re.sub(r"\(.*?\)", "", req).split()), set(opt.split()))
            for f, sheets, req, opt in rows}


def test_readme_sample_workbooks_are_the_files_and_sheets_written():
    """Each sample workbook row names the sheets write_sample_workbooks writes (SAMPLE_WORKBOOKS; 样例_手机银行与授信
    had a 机构 sheet it does not have) and the scenarios reading its tables other than the shared 客户/机构: 读取 = a
    required input is there, 可选 = only optional ones; the two 人行市场份额 files are D1's."""
    from bankxl.sample import SAMPLE_WORKBOOKS
    from bankxl.sample.market_share import FILES
    from bankxl.tables import get_table

    rows = _sample_workbook_rows()
    assert set(rows) == set(SAMPLE_WORKBOOKS) | set(FILES)
    specs = list(registry().values())
    for f, ids in SAMPLE_WORKBOOKS.items():
        data = set(ids) - {"customers", "orgs"}
        req = {s.code for s in specs if data & set(s.inputs)}
        opt = {s.code for s in specs if data & set(s.optional_inputs)} - req
        assert rows[f] == ({get_table(t).zh for t in ids}, req, opt), f
    for f in FILES:
        assert rows[f][1] == {"D1"} and "机构别名" in rows[f][0]


def test_readme_demo_lists_the_input_workbooks_it_writes():
    """The demo's 输入数据_示例银行 list = every workbook write_sample_workbooks writes on the whole sample bank
    (助学贷款 and the 人行市场份额 books were left out)."""
    from bankxl.sample import SAMPLE_WORKBOOKS
    from bankxl.sample.market_share import FILES

    listed = re.search(r"\(`demo_output/输入数据_示例银行/`: ([^)]*)\)", README).group(1).split("、")
    written = [f.removeprefix("样例_").removesuffix(".xlsx") for f in (*SAMPLE_WORKBOOKS, *FILES)]
    assert sorted(listed) == sorted(written)


def test_readme_report_table_names_every_report_the_demo_writes():
    """The report table names every sample-bank report (one per registered scenario) and every real-data report
    ``bankxl demo --data`` writes: each scenario whose SPEC.dataset_params names UCI / Berka / German (UCI_C1 and
    German_C10 were missing)."""
    from bankxl.datasets import DATASETS, demo_plan

    named = set(re.findall(r"^\| `(示例银行_[^`]+\.xlsx)` \|", README, flags=re.M))
    assert named == {report_file_name(s.code, s.title, "示例银行") for s in registry().values()}
    real_row = re.search(r"^\| (`UCI_.*?) \|", README, flags=re.M).group(1)
    assert set(re.findall(r"`([A-Za-z]+_[A-Z0-9]+)_…`", real_row)) == {
        f"{ds}_{s.code}" for ds in DATASETS for s in demo_plan(ds)}


def _run_help(option: str) -> str:
    from bankxl.cli import build_parser

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    return next(a.help for a in run._actions if option in a.option_strings)


def test_run_help_says_a_folder_works_for_one_scenario_too():
    """``bankxl run --help``: --input said a folder works only with all; ``bankxl run D2 -i 文件夹`` reads it too
    (tests/test_cli.py::test_run_takes_a_folder_as_its_data_files)."""
    text = _run_help("--input")
    assert "with all also" not in text and "文件夹(一个场景与 all 都可以" in text and "a folder" in text


def test_jobs_help_and_readme_say_when_run_all_runs_one_after_the_other():
    """--jobs help and README name the case runall.py tells on the console: a table read through DuckDB (the tables
    some scenario reads as a relation, RELATION_READY; Parquet, a CSV of AUTO_CSV_BYTES or more, --engine duckdb)
    makes run all run the scenarios one after the other."""
    from bankxl.engine.inputs import AUTO_CSV_BYTES, RELATION_READY
    from bankxl.tables import get_table

    text = _run_help("--jobs")
    readme_jobs = re.search(r"`--jobs N`: (.*?)\n输出文件夹", README, flags=re.S).group(1)
    for where in (text, readme_jobs):
        for t in {t for ts in RELATION_READY.values() for t in ts}:
            assert get_table(t).zh in where, (t, where)
        assert "Parquet" in where and f"{AUTO_CSV_BYTES // 2**20} MB" in where and "--engine duckdb" in where
        assert "依次运行" in where
