"""C10 records a 交易流水 row whose 借贷 is neither D nor C as VALUE_INVALID (as C1 does, from the shared classifier's
window), with the pandas loader and with ``--engine duckdb``; before, its 代发 query dropped such rows silently."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from bankxl.runner import run_scenario

from _helpers import sample_bank_files, scenario_files

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    """The 5k sample bank's files with 借贷 = 'X' on every 代发工资 row of 交易流水 (CSV, and the same as Parquet)."""
    root = sample_bank_files(tmp_path_factory.mktemp("bank5k_c10dc"))
    t = pd.read_csv(root / "csv" / "transactions.csv", dtype=str, keep_default_na=False)
    pay = t["memo"].str.contains("代发工资", regex=False)
    t.loc[pay, "dc"] = "X"
    bad = root / "bad"
    (bad / "csv").mkdir(parents=True)
    (bad / "parquet").mkdir()
    for fmt in ("csv", "parquet"):
        for f in (root / fmt).iterdir():
            if f.stem != "transactions":
                (bad / fmt / f.name).symlink_to(f)
    t.to_csv(bad / "csv" / "transactions.csv", index=False, encoding="utf-8-sig")
    src, dst = root / "parquet" / "transactions.parquet", bad / "parquet" / "transactions.parquet"
    duckdb.execute(f"COPY (SELECT * REPLACE (CASE WHEN memo LIKE '%代发工资%' THEN 'X' ELSE dc END AS dc) "
                   f"FROM read_parquet('{src}')) TO '{dst}' (FORMAT parquet)")
    # the expected rows, independently: 代发工资 lines of the window (data date − income_months months, data date]
    ts = pd.to_datetime(t["txn_ts"])
    return bad, t, pay, ts


def _dc_problems(res):
    return [(p.table, p.excel_row, p.column, p.code, p.value, p.reason) for p in res.problems.problems
            if p.column == "借贷(dc)"]


@pytest.mark.parametrize("fmt,engine", [("csv", None), ("csv", "duckdb"), ("parquet", "duckdb")])
def test_c10_records_invalid_dc_as_c1_does(bank, fmt, engine):
    bad, t, pay, ts = bank
    c10 = run_scenario("C10", scenario_files(bad, fmt, "C10"), None, as_of=AS_OF, engine=engine)
    got = _dc_problems(c10)
    months = 6  # C10's income_months default
    from bankxl.scenarios.credit.limit_increase import LimitParams
    assert LimitParams().income_months == months
    start = pd.Timestamp(AS_OF) - pd.DateOffset(months=months)
    first = 2 if fmt == "csv" else 1  # the row the user sees: a CSV's line (header = 1), a Parquet file's row
    want_rows = sorted((t.index[pay & (ts > start) & (ts <= pd.Timestamp(AS_OF))] + first).tolist())
    assert len(want_rows) > 100
    assert sorted(r for _, r, *_ in got) == want_rows
    assert {(tb, col, code, v) for tb, _, col, code, v, _ in got} == {
        ("transactions", "借贷(dc)", "VALUE_INVALID", "X")}
    assert {p.action for p in c10.problems.problems if p.column == "借贷(dc)"} == {"该笔流水不计入代发收入"}
    # C1 over the same window records the same rows with the same wording
    c1 = run_scenario("C1", scenario_files(bad, fmt, "C1"), None, as_of=AS_OF, engine=engine,
                      params={"flow_months": months})
    assert _dc_problems(c1) == got
