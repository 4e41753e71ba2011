"""CSV typed at parse time (bankxl.io._load_csv_typed): number columns parsed by pandas' C parser, the rest as
text; results and problems must equal the general path (read_raw_csv + load_frame: every cell as text)."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.errors import ProblemLog
from bankxl.io import load_frame, read_raw_csv, read_tables
from bankxl.tables import get_table

TD = get_table("time_deposits")

HEAD = "账号,客户号,机构号,到期日,余额(万元),利率,期限"
BODY = ["001,0000001,0101,2027-01-05,-100.50,0.0165,12",   # NEG_BALANCE: 原值 is the text -100.50
        "002,0000002,0101,2027/1/6,NULL,,6",                # NULL = blank: REQUIRED_EMPTY 原值 NULL
        "003,0000003,0101,20270107, 12 ,2.5,12.5",          # rate 2.5 > 1 -> VALUE_INVALID; 12.5 月 NUM_INVALID
        "004,0000004,0101,2027-01-08,1e16,-0.01,3"]         # 1e16 万元 too large; negative rate


def both(tmp_path, lines, name="time_deposits.csv"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    la, lb = ProblemLog(), ProblemLog()
    a = read_tables([p], ["time_deposits"], problems=la)["time_deposits"]
    b = load_frame(read_raw_csv(p), TD, sheet=None, problems=lb)
    return a, b, la, lb


def probs(log):
    return [(p.excel_row, p.column, p.code, p.value, p.reason, p.action) for p in log.problems]


def test_typed_number_columns_keep_the_text_rules(tmp_path):
    """Number columns parsed as float64 give the text path's values; a problem shows the cell's text."""
    a, b, la, lb = both(tmp_path, [HEAD, *BODY])
    assert a.df.equals(b.df) and probs(la) == probs(lb) and a.unit_notes[1:] == b.unit_notes
    assert a.df["acct_no"].tolist() == ["001", "002", "003", "004"]  # IDs as text, leading zeros kept
    assert a.df["balance"].tolist()[0] == -1_005_000.0  # -100.50 万元
    got = {(r, code): v for r, _c, code, v, *_ in probs(la)}
    assert got[(2, "NEG_BALANCE")] == "-100.50" and got[(3, "REQUIRED_EMPTY")] == "NULL"
    assert got[(4, "NUM_INVALID")] == "12.5" and got[(5, "VALUE_INVALID")] in ("1e16", "-0.01")


@pytest.mark.parametrize("cell", ["1,234.50", "12.5万", "abc", "inf", "--", "True"])
def test_a_column_the_parser_cannot_take_is_read_as_text(tmp_path, cell):
    """One cell the C parser does not take as a number: that column goes the text way; same results."""
    rows = [HEAD, *BODY[:2], f"005,0000005,0101,2027-01-09,{cell},0.01,6"]
    a, b, la, lb = both(tmp_path, rows)
    assert a.df.equals(b.df) and probs(la) == probs(lb)
    assert len(a.df) == 3


def test_title_rows_summary_footer_and_long_records(tmp_path):
    """A title above the header, a 合计 row, a footer line and a record longer than the header: same rows,
    row numbers and problems as the text path."""
    rows = ["定期存款明细表", "", HEAD, *BODY, "005,0000005,0101,2027-01-09,3,0.01,6,多余", "合计,,,,100,,",
            "制表人: 张三"]
    a, b, la, lb = both(tmp_path, rows)
    assert a.df.equals(b.df) and probs(la) == probs(lb)
    assert a.header_row == 3 and a.df["_row"].tolist() == [4, 5, 6, 7, 8]
    assert {p[2] for p in probs(la)} >= {"SUMMARY_ROW", "FOOTER_ROW", "FIELD_COUNT"}


def test_files_it_does_not_take_go_the_general_way(tmp_path, monkeypatch):
    """A quoted line break (records ≠ lines) and GBK text: the typed reader declines (None) and the general
    path loads them; the results are the text path's."""
    calls = []
    real = bio._load_csv_typed
    monkeypatch.setattr(bio, "_load_csv_typed", lambda *a, **k: calls.append(r := real(*a, **k)) or r)
    rows = [HEAD, '001,0000001,0101,2027-01-05,"1\n2",0.01,6', *BODY[1:]]
    a, b, la, lb = both(tmp_path, rows)
    assert calls == [None] and a.df.equals(b.df) and probs(la) == probs(lb)
    (tmp_path / "gbk").mkdir()
    p = tmp_path / "gbk" / "time_deposits.csv"
    p.write_bytes(("\n".join([HEAD, *BODY]) + "\n").encode("gbk"))
    got = read_tables([p], ["time_deposits"])["time_deposits"]
    assert isinstance(calls[-1], bio.LoadedTable) and "GB18030" in got.unit_notes[0]
    assert got.df.equals(load_frame(read_raw_csv(p), TD, sheet=None, problems=ProblemLog()).df)


def test_the_sample_bank_loads_the_same_both_ways(tmp_path):
    """Every table of the 300-customer sample bank: typed CSV read == text read (frame, dtypes, problems)."""
    from bankxl.sample import make_sample_bank
    from bankxl.tables import TABLES

    for t, df in make_sample_bank(customers=300, seed=1, as_of="2026-11-30").items():
        if t not in TABLES:
            continue
        p = tmp_path / f"{t}.csv"
        df.to_csv(p, index=False)
        la, lb = ProblemLog(), ProblemLog()
        a = read_tables([p], [t], problems=la)[t]
        b = load_frame(read_raw_csv(p), get_table(t), sheet=None, problems=lb)
        assert a.df.equals(b.df) and list(a.df.dtypes) == list(b.df.dtypes), t
        assert probs(la) == probs(lb), t
        assert pd.Index(a.df.columns).equals(pd.Index(b.df.columns))


