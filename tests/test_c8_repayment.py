"""The shared repayment-string rule (bankxl.rules.credit_report): 24-month strings of the credit report parsed by
hand — worst level, overdue months, longest run, 连三累六 edges (3 in a row, 6 in 24, a level-3 month), '#'
(unknown month) and '*' (no payment due), dirty strings (lower case, spaces, full width, wrong length, unknown
characters) — and the worksheet formula BANKXL_REPAY_STRING fed the way Excel feeds it."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.errors import PROBLEM_CODES, ParameterError
from bankxl.rules.credit_report import PROBLEM_CODE, RepaymentParams, parse_repayment
from bankxl.scenario import make_params

N = "N"


def s24(tail: str, head: str = "") -> str:
    """A 24-month string: ``head`` first, ``tail`` last, N between."""
    return head + N * (24 - len(head) - len(tail)) + tail


CASES = {
    # name: (string, worst, overdue months, longest run, unknown months, bad months, current, clean, streak)
    "three_in_a_row": (s24("111"), 1, 3, 3, 0, 0, "1", False, True),          # 连三: run of 3
    "two_in_a_row": (s24("11N11N"), 1, 4, 2, 0, 0, "N", False, False),        # runs 2 + 2, 4 months: neither
    "six_apart": (s24("", "1N1N1N1N1N1"), 1, 6, 1, 0, 0, "N", False, True),   # 累六: 6 single months
    "five_apart": (s24("", "1N1N1N1N1"), 1, 5, 1, 0, 0, "N", False, False),   # 5 < 6
    "level_three": (s24("", "NN3"), 3, 1, 1, 0, 0, "N", False, True),         # level 3 = 3 instalments in a row
    "level_two": (s24("2"), 2, 1, 1, 0, 0, "2", False, False),
    "unknown_may_join_run": (s24("", "11#1"), 1, 3, 2, 1, 0, "N", False, None),  # # could make the run 4
    "unknown_cannot_matter": (s24("#"), 0, 0, 0, 1, 0, "#", None, False),     # clean unknown, streak impossible
    "guarantor_paid": (s24("", "D"), 0, 0, 0, 0, 1, "N", False, False),       # D: not clean, not overdue
    "no_payment_due": ("*" * 24, 0, 0, 0, 0, 0, "*", True, False),
    "closed": (s24("CCC"), 0, 0, 0, 0, 0, "C", True, False),
    "dirty_but_readable": ("n n" + N * 21 + "７", 7, 1, 1, 0, 0, "7", False, True),  # spaces, lower, full-width
}


@pytest.mark.parametrize("name", list(CASES))
def test_repayment_strings_by_hand(name):
    text, worst, months, run, unk, bad, current, clean, streak = CASES[name]
    got = parse_repayment(pd.Series([text])).iloc[0]
    assert len(got["text"]) == 24 and pd.isna(got["problem"])
    assert (got["worst"], got["overdue_months"], got["longest_run"], got["unknown_months"], got["bad_months"]) == \
        (worst, months, run, unk, bad)
    assert got["current"] == current
    assert (None if pd.isna(got["clean"]) else bool(got["clean"])) is clean
    assert (None if pd.isna(got["streak"]) else bool(got["streak"])) is streak


def test_invalid_and_blank_strings_are_unknown_not_zero():
    s = pd.Series([N * 23, "X" + N * 23, "NB" + N * 3, None, "  ", s24("1")], index=[10, 11, 12, 13, 14, 15])
    got = parse_repayment(s)
    assert got.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert got["problem"].tolist()[:3] == [
        "长度 23 位, 应为 24 位", "含无法识别的字符「X」(应为 N、1–7、C、G、D、Z、*、#)",
        "含无法识别的字符「B」(应为 N、1–7、C、G、D、Z、*、#); 长度 5 位, 应为 24 位"]
    assert got["problem"].iloc[3:].isna().all()  # blank is unknown, not a problem
    for col in ("worst", "overdue_months", "longest_run", "clean", "streak", "current"):
        assert got[col].iloc[:5].isna().all(), col
    assert got.loc[15, "worst"] == 1 and not got.loc[15, "streak"]
    assert PROBLEM_CODE in PROBLEM_CODES


def test_streak_parameters():
    # 连二累四 on "…11N11N": run 2 → 连二 holds; 4 months → 累四 holds too
    s = pd.Series([s24("11N11N"), s24("", "1N1N1N1")])
    got = parse_repayment(s, consecutive=2, total=4)
    assert got["streak"].tolist() == [True, True]
    got = parse_repayment(s, consecutive=3, total=5)  # run 2 < 3; 4 months < 5 → no
    assert got["streak"].tolist() == [False, False]
    p = make_params(RepaymentParams, {"连三: 连续逾期月数": 2, "streak_total": "4"})
    assert (p.streak_consecutive, p.streak_total) == (2, 4)
    with pytest.raises(ParameterError, match="streak_consecutive"):
        make_params(RepaymentParams, {"streak_consecutive": 7, "streak_total": 6})
    with pytest.raises(ParameterError, match="不能大于 24"):
        make_params(RepaymentParams, {"streak_total": 25})


def test_many_rows_vectorised():
    s = pd.Series([s24("111"), s24(""), None] * 20_000)
    got = parse_repayment(s)
    assert got["streak"].sum() == 20_000 and got["clean"].sum() == 20_000 and got["streak"].isna().sum() == 20_000


def test_worksheet_formula_through_xlwings_conversion():
    """BANKXL_REPAY_STRING fed as Excel feeds a range (tests/xlwings_emulation.py): text cells, an empty cell
    (None -> blank row), a lower-case string with spaces, a wrong length, an unknown character, a number cell."""
    from xlwings_emulation import MISSING, call_udf, column

    cells = column(s24("111"), None, "n n" + N * 21 + "2", N * 23, "X" + N * 23, s24("", "11#1"), s24("#"), 12.0)

    def flat(what):
        args = (cells,) if what is MISSING else (cells, what)
        return [r[0] for r in call_udf("BANKXL_REPAY_STRING", *args)]

    bad_len, bad_chr = "#VALUE! 长度 23 位, 应为 24 位", "#VALUE! 含无法识别的字符「X」(应为 N、1–7、C、G、D、Z、*、#)"
    # a number cell 12.0 arrives as a float: '12.0' is no repayment string
    num = "#VALUE! 含无法识别的字符「.」(应为 N、1–7、C、G、D、Z、*、#); 长度 4 位, 应为 24 位"
    assert flat(MISSING) == ["是", "", "否", bad_len, bad_chr, "未知", "否", num]  # default: 连三累六
    assert flat("最高逾期档") == [1, "", 2, bad_len, bad_chr, 1, 0, num]
    assert flat("逾期月数") == [3, "", 1, bad_len, bad_chr, 3, 0, num]
    assert flat("run") == [3, "", 1, bad_len, bad_chr, 2, 0, num]
    assert flat("未知月数")[5:7] == [1, 1]
    assert flat("干净")[:3] == ["否", "", "否"] and flat("干净")[6] == "未知"
    assert flat("当前状态")[:3] == ["1 逾期1–30天", "", "2 逾期31–60天"] and flat("current")[6] == "# 状态未知"
    assert call_udf("BANKXL_REPAY_STRING", cells, "别的")[0][0].startswith("#VALUE! 未知的返回项「别的」")


def test_clean_strings_and_strings_needing_cleaning_parse_alike():
    """24 valid codes skip the cleaning and checking passes; the same strings written with lower case, spaces or
    full-width letters go through them: every parsed column must agree row by row (two paths, one rule), invalid
    rows still carry their reason, and the latest month's code is the string's last character."""
    plain = ["N" * 24, "NNNNNNNNNNNN123456CGDZ*#", "#" * 24, "N" * 22 + "12"]
    dirty = ["n" * 24, " ".join("NNNNNNNNNNNN123456CGDZ*#"), "#" * 12 + " " + "#" * 12, "Ｎ" * 22 + "１２"]
    got = parse_repayment(pd.Series(plain + dirty + ["N" * 23 + "X", "N" * 23], dtype="string"))
    a, b = got.iloc[:4].reset_index(drop=True), got.iloc[4:8].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert a["text"].tolist() == plain and a["problem"].isna().all()
    assert a["current"].tolist() == ["N", "#", "#", "2"] and a["worst"].tolist() == [0, 6, 0, 2]
    assert got["problem"].iloc[8].startswith("含无法识别的字符「X」") and got["problem"].iloc[9] == "长度 23 位, 应为 24 位"
