"""``--by outlet``: one report per branch/outlet holding only its own rows (DESIGN.md "Front ends").

Tables listed in the scenario's ``outlet_tables`` are filtered by ``org_id``; an outlet's report never
contains another outlet's customers. Tables not listed (orgs, holiday tables...) are passed whole.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from .calendar import BankCalendar
from .errors import BankxlError, ProblemLog
from .report.xlsx import write_report
from .runner import execute, resolve_as_of
from .scenario import RunContext, Scenario


def split_by_outlet(spec: Scenario, tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """outlet org_id -> tables restricted to that outlet (rows of ``spec.outlet_tables`` with that org_id)."""
    if not spec.outlet_tables:
        raise BankxlError(f"场景 {spec.code} {spec.title} 不支持按网点拆分。\n"
                          f"Scenario {spec.id} cannot be split by outlet.")
    outlets: set[str] = set()
    for t in spec.outlet_tables:
        if t in tables and "org_id" in tables[t].columns:
            outlets.update(tables[t]["org_id"].dropna().astype(str).unique())
    out = {}
    for o in sorted(outlets):
        sub = {}
        for name, df in tables.items():
            if name in spec.outlet_tables and "org_id" in df.columns:
                sub[name] = df[df["org_id"].astype("string") == o]
            else:
                sub[name] = df
        out[o] = sub
    return out


def run_by_outlet(spec: Scenario, sources: Sequence[Any], out_dir: Path, *, params: Any = None,
                  as_of: Any = None, strict: bool = False, holidays: Any = None, scale: int = 10_000,
                  progress: Callable[[str], None] = lambda m: None) -> list[Path]:
    """Load once, then write ``out_dir/<title>_<org_id>.xlsx`` per outlet. Returns the paths written."""
    from . import io as bio
    from .runner import check_output

    check_output(out_dir, sources, folder=True)
    problems = ProblemLog()
    loaded = bio.read_tables(sources, wanted=spec.inputs, optional=spec.optional_inputs,
                             problems=problems, strict=strict)
    tables = {k: v.df for k, v in loaded.items()}
    day = resolve_as_of(spec, tables, as_of)
    if holidays is not None and not isinstance(holidays, pd.DataFrame):
        holidays = bio.read_holidays(holidays)
    cal = BankCalendar(holidays)
    paths = []
    parts = split_by_outlet(spec, tables)
    for i, (org, sub) in enumerate(parts.items(), 1):
        # row problems of the whole load are shown only where their rows belong
        ctx = RunContext(as_of=day, calendar=cal, scale=scale, strict=strict, problems=_problems_for(problems, sub))
        inputs = {k: {"source": loaded[k].source, "sheet": loaded[k].sheet, "header_row": loaded[k].header_row,
                      "rows": len(v)} for k, v in sub.items()}
        report = execute(spec, sub, params, ctx=ctx, inputs=inputs)
        report.notes.append(f"本文件仅含机构 {org} 的数据 (--by outlet)。")
        p = write_report(report, out_dir / f"{spec.title}_{org}.xlsx")
        paths.append(p)
        progress(f"[{i}/{len(parts)}] {p.name}")
    return paths


def _problems_for(problems: ProblemLog, sub: dict[str, pd.DataFrame]) -> ProblemLog:
    """The subset of load problems whose Excel rows are in this outlet's tables."""
    out = ProblemLog(cap=problems.cap)
    rows = {t: set(df["_row"].dropna().astype(int)) for t, df in sub.items() if "_row" in df.columns}
    for p in problems.problems:
        if p.table in rows and p.excel_row is not None and p.excel_row not in rows[p.table]:
            continue
        out.add(p)
    return out
