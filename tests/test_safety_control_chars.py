"""Breaker finding: control characters in text cells — U+202E RIGHT-TO-LEFT OVERRIDE (Excel shows the rest of the
cell reversed: a name can be made to read as another), NUL, BEL, ESC — passed through the loader into reports.
Now one rule for every text cell on load (bankxl.coerce.strip_controls, used by coerce_text and the ID reader):
removed, recorded as TEXT_CONTROL with the Excel row, column and the code points; 原值 on 数据问题 never carries
them either."""
from __future__ import annotations

import re

import numpy as np
import openpyxl
import pytest
import xlsxwriter

from bankxl import coerce as C
from bankxl.errors import ProblemLog
from bankxl.io import read_tables
from bankxl.runner import run_scenario
from bankxl.sample import make_sample_bank

RLO, NUL, BEL, ESC, LRI = "\u202e", "\x00", "\x07", "\x1b", "\u2066"
CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HEAD = ["客户号", "客户名称", "证件号码", "地址"]
# the rows as written, and what each text column must load as
ROWS = [["C1", f"张{RLO}三", "11010519491231002X", f"北京{NUL}市"],
        [f"C2{BEL}", "李四", f"11010519491231002{RLO}X", "上海\t浦东\n陆家嘴"],  # tab / line feed are kept
        ["C3", f"{LRI}王五", None, f"广州{ESC}[31m"]]
WANT = {"cust_id": ["C1", "C2", "C3"], "cust_name": ["张三", "李四", "王五"],
        "id_no": ["11010519491231002X", "11010519491231002X", None], "address": ["北京市", "上海\t浦东\n陆家嘴", "广州[31m"]}
# (Excel row, column, code points) of the TEXT_CONTROL problems: data rows start on row 2
WANT_PROBLEMS = {(2, "客户名称(cust_name)", "U+202E"), (2, "地址(address)", "U+0000"), (3, "客户号(cust_id)", "U+0007"),
                 (3, "证件号码(id_no)", "U+202E"), (4, "客户名称(cust_name)", "U+2066"), (4, "地址(address)", "U+001B")}


def _check(lt, log, where):
    got = lt.df[list(WANT)].astype(object).where(lt.df[list(WANT)].notna(), None).to_dict("list")
    assert got == WANT
    probs = [p for p in log.problems if p.code == "TEXT_CONTROL"]
    assert {(p.excel_row, p.column, p.reason.rsplit(": ", 1)[1]) for p in probs} == WANT_PROBLEMS
    for p in probs:
        assert p.reason.startswith("文本含不可见的控制字符(如 U+202E 从右到左覆盖会让 Excel 倒序显示文字), 已删除")
        assert p.action == "已删除控制字符, 其余文字保留, 行保留" and p.sheet == where
    shown = log.to_frame(mask=True)
    assert not shown["原值"].str.contains(CTRL).any()
    name = shown[(shown["问题码"] == "TEXT_CONTROL") & (shown["字段"] == "客户名称(cust_name)")]
    assert name["原值"].tolist() == ["张*", "王*"]  # masked as the name without the control character


def test_csv_text_cells_lose_control_characters(tmp_path):
    path = tmp_path / "客户.csv"
    path.write_text("\n".join(",".join(f'"{c or ""}"' for c in r) for r in [HEAD, *ROWS]) + "\n", encoding="utf-8")
    log = ProblemLog()
    _check(read_tables([path], wanted=("customers",), problems=log)["customers"], log, None)


def test_xlsx_text_cells_lose_control_characters(tmp_path):
    path = tmp_path / "客户.xlsx"
    wb = xlsxwriter.Workbook(path)  # writes the controls as _xHHHH_ escapes, read back as the characters
    ws = wb.add_worksheet("客户")
    for i, r in enumerate([HEAD, *ROWS]):
        for j, v in enumerate(r):
            if v is not None:
                ws.write_string(i, j, v)
    wb.close()
    log = ProblemLog()
    _check(read_tables([path], wanted=("customers",), problems=log)["customers"], log, "客户")


def test_strip_controls_leaves_plain_text_untouched():
    vals = np.array(["张三", "a\tb", "x\r\ny", "Ünïcode·名"], dtype=object)
    out, why = C.strip_controls(vals)
    assert out is vals and why is None


@pytest.mark.parametrize("ch", ["\x01", "\x0b", "\x0c", "\x7f", "\x85", "\u061c", "\u200e", "\u200f", "\u202a",
                                "\u202d", "\u2069"])
def test_each_control_class_is_removed(ch):
    out, why = C.strip_controls(np.array([f"a{ch}b"], dtype=object))
    assert out.tolist() == ["ab"] and why[0].endswith(f"U+{ord(ch):04X}")


def _cells(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    return [(ws.title, v) for ws in wb if ws.title != "数据问题" for row in ws.iter_rows(values_only=True)
            for v in row if isinstance(v, str)]


def test_report_holds_no_control_character(tmp_path):
    """C3 (names unmasked, --no-mask) on a 客户 table where a listed customer's 客户名称 holds an RLO: the report
    shows the name without it, no cell of the written report holds a control character, and 数据问题 lists the
    row (before: the list showed the name with the RLO twice, e.g. 「谢宇亮<RLO>gpj.exe」, which Excel displays as
    谢宇亮exe.jpg)."""
    bank = make_sample_bank(customers=400, seed=1, as_of="2026-11-30")
    cust = bank["customers"].drop(columns=[c for c in bank["customers"].columns if c.startswith("_")])
    txn = bank["transactions"].drop(columns=[c for c in bank["transactions"].columns if c.startswith("_")])
    txn.to_csv(tmp_path / "交易流水.csv", index=False)
    src = tmp_path / "客户.csv"
    cust.to_csv(src, index=False)
    first = run_scenario("C3", [src, tmp_path / "交易流水.csv"], tmp_path / "a.xlsx", as_of="2026-11-30", mask=False)
    shown = {v for _s, v in _cells(first.path)}
    i = int(np.flatnonzero(cust["cust_name"].isin(shown).to_numpy())[0])  # a customer whose name is in the report
    name = cust.loc[i, "cust_name"]
    cust = cust.astype({"cust_name": object})
    cust.loc[i, "cust_name"] = f"{name}{RLO}gpj.exe"
    cust.to_csv(src, index=False)
    res = run_scenario("C3", [src, tmp_path / "交易流水.csv"], tmp_path / "b.xlsx", as_of="2026-11-30", mask=False)
    p, = [p for p in res.problems.problems if p.code == "TEXT_CONTROL"]
    assert (p.table, p.excel_row, p.column) == ("customers", i + 2, "客户名称(cust_name)")
    cells = _cells(res.path)
    assert any(v == f"{name}gpj.exe" for _s, v in cells)  # the name is shown, without the override
    wb = openpyxl.load_workbook(res.path, read_only=True)
    assert [v for ws in wb for row in ws.iter_rows(values_only=True) for v in row
            if isinstance(v, str) and CTRL.search(v)] == []
