"""数据问题 on an edited 贷款 sheet, read through the real loader (fresh-user finding): the 原值 column holds the
user's cell text and the 问题说明 matches it. A cell the loader blanked (DATE_INVALID 2026/13/45) is one row,
not a second "放款日为空" row from the scenario with the 借据号 as its 原值."""
from __future__ import annotations

import pandas as pd
import pytest
import xlsxwriter

from bankxl.errors import ProblemLog
from bankxl.runner import run_scenario
from bankxl.scenario import get_scenario

AS_OF = "2026-11-30"
HEADER = ["借据号", "客户号", "放款日", "到期日", "贷款金额(元)", "余额(元)", "贷款状态"]
ROWS = [  # Excel rows 2..6
    ["LN9999000001", "C1", "2024-03-01", "2027-03-01", 100000, 80000, "C"],
    ["LN9999000002", "C2", "2026/13/45", "2027-05-01", 50000, 40000, "C"],     # row 3: impossible date
    ["LN9999000003", "C3", "2024-06-01", "2027-06-01", "N/A", 30000, "C"],     # row 4: N/A amount
    ["LN9999000004", None, "2024-07-01", "2027-07-01", 60000, 50000, "C"],     # row 5: no 客户号
    ["LN9999000005", "C5", None, "2027-08-01", 70000, 60000, "C"],             # row 6: empty 放款日
]


@pytest.fixture(scope="module")
def loans_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "贷款.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("贷款")
    ws.write_row(0, 0, HEADER)
    for i, row in enumerate(ROWS, start=1):
        for j, v in enumerate(row):
            if v is not None:
                ws.write_string(i, j, v) if isinstance(v, str) else ws.write_number(i, j, v)
    wb.close()
    return path


def _problems(spec_id, path, tmp_path) -> pd.DataFrame:
    res = run_scenario(get_scenario(spec_id), [path], tmp_path / "out.xlsx", as_of=AS_OF)
    assert isinstance(res.problems, ProblemLog)
    return res.problems.to_frame()


def test_c9_problem_values_are_the_cells(loans_file, tmp_path):
    df = _problems("credit.loan_churn", loans_file, tmp_path)
    ids = {r[0] for r in ROWS}
    assert not set(df["原值"]) & ids  # never the 借据号 in place of the cell
    date = df[df["字段"].eq("放款日(start_date)") & df["Excel 行号"].eq(3)]
    assert len(date) == 1  # one row for the cell, not a second 放款日为空
    assert date["原值"].iloc[0] == "2026/13/45" and date["问题码"].iloc[0] == "DATE_INVALID"
    assert date["问题说明"].iloc[0] == "日期不存在(2026-13-45)"
    assert date["处理"].iloc[0] == "该笔贷款不参与计算"  # what finally happened to the loan (C9 leaves it out)
    amount = df[df["字段"].eq("贷款金额(amount)")]
    assert amount[["Excel 行号", "问题码", "原值"]].values.tolist() == [[4, "NUM_INVALID", "N/A"]]
    empty = df[df["字段"].eq("放款日(start_date)") & df["Excel 行号"].eq(6)]
    assert empty["原值"].tolist() == [""] and "为空" in empty["问题说明"].iloc[0]
    cust = df[df["字段"].eq("客户号(cust_id)") & df["Excel 行号"].eq(5)]
    assert len(cust) >= 1 and set(cust["原值"]) == {""}


def test_c10_problem_values_are_the_cells(loans_file, tmp_path):
    df = _problems("credit.limit_increase", loans_file, tmp_path)
    assert not set(df["原值"]) & {r[0] for r in ROWS}
    date = df[df["字段"].eq("放款日(start_date)") & df["Excel 行号"].eq(3)]
    assert date[["问题码", "原值", "问题说明"]].values.tolist() == [["DATE_INVALID", "2026/13/45",
                                                                  "日期不存在(2026-13-45)"]]
    amount = df[df["字段"].eq("贷款金额(amount)")]
    assert amount[["Excel 行号", "原值"]].values.tolist() == [[4, "N/A"]]
