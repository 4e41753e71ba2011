"""数据问题 and 说明 word a Parquet input's rows right (fresh-user trial): its row numbers are data rows (record 1 =
row 1, not an Excel row) and it has no 标题行 (说明 showed 0)."""
from __future__ import annotations

import duckdb
import pandas as pd

from bankxl.runner import run_scenario

TD = """SELECT * FROM (VALUES
  ('A1', 'C1', '001', 10000.0::DOUBLE, DATE '2026-12-10', DATE '2026-11-30'),
  ('A2', 'C2', '001', -5.0::DOUBLE,    DATE '2026-12-20', DATE '2026-11-30')
) AS t("账号", "客户号", "机构号", "余额", "到期日", "数据日期")"""


def _sheet(report, name):
    return report.sheet(name).blocks


def _lines(report, sheet) -> list[str]:
    return [ln for b in _sheet(report, sheet) if hasattr(b, "lines") for ln in (b.lines or [])]


def test_parquet_rows_are_data_rows_and_no_header_row(tmp_path):
    """Row 2 of the Parquet (余额 -5) is reported at 行号 2, the data row; the header line says so, and 说明's
    输入数据 leaves 标题行 blank for the Parquet."""
    p = tmp_path / "定期存款明细.parquet"
    duckdb.sql(TD).write_parquet(str(p))
    res = run_scenario("D2", [p])
    line = next(ln for ln in _lines(res.report, "数据问题") if ln.startswith("行号为"))
    assert "Parquet 为数据行号(第 1 行 = 第一条记录)" in line and "CSV 为文件行号" in line
    assert [(q.code, q.excel_row) for q in res.problems.problems] == [("NEG_BALANCE", 2)]
    inputs = res.report.tables()["inputs"].df
    assert len(inputs) == 1 and pd.isna(inputs["标题行(Excel 行号)"].iloc[0])


def test_csv_keeps_its_header_row_and_wording(tmp_path):
    """The same data as CSV: 标题行 1 and no Parquet wording (the row numbers there are file lines)."""
    p = tmp_path / "定期存款明细.csv"
    duckdb.sql(TD).df().to_csv(p, index=False)
    res = run_scenario("D2", [p])
    line = next(ln for ln in _lines(res.report, "数据问题") if ln.startswith("行号为"))
    assert "Parquet" not in line and "CSV 为文件行号" in line
    assert [(q.code, q.excel_row) for q in res.problems.problems] == [("NEG_BALANCE", 3)]
    assert res.report.tables()["inputs"].df["标题行(Excel 行号)"].tolist() == [1]
