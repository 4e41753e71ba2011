"""The DuckDB input path (bankxl.engine.inputs, issue 17 item 2) gives what the pandas loader gives: the same
typed table, the same row problems (code, column, row number, 原值, 说明, 处理) with the same counts where the
detail is capped, the same 说明 notes — and the rows are never a pandas frame."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.engine import DuckDBEngine
from bankxl.engine import inputs as duck_inputs
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.tables import get_table
from _helpers import (assert_same_reports, bankxl_objects_left, reports_through_duckdb, sample_bank_files,
                      scenario_files, spy_loads)

TXN_HEAD = "交易流水明细\n\n流水号,客户号,账号,交易时间,金额(万元),借贷,对手户名,对手账号,对手行名,摘要,渠道,备用\n"
TXN_ROWS = [
    "T1,0001,6217001,2026-05-31,1.49,C,李诗萍,,中国工商银行,转账,手机银行,",
    "T2,0002,6217002,2026/13/45,0.5,D,财付通,,,消费,快捷支付,",          # bad date
    "T3,0003,6217003,2026-06-02,abc,D,京东,,,还款,,",                      # text in money
    "T4,,6217004,2026-06-03,0.2,D,美团,,,消费,,",                          # blank required 客户号
    "T5,0005,6217005,2026-06-04,-0.3,C,张三,,,冲正,,",                     # negative amount
    "T1,0006,6217006,2026-06-05,0.1,X,李四,,,工资,,",                      # duplicate key T1, unknown 借贷 kept
    "T7, 0007 ,6217007,2026-06-06,\"1,234\",D,王五,,,房租,,",              # spaces around an ID, 1,234
    "T8,NULL,6217008,2026-06-07,20000000000,D,赵六,,,转账,,",               # NULL text = blank; too large money
    "T9,0009,6217009,2026-06-08,0.1,C,钱七,,,利息,,多出来",                # a field past the header
    ",,,,,,,,,,,",                                                        # blank record
    "合计,,,,3.2,,,,,,,",                                                  # summary row
    "T10,0010,6217010,2026-06-09,1e400,D,孙八,,,转账,,",                   # overflow
    "T11,0011,6217011,2026-06-10, ,D,周九,,,转账,,",                       # blank amount (required)
    "制表人: 张三,,,,,,,,,,,",                                              # footer
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def _both(path: Path, table: str, cap: int = 5000):
    """(pandas LoadedTable, its ProblemLog, notes), (DuckDB LoadedTable, ProblemLog, notes)."""
    spec = get_table(table)
    p1, n1 = ProblemLog(cap=cap), []
    a = bio._load_csv_typed(path, spec, n1, problems=p1, strict=False, source=str(path), date1904=False, mask=True,
                            mask_accounts=True)
    assert a is not None, "the pandas typed path read the file"
    p2, n2 = ProblemLog(cap=cap), []
    b = duck_inputs.load_csv(path, spec, n2, con=DuckDBEngine(memory_limit="1GB").con, problems=p2, source=str(path))
    assert b is not None, "the DuckDB path read the file"
    return (a, p1, n1), (b, p2, n2)


def _assert_same(pa, pb):
    (a, p1, n1), (b, p2, n2) = pa, pb
    assert isinstance(b.df, duck_inputs.DuckTable)
    got = b.df.to_pandas()
    pd.testing.assert_frame_equal(got, a.df)
    assert len(b.df) == len(a.df) == b.n_rows == a.n_rows
    assert p2.problems == p1.problems
    assert p2.counts == p1.counts
    assert n2 + b.unit_notes == n1 + a.unit_notes
    assert b.currencies_seen == a.currencies_seen
    assert b.as_numbers == a.as_numbers
    assert b.header_row == a.header_row


def test_bad_transactions_give_the_same_problems(tmp_path):
    path = _write(tmp_path, "交易流水.csv", TXN_HEAD + "\n".join(TXN_ROWS) + "\n")
    pa, pb = _both(path, "transactions")
    _assert_same(pa, pb)
    # the problems themselves, by hand: header on line 3, data from line 4
    got = {(p.code, p.column, p.excel_row) for p in pb[1].problems}
    assert ("DATE_INVALID", "交易时间(txn_ts)", 5) in got
    assert ("NUM_INVALID", "金额(amount)", 6) in got
    assert ("REQUIRED_EMPTY", "客户号(cust_id)", 7) in got
    assert ("NEG_BALANCE", "金额(amount)", 8) in got
    assert ("DUP_KEY", "流水号(txn_id)", 4) in got
    assert ("REQUIRED_EMPTY", "客户号(cust_id)", 11) in got          # NULL is blank
    assert ("VALUE_INVALID", "金额(amount)", 11) in got              # 2e9 万元 ≥ 100 万亿元
    assert ("SUMMARY_ROW", None, 14) in got
    assert ("NUM_INVALID", "金额(amount)", 15) in got
    assert ("REQUIRED_EMPTY", "金额(amount)", 16) in got
    assert ("FOOTER_ROW", None, 17) in got
    df = pb[0].df.to_pandas()
    assert df["_row"].tolist() == [5, 6, 7, 8, 9, 10, 11, 12, 15, 16]   # T1 at row 4 dropped (dup), 13/14/17 gone
    assert df.loc[df["txn_id"] == "T7", "cust_id"].item() == "0007"
    assert df.loc[df["txn_id"] == "T7", "amount"].item() == 1234 * 10_000
    assert any("万元" in n for n in pb[0].unit_notes)


def test_capped_problems_keep_exact_counts(tmp_path):
    rows = [f"T{i},{i:04d},62{i},2026-06-{1 + i % 28:02d},{'x' if i % 3 else '1'},D,a,,,m,," for i in range(40)]
    path = _write(tmp_path, "交易流水.csv", TXN_HEAD + "\n".join(rows) + "\n")
    pa, pb = _both(path, "transactions", cap=4)
    _assert_same(pa, pb)
    assert pb[1].counts[("transactions", "NUM_INVALID")] == 26  # i % 3 != 0 for 26 of 0..39
    assert [p.excel_row for p in pb[1].problems if p.code == "NUM_INVALID"] == [5, 6, 8, 9]


def test_id_cards_codes_and_bools(tmp_path):
    text = ("客户号,客户名称,证件号码,出生日期,代发标志,手机号\n"
            "C1,甲,11010519491231002X,1949-12-31,是,13800000000\n"
            "C2,乙,110105194912310021,1949-12-31,否,\n"          # bad check digit
            "C3,丙,1.10105E+17,19491231,,\n"                   # e-notation ID
            "C4,丁,110105491231002,2026-02-30,maybe,'0138\n"   # 15-digit; impossible date; unknown bool
            "C1,戊,,2001-01-01,Y,\n")                          # duplicate key
    path = _write(tmp_path, "客户.csv", text)
    pa, pb = _both(path, "customers")
    _assert_same(pa, pb)
    codes = {(p.code, p.excel_row) for p in pb[1].problems}
    assert {("ID_CHECKSUM", 3), ("ID_CORRUPT", 4), ("DATE_INVALID", 5), ("VALUE_INVALID", 5), ("DUP_KEY", 2)} <= codes


def test_time_deposits_units_and_notes(tmp_path):
    text = ("账号,客户号,余额(元),开户日期,起息日,到期日,存期(月),执行利率(%),机构号,不认识的列\n"
            "A1,0001,1000,2025-01-01,2025-01-01,2026-01-01,12,1.5,01,x\n"
            "A2,0002,2000.5,2025-02-01,2025-02-01,2027-02-01,24,150,01,y\n"
            "A3,0003,--,2025-03-01,2025-03-01,,abc,1.1%,01,\n")
    path = _write(tmp_path, "定期存款明细.csv", text)
    pa, pb = _both(path, "time_deposits")
    _assert_same(pa, pb)


def test_strict_mode_raises_the_same_error(tmp_path):
    path = _write(tmp_path, "交易流水.csv", TXN_HEAD + "\n".join(TXN_ROWS) + "\n")
    spec = get_table("transactions")
    with pytest.raises(DataValidationError) as e1:
        bio._load_csv_typed(path, spec, [], problems=ProblemLog(), strict=True, source="x", date1904=False,
                            mask=True, mask_accounts=True)
    with pytest.raises(DataValidationError) as e2:
        duck_inputs.load_csv(path, spec, [], con=DuckDBEngine().con, problems=ProblemLog(), strict=True, source="x")
    assert str(e2.value) == str(e1.value)


def test_what_the_pandas_path_must_read_is_left_to_it(tmp_path):
    spec = get_table("transactions")
    quoted = TXN_HEAD + 'T1,0001,6217001,2026-05-31,1.49,C,"李\n诗萍",,,转账,,\n'
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((TXN_HEAD + TXN_ROWS[0] + "\n").encode("gb18030"))
    for p in (_write(tmp_path, "q.csv", quoted), gbk):
        assert duck_inputs.load_csv(p, spec, [], con=DuckDBEngine().con, problems=ProblemLog()) is None


def test_invalid_utf8_past_the_head_is_left_to_the_pandas_path(tmp_path, monkeypatch):
    """Only the head is decoded in Python: a GBK line further down is refused by DuckDB's UTF-8 reader, and the
    pandas loader (which decodes such a file line by line) reads it."""
    monkeypatch.setattr(duck_inputs, "HEAD_BYTES", 400)
    p = tmp_path / "mixed.csv"
    p.write_bytes((TXN_HEAD + "\n".join(TXN_ROWS[:3]) + "\n").encode("utf-8") * 1
                  + ("\n".join(TXN_ROWS[3:6]) + "\n").encode("utf-8")
                  + "T20,0020,6217020,2026-06-01,0.5,D,王五,,中国银行,转账,,\n".encode("gb18030"))
    assert len(p.read_bytes()) > 400
    assert duck_inputs.load_csv(p, get_table("transactions"), [], con=DuckDBEngine().con,
                                problems=ProblemLog()) is None


def test_the_rows_never_become_a_pandas_frame(tmp_path, monkeypatch):
    rows = [f"T{i},{i % 50:04d},62{i % 50},2026-06-{1 + i % 28:02d},{i % 97}.5,{'DC'[i % 2]},a{i % 7},,,m,,"
            for i in range(5000)]
    path = _write(tmp_path, "交易流水.csv", TXN_HEAD + "\n".join(rows) + "\n")
    built = []
    real_init = pd.DataFrame.__init__

    def spy(self, *a, **kw):
        real_init(self, *a, **kw)
        built.append(self.shape)

    monkeypatch.setattr(pd.DataFrame, "__init__", spy)
    lt = duck_inputs.load_csv(path, get_table("transactions"), [], con=DuckDBEngine().con, problems=ProblemLog())
    monkeypatch.undo()
    assert isinstance(lt.df, duck_inputs.DuckTable) and len(lt.df) == 5000
    # pandas saw distinct values only: the 5,000 distinct 流水号 (value, count, first row: 3 columns); every
    # other frame is at most the 97 distinct amounts or the last rows looked at for footer lines (64)
    assert built and all(r <= 97 or (r == 5000 and c <= 3) for r, c in built)
    assert sum(r == 5000 for r, _c in built) <= 2
    assert lt.df.relation().aggregate("COUNT(*)").fetchall()[0][0] == 5000
    assert np.isclose(lt.df.relation().aggregate("SUM(amount)").fetchall()[0][0],
                      sum(i % 97 + 0.5 for i in range(5000)) * 10_000)  # 金额(万元)


# ---------------------------------------------------------------------------- the classifier reads DuckDB's rows
@pytest.fixture(scope="module")
def sample_5k(tmp_path_factory):
    """The sample bank (5,000 customers) with its 交易流水 written as a CSV, as an export gives it."""
    from bankxl.sample import make_sample_bank

    b = make_sample_bank(customers=5000, seed=1, as_of="2026-11-30")
    d = tmp_path_factory.mktemp("bank5k")
    b["transactions"].to_csv(d / "transactions.csv", index=False)
    return b, d / "transactions.csv"


@pytest.mark.parametrize("full", [True, False], ids=["classify_transactions", "classify_exclusions"])
def test_classifier_on_the_duckdb_table_equals_the_pandas_one(sample_5k, full):
    from bankxl.rules.transactions import (SelfTransferParams, TransactionRuleParams, classify_exclusions,
                                           classify_transactions)

    b, path = sample_5k
    spec = get_table("transactions")
    a = bio._load_csv_typed(path, spec, [], problems=ProblemLog(), strict=False, source=str(path), date1904=False,
                            mask=True, mask_accounts=True)
    eng = DuckDBEngine(memory_limit="1GB")
    d = duck_inputs.load_csv(path, spec, [], con=eng.con, problems=ProblemLog(), source=str(path))
    assert isinstance(d.df, duck_inputs.DuckTable) and len(d.df) == len(a.df) == len(b["transactions"])
    names = b["customers"].drop_duplicates("cust_id").set_index("cust_id")["cust_name"]
    as_of = pd.Timestamp("2026-11-30")
    logs = ProblemLog(), ProblemLog()
    if full:
        want = classify_transactions(a.df, TransactionRuleParams(), as_of, names, b["loans"], logs[0], months=12,
                                     engine=eng)
        got = classify_transactions(d.df, TransactionRuleParams(), as_of, names, b["loans"], logs[1], months=12,
                                    engine=eng)
    else:
        want = classify_exclusions(a.df, SelfTransferParams(), as_of, names, logs[0], months=6, engine=eng)
        got = classify_exclusions(d.df, SelfTransferParams(), as_of, names, logs[1], months=6, engine=eng)
    assert len(want) > 100  # the sample plants loans, self-transfers, reversals …
    pd.testing.assert_frame_equal(got, want)
    assert logs[1].problems == logs[0].problems
    # on another engine than the table's connection, the frame is materialised and gives the same
    other = DuckDBEngine(memory_limit="1GB")
    again = classify_exclusions(d.df, SelfTransferParams(), as_of, names, None, months=6, engine=other) if not full \
        else classify_transactions(d.df, TransactionRuleParams(), as_of, names, b["loans"], None, months=12, engine=other)
    pd.testing.assert_frame_equal(again, want)


# ---------------------------------------------------------------------------- Parquet
def _both_parquet(path: Path, table: str, cap: int = 5000):
    spec = get_table(table)
    p1, n1 = ProblemLog(cap=cap), []
    a = bio._load_parquet(path, spec, n1, problems=p1, strict=False, source=str(path), date1904=False, mask=True,
                          mask_accounts=True)
    p2, n2 = ProblemLog(cap=cap), []
    b = duck_inputs.load_parquet(path, spec, n2, con=DuckDBEngine(memory_limit="1GB").con, problems=p2,
                                 source=str(path))
    assert b is not None, "the DuckDB path read the file"
    return (a, p1, n1), (b, p2, n2)


def test_parquet_text_cells_give_the_same_problems(tmp_path):
    """The bad 交易流水 as a Parquet file of text columns (all_varchar), header = column names."""
    import duckdb

    csv_path = _write(tmp_path, "t.csv", "\n".join(TXN_HEAD.splitlines()[2:] + TXN_ROWS) + "\n")
    pq = tmp_path / "交易流水.parquet"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true, header=true)) "
                             f"TO '{pq}' (FORMAT parquet)")
    pa, pb = _both_parquet(pq, "transactions", cap=2)
    _assert_same(pa, pb)
    assert ("DUP_KEY", 1) in {(p.code, p.excel_row) for p in pb[1].problems}  # data row 1 = record 1


def test_parquet_typed_columns_give_the_same_problems(tmp_path):
    """Numbers stored as DOUBLE (NaN, inf, negative, too large) and dates as DATE/TIMESTAMP."""
    import duckdb

    pq = tmp_path / "交易流水.parquet"
    duckdb.connect().execute(f"""COPY (SELECT * FROM (VALUES
        ('T1', '0001', DATE '2026-05-31', 1.5::DOUBLE, 'C', TIMESTAMP '2026-01-01 10:00:00'),
        ('T2', '0002', DATE '1600-01-01', 'nan'::DOUBLE, 'D', NULL),
        ('T3', NULL, NULL, 'inf'::DOUBLE, 'D', TIMESTAMP '2026-02-01 00:00:00'),
        ('T4', '0004', DATE '2026-06-01', -2.25::DOUBLE, 'X', NULL),
        ('T1', '', DATE '2026-06-02', 1e20::DOUBLE, '', NULL),
        ('T6', ' 0006 ', DATE '2026-06-03', NULL, 'D', NULL)
        ) AS t(流水号, 客户号, 交易时间, "金额(万元)", 借贷, 其他时间)) TO '{pq}' (FORMAT parquet)""")
    pa, pb = _both_parquet(pq, "transactions")
    _assert_same(pa, pb)
    codes = {(p.code, p.excel_row) for p in pb[1].problems}
    assert {("DATE_INVALID", 2), ("REQUIRED_EMPTY", 3), ("NUM_INVALID", 3), ("NEG_BALANCE", 4),
            ("VALUE_INVALID", 5), ("DUP_KEY", 1)} <= codes


def test_parquet_typed_cells_a_rule_leaves_are_read_where_they_lie(tmp_path):
    """Numbers and dates stored typed (DOUBLE 元, TIMESTAMP, DATE) give the pandas loader's values and problems (a
    negative 余额 kept with NEG_BALANCE, NaN / 1e20 / inf, a 起息日 with a time of day, a 到期日 before 1900, a
    fractional 期限) — and only the cells a rule changed are in the column's value map: an unchanged cell is read
    where it lies, so the typed view joins no table of every distinct amount (12M of them in 客户月度存款 at 1M
    customers; before, every distinct value was mapped to itself)."""
    import re

    import duckdb

    pq = tmp_path / "定期存款明细.parquet"
    duckdb.connect().execute(f"""COPY (SELECT *, '01' AS 机构号 FROM (VALUES
        ('A1', '0001', 1000.0::DOUBLE, TIMESTAMP '2025-01-01 00:00:00', DATE '2026-01-01', 12.0::DOUBLE, 0.015::DOUBLE),
        ('A2', '0002', -50.0::DOUBLE, TIMESTAMP '2025-02-01 09:30:00', DATE '2027-02-01', 24.0::DOUBLE, 0.02::DOUBLE),
        ('A3', '0003', 'nan'::DOUBLE, NULL, DATE '1600-01-01', 12.5::DOUBLE, NULL),
        ('A4', '0004', 1e20::DOUBLE, TIMESTAMP '2025-03-01 00:00:00', NULL, 'nan'::DOUBLE, 0.02::DOUBLE),
        ('A5', '0005', 'inf'::DOUBLE, TIMESTAMP '2025-03-01 00:00:00', DATE '2026-03-01', -3.0::DOUBLE, 0.03::DOUBLE),
        ('A6', '0006', 1000.0::DOUBLE, TIMESTAMP '2025-01-01 00:00:00', DATE '2026-01-01', 12.0::DOUBLE, 0.015::DOUBLE)
        ) AS t(账号, 客户号, 余额, 起息日, 到期日, 期限, 利率)) TO '{pq}' (FORMAT parquet)""")
    pa, pb = _both_parquet(pq, "time_deposits")
    _assert_same(pa, pb)
    df = pb[0].df.to_pandas()
    assert df["balance"].tolist()[:2] == [1000.0, -50.0] and df["balance"].iloc[2:5].isna().all()
    assert df["value_date"].iloc[1] == pd.Timestamp("2025-02-01") and df["term_m"].tolist()[-1] == 12
    assert {("NEG_BALANCE", 2), ("REQUIRED_EMPTY", 3), ("VALUE_INVALID", 4), ("NUM_INVALID", 5),
            ("DATE_INVALID", 3)} <= {(p.code, p.excel_row) for p in pb[1].problems}
    t = pb[0].df
    maps = {int(re.match(r"bx_m(\d+)_", n).group(1)): t.con.execute(f"SELECT v FROM {n} ORDER BY v").fetchall()
            for n in t._tables if re.match(r"bx_m\d+_", n)}
    # 余额: 1e20 and inf made blank; 起息日: the time of day cut; 到期日: 1600 invalid; 期限: 12.5 invalid; 利率 none
    assert maps[2] == [(1e20,), (float("inf"),)]
    assert maps[3] == [(datetime(2025, 2, 1, 9, 30),)] and maps[4] == [(datetime(1600, 1, 1),)]
    assert maps[5] == [(12.5,)] and maps[6] == []


def test_parquet_integer_ids_are_left_to_the_pandas_path(tmp_path):
    import duckdb

    pq = tmp_path / "交易流水.parquet"
    duckdb.connect().execute(f"COPY (SELECT 'T1' AS 流水号, 12::BIGINT AS 客户号, DATE '2026-01-01' AS 交易时间, "
                             f"1.0 AS 金额, 'D' AS 借贷) TO '{pq}' (FORMAT parquet)")
    assert duck_inputs.load_parquet(pq, get_table("transactions"), [], con=DuckDBEngine().con,
                                    problems=ProblemLog()) is None


# ---------------------------------------------------------------------------- end to end: C3 and D4 reports
@pytest.fixture(scope="module")
def bank_files(tmp_path_factory):
    """The 5k sample bank written as one CSV and one Parquet file per table (bench.common.ensure_data)."""
    return sample_bank_files(tmp_path_factory.mktemp("bank5k_files"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("code", ["C3", "D4", "D3", "C7", "E3", "C5", "C6", "C8"])
def test_reports_from_duckdb_inputs_equal_the_pandas_ones(bank_files, fmt, code, monkeypatch):
    files = scenario_files(bank_files, fmt, code)
    want, got, loads = reports_through_duckdb(code, files, monkeypatch)  # pandas loader vs DuckDB, to_pandas failing
    # 交易流水 (and 客户月度存款 for D4/D3/E3, and C5-C8 through rules.deposits: frames.coded_columns) read in
    # DuckDB, rows never in pandas
    ready = duck_inputs.RELATION_READY[code]
    assert sorted(x.table for x in loads) == sorted(ready)
    assert code == "C3" or "customer_monthly" in ready
    for x in loads:
        assert isinstance(x.df, duck_inputs.DuckTable)
        assert len(x.df) == len(pd.read_csv(bank_files / "csv" / f"{x.table}.csv", usecols=[0]))
    assert_same_reports(want, got)


def test_date_outliers_are_cut_the_same_on_the_duckdb_table(bank_files, tmp_path, monkeypatch):
    """C3 takes its data date from 交易时间: two flows dated 2099 are DATE_OUTLIER and left out (the runner's cut
    of a DuckTable: DuckTable[col] and .loc) — the same report and problems as the pandas loader's frame."""
    from bankxl.runner import run_scenario

    d = tmp_path / "in"
    d.mkdir()
    for t in ("customers",):  # no table with a 数据日期 column: the data date comes from 交易时间
        (d / f"{t}.csv").write_bytes((bank_files / "csv" / f"{t}.csv").read_bytes())
    text = (bank_files / "csv" / "transactions.csv").read_text(encoding="utf-8")
    extra = [line.replace("2026-", "2099-", 1).replace("TX", "TZ", 1) for line in text.splitlines()[1:3]]
    (d / "transactions.csv").write_text(text + "\n".join(extra) + "\n", encoding="utf-8")
    files = sorted(d.iterdir())
    with monkeypatch.context() as m:
        m.delitem(duck_inputs.RELATION_READY, "C3")
        want = run_scenario("C3", files, None)
    from bankxl.engine import default_engine

    con = default_engine().con
    left = "SELECT COUNT(*) FROM duckdb_tables() WHERE table_name LIKE 'bx_%'"
    before = con.execute(left).fetchall()[0][0]
    with monkeypatch.context() as m:
        m.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
        got = run_scenario("C3", files, None, engine="duckdb")
    assert con.execute(left).fetchall()[0][0] == before  # the cut's selection and the table it cut: dropped
    outliers = [p for p in got.problems.problems if p.code == "DATE_OUTLIER"]
    assert [p.value for p in outliers] == ["2099-" + x.split(",")[3][5:] for x in extra]
    assert got.problems.problems == want.problems.problems
    wt, gt = want.report.tables(), got.report.tables()
    for name in wt:
        assert gt[name].df.equals(wt[name].df), name


