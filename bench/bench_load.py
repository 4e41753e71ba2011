"""Benchmark: loading the sample bank's CSV inputs of D2 (customers, time_deposits, orgs) through
``bankxl.io.read_tables``; prints seconds and rows/s per table for 100k and 1M customers.

The CSVs are made once per size with ``make_sample_bank(customers=N, seed=1, as_of="2026-11-30")`` and
``DataFrame.to_csv`` (1M customers: ~2 min, ~250 MB) in ``--data`` (default: a temp dir, removed at the
end). Each table is loaded in its own subprocess (a clean interpreter, as a user's run). With
``--baseline DIR`` (a folder holding another copy of the ``bankxl`` package, e.g. an older checkout) every
load is run with that copy too, alternating with the current one on the same files, and the ratio is
printed. Usage:

    python bench/bench_load.py [--sizes 100000,1000000] [--data DIR] [--baseline DIR] [--repeat 1]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("customers", "time_deposits", "orgs")

GEN = r"""
import sys
from pathlib import Path
from bankxl.sample import make_sample_bank
n, out = int(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
tb = make_sample_bank(customers=n, seed=1, as_of="2026-11-30")
for t in sys.argv[3:]:
    tb[t].to_csv(out / f"{t}.csv", index=False)
"""

LOAD = r"""
import json, sys, time
from bankxl import io as bio
from bankxl.errors import ProblemLog
path, table = sys.argv[1], sys.argv[2]
p = ProblemLog()
t0 = time.perf_counter()
lt = bio.read_tables([path], wanted=(table,), problems=p)[table]
dt = time.perf_counter() - t0
print(json.dumps({"rows": lt.n_rows, "s": dt, "problems": sum(p.counts.values()), "module": bio.__file__}))
"""


def _run(code: str, args: list[str], pythonpath: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    # cwd = that package's folder: ``python -c`` puts the working directory first on sys.path
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                       cwd=pythonpath)
    if r.returncode != 0:
        raise SystemExit(f"failed: {r.stderr.strip()[-2000:]}")
    return r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--data", default=None, help="folder for the CSVs (kept; reused when present)")
    ap.add_argument("--baseline", default=None, help="folder holding another bankxl package to compare")
    ap.add_argument("--repeat", type=int, default=1, help="loads per table and version (the best is shown)")
    args = ap.parse_args()
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="bankxl_bench_load_"))
    versions = [("当前 current", ROOT)]
    if args.baseline:
        versions.insert(0, ("基线 baseline", Path(args.baseline).resolve()))
    print(f"{'客户数':>10s} {'表 table':15s} {'版本 version':16s}{'行数 rows':>12s}{'秒 s':>9s}{'行/秒 rows/s':>14s}")
    try:
        for n in [int(x) for x in args.sizes.split(",")]:
            d = data / f"c{n}"
            if not all((d / f"{t}.csv").exists() for t in TABLES):
                _run(GEN, [str(n), str(d.resolve()), *TABLES], ROOT)
            totals = {name: 0.0 for name, _ in versions}
            for t in TABLES:
                best: dict[str, dict] = {}
                for _ in range(args.repeat):
                    for name, pp in versions:  # alternate versions on the same file
                        m = json.loads(_run(LOAD, [str((d / f"{t}.csv").resolve()), t], pp))
                        if name not in best or m["s"] < best[name]["s"]:
                            best[name] = m
                for name, pp in versions:
                    m = best[name]
                    assert Path(m["module"]).resolve().is_relative_to(pp), (m["module"], pp)
                    totals[name] += m["s"]
                    print(f"{n:>10,d} {t:15s} {name:16s}{m['rows']:>12,d}{m['s']:>9.2f}{m['rows'] / m['s']:>14,.0f}",
                          flush=True)
            line = "  ".join(f"{name} {s:.1f}s" for name, s in totals.items())
            if args.baseline:
                b, c = totals[versions[0][0]], totals[versions[1][0]]
                line += f"  加速 speed-up x{b / c:.1f}"
            print(f"{n:>10,d} {'合计 total':15s} {line}", flush=True)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
