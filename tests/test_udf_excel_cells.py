"""Worksheet formulas fed the way Excel feeds them (issue 15 item 1): every argument goes through xlwings'
own conversion pipeline with the options the function's ``@xw.arg`` declares (tests/xlwings_emulation.py),
from the raw values COM delivers for a range (None for an empty cell, float for a number, str, datetime).

The bug these tests pin down: with xlwings' default ``np.array`` conversion a text column with one empty
cell became a numpy *string* array, so every blank arrived as the text ``'nan'`` (and a number stored as a
number as ``'13812345678.0'``). Expected values are known ID vectors (GB 11643 examples also used in
tests/test_xl_udfs.py) and hand-computed dates.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from xlwings_emulation import MISSING, call_udf, column, convert_args

AS_OF = dt.datetime(2026, 11, 30)
V1, V2 = "34052419800101001X", "11010519491231002X"  # valid: born 1980-01-01 男, 1949-12-31 女 (北京市朝阳区)
BAD = "360426199101010072"  # check character wrong (…0071 is right)


def flat(block) -> list:
    return [r[0] for r in block]


def test_converter_keeps_blank_as_none_and_real_text_as_text():
    # what the UDF receives: each cell its own type, the empty cell None, the typed text 'nan' text
    (got,) = convert_args("BANKXL_ID_VALID", column(V1, None, "nan", 13812345678.0))
    assert got.shape == (4, 1) and got.dtype == object
    assert flat(got.tolist()) == [V1, None, "nan", 13812345678.0]
    # a text typed 'nan' is a bad ID, not a blank row
    assert flat(call_udf("BANKXL_ID_PROBLEM", column("nan", None))) == ["ID_FORMAT 证件号格式错误", ""]


def test_ten_ids_and_99990_blank_rows():
    ids = [V1, V2, BAD, "12345", V1, V2, V1, V2, BAD, V1] + [None] * 99_990
    out = flat(call_udf("BANKXL_ID_VALID", column(*ids)))
    assert out[:10] == [True, True, False, False, True, True, True, True, False, True]
    assert out[10:] == [""] * 99_990
    problems = flat(call_udf("BANKXL_ID_PROBLEM", column(*ids)))
    assert problems[2] == "ID_CHECKSUM 证件号校验位错误" and problems[10:] == [""] * 99_990


def test_every_id_function_gives_blank_for_blank_rows():
    ids = column(V1, None, V2, "  ")
    assert flat(call_udf("BANKXL_ID18", ids)) == [V1, "", V2, ""]
    assert flat(call_udf("BANKXL_BIRTH", ids)) == [dt.datetime(1980, 1, 1), "", dt.datetime(1949, 12, 31), ""]
    assert flat(call_udf("BANKXL_SEX", ids)) == ["男", "", "女", ""]
    assert flat(call_udf("BANKXL_AGE", ids, AS_OF)) == [46, "", 76, ""]
    assert flat(call_udf("BANKXL_REGION", ids))[1::2] == ["", ""]
    assert flat(call_udf("BANKXL_REGION", ids))[2] == "北京市朝阳区"
    # USCC: GB 32100 example 91350100M000100Y43 valid, …44 not
    assert flat(call_udf("BANKXL_USCC_VALID", column("91350100M000100Y43", None, "91350100M000100Y44"))) == \
        [True, "", False]
    assert flat(call_udf("BANKXL_MASK", column(V1, None), MISSING)) == ["340524********001X", ""]
    assert flat(call_udf("BANKXL_MASK", column("张三丰", None), "姓名")) == ["张**", ""]


def test_numbers_stored_as_numbers():
    # a phone typed as a number; an 18-digit ID typed as a number (the double has lost its last digits);
    # a 15-digit old ID typed as a number (exact) — in one column with text and a blank
    assert flat(call_udf("BANKXL_MASK", column(13812345678.0, "13912345678", None), "手机")) == \
        ["138****5678", "139****5678", ""]
    ids = column(3.40524198001010e17, "110105491231002", 110105491231002.0, None)
    assert flat(call_udf("BANKXL_ID_PROBLEM", ids)) == ["ID_CORRUPT 证件号以数值存储超过15位, 精度已丢失", "", "", ""]
    assert flat(call_udf("BANKXL_ID_VALID", ids)) == [False, True, True, ""]
    # 15 -> 18: 110105 + 19 + 491231002 + check X (GB 11643 appendix example)
    assert flat(call_udf("BANKXL_ID18", ids)) == ["#VALUE! 证件号以数值存储超过15位, 精度已丢失", V2, V2, ""]


def test_text_date_column_with_a_blank_does_not_collapse():
    # text dates (as exported), one blank, one date cell, one Excel serial (46387 = 2026-12-31), one typed 'nan'
    dates = column("2026-12-01", None, dt.datetime(2026, 12, 8), 46387.0, "nan")
    assert flat(call_udf("BANKXL_DAYS_TO_MATURITY", dates, AS_OF)) == [1, "", 8, 31, "#VALUE! 日期无法识别"]
    assert flat(call_udf("BANKXL_MATURITY_BUCKET", dates, AS_OF)) == \
        ["0–7天", "", "8–30天", "31–90天", "#VALUE! 日期无法识别"]
    # only text dates and a blank: the case that became one '#VALUE! NaTType …' cell
    assert flat(call_udf("BANKXL_DAYS_TO_MATURITY", column("2026-12-01", None), AS_OF)) == [1, ""]


def test_income_tax_with_blank_rows_and_numeric_employee_ids():
    # §8: 30,000 income, 1,400 三险一金, 1,000 专项附加 -> Jan 678.00, Feb 1,322.00; a blank row stays blank
    out = flat(call_udf("BANKXL_IIT", column(1001.0, None, 1001.0), column("2026-01-31", None, "2026-02-28"),
                        column(30_000.0, None, 30_000.0), 1_400.0, 1_000.0, MISSING))
    assert out == [678.0, "", 1322.0]


@pytest.mark.parametrize("name", ["BANKXL_ID_VALID", "BANKXL_ID_PROBLEM", "BANKXL_ID18", "BANKXL_BIRTH",
                                  "BANKXL_SEX", "BANKXL_REGION", "BANKXL_USCC_VALID", "BANKXL_MASK"])
def test_all_blank_column_is_all_blank(name):
    assert call_udf(name, column(None, None, None)) == [[""], [""], [""]]


def test_every_range_argument_keeps_cell_types():
    """Every argument declared as ``np.array`` asks for object dtype and None for empty cells."""
    from xlwings_emulation import udf_module

    mod = udf_module()
    seen = 0
    for name in dir(mod):
        info = getattr(getattr(mod, name), "__xlfunc__", None)
        if not info:
            continue
        for arg in info["args"]:
            opts = arg["options"]
            if opts.get("convert") is np.array:
                seen += 1
                assert opts.get("dtype") is object and "empty" in opts and opts["empty"] is None, (name, arg["name"])
    assert seen >= 25
