"""bench/bench_scale.py (issue 17 item 4): the chunked generator and the engine's Parquet / relation inputs.

* a chunk is the sample bank's own draw (chunk_tables == make_sample_bank for its tables);
* a generated set has distinct, non-overlapping customer numbers per chunk, unique ids and exactly the rows of
  its chunks' draws, and is reused when present;
* DuckDBEngine over Parquet paths and over relations equals it over the same pandas frames (the flow
  classifier with the parameters classify_transactions binds), and DuckDBEngine.write writes the same rows;
* the deposits shaped for maturity_structure in SQL give the totals computed by hand in pandas.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from bankxl import engine
from bankxl.engine.query import normalise
from bankxl.rules.transactions import own_loans
from bankxl.sample import make_sample_bank
from bench import bench_scale as bs


def _copy(df: pd.DataFrame, path) -> None:
    con = duckdb.connect()
    con.register("f", df)
    con.execute(f"COPY f TO '{path}' (FORMAT parquet)")
    con.close()


def _read(path) -> pd.DataFrame:
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}')").df()


def test_chunk_is_the_sample_banks_own_draw():
    bank = make_sample_bank(customers=300, seed=5, as_of=bs.AS_OF)
    got = bs.chunk_tables(300, 5, 5)
    for t in ("orgs", "customers", "time_deposits", "transactions"):
        assert got[t].equals(bank[t]), t
    # loans before make_sample_bank adds the C10 limit columns (own stream): what own_loans reads is the same
    assert own_loans(got["loans"]).equals(own_loans(bank["loans"]))
    # another seed draws other customers but keeps the org tree of org_seed
    other = bs.chunk_tables(300, 6, 5)
    assert other["orgs"].equals(bank["orgs"])
    assert not other["customers"]["cust_name"].equals(bank["customers"]["cust_name"])
    assert other["customers"]["org_id"].isin(bank["orgs"]["org_id"]).all()


def test_generated_chunks_have_distinct_ids_and_exact_rows(tmp_path):
    chunk, seed, draws = 200, 3, 2
    assert bs.generate(tmp_path, 600, chunk, seed, draws, max_minutes=5, log=lambda *a: None)
    folder = bs.data_dir(tmp_path, chunk, seed)
    stamp = {p: p.stat().st_mtime_ns for p in folder.rglob("*.parquet")}
    for k in range(3):
        draw = [bs.chunk_tables(chunk, seed + k + bs.DRAW_STRIDE * d, seed) for d in range(draws)]
        cust = _read(folder / "customers" / f"part-{k:05d}.parquet")
        # customers renumbered k*chunk+1 … in table order; every other column as drawn
        assert cust["cust_id"].tolist() == [f"{k * chunk + i:010d}" for i in range(1, chunk + 1)]
        assert cust["cust_name"].tolist() == draw[0]["customers"]["cust_name"].tolist()
        td = _read(folder / "time_deposits" / f"part-{k:05d}.parquet")
        assert len(td) == len(draw[0]["time_deposits"])
        assert np.array_equal(td["balance"].to_numpy(), draw[0]["time_deposits"]["balance"].to_numpy())
        for d in range(draws):
            txn = _read(folder / "transactions" / f"part-{k:05d}-{d}.parquet")
            want = draw[d]["transactions"]
            assert len(txn) == len(want)
            assert txn["amount"].tolist() == want["amount"].tolist()
            assert txn["memo"].fillna("").tolist() == want["memo"].fillna("").tolist()
            # the same customer gets the same new number: position of the old id in the draw's customers
            pos = pd.Index(draw[d]["customers"]["cust_id"].astype(object)).get_indexer(want["cust_id"].astype(object))
            assert txn["cust_id"].tolist() == [f"{k * chunk + p + 1:010d}" for p in pos]
    con = duckdb.connect()
    n_txn, n_ids = con.execute(f"SELECT COUNT(*), COUNT(DISTINCT txn_id) FROM read_parquet('{folder}/transactions/*.parquet')").fetchall()[0]
    assert n_txn == n_ids > 0
    n_td, n_acct = con.execute(f"SELECT COUNT(*), COUNT(DISTINCT acct_no) FROM read_parquet('{folder}/time_deposits/*.parquet')").fetchall()[0]
    assert n_td == n_acct > 0
    assert con.execute(f"SELECT COUNT(DISTINCT cust_id), MIN(cust_id), MAX(cust_id) FROM "
                       f"read_parquet('{folder}/customers/*.parquet')").fetchall()[0] == (600, "0000000001", "0000000600")
    # reused when present: nothing rewritten
    assert bs.generate(tmp_path, 600, chunk, seed, draws, max_minutes=5, log=lambda *a: None)
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.parquet")} == stamp


@pytest.fixture(scope="module")
def bank():
    return make_sample_bank(customers=300, seed=2, as_of=bs.AS_OF)


def test_parquet_and_relation_inputs_equal_pandas_inputs(bank, tmp_path):
    names = bank["customers"].set_index("cust_id")["cust_name"]
    query, tables, params = bs.classifier_call(bank["transactions"], names=names, loans=bank["loans"])
    eng = engine.DuckDBEngine(memory_limit="256MB", temp_directory=str(tmp_path / "spill"))
    paths = {}
    for t, df in tables.items():
        paths[t] = tmp_path / f"{t}.parquet"
        _copy(df, paths[t])
    from_pandas = eng.run(query, tables, params)
    assert len(from_pandas) > 100 and from_pandas["kind"].nunique() >= 5  # a real classification
    from_paths = eng.run(query, paths, params)
    assert from_paths.equals(from_pandas)
    relations = {t: eng.con.sql(f"SELECT * FROM read_parquet('{p}')") for t, p in paths.items()}
    assert eng.run(query, relations, params).equals(from_pandas)
    # write: the same rows, to Parquet (normalised here to compare)
    n = eng.write(query, {**tables, "txn": str(paths["txn"])}, params, tmp_path / "out.parquet")
    assert n == len(from_pandas)
    assert normalise(query, _read(tmp_path / "out.parquet")).equals(from_pandas)
    # a missing column is named, as for a frame
    with pytest.raises(engine.EngineError, match="memo"):
        eng.run(query, {**paths, "txn": eng.con.sql(f"SELECT * EXCLUDE (memo) FROM read_parquet('{paths['txn']}')")},
                params)
    # no view left behind
    assert eng.con.execute("SELECT COUNT(*) FROM duckdb_views() WHERE NOT internal").fetchall()[0][0] == 0


def test_maturity_input_sql_gives_the_totals_by_hand(bank):
    td, orgs = bank["time_deposits"], bank["orgs"]
    con = duckdb.connect()
    con.register("td", td)
    con.register("orgs", orgs)
    out = engine.run("maturity_structure", {"deposits": con.sql(bs.maturity_input_sql()).df()},
                     engine=engine.DuckDBEngine(memory_limit="256MB"))
    held = td[(td["balance"] > 0) & ~td["status"].isin(["销户", "结清"])]
    # the levels by which keys are rolled up (blank), whatever their GROUPING_ID numbers
    rolled = out[["branch_id", "outlet_id", "period"]].isna()
    total = out[rolled.all(axis=1)].iloc[0]
    assert total["count"] == len(held)
    assert total["customers"] == held["cust_id"].nunique()
    assert total["amount"] == pytest.approx(held["balance"].sum(), abs=0.005)
    # per 分行: the parent of the deposit's org
    parent = held["org_id"].map(orgs.set_index("org_id")["parent_id"])
    by_branch = out[~rolled["branch_id"] & rolled["outlet_id"] & rolled["period"]].set_index("branch_id")["count"]
    by_branch = by_branch.sort_index()
    assert by_branch.to_dict() == parent.value_counts().sort_index().to_dict()
    # periods: overdue / today / 12 months 2026-12 … 2027-11 / later, by hand from the maturity dates
    m = held["maturity_date"]
    label = np.where(m < pd.Timestamp(bs.AS_OF), "已到期未支取", np.where(
        m == pd.Timestamp(bs.AS_OF), "当日到期", np.where(m < pd.Timestamp("2027-12-01"), m.dt.strftime("%Y-%m"),
                                                      "12个月以后")))
    by_period = out[rolled["branch_id"] & rolled["outlet_id"] & ~rolled["period"]].set_index("period")["count"]
    assert by_period.to_dict() == pd.Series(label).value_counts().to_dict()


def test_classifier_in_customer_batches_equals_one_run(tmp_path):
    # the scale run classifies 100M flows in batches of whole customers: the same rows as one run over all
    assert bs.generate(tmp_path, 400, 200, 4, 2, max_minutes=5, log=lambda *a: None)
    folder = bs.data_dir(tmp_path, 200, 4)
    eng = engine.DuckDBEngine(memory_limit="256MB", temp_directory=str(tmp_path / "spill"))
    call = bs.classifier_call()
    n = bs.classify_chunks(eng, folder, 0, 2, 2, tmp_path / "all.parquet", call)
    parts = [bs.classify_chunks(eng, folder, k, k + 1, 2, tmp_path / f"b{k}.parquet", call) for k in (0, 1)]
    assert n == sum(parts) and min(parts) > 50
    whole = _read(tmp_path / "all.parquet").sort_values("_i", ignore_index=True)
    batched = pd.concat([_read(tmp_path / f"b{k}.parquet") for k in (0, 1)]).sort_values("_i", ignore_index=True)
    assert whole.equals(batched)
    # every flow of the generated set was read: _i numbers chunk, draw and row in file
    assert whole["_i"].is_unique and set(whole["kind"].dropna()) >= {"网贷还款", "他行贷款还款", "本人互转"}
