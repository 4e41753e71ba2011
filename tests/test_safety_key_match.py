"""Breaker finding: a table whose 客户号 column was saved as numbers (BIGINT Parquet, an Excel number column:
0000001025 -> 1025) joins none of the 客户 table's IDs, yet C3 exited 0 with 未发现数据问题 and a different list.
One cross-table rule (bankxl.rules.identity.check_cust_id_coverage, run by the runner on the whole load): a bank
table whose distinct 客户号 are found in the 客户 table for less than half of them is a KEY_UNMATCHED problem naming
both files, the share, one example of each side and — when they agree once leading zeros are restored — that the
zeros were lost and on which side. The expected texts below are built from the sample bank independently."""
from __future__ import annotations

import duckdb
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from bankxl.cli import main
from bankxl.errors import ProblemLog
from bankxl.rules.identity import KEY_MATCH_MIN_KEYS, check_cust_id_coverage
from bankxl.runner import execute, run_scenario
from bankxl.sample import make_sample_bank

from _helpers import plain

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def bank():
    return make_sample_bank(customers=400, seed=1, as_of=AS_OF)


def _numeric_parquet(df, path):
    """``df`` as Parquet with 客户号 a BIGINT column (what DuckDB's read_csv_auto / a database export makes)."""
    d = plain(df)  # noqa: F841 - read by DuckDB
    duckdb.sql(f"COPY (SELECT * REPLACE (CAST(cust_id AS BIGINT) AS cust_id) FROM d) TO '{path}' (FORMAT parquet)")
    return path


def _key_problems(log):
    return [p for p in log.problems if p.code == "KEY_UNMATCHED"]


def test_numeric_cust_id_parquet_is_flagged_c3(bank, tmp_path):
    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    txn = _numeric_parquet(bank["transactions"], tmp_path / "交易流水.parquet")
    ids = bank["transactions"]["cust_id"]
    n = ids.nunique()
    assert n >= KEY_MATCH_MIN_KEYS and ids.str.startswith("0").all()  # the data the test needs
    first = ids.iloc[0]  # first row of the file (Parquet rows are numbered from 1)
    short = first.lstrip("0")
    res = run_scenario("C3", [cust, txn], None, as_of=AS_OF)
    probs = _key_problems(res.problems)
    assert len(probs) == 1
    p = probs[0]
    assert (p.table, p.column, p.excel_row, p.value) == ("transactions", "客户号(cust_id)", None, short)
    zh, en = p.reason.split("\n")
    assert zh.startswith(f"交易流水(transactions)(文件「交易流水.parquet」)的客户号(cust_id)中只有 0.0%(0/{n} 个)"
                         f"能在客户(customers)(文件「客户.csv」)的客户号(cust_id)中找到")
    assert f"例: 本表第 1 行的「{short}」, 客户表「{first}」。" in zh
    assert (f"其中 {n} 个补齐前导 0 后与客户表的客户号一致(「{short}」=「{first}」): 交易流水(transactions)的客户号以数字存储, "
            "前导 0 已丢失。") in zh
    assert en.startswith(f"Only 0.0% (0 of {n}) of the customer IDs (cust_id) of transactions (file 交易流水.parquet) "
                         "are found in the cust_id of customers (file 客户.csv)")
    assert "the IDs of transactions were stored as numbers and lost their leading zeros" in en
    # the loader saw a BIGINT column: the text says how the IDs were stored
    assert zh.endswith("(交易流水(transactions)的客户号列读入时即为数字: Excel 数字单元格或 Parquet 数值列, 不是文本。)"
                       "请把客户号列作为文本重新导出(Excel 中设为「文本」格式, Parquet 中用字符串列)后再运行。")
    assert "(The cust_id column of transactions was read as numbers: Excel number cells or a Parquet numeric column.)" in en
    assert "KEY_UNMATCHED" in res.problems.summary_text() and "未发现数据问题" not in res.problems.summary_text()


