"""Scale (issue 17 item 4): 10M customers / 100M transactions through the engine layer, DuckDB with a memory
limit and spilling, and Spark local on a smaller size. Figures and the extrapolation: bench/RESULTS.md
"Scale (issue 17)".

    # 1. the data, in chunks (reused when present; each call stops starting chunks after --max-minutes,
    #    call again to go on; DONE marks a complete set)
    flock /tmp/h/big.lock .venv/bin/python -m bench.bench_scale generate --customers 10m --max-minutes 9
    # 2. the engine stages at several sizes (each stage x size in its own subprocess: its own peak memory);
    #    the classifier at 10m in batches of 100k customers, two calls (see make bench-scale)
    flock /tmp/h/big.lock .venv/bin/python -m bench.bench_scale duckdb --sizes 100k,1m --memory-limit 1GB
    flock /tmp/h/big.lock .venv/bin/python -m bench.bench_scale duckdb --sizes 10m --stages classify \
        --batch 100k --batch-range 0:50
    flock /tmp/h/big.lock .venv/bin/python -m bench.bench_scale spark --sizes 1m --stages classify

Data (``--data DIR``, default build/scale_data; layout ``DIR/c<chunk>_s<seed>/``): the sample bank's own
generators (:mod:`bankxl.sample`), run per chunk of ``--chunk`` customers (:func:`chunk_tables`: the first
steps of ``make_sample_bank`` — customers, time deposits and the issue-3 tables of which transactions and loans
are kept). Chunk k has seed ``seed + k`` for every stream except the org tree (orgs and staff of ``seed``, so
that every chunk shares one org tree); its customers are renumbered ``k*chunk+1 …`` (cust_id, 10 digits),
deposits' acct_no and txn_id made unique per chunk; chunk 0 with ``seed`` is exactly ``make_sample_bank(chunk,
seed)`` apart from those ids. The sample bank has ~5.2 transactions per customer, so each chunk adds
``--txn-draws`` (default 2) independent draws of transactions (seed ``seed + k + 100003*d``) over the same
customer numbers: ~10.5 transactions per customer, 100M at 10M customers, each flow drawn as the sample bank
draws it. Written per table and chunk: ``orgs.parquet``, ``customers/part-K.parquet``,
``time_deposits/part-K.parquet``, ``own_loans/part-K.parquet`` (cust_id, mp: the classifier's own-loan input,
:func:`bankxl.rules.transactions.own_loans` of the chunk's loans), ``transactions/part-K-D.parquet`` (zstd,
DuckDB COPY, written to a temporary name then renamed). A size of N customers = the first N/chunk chunks.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import AS_OF, SEED, parse_size, size_name  # noqa: E402

DEFAULT_DATA = ROOT / "build" / "scale_data"
#: seed offset between transaction draws of one chunk (chunks use seed + k; draws never collide below 100,003)
DRAW_STRIDE = 100_003
TABLES = ("customers", "time_deposits", "own_loans", "transactions")


# ---------------------------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------------------------

def chunk_tables(customers: int, seed: int, org_seed: int, as_of: str = AS_OF) -> dict[str, pd.DataFrame]:
    """orgs, customers, time_deposits, transactions and loans of a sample bank of ``customers`` customers drawn
    as :func:`bankxl.sample.make_sample_bank` draws them (same streams, same order), except that orgs and staff
    come from ``org_seed``'s streams. With ``org_seed == seed`` the frames equal make_sample_bank's (loans: before
    its C10 limit columns, drawn on a stream of their own; tests/test_bench_scale.py). Only the generators these
    tables need are run (~3x faster than the whole bank)."""
    from bankxl.sample import _finish, _make_customers, _make_extended, _make_orgs, _make_time_deposits
    from bankxl.sample.payroll import _make_staff

    as_of_d = np.datetime64(pd.Timestamp(as_of).date(), "D")
    r_org, r_staff = (np.random.default_rng(s) for s in np.random.default_rng(org_seed).spawn(7)[:2])
    _, _, _, r_cust, r_td, _, r_ext = (np.random.default_rng(s) for s in np.random.default_rng(seed).spawn(7))
    orgs, info = _make_orgs(r_org)
    n_months = int(as_of_d.astype("datetime64[M]").astype(np.int64) % 12 + 1)
    staff = _make_staff(r_staff, orgs, n_months)
    cust, wealth = _make_customers(r_cust, int(customers), as_of_d, orgs, info["outlet_district"], staff)
    td = _make_time_deposits(r_td, cust, wealth, as_of_d)
    ext, _ = _make_extended(r_ext, cust, wealth, td, as_of_d)
    return {"orgs": orgs, "customers": _finish("customers", cust), "time_deposits": _finish("time_deposits", td),
            "transactions": ext["transactions"], "loans": ext["loans"]}


def _numbered(start: int, n: int, width: int, prefix: str = "") -> np.ndarray:
    """``prefix`` + start, start+1, … zero-padded to ``width`` digits (vectorised)."""
    return np.char.add(prefix, np.char.zfill(np.arange(start, start + n).astype(str), width)).astype(object)


def renumber(tables: dict, k: int, chunk: int, draw: int = 0) -> dict[str, pd.DataFrame]:
    """The chunk's tables with customers renumbered ``k*chunk+1 …`` in their table order (cust_id everywhere,
    the settlement account acct_no of transactions), deposits' acct_no and txn_id unique per (chunk, draw).
    Raises ValueError when a row names a customer the chunk does not have."""
    from bankxl.rules.transactions import own_loans
    from bankxl.sample import _settle_acct

    cust = tables["customers"]
    index = pd.Index(cust["cust_id"].astype(object))
    new_ids = _numbered(k * chunk + 1, len(cust), 10)

    def ids(s: pd.Series) -> pd.array:
        pos = index.get_indexer(s.astype(object))
        if (pos < 0).any():
            raise ValueError(f"chunk {k}: {int((pos < 0).sum())} rows name a customer not in the chunk")
        return pd.array(new_ids[pos], dtype="string")

    txn = tables["transactions"].copy()
    txn["cust_id"] = ids(txn["cust_id"])
    txn["acct_no"] = pd.array(_settle_acct(txn["cust_id"].to_numpy(dtype=object)), dtype="string")
    txn["txn_id"] = pd.array(_numbered(0, len(txn), 9, f"TX{k:05d}{draw}"), dtype="string")
    if draw:
        return {"transactions": txn}
    td = tables["time_deposits"].copy()
    td["cust_id"] = ids(td["cust_id"])
    td["acct_no"] = pd.array(_numbered(0, len(td), 13, f"{k:05d}"), dtype="string")
    own = own_loans(tables["loans"])[["cust_id", "mp"]]
    own = own.assign(cust_id=ids(own["cust_id"]))
    return {"customers": cust.assign(cust_id=pd.array(new_ids, dtype="string")), "time_deposits": td,
            "own_loans": own.reset_index(drop=True), "transactions": txn}


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """``df`` as one Parquet file (DuckDB COPY, zstd; no pyarrow), written to a temporary name then renamed."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    # dates as TIMESTAMP (µs): Spark does not read Parquet TIMESTAMP(NANOS)
    df = df.astype({c: "datetime64[us]" for c in df.columns if df[c].dtype.kind == "M"})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    con = duckdb.connect()
    try:
        con.register("frame", df)
        con.execute(f"COPY frame TO '{_sql_text(tmp)}' (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()
    os.replace(tmp, path)


def _sql_text(path) -> str:
    return str(path).replace("'", "''")


def data_dir(root: Path, chunk: int, seed: int) -> Path:
    return Path(root) / f"c{chunk}_s{seed}"


def part_paths(folder: Path, table: str, chunks: int, draws: int, first: int = 0) -> list[Path]:
    """The files of ``table`` for chunks ``first`` … ``chunks - 1``."""
    if table == "transactions":
        return [folder / table / f"part-{k:05d}-{d}.parquet" for k in range(first, chunks) for d in range(draws)]
    return [folder / table / f"part-{k:05d}.parquet" for k in range(first, chunks)]


def generate(root: Path, customers: int, chunk: int, seed: int, draws: int, max_minutes: float, log=None) -> bool:
    """Generate the missing chunks for ``customers`` customers (see the module docstring); stops starting new
    chunks after ``max_minutes``. Returns True when the set is complete (then ``DONE-<size>`` is written)."""
    if customers % chunk:
        raise SystemExit(f"--customers {customers} is not a multiple of --chunk {chunk}")
    log = log or (lambda *a: print(*a, flush=True))
    folder = data_dir(root, chunk, seed)
    chunks = customers // chunk
    t0 = time.perf_counter()
    if not (folder / "orgs.parquet").exists():
        _write_parquet(chunk_tables(0, seed, seed)["orgs"], folder / "orgs.parquet")
    for k in range(chunks):
        for d in range(draws):
            if (folder / "transactions" / f"part-{k:05d}-{d}.parquet").exists():  # written last: the rest is there
                continue
            if time.perf_counter() - t0 > max_minutes * 60:
                log(f"stopped after {max_minutes} min at chunk {k} draw {d}: call again to go on")
                return False
            c0 = time.process_time()
            tabs = renumber(chunk_tables(chunk, seed + k + DRAW_STRIDE * d, seed), k, chunk, d)
            for t, df in tabs.items():
                name = f"part-{k:05d}-{d}.parquet" if t == "transactions" else f"part-{k:05d}.parquet"
                _write_parquet(df, folder / t / name)
            log(f"chunk {k} draw {d}: {len(tabs['transactions']):,} transactions, "
                f"{time.process_time() - c0:.1f} s CPU, peak RSS {_maxrss_mb():,.0f} MB")
    (folder / f"DONE-{size_name(customers)}").write_text(json.dumps({"customers": customers, "chunk": chunk,
                                                                      "seed": seed, "draws": draws}))
    return True



# ---------------------------------------------------------------------------------------------------------------
# the engine stages
# ---------------------------------------------------------------------------------------------------------------

def maturity_input_sql(as_of: str = AS_OF, months: int = 12) -> str:
    """DuckDB SQL shaping raw ``time_deposits`` (view ``td``) + ``orgs`` into the ``deposits`` input of the
    ``maturity_structure`` query, as D2's prepare does in pandas: deposits holding money (balance > 0, not
    销户/结清), 支行 = the deposit's org, 分行 = its parent, 到期期间 = 已到期未支取 / 当日到期 / the maturity
    month (yyyy-mm) for the ``months`` months from the month after as_of / 12个月以后, ckey = the customer
    number. Written in the common subset so that sqlglot carries it to Spark."""
    day = pd.Timestamp(as_of)
    end = ((day + pd.Timedelta(days=1)).to_period("M") + months).to_timestamp().strftime("%Y-%m-%d")
    return f"""
        SELECT o.parent_id AS branch_id, b.org_name AS branch, d.org_id AS outlet_id, o.org_name AS outlet,
               CASE WHEN CAST(d.maturity_date AS DATE) < DATE '{day:%Y-%m-%d}' THEN '已到期未支取'
                    WHEN CAST(d.maturity_date AS DATE) = DATE '{day:%Y-%m-%d}' THEN '当日到期'
                    WHEN CAST(d.maturity_date AS DATE) < DATE '{end}' THEN STRFTIME(d.maturity_date, '%Y-%m')
                    ELSE '12个月以后' END AS period,
               d.balance AS balance, CAST(d.cust_id AS BIGINT) AS ckey
        FROM td AS d LEFT JOIN orgs AS o ON o.org_id = d.org_id LEFT JOIN orgs AS b ON b.org_id = o.parent_id
        WHERE d.balance > 0 AND COALESCE(d.status, '') NOT IN ('销户', '结清')"""


def _maturity_totals(out: pd.DataFrame) -> dict:
    """The grand-total row of a maturity_structure result (every key rolled up): amount, deposits, customers."""
    total = out[out[["branch_id", "outlet_id", "period"]].isna().all(axis=1)].iloc[0]
    return {"total_amount": float(total["amount"]), "total_count": int(total["count"]),
            "total_customers": int(total["customers"])}


def classifier_call(txn: pd.DataFrame | None = None, names=None, loans: pd.DataFrame | None = None):
    """(query, tables, params) of the flow classifier exactly as
    :func:`bankxl.rules.transactions.classify_transactions` binds them for its default rules (as_of AS_OF,
    6 months): captured from a call over ``txn`` (default: the first rows of a 50-customer sample bank) with
    an engine that records its arguments (and runs them on DuckDB), so the scale run uses the definition and
    parameters the scenarios use. ``tables``: the pandas inputs of that call (txn, names, own, dc_words)."""
    from bankxl.engine import DuckDBEngine
    from bankxl.rules.transactions import TransactionRuleParams, classify_transactions
    from bankxl.sample import make_sample_bank

    seen = {}

    class Recorder:
        name = "recorder"

        def run(self, query, tables, params=None):
            seen.update(query=query, tables=tables, params=params)
            return DuckDBEngine(memory_limit="256MB").run(query, tables, params)

    if txn is None:
        txn = make_sample_bank(customers=50, seed=SEED, as_of=AS_OF)["transactions"]
    classify_transactions(txn, TransactionRuleParams(), pd.Timestamp(AS_OF), names=names, loans=loans, months=6,
                          engine=Recorder())
    return seen["query"], seen["tables"], seen["params"]


#: the transactions as the classifier's ``txn`` input (DuckDB): _i = a unique number per row from the chunk, draw
#: and row in file (the row's place in the generated data); _row unknown (no sheet row)
TXN_SQL_DUCKDB = r"""
    SELECT (CAST(regexp_extract(filename, 'part-(\d+)-(\d+)', 1) AS BIGINT) * 16
            + CAST(regexp_extract(filename, 'part-(\d+)-(\d+)', 2) AS BIGINT)) * 4294967296 + file_row_number AS _i,
           CAST(NULL AS BIGINT) AS _row, cust_id, txn_ts, amount, dc, cpty_name, cpty_acct, cpty_bank, memo
    FROM read_parquet({files}, filename = true, file_row_number = true)"""


def _duck_list(paths) -> str:
    return "[" + ", ".join(f"'{_sql_text(p)}'" for p in paths) + "]"


def _profile(con, path: Path) -> dict:
    """DuckDB's own figures of the last query (JSON profile): peak buffer memory, peak temp dir, bytes spilled."""
    try:
        sysinfo = json.loads(path.read_text())["system"]
    except (OSError, ValueError, KeyError):
        return {}
    return {k: sysinfo.get(k) for k in ("peak_buffer_memory", "peak_temp_dir_size", "total_bytes_spilled")}


def classify_chunks(eng, folder: Path, first: int, last: int, draws: int, target: Path, call=None) -> int:
    """classify_flows (the classifier's query and parameters, :func:`classifier_call`) over the transactions,
    names and own loans of chunks ``first`` … ``last - 1``, written by ``eng`` (a DuckDBEngine) to ``target``.
    Every rule of the classifier looks at one customer's flows (windows, reversal pairs and instalments per
    cust_id, names and own loans joined on it), so batches of whole customers give the rows of one run over all
    (tests/test_bench_scale.py). Returns the rows written."""
    query, captured, params = call or classifier_call()
    con = eng.con
    txn = con.sql(TXN_SQL_DUCKDB.format(files=_duck_list(part_paths(folder, "transactions", last, draws, first))))
    names = con.sql(f"SELECT cust_id, cust_name FROM read_parquet({_duck_list(part_paths(folder, 'customers', last, draws, first))})")
    own = con.sql(f"SELECT cust_id, mp FROM read_parquet({_duck_list(part_paths(folder, 'own_loans', last, draws, first))})")
    return eng.write(query, {"txn": txn, "names": names, "own": own, "dc_words": captured["dc_words"]}, params, target)


def duck_stage(folder: Path, stage: str, customers: int, chunk: int, draws: int, memory_limit: str,
               out_dir: Path, batch: int | None = None, batches: tuple[int, int] | None = None) -> dict:
    """One stage on DuckDB in this process: ``maturity`` (maturity_structure over the deposits of the first
    customers/chunk chunks in one query, result to pandas through engine.run) or ``classify`` (classify_flows
    over their transactions, result written to Parquet through DuckDBEngine.write; in batches of ``batch``
    customers when given — ``batches`` = (first, end) batch numbers run by this call). Returns the figures
    (per classify batch too): wall/CPU of this process (DuckDB's threads included), DuckDB's profile of each
    engine query (peak buffer memory, peak temp dir, bytes spilled)."""
    from bankxl import engine

    chunks = customers // chunk
    tmp = out_dir / "duckdb_tmp"
    eng = engine.DuckDBEngine(memory_limit=memory_limit, temp_directory=str(tmp), threads=2)
    prof = out_dir / f"profile-{os.getpid()}.json"
    res = {"engine": "duckdb", "stage": stage, "customers": customers, "memory_limit": memory_limit}
    con = eng.con
    if stage == "classify":
        call = classifier_call()
    c0, w0 = time.process_time(), time.perf_counter()
    con.execute("PRAGMA enable_profiling='json'")  # the profile of the last query is kept in prof
    con.execute(f"PRAGMA profiling_output='{_sql_text(prof)}'")
    if stage == "maturity":
        con.execute(f"CREATE VIEW td AS SELECT * FROM read_parquet({_duck_list(part_paths(folder, 'time_deposits', chunks, draws))})")
        con.execute(f"CREATE VIEW orgs AS SELECT * FROM read_parquet('{_sql_text(folder / 'orgs.parquet')}')")
        res["rows_in"] = con.execute("SELECT COUNT(*) FROM td").fetchall()[0][0]
        out = engine.run("maturity_structure", {"deposits": con.sql(maturity_input_sql())}, engine=eng)
        res.update(rows_out=len(out), check=_maturity_totals(out), **_profile(con, prof))
    elif stage == "classify":
        per = (batch or customers) // chunk
        n = -(-chunks // per)
        first, end = batches or (0, n)
        res.update(batches=f"{first}-{end - 1} of {n}", batch_customers=per * chunk, rows_in=0, rows_out=0,
                   classified=0, per_batch=[])
        for b in range(first, end):
            bc, bw = time.process_time(), time.perf_counter()
            k0, k1 = b * per, min(chunks, (b + 1) * per)
            target = out_dir / f"classified-{b}.parquet"
            con.execute("PRAGMA enable_profiling='json'")
            written = classify_chunks(eng, folder, k0, k1, draws, target, call)
            con.execute("PRAGMA disable_profiling")
            one = {"batch": b, "rows_out": written, "wall_s": time.perf_counter() - bw,
                   "cpu_s": time.process_time() - bc, **_profile(con, prof)}
            one["rows_in"], one["classified"] = con.execute(
                f"SELECT (SELECT COUNT(*) FROM read_parquet({_duck_list(part_paths(folder, 'transactions', k1, draws, k0))})), "
                f"(SELECT COUNT(kind) FROM read_parquet('{_sql_text(target)}'))").fetchall()[0]
            target.unlink()
            res["per_batch"].append(one)
            for k in ("rows_in", "rows_out", "classified"):
                res[k] += one[k]
        for k, agg in (("peak_buffer_memory", max), ("peak_temp_dir_size", max), ("total_bytes_spilled", sum)):
            res[k] = agg(one.get(k) or 0 for one in res["per_batch"])
    else:
        raise SystemExit(f"unknown stage {stage}")
    res.update(wall_s=time.perf_counter() - w0, cpu_s=time.process_time() - c0)
    prof.unlink(missing_ok=True)
    eng.close()
    return res


def _jvm(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS (MB, VmHWM) of the Spark JVM, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    hwm = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmHWM"))
    return cpu, hwm / 1024


def spark_stages(folder: Path, stages: list[str], customers: int, chunk: int, draws: int, out_dir: Path,
                 driver_memory: str = "3g") -> list[dict]:
    """The stages on Spark local[2] in one session (its start measured apart): maturity through
    engine.run with a SparkEngine over Spark DataFrames read from the Parquet parts (the deposits shaped by
    :func:`maturity_input_sql` transpiled by sqlglot), classify with the classifier's query rendered for Spark
    (:meth:`bankxl.engine.Query.render`, the check of untranslated SQL included) and written to Parquet by
    Spark (its result is detail: ~14% of the flows). CPU = this process + the JVM."""
    import sqlglot
    from pyspark.sql import SparkSession

    from bankxl import engine

    chunks = customers // chunk
    out = []
    c0, w0 = time.process_time(), time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", driver_memory).config("spark.sql.shuffle.partitions", "8")
             .config("spark.local.dir", str(out_dir / "spark_tmp")).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()

    def row(stage, c_start, w_start, j_start, **kw):
        j_cpu, j_hwm = _jvm(jvm)
        return {"engine": "spark local[2]", "stage": stage, "customers": customers,
                "wall_s": time.perf_counter() - w_start, "cpu_s": time.process_time() - c_start + j_cpu - j_start,
                "jvm_peak_rss_mb": j_hwm, "driver_memory": driver_memory, **kw}

    out.append(row("session start", c0, w0, 0.0))
    eng = engine.SparkEngine(spark)
    for stage in stages:
        c0, w0, j0 = time.process_time(), time.perf_counter(), _jvm(jvm)[0]
        if stage == "maturity":
            spark.read.parquet(*map(str, part_paths(folder, "time_deposits", chunks, draws))).createOrReplaceTempView("td")
            spark.read.parquet(str(folder / "orgs.parquet")).createOrReplaceTempView("orgs")
            dep = spark.sql(sqlglot.transpile(maturity_input_sql(), read="duckdb", write="spark")[0])
            res = engine.run("maturity_structure", {"deposits": dep}, engine=eng)
            out.append(row(stage, c0, w0, j0, rows_in=spark.table("td").count(), rows_out=len(res), check=_maturity_totals(res)))
        elif stage == "classify":
            query, captured, params = classifier_call()
            txn = spark.read.parquet(*map(str, part_paths(folder, "transactions", chunks, draws))).selectExpr(
                "monotonically_increasing_id() AS _i", "CAST(NULL AS BIGINT) AS _row", "cust_id", "txn_ts", "amount",
                "dc", "cpty_name", "cpty_acct", "cpty_bank", "memo")
            names = spark.read.parquet(*map(str, part_paths(folder, "customers", chunks, draws))).select("cust_id", "cust_name")
            own = spark.read.parquet(*map(str, part_paths(folder, "own_loans", chunks, draws))).select("cust_id", "mp")
            words = spark.createDataFrame([tuple(r) for r in captured["dc_words"].astype(object).itertuples(index=False)],
                                          "word string, dir string")
            views = {"txn": txn, "names": names, "own": own, "dc_words": words}
            for t, df in views.items():
                df.createOrReplaceTempView(f"scale_{t}")
            target = out_dir / f"spark-classified-{size_name(customers)}"
            spark.sql(query.render("spark", params, {t: f"scale_{t}" for t in views})).write.mode("overwrite").parquet(str(target))
            written = spark.read.parquet(str(target))
            out.append(row(stage, c0, w0, j0, rows_in=txn.count(), rows_out=written.count(),
                           check={"classified": written.where("kind IS NOT NULL").count()}))
            import shutil
            shutil.rmtree(target, ignore_errors=True)
    spark.stop()
    return out


def run_child(args: list[str]) -> dict | list:
    """``bench.bench_scale _stage …`` in a subprocess: its JSON result plus the child's own peak RSS and CPU
    (os.wait4: the whole process, imports included)."""
    import subprocess

    w0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "bench.bench_scale", "_stage", *args], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
    text = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"stage {args} failed ({p.returncode})")
    res = json.loads(text.strip().splitlines()[-1])
    proc = {"process_peak_rss_mb": ru.ru_maxrss / 1024, "process_cpu_s": ru.ru_utime + ru.ru_stime,
            "process_wall_s": time.perf_counter() - w0}
    for r in (res if isinstance(res, list) else [res]):
        r.update(proc)
    return res


def _mb(v) -> str:
    return "" if v is None else f"{v / 2**20:,.0f}"


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else ""


def table(rows: list[dict]) -> str:
    """The figures as a markdown table (engine peak: DuckDB's peak buffer memory, or the Spark JVM's peak RSS)."""
    lines = ["| engine | stage | customers | rows in | rows out | wall s | CPU s | rows in per CPU s | "
             "process peak RSS MB | engine peak MB | spilled MB | limit |", "|" + "---|" * 12]
    for r in rows:
        rate = f"{r['rows_in'] / r['cpu_s']:,.0f}" if r.get("rows_in") and r.get("cpu_s") else ""
        peak = _mb(r.get("peak_buffer_memory")) if "peak_buffer_memory" in r else \
            (f"JVM {r['jvm_peak_rss_mb']:,.0f}" if "jvm_peak_rss_mb" in r else "")
        stage = f"{r['stage']} (batches {r['batches']}, {size_name(r['batch_customers'])} customers each)" \
            if "batches" in r else r["stage"]
        lines.append(f"| {r['engine']} | {stage} | {size_name(r['customers'])} | {_n(r.get('rows_in'))} | "
                     f"{_n(r.get('rows_out'))} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {rate} | "
                     f"{r['process_peak_rss_mb']:,.0f} | {peak} | {_mb(r.get('total_bytes_spilled'))} | "
                     f"{r.get('memory_limit') or r.get('driver_memory', '')} |")
    return "\n".join(lines)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["generate", "duckdb", "spark", "table", "_stage"])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--customers", default="10m", help="generate: the size to complete")
    ap.add_argument("--sizes", default="100k,1m,10m", help="duckdb/spark: sizes to run (customers)")
    ap.add_argument("--stages", default="maturity,classify")
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--txn-draws", type=int, default=2)
    ap.add_argument("--max-minutes", type=float, default=9.0)
    ap.add_argument("--memory-limit", default="1GB", help="DuckDB's memory_limit")
    ap.add_argument("--driver-memory", default="3g", help="Spark driver memory (local mode)")
    ap.add_argument("--batch", help="duckdb classify: customers per engine call (default: all in one call)")
    ap.add_argument("--batch-range", help="duckdb classify: batches FIRST:END of this call (default: all)")
    ap.add_argument("--json", help="append the figures (JSON lines) to this file; table: read them")
    ap.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.command == "generate":
        done = generate(Path(a.data), parse_size(a.customers), a.chunk, a.seed, a.txn_draws, a.max_minutes)
        raise SystemExit(0 if done else 3)
    if a.command == "table":  # the markdown table of the figures collected with --json
        print(table([json.loads(line) for line in Path(a.json).read_text(encoding="utf-8").splitlines() if line]))
        return
    folder = data_dir(Path(a.data), a.chunk, a.seed)
    work = Path(a.data) / "work"
    work.mkdir(parents=True, exist_ok=True)
    stages = [s for s in a.stages.split(",") if s]
    if a.command == "_stage":
        n = parse_size(a.sizes)
        if a.engine == "duckdb":
            res = duck_stage(folder, stages[0], n, a.chunk, a.txn_draws, a.memory_limit, work,
                             parse_size(a.batch) if a.batch else None,
                             tuple(map(int, a.batch_range.split(":"))) if a.batch_range else None)
        else:
            res = spark_stages(folder, stages, n, a.chunk, a.txn_draws, work, a.driver_memory)
        print(json.dumps(res, ensure_ascii=False))
        return
    rows = []
    common = ["--data", a.data, "--chunk", str(a.chunk), "--seed", str(a.seed), "--txn-draws", str(a.txn_draws)]
    for size in filter(None, a.sizes.split(",")):
        n = parse_size(size)
        missing = [p for p in part_paths(folder, "transactions", n // a.chunk, a.txn_draws) if not p.exists()]
        if missing:
            raise SystemExit(f"{len(missing)} transaction parts missing for {size}: run generate first")
        if a.command == "duckdb":
            batching = [*(["--batch", a.batch] if a.batch else []), *(["--batch-range", a.batch_range] if a.batch_range else [])]
            got = [run_child([*common, "--engine", "duckdb", "--sizes", size, "--stages", st,
                              "--memory-limit", a.memory_limit, *(batching if st == "classify" else [])])
                   for st in stages]
        else:
            got = run_child([*common, "--engine", "spark", "--sizes", size, "--stages", a.stages,
                             "--driver-memory", a.driver_memory])
        for r in got:
            print(json.dumps(r, ensure_ascii=False), flush=True)
            if a.json:
                with open(a.json, "a", encoding="utf-8") as f:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        rows += got
    print(table(rows))


if __name__ == "__main__":
    main()
