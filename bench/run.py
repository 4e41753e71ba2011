"""``make bench``: every registered scenario per stage (load / run / write) at 10k, 100k and 1M customers, each
case in its own process, beside references measured in the same case (issue 16 items 1–2; bench/refs.py):
pandas typed ``read_csv`` / fastexcel for the load, raw XlsxWriter on the same cells for the write, DuckDB on the
scenario's core aggregation (bench/references/, checked equal first); then ``bankxl run all`` over the largest
CSV folder against the 60 s target. Prints a markdown report (machine, versions, tables, ratios vs targets) that
can be pasted into bench/RESULTS.md. CPU seconds are this process's user + system time (``time.process_time``);
wall seconds are noisy on a shared machine, so ratios are CPU to CPU.

    python -m bench.run [--sizes 10k,100k,1m] [--scenarios D2,M1] [--data build/bench_data]
                        [--parquet-sizes 1m] [--xlsx-sizes 100k --xlsx-scenarios D2] [--runall-sizes 1m]
                        [--lock FILE] [--profile D2 [--profile-size 100k]] [--json FILE]

Input data: generated once per size into ``--data`` (bench/common.py ``ensure_data``; a size folder that exists with
its DONE marker is reused, e.g. a link to /tmp/bank/1m). ``--lock FILE``: cases of ≥ 1M customers run under
``flock FILE`` (one big job at a time on a shared machine).
"""
from __future__ import annotations

if __package__ in (None, ""):  # ``python bench/run.py`` works as ``python -m bench.run``
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "bench"

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench.common import DEFAULT_DATA, ROOT, ensure_data, ensure_xlsx, parse_size, size_name

#: issue 16 item 2 targets (ratios to the references; seconds)
TARGET_LOAD_CSV, TARGET_LOAD_XLSX, TARGET_WRITE, TARGET_CORE = 1.5, 1.5, 1.2, 1.5
TARGET_D2_CPU_1M, TARGET_ALL_WALL = 10.0, 60.0


