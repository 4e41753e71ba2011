"""Fuzz harness for ``bankxl run`` (tests/test_fuzz.py): bad-input generators and the safety checks.

A case = a scenario, the sample workbook's sheets cut to a few dozen rows (read once and cached), a list
of mutations (cells, columns, rows, headers, sheet names, outlet ids with path characters), a file format
(.xlsx via XlsxWriter with text kept as text, or CSV in utf-8/utf-8-sig/gbk/gb18030/utf-16) and optional
``--as-of`` / ``--param`` / ``--strict`` / ``--by outlet``. :func:`run_case` writes the input under
``root/in``, runs :func:`bankxl.cli.main` in-process with ``root/cwd`` as working directory and checks:

* exit 0: the report(s) exist inside ``root/out`` and every path printed is one of them;
* exit 2: stderr holds a Chinese sentence and an English one, no traceback;
* anything else (exit 1 内部错误, an exception, SystemExit from argparse) fails;
* always: the input's sha256 is unchanged, no file was created or changed outside ``root/out``, no file
  left in ``root/out`` that is not a report (temp files); every written .xlsx is a complete zip of
  well-formed XML parts with no ``<f>`` (formula) element in any sheet and no unmasked ID-card or phone
  number of the input.

``python tests/fuzz_util.py OUTCOMES.jsonl`` summarises the log written when ``BANKXL_FUZZ_LOG`` is set.
"""
from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import sys
import traceback
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
WB = ROOT / "workbooks"

#: scenario code -> (sample workbook, [(sheet, row filter)]): the first sheet is the scenario's main input.
#: A row filter keeps the first N data rows, or the rows of the first N distinct customers (客户号).
SOURCES = {
    "D2": ("样例_定期存款.xlsx", [("定期存款明细", ("rows", 40)), ("机构", ("rows", 30))]),
    "C9": ("样例_贷款与流水.xlsx", [("贷款", ("rows", 40)), ("客户", ("rows", 40))]),
    "D4": ("样例_贷款与流水.xlsx", [("客户月度存款", ("customers", 4))]),
}
BY_OUTLET = ("D2", "C9")  # scenarios with outlet_tables


