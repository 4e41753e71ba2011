"""客户标签: 标签值 in the number format of its tag (issue 17 part F item 4), read back from the written workbook.
One column holds amounts, scores, counts, shares and years; before, all were written 'General' (31500,
8966.16, 2024, 0.221669092)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import openpyxl
import pandas as pd

from bankxl.report import Report
from bankxl.report.xlsx import write_report
from bankxl.scenario import RunContext
from bankxl.tags import tag_rows, tag_sheet, tag_table

AS_OF = "2026-11-30"


@dataclass
class _Params:
    x: int = 1


def _tags() -> pd.DataFrame:
    c, p = RunContext(as_of=AS_OF), _Params()
    return tag_table(
        tag_rows("K1", "K1_AMOUNT", "到期金额", ["a", "b"], c, p, value=[31500.0, 1_752_900.0]),
        tag_rows("K1", "K1_BALANCE", "余额", ["a", "b"], c, p, value=[8966.16, 45540.4]),
        tag_rows("K1", "K1_SCORE", "得分", ["a", "b"], c, p, value=[72.5, 80.0], level=["B", "A"]),
        tag_rows("K1", "K1_COUNT", "缺口产品数", ["a", "b"], c, p, value=[3, 12_000]),
        tag_rows("K1", "K1_YEAR", "流失年份", ["a", "b"], c, p, value=[2024, 2026], level=["流失", "挽回"]),
        tag_rows("K1", "K1_SHARE", "迁移占比", ["a"], c, p, value=[0.221669092]),
        tag_rows("K1", "K1_FLAG", "按揭客户", ["a", "b"], c, p, level=["是", None]),  # no value: blank, not 0
    )


def test_tag_values_are_numbers_in_the_format_of_their_tag(tmp_path):
    """By hand per tag: whole amounts #,##0 (31,500; 1,752,900), amounts with cents #,##0.00 (8,966.16; 45,540.40),
    scores with one decimal #,##0.0 (as 得分 in the lists: 72.5, 80.0), counts #,##0 (12,000), years 0 (2024,
    not 2,024), a share 0.22 (#,##0.00); a tag without a value keeps blank cells; 标签等级 stays text."""
    path = write_report(Report("标签", [tag_sheet(_tags())]), tmp_path / "tags.xlsx")
    ws = openpyxl.load_workbook(path)["客户标签"]
    ref = ws.tables["customer_tags"].ref
    first, last = int(ref.split(":")[0][1:]), int("".join(ch for ch in ref.split(":")[1] if ch.isdigit()))
    header = [c.value for c in ws[first]]
    col = {h: i for i, h in enumerate(header)}
    got = {}
    for row in ws.iter_rows(min_row=first + 1, max_row=last):
        cell = row[col["标签值"]]
        got[(row[col["标签代码"]].value, row[col["客户号"]].value)] = (cell.value, cell.number_format, cell.data_type)
        assert row[col["标签等级"]].value in (None, "A", "B", "流失", "挽回", "是")
    want = {
        ("K1_AMOUNT", "a"): (31500, "#,##0"), ("K1_AMOUNT", "b"): (1752900, "#,##0"),
        ("K1_BALANCE", "a"): (8966.16, "#,##0.00"), ("K1_BALANCE", "b"): (45540.4, "#,##0.00"),
        ("K1_SCORE", "a"): (72.5, "#,##0.0"), ("K1_SCORE", "b"): (80, "#,##0.0"),
        ("K1_COUNT", "a"): (3, "#,##0"), ("K1_COUNT", "b"): (12000, "#,##0"),
        ("K1_YEAR", "a"): (2024, "0"), ("K1_YEAR", "b"): (2026, "0"),
        ("K1_SHARE", "a"): (0.221669092, "#,##0.00"),
    }
    for key, (value, fmt) in want.items():
        v, f, kind = got[key]
        assert (v, f, kind) == (value, fmt, "n"), key
    for cust in ("a", "b"):
        assert got[("K1_FLAG", cust)][0] is None  # unknown is blank, never 0


def test_value_formats_follow_the_rows_of_a_continued_table(tmp_path, monkeypatch):
    """The per-row formats are aligned on the table's index: a tag table continued on a second sheet (capacity
    patched to 9 rows) keeps each row's format (years 0, amounts #,##0)."""
    import bankxl.report.xlsx as xlsx

    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 12)
    c, p = RunContext(as_of=AS_OF), _Params()
    ids = [f"c{i:02d}" for i in range(12)]
    tags = tag_table(tag_rows("K1", "K1_AMOUNT", "金额", ids, c, p, value=np.arange(12) * 10_000.0),
                     tag_rows("K1", "K1_YEAR", "年份", ids, c, p, value=np.full(12, 2025)))
    wb = openpyxl.load_workbook(write_report(Report("标签", [tag_sheet(tags)]), tmp_path / "t.xlsx"))
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            vals = [x.value for x in row]
            if "K1_AMOUNT" in vals or "K1_YEAR" in vals:
                code = "K1_AMOUNT" if "K1_AMOUNT" in vals else "K1_YEAR"
                cell = next(x for x in row if isinstance(x.value, (int, float)) and not isinstance(x.value, bool)
                            and x.number_format != "yyyy-mm-dd")
                seen.append((ws.title, code, cell.number_format))
    assert len({s[0] for s in seen}) >= 2  # continued on another sheet
    assert len(seen) == 24
    assert all(f == ("#,##0" if code == "K1_AMOUNT" else "0") for _, code, f in seen)


def test_value_formats_in_constant_memory_mode(tmp_path, monkeypatch):
    """A large report is written row by row (constant_memory, LARGE_CELLS patched to 0): same formats."""
    import bankxl.report.xlsx as xlsx

    monkeypatch.setattr(xlsx, "LARGE_CELLS", 0)
    ws = openpyxl.load_workbook(write_report(Report("标签", [tag_sheet(_tags())]), tmp_path / "big.xlsx"))["客户标签"]
    rows = [[c for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0].value == "客户号")
    col = {c.value: j for j, c in enumerate(rows[header])}
    got = {(r[col["标签代码"]].value, r[col["客户号"]].value): (r[col["标签值"]].value, r[col["标签值"]].number_format)
           for r in rows[header + 1:] if r[0].value}
    assert got[("K1_AMOUNT", "a")] == (31500, "#,##0") and got[("K1_YEAR", "b")] == (2026, "0")
    assert got[("K1_BALANCE", "a")] == (8966.16, "#,##0.00") and got[("K1_SCORE", "a")] == (72.5, "#,##0.0")
    assert got[("K1_FLAG", "a")][0] is None