def run_child(cfg: dict, lock: str | None = None) -> dict:
    """One case in a fresh interpreter (``python -m bench.case``), optionally under ``flock lock``."""
    cmd = [sys.executable, "-m", "bench.case", json.dumps(cfg, ensure_ascii=False)]
    if lock:
        cmd = ["flock", lock, *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if cfg.get("profile") and r.stderr:
        print(r.stderr, file=sys.stderr)
    if r.returncode != 0:
        tail = (r.stderr or "").strip().splitlines()
        return {"scenario": cfg.get("scenario", "run all"), "input": cfg.get("input", "csv"),
                "error": f"exit {r.returncode}" + (f", last message: {tail[-1]}" if tail else "")}
    return json.loads(r.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------- report text

def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _s(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def _r(x: float | None, target: float | None = None) -> str:
    if x is None:
        return "—"
    mark = "" if target is None else (" ✓" if x <= target else " ✗")
    return f"{x:.2f}×{mark}"


def machine_md() -> str:
    """Machine and versions, as markdown lines."""
    import importlib.metadata as md

    def ver(p: str) -> str:
        try:
            return md.version(p)
        except md.PackageNotFoundError:
            return "not installed"

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.1f} GB"
    vers = ", ".join(f"{p} {ver(p)}" for p in ("pandas", "numpy", "duckdb", "XlsxWriter", "python-calamine",
                                              "fastexcel", "rustpy-xlsxwriter", "pyarrow"))
    return (f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}; git {_git_head()}\n"
            f"- machine: {os.cpu_count()} CPU(s) (nproc {len(os.sched_getaffinity(0))}), RAM {mem}, {cpu}; "
            f"load average {os.getloadavg()[0]:.1f}\n"
            f"- python {platform.python_version()}; {vers}")


def _git_head() -> str:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return r.stdout.strip() or "?"


def stage_table(results: list[dict]) -> str:
    """The per-case markdown table: stages with their references and ratios (CPU to CPU)."""
    head = ("| 场景 | 客户 | 输入 | 输入行 | load CPU s (wall) | ref load CPU | load × | run CPU s (wall) | "
            "write CPU s (wall) | raw write CPU | write × | cells | peak MB |\n"
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    out = [head]
    for r in results:
        who = f"| {r['scenario']} | {r['size']} | {r['input']} |"
        if "error" in r or "unsupported" in r:
            out.append(f"{who} {r.get('unsupported') or '失败 failed: ' + r['error']} |" + " |" * 9)
            continue
        st, rf = r["stages"], r["refs"]
        ld, rn, wr = st.get("load", {}), st.get("run", {}), st.get("write", {})
        rl, rw = rf.get("load", {}), rf.get("write", {})
        tgt = {"xlsx": TARGET_LOAD_XLSX, "csv": TARGET_LOAD_CSV}.get(r["input"])  # Parquet: no target
        out.append(f"{who} {ld.get('rows', 0):,} | {_s(ld.get('cpu'))} ({_s(ld.get('wall'))}) | {_s(rl.get('cpu'))} | "
                   f"{_r(_ratio(ld.get('cpu'), rl.get('cpu')), tgt if rl and tgt else None)} | "
                   f"{_s(rn.get('cpu'))} ({_s(rn.get('wall'))}) | {_s(wr.get('cpu'))} ({_s(wr.get('wall'))}) | "
                   f"{_s(rw.get('cpu'))} | {_r(_ratio(wr.get('cpu'), rw.get('cpu')), TARGET_WRITE if rw else None)} | "
                   f"{wr.get('cells', 0):,} | {max(ld.get('peak_mb', 0), rn.get('peak_mb', 0), wr.get('peak_mb', 0)):,.0f} |")
    return "\n".join(out)


def core_table(results: list[dict]) -> str:
    """Core aggregations: bankxl's function (timed inside the run) vs DuckDB on the same inputs, checked equal."""
    out = ["| 场景 | 客户 | 输入 | 聚合 aggregation | bankxl CPU s | DuckDB CPU s (wall) | × DuckDB | 结果 check |",
           "|---|---:|---|---|---:|---:|---:|---|"]
    for r in results:
        c = (r.get("refs") or {}).get("core")
        if not c:
            continue
        ok = c.get("status") == "equal"
        ratio = _ratio(c.get("bankxl_cpu"), c.get("duckdb_cpu")) if ok else None
        check = "equal" if ok else f"{c.get('status')}: {'; '.join(c.get('diffs', []))[:200]}"
        out.append(f"| {r['scenario']} | {r['size']} | {r['input']} | {c.get('what', '')} | {_s(c.get('bankxl_cpu'), 3)} | "
                   f"{_s(c.get('duckdb_cpu'), 3)} ({_s(c.get('duckdb_wall'), 3)}) | {_r(ratio, TARGET_CORE)} | {check} |")
    return "\n".join(out)


def extent_md(results: list[dict]) -> str:
    """filesniff.sheet_extent (the xlsx loader's grid pre-check) beside fastexcel's parse of the same files."""
    out = []
    for r in results:
        e, f = (r.get("refs") or {}).get("extent"), (r.get("refs") or {}).get("load")
        if e and f:
            out.append(f"- {r['scenario']} {r['size']} xlsx: filesniff.sheet_extent {e['cpu']:.2f} s CPU over "
                       f"{e['cells']:,} cells = {_r(_ratio(e['cpu'], f['cpu']))} fastexcel's load of the same sheets")
    return "\n".join(out)


def targets_md(results: list[dict]) -> str:
    """The whole-run figures against issue 16 item 2: D2's run at the largest size, run all."""
    lines = []
    for r in results:
        if r["scenario"] == "D2" and r["input"] == "csv" and "stages" in r and r["size"] in ("1m",):
            cpu = r["stages"]["run"]["cpu"]
            lines.append(f"- D2 run at 1M (CSV input): {cpu:.1f} s CPU (target ≤ {TARGET_D2_CPU_1M:.0f} s)"
                         f"{' ✓' if cpu <= TARGET_D2_CPU_1M else ' ✗'}")
        if r["scenario"] == "run all":
            if "error" in r:
                lines.append(f"- run all at {r['size']}: 失败 failed: {r['error']}")
                continue
            a = r["stages"]["all"]
            lines.append(f"- bankxl run all at {r['size']} (CSV folder → {a.get('reports')} reports, exit "
                         f"{a.get('exit')}): {a['wall']:.1f} s wall, {a['cpu']:.1f} s CPU, peak {a['peak_mb']:,.0f} MB "
                         f"(target ≤ {TARGET_ALL_WALL:.0f} s wall){' ✓' if a['wall'] <= TARGET_ALL_WALL else ' ✗'}")
    return "\n".join(lines)


def missing_refs_md(codes: list[str]) -> str:
    from bench.references import references

    have = set(references())
    miss = [c for c in codes if c not in have]
    return ("- core-aggregation references: " + ", ".join(sorted(have)) +
            ("; none yet for " + ", ".join(miss) if miss else ""))


# ------------------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    from bankxl.scenario import registry

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k,1m", help="customers per sample bank, e.g. 10k,100k,1m")
    ap.add_argument("--scenarios", default="", help="codes, default: every registered scenario")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="cache of generated input data (reused)")
    ap.add_argument("--parquet-sizes", default="1m", help="sizes also run from Parquet input")
    ap.add_argument("--xlsx-sizes", default="100k", help="sizes also run from .xlsx input (written once)")
    ap.add_argument("--xlsx-scenarios", default="D2", help="scenarios run from .xlsx input")
    ap.add_argument("--runall-sizes", default="1m", help="sizes at which bankxl run all is measured")
    ap.add_argument("--no-refs", action="store_true", help="bankxl stages only")
    ap.add_argument("--no-write", action="store_true", help="skip the write stage")
    ap.add_argument("--lock", default=None, help="flock this file around cases of >= 1M customers")
    ap.add_argument("--profile", default=None, help="a scenario code: cProfile its case (top functions to stderr)")
    ap.add_argument("--profile-size", default="100k")
    ap.add_argument("--json", default=None, help="also write every case's figures to this file")
    a = ap.parse_args(argv)

    reg = {s.code: s for s in registry().values()}
    codes = [c.strip() for c in a.scenarios.split(",") if c.strip()] or sorted(reg, key=lambda c: (c[0], int(c[1:])))
    data = Path(a.data)
    sizes = lambda text: [parse_size(x) for x in text.split(",") if x.strip()]  # noqa: E731
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    if a.profile:
        n = parse_size(a.profile_size)
        d = ensure_data(data, n, say)
        r = run_child({"scenario": a.profile, "folder": str(d / "csv"), "input": "csv", "profile": True,
                       "refs": False, "write": not a.no_write}, a.lock if n >= 1_000_000 else None)
        print(json.dumps(r, ensure_ascii=False, indent=1))
        return 0

    def save(results: list[dict]) -> None:  # after every case: a long run that stops keeps what it measured
        if a.json:
            Path(a.json).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))

    results = []
    for n in sizes(a.sizes):
        d = ensure_data(data, n, say)
        lock = a.lock if n >= 1_000_000 else None
        kinds = ["csv"] + (["parquet"] if n in sizes(a.parquet_sizes) else [])
        for code in codes:
            for kind in kinds + (["xlsx"] if n in sizes(a.xlsx_sizes) and code in a.xlsx_scenarios.split(",") else []):
                folder = d / kind
                if kind == "xlsx":
                    spec = reg[code]
                    folder = ensure_xlsx(data, n, [*spec.inputs, *spec.optional_inputs])
                say(f"{size_name(n)} {code} {kind} …")
                r = run_child({"scenario": code, "folder": str(folder), "input": kind, "refs": not a.no_refs,
                               "write": not a.no_write}, lock)
                r["size"] = size_name(n)
                results.append(r)
                save(results)
                if "unsupported" in r:
                    say(r["unsupported"])
        if n in sizes(a.runall_sizes):
            say(f"{size_name(n)} run all …")
            r = run_child({"runall": True, "folder": str(d / "csv")}, lock)
            r["size"] = size_name(n)
            results.append(r)
            save(results)
    print("## 环境 machine\n\n" + machine_md() + "\n")
    print("## 各阶段 stages (CPU s; × = ratio to the reference in the same case)\n\n" + stage_table(results) + "\n")
    print("## 核心聚合 core aggregation vs DuckDB\n\n" + core_table(results) + "\n")
    print("## 目标 targets\n\n" + (targets_md(results) or "- (no 1M case in this run)") + "\n" +
          missing_refs_md(codes) + ("\n" + extent_md(results) if extent_md(results) else ""), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