def _plain(v):
    """A calamine cell as a plain Python value (NaN -> None, whole floats kept as float)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    return v


@lru_cache(maxsize=None)
def base_sheets(code: str) -> tuple[tuple[str, tuple[tuple, ...]], ...]:
    """The sample input of scenario ``code``: ((sheet, (header row, data rows...)), ...), read once."""
    import pandas as pd

    book, sheets = SOURCES[code]
    frames = pd.read_excel(WB / book, sheet_name=[s for s, _ in sheets], header=None, dtype=object,
                           engine="calamine")
    out = []
    for name, (how, n) in sheets:
        rows = [tuple(_plain(v) for v in r) for r in frames[name].itertuples(index=False)]
        head, body = rows[0], rows[1:]
        if how == "customers":
            keep = list(dict.fromkeys(r[0] for r in body))[:n]
            body = [r for r in body if r[0] in keep]
        else:
            body = body[:n]
        out.append((name, (head, *body)))
    return tuple(out)


# ---------------------------------------------------------------------------------------------- values
PATHY = ["a/../../x", "../../../../escape", "..", ".", "CON", "NUL", "COM1", "a\\..\\b", "/abs", "C:\\x",
         "x" * 300, "", " ", None, "机构/1", "*?<>|:\"", ".hidden", "a\x00b", "=1+1", "-2"]
TEXTS = ["=cmd()", "=1+1", "+1", "@x", "-2", "=HYPERLINK(\"http://x\",\"y\")", "'=1", "=SUM(A1:A2)",
         "\x00", "\x07", "\x1b[31m", "\u202e", "\u200b", "\ufeff", "\u3000", "😀", "𠀀", "１２３", "１２３．４５",
         "合计", "小计", "总计", "NULL", "#N/A", "#DIV/0!", "nan", "None", "", " ", "2026-02-30",
         "2026-11-30T00:00:00Z", "2026-11-30 08:00:00+08:00", "1677-01-01", "9999-12-31", "0000-00-00",
         "20261301", "2026年13月", "1e308", "-1e308", "-0", "inf", "-inf", "NaN", "1,234.56", "(1,234.56)",
         "12.5%", "1.2万", "是", "否", "Y", "a\nb", "\"quoted\"", "x" * 300] + [p for p in PATHY if p]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0, 0.0, -1.0, 2.0 ** 63, -(2.0 ** 63), 10 ** 20, 10 ** 400,
                     -10 ** 400, 123456789012345678, 340524198001010016]),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30),
)
DATES = st.one_of(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from([dt.datetime(1677, 1, 1), dt.datetime(9999, 12, 31), dt.datetime(2262, 4, 12),
                     dt.datetime(1899, 12, 31), dt.datetime(1900, 2, 28), dt.datetime(2026, 11, 30, 23, 59, 59)]),
)
LONG = st.builds(lambda c, n: c * n, st.sampled_from(["x", "中", "😀", "=", "\x01"]), st.integers(300, 40000))
VALUES = st.one_of(st.none(), st.sampled_from(TEXTS), st.text(max_size=20), NUMBERS, DATES, st.booleans(), LONG)

# ------------------------------------------------------------------------------------------- mutations
IDX = st.integers(0, 10 ** 6)
MUTATIONS = st.one_of(
    st.tuples(st.just("cell"), IDX, IDX, IDX, VALUES),             # sheet, row, col, value
    st.tuples(st.just("column_value"), IDX, IDX, VALUES),          # every data cell of a column
    st.tuples(st.just("column_values"), IDX, IDX, st.lists(VALUES, min_size=1, max_size=5)),  # cycled
    st.tuples(st.just("outlet"), IDX, st.lists(st.sampled_from(PATHY), min_size=1, max_size=4)),
    st.tuples(st.just("drop_column"), IDX, IDX),
    st.tuples(st.just("dup_column"), IDX, IDX),
    st.tuples(st.just("rename_header"), IDX, IDX, VALUES),
    st.tuples(st.just("shuffle_columns"), IDX, st.randoms(use_true_random=False)),
    st.tuples(st.just("title_rows"), IDX, st.lists(VALUES, max_size=3), st.integers(1, 4)),
    st.tuples(st.just("dup_rows"), IDX, IDX, st.integers(1, 3)),
    st.tuples(st.just("drop_rows"), IDX, IDX, st.integers(1, 1000)),  # from row, how many
    st.tuples(st.just("blank_rows"), IDX, IDX, st.integers(1, 3)),
    st.tuples(st.just("total_row"), IDX, st.sampled_from(["合计", "小计", "总计:", "制表人: 张三"])),
    st.tuples(st.just("rename_sheet"), IDX, st.sampled_from(["Sheet1", "数据", "定期存款明细", "贷款", "参数",
                                                              "数据问题", "客户", "'x", "a" * 31])),
    st.tuples(st.just("drop_sheet"), IDX),
    st.tuples(st.just("copy_sheet"), IDX),
)


def _col(rows, c):
    width = max(len(r) for r in rows)
    return c % width if width else 0


def apply_mutation(sheets: list[list], m: tuple) -> None:
    """Apply one mutation (a tuple from :data:`MUTATIONS`) in place to ``sheets`` = [[name, rows], ...]
    (rows = lists, row 0 the header). Indices are taken modulo the current size."""
    kind = m[0]
    if not sheets:
        return
    if kind in ("drop_sheet", "copy_sheet", "rename_sheet"):
        i = m[1] % len(sheets)
        if kind == "drop_sheet" and len(sheets) > 1:
            del sheets[i]
        elif kind == "copy_sheet":
            sheets.insert(i + 1, [sheets[i][0][:28] + "(2)", copy.deepcopy(sheets[i][1])])
        elif kind == "rename_sheet":
            sheets[i][0] = m[2]
        return
    rows = sheets[m[1] % len(sheets)][1]
    if not rows:
        return
    if kind == "cell":
        r, c = m[2] % len(rows), _col(rows, m[3])
        rows[r] += [None] * (c + 1 - len(rows[r]))
        rows[r][c] = m[4]
    elif kind in ("column_value", "column_values"):
        c = _col(rows, m[2])
        vals = [m[3]] if kind == "column_value" else m[3]
        for k, r in enumerate(rows[1:]):
            r += [None] * (c + 1 - len(r))
            r[c] = vals[k % len(vals)]
    elif kind == "outlet":  # 机构号 cells under the (first) header holding 机构号 -> path-like text
        h = next((i for i, r in enumerate(rows) if "机构号" in r), None)
        if h is not None:
            c = rows[h].index("机构号")
            for k, r in enumerate(rows[h + 1:]):
                r += [None] * (c + 1 - len(r))
                r[c] = m[2][k % len(m[2])]
    elif kind == "drop_column":
        c = _col(rows, m[2])
        for r in rows:
            if c < len(r):
                del r[c]
    elif kind == "dup_column":
        c = _col(rows, m[2])
        for r in rows:
            r.insert(c, r[c] if c < len(r) else None)
    elif kind == "rename_header":
        c = _col(rows, m[2])
        rows[0] += [None] * (c + 1 - len(rows[0]))
        rows[0][c] = m[3]
    elif kind == "shuffle_columns":
        width = max(len(r) for r in rows)
        order = list(range(width))
        m[2].shuffle(order)
        for k, r in enumerate(rows):
            r += [None] * (width - len(r))
            rows[k] = [r[j] for j in order]
    elif kind == "title_rows":
        width = max(len(r) for r in rows)
        extra = [["存款报表 2026年11月"] + [None] * (width - 1)] + [list(m[2]) for _ in range(m[3] - 1)]
        rows[:0] = extra[: m[3]]
    elif kind == "dup_rows":
        r = 1 + m[2] % max(len(rows) - 1, 1)
        rows[r:r] = [list(rows[min(r, len(rows) - 1)]) for _ in range(m[3])]
    elif kind == "drop_rows":
        r = 1 + m[2] % max(len(rows) - 1, 1)
        del rows[r:r + m[3]]
    elif kind == "blank_rows":
        r = m[2] % len(rows)
        rows[r:r] = [[] for _ in range(m[3])]
    elif kind == "total_row":
        rows.append([m[2], None, None, 12345.6])


def mutated(code: str, mutations) -> list[list]:
    """The sample sheets of ``code`` as mutable [[name, [row lists]], ...] with ``mutations`` applied."""
    sheets = [[name, [list(r) for r in rows]] for name, rows in base_sheets(code)]
    for m in mutations:
        apply_mutation(sheets, m)
    return sheets


# ------------------------------------------------------------------------------------------- writing
def write_xlsx(sheets: list[list], path: Path) -> None:
    """Write sheets with XlsxWriter; strings always as text (never formulas/numbers/URLs), NaN/inf as
    Excel errors, ints beyond a double as text, tz-aware datetimes as ISO text."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False, "nan_inf_to_errors": True})
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    used: set[str] = set()
    for name, rows in sheets:
        safe = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31].strip("'") or "Sheet"
        while safe.lower() in used:
            safe = (safe[:28] + f"_{len(used)}")[:31]
        used.add(safe.lower())
        ws = wb.add_worksheet(safe)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, (int, float)):
                    try:
                        ws.write_number(r, c, float(v))
                    except OverflowError:
                        ws.write_string(r, c, str(v))
                elif isinstance(v, (dt.datetime, dt.date)):
                    ws.write_datetime(r, c, v, fmt)
                else:
                    ws.write_string(r, c, str(v))
    wb.close()


