"""Issue 17 item 2 (engine selection): ``bankxl run … --engine duckdb|spark --spark-master URL``, ``run all`` and
``run_scenario(..., engine=...)`` set the engine of ONE run (context-local: the next run in the same process —
e.g. the Excel add-in's — uses DuckDB again); 说明 names the engine that ran (Spark with its master); a Spark that
cannot start (no pyspark, no Java) is one Chinese + English error naming ``pip install 'bankxl[spark]'`` and a
Java 17 runtime. The Spark tests (marked ``spark``, the shared local session of tests/engine_spark.py) check that
the Spark run's workbook equals the DuckDB run's, read back with openpyxl (counts exact, money to the cent).
"""
from __future__ import annotations

import importlib.util
import math

import openpyxl
import pandas as pd
import pytest

from bankxl import engine
from bankxl.cli import main
from bankxl.crossview import run_all
from bankxl.engine import DuckDBEngine, SparkEngine, usage
from bankxl.engine.choice import engine_for
from bankxl.runner import run_scenario
from bankxl.scenario import get_scenario
from _helpers import sample_csv_files
from engine_spark import pyspark_installed, spark  # noqa: F401  (fixtures: the shared Spark session; pyspark present)

D2 = "deposit.maturity"
STRUCTURE = "到期结构(分行/支行 × 到期期间, 含去重客户数)"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """D2's inputs of a small sample bank as CSV files (as a user exports them)."""
    return sample_csv_files(tmp_path_factory.mktemp("bank"), customers=300)


class ProbeEngine(DuckDBEngine):
    """DuckDB under another name, counting its queries: shows which engine a run used."""

    name = "probe"

    def __init__(self, fail: bool = False):
        super().__init__()
        self.calls, self.fail = 0, fail

    def run(self, query, tables, params=None):
        self.calls += 1
        if self.fail:
            raise RuntimeError("probe engine failed")
        return super().run(query, tables, params)


def _engine_lines(report) -> list[str]:
    return [x for b in report.sheet("说明").blocks if getattr(b, "title", "") == "注意 Notes"
            for x in b.lines if x.startswith("计算引擎")]


def _cli(files, out, *extra) -> list[str]:
    argv = ["run", "D2", *[a for p in files for a in ("-i", str(p))], "-o", str(out), *extra]
    return argv


# --- context-local choice (make test) -------------------------------------------------------------------------

def test_an_engine_given_to_one_run_does_not_leak_into_the_next(files):
    probe = ProbeEngine()
    first = run_scenario(D2, files, None, engine=probe)
    assert probe.calls == 1  # D2's maturity structure: one engine query
    assert [x.split(" 计算「")[0] for x in _engine_lines(first.report)] == ["计算引擎: probe"]
    plain = run_scenario(D2, files, None)
    assert probe.calls == 1  # the plain run did not touch the probe
    assert [x.split(" 计算「")[0] for x in _engine_lines(plain.report)] == ["计算引擎: DuckDB(本机)"]
    assert isinstance(engine.default_engine(), DuckDBEngine) and not isinstance(engine.default_engine(), ProbeEngine)
    # the same report either way (the probe is DuckDB): the engine changes where, not what
    t1, t2 = first.report.tables(), plain.report.tables()
    assert t1.keys() == t2.keys() and all(t1[k].df.equals(t2[k].df) for k in t1)


def test_a_run_that_fails_inside_its_engine_leaves_the_default_alone(files):
    with pytest.raises(RuntimeError, match="probe engine failed"):
        run_scenario(D2, files, None, engine=ProbeEngine(fail=True))
    assert not isinstance(engine.default_engine(), ProbeEngine)
    assert [x.split(" 计算「")[0] for x in _engine_lines(run_scenario(D2, files, None).report)] == [
        "计算引擎: DuckDB(本机)"]


def test_using_is_context_local_and_nests():
    outer, inner = ProbeEngine(), ProbeEngine()
    before = engine.default_engine()
    with engine.using(outer):
        assert engine.default_engine() is outer
        with engine.using(inner):
            assert engine.default_engine() is inner
        with engine.using(None):  # None changes nothing
            assert engine.default_engine() is outer
        assert engine.default_engine() is outer
    assert engine.default_engine() is before


