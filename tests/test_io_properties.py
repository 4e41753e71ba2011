"""Property tests for bankxl.io.load_frame: never crashes on arbitrary cells; money text round-trips."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import load_frame
from bankxl.tables import get_table

TD = get_table("time_deposits")
HEAD = ["账号", "客户号", "证件号码", "机构号", "到期日", "余额", "利率(%)", "期限", "自动转存", "起息日", "数据日期"]

cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.text(alphabet="0123456789,.-()%万元年月日/ 　１２３", max_size=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**20, max_value=10**20),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 1)),
    st.sampled_from(["合计", "小计", "", " ", "NULL", "#N/A", "nan", "None", "\u3000", "\ufeff", "2023-02-30",
                     "340524198001010016", "34052419800101001X", "1.2万", "(1,234.56)", "√", "是", "\x00",
                     "😀", "𠀀", "\u200b"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=len(HEAD), max_size=len(HEAD)), min_size=0, max_size=12),
       st.booleans())
def test_load_frame_never_crashes(rows, strict):
    raw = pd.DataFrame([HEAD] + rows, dtype=object)
    log = ProblemLog()
    try:
        t = load_frame(raw, TD, sheet="S", problems=log, strict=strict)
    except DataValidationError:
        return
    df = t.df
    empty = TD.empty()
    assert list(df.columns) == list(empty.columns)
    assert df.dtypes.astype(str).tolist() == empty.dtypes.astype(str).tolist()
    assert t.n_rows == len(df) <= len(rows)
    assert df["_row"].notna().all() and (df["_row"] >= 2).all()
    for p in log.problems:
        assert p.excel_row is None or 2 <= p.excel_row <= len(rows) + 1
    for c in ("acct_no", "cust_id", "id_no", "org_id"):
        vals = [v for v in df[c].astype(object).tolist() if isinstance(v, str)]
        assert "nan" not in vals and "None" not in vals and "" not in vals


@settings(max_examples=50, deadline=None)
@given(st.lists(cells, min_size=1, max_size=6), st.integers(0, 5))
def test_load_frame_any_header_position(cells_row, pad):
    """A header preceded by arbitrary junk rows is found, or a DataValidationError is raised."""
    junk = [[c] + [None] * (len(HEAD) - 1) for c in cells_row[:pad]]
    raw = pd.DataFrame(junk + [HEAD, ["A", "C", None, "1", "2024-01-05", 1, 1, 12, "是", None, None]],
                       dtype=object)
    try:
        t = load_frame(raw, TD, sheet="S", problems=ProblemLog())
    except DataValidationError:
        return
    assert t.df["_row"].tolist() == [t.header_row + 1]


money = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2))


def _fmt(v: float, style: int) -> str:
    if style == 0:
        return f"{v:,.2f}"
    if style == 1:
        return f"({abs(v):,.2f})" if v < 0 else f"{v:,.2f}"
    if style == 2:
        return f"¥{v:,.2f}"
    if style == 3:
        return f"{v / 1e4:.6f}万"
    return f"{v:.2f}".translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(money, st.integers(0, 4)), min_size=1, max_size=20))
def test_money_roundtrip_formatted(values):
    rows = [[f"A{i}", "C", "1", "2024-01-05", _fmt(v, s)] for i, (v, s) in enumerate(values)]
    raw = pd.DataFrame([["账号", "客户号", "机构号", "到期日", "余额"]] + rows, dtype=object)
    log = ProblemLog()
    t = load_frame(raw, TD, sheet="S", problems=log)
    got = t.df["balance"].to_numpy()
    want = np.array([v for v, _ in values])
    assert np.allclose(got, want, rtol=1e-9, atol=0.01)
    assert all(p.code == "NEG_BALANCE" for p in log.problems)
    assert sum(p.code == "NEG_BALANCE" for p in log.problems) == sum(1 for v in want if v < 0 and not math.isclose(v, 0))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                          st.integers(min_value=-10**25, max_value=10**25),
                          st.floats(min_value=0.01, max_value=1e4).map(lambda v: f"{v:.2f}%")),
                min_size=1, max_size=15))
def test_money_never_implausible_never_percent(cells):
    """Every loaded balance is missing or below the plausibility limit; implausible / % cells are problems on
    exactly their rows, each row kept."""
    from bankxl.coerce import MAX_MONEY_YUAN

    rows = [[f"A{i}", "C", "1", "2024-01-05", c] for i, c in enumerate(cells)]
    log = ProblemLog()
    t = load_frame(pd.DataFrame([["账号", "客户号", "机构号", "到期日", "余额"]] + rows, dtype=object), TD,
                   sheet="S", problems=log)
    got = t.df["balance"].to_numpy()
    assert t.n_rows == len(cells)
    assert np.all(np.isnan(got) | (np.abs(got) < MAX_MONEY_YUAN))
    bad = {i + 2 for i, c in enumerate(cells) if isinstance(c, str) or abs(float(c)) >= MAX_MONEY_YUAN}
    assert {p.excel_row for p in log.problems if p.code in ("VALUE_INVALID", "NUM_INVALID")} == bad
    assert all(np.isnan(got[r - 2]) for r in bad)