def _csv_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def write_csv(rows: list, path: Path, encoding: str, delimiter: str = ",") -> None:
    """One sheet's rows as CSV in ``encoding`` (characters it cannot hold become '?')."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([[_csv_text(v) for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


# ------------------------------------------------------------------------------------------- checks
CJK = re.compile(r"[\u4e00-\u9fff]")
EN_WORD = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?![\w-])")  # a plain English word, not an id like roll_rule


def message_ok(err: str) -> bool:
    """stderr of a refused run, after the last ``错误 error:``: a first line holding Chinese and a later
    line holding a plain English word (BankxlError's ``message_zh`` newline ``message_en``; a bare id such
    as ``roll_rule`` is no English), and no traceback."""
    if "Traceback" in err or "错误 error:" not in err:
        return False
    lines = err.rsplit("错误 error:", 1)[1].strip().splitlines()
    return bool(lines) and bool(CJK.search(lines[0])) and any(EN_WORD.search(ln) for ln in lines[1:])


def formula_cells(xlsx: Path) -> list[str]:
    """``part: <f>…`` for every formula element in the worksheets of ``xlsx`` (empty = no formula)."""
    out = []
    with zipfile.ZipFile(xlsx) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") and n.endswith(".xml"):
                out += [f"{n}: {m}" for m in re.findall(r"<f[ >/].{0,60}", z.read(n).decode("utf-8"))]
    return out


def malformed_parts(xlsx: Path) -> list[str]:
    """``part: parser error`` for every XML part of ``xlsx`` that is not well-formed XML (e.g. a raw
    control character from the data, which Excel refuses to open); empty = all parts parse."""
    from xml.etree import ElementTree

    out = []
    with zipfile.ZipFile(xlsx) as z:
        for n in z.namelist():
            if n.endswith((".xml", ".rels")):
                try:
                    ElementTree.fromstring(z.read(n))
                except ElementTree.ParseError as e:
                    out.append(f"{n}: {e}")
    return out


PERSONAL_HEADERS = ("证件号码", "手机号", "共同借款人证件号")


@lru_cache(maxsize=None)
def personal_values(code: str) -> frozenset[str]:
    """The ID-card and phone numbers in the sample input of ``code`` (texts of 11+ characters)."""
    out = set()
    for _, rows in base_sheets(code):
        cols = [i for i, h in enumerate(rows[0]) if h in PERSONAL_HEADERS]
        out.update(str(r[i]) for r in rows[1:] for i in cols if r[i] is not None and len(str(r[i])) >= 11)
    return frozenset(out)


def unmasked(xlsx: Path, values: frozenset[str]) -> list[str]:
    """``part: value`` for each of ``values`` found verbatim in the sheet or shared-string XML of ``xlsx``."""
    out = []
    with zipfile.ZipFile(xlsx) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml":
                text = z.read(n).decode("utf-8")
                out += [f"{n}: {v}" for v in values if v in text]
    return out


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """relative path -> (size, mtime_ns) of every file and folder under ``root``."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            s = p.lstat()
            out[str(p.relative_to(root))] = (s.st_size if n in filenames else -1, s.st_mtime_ns)
    return out


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------- one case
@dataclass
class Case:
    code: str
    mutations: list = field(default_factory=list)
    fmt: str = "xlsx"            # xlsx | csv
    encoding: str = "utf-8-sig"  # csv only
    delimiter: str = ","
    stem: str = "export"
    by_outlet: bool = False
    strict: bool = False
    as_of: str | None = None
    params: list = field(default_factory=list)
    raw: bytes | None = None     # a broken file instead of a table
    twice: bool = False          # --input given twice (same file)