def test_run_all_uses_the_engine_for_its_scenarios_only(files, tmp_path):
    probe = ProbeEngine()
    res = run_all(files, tmp_path / "all", scenarios=[get_scenario(D2)], engine=probe)
    (d2,) = [r for r in res.runs if r.status == "已运行"]
    assert probe.calls == 1
    assert [x.split(" 计算「")[0] for x in _engine_lines(d2.report)] == ["计算引擎: probe"]
    assert not isinstance(engine.default_engine(), ProbeEngine)


def test_cli_duckdb_names_duckdb_in_the_report(files, tmp_path):
    out = tmp_path / "d2.xlsx"
    assert main(_cli(files, out, "--engine", "duckdb")) == 0
    lines = [r[0] for r in openpyxl.load_workbook(out, read_only=True)["说明"].iter_rows(values_only=True)
             if isinstance(r[0], str) and r[0].startswith("计算引擎")]
    assert len(lines) == 1 and lines[0].startswith(f"计算引擎: DuckDB(本机) 计算「{STRUCTURE}」")


def test_engine_for_names_and_objects():
    probe = ProbeEngine()
    assert engine_for(None) is None and engine_for(probe) is probe
    assert isinstance(engine_for("DuckDB"), DuckDBEngine)
    with engine.using(probe):  # --engine duckdb inside a run on another engine: DuckDB, not that engine
        assert type(engine_for("duckdb")) is DuckDBEngine


def test_spark_with_its_master_is_named_in_the_notes():
    class FakeSpark:  # what usage.record reads of an engine: its name and where it ran
        name, where = "spark", "yarn"

    with usage.recording() as runs:
        usage.record("到期结构", FakeSpark(), "定期存款明细", 2_000_000, 40)
        usage.record("到期结构", "duckdb", "定期存款明细", 10, 4)
    assert usage.notes(runs) == [
        "计算引擎: Spark(master yarn) 计算「到期结构」, 读入「定期存款明细」2,000,000 行; 明细在引擎中汇总/识别, "
        "只返回结果 40 行到报表。",
        "计算引擎: DuckDB(本机) 计算「到期结构」, 读入「定期存款明细」10 行; 明细在引擎中汇总/识别, "
        "只返回结果 4 行到报表。"]
    assert "由 Spark(master yarn) 读入" in usage.headline_line(runs)


# --- errors (make test) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, zh, en", [
    (("--engine", "oracle"), "未知的计算引擎「oracle」, 可选: duckdb、spark", "Unknown engine 'oracle'"),
    (("--engine", "duckdb", "--spark-master", "local[1]"), "--spark-master 只用于 --engine spark",
     "--spark-master goes with --engine spark"),
])
def test_cli_refuses_a_bad_engine_choice(files, tmp_path, capsys, extra, zh, en):
    out = tmp_path / "d2.xlsx"
    assert main(_cli(files, out, *extra)) == 2
    err = capsys.readouterr().err
    assert zh in err and en in err and not out.exists()
    assert main(["run", "all", *[a for p in files for a in ("-i", str(p))], "-o", str(tmp_path / "all"),
                 *extra]) == 2
    assert zh in capsys.readouterr().err and not (tmp_path / "all").exists()


def _no_pyspark(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a))


def test_cli_without_pyspark_names_what_to_install(files, tmp_path, capsys, monkeypatch):
    _no_pyspark(monkeypatch)
    out = tmp_path / "d2.xlsx"
    assert main(_cli(files, out, "--engine", "spark", "--spark-master", "local[1]")) == 2
    err = capsys.readouterr().err
    assert "需要 pyspark, 但未安装" in err and "pip install 'bankxl[spark]'" in err and "Java 17" in err
    assert "needs pyspark, which is not installed" in err and not out.exists()
    # --spark-master alone means Spark (same error); a bad parameter is named first, before any engine
    assert main(_cli(files, out, "--spark-master", "local[1]")) == 2
    assert "pip install 'bankxl[spark]'" in capsys.readouterr().err
    assert main(_cli(files, out, "--engine", "spark", "--param", "no_such_param=1")) == 2
    err = capsys.readouterr().err
    assert "no_such_param" in err and "pyspark" not in err
    parts = tmp_path / "by_outlet"  # --by outlet takes the same engine
    assert main(_cli(files, parts, "--by", "outlet", "--engine", "spark")) == 2
    assert "pip install 'bankxl[spark]'" in capsys.readouterr().err and not parts.exists()


