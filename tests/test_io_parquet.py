"""Parquet input (bankxl.io, read through DuckDB): hand-made files, values and problems checked by hand."""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from bankxl.cli import input_files
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import read_tables


def write_parquet(path, sql):
    """A Parquet file made by DuckDB from ``sql`` (so the stored column types are exactly the ones named)."""
    duckdb.sql(sql).write_parquet(str(path))
    return path


TD_SQL = """
SELECT * FROM (VALUES
  ('0001', 1012::BIGINT, '330105197604295272', '020004', DATE '2027-01-05', 18.0::DOUBLE),
  ('0002', 1037::BIGINT, '330105197110264900', '020004', DATE '2300-01-01', -5.0::DOUBLE),
  ('0003', 1037::BIGINT, NULL,                 '020004', NULL,              NULL::DOUBLE)
) AS t("账号", "客户号", "证件号码", "机构号", "到期日", "余额(万元)")
"""


def test_parquet_typed_columns_rules_and_data_rows(tmp_path):
    """Data row N = record N. 余额(万元): 18 万元 = 180,000 元; row 2 -5 万元 -> -50,000 元 + NEG_BALANCE (原值 the
    stored -5.0); row 3 blank 余额 (required) -> REQUIRED_EMPTY. 到期日 DATE: 2027-01-05 as is, 2300-01-01 beyond
    datetime64[ns] -> DATE_INVALID at row 2, row 3 NULL stays blank (到期日 may be blank: its spec's blank_ok). 账号 text keeps 0001; 客户号 stored as
    BIGINT -> '1012' and a 说明 note that leading zeros are lost."""
    p = write_parquet(tmp_path / "time_deposits.parquet", TD_SQL)
    log = ProblemLog()
    lt = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    df = lt.df
    assert df["acct_no"].tolist() == ["0001", "0002", "0003"]
    assert df["cust_id"].tolist() == ["1012", "1037", "1037"]
    assert df["balance"].tolist()[:2] == [180_000.0, -50_000.0] and np.isnan(df["balance"].iloc[2])
    assert df["maturity_date"].iloc[0] == pd.Timestamp("2027-01-05") and df["maturity_date"].iloc[1:].isna().all()
    assert str(df["maturity_date"].dtype) == "datetime64[ns]" and df["_row"].tolist() == [1, 2, 3]
    got = sorted((p.code, p.excel_row, p.column, p.value) for p in log.problems)
    assert got == [("DATE_INVALID", 2, "到期日(maturity_date)", pd.Timestamp("2300-01-01")),
                   ("NEG_BALANCE", 2, "余额(balance)", -5.0),
                   ("REQUIRED_EMPTY", 3, "余额(balance)", None)]
    notes = " ".join(lt.unit_notes)
    assert "客户号(cust_id): 3 个值以数字(不是文本)存储, 前导 0 已丢失" in notes
    assert lt.as_numbers == {"cust_id"}  # the loader's field (账号/证件号码/机构号 are VARCHAR: text)
    assert "第 N 行（数据行）" in notes and "data row N" in notes
    assert "已换算为 元(×10000)" in notes


def test_parquet_text_cells_follow_the_csv_rules(tmp_path):
    """Columns stored as text go through the CSV rules: '1,234.50' -> 1234.5, '12.5万' -> 125000, 'abc' ->
    NUM_INVALID (row 3, 原值 'abc'); dates '2027/1/5' and '20270106'; an 18-digit ID stored as BIGINT is exact
    in Parquet: loaded as its text, no problem (only a float column lost digits past 15)."""
    p = write_parquet(tmp_path / "定期存款明细.parquet", """
        SELECT * FROM (VALUES
          ('A1', 'C1', '0101', '2027/1/5', '1,234.50', 330105197604295272::BIGINT),
          ('A2', 'C2', '0101', '20270106', '12.5万', NULL::BIGINT),
          ('A3', 'C3', '0101', '20270107', 'abc', NULL::BIGINT)
        ) AS t(acct_no, cust_id, org_id, maturity_date, balance, id_no)""")
    log = ProblemLog()
    df = read_tables([p], ["time_deposits"], problems=log)["time_deposits"].df
    assert df["balance"].tolist()[:2] == [1234.5, 125000.0] and np.isnan(df["balance"].iloc[2])
    assert df["maturity_date"].dt.strftime("%Y-%m-%d").tolist() == ["2027-01-05", "2027-01-06", "2027-01-07"]
    assert df["id_no"].iloc[0] == "330105197604295272" and df["id_no"].iloc[1:].isna().all()
    got = sorted((p.code, p.excel_row, p.value) for p in log.problems)
    assert got == [("NUM_INVALID", 3, "abc")]