@pytest.mark.parametrize("code", ["D4", "D3"])
def test_monthly_date_outliers_are_cut_the_same_on_the_duckdb_table(bank_files, tmp_path, monkeypatch, code):
    """D4/D3 take the data date from 客户月度存款.月份: three rows dated 2099 (a new 客户号 and an existing one) are
    DATE_OUTLIER and left out — the runner's cut of the DuckTable (``[col]`` and ``.loc``), then the scenario's
    frames.coded_columns on that selection: the same report and problems as the pandas loader's frame, rows never
    in pandas, nothing left in DuckDB."""
    from bankxl.runner import run_scenario

    d = tmp_path / "in"
    d.mkdir()
    for t in ("customers", "transactions"):
        (d / f"{t}.csv").write_bytes((bank_files / "csv" / f"{t}.csv").read_bytes())
    text = (bank_files / "csv" / "customer_monthly.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    extra = [lines[1].replace("2025-", "2099-", 1).replace("2026-", "2099-", 1),
             "ZZ" + lines[2].replace("2025-", "2099-", 1).replace("2026-", "2099-", 1),
             lines[3].replace("2025-", "2099-", 1).replace("2026-", "2099-", 1)]
    assert all(",2099-" in x for x in extra)
    (d / "customer_monthly.csv").write_text(text + "\n".join(extra) + "\n", encoding="utf-8")
    files = sorted(d.iterdir())
    with monkeypatch.context() as m:
        m.delitem(duck_inputs.RELATION_READY, code)
        want = run_scenario(code, files, None)
    before = bankxl_objects_left()
    with monkeypatch.context() as m:
        loads = spy_loads(m)
        m.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
        got = run_scenario(code, files, None, engine="duckdb")
    assert {x.table for x in loads} == {"customer_monthly", "transactions"}
    assert bankxl_objects_left() == before
    outliers = [p for p in got.problems.problems if p.code == "DATE_OUTLIER"]
    assert [p.value for p in outliers] == ["2099-" + x.split(",")[1][5:7] for x in extra]
    assert [p.excel_row for p in outliers] == [len(lines) + 1, len(lines) + 2, len(lines) + 3]
    assert got.problems.problems == want.problems.problems
    wt, gt = want.report.tables(), got.report.tables()
    assert list(gt) == list(wt)
    for name in wt:
        assert gt[name].df.equals(wt[name].df), name