def test_cli_warns_and_writes_it_on_the_problem_sheet(bank, tmp_path, capsys):
    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    txn = _numeric_parquet(bank["transactions"], tmp_path / "交易流水.parquet")
    out = tmp_path / "c3.xlsx"
    assert main(["run", "C3", "-i", str(cust), "-i", str(txn), "-o", str(out), "--as-of", AS_OF]) == 0
    err = capsys.readouterr().err
    assert "警告 warning: 交易流水(transactions)(文件「交易流水.parquet」)的客户号(cust_id)中只有 0.0%" in err
    ws = openpyxl.load_workbook(out, read_only=True)["数据问题"]
    rows = [r for r in ws.iter_rows(values_only=True) if "KEY_UNMATCHED" in r]
    assert len(rows) == 2  # 问题汇总 and 问题明细
    detail = next(r for r in rows if "客户号(cust_id)" in r)
    assert "前导 0 已丢失" in " ".join(str(x) for x in detail if x)


def test_numeric_customer_table_is_named_as_the_side_that_lost_zeros(bank, tmp_path):
    """客户 saved from Excel with 客户号 as number cells, 定期存款明细 as text: the 客户 table lost the zeros."""
    path = tmp_path / "客户.xlsx"
    c = plain(bank["customers"])[["cust_id", "cust_name", "id_no", "org_id"]]
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, ["客户号", "客户名称", "证件号码", "机构号"])
    for i, r in enumerate(c.itertuples(index=False), 1):
        ws.write_number(i, 0, int(r.cust_id))
        ws.write_row(i, 1, [r.cust_name, r.id_no, r.org_id])
    wb.close()
    td = tmp_path / "定期存款明细.csv"
    plain(bank["time_deposits"]).to_csv(td, index=False)
    res = run_scenario("D2", [path, td], None, as_of=AS_OF)
    p, = _key_problems(res.problems)
    ids = bank["time_deposits"]["cust_id"]
    n, first = ids.nunique(), ids.iloc[0]
    assert (p.table, p.excel_row, p.value) == ("time_deposits", None, first)
    assert f"只有 0.0%(0/{n} 个)" in p.reason and "客户(customers)(文件「客户.xlsx」工作表「客户」)" in p.reason
    assert f"例: 本表第 2 行的「{first}」" in p.reason  # CSV: header on row 1
    assert f"(「{first}」=「{first.lstrip('0')}」): 客户(customers)的客户号以数字存储, 前导 0 已丢失" in p.reason
    assert "the IDs of customers were stored as numbers" in p.reason
    assert "(客户(customers)的客户号列读入时即为数字: Excel 数字单元格或 Parquet 数值列, 不是文本。)" in p.reason


def _txn(ids):
    return pd.DataFrame({"txn_id": [f"T{i}" for i in range(len(ids))], "cust_id": ids,
                         "txn_ts": pd.Timestamp(AS_OF), "amount": 1.0, "dc": "D"}).astype(
        {"txn_id": "string", "cust_id": "string"})


def _cust(n):
    return pd.DataFrame({"cust_id": [f"{i:08d}" for i in range(1, n + 1)]}, dtype="string")


def test_other_system_ids_say_likely_cause_not_certain():
    """IDs of another system (no digit match): the share and the likely cause, no claim that zeros were lost.
    Execute on frames (API path): the runner checks there too. 25 of 40 keys unknown: 15/40 = 37.5 % < 50 %."""
    ids = [f"{i:08d}" for i in range(1, 16)] + [f"X{i}" for i in range(25)]
    rep = execute("C3", {"customers": _cust(100), "transactions": _txn(ids)}, as_of=AS_OF)
    p, = _key_problems(rep.problems)
    assert p.value == "X0" and p.excel_row is None
    assert "中只有 37.5%(15/40 个)能在客户(customers)的客户号(cust_id)中找到" in p.reason
    assert "可能原因: 客户号以数字存储丢失了前导 0, 或两张表来自不同系统/不同范围" in p.reason
    assert "已丢失" not in p.reason


@pytest.mark.parametrize("ids,flagged", [
    ([f"{i:08d}" for i in range(1, 21)] + [str(i) for i in range(21, 41)], False),  # 20/40 = 50 %: not below
    ([f"{i:08d}" for i in range(1, 20)] + [str(i) for i in range(20, 41)], True),   # 19/40 < 50 %
    ([str(i) for i in range(1, KEY_MATCH_MIN_KEYS)], False),  # 19 distinct keys: too few to judge
    ([str(i) for i in range(1, KEY_MATCH_MIN_KEYS + 1)], True),  # 20: judged, 0 %
])
def test_threshold_and_minimum(ids, flagged):
    log = ProblemLog()
    check_cust_id_coverage({"customers": _cust(100), "transactions": _txn(ids)}, log)
    assert len(_key_problems(log)) == int(flagged)


