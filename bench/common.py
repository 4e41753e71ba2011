"""Shared parts of the bench harness: size names, the sample-bank data cache, and stage measurement.

Data layout (made by :func:`ensure_data`): ``DIR/<size>/csv/<table>.csv``,
``DIR/<size>/parquet/<table>.parquet`` (duckdb COPY of the generated frame) and ``DIR/<size>/DONE`` once they are
complete; ``DIR/<size>_xlsx/<table>.xlsx`` is written on demand (one sheet, plain XlsxWriter; a folder of its own so
that a size folder may be a read-only link to shared data). The sample bank is ``make_sample_bank(customers=N, seed=1, as_of=AS_OF)``.
"""
from __future__ import annotations

import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-30"
SEED = 1
DEFAULT_DATA = ROOT / "build" / "bench_data"


def size_name(n: int) -> str:
    """Folder name of a size: 10000 -> 10k, 1000000 -> 1m, 300 -> 300 (the /tmp/bank naming)."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def parse_size(text: str) -> int:
    """'10k' / '1m' / '300' / '100000' -> customers."""
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = {"k": 1000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def ensure_data(root: Path, n: int, log=print) -> Path:
    """``root/<size>`` holding the sample bank at ``n`` customers as CSV and Parquet; generated once (the folder
    is reused when its DONE marker exists, e.g. a symlink to /tmp/bank/100k). Returns the size folder."""
    d = Path(root) / size_name(n)
    if (d / "DONE").exists():
        return d
    import duckdb

    from bankxl.sample import make_sample_bank

    log(f"生成示例数据 generating the sample bank at {n:,} customers into {d} …")
    t0 = time.perf_counter()
    (d / "csv").mkdir(parents=True, exist_ok=True)
    (d / "parquet").mkdir(parents=True, exist_ok=True)
    tables = make_sample_bank(customers=n, seed=SEED, as_of=AS_OF)
    con = duckdb.connect()
    for name, df in tables.items():
        df.to_csv(d / "csv" / f"{name}.csv", index=False)
        con.register("df", df)
        con.execute(f"COPY df TO '{d / 'parquet' / (name + '.parquet')}' (FORMAT parquet)")
        con.unregister("df")
    (d / "DONE").write_text(f"{time.perf_counter() - t0:.1f}\n")
    return d


def ensure_xlsx(root: Path, n: int, tables: list[str]) -> Path:
    """``root/<size>_xlsx/<table>.xlsx`` for each table present as CSV (one sheet named after the table; values
    typed as the table spec says — pandas typed read of the CSV — and written by plain XlsxWriter), written once:
    to a temp name, renamed when complete. Returns the folder."""
    from .refs import pandas_typed_csv, write_frames_xlsx

    src, out = Path(root) / size_name(n) / "csv", Path(root) / f"{size_name(n)}_xlsx"
    out.mkdir(parents=True, exist_ok=True)
    for t in tables:
        p = out / f"{t}.xlsx"
        if not p.exists() and (src / f"{t}.csv").exists():
            tmp = out / f".{t}.tmp.xlsx"
            write_frames_xlsx({t: pandas_typed_csv(src / f"{t}.csv", t)}, tmp)
            tmp.replace(p)
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Stage:
    """One measured stage: wall and CPU seconds (process time: user + system of this process and its threads),
    peak RSS after it (MB) and free-form counts (rows in, cells written …)."""

    wall: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    info: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"wall": self.wall, "cpu": self.cpu, "peak_mb": self.peak_mb, **self.info}


@contextmanager
def measure():
    """``with measure() as st: ...`` fills a :class:`Stage` with the block's wall / CPU time and the peak RSS."""
    st = Stage()
    w0, c0 = time.perf_counter(), time.process_time()
    try:
        yield st
    finally:
        st.wall = time.perf_counter() - w0
        st.cpu = time.process_time() - c0
        st.peak_mb = peak_rss_mb()


def best_of(fn, repeat: int = 1):
    """Run ``fn`` ``repeat`` times; returns (result of the last run, Stage of the run with the least CPU)."""
    best, res = None, None
    for _ in range(max(repeat, 1)):
        with measure() as st:
            res = fn()
        if best is None or st.cpu < best.cpu:
            best = st
    return res, best
