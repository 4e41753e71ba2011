"""``--by outlet``: one report per branch/outlet holding only its own rows (DESIGN.md "Front ends").

Tables listed in the scenario's ``outlet_tables`` are filtered by ``org_id``; an outlet's report never
contains another outlet's customers. Tables not listed (orgs, holiday tables...) are passed whole. Rows
with a blank 机构号 go to one more report, ``<title>_(未分配机构).xlsx`` (a name no real 机构号 takes: see
:func:`outlet_paths`). A 机构号 with no letter, digit or 汉字 left once made safe (``..``, ``*``) is named
``<title>_机构_<8 hex of its SHA-1>.xlsx``; the 说明 of every file whose name differs names its 机构号.

File names come from data (机构号), so they are made safe (:func:`bankxl.report.xlsx.safe_filename`),
de-duplicated case-insensitively (as Windows compares), checked to lie in the output folder and to be no
input file — all before the first report is written.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .errors import BankxlError, DataValidationError, ProblemLog
from .report.xlsx import holds_user_data, safe_filename, write_report
from .runner import check_output, prepare
from .scenario import Scenario

UNASSIGNED = "未分配机构"  # the rows without 机构号
#: their file's name part: in brackets, so that it reads apart from any 机构号 (and is named first, see
#: :func:`outlet_paths`, so that a real 机构号 「(未分配机构)」 gets ``(2)``, never this name)
UNASSIGNED_FILE = f"({UNASSIGNED})"
MAX_STEM_BYTES = 230  # file name without ".xlsx"; with a " (99)" suffix the name stays under 255 bytes


def _org_keys(df: pd.DataFrame) -> pd.Series:
    """``org_id`` as trimmed text, blank -> <NA> (positional index for a table read through DuckDB: its 机构号
    come as codes, :func:`bankxl.frames.coded_columns`, and are trimmed per distinct value)."""
    if hasattr(df, "relation"):  # bankxl.engine.inputs.DuckTable
        from .frames import coded_columns

        cc = coded_columns(df, "org_id")
        u = pd.Series(cc.keys, dtype="string").str.strip()
        return pd.Series(u.mask(u.eq("")).array.take(cc.codes, allow_fill=True), dtype="string")
    key = df["org_id"].astype("string").str.strip()
    return key.mask(key.eq("").fillna(False))


def _rows(df: Any, rows: np.ndarray) -> Any:
    """The rows at positions ``rows`` of ``df`` (a DuckDB-read table: its ``.loc`` selection, in file order)."""
    if hasattr(df, "relation"):
        mask = np.zeros(len(df), dtype=bool)
        mask[rows] = True
        return df.loc[mask]
    return df.iloc[rows]


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
        out[o] = {name: _rows(df, rows[name].get(o, none) if o is not None else np.flatnonzero(keys[name].isna()))
                  if name in rows else df for name, df in tables.items()}
    return out


def _stem(title: str, org: str | None) -> str:
    """``<title>_<org_id>`` as a safe file name; ``<title>_(未分配机构)`` for ``None``; an org_id left with no
    letter, digit or 汉字 once made safe (``..``, ``*``) becomes ``机构_<8 hex of its SHA-1>``."""
    if org is None:
        return safe_filename(f"{title}_{UNASSIGNED_FILE}", max_bytes=MAX_STEM_BYTES)
    name = safe_filename(org, max_bytes=MAX_STEM_BYTES)
    if not re.search(r"[^\W_]", name):
        name = f"机构_{hashlib.sha1(org.encode('utf-8')).hexdigest()[:8]}"
    return safe_filename(f"{title}_{name}", max_bytes=MAX_STEM_BYTES)


def outlet_paths(title: str, outlets: Sequence[str | None], out_dir: Path,
                 sources: Sequence[Any] = ()) -> dict[str | None, Path]:
    """The report path of every outlet: ``out_dir/<title>_<org_id>.xlsx`` with the org_id made a safe file
    name (:func:`_stem`; ``None`` -> ``(未分配机构)``, named first so that a real 机构号 「(未分配机构)」 never
    takes it), ``(2)``, ``(3)`` … added when two names are equal ignoring case or a name is one of the
    ``sources`` files or any other existing file that is not a report bankxl wrote before
    (:func:`~bankxl.report.xlsx.holds_user_data`: only those are replaced). Returns {org: path} in the order of
    ``outlets``. Raises BankxlError when a path would lie outside ``out_dir`` (e.g. through a symbolic link)."""
    folder = Path(out_dir).resolve()
    inputs = [Path(s).resolve() for s in sources if isinstance(s, (str, os.PathLike))]

    used: set[str] = set()
    out = {}
    for org in sorted(outlets, key=lambda o: o is not None):  # stable: None first, then the given order
        stem = _stem(title, org)
        name, n = f"{stem}.xlsx", 2
        while name.casefold() in used or holds_user_data(folder / name, inputs):
            name, n = f"{stem} ({n}).xlsx", n + 1
        used.add(name.casefold())
        path = folder / name
        if path.resolve().parent != folder:
            raise BankxlError(f"报告文件「{path}」会写到输出文件夹「{folder}」之外, 已停止。",
                              f"Report {path} would be written outside the output folder {folder}; stopped.")
        out[org] = path
    return {org: out[org] for org in outlets}


def run_by_outlet(spec: Scenario, sources: Sequence[Any], out_dir: Path, *, params: Any = None,
                  as_of: Any = None, strict: bool = False, holidays: Any = None, scale: int = 10_000,
                  mask: bool = True, mask_accounts: bool = True, currency: str | None = None,
                  progress: Callable[[str], None] = lambda m: None,
                  skipped: list[tuple[str | None, str, DataValidationError]] | None = None) -> list[Path]:
    """Load once (:func:`bankxl.runner.prepare`, the pipeline of ``run_scenario``, so every setting — masking,
    as-of, currency, unit and as-of notes — reaches every file), then write one report per outlet into
    ``out_dir`` (:func:`outlet_paths`; every name is fixed before the first file is written). Rows with a
    blank 机构号 get the report ``…_(未分配机构).xlsx``, and the progress line and its 说明 say how many rows.
    An outlet whose own data cannot give a report (a DataValidationError of its run, e.g. no usable deposit:
    every 余额 blank) is skipped — its file is not written, the progress line says why, and
    ``(org, file name, error)`` is appended to ``skipped`` when given — so the other outlets' files are all
    written; when every outlet is skipped the first error is raised.
    Returns the paths written. Raises BankxlError (see :func:`bankxl.runner.check_output`,
    :func:`outlet_paths`) and the loader's errors."""
    check_output(out_dir, sources, folder=True)
    prep = prepare(spec, sources, params=params, as_of=as_of, strict=strict, holidays=holidays, scale=scale,
                   mask=mask, mask_accounts=mask_accounts, currency=currency, progress=progress)
    parts = split_by_outlet(spec, prep.tables)
    targets = outlet_paths(spec.title, list(parts), out_dir, sources)
    paths: list[Path] = []
    errors: list[DataValidationError] = []
    for i, (org, sub) in enumerate(parts.items(), 1):
        target = targets[org]
        if org is None:
            n_blank = sum(len(sub[t]) for t in spec.outlet_tables if t in sub)
            notes = [f"本文件含机构号为空的 {n_blank:,} 行({UNASSIGNED}), 这些行不属于任何网点的文件 (--by outlet)。"]
            progress(f"机构号为空的 {n_blank:,} 行写入 {target.name} ({UNASSIGNED}); "
                     f"{n_blank:,} row(s) without 机构号 go to this file")
        else:
            notes = [f"本文件仅含机构号「{org}」的数据 (--by outlet)。"]
            if target.name != f"{spec.title}_{org}.xlsx":
                notes.append(f"文件名「{target.name}」与机构号「{org}」不同: 原机构号含文件名不允许的字符、过长, "
                             f"或与另一机构(不分大小写)、{UNASSIGNED_FILE}或输入文件同名。")
        # row problems of the whole load are shown only where their rows belong
        try:
            report = prep.run(sub, problems=_problems_for(prep.problems, sub), notes=notes)
        except DataValidationError as err:
            progress(f"[{i}/{len(parts)}] 跳过 skipped {target.name}: {err}")
            errors.append(err)
            if skipped is not None:
                skipped.append((org, target.name, err))
            continue
        p = write_report(report, target)
        paths.append(p)
        progress(f"[{i}/{len(parts)}] {p.name}")
    if errors and not paths:
        raise errors[0]
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