def test_parquet_month_column_typed(tmp_path):
    """A month column stored as TIMESTAMP: the first day of the month (2026-11-30 13:00 -> 2026-11-01)."""
    p = write_parquet(tmp_path / "customer_monthly.parquet", """
        SELECT * FROM (VALUES ('C1', TIMESTAMP '2026-11-30 13:00', 100.0), ('C2', TIMESTAMP '2026-10-01 00:00', 5.0))
        AS t(cust_id, month, avg_balance)""")
    df = read_tables([p], ["customer_monthly"])["customer_monthly"].df
    assert df["month"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-01", "2026-10-01"]


def test_parquet_missing_column_and_bad_file(tmp_path):
    p = write_parquet(tmp_path / "time_deposits.parquet", "SELECT 'A1' AS acct_no, 'C1' AS cust_id")
    with pytest.raises(DataValidationError, match=r"^文件「time_deposits.parquet」，列「机构号\(org_id\)」，第 1 行：.*缺少必填列"):
        read_tables([p], ["time_deposits"])
    bad = tmp_path / "loans.parquet"
    bad.write_bytes(b"not a parquet file")
    with pytest.raises(DataValidationError, match="不是有效的 Parquet 文件"):
        read_tables([bad], ["loans"])


def test_parquet_found_by_header_and_in_folders(tmp_path):
    """A Parquet file not named after a table is matched by its columns (the single data source); a folder
    given to ``run all`` lists .parquet files."""
    p = write_parquet(tmp_path / "export_20261130.parquet", TD_SQL)
    lt = read_tables([p], ["time_deposits"])["time_deposits"]
    assert lt.n_rows == 3 and lt.source == str(p)
    assert input_files([tmp_path]) == [p]


def test_parquet_and_csv_of_the_same_table_load_equal(tmp_path):
    """The same hand-made table as CSV and as Parquet (text IDs, DOUBLE money, DATE dates): equal frames; the
    row numbers differ by the CSV's header line only."""
    df = pd.DataFrame({"账号": ["001", "002"], "客户号": ["0000001", "0000002"], "机构号": ["0101", "0102"],
                       "到期日": [dt.date(2027, 1, 5), dt.date(2026, 12, 1)], "余额": [1.5, 2e6]})
    df.to_csv(tmp_path / "time_deposits.csv", index=False)
    duckdb.sql("SELECT \"账号\", \"客户号\", \"机构号\", \"到期日\"::DATE AS \"到期日\", \"余额\" FROM df") \
        .write_parquet(str(tmp_path / "td.parquet"))
    a = read_tables([tmp_path / "time_deposits.csv"], ["time_deposits"])["time_deposits"].df
    b = read_tables([tmp_path / "td.parquet"], ["time_deposits"])["time_deposits"].df
    assert a.drop(columns="_row").equals(b.drop(columns="_row"))
    assert a["_row"].tolist() == [2, 3] and b["_row"].tolist() == [1, 2]


@pytest.mark.parametrize("value,shown", [("{'id': 'x', 'n': 1}", "STRUCT"), ("[1.0, 2.0]", "[]"),
                                         ("MAP {'a': 1}", "MAP"), ("'ab'::BLOB", "BLOB")])
def test_parquet_nested_or_binary_column_used_by_the_table_is_refused(tmp_path, value, shown):
    """breaker s16 finding 1: a list / struct / map / BLOB column that the table uses (余额) stops the load with
    a DataValidationError naming the file, the column and its stored type (it was an internal TypeError)."""
    p = write_parquet(tmp_path / "time_deposits.parquet", f"""
        SELECT '0001' AS "账号", '1012' AS "客户号", '020004' AS "机构号", DATE '2027-01-05' AS "到期日",
               {value} AS "余额" FROM range(2)""")
    with pytest.raises(DataValidationError) as ei:
        read_tables([p], ["time_deposits"], problems=ProblemLog())
    e = ei.value
    assert (e.table, e.column, e.column_zh) == ("time_deposits", "balance", "余额")
    for text in (e.message_zh, e.message_en):
        assert "time_deposits.parquet" in text and "「余额」" in text and shown in text
    assert "不支持" in e.message_zh and "not supported" in e.message_en


def test_parquet_unused_nested_and_binary_columns_are_ignored(tmp_path):
    """A nested or BLOB column the table does not use is not read; it is listed in 说明 as an unused column;
    the table's own columns load as usual."""
    p = write_parquet(tmp_path / "time_deposits.parquet", """
        SELECT lpad(range::VARCHAR, 4, '0') AS "账号", '1012' AS "客户号", '020004' AS "机构号",
               DATE '2027-01-05' AS "到期日", 18.0::DOUBLE AS "余额", {'id': 'x', 'n': 1} AS "附加", [1.0, 2.0] AS "明细", 'ab'::BLOB AS "原件"
        FROM range(2)""")
    log = ProblemLog()
    lt = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    assert lt.df["balance"].tolist() == [18.0, 18.0] and lt.df["acct_no"].tolist() == ["0000", "0001"]
    assert not log.problems
    notes = " ".join(lt.unit_notes)
    assert "3 列未使用" in notes and "「附加」" in notes and "「明细」" in notes and "「原件」" in notes


def test_parquet_integer_codes_and_ids_are_exact_float_ones_lost_digits(tmp_path):
    """A Parquet made the obvious way (DuckDB stores digit columns as BIGINT) holds every digit: a 16- and a
    19-digit 账号 (BIGINT) and an 18-digit 证件号 (INT64, valid check digit) load as their exact text, no
    problem; only the DOUBLE 客户号 of 17 digits has lost digits (12345678901234567 is stored as
    12345678901234568.0): VALUE_INVALID at data row 1, blanked; DOUBLE 1037.0 -> '1037'. Each integer code
    column still gets the leading-zeros note (counted by hand: 账号 2 values, 证件号码 1)."""
    from stdnum.cn import ric

    from bankxl.idcard import calc_check_digit
    body = "33010519760429527"
    pid = body + calc_check_digit(body)
    assert ric.calc_check_digit(pid) == pid[-1] == "2"  # python-stdnum's MOD 11-2 agrees (digit, fits BIGINT)
    p = write_parquet(tmp_path / "time_deposits.parquet", f"""
        SELECT * FROM (VALUES
          (6222021234567890::BIGINT,    12345678901234567::DOUBLE, {pid}::BIGINT, '0101', DATE '2027-01-05', 1.0),
          (6222021234567890123::BIGINT, 1037::DOUBLE,              NULL::BIGINT,  '0101', DATE '2027-01-06', 2.0)
        ) AS t("账号", "客户号", "证件号码", "机构号", "到期日", "余额")""")
    assert [r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{p}')").fetchall()][:3] == \
        ["BIGINT", "DOUBLE", "BIGINT"]
    log = ProblemLog()
    lt = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    df = lt.df
    assert df["acct_no"].tolist() == ["6222021234567890", "6222021234567890123"]
    assert df["id_no"].iloc[0] == pid and pd.isna(df["id_no"].iloc[1])
    assert pd.isna(df["cust_id"].iloc[0]) and df["cust_id"].iloc[1] == "1037"
    got = sorted((p.code, p.excel_row, p.column) for p in log.problems)
    assert got == [("VALUE_INVALID", 1, "客户号(cust_id)")]
    notes = " ".join(lt.unit_notes)
    assert "账号(acct_no): 2 个值以数字(不是文本)存储, 前导 0 已丢失" in notes
    assert "证件号码(id_no): 1 个值以数字(不是文本)存储" in notes
    assert "客户号(cust_id): 2 个值以数字(不是文本)存储" in notes
    assert lt.as_numbers == {"acct_no", "id_no", "cust_id"}  # BIGINT, BIGINT and DOUBLE; 机构号 VARCHAR


def test_parquet_double_id_over_15_digits_is_still_corrupt(tmp_path):
    """A DOUBLE 证件号 column has lost the digits past 15 (as an Excel number cell): ID_CORRUPT at data row
    1, blanked; the 15-digit old ID in the same DOUBLE column is exact (ID_AS_NUMBER, text
    '330105760429527')."""
    p = write_parquet(tmp_path / "time_deposits.parquet", """
        SELECT * FROM (VALUES
          ('A1', 'C1', 330105197604295272::DOUBLE, '0101', DATE '2027-01-05', 1.0),
          ('A2', 'C2', 330105760429527::DOUBLE,    '0101', DATE '2027-01-06', 2.0)
        ) AS t(acct_no, cust_id, id_no, org_id, maturity_date, balance)""")
    log = ProblemLog()
    df = read_tables([p], ["time_deposits"], problems=log)["time_deposits"].df
    assert pd.isna(df["id_no"].iloc[0]) and df["id_no"].iloc[1] == "330105760429527"
    got = sorted((p.code, p.excel_row) for p in log.problems)
    assert got == [("ID_AS_NUMBER", 2), ("ID_CORRUPT", 1)]


def test_parquet_whole_decimal_ids_are_exact(tmp_path):
    """A DECIMAL(18,0) column (Oracle NUMBER(18) exported) is an integer column: DuckDB's pandas conversion
    would make it a float and lose the digits past 15; read as BIGINT it keeps them: 18-digit 证件号
    '330105197604295272' and 16-digit 账号 '6222021234567890' as text, no problem; a DECIMAL(18,0) 余额 of
    1,000 元 stays 1000.0."""
    p = write_parquet(tmp_path / "time_deposits.parquet", """
        SELECT * FROM (VALUES
          (6222021234567890::DECIMAL(18,0), 'C1', 330105197604295272::DECIMAL(18,0), '0101', DATE '2027-01-05',
           1000::DECIMAL(18,0))
        ) AS t(acct_no, cust_id, id_no, org_id, maturity_date, "余额(元)")""")
    log = ProblemLog()
    df = read_tables([p], ["time_deposits"], problems=log)["time_deposits"].df
    assert df["acct_no"].tolist() == ["6222021234567890"] and df["id_no"].tolist() == ["330105197604295272"]
    assert df["balance"].tolist() == [1000.0] and log.problems == []