STEMS = ["export", "=1+1", "+x", "-a", "数据 (1)", "@x", "定期存款明细", "贷款", "客户月度存款", "a'b"]
AS_OF = st.one_of(st.sampled_from(["2026-11-30", "2026-02-30", "1677-01-01", "9999-12-31", "", "abc", "-1",
                                   "2026-11-30T00:00:00Z", "2026-11-30 08:00:00+08:00", "20261130",
                                   "2026/11/30", "1e308", "0", "２０２６-１１-３０", "=1+1"]),
                  st.text(max_size=12))
PARAM_VALUES = st.one_of(st.sampled_from(["-1", "0", "abc", "1e308", "nan", "inf", "", "=1+1", "1,2,3", "-0",
                                          "2026-02-30", "x" * 300, "１２", "999999999999999999999", "0.5",
                                          "3", "1;2", "[1, 2]", "是", "否"]), st.text(max_size=10))
RAW_FILES = st.sampled_from([b"", b"\x00" * 100, b"PK\x03\x04broken zip", b"\xff\xfe", b"a,b\n1,2\n",
                             b"<html><body>export</body></html>", "机构号,余额\n".encode("gbk")])


@st.composite
def cases(draw, codes=("D2",)):
    """A :class:`Case` for one of ``codes``."""
    import dataclasses

    from bankxl.scenario import get_scenario

    code = draw(st.sampled_from(codes))
    fields = [f.name for f in dataclasses.fields(get_scenario(code).params)]
    fmt = draw(st.sampled_from(["xlsx", "xlsx", "csv"]))
    c = Case(code=code, fmt=fmt, mutations=draw(st.lists(MUTATIONS, max_size=4)))
    if fmt == "csv":
        c.encoding = draw(st.sampled_from(["utf-8-sig", "utf-8", "gbk", "gb18030", "utf-16"]))
        c.delimiter = draw(st.sampled_from([",", ",", "\t", ";"]))
    c.stem = draw(st.sampled_from(STEMS))
    c.by_outlet = code in BY_OUTLET and draw(st.booleans())
    c.strict = draw(st.integers(0, 9)) == 0
    if draw(st.integers(0, 4)) == 0:
        c.as_of = draw(AS_OF)
    if draw(st.integers(0, 4)) == 0:
        c.params = draw(st.lists(st.tuples(st.sampled_from(fields + ["nope", "", "到期"]), PARAM_VALUES),
                                 min_size=1, max_size=2))
    if draw(st.integers(0, 19)) == 0:
        c.raw = draw(RAW_FILES)
    c.twice = draw(st.integers(0, 14)) == 0
    return c