def test_d3_by_outlet_on_the_duckdb_table(bank_files, monkeypatch):
    """``--by outlet`` of D3 (outlet table 客户月度存款) with the table read through DuckDB: the outlets (机构号 as
    codes, trimmed per distinct value), each part's rows (a ``.loc`` selection) and every outlet's report tables and
    problems equal the pandas loader's; rows never in pandas."""
    from bankxl.runner import prepare
    from bankxl.scenario import get_scenario
    from bankxl.split import split_by_outlet

    spec = get_scenario("D3")
    files = [bank_files / "parquet" / f"{t}.parquet" for t in ("customer_monthly", "customers")]
    with monkeypatch.context() as m:
        m.delitem(duck_inputs.RELATION_READY, "D3")
        pw = prepare(spec, files)
        want = split_by_outlet(spec, pw.tables)
    with monkeypatch.context() as m:
        m.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
        pg = prepare(spec, files)  # Parquet: read through DuckDB (automatic engine)
        assert isinstance(pg.tables["customer_monthly"], duck_inputs.DuckTable)
        got = split_by_outlet(spec, pg.tables)
        assert list(got) == list(want) and len(want) > 3
        for org in [*list(want)[:2], list(want)[-1]]:
            a, b = want[org]["customer_monthly"], got[org]["customer_monthly"]
            assert isinstance(b, duck_inputs.DuckTable) and len(b) == len(a) > 0
            assert b["_row"].tolist() == a["_row"].tolist()
            ra, rb = pw.run(want[org]), pg.run(got[org])
            wt, gt = ra.tables(), rb.tables()
            assert list(gt) == list(wt)
            for name in wt:
                assert gt[name].df.equals(wt[name].df), (org, name)


