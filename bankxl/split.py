"""``--by outlet``: one report per branch/outlet holding only its own rows (DESIGN.md "Front ends").

Tables listed in the scenario's ``outlet_tables`` are filtered by ``org_id``; an outlet's report never
contains another outlet's customers. Tables not listed (orgs, holiday tables...) are passed whole. Rows
with a blank 机构号 go to one more report, ``<title>_未分配机构.xlsx``.

File names come from data (机构号), so they are made safe (:func:`bankxl.report.xlsx.safe_filename`),
de-duplicated case-insensitively (as Windows compares), checked to lie in the output folder and to be no
input file — all before the first report is written.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .calendar import BankCalendar
from .errors import BankxlError, ProblemLog
from .report.xlsx import safe_filename, write_report
from .runner import execute, resolve_as_of
from .scenario import RunContext, Scenario

UNASSIGNED = "未分配机构"  # the report of rows without 机构号
MAX_STEM_BYTES = 230  # file name without ".xlsx"; with a " (99)" suffix the name stays under 255 bytes


def _org_keys(df: pd.DataFrame) -> pd.Series:
    """``org_id`` as trimmed text, blank -> <NA>."""
    key = df["org_id"].astype("string").str.strip()
    return key.mask(key.eq("").fillna(False))


def split_by_outlet(spec: Scenario, tables: dict[str, pd.DataFrame]) -> dict[str | None, dict[str, pd.DataFrame]]:
    """outlet org_id -> tables restricted to that outlet (rows of ``spec.outlet_tables`` with that org_id),
    outlets in sorted order; the key ``None`` (last, only when there are such rows) holds the rows whose
    org_id is blank. Raises BankxlError when the scenario has no outlet tables."""
    if not spec.outlet_tables:
        raise BankxlError(f"场景 {spec.code} {spec.title} 不支持按网点拆分。",
                          f"Scenario {spec.id} cannot be split by outlet.")
    split = [t for t in spec.outlet_tables if t in tables and "org_id" in tables[t].columns]
    keys = {t: _org_keys(tables[t]) for t in split}
    rows = {t: k.groupby(k, sort=False).indices for t, k in keys.items()}  # org -> row positions
    outlets: list[str | None] = sorted(set().union(*(r.keys() for r in rows.values())))
    if any(k.isna().any() for k in keys.values()):
        outlets.append(None)
    none = np.array([], dtype=np.intp)
    out = {}
    for o in outlets:
        out[o] = {name: (df.iloc[rows[name].get(o, none)] if o is not None else df[keys[name].isna().to_numpy()])
                  if name in rows else df for name, df in tables.items()}
    return out


def outlet_paths(title: str, outlets: Sequence[str | None], out_dir: Path,
                 sources: Sequence[Any] = ()) -> dict[str | None, Path]:
    """The report path of every outlet: ``out_dir/<title>_<org_id>.xlsx`` with the org_id made a safe file
    name (``None`` -> 未分配机构), ``(2)``, ``(3)`` … added when two names are equal ignoring case or a
    name is one of the ``sources`` files. Raises BankxlError when a path would lie outside ``out_dir``
    (e.g. through a symbolic link)."""
    folder = Path(out_dir).resolve()
    inputs = [Path(s).resolve() for s in sources if isinstance(s, (str, os.PathLike))]

    def is_input(p: Path) -> bool:
        return p.resolve() in inputs or (p.exists() and any(i.exists() and os.path.samefile(p, i) for i in inputs))

    used: set[str] = set()
    out = {}
    for org in outlets:
        stem = safe_filename(f"{title}_{UNASSIGNED if org is None else org}", max_bytes=MAX_STEM_BYTES)
        name, n = f"{stem}.xlsx", 2
        while name.casefold() in used or is_input(folder / name):
            name, n = f"{stem} ({n}).xlsx", n + 1
        used.add(name.casefold())
        path = folder / name
        if path.resolve().parent != folder:
            raise BankxlError(f"报告文件「{path}」会写到输出文件夹「{folder}」之外, 已停止。",
                              f"Report {path} would be written outside the output folder {folder}; stopped.")
        out[org] = path
    return out


def run_by_outlet(spec: Scenario, sources: Sequence[Any], out_dir: Path, *, params: Any = None,
                  as_of: Any = None, strict: bool = False, holidays: Any = None, scale: int = 10_000,
                  currency: str | None = None, progress: Callable[[str], None] = lambda m: None) -> list[Path]:
    """Load once, then write one report per outlet into ``out_dir`` (:func:`outlet_paths`; every name is
    fixed before the first file is written). Rows with a blank 机构号 get the report ``…_未分配机构.xlsx``,
    and the progress line and its 说明 say how many rows. Returns the paths written. Raises BankxlError
    (see :func:`bankxl.runner.check_output`, :func:`outlet_paths`) and the loader's errors."""
    from . import io as bio
    from .runner import check_output, resolve_currency
    from .scenario import parse_currency

    check_output(out_dir, sources, folder=True)
    currency = parse_currency(currency) if currency else None
    problems = ProblemLog()
    loaded = bio.read_tables(sources, wanted=spec.inputs, optional=spec.optional_inputs,
                             problems=problems, strict=strict)
    tables = {k: v.df for k, v in loaded.items()}
    day = resolve_as_of(spec, tables, as_of)
    if holidays is not None and not isinstance(holidays, pd.DataFrame):
        holidays = bio.read_holidays(holidays)
    cal = BankCalendar(holidays)
    currency = resolve_currency(spec, loaded, currency)
    parts = split_by_outlet(spec, tables)
    targets = outlet_paths(spec.title, list(parts), out_dir, sources)
    paths = []
    for i, (org, sub) in enumerate(parts.items(), 1):
        # row problems of the whole load are shown only where their rows belong
        ctx = RunContext(as_of=day, calendar=cal, scale=scale, currency=currency, strict=strict,
                         problems=_problems_for(problems, sub))
        target = targets[org]
        if org is None:
            n_blank = sum(len(sub[t]) for t in spec.outlet_tables if t in sub)
            ctx.notes.append(f"本文件含机构号为空的 {n_blank:,} 行({UNASSIGNED}), 这些行不属于任何网点的文件 (--by outlet)。")
            progress(f"机构号为空的 {n_blank:,} 行写入 {target.name} ({UNASSIGNED}); "
                     f"{n_blank:,} row(s) without 机构号 go to this file")
        else:
            ctx.notes.append(f"本文件仅含机构号「{org}」的数据 (--by outlet)。")
            if target.name != f"{spec.title}_{org}.xlsx":
                ctx.notes.append(f"文件名「{target.name}」与机构号不同: 原机构号含文件名不允许的字符、过长, "
                                 "或与另一机构(不分大小写)或输入文件同名。")
        inputs = {k: {"source": loaded[k].source, "sheet": loaded[k].sheet, "header_row": loaded[k].header_row,
                      "rows": len(v)} for k, v in sub.items()}
        report = execute(spec, sub, params, ctx=ctx, inputs=inputs)
        p = write_report(report, target)
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
