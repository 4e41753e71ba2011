"""Benchmark: writing a scenario's report (.xlsx) against raw writers on the same cells, in one process
(issue 16 items 1 and 6). CPU time (``time.process_time``) and wall time, median of ``--repeat`` runs,
ratios to the reference measured in the same run:

* ``bankxl``          — :func:`bankxl.report.xlsx.write_report` as a user's run does it (pivots included);
* ``bankxl -pivots``  — the same without the native-pivot post-processing step (``pivot.add_pivots``);
* ``raw XlsxWriter``  — the project's write reference :func:`bench.refs.write_raw_xlsx` (the report's table,
  note and headline cells through XlsxWriter's typed calls; no formats, tables, charts or print setup);
* ``rustpy-xlsxwriter`` — the same cells written by rustpy-xlsxwriter (one worksheet per table: it writes one
  table per sheet), when it is installed.

The report is built once (``make_sample_bank(customers=N, seed=1, as_of="2026-11-30")`` -> ``execute``), or
read from a pickle (``--pickle``, e.g. made by an earlier ``--save``). Usage:

    python -m bench.bench_write [--scenario D2] [--customers 100000] [--repeat 3] [--pickle F] [--save F]
"""
from __future__ import annotations

import argparse
import datetime as dt
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xlsxwriter

from bankxl.report.model import Table
from bankxl.report.xlsx import XlsxReportWriter, write_report
from bench.refs import write_raw_xlsx


def build(scenario: str, customers: int):
    from bankxl.runner import execute
    from bankxl.sample import make_sample_bank
    from bankxl.scenario import get_scenario
    spec = get_scenario(scenario)
    tables = make_sample_bank(customers=customers, seed=1, as_of="2026-11-30")
    need = {k: tables[k] for k in (*spec.inputs, *spec.optional_inputs) if k in tables}
    return execute(spec, need, as_of="2026-11-30")


def report_tables(report) -> list[Table]:
    return [b for s in report.sheets for b in s.blocks if isinstance(b, Table)]


def cells(report) -> int:
    return sum(len(t.df) * len(t.df.columns) for t in report_tables(report))


def rustpy(report, path: Path) -> None:
    """The same cells through rustpy-xlsxwriter (one table per worksheet, its pandas path)."""
    import rustpy_xlsxwriter as rx
    sheets = []
    for i, t in enumerate(report_tables(report)):
        df = t.df.copy()
        for c in df.columns:
            s = df[c]
            if pd.api.types.is_bool_dtype(s):
                df[c] = s.map({True: "是", False: "否"}).astype(object)
            elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_numeric_dtype(s):
                df[c] = s.astype("float64")  # nullable ints: <NA> -> NaN (an empty cell)
            elif not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_datetime64_any_dtype(s):
                df[c] = s.astype(object).where(s.notna(), None)
        sheets.append((f"T{i}", df))
    rx.write_worksheets(sheets, str(path), datetime_format="yyyy-mm-dd", float_format="#,##0.00")


def no_pivots(report, path: Path) -> None:
    orig = XlsxReportWriter._add_pivots
    XlsxReportWriter._add_pivots = lambda self: None
    try:
        write_report(report, path)
    finally:
        XlsxReportWriter._add_pivots = orig


def measure(fn, report, out: Path, repeat: int) -> tuple[float, float, float]:
    cpu, wall = [], []
    for k in range(repeat):
        p = out / f"{fn.__name__}_{k}.xlsx"
        t0, c0 = time.perf_counter(), time.process_time()
        fn(report, p)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return statistics.median(cpu), statistics.median(wall), p.stat().st_size / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="D2")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pickle")
    ap.add_argument("--save")
    ap.add_argument("--only", default="bankxl,bankxl-pivots,raw,rustpy")
    args = ap.parse_args()
    if args.pickle:
        with open(args.pickle, "rb") as f:
            report = pickle.load(f)
    else:
        report = build(args.scenario, args.customers)
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump(report, f)
    runs = {"bankxl": write_report, "bankxl-pivots": no_pivots, "raw": write_raw_xlsx, "rustpy": rustpy}
    wanted = args.only.split(",")
    if "rustpy" in wanted:
        try:
            import rustpy_xlsxwriter  # noqa: F401
        except ImportError:
            wanted.remove("rustpy")
    print(f"{report.code} {args.customers:,} customers: {cells(report):,} table cells; "
          f"XlsxWriter {xlsxwriter.__version__}; Python {sys.version.split()[0]}; {dt.date.today()}")
    out = Path(tempfile.mkdtemp(prefix="bench_write_"))
    res = {name: measure(runs[name], report, out, args.repeat) for name in wanted}
    ref = res.get("raw")
    print(f"{'writer':18s}{'CPU s':>9s}{'wall s':>9s}{'MB':>7s}{'CPU / raw':>11s}")
    for name, (c, w, mb) in res.items():
        ratio = f"{c / ref[0]:.2f}" if ref else "-"
        print(f"{name:18s}{c:9.2f}{w:9.2f}{mb:7.1f}{ratio:>11s}")
    for p in out.iterdir():
        p.unlink()
    out.rmdir()


if __name__ == "__main__":
    main()