@pytest.mark.spark  # needs the pyspark package to reach the Java check: runs in .ci/run's Spark step
@pytest.mark.usefixtures("pyspark_installed")
def test_cli_without_java_says_so_before_starting_spark(files, tmp_path, capsys, monkeypatch):
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no java on PATH
    monkeypatch.delenv("JAVA_HOME", raising=False)
    out = tmp_path / "d2.xlsx"
    assert main(_cli(files, out, "--engine", "spark", "--spark-master", "local[1]")) == 2
    err = capsys.readouterr().err
    assert "需要 Java 运行环境, 但 PATH 中找不到 java" in err and "Java 17" in err
    assert "pip install 'bankxl[spark]'" in err and "no java on PATH" in err and not out.exists()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # a JAVA_HOME without bin/java
    assert main(_cli(files, out, "--engine", "spark")) == 2
    assert "JAVA_HOME 指向的目录中没有 bin/java" in capsys.readouterr().err


# --- Spark local (marked spark; run by .ci/run) ---------------------------------------------------------------

def _cells(path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def _same_cell(a, b) -> bool:
    """Equal cells: text, dates and whole numbers exactly; other numbers within half a cent of a 万元 figure
    (5e-7; engines' float sums differ by ~1e-14)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=0,
                                                                                              abs_tol=5e-7)
    return a == b


@pytest.mark.spark
def test_cli_spark_report_equals_the_duckdb_report(spark, files, tmp_path):  # noqa: F811
    duck, sp = tmp_path / "duck.xlsx", tmp_path / "spark.xlsx"
    assert main(_cli(files, duck, "--engine", "duckdb")) == 0
    assert main(_cli(files, sp, "--engine", "spark", "--spark-master", "local[1]")) == 0
    a, b = _cells(duck), _cells(sp)
    assert list(a) == list(b) and "到期结构" in a
    for sheet in a:
        assert len(a[sheet]) == len(b[sheet]), sheet
        for ra, rb in zip(a[sheet], b[sheet]):
            if sheet == "说明" and isinstance(ra[0], str) and ra[0].startswith("计算引擎"):
                assert ra[0].startswith(f"计算引擎: DuckDB(本机) 计算「{STRUCTURE}」")
                assert rb[0] == ra[0].replace("DuckDB(本机)", "Spark(master local[1])")
                continue
            assert len(ra) == len(rb) and all(_same_cell(x, y) for x, y in zip(ra, rb)), (sheet, ra, rb)
    numbers = [v for r in a["到期结构"] for v in r if isinstance(v, (int, float))]
    assert len(numbers) > 50  # the structure is there, not an empty sheet compared with another
    assert isinstance(engine.default_engine(), DuckDBEngine)  # the Spark run did not leak


@pytest.mark.spark
def test_python_api_takes_the_callers_spark_session(spark, files):  # noqa: F811
    got = run_scenario(D2, files, None, engine=SparkEngine(spark))
    want = run_scenario(D2, files, None)
    assert [x.split(" 计算「")[0] for x in _engine_lines(got.report)] == ["计算引擎: Spark(master local[1])"]
    assert [x.split(" 计算「")[0] for x in _engine_lines(want.report)] == ["计算引擎: DuckDB(本机)"]
    tg, tw = got.report.tables(), want.report.tables()
    assert tg.keys() == tw.keys()
    for k in tw:
        g, w = tg[k].df, tw[k].df
        num = [c for c in w.columns if pd.api.types.is_float_dtype(w[c])]
        pd.testing.assert_frame_equal(g.drop(columns=num), w.drop(columns=num))
        pd.testing.assert_frame_equal(g[num], w[num], check_exact=False, rtol=0, atol=5e-7)
