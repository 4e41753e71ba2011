"""bankxl.xl.excel writes text into Excel as text (issue 15 item 7).

Excel treats a string assigned through COM (``Range.Value = …``) to a General cell as if it were typed:
"001" becomes the number 1, "2023-01" and "1-2" become dates. Only a cell formatted "@" (Text) *before* the
assignment keeps the string. ``FakeSheet`` below records the xlwings calls bankxl.xl.excel makes and applies
that Excel rule, so the test sees what the user would see in the 参数 sheet.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from bankxl.xl import excel
from bankxl.xl.ribbon import param_rows_for_sheet


def excel_types(v, fmt):
    """What Excel stores for ``v`` assigned to a cell of number format ``fmt`` (the 'typed' rule)."""
    if not isinstance(v, str) or fmt == "@":
        return v
    s = v.strip()
    if re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", s):
        f = float(s)
        return int(f) if f.is_integer() else f
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        return dt.datetime(int(m[1]), int(m[2]), 1)
    if m := re.fullmatch(r"(\d{1,2})-(\d{1,2})", s):
        return dt.datetime(2026, int(m[1]), int(m[2]))
    return v


class FakeRange:
    def __init__(self, sheet, a, b=None):
        self.sheet, self.a, self.b = sheet, a, b or a

    def options(self, **kw):
        return self

    def _cells(self):
        (r0, c0), (r1, c1) = self.a, self.b
        return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]

    @property
    def number_format(self):
        return self.sheet.fmt.get(self.a)

    @number_format.setter
    def number_format(self, value):
        self.sheet.log.append(("format", self.a, self.b, value))
        for rc in self._cells():
            self.sheet.fmt[rc] = value

    @property
    def value(self):
        return self.sheet.cells.get(self.a)

    @value.setter
    def value(self, rows):
        self.sheet.log.append(("value", self.a))
        r0, c0 = self.a
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    self.sheet.cells[(r0 + i, c0 + j)] = excel_types(v, self.sheet.fmt.get((r0 + i, c0 + j)))

    class _Font:
        bold = False

    font = _Font()


class FakeSheet:
    def __init__(self, name):
        self.name, self.cells, self.fmt, self.log = name, {}, {}, []

    def range(self, a, b=None):
        if a == "A1":
            a = (1, 1)
        return FakeRange(self, a, b)

    def autofit(self, axis=None):
        pass

    def activate(self):
        pass


class FakeSheets(list):
    @property
    def active(self):
        return self[0]

    def add(self, name, after=None):
        sh = FakeSheet(name)
        self.append(sh)
        return sh

    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)


class FakeBook:
    def __init__(self):
        self.sheets = FakeSheets([FakeSheet("数据")])


PARAMS = pd.DataFrame({
    "场景": ["D2", "D2", "D2", "D2", "D2", "通用"],
    "参数": ["org", "month", "band", "days", "rate", "mask"],
    "中文名": ["机构号", "月份", "档次", "天数", "比例", "脱敏"],
    "取值": ["001", "2023-01", "1-2", "30", "0.5", "是"],
})


def test_param_sheet_keeps_text_as_text_and_numbers_as_numbers():
    book = FakeBook()
    excel.add_sheet(book, "参数", param_rows_for_sheet(PARAMS, header=True))
    sh = book.sheets["参数"]
    got = [sh.cells.get((r, 4)) for r in range(2, 8)]
    assert got == ["001", "2023-01", "1-2", 30, 0.5, "是"]
    # every format call comes before the one value assignment
    kinds = [e[0] for e in sh.log]
    assert kinds[-1] == "value" and kinds.count("value") == 1
    assert sh.fmt.get((5, 4)) is None and sh.fmt.get((6, 4)) is None  # numbers keep General
    assert sh.cells[(1, 1)] == "场景" and sh.cells[(2, 2)] == "org"


def test_appended_rows_keep_text_too():
    book = FakeBook()
    excel.add_sheet(book, "参数", [["场景", "参数", "中文名", "取值"]])
    excel.append_rows(book, "参数", param_rows_for_sheet(PARAMS.iloc[:3], header=False), 10)
    sh = book.sheets["参数"]
    assert [sh.cells[(r, 4)] for r in (10, 11, 12)] == ["001", "2023-01", "1-2"]


def test_text_blocks_cover_exactly_the_text_cells():
    rows = [["a", 1, None], ["b", "x", 2.0], [3, "y", "z"]]
    assert excel.text_blocks(rows, 5, 2) == [(5, 2, 6, 2), (6, 3, 7, 3), (7, 4, 7, 4)]
    assert excel.text_blocks([], 1, 1) == []
