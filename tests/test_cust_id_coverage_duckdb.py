"""The 客户号 coverage check (bankxl.rules.identity.check_cust_id_coverage: CUST_NOT_FOUND per row, KEY_UNMATCHED
per table) on a table read through DuckDB (issue 17, part G): the unmatched 客户号 are found in DuckDB (the 客户
keys sent there, or read where they lie when 客户 is a DuckTable too) and only the first ProblemLog.cap rows come
back — the same problems, counts and texts as on the pandas frame of the same table; the runner never reads the
whole 客户号 column of a DuckDB-read table (before: DuckTable['cust_id'], 12M Python strings for 客户月度存款 at 1M
customers)."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.engine import inputs as duck_inputs
from bankxl.engine.duck import DuckDBEngine
from bankxl.errors import ProblemLog
from bankxl.rules.identity import check_cust_id_coverage
from bankxl.runner import run_scenario
from bankxl.sample import make_sample_bank
from bankxl.tables import get_table

from _helpers import plain, sample_bank_files

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def bank():
    return make_sample_bank(customers=400, seed=1, as_of=AS_OF)


def _duck(path, table, con):
    """``path`` (CSV) read through DuckDB on ``con``: the DuckTable."""
    lt = duck_inputs.load_csv(path, get_table(table), [], con=con, problems=ProblemLog(), source=str(path))
    assert lt is not None and isinstance(lt.df, duck_inputs.DuckTable)
    return lt.df


def _files(bank, tmp_path, change):
    """客户.csv as sampled and 交易流水.csv with ``change(cust_id Series) -> Series``; (paths, the changed 客户号)."""
    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    t = plain(bank["transactions"]).reset_index(drop=True)
    t["cust_id"] = change(t["cust_id"].copy())
    txn = tmp_path / "交易流水.csv"
    t.to_csv(txn, index=False)
    return cust, txn, t["cust_id"]


def _check(tables, cap):
    log = ProblemLog(cap=cap)
    texts = check_cust_id_coverage(tables, log)
    return log.problems, dict(log.counts), texts


def _few_unknown(ids):
    """Rows 3 and 7 lose their leading zeros (Excel numbers), rows 10-13 and 40 hold IDs of nobody."""
    ids[3], ids[7] = ids[3].lstrip("0"), ids[7].lstrip("0")
    for i, v in ((10, "NOPE"), (11, "NOPE"), (12, "X2"), (13, "NOPE"), (40, "X2")):
        ids[i] = v
    return ids


@pytest.mark.parametrize("cap", [3, 5000])
def test_unmatched_rows_are_the_same_from_duckdb_and_pandas(bank, tmp_path, cap):
    """7 rows of 交易流水 hold a 客户号 that is no customer's (2 lost their zeros, 5 unknown): the same CUST_NOT_FOUND
    rows, 原值, reasons (the zero hint naming the customer) and count from the DuckTable and from its pandas frame;
    with cap 3 only the first 3 rows (Excel rows 5, 9, 12 = data rows 3, 7, 10 after the header) in detail, 7
    counted; 客户 as a DuckTable of the same connection gives them too."""
    cust, txn, ids = _files(bank, tmp_path, _few_unknown)
    full = bank["transactions"]["cust_id"].reset_index(drop=True)
    assert not ids[[3, 7]].isin(full.drop([3, 7])).any()  # the shortened IDs are nobody else's
    con = DuckDBEngine(memory_limit="1GB").con
    dt = _duck(txn, "transactions", con)
    cust_df = bank["customers"].copy()
    cust_df.attrs["source"] = str(cust)
    want = _check({"customers": cust_df, "transactions": dt.to_pandas()}, cap)
    got = _check({"customers": cust_df, "transactions": dt}, cap)
    assert got == want
    got_both = _check({"customers": _duck(cust, "customers", con), "transactions": dt}, cap)
    assert got_both == want
    probs, counts, texts = got
    assert counts == {("transactions", "CUST_NOT_FOUND"): 7} and texts == []  # 7 rows, no whole-table warning
    bad = [3, 7, 10, 11, 12, 13, 40]
    shown = bad[:min(cap, 7)]
    assert [(p.excel_row, p.value) for p in probs] == [(i + 2, ids[i]) for i in shown]
    assert [f"客户号「{full[i]}」一致" in p.reason for p, i in zip(probs, shown)] == [i in (3, 7) for i in shown]


def test_a_whole_table_warning_is_the_same_from_duckdb_and_pandas(bank, tmp_path):
    """Every 客户号 of 交易流水 lost its leading zeros, and one row holds an unknown one: KEY_UNMATCHED (share 0.0%,
    the example pair with its Excel row, the lost-zeros side) and every row CUST_NOT_FOUND, capped at 10 — equal
    from the DuckTable and from its pandas frame; the counts are the rows and the table by hand."""
    def strip(ids):
        ids = ids.str.lstrip("0")
        ids[5] = "NOPE"
        return ids

    cust, txn, ids = _files(bank, tmp_path, strip)
    con = DuckDBEngine(memory_limit="1GB").con
    dt = _duck(txn, "transactions", con)
    cust_df = bank["customers"].copy()
    cust_df.attrs["source"] = str(cust)
    want = _check({"customers": cust_df, "transactions": dt.to_pandas()}, 10)
    got = _check({"customers": cust_df, "transactions": dt}, 10)
    assert got == want
    assert _check({"customers": _duck(cust, "customers", con), "transactions": dt}, 10) == want
    probs, counts, texts = got
    n_ids = ids.nunique()
    assert counts == {("transactions", "CUST_NOT_FOUND"): len(ids), ("transactions", "KEY_UNMATCHED"): 1}
    key, = [p for p in probs if p.code == "KEY_UNMATCHED"]
    first = bank["transactions"]["cust_id"].iloc[0]
    assert key.value == first.lstrip("0") and f"只有 0.0%(0/{n_ids:,} 个)" in key.reason
    assert f"例: 本表第 2 行的「{first.lstrip('0')}」, 客户表「{first}」。" in key.reason and len(texts) == 1
    assert [p.excel_row for p in probs if p.code == "CUST_NOT_FOUND"] == list(range(2, 12))


@pytest.fixture(scope="module")
def bank_files(tmp_path_factory):
    return sample_bank_files(tmp_path_factory.mktemp("bank5k"), 5000)


def _no_cust_id_column(m):
    """DuckTable['cust_id'] fails the test (the whole column read into pandas); other columns read as before."""
    real = duck_inputs.DuckTable.__getitem__

    def spy(self, column):
        if column == "cust_id":
            pytest.fail("DuckTable['cust_id'] read the whole 客户号 column into pandas")
        return real(self, column)

    m.setattr(duck_inputs.DuckTable, "__getitem__", spy)


def test_a_run_never_reads_the_cust_id_column_of_a_duckdb_table(bank, bank_files, tmp_path, monkeypatch):
    """C3 with 交易流水 as Parquet (a DuckTable) whose 客户号 lost their zeros, and D4 on the 5k sample bank as
    Parquet (交易流水 and 客户月度存款 DuckTables, clean): DuckTable['cust_id'] is never called in the run (it was,
    by check_cust_id_coverage), and C3's problems equal the pandas loader's run of the same files."""
    import duckdb

    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    d = plain(bank["transactions"])  # noqa: F841 - read by DuckDB
    txn = tmp_path / "流水.parquet"
    duckdb.sql(f"COPY (SELECT * REPLACE (ltrim(cust_id, '0') AS cust_id) FROM d) TO '{txn}' (FORMAT parquet)")
    with monkeypatch.context() as m:
        m.delitem(duck_inputs.RELATION_READY, "C3")
        want = run_scenario("C3", [cust, txn], None, as_of=AS_OF)
    with monkeypatch.context() as m:
        _no_cust_id_column(m)
        got = run_scenario("C3", [cust, txn], None, as_of=AS_OF)
        pq = bank_files / "parquet"
        d4 = run_scenario("D4", [pq / f"{t}.parquet" for t in ("customers", "transactions", "customer_monthly",
                                                                  "orgs")], None)
    assert got.problems.problems == want.problems.problems and got.problems.counts == want.problems.counts
    assert got.problems.counts[("transactions", "KEY_UNMATCHED")] == 1
    assert got.problems.counts[("transactions", "CUST_NOT_FOUND")] == len(bank["transactions"])
    assert not [p for p in d4.problems.problems if p.code in ("CUST_NOT_FOUND", "KEY_UNMATCHED")]


def _no_whole_date_column(m):
    """DuckTable['month'] / ['txn_ts'] fail the test (a whole date column read into pandas)."""
    real = duck_inputs.DuckTable.__getitem__

    def spy(self, column):
        if column in ("month", "txn_ts"):
            pytest.fail(f"DuckTable[{column!r}] read a whole date column into pandas")
        return real(self, column)

    m.setattr(duck_inputs.DuckTable, "__getitem__", spy)


def test_date_rules_on_a_duckdb_table_read_distinct_dates(bank_files, tmp_path, monkeypatch):
    """The runner's date rules on 客户月度存款 read through DuckDB (data date from 月份, the DATE_OUTLIER cut, the date
    ranges of as_of_warnings) equal those on its pandas frame, decided on the distinct dates counted in DuckDB:
    with three rows dated 2099-01 added (the sample's 12 months of 5,000 rows each: 2099-01 is below 2% of the
    median) the data date is 2026-11-30, month 2026-11, the 3 rows (file rows 60,001-60,003) beyond; without them
    no row is beyond and no whole date column is read (D4's run from Parquet neither: DuckTable['month'] /
    ['txn_ts'] fail the test; before, both were read whole)."""
    import duckdb

    from bankxl import runner
    from bankxl.scenario import get_scenario

    src = bank_files / "parquet" / "customer_monthly.parquet"
    late = tmp_path / "customer_monthly.parquet"
    duckdb.sql(f"COPY (SELECT * FROM '{src}' UNION ALL (SELECT * REPLACE (TIMESTAMP '2099-01-01' AS month) "
               f"FROM '{src}' WHERE month = '2026-11-01' LIMIT 3)) TO '{late}' (FORMAT parquet)")  # 3 customers
    spec = get_scenario("D4")
    con = DuckDBEngine(memory_limit="1GB").con
    for path, n_late in ((src, 0), (late, 3)):
        lt = duck_inputs.load_parquet(path, get_table("customer_monthly"), [], con=con, problems=ProblemLog(),
                                      source=str(path))
        dt = lt.df
        pdf = dt.to_pandas()
        with monkeypatch.context() as m:
            if not n_late:
                _no_whole_date_column(m)
            got = runner.as_of_outliers(spec, {"customer_monthly": dt})
            ranges = runner._record_date_ranges({"customer_monthly": dt})
        want = runner.as_of_outliers(spec, {"customer_monthly": pdf})
        assert (got.day, got.month) == (want.day, want.month) == (pd.Timestamp("2026-11-30"), pd.Period("2026-11"))
        assert got.beyond.to_numpy().tolist() == want.beyond.to_numpy().tolist()
        assert pdf.loc[want.beyond.to_numpy(), "_row"].tolist() == [60_001, 60_002, 60_003][:n_late]
        assert ranges == runner._record_date_ranges({"customer_monthly": pdf})
        latest = pd.Timestamp("2099-01-01") if n_late else pd.Timestamp("2026-11-01")
        assert ranges == [("「客户月度存款」月份", pd.Timestamp("2025-12-01"), latest)]
    pq = bank_files / "parquet"
    with monkeypatch.context() as m:
        _no_whole_date_column(m)
        res = run_scenario("D4", [pq / f"{t}.parquet" for t in ("customers", "transactions", "customer_monthly",
                                                                   "orgs")], None)
    assert res.report.meta["as_of"] == pd.Timestamp("2026-11-30") and not res.problems.counts["customer_monthly",
                                                                                               "DATE_OUTLIER"]