def write_input(c: Case, folder: Path) -> Path:
    """Write the case's input file into ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{c.stem}.{c.fmt}"
    if c.raw is not None:
        path.write_bytes(c.raw)
    elif c.fmt == "xlsx":
        write_xlsx(mutated(c.code, c.mutations), path)
    else:
        write_csv(mutated(c.code, c.mutations)[0][1], path, c.encoding, c.delimiter)
    return path


def argv(c: Case, inp: Path, out: Path) -> list[str]:
    """``bankxl run`` arguments; ``--opt=value`` so a value starting with '-' stays a value."""
    a = ["run", c.code, f"--input={inp}", f"--out={out}"] + ([f"--input={inp}"] if c.twice else [])
    if c.by_outlet:
        a.append("--by=outlet")
    if c.strict:
        a.append("--strict")
    if c.as_of is not None:
        a.append(f"--as-of={c.as_of}")
    a += [f"--param={k}={v}" for k, v in c.params]
    return a


def call_cli(args: list[str]) -> tuple[int | str, str, str]:
    """(exit code or 'exception: …', stdout, stderr) of ``bankxl.cli.main(args)`` run in-process."""
    from bankxl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(args)
        except SystemExit as e:  # argparse
            rc = f"SystemExit({e.code})"
        except BaseException as e:  # noqa: BLE001 — the harness reports it
            rc = f"exception: {type(e).__name__}: {e}"
            err.write(traceback.format_exc())
    return rc, out.getvalue(), err.getvalue()


def debug_traceback(args: list[str]) -> str:
    """The traceback of the same run with ``--debug`` (for the failure message)."""
    return call_cli(["--debug"] + args)[2][-3000:]


def run_case(c: Case, top: Path) -> dict:
    """Run one case in ``top/a/b/c/d`` (``top`` an empty folder, watched as a whole so that '../..' in an
    output name is caught) and check every rule in the module docstring. Returns the outcome record;
    raises AssertionError naming the broken rule."""
    root = top / "a" / "b" / "c" / "d"
    inp = write_input(c, root / "in")
    out_root = root / "out"
    out_root.mkdir()
    (root / "cwd").mkdir()
    out = out_root / ("split" if c.by_outlet else "report.xlsx")
    args = argv(c, inp, out)
    digest, before = sha256(inp), snapshot(top)
    cwd = os.getcwd()
    os.chdir(root / "cwd")
    try:
        rc, stdout, stderr = call_cli(args)
    finally:
        os.chdir(cwd)
    after = snapshot(top)
    record = case_record(c, rc, stderr.rsplit("错误 error:", 1)[1].strip().splitlines()[0][:200]
                         if "错误 error:" in stderr else None)
    what = f"bankxl {' '.join(args)}\n{stderr[-2500:]}"
    assert sha256(inp) == digest, f"input file changed\n{what}"
    mine = str(out_root.relative_to(top))
    outside = sorted(p for p in set(after) - set(before) if not p.startswith(mine + os.sep))
    changed = sorted(p for p in before if after.get(p) != before[p] and p != mine and not p.startswith(mine + os.sep))
    assert not outside and not changed, f"written outside --out: {outside} changed: {changed}\n{what}"
    files = sorted(p for p in out_root.rglob("*") if p.is_file())
    for f in files:
        if f.suffix == ".xlsx":
            assert zipfile.is_zipfile(f), f"{f.name} is not a complete .xlsx\n{what}"
            bad = formula_cells(f)
            assert not bad, f"formula cells in {f.name}: {bad[:5]}\n{what}"
            bad = malformed_parts(f)
            assert not bad, f"malformed XML in {f.name}: {bad[:5]}\n{what}"
            bad = unmasked(f, personal_values(c.code))
            assert not bad, f"unmasked ID/phone numbers in {f.name}: {bad[:5]}\n{what}"
    if rc == 0:
        reports = [f for f in files if f.suffix == ".xlsx"]
        assert reports, f"exit 0 but no report in --out\n{what}"
        assert files == reports, f"files other than reports left in --out: {files}\n{what}"
        if c.by_outlet:
            assert all(f.parent == out for f in reports), f"reports not directly in --out: {reports}\n{what}"
        else:
            assert reports == [out], f"report not at --out: {reports}\n{what}"
        printed = {Path(s).resolve() for s in stdout.split("\n") if s.strip()}
        assert printed == {f.resolve() for f in reports}, f"stdout {printed} != reports {reports}\n{what}"
    elif rc == 2:
        assert message_ok(stderr), f"exit 2 without a Chinese + English message\n{what}"
        if not c.by_outlet:
            assert not files, f"refused run left files in --out: {files}\n{what}"
        else:
            assert all(f.suffix == ".xlsx" for f in files), f"temp files left in --out: {files}\n{what}"
    else:
        raise AssertionError(f"exit {rc!r}\n{what}\n--- with --debug:\n{debug_traceback(args)}")
    return record


def case_record(c: Case, rc, error: str | None) -> dict:
    """What the outcome log keeps of one run: the case's shape, the exit code (or 'FAIL') and the error."""
    return {"code": c.code, "fmt": c.fmt, "encoding": c.encoding if c.fmt == "csv" else None,
            "by_outlet": c.by_outlet, "strict": c.strict, "as_of": c.as_of, "params": c.params,
            "raw": c.raw is not None, "twice": c.twice, "mutations": [m[0] for m in c.mutations], "rc": rc,
            "error": error}