def test_iso_dates_fast_path_equals_the_cell_parser():
    """coerce._iso_days (numpy, YYYY-MM-DD only) against coerce._parse_date (the per-value parser) on 20,000
    random texts of that shape, impossible ones included (month 0/13, day 0/32, 02-29 of non-leap years,
    years outside 1678–2261), and other forms it must leave to the parser."""
    import numpy as np

    from bankxl import coerce as C

    rng = np.random.default_rng(7)
    y, m, d = rng.integers(1600, 2400, 20_000), rng.integers(0, 14, 20_000), rng.integers(0, 33, 20_000)
    vals = np.array([f"{a:04d}-{b:02d}-{c:02d}" for a, b, c in zip(y, m, d)]
                    + ["2024/01/05", "２０２４-01-05", "2024-1-5", " 2024-01-05", "1900-02-29", "2000-02-29"],
                    dtype=object)
    for month in (False, True):
        done, days = C._iso_days(vals, month)
        slow = [C._parse_date(v, month=month, date1904=False) for v in vals]
        assert [s[1] is None for s in slow] == list(done[:-6]) + [True, True, True, True, False, True]
        assert all(days[i] == slow[i][0] for i in np.flatnonzero(done))
        assert not done[-6:-2].any() and done[-1] and 10_000 < done.sum() < 15_000


def test_code_cleaning_shortcut_only_when_nothing_to_clean():
    """coerce_text skips strip/NFKC/'-removal only when no value needs it: one value with U+3000, a leading
    ', full-width digits or a space anywhere sends the column through the per-value cleaning."""
    import numpy as np

    from bankxl import coerce as C

    def text(vals, code=True):
        arr = np.array(vals, dtype=object)
        return list(C.coerce_text(arr, C.blank_mask(arr), code=code).values)

    assert text(["A1", "B2", "C3"]) == ["A1", "B2", "C3"]
    assert text(["A1", "\u3000B2", "'003", "００4", " 5 "]) == ["A1", "B2", "003", "004", "5"]
    assert text(["张三", " 李四\u3000"], code=False) == ["张三", "李四"]
    assert list(C.blank_mask(np.array(["x", " NULL", "nan", "y"], dtype=object))) == [False, True, True, False]


def test_a_late_text_cell_in_a_long_file(tmp_path):
    """The parser reads a long file in chunks; a number column whose text cell sits in the last chunk only
    (row 60,002: 1,234.50) still goes the text way as a whole column: same values and problems."""
    rows = [HEAD] + [f"{i:06d},C{i},0101,2027-01-05,{i % 97}.5,0.01,{1 + i % 36}" for i in range(60_000)]
    rows += ["999999,C9,0101,2027-01-05,\"1,234.50\",0.01,6", "999998,C8,0101,2027-01-05,-3,0.01,6"]
    a, b, la, lb = both(tmp_path, rows)
    assert a.df.equals(b.df) and probs(la) == probs(lb)
    assert a.df["balance"].iloc[-2] == 12_345_000.0 and [p[2:4] for p in probs(la)] == [("NEG_BALANCE", "-3")]


def test_a_csv_found_by_its_header_is_loaded_typed_too(tmp_path, monkeypatch):
    """export.csv (no table name): header sniffing reads only its first records, then the typed reader
    loads it — same frame and problems as the text path."""
    seen = []
    real = bio._load_csv_typed
    monkeypatch.setattr(bio, "_load_csv_typed", lambda *a, **k: seen.append(r := real(*a, **k)) or r)
    monkeypatch.setattr(bio, "read_raw_csv", lambda *a, **k: pytest.fail("whole file read as text"))
    a, b, la, lb = both(tmp_path, ["定期存款明细表", HEAD, *BODY], name="export.csv")
    assert isinstance(seen[0], bio.LoadedTable) and a.header_row == 2
    assert probs(la) == probs(lb) and a.df.equals(b.df)


@pytest.mark.parametrize("dash", ["-", "--", "—", "－", " - "])
def test_a_dash_is_blank_like_null_on_both_paths(tmp_path, dash):
    """breaker s16 finding 3: a dash in the required 余额 column is a blank cell like NULL — REQUIRED_EMPTY
    with 原值 the dash, row kept — on the typed and the text path; a dash in a text column (产品) is blank too."""
    head = HEAD + ",产品"
    rows = [head, BODY[0] + ",整存整取", f"005,0000005,0101,2027-01-09,{dash},0.01,6,{dash}"]
    a, b, la, lb = both(tmp_path, rows)
    assert a.df.equals(b.df) and probs(la) == probs(lb)
    got = [(r, c, code, v) for r, c, code, v, *_ in probs(la) if code == "REQUIRED_EMPTY"]
    assert [(r, code, v) for r, _c, code, v in got] == [(3, "REQUIRED_EMPTY", dash)]
    assert "余额" in got[0][1]
    assert len(a.df) == 2 and pd.isna(a.df["balance"].iloc[1]) and pd.isna(a.df["product"].iloc[1])
