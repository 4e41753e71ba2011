"""D2 到期结构 on pandas vs DuckDB vs Spark local (issue 17; figures in docs/engine.md).

    .venv/bin/python -m bench.bench_engine --data build/bench_data --size 100k [--spark] [--repeat 3]
    .venv/bin/python -m bench.bench_engine --data build/bench_data --size 1m --spark

Reads ``DATA/<size>/parquet/{time_deposits,orgs,customers}.parquet``, conforms them and prepares D2's detail
as ``run`` does (not timed), then times, in the same process, warm and interleaved (best of ``--repeat``):

* ``pandas``: D2's former pandas code (the oracle of tests/test_engine_maturity.py: a groupby with
  ``nunique`` per level, rows placed per org);
* ``duckdb``: ``structure_tables`` through the default DuckDB engine (registering the frame included);
* ``spark``: the same query through ``SparkEngine`` on ``local[2]`` reading the prepared detail as Parquet
  (written once to a temporary folder, as a cluster would hold it); session start timed apart.

CPU = this process's user+system time (DuckDB's threads included) plus, for Spark, the JVM's (``/proc``).
Prints one markdown table; checks every engine's tables equal the pandas ones (counts exact, money to the cent).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the oracle lives with its tests

from bankxl import engine  # noqa: E402
from bankxl.conform import conform  # noqa: E402
from bankxl.scenarios.deposit.maturity.aggregate import structure_tables  # noqa: E402
from test_engine_maturity import oracle_structure_tables, prepared  # noqa: E402


def _jvm_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fn, jvm_pid=None):
    c0, j0, w0 = time.process_time(), _jvm_cpu(jvm_pid), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0 + _jvm_cpu(jvm_pid) - j0


def _same(a: dict, b: dict) -> bool:
    return all(a[m].equals(b[m]) for m in ("count", "customers")) and np.allclose(
        a["amount"].iloc[:, 3:].to_numpy(float), b["amount"].iloc[:, 3:].to_numpy(float), rtol=0, atol=1e-6)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="build/bench_data")  # the cache make bench fills
    ap.add_argument("--size", default="100k")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark", action="store_true")
    a = ap.parse_args(argv)
    folder = Path(a.data) / a.size / "parquet"
    tables = {t: conform(t, duckdb.sql(f"SELECT * FROM read_parquet('{folder / (t + '.parquet')}')").df(),
                         required=t == "time_deposits") for t in ("time_deposits", "orgs", "customers")}
    d, periods, has_branch, ctx, top = prepared(tables)
    args = (d, periods, has_branch, ctx, top)
    runs = {"pandas": lambda: oracle_structure_tables(*args), "duckdb": lambda: structure_tables(*args)}
    jvm = None
    rows = []
    if a.spark:
        from pyspark.sql import SparkSession
        t0, c0 = time.perf_counter(), time.process_time()
        spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                 .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "3g").getOrCreate())
        jvm = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
        rows.append(("spark session start", time.perf_counter() - t0, time.process_time() - c0 + _jvm_cpu(jvm), ""))
        tmp = Path(tempfile.mkdtemp(prefix="bankxl-engine-bench-")) / "deposits.parquet"
        cols = list(engine.load("maturity_structure").inputs["deposits"])
        con = duckdb.connect()
        con.register("d", d[cols])
        con.execute(f"COPY d TO '{tmp}' (FORMAT parquet)")
        sdf = spark.read.parquet(str(tmp))
        spark_engine = engine.SparkEngine(spark)

        class OnParquet:  # the detail as the cluster holds it: Spark reads the Parquet, not the pandas frame
            def run(self, query, tabs, params=None):
                return spark_engine.run(query, {"deposits": sdf}, params)

        def spark_run():
            engine.set_default_engine(OnParquet())
            try:
                return structure_tables(*args)
            finally:
                engine.set_default_engine(None)
        runs["spark"] = spark_run
    best, outs = {k: (np.inf, np.inf) for k in runs}, {}
    for _ in range(a.repeat):  # interleaved: the load of the machine hits every method alike
        for k, fn in runs.items():
            outs[k], wall, cpu = _timed(fn, jvm if k == "spark" else None)
            best[k] = min(best[k], (wall, cpu))
    ref = best["pandas"]
    for k, (wall, cpu) in best.items():
        rows.append((k, wall, cpu, f"{ref[1] / cpu:.1f}x" if cpu else ""))
    equal = {k: _same(outs[k], outs["pandas"]) for k in outs}
    print(f"D2 到期结构, {a.size} customers ({len(d):,} deposits, {len(outs['pandas']['count'])} rows x "
          f"{len(periods) + 1} columns), best of {a.repeat}; equal to pandas: {equal}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print("| method | wall s | CPU s | CPU vs pandas |\n|---|---|---|---|")
    for k, wall, cpu, ratio in rows:
        print(f"| {k} | {wall:.3f} | {cpu:.3f} | {ratio} |")
    if a.spark:
        shutil.rmtree(tmp.parent, ignore_errors=True)
    if not all(equal.values()):
        raise SystemExit("results differ")


if __name__ == "__main__":
    main()
