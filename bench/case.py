"""One bench case in its own process (peak RSS is the case's alone): ``python -m bench.case '<json config>'``
prints one JSON line. :func:`run_case` is the same in-process (tests/test_bench.py).

Config: ``scenario`` (code or id), ``folder`` (the input files, ``<table>.<input>``), ``input`` (csv | parquet |
xlsx), ``write`` (bool), ``refs`` (bool: measure the references too), ``profile`` (bool: cProfile the bankxl
stages, top functions in the result), ``runall`` (instead of a scenario: ``bankxl run all`` over the CSV folder).

Stages, in this order, each measured for wall and CPU seconds and the peak RSS after it: load
(``bankxl.io.read_tables`` on the scenario's input files), run (``bankxl.runner.execute``; the scenario's core
aggregation is wrapped to be timed and captured when a reference exists), write
(``bankxl.report.xlsx.write_report``). Then the references (bench/refs.py): pandas typed ``read_csv`` /
fastexcel on the same files, raw XlsxWriter on the same cells, DuckDB on the core aggregation (checked equal).
"""
from __future__ import annotations

import contextlib
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

from .common import AS_OF, measure

SUFFIX = {"csv": ".csv", "parquet": ".parquet", "xlsx": ".xlsx"}


def input_files(spec, folder: Path, kind: str) -> dict[str, Path]:
    """{table: file} of the scenario's required and optional tables present in ``folder`` (``<table>.<kind>``)."""
    out = {}
    for t in (*spec.inputs, *spec.optional_inputs):
        p = folder / f"{t}{SUFFIX[kind]}"
        if p.exists():
            out[t] = p
    return out


def _profile_text(prof: cProfile.Profile, top: int = 25) -> str:
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)
    return s.getvalue()


def run_case(cfg: dict, references: dict | None = None) -> dict:
    """Measure one case (see the module docstring); ``references``: {code: CoreRef} (default: bench.references).
    Returns a JSON-able dict: stages {load, run, write} and refs {load, write, core} with wall / cpu / peak_mb."""
    from bankxl import io as bio
    from bankxl.errors import ProblemLog
    from bankxl.report.xlsx import write_report
    from bankxl.runner import execute
    from bankxl.scenario import get_scenario

    from . import refs as R

    if cfg.get("runall"):
        return run_all_case(cfg)
    spec = get_scenario(cfg["scenario"])
    folder, kind = Path(cfg["folder"]), cfg.get("input", "csv")
    if references is None:
        from .references import references as find

        references = find()
    core = references.get(spec.code)
    files = input_files(spec, folder, kind)
    res: dict = {"scenario": spec.code, "input": kind, "stages": {}, "refs": {}}
    tmp = Path(tempfile.mkdtemp(prefix="bankxl_bench_"))
    prof = cProfile.Profile() if cfg.get("profile") else None
    try:
        with (prof or contextlib.nullcontext()):
            try:
                with measure() as st:
                    loaded = bio.read_tables(list(files.values()), wanted=spec.inputs,
                                             optional=[t for t in spec.optional_inputs if t in files],
                                             problems=ProblemLog())
            except Exception as e:  # noqa: BLE001 — Parquet before the loader reads it: said so, not faked
                if kind == "parquet" and ("不支持的文件类型" in str(e) or "nsupported" in str(e)):
                    res["unsupported"] = "Parquet: not supported by the loader yet (" + str(e).splitlines()[0][:160] + ")"
                    return res
                raise
            tables = {k: v.df for k, v in loaded.items()}
            st.info["rows"] = sum(len(v) for v in tables.values())
            st.info["tables"] = len(tables)
            res["stages"]["load"] = st.as_dict()
            cap = R.Capture(core.target) if core else contextlib.nullcontext()
            with cap, measure() as st:
                report = execute(spec, tables, as_of=AS_OF)
            res["stages"]["run"] = st.as_dict()
            if cfg.get("write", True):
                with measure() as st:
                    write_report(report, tmp / "report.xlsx")
                st.info["xlsx_mb"] = (tmp / "report.xlsx").stat().st_size / 2**20
                st.info["cells"] = R.report_cells(report)
                res["stages"]["write"] = st.as_dict()
        if prof is not None:
            res["profile"] = _profile_text(prof)
        if not cfg.get("refs", True):
            return res
        # ---- references, after bankxl's stages (their memory is not in bankxl's peak)
        if kind == "csv":
            with measure() as st:
                st.info["rows"] = sum(len(R.pandas_typed_csv(p, t)) for t, p in files.items())
            res["refs"]["load"] = {**st.as_dict(), "name": "pandas read_csv typed"}
        elif kind == "parquet":
            with measure() as st:
                st.info["rows"] = sum(R.duckdb_parquet(p) for p in files.values())
            res["refs"]["load"] = {**st.as_dict(), "name": "DuckDB read_parquet -> pandas"}
        elif kind == "xlsx":
            from bankxl.filesniff import sheet_extent

            with measure() as st:
                st.info["rows"] = sum(R.fastexcel_sheet(p) for p in files.values())
            res["refs"]["load"] = {**st.as_dict(), "name": "fastexcel load_sheet (Arrow)"}
            # the loader's pre-check of each sheet's grid (streamed XML scan), beside the parse it guards
            with measure() as st:
                st.info["cells"] = sum(e.cells for t, p in files.items() if (e := sheet_extent(p, t)) is not None)
            res["refs"]["extent"] = {**st.as_dict(), "name": "filesniff.sheet_extent"}
        if cfg.get("write", True):
            with measure() as st:
                st.info["cells"] = R.write_raw_xlsx(report, tmp / "raw.xlsx")
            res["refs"]["write"] = {**st.as_dict(), "name": "raw XlsxWriter, same cells"}
            res["stages"]["write"]["cells"] = st.info["cells"]
        if core is not None:
            try:
                res["refs"]["core"] = R.run_core_reference(core, cap.calls)
            except Exception as e:  # noqa: BLE001 — a broken reference is reported, the bench goes on
                res["refs"]["core"] = {"status": "error", "what": core.what, "diffs": [f"{type(e).__name__}: {e}"]}
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_all_case(cfg: dict) -> dict:
    """``bankxl run all -i <folder> -o <temp>``: the whole workload from input files to reports, in-process."""
    from bankxl.cli import main as cli

    tmp = Path(tempfile.mkdtemp(prefix="bankxl_bench_all_"))
    try:
        with measure() as st, contextlib.redirect_stdout(io.StringIO()):
            code = cli(["run", "all", "-i", str(cfg["folder"]), "-o", str(tmp / "out"),
                        "--as-of", AS_OF])
        st.info["exit"] = code
        st.info["reports"] = len(list((tmp / "out").glob("*.xlsx")))
        return {"scenario": "run all", "input": "csv", "stages": {"all": st.as_dict()}, "refs": {}}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    res = run_case(json.loads(sys.argv[1]))
    if "profile" in res:
        sys.stderr.write(res.pop("profile"))
    print(json.dumps(res, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
