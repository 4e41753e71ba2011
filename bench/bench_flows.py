"""C3 / D4 / D3 with the flow classifier on the engine layer vs the pandas classifier it replaced (issue 17).

    .venv/bin/python -m bench.bench_flows --data build/bench_data --size 100k [--repeat 2] [--scenarios C3,D4]
    .venv/bin/python -m bench.bench_flows --data build/bench_data --size 1m

Reads ``DATA/<size>/parquet/<table>.parquet`` (through DuckDB: no pyarrow) for the scenario's sample tables, then
in the same process, interleaved (best of ``--repeat`` by CPU), runs the whole scenario (``runner.execute``:
conform + run + 说明, no writing) twice:

* ``pandas``: with the scenario's classifier replaced by the pandas oracle of tests/test_engine_transactions.py
  (bankxl.rules.transactions as it was before the engine);
* ``engine``: as shipped (query ``classify_flows`` on the default DuckDB engine);

and the classifier stage alone on the scenario's window. CPU = this process's user+system time (DuckDB's
threads included). Checks that both runs give identical report tables. Prints one markdown table.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from bench.common import AS_OF, best_of, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
#: scenario code -> (module holding the classifier name it calls, that name, the oracle's name)
PATCH = {"C3": ("bankxl.rules.transactions", "classify_transactions", "oracle_transactions"),
         "D3": ("bankxl.scenarios.deposit.churn.behaviour", "classify_transactions", "oracle_transactions"),
         "D4": ("bankxl.scenarios.deposit.core_customers", "classify_exclusions", "oracle_exclusions")}


def _oracle():
    sys.path.insert(0, str(ROOT / "tests"))
    import test_engine_transactions as t  # the pandas classifier before the engine (its oracle)
    return t


@contextmanager
def pandas_classifier(code: str):
    """The scenario runs with the pandas oracle in place of the engine-backed classifier."""
    import importlib
    mod_name, name, oracle_name = PATCH[code]
    mod = importlib.import_module(mod_name)
    old = getattr(mod, name)
    oracle = getattr(_oracle(), oracle_name)
    setattr(mod, name, lambda *a, engine=None, **kw: oracle(*a, **kw))  # D3 passes its engine; the oracle is pandas
    try:
        yield
    finally:
        setattr(mod, name, old)


def _tables(report) -> dict:
    from bankxl.report import Table
    return {f"{s.name}/{i}": b.df for s in report.sheets for i, b in enumerate(s.blocks) if isinstance(b, Table)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="build/bench_data")  # the cache make bench fills
    ap.add_argument("--size", default="100k")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scenarios", default="C3,D4")
    a = ap.parse_args(argv)
    from bankxl.runner import execute
    from bankxl.scenario import get_scenario, registry
    specs = {get_scenario(s).code: get_scenario(s) for s in registry()}
    folder = Path(a.data) / a.size / "parquet"
    rows = ["| scenario | size | path | CPU s | wall s | peak RSS MB | transactions |", "|---|---|---|---|---|---|---|"]
    loaded: dict = {}
    for code in a.scenarios.split(","):
        spec = specs[code]
        for t in spec.sample_inputs:
            if t not in loaded and (folder / f"{t}.parquet").exists():
                loaded[t] = duckdb.sql(f"SELECT * FROM '{folder / t}.parquet'").df()
        tables = {t: loaded[t] for t in spec.sample_inputs if t in loaded}
        n_txn = len(tables.get("transactions", []))
        runs = {}
        for _ in range(max(a.repeat, 1)):
            for path in ("pandas", "engine"):
                def go(path=path):
                    if path == "pandas":
                        with pandas_classifier(code):
                            return execute(spec, tables, as_of=AS_OF)
                    return execute(spec, tables, as_of=AS_OF)
                rep, st = best_of(go)
                if path not in runs or st.cpu < runs[path][1].cpu:
                    runs[path] = (rep, st)
        if "transactions" in tables:  # the classifier stage alone, on the conformed flows, the scenario's window
            from bankxl.conform import conform
            from bankxl.scenario import make_params
            txn = conform("transactions", tables["transactions"], required=True)
            p = make_params(spec.params, None)
            months = int(getattr(p, "window_months", getattr(p, "f3_window", 12)))
            full = PATCH[code][1] == "classify_transactions"
            import bankxl.rules.transactions as tr
            o = _oracle()
            for path, fn in (("pandas", o.oracle_transactions if full else o.oracle_exclusions),
                             ("engine", tr.classify_transactions if full else tr.classify_exclusions)):
                args = (txn, p, pd.Timestamp(AS_OF), None) + ((None,) if full else ())
                det, st = best_of(lambda fn=fn, args=args: fn(*args, months=months), a.repeat)
                rows.append(f"| {code} classifier ({months} months{'' if full else ', exclusions'}) | {a.size} | "
                            f"{path} | {st.cpu:.2f} | {st.wall:.2f} | {st.peak_mb:.0f} | {len(det):,} classified |")
        same = all(x.equals(y) for x, y in zip(_tables(runs["pandas"][0]).values(), _tables(runs["engine"][0]).values()))
        for path, (_, st) in runs.items():
            rows.append(f"| {code} | {a.size} | {path} | {st.cpu:.2f} | {st.wall:.2f} | {st.peak_mb:.0f} | {n_txn:,} |")
        rows.append(f"| {code} | {a.size} | engine/pandas CPU | {runs['engine'][1].cpu / runs['pandas'][1].cpu:.2f} "
                    f"| | | tables identical: {same} |")
        print("\n".join(rows[-5:]), flush=True)
    print("\n".join(rows))
    print(f"peak RSS {peak_rss_mb():.0f} MB; pandas {pd.__version__}, duckdb {duckdb.__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
