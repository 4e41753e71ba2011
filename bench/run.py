"""Benchmark: time and peak memory of D2, D5, M1 and of writing their workbooks on sample banks of
10k, 100k and 1M customers (issue 2, item 12). Prints a table; figures go in the closing note / README.

Each case runs in its own subprocess so peak RSS (ru_maxrss) belongs to that case alone:
generate the sample bank -> (for 1M: write the inputs as CSV and load them through bankxl.io) ->
run the scenario (execute) -> write the report (XlsxWriter). Usage:

    python bench/run.py [--sizes 10000,100000,1000000] [--scenarios D2,D5,M1]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, tempfile
from pathlib import Path
from bankxl.sample import make_sample_bank
from bankxl.scenario import get_scenario
from bankxl.runner import execute, run_scenario
from bankxl.report.xlsx import write_report
n, code, via_csv = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
spec = get_scenario(code)
t0 = time.perf_counter()
tables = make_sample_bank(customers=n, seed=1, as_of="2026-11-30")
t_gen = time.perf_counter() - t0
need = [t for t in (*spec.inputs, *spec.optional_inputs) if t in tables]
rows = sum(len(tables[t]) for t in need)
out = Path(tempfile.mkdtemp())
t_load = 0.0
if via_csv:
    srcs = []
    for t in need:
        p = out / f"{t}.csv"; tables[t].to_csv(p, index=False); srcs.append(p)
    del tables
    from bankxl import io as bio
    from bankxl.errors import ProblemLog
    t0 = time.perf_counter()
    loaded = bio.read_tables(srcs, wanted=spec.inputs, optional=spec.optional_inputs, problems=ProblemLog())
    tables = {k: v.df for k, v in loaded.items()}
    t_load = time.perf_counter() - t0
else:
    tables = {t: tables[t] for t in need}
t0 = time.perf_counter()
report = execute(spec, tables, as_of="2026-11-30")
t_run = time.perf_counter() - t0
t0 = time.perf_counter()
p = write_report(report, out / "r.xlsx")
t_write = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "gen_s": t_gen, "load_s": t_load, "run_s": t_run, "write_s": t_write,
                  "peak_mb": peak, "xlsx_mb": p.stat().st_size / 2**20}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--scenarios", default="D2,D5,M1")
    args = ap.parse_args()
    header = f"{'场景':6s}{'客户数':>10s}{'输入行数':>12s}{'读取CSV s':>11s}{'运行 s':>9s}{'写xlsx s':>10s}{'峰值内存 MB':>12s}{'xlsx MB':>9s}"
    print(header)
    for n in [int(x) for x in args.sizes.split(",")]:
        for code in args.scenarios.split(","):
            via_csv = "1" if n >= 1_000_000 else "0"
            r = subprocess.run([sys.executable, "-c", CHILD, str(n), code, via_csv], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{code:6s}{n:>10,d}  失败 failed: {r.stderr.strip().splitlines()[-1] if r.stderr else r.returncode}")
                continue
            m = json.loads(r.stdout.strip().splitlines()[-1])
            print(f"{code:6s}{n:>10,d}{m['rows']:>12,d}{m['load_s']:>11.1f}{m['run_s']:>9.1f}{m['write_s']:>10.1f}"
                  f"{m['peak_mb']:>12.0f}{m['xlsx_mb']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