def test_external_list_without_bank_ids_is_not_flagged():
    """外部名单: 客户号 optional, new customers expected (C1 仅外部) — not the bank's own records."""
    ext = pd.DataFrame({"cust_id": [f"E{i}" for i in range(50)], "cust_name": "张三"}, dtype="string")
    log = ProblemLog()
    assert check_cust_id_coverage({"customers": _cust(10), "external_lists": ext}, log) == []
    assert len(log) == 0


def test_sample_bank_is_not_flagged(bank):
    log = ProblemLog()
    assert check_cust_id_coverage(bank, log) == [] and len(log) == 0


def test_transactions_read_through_duckdb_are_checked_too(bank, tmp_path):
    """A text (VARCHAR) Parquet 交易流水 is read by DuckDB for C3 (a relation, not a pandas frame): the same
    problem, with the example's row (before the .loc fix: ValueError from DuckTable.loc[mask, column])."""
    from bankxl.engine.inputs import DuckTable
    from bankxl.runner import prepare

    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    d = plain(bank["transactions"])  # noqa: F841 - read by DuckDB
    txn = tmp_path / "流水.parquet"
    duckdb.sql(f"COPY (SELECT * REPLACE (ltrim(cust_id, '0') AS cust_id) FROM d) TO '{txn}' (FORMAT parquet)")
    prep = prepare("C3", [cust, txn], as_of=AS_OF)
    assert isinstance(prep.tables["transactions"], DuckTable)
    p, = _key_problems(prep.problems)
    first = bank["transactions"]["cust_id"].iloc[0]
    assert p.value == first.lstrip("0") and f"例: 本表第 1 行的「{first.lstrip('0')}」, 客户表「{first}」。" in p.reason


@pytest.fixture(scope="module")
def bank3000():
    return make_sample_bank(customers=3000, seed=1, as_of=AS_OF)


def _csv_pair(bank, tmp_path, txn_ids):
    """客户.csv as sampled (10-digit text 客户号) and 交易流水.csv with its 客户号 replaced by ``txn_ids(cust_id)``."""
    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    t = plain(bank["transactions"])
    t["cust_id"] = txn_ids(t["cust_id"])
    txn = tmp_path / "交易流水.csv"
    t.to_csv(txn, index=False)
    return cust, txn


def test_longer_ids_do_not_blame_the_intact_customer_table(bank3000, tmp_path):
    """交易流水 holds "00" + 客户号 (12 digits), 客户 the intact 10-digit text: the IDs agree without leading zeros,
    but the 客户 IDs hold their own leading zeros — they were not numbers. Before: "客户(customers)的客户号以数字存储,
    前导 0 已丢失" (certain, and wrong). Now: uncertain, naming no side."""
    ids = bank3000["customers"]["cust_id"]
    assert (ids.str.len() == 10).all() and ids.str.startswith("0").all()  # the data the test needs
    cust, txn = _csv_pair(bank3000, tmp_path, lambda s: "00" + s)
    p, = _key_problems(run_scenario("C3", [cust, txn], None, as_of=AS_OF).problems)
    first = bank3000["transactions"]["cust_id"].iloc[0]
    n = bank3000["transactions"]["cust_id"].nunique()
    assert p.value == "00" + first
    assert f"例: 本表第 2 行的「00{first}」, 客户表「{first}」。" in p.reason
    assert "以数字存储, 前导 0 已丢失" not in p.reason and "stored as numbers and lost" not in p.reason
    assert f"其中 {n:,} 个去掉前导 0 后与客户表的客户号一致(「00{first}」与「{first}」)" in p.reason
    assert "不能确定哪一方被改动" in p.reason and "which side changed is uncertain" in p.reason


def _excel_number(s):
    """客户号 as Excel writes numbers: even positions ``1025.0``, odd ones ``1.025E+03``."""
    n = s.str.lstrip("0").astype("int64")
    dot = n.astype(str) + ".0"
    sci = n.map(lambda v: f"{v:.{len(str(v)) - 1}E}")  # test data only: builds the expected Excel texts
    return dot.where(pd.Series(range(len(s)), index=s.index) % 2 == 0, sci)


