"""``bankxl demo``: every registered scenario on the bundled sample bank, and on real public data
where an adapter and the data exist (``bankxl.datasets``). Works from a fresh clone with nothing beside it.

The sample bank is written as input workbooks first and the scenarios read those files through the
same loader users go through, so the demo exercises the whole path: file -> loader -> scenario -> report.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pandas as pd

from .report.summary import report_rows, report_sizes
from .report.xlsx import report_file_name
from .runner import run_scenario
from .scenario import registry


def run_demo(out: Path, data_dir: Path | None = None, customers: int = 2000, seed: int = 20261130,
             as_of: str = "2026-11-30", progress: Callable[[str], None] = print) -> pd.DataFrame:
    """Run the demo; returns one row per report written (数据集, 场景, 文件, 工作表, 行数)."""
    from .sample import make_sample_bank, write_sample_workbooks

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    t0 = time.perf_counter()
    tables = make_sample_bank(customers=customers, seed=seed, as_of=as_of)
    inputs = write_sample_workbooks(tables, out / "输入数据_示例银行")
    progress(f"== 示例银行 sample bank ({customers} 客户, seed {seed}, 数据日期 {as_of}) ==")
    progress("输入 inputs: " + ", ".join(p.name for p in inputs))
    for spec in registry().values():
        if not set(spec.sample_inputs) <= set(tables):
            lacking = sorted(set(spec.sample_inputs) - set(tables))
            progress(f"  - {spec.code} {spec.title}: 跳过, 示例银行缺少 {lacking}")
            continue
        path = out / report_file_name(spec.code, spec.title, "示例银行")
        res = run_scenario(spec, inputs, path, as_of=as_of)
        rows.extend(report_rows("示例银行", spec, res.report, res.path))
        progress(f"  ✓ {spec.code} {spec.title} -> {path.name}  ({report_sizes(res.report)})")
    from .datasets import demo_runs

    rows.extend(demo_runs(out, data_dir, progress))
    summary = pd.DataFrame(rows)
    n_files = summary["文件"].nunique() if len(summary) else 0
    progress(f"完成 done in {time.perf_counter() - t0:.1f}s: {n_files} 份报告 reports in {out}")
    return summary
