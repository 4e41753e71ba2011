"""Benchmark: vectorised bankxl.idcard.is_valid vs a Python loop over stdnum.cn.ric.is_valid.

Usage: ``python bench/bench_idcard.py [N] [LOOP_SAMPLE]`` (defaults 1,000,000 and 20,000).
The stdnum loop is timed on LOOP_SAMPLE IDs and scaled linearly to N. The loop wraps stdnum in
try/except because stdnum 2.2 raises KeyError for unknown county codes.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from bankxl import idcard

REGIONS = ["110105", "340524", "360426", "440305", "119999", "310104", "510107", "330106"]
W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def generate(n: int, seed: int = 0) -> pd.Series:
    """n IDs: ~90 % valid, the rest with a wrong check digit or an impossible date."""
    rng = np.random.default_rng(seed)
    region = rng.choice(REGIONS, n)
    birth = (np.datetime64("1940-01-01") + rng.integers(0, 60 * 365, n)).astype("datetime64[D]")
    ymd = pd.Series(birth).dt.strftime("%Y%m%d").to_numpy()
    seq = pd.Series(rng.integers(0, 1000, n)).map("{:03d}".format).to_numpy()
    body = pd.Series(region) + pd.Series(ymd) + pd.Series(seq)
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = np.array(list("10X98765432"))[(digits @ W) % 11]
    bad = rng.random(n) < 0.1
    check[bad] = np.where(check[bad] == "0", "1", "0")
    return body + pd.Series(check)


def main(n: int = 1_000_000, sample: int = 20_000) -> None:
    from stdnum.cn import ric

    ids = generate(n)
    t0 = time.perf_counter()
    vec = idcard.is_valid(ids)
    t_vec = time.perf_counter() - t0

    def loop_is_valid(x: str) -> bool:
        try:
            return ric.is_valid(x)
        except KeyError:
            return False

    small = ids.iloc[:sample].tolist()
    t0 = time.perf_counter()
    loop = [loop_is_valid(x) for x in small]
    t_loop = (time.perf_counter() - t0) * n / sample

    checksum_only = [ric.calc_check_digit(x) == x[-1] for x in small]
    agree = (vec.iloc[:sample].to_numpy() == np.array(checksum_only)).mean()

    print(f"{'method':<44}{'rows':>12}{'seconds':>10}")
    print(f"{'bankxl.idcard.is_valid (numpy, vectorised)':<44}{n:>12,}{t_vec:>10.2f}")
    print(f"{'loop over stdnum.cn.ric.is_valid (scaled)':<44}{n:>12,}{t_loop:>10.2f}")
    print(f"ratio loop / vectorised: {t_loop / t_vec:.0f}x")
    print(
        f"agreement with stdnum check digit on the sample: {agree:.4%}; "
        f"valid share: {vec.mean():.1%} (stdnum loop: {np.mean(loop):.1%}, lower: region data)"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