def test_excel_number_texts_are_recognised_as_lost_zeros(bank3000, tmp_path):
    """"1025.0" / "1.025E+03": numbers that lost their zeros, on the 交易流水 side; the example is the padded pair."""
    cust, txn = _csv_pair(bank3000, tmp_path, _excel_number)
    t = pd.read_csv(txn, dtype=str)
    assert t["cust_id"].str.contains("E+", regex=False).any() and t["cust_id"].str.endswith(".0").any()
    p, = _key_problems(run_scenario("C3", [cust, txn], None, as_of=AS_OF).problems)
    first = bank3000["transactions"]["cust_id"].iloc[0]
    n = t["cust_id"].nunique()
    written = t["cust_id"].iloc[0]
    assert written == first.lstrip("0") + ".0"
    assert p.value == written
    assert f"例: 本表第 2 行的「{written}」, 客户表「{first}」。" in p.reason
    assert (f"其中 {n:,} 个补齐前导 0 后与客户表的客户号一致(「{written}」=「{first}」): 交易流水(transactions)的客户号以数字存储, "
            "前导 0 已丢失。") in p.reason
    assert "读入时即为数字" not in p.reason  # a CSV: text cells, only their form says numbers


def test_e_notation_ids_alone_are_padded_to_their_match():
    """Only E-notation IDs: each is the number of one customer's 客户号; the example shows that customer."""
    ids = [f"{i:.2E}" for i in range(101, 141)]  # '1.01E+02' … 40 distinct
    rep = ProblemLog()
    check_cust_id_coverage({"customers": _cust(200), "transactions": _txn(ids)}, rep)
    p, = _key_problems(rep)
    assert p.value == "1.01E+02"
    assert "(「1.01E+02」=「00000101」): 交易流水(transactions)的客户号以数字存储, 前导 0 已丢失" in p.reason


def test_unmatched_example_is_labelled_as_examples_not_a_pair():
    """No padded match: one ID of each table, said to be examples — not the 客户 table's first ID shown as the match."""
    ids = [f"X{i}" for i in range(30)]
    log = ProblemLog()
    check_cust_id_coverage({"customers": _cust(100), "transactions": _txn(ids)}, log)
    p, = _key_problems(log)
    assert "示例(两表各举一个, 并非对应): 本表「X0」; 客户表如「00000001」。" in p.reason
    assert "Examples (one of each table, not a pair): 'X0'; customers e.g. '00000001'." in p.reason
    assert "例: 本表" not in p.reason


def test_run_all_warns_once_and_lists_it_on_both_cross_views(bank, tmp_path, capsys):
    """`bankxl run all`: one 警告 line for the shared load (before: none — each scenario's check had no console),
    and the KEY_UNMATCHED row on 客户画像's and 营销任务清单's 数据问题 (before: 0 rows there), as on C3's own report."""
    src = tmp_path / "in"
    src.mkdir()
    plain(bank["customers"]).to_csv(src / "客户.csv", index=False)
    _numeric_parquet(bank["transactions"], src / "交易流水.parquet")
    out = tmp_path / "out"
    assert main(["run", "all", "--input", str(src), "--out", str(out), "--as-of", AS_OF]) == 0
    err = capsys.readouterr().err
    line = "警告 warning: 交易流水(transactions)(文件「交易流水.parquet」)的客户号(cust_id)中只有 0.0%"
    assert err.count(line) == 1
    short = bank["transactions"]["cust_id"].iloc[0].lstrip("0")
    for name in ("客户画像.xlsx", "营销任务清单.xlsx", "C3_" ):
        path = next(p for p in out.iterdir() if p.name.startswith(name.removesuffix(".xlsx")))
        ws = openpyxl.load_workbook(path, read_only=True)["数据问题"]
        rows = [r for r in ws.iter_rows(values_only=True) if "KEY_UNMATCHED" in r]
        detail = [r for r in rows if short in r]
        assert len(detail) == 1, (path.name, rows)
        text = " ".join(str(x) for x in detail[0] if x)
        assert "交易流水(transactions)的客户号以数字存储, 前导 0 已丢失" in text
        assert "交易流水(transactions)的客户号列读入时即为数字" in text


