"""Fuzz test (issue 8): generated bad inputs through ``bankxl run`` for D2 (one file and ``--by outlet``)
and the list scenarios C9 (贷款流失挽回名单) and D4 (核心客户名单).

Every run must end in success or a BankxlError shown as a Chinese + English message (exit 2), never
another exception; the input file stays byte-identical; nothing is written outside ``--out``; no written
workbook holds a formula. The rules and generators live in tests/fuzz_util.py.

Fixed seed (derandomize), no example database. ``BANKXL_FUZZ_EXAMPLES`` sets the generated examples per
test (default 20 in ``make test``, beside the shrunk reproducers below, which always run); ``.ci/run`` runs
``make fuzz FUZZ_EXAMPLES=70`` after ``make test`` (the breadth make test had before), ``make fuzz`` alone
runs 1000 per test; both log each input and outcome to build/fuzz_outcomes.jsonl (``BANKXL_FUZZ_LOG``).
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings

from fuzz_util import (Case, apply_mutation, case_record, cases, formula_cells, log_outcome, malformed_parts,
                       message_ok, mutated, run_case, unmasked, write_xlsx)

FUZZ = settings(max_examples=int(os.environ.get("BANKXL_FUZZ_EXAMPLES", "20")), deadline=None,
                derandomize=True, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))


def _run(c: Case) -> dict:
    with tempfile.TemporaryDirectory(prefix="bankxl_fuzz_") as top:
        try:
            rec = run_case(c, Path(top))
        except AssertionError as e:
            log_outcome(case_record(c, "FAIL", str(e).splitlines()[0]))
            raise
    log_outcome(rec)
    return rec


# the shrunk reproducers of what the fuzz found (issue 8 closing note) run first, every time
PATHY_OUTLETS = ["a/../../x", "..", "CON", "x" * 300, "", "a\x00b", "../../../../escape", "NUL", "/abs", " "]


@FUZZ
@given(cases(codes=("D2",)))
@example(Case(code="D2", mutations=[("cell", 0, 1, 4, "a\x00b")]))  # control character in 机构号 -> pivot XML
@example(Case(code="D2", params=[("amount_edges", "")]))              # empty band edges
@example(Case(code="D2", params=[("roll_rule", "Z")]))                # bad choice: English line was a bare id
@example(Case(code="D2", as_of="2026-11-30 08:00:00+08:00"))           # tz-aware --as-of
@example(Case(code="D2", by_outlet=True, mutations=[("outlet", 0, PATHY_OUTLETS)]))
def test_fuzz_d2(c):
    _run(c)


@FUZZ
@given(cases(codes=("C9", "D4")))
@example(Case(code="C9", params=[("years", "abc")]))                   # non-numeric year list
@example(Case(code="D4", params=[("size_basis", "x")]))                # bad choice: English line is the bare id
@example(Case(code="C9", by_outlet=True, mutations=[("outlet", 0, PATHY_OUTLETS)]))
def test_fuzz_list_scenarios(c):
    _run(c)


# ------------------------------------------------------------------ the harness itself can fail
@pytest.mark.parametrize("code,fmt,by_outlet", [("D2", "xlsx", False), ("D2", "csv", True), ("C9", "xlsx", True),
                                                 ("D4", "csv", False)])
def test_unmutated_sample_succeeds(code, fmt, by_outlet):
    """The cut-down sample inputs are good data: the fuzz starts from runs that succeed."""
    assert _run(Case(code=code, fmt=fmt, by_outlet=by_outlet))["rc"] == 0


def test_mutations_by_hand():
    sheets = [["S", [["机构号", "余额"], ["1", 2.0], ["3", 4.0]]]]
    apply_mutation(sheets, ("drop_column", 0, 3))            # column 3 % 2 = 1
    apply_mutation(sheets, ("outlet", 0, ["a/../../x", None]))
    apply_mutation(sheets, ("title_rows", 0, ["t"], 2))
    assert sheets == [["S", [["存款报表 2026年11月"], ["t"], ["机构号"], ["a/../../x"], [None]]]]
    apply_mutation(sheets, ("blank_rows", 0, 3, 1))           # a short row under the header
    apply_mutation(sheets, ("outlet", 0, ["CON"]))
    assert sheets[0][1][2:] == [["机构号"], ["CON"], ["CON"], ["CON"]]
    d2 = mutated("D2", [])
    assert [s for s, _ in d2] == ["定期存款明细", "机构"] and len(d2[0][1]) == 41 and d2[0][1][0][0] == "账号"


def test_written_text_stays_text_and_formulas_are_found(tmp_path):
    p = tmp_path / "t.xlsx"
    write_xlsx([["S", [["=cmd()", "+1", "@x", float("nan"), 10 ** 400]]]], p)
    ws = openpyxl.load_workbook(p)["S"]
    assert [(c.value, c.data_type) for c in ws[1]] == [("=cmd()", "s"), ("+1", "s"), ("@x", "s"),
                                                       ("=#NUM!", "f"), ("1" + "0" * 400, "s")]
    assert len(formula_cells(p)) == 1  # XlsxWriter writes NaN as the error formula =#NUM! (an input may hold one)
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    wb.add_worksheet().write_formula(0, 0, "=1+1")
    wb.close()
    assert len(formula_cells(tmp_path / "f.xlsx")) == 1
    write_xlsx([["S", [["=cmd()", "+1", 1.5, "a\x00\x1bb"]]]], p)
    assert formula_cells(p) == [] and malformed_parts(p) == []
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(bad, "w") as dst:
        for n in src.namelist():
            dst.writestr(n, src.read(n) if n != "xl/sharedStrings.xml" else b"<sst>a\x00</sst>")
    assert [s.split(":")[0] for s in malformed_parts(bad)] == ["xl/sharedStrings.xml"]
    write_xlsx([["S", [["证件号码"], ["110102198609096269"], ["1101**********6269"]]]], p)
    assert unmasked(p, frozenset({"110102198609096269", "110105195412237035"})) == [
        "xl/sharedStrings.xml: 110102198609096269"]


def test_message_rule():
    assert message_ok("错误 error: 找不到输入文件: x\nInput file not found: x")
    assert message_ok("错误 error: 严格模式: 表「客户月度存款」有 1 个数据问题\nStrict mode: table customer_monthly has 1 "
                      "row problem(s), e.g. row 16")
    assert message_ok("错误 error: 未知参数「到期」\nUnknown parameter '到期'.")
    assert message_ok("错误 error: 数据日期「~」不是有效日期\n数据日期 '~' is not a valid date.")
    assert message_ok("错误 error: 参数「月供间隔下限」28 天大于「月供间隔上限」0 天。\nParameter interval_min (28) > "
                      "interval_max (0).")
    assert not message_ok("错误 error: 参数「到期日遇节假日」应为 following 或 preceding, 而不是 'x'。")  # one line
    assert not message_ok("错误 error: 参数「到期日遇节假日」应为 following 或 preceding\nroll_rule")  # an id is no sentence
    assert not message_ok("错误 error: 'org_id'")                        # a stray KeyError
    assert not message_ok("错误 error: Input file not found: x")          # English only
    assert not message_ok("错误 error: 找不到输入文件")                     # Chinese only
    assert not message_ok("内部错误 internal error: ValueError: x")


@pytest.mark.parametrize("fake,broken", [
    (lambda root: (root.parent / "escaped.xlsx").write_bytes(b"x") and 0, "written outside --out"),
    (lambda root: 1, "exit 1"),
    (lambda root: print("错误 error: bad input given", file=__import__("sys").stderr) or 2, r"Chinese \+ English"),
    (lambda root: 1 / 0, "exception: ZeroDivisionError"),
])
def test_harness_catches_violations(monkeypatch, fake, broken):
    """run_case fails for a write outside --out, exit 1, an English-only error and an exception."""
    monkeypatch.setattr("bankxl.cli.main", lambda args: fake(Path(os.getcwd()).parent))
    monkeypatch.delenv("BANKXL_FUZZ_LOG", raising=False)  # these failures are staged, not fuzz outcomes
    with pytest.raises(AssertionError, match=broken):
        _run(Case(code="D2"))