def log_outcome(record: dict) -> None:
    """Append ``record`` as one JSON line to $BANKXL_FUZZ_LOG (if set)."""
    path = os.environ.get("BANKXL_FUZZ_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def summarize(path: str) -> str:
    """Counts of outcomes (exit code × scenario, mutation kinds, first error lines) in a fuzz log."""
    from collections import Counter

    # split on "\n" only: str.splitlines() also breaks at \x85 / \u2028, which a logged input may hold
    recs = [json.loads(s) for s in Path(path).read_text(encoding="utf-8").split("\n") if s.strip()]
    lines = [f"{len(recs)} 个输入 inputs tried"]
    for title, key in [("场景×结果 scenario × exit", lambda r: f"{r['code']} {'by-outlet ' if r['by_outlet'] else ''}"
                                                          f"{r['fmt']} exit {r['rc']}"),
                       ("变异 mutations", None), ("错误 errors (exit 2)", lambda r: r["error"] if r["rc"] == 2 else None),
                       ("违规 failures", lambda r: r["error"] if r["rc"] == "FAIL" else None)]:
        cnt = Counter(m for r in recs for m in r["mutations"]) if key is None else Counter(
            k for r in recs if (k := key(r)) is not None)
        lines.append(f"== {title}")
        lines += [f"{n:6d}  {k}" for k, n in cnt.most_common(40)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(sys.argv[1]))