def test_the_loaders_field_not_the_note_text_says_the_ids_were_numbers(bank3000, tmp_path):
    """Part D item 3: whether a side's 客户号 were read as numbers comes from LoadedTable.as_numbers (set by the
    loader), not from parsing its 说明 lines. The same text CSVs (交易流水 without leading zeros) loaded once: with
    as_numbers = {cust_id} on 交易流水 the KEY_UNMATCHED text says the column was read as numbers; with the 说明
    sentence copied into its unit_notes but the field empty, it does not (before: the note text decided)."""
    from dataclasses import replace

    from bankxl.io import read_tables
    from bankxl.runner import prepare

    cust, txn = _csv_pair(bank3000, tmp_path, lambda s: s.str.lstrip("0"))
    loaded = read_tables([cust, txn], ["customers", "transactions"], problems=ProblemLog())
    assert loaded["transactions"].as_numbers == frozenset()  # CSV: text cells
    said = "(交易流水(transactions)的客户号列读入时即为数字: Excel 数字单元格或 Parquet 数值列, 不是文本。)"
    note = "客户号(cust_id): 9 个值以数字(不是文本)存储, 前导 0 已丢失、无法恢复(如 0001012 存为 1012); 请把该列作为文本导出"
    by_field = {**loaded, "transactions": replace(loaded["transactions"], as_numbers=frozenset({"cust_id"}))}
    by_note = {**loaded, "transactions": replace(loaded["transactions"], unit_notes=[note])}
    p, = _key_problems(prepare("C3", [cust, txn], as_of=AS_OF, loaded=by_field).problems)
    assert said in p.reason
    p, = _key_problems(prepare("C3", [cust, txn], as_of=AS_OF, loaded=by_note).problems)
    assert said not in p.reason and "交易流水(transactions)的客户号以数字存储, 前导 0 已丢失" in p.reason


# ---------------------------------------------------------------------------- Part D item 1: each row, not only the table
def _c3_tables():
    """客户 000123 张三 / 000124 李四; 交易流水 (Excel rows 2-5): 000124, 123 (lost zeros of 000123), X9 (unknown), 123
    again — each a 微粒贷 repayment within C3's window, so all three 客户号 reach the 网贷客户名单."""
    from tests.test_c3_other_bank_loans import _txn

    cust = pd.DataFrame({"cust_id": ["000123", "000124"], "cust_name": ["张三", "李四"]}, dtype="string")
    txn = _txn([(c, d, 500.0, "D", "深圳前海微众银行", "", "微粒贷还款") for c, d in
                (("000124", "2026-11-03"), ("123", "2026-11-04"), ("X9", "2026-11-05"), ("123", "2026-11-06"))])
    return cust, txn


def test_each_row_whose_cust_id_is_not_a_customer_is_a_row_problem_c3():
    """Before: 3 distinct 客户号 (< KEY_MATCH_MIN_KEYS) — no problem at all, and C3's 网贷客户名单 listed 123 and X9
    without a name or a word why. Now: rows 3, 4, 5 are CUST_NOT_FOUND on 客户号(cust_id) with 原值 the 客户号; rows 3
    and 5 (123) say 000123 matches once leading zeros are added (lost zeros), row 4 (X9) does not; the rows stay
    (3 customers on the list, 2 of them nameless) and the list says why; no whole-table KEY_UNMATCHED."""
    cust, txn = _c3_tables()
    rep = execute("C3", {"customers": cust, "transactions": txn}, as_of=AS_OF)
    got = [(p.table, p.excel_row, p.column, p.value) for p in rep.problems.problems if p.code == "CUST_NOT_FOUND"]
    assert got == [("transactions", 3, "客户号(cust_id)", "123"), ("transactions", 4, "客户号(cust_id)", "X9"),
                   ("transactions", 5, "客户号(cust_id)", "123")]
    by_row = {p.excel_row: p for p in rep.problems.problems if p.code == "CUST_NOT_FOUND"}
    zh, en = by_row[3].reason.split("\n")
    assert zh == ("客户号不在客户(customers)中: 名单、标签中该客户没有客户名称、证件号、机构等信息; 补齐或去掉前导 0 后与客户表的"
                  "客户号「000123」一致: 前导 0 可能已丢失(如 Excel 把客户号列转成了数字), 请把客户号列作为文本重新导出。")
    assert en == ("Customer ID not found in customers: lists and tags show no name, ID or branch for this customer. It "
                  "equals customer ID '000123' once leading zeros are added or removed: the zeros were probably lost "
                  "(e.g. Excel turned the column into numbers); export the customer-ID column as text.")
    assert by_row[5].reason == by_row[3].reason
    assert by_row[4].reason == ("客户号不在客户(customers)中: 名单、标签中该客户没有客户名称、证件号、机构等信息。\nCustomer ID "
                                "not found in customers: lists and tags show no name, ID or branch for this customer.")
    assert by_row[4].action == "行保留并参与计算; 按客户号关联客户表的信息(客户名称、证件号、机构等)为空"
    assert not _key_problems(rep.problems) and rep.problems.counts[("transactions", "CUST_NOT_FOUND")] == 3
    lst = rep.tables()["c3_online"].df.set_index("客户号")
    assert sorted(lst.index) == ["000124", "123", "X9"]
    assert lst.loc["000124", "客户名称(脱敏)"] == "李*" and lst.loc[["123", "X9"], "客户名称(脱敏)"].isna().all()
    note = next(b for sh in rep.sheets for b in sh.blocks if getattr(b, "title", "").startswith("网贷客户名单"))
    assert "其中 2 户的客户号不在客户表中: 客户名称、证件号等留空, 见「数据问题」(客户号不在客户表中, 可能是前导 0 丢失)。" \
        in note.lines