def test_unlabelled_rate_and_an_empty_column(tmp_path):
    """利率 without a unit whose median is > 1 is read as percent (÷100, the median over CELLS: 1.5 is in two
    rows, so the median is 1.5, not (0.9 + 1.5) / 2); an all-blank 期限天数 column still gets its header note."""
    text = ("账号,客户号,余额,起息日,到期日,利率,期限天数,机构号\n"
            "A1,0001,1000,2025-01-01,2026-01-01,1.5,,01\n"
            "A2,0002,2000,2025-02-01,2027-02-01,1.5,,01\n"
            "A3,0003,3000,2025-03-01,2026-03-01,0.9,,01\n")
    path = _write(tmp_path, "定期存款明细.csv", text)
    pa, pb = _both(path, "time_deposits")
    _assert_same(pa, pb)
    assert pb[0].df.to_pandas()["rate"].tolist() == [1.5 / 100, 1.5 / 100, 0.9 / 100]
    assert any("中位数 1.5" in n for n in pb[0].unit_notes)
    assert any(n.startswith("期限天数(term_d)") for n in pb[0].unit_notes)


def test_a_run_leaves_nothing_in_the_engine(bank_files):
    """The Excel add-in runs many reports in one process: the DuckDB tables and views of a run's inputs are
    dropped when the run ends (else each run's 交易流水 would stay in the engine's memory)."""
    from bankxl.runner import run_scenario

    before = bankxl_objects_left()
    files = [bank_files / "parquet" / f"{t}.parquet" for t in ("customers", "transactions")]
    res = run_scenario("C3", files, None, engine="duckdb")
    assert res.inputs["transactions"]["rows"] > 0
    assert bankxl_objects_left() == before


