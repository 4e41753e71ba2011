"""A table that cannot be loaded names the FILE it came from (README: 文件/工作表/列/行), not only the sheet and
column: with several input files the user must know which one to fix. The name is the file's own name
(``定期.xlsx``), never the folder it sits in (for the add-in: the snapshot named after the user's workbook)."""
from __future__ import annotations

import pandas as pd

from bankxl.cli import main

DEPOSITS = pd.DataFrame({"账号": ["A1", "A2"], "客户号": ["K1", "K2"], "机构号": ["O1", "O2"],
                         "到期日": ["2026-12-10", "2027-01-05"],
                         "余额": [50_000, 80_000]})
CUSTOMERS = pd.DataFrame({"客户号": ["K1", "K2"], "客户名称": ["张三", "李四"], "机构号": ["O1", "O2"]})


def _write(path, sheet: str, df: pd.DataFrame) -> str:
    with pd.ExcelWriter(path) as w:
        df.to_excel(w, sheet_name=sheet, index=False)
    return str(path)


def _error(err: str) -> tuple[str, str]:
    """(Chinese, English) paragraph of the CLI's ``错误 error:`` message."""
    text = err[err.index("错误 error:"):]
    zh, en = text.split("\n")[:2]
    return zh, en


def test_missing_required_column_names_the_file_among_two(tmp_path, capsys):
    """D2 with 客户资料.xlsx (客户, fine) and 定期.xlsx whose 定期存款明细 lost its 账号 column: exit 2, and both the
    Chinese and the English sentence name 定期.xlsx (and not 客户资料.xlsx, not the folder), the sheet and the
    column."""
    a = _write(tmp_path / "客户资料.xlsx", "客户", CUSTOMERS)
    b = _write(tmp_path / "定期.xlsx", "定期存款明细", DEPOSITS.drop(columns=["账号"]))
    rc = main(["run", "D2", "-i", a, "-i", b, "-o", str(tmp_path / "out.xlsx"), "--as-of", "2026-11-30"])
    assert rc == 2
    zh, en = _error(capsys.readouterr().err)
    assert zh.startswith("错误 error: 文件「定期.xlsx」，工作表「定期存款明细」，") and "账号(acct_no)" in zh and "缺少必填列" in zh
    assert "File 定期.xlsx" in en and "sheet 定期存款明细" in en and "acct_no" in en
    assert "客户资料.xlsx" not in zh + en and str(tmp_path) not in zh + en
    assert not (tmp_path / "out.xlsx").exists()


def test_optional_table_with_missing_column_names_its_file(tmp_path, capsys):
    """The same with the fault in the second file's optional table: 客户 without 客户号 (the row key) in
    客户资料.xlsx — the error names 客户资料.xlsx, not 定期.xlsx."""
    a = _write(tmp_path / "定期.xlsx", "定期存款明细", DEPOSITS)
    b = _write(tmp_path / "客户资料.xlsx", "客户", CUSTOMERS.drop(columns=["客户号"]))
    rc = main(["run", "D2", "-i", a, "-i", b, "-o", str(tmp_path / "out.xlsx"), "--as-of", "2026-11-30"])
    assert rc == 2
    zh, en = _error(capsys.readouterr().err)
    assert zh.startswith("错误 error: 文件「客户资料.xlsx」，工作表「客户」，") and "客户号(cust_id)" in zh
    assert "File 客户资料.xlsx" in en and "cust_id" in en
    assert "定期.xlsx" not in zh + en


def test_header_not_found_names_the_file(tmp_path, capsys):
    """A sheet named 定期存款明细 whose first rows hold no header at all: '找不到表头' names the file too."""
    a = _write(tmp_path / "客户资料.xlsx", "客户", CUSTOMERS)
    b = _write(tmp_path / "定期.xlsx", "定期存款明细", pd.DataFrame({"甲": ["x", "y"], "乙": [1, 2]}))
    rc = main(["run", "D2", "-i", a, "-i", b, "-o", str(tmp_path / "out.xlsx"), "--as-of", "2026-11-30"])
    assert rc == 2
    zh, en = _error(capsys.readouterr().err)
    assert "文件「定期.xlsx」，工作表「定期存款明细」：" in zh and en.startswith("File 定期.xlsx, sheet 定期存款明细: ") and "客户资料.xlsx" not in zh + en