def test_unmatched_rows_are_capped_and_counted():
    """45 交易流水 rows, 40 of them with 客户号 not in 客户 (a cap of 10 per table and code): 10 in detail, 40 counted;
    the whole-table warning counts as 1 and the summary says it is a table, not a row (before: '1 行')."""
    ids = [f"{i:08d}" for i in range(1, 6)] + [f"Z{i}" for i in range(40)]
    t = _txn(ids)
    t["_row"] = pd.array(range(2, 47), dtype="Int64")
    log = ProblemLog(cap=10)
    check_cust_id_coverage({"customers": _cust(100), "transactions": t}, log)
    rows = [p for p in log.problems if p.code == "CUST_NOT_FOUND"]
    assert [p.excel_row for p in rows] == list(range(7, 17)) and [p.value for p in rows] == [f"Z{i}" for i in range(10)]
    assert log.counts[("transactions", "CUST_NOT_FOUND")] == 40 and log.counts[("transactions", "KEY_UNMATCHED")] == 1
    text = log.summary_text()
    assert "transactions/CUST_NOT_FOUND 客户号不在客户表中(该行保留, 按客户关联的客户名称、证件号等为空): 40 行" in text
    assert ("transactions/KEY_UNMATCHED 本表的客户号大多在客户表中找不到(常因客户号以数字存储丢失前导 0), 按客户关联的结果不完整: "
            "1 张表(整表警告 whole-table warning)") in text
    assert "结果不完整: 1 行" not in text


def test_unmatched_rows_of_a_duckdb_table(bank, tmp_path):
    """交易流水 as a text Parquet read through DuckDB (a DuckTable; DuckTable['cust_id'] gives one column): two rows'
    客户号 lose their leading zeros, one becomes 'NOPE'; the same rows are found as for the pandas frame of the same
    file: data rows = records 1-based, 原值 as written, the zero hint naming the customer."""
    from bankxl.engine.inputs import DuckTable
    from bankxl.runner import prepare

    cust = tmp_path / "客户.csv"
    plain(bank["customers"]).to_csv(cust, index=False)
    t = plain(bank["transactions"]).reset_index(drop=True)
    full = t["cust_id"].copy()
    t.loc[3, "cust_id"] = full[3].lstrip("0")
    t.loc[7, "cust_id"] = full[7].lstrip("0")
    t.loc[10, "cust_id"] = "NOPE"
    assert not t.loc[[3, 7], "cust_id"].isin(full.drop([3, 7])).any()  # the shortened IDs are nobody else's
    pq = tmp_path / "交易流水.parquet"
    duckdb.sql(f"COPY (SELECT * FROM t) TO '{pq}' (FORMAT parquet)")
    prep = prepare("C3", [cust, pq], as_of=AS_OF)
    assert isinstance(prep.tables["transactions"], DuckTable)
    got = [(p.excel_row, p.value, "「" + full[p.excel_row - 1] + "」一致" in p.reason)
           for p in prep.problems.problems if p.code == "CUST_NOT_FOUND"]
    assert got == [(4, full[3].lstrip("0"), True), (8, full[7].lstrip("0"), True), (11, "NOPE", False)]
    assert not _key_problems(prep.problems)