def test_parquet_boolean_columns(tmp_path):
    """BOOLEAN columns (代发标志 with a NULL, an unused 是否VIP) as the pandas Parquet path reads them; 手机银行签约 as
    text with an unknown value (VALUE_INVALID) — the 100k sample's 客户 / 定期存款明细 Parquet files go this way."""
    import duckdb

    pq = tmp_path / "客户.parquet"
    duckdb.connect().execute(f"""COPY (SELECT * FROM (VALUES
        ('C1', '甲', TRUE, '是', FALSE), ('C2', '乙', NULL, 'maybe', TRUE), ('C3', '丙', FALSE, NULL, NULL),
        ('C1', '丁', TRUE, '否', FALSE)) AS t(客户号, 客户名称, 代发标志, 手机银行签约, 是否VIP)) TO '{pq}' (FORMAT parquet)""")
    pa, pb = _both_parquet(pq, "customers")
    _assert_same(pa, pb)
    df = pb[0].df.to_pandas()
    assert df["payroll_flag"].isna().tolist() == [True, False, False]  # C2 (NULL), C3, C1's last row
    assert df["payroll_flag"].iloc[1:].tolist() == [False, True]
    assert {(p.code, p.excel_row) for p in pb[1].problems} == {("VALUE_INVALID", 2), ("DUP_KEY", 1)}


def test_a_table_dropped_without_close_leaves_nothing(tmp_path):
    """A run that fails after loading (no close): the DuckDB objects go with the DuckTable object."""
    import gc

    eng = DuckDBEngine()
    path = _write(tmp_path, "交易流水.csv", TXN_HEAD + "\n".join(TXN_ROWS) + "\n")
    lt = duck_inputs.load_csv(path, get_table("transactions"), [], con=eng.con, problems=ProblemLog())
    sel = lt.df.loc[np.arange(len(lt.df)) % 2 == 0]
    count = "SELECT (SELECT COUNT(*) FROM duckdb_tables()) + (SELECT COUNT(*) FROM duckdb_views() WHERE NOT internal)"
    assert eng.con.execute(count).fetchall()[0][0] > 0 and len(sel) == 5
    del lt, sel
    gc.collect()
    assert eng.con.execute(count).fetchall()[0][0] == 0
