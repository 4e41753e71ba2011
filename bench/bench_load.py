"""Benchmark: loading the sample bank's inputs of D2 (customers, time_deposits, orgs) through
``bankxl.io.read_tables``, with the reference parsers measured in the same process (issue 16 item 4).

Per table and size it prints CPU seconds (``time.process_time``; wall seconds beside them, noisy on a loaded
machine) of bankxl's load and of the reference on the same file, and their ratio (target ≤ 1.5):

- CSV: pandas ``read_csv`` (C engine) typed by the table spec — codes/text str, money/numbers float64, int
  Int64, bool boolean, dates parsed (``parse_dates``); no validation;
- Parquet (``--parquet``): DuckDB ``read_parquet`` into pandas (the loader reads Parquet through it);
- xlsx (``--xlsx``, one sheet per table written once with XlsxWriter, typed cells, dates as text as in an
  export): fastexcel loading the sheet into Arrow memory (pyarrow is not installed, so nothing turns it into
  pandas: the parser's floor) and python-calamine's ``to_python`` (what the loader uses).

Data: ``--data DIR`` holding ``c<N>/<table>.csv`` or the /tmp/bank layout ``<size>/csv/<table>.csv`` and
``<size>/parquet/<table>.parquet`` (``100k``, ``1m``); missing CSVs are made with ``make_sample_bank(customers=N,
seed=1, as_of="2026-11-30")`` (1M customers: ~2 min, ~250 MB). Each table is loaded in its own subprocess (a
clean interpreter, as a user's run), reference and bankxl alternating ``--repeat`` times (best of each). With
``--baseline DIR`` (a folder holding another copy of the ``bankxl`` package) that copy is measured too.
Usage:

    python bench/bench_load.py [--sizes 100000,1000000] [--data DIR] [--baseline DIR] [--repeat 2]
                               [--parquet] [--xlsx] [--tables customers,time_deposits,orgs]
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

XLSX = r"""
import sys
from pathlib import Path
from bench.refs import pandas_typed_csv, write_frames_xlsx
src, dst, table = sys.argv[1:4]
write_frames_xlsx({table: pandas_typed_csv(Path(src), table)}, Path(dst))  # as bench.common.ensure_xlsx
"""

LOAD = r"""
import json, sys, time
from bankxl import io as bio
from bankxl.errors import ProblemLog
path, table, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.append(sys.argv[4])  # the references come from this checkout's bench/ (after the measured bankxl copy)
from bench.refs import duckdb_parquet, fastexcel_sheet, pandas_typed_csv

def ref_csv():
    return len(pandas_typed_csv(path, table))

def ref_parquet():
    return duckdb_parquet(path)

def ref_fastexcel():
    return fastexcel_sheet(path)

def calamine():
    from python_calamine import CalamineWorkbook
    return len(CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=True))

def ours():
    p = ProblemLog()
    lt = bio.read_tables([path], wanted=(table,), problems=p)[table]
    return lt.n_rows, sum(p.counts.values())

refs = {".csv": [("pandas read_csv typed", ref_csv)], ".parquet": [("duckdb read_parquet", ref_parquet)],
        ".xlsx": [("fastexcel (arrow)", ref_fastexcel), ("calamine to_python", calamine)]}[path[path.rfind("."):]]
best = {}
for _ in range(repeat):
    for name, f in refs + [("bankxl", ours)]:
        c0, t0 = time.process_time(), time.perf_counter()
        r = f()
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        if name not in best or cpu < best[name]["cpu"]:
            best[name] = {"cpu": cpu, "wall": wall, "r": r}
print(json.dumps({"best": best, "module": bio.__file__}))
"""


def _run(code: str, args: list[str], pythonpath: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    # cwd = that package's folder: ``python -c`` puts the working directory first on sys.path
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                       cwd=pythonpath)
    if r.returncode != 0:
        raise SystemExit(f"failed: {r.stderr.strip()[-2000:]}")
    return r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""


def _size_dir(data: Path, n: int) -> Path:
    """The /tmp/bank name of a size (100k, 1m) when that layout is present, else ``c<N>``."""
    name = f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"
    return data / name if (data / name / "csv").is_dir() else data / f"c{n}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--data", default=None, help="folder of the inputs (kept; reused when present)")
    ap.add_argument("--baseline", default=None, help="folder holding another bankxl package to compare")
    ap.add_argument("--repeat", type=int, default=2, help="loads per table and version (the best is shown)")
    ap.add_argument("--tables", default=",".join(TABLES))
    ap.add_argument("--parquet", action="store_true", help="also load the Parquet files (/tmp/bank layout)")
    ap.add_argument("--xlsx", action="store_true", help="also load each table from an .xlsx (written once)")
    args = ap.parse_args()
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="bankxl_bench_load_"))
    tables = args.tables.split(",")
    versions = [("当前 current", ROOT)]
    if args.baseline:
        versions.insert(0, ("基线 baseline", Path(args.baseline).resolve()))
    print("| 客户数 | 表 table | 格式 | 版本 version | 行数 rows | CPU s | wall s | 参照 reference | 参照 CPU s | "
          "倍数 ratio |\n|---:|---|---|---|---:|---:|---:|---|---:|---:|")
    try:
        for n in [int(x) for x in args.sizes.split(",")]:
            d = _size_dir(data, n)
            csv_dir = d / "csv" if (d / "csv").is_dir() else d
            if not all((csv_dir / f"{t}.csv").exists() for t in tables):
                _run(GEN, [str(n), str(csv_dir.resolve()), *tables], ROOT)
            for t in tables:
                files = [csv_dir / f"{t}.csv"]
                if args.parquet and (d / "parquet" / f"{t}.parquet").exists():
                    files.append(d / "parquet" / f"{t}.parquet")
                if args.xlsx:
                    x = data / f"{d.name}_xlsx" / f"{t}.xlsx"
                    if not x.exists():
                        x.parent.mkdir(parents=True, exist_ok=True)
                        _run(XLSX, [str(files[0].resolve()), str(x.resolve()), t], ROOT)
                    files.append(x)
                for f in files:
                    for name, pp in versions:
                        if f.suffix == ".parquet" and name != versions[-1][0]:
                            continue  # Parquet input is new: the current version only
                        m = json.loads(_run(LOAD, [str(f.resolve()), t, str(args.repeat), str(ROOT)], pp))
                        assert Path(m["module"]).resolve().is_relative_to(pp), (m["module"], pp)
                        b = m["best"]
                        ours = b.pop("bankxl")
                        for i, (ref, r) in enumerate(b.items()):
                            lead = (f"| {n:,} | {t} | {f.suffix[1:]} | {name} | {ours['r'][0]:,} | {ours['cpu']:.2f} | "
                                    f"{ours['wall']:.2f}") if i == 0 else "| | | | | | |"
                            print(f"{lead} | {ref} | {r['cpu']:.2f} | {ours['cpu'] / r['cpu']:.2f} |", flush=True)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
