"""Benchmark: bankxl.conform on 1M rows of 定期存款明细 (9 text columns filled), as a ratio to a pandas reference
measured in the same run (issue 9 leftover 3; moved here from a timed unit test — speed targets live in bench/).

Cases: loader output (stamped: trusted, no per-value text check), the same frame hand-built (each text column
checked once by conform.text_needs_cleaning), and the reference: pandas ``str.strip()`` over the same text columns
(what any re-trim must at least cost). Targets: stamped < 0.1 × reference; hand-built < 1.5 × reference.

    python bench/bench_conform.py [--rows 1000000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from bankxl.conform import DTYPES, conform
from bankxl.sample import make_sample_bank
from bankxl.tables import get_table


def best(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    n = ap.parse_args().rows
    base = make_sample_bank(customers=2_000, seed=7, as_of="2026-11-30")["time_deposits"]
    big = base.iloc[np.arange(n) % len(base)].reset_index(drop=True)
    big["acct_no"] = pd.array(np.char.add("A", np.arange(n).astype(str)), dtype="string")
    big["_row"] = pd.array(np.arange(2, n + 2), dtype="Int64")
    text = [c.id for c in get_table("time_deposits").columns if DTYPES[c.kind] == "string"]
    stamped = big.copy(deep=False)
    stamped.attrs["table"] = "time_deposits"
    conform("time_deposits", stamped)  # warm-up
    ref = best(lambda: [big[c].str.strip() for c in text])
    t_stamped = best(lambda: conform("time_deposits", stamped))
    t_hand = best(lambda: conform("time_deposits", big))
    print(f"rows {n:,}, text columns {len(text)}")
    print(f"reference pandas str.strip over text columns: {ref:.3f} s")
    print(f"conform, loader output (stamped): {t_stamped:.3f} s  ratio {t_stamped / ref:.2f} (target < 0.1)")
    print(f"conform, hand-built (text checked): {t_hand:.3f} s  ratio {t_hand / ref:.2f} (target < 1.5)")


if __name__ == "__main__":
    main()
