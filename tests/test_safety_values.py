"""Issue 8, values and headers: aliases and unused columns, missing-column suggestions, two columns for one
field, terms in days, absurd numbers, time zones, currency signs and decimal commas (bankxl.io / coerce)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl import coerce as C
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import load_frame, read_tables
from bankxl.scenario import RunContext
from bankxl.scenarios.deposit import maturity as m
from bankxl.tables import TABLES, alias_markdown, get_table

TD = get_table("time_deposits")
ROOT = Path(__file__).resolve().parents[1]


def raw(rows):
    w = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (w - len(r)) for r in rows], dtype=object)


def load(rows, spec=TD):
    log = ProblemLog()
    return load_frame(raw(rows), spec, sheet="S", problems=log), log


def probs(log, code=None):
    return [(p.code, p.excel_row, p.column) for p in log.problems if code is None or p.code == code]


HEAD = ["账号", "客户号", "机构号", "到期日", "余额"]
ROW = ["A1", "C1", "001", "2025-01-05", "100"]


# ------------------------------------------------------------------------------ 1. aliases, unused columns
def test_unused_headers_are_listed_in_notes():
    t, _ = load([HEAD + ["柜员号", "备注"], ROW + ["T9", "x"]])
    unused = [n for n in t.unit_notes if "未使用" in n]
    assert len(unused) == 1
    assert "「柜员号」" in unused[0] and "「备注」" in unused[0] and "docs/表头别名.md" in unused[0]
    assert "「余额」" not in unused[0]


def test_no_note_when_every_header_is_used():
    t, _ = load([HEAD, ROW])
    assert not [n for n in t.unit_notes if "未使用" in n]


@pytest.mark.parametrize("header,col,cell,expected", [
    ("起存日期", "value_date", "2024-01-05", pd.Timestamp("2024-01-05")),
    ("存入日期", "value_date", "2024-01-06", pd.Timestamp("2024-01-06")),
    ("户名", "cust_name", "张三", "张三"),
    ("姓名", "cust_name", "李四", "李四"),
    ("存款利率", "rate", "1.5%", 0.015),
    ("币别", "ccy", "CNY", "CNY"),
    ("客户经理工号", "mgr_id", "M7", "M7"),
])
def test_core_banking_aliases(header, col, cell, expected):
    t, _ = load([HEAD + [header], ROW + [cell]])
    got = t.df.loc[0, col]
    assert got == pytest.approx(expected) if isinstance(expected, float) else got == expected
    assert not [n for n in t.unit_notes if "未使用" in n]


@pytest.mark.parametrize("org_header", ["开户机构", "开户网点", "所属机构"])
def test_org_aliases(org_header):
    t, _ = load([["账号", "客户号", org_header, "到期日", "账户余额"], ROW])
    assert t.df.loc[0, "org_id"] == "001" and t.df.loc[0, "balance"] == 100.0


def test_traditional_character_headers():
    t, _ = load([["帳號", "客戶號", "機構號", "到期日", "餘額", "執行利率"], ROW + ["2.5%"]])
    assert t.df.loc[0, "acct_no"] == "A1" and t.df.loc[0, "cust_id"] == "C1"
    assert t.df.loc[0, "org_id"] == "001" and t.df.loc[0, "balance"] == 100.0
    assert t.df.loc[0, "rate"] == pytest.approx(0.025)


def test_no_alias_points_to_two_columns_of_one_table():
    for spec in TABLES.values():
        owner: dict[str, str] = {}
        for col in spec.columns:
            for name in {C.header_key(n) for n in (col.zh, col.id, *col.aliases)}:
                assert owner.setdefault(name, col.id) == col.id, (spec.id, name, owner[name], col.id)


def test_alias_doc_is_generated_and_current():
    doc = (ROOT / "docs" / "表头别名.md").read_text(encoding="utf-8")
    assert doc == alias_markdown()
    assert "| 起息日 | value_date |" in doc and "起存日期" in doc
    assert "docs/表头别名.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ 2. missing column, suggestions
def test_missing_required_column_names_itself_and_suggests_close_headers():
    with pytest.raises(DataValidationError) as e:
        load([["账号", "客户号", "机构号", "到期日", "期末余额", "备注"], ["A1", "C1", "1", "2025-01-05", "5", ""]])
    err = e.value
    assert err.column == "balance" and err.column_zh == "余额"
    assert "余额(balance)" in err.message_zh and "期末余额、备注" in err.message_zh  # headers found
    assert "最接近" in err.message_zh and "「期末余额」" in err.message_zh.split("最接近")[1]
    assert "closest" in err.message_en and "期末余额" in err.message_en.split("closest")[1]
    assert "备注" not in err.message_zh.split("最接近")[1]


# ------------------------------------------------------------------------------ 3. two columns for one field
def test_two_balance_columns_choice_is_stated():
    t, _ = load([HEAD + ["账户余额"], ROW + ["999"]])
    assert t.df.loc[0, "balance"] == 100.0
    note = [n for n in t.unit_notes if "余额(balance)" in n and "账户余额" in n]
    assert len(note) == 1 and "使用「余额」" in note[0] and "标准列名" in note[0]


def test_two_alias_columns_leftmost_wins_and_is_stated():
    t, _ = load([["账号", "客户号", "机构号", "到期日", "存款余额", "账户余额"], ROW + ["999"]])
    assert t.df.loc[0, "balance"] == 100.0
    note = [n for n in t.unit_notes if "余额(balance)" in n and "账户余额" in n]
    assert len(note) == 1 and "使用「存款余额」" in note[0] and "最左" in note[0]


# ------------------------------------------------------------------------------ 4. term in days
def test_term_in_days_header_is_days_not_months():
    t, log = load([HEAD + ["起息日", "存期(天)"], ["A1", "C1", "1", None, "100", "2024-01-01", "365"],
                   ["A2", "C1", "1", "2024-07-01", "100", "2024-04-01", "91天"]])
    assert t.df["term_d"].tolist() == [365, 91]
    assert t.df["term_m"].isna().all()
    assert not probs(log)
    assert any("期限(天)" in n or "按天" in n for n in t.unit_notes)


def test_days_term_gives_maturity_start_plus_days():
    t, _ = load([HEAD + ["起息日", "存期(天)", "产品"], ["A1", "C1", "1", None, "100", "2024-01-01", "365", "整存整取"]])
    ctx = RunContext(as_of=pd.Timestamp("2024-06-30"))
    d, _notes = m.prepare(t.df, m.MaturityParams(), ctx)
    assert d.loc[0, "maturity"] == pd.Timestamp("2024-12-31")  # 2024 is a leap year: 365 days, not 12 months


def test_months_header_still_months():
    t, _ = load([HEAD + ["存期(月)"], ROW + ["12"]])
    assert t.df.loc[0, "term_m"] == 12 and pd.isna(t.df.loc[0, "term_d"])


# ------------------------------------------------------------------------------ 5. absurd values
@pytest.mark.parametrize("cell", ["1e308", "-3", "inf", "∞", "-inf", float("inf"), 1e308])
def test_absurd_rates_are_row_problems(cell):
    t, log = load([HEAD + ["利率"], ROW + ["2.1"], ["A2"] + ROW[1:] + [cell]])
    assert t.df.loc[0, "rate"] == pytest.approx(0.021)
    assert pd.isna(t.df.loc[1, "rate"])
    assert [(c, r) for c, r, col in probs(log) if col == "利率(rate)"] in ([("NUM_INVALID", 3)],
                                                                          [("VALUE_INVALID", 3)])


def test_rate_above_100_percent_is_a_row_problem():
    t, log = load([HEAD + ["利率(%)"], ROW + ["2.1"], ["A2"] + ROW[1:] + ["150"], ["A3"] + ROW[1:] + ["0"]])
    assert t.df["rate"].tolist()[0] == pytest.approx(0.021) and pd.isna(t.df.loc[1, "rate"])
    assert t.df.loc[2, "rate"] == 0.0
    assert probs(log) == [("VALUE_INVALID", 3, "利率(rate)")]


def test_nonfinite_numbers_never_loaded():
    # 1e308 万元 overflows to inf when scaled; a term of 1e308 years, too
    t, log = load([["账号", "客户号", "机构号", "到期日", "余额(万元)", "存期(年)"],
                   ["A1", "C1", "1", "2025-01-05", "1e308", "1e308"], ["A2", "C1", "1", "2025-01-05", "1", "1"]])
    assert pd.isna(t.df.loc[0, "balance"]) and pd.isna(t.df.loc[0, "term_m"])
    assert t.df.loc[1, "balance"] == 10_000.0 and t.df.loc[1, "term_m"] == 12
    assert set(probs(log)) == {("NUM_INVALID", 2, "余额(balance)"), ("NUM_INVALID", 2, "期限(term_m)")}


def test_coerce_number_leaves_no_infinity():
    arr = np.array(["1e308", "2", 1e308, "-1e308"], dtype=object)
    out = C.coerce_number(arr, np.zeros(4, bool), factor=1e4)
    assert np.isfinite(out.values[1]) and np.isnan(out.values[[0, 2, 3]]).all()
    assert sum(mask.sum() for mask, code, _ in out.problems if code == "NUM_INVALID") == 3


# ------------------------------------------------------------------------------ 6. time zones
@pytest.mark.parametrize("cell,expected", [
    ("2024-01-04T20:00:00Z", "2024-01-05"),          # 04:00 in Beijing
    ("2024-01-05T23:30:00+03:00", "2024-01-06"),     # 04:30 in Beijing
    ("2024-01-05 10:00:00+08:00", "2024-01-05"),
    ("2024-01-05T23:59:00+0800", "2024-01-05"),
    (pd.Timestamp("2024-01-04 20:00", tz="UTC"), "2024-01-05"),
    (pd.Timestamp("2024-01-05 23:00"), "2024-01-05"),  # naive: local time
])
def test_timestamps_with_zone_become_beijing_dates(cell, expected):
    t, log = load([HEAD, ["A1", "C1", "1", cell, "1"]])
    assert t.df.loc[0, "maturity_date"] == pd.Timestamp(expected)
    assert not probs(log)
    tz_notes = [n for n in t.unit_notes if "Asia/Shanghai" in n]
    aware = not isinstance(cell, pd.Timestamp) or cell.tzinfo is not None
    assert len(tz_notes) == (1 if aware else 0)


def test_tz_aware_dataframe_source_gets_beijing_date():
    df = pd.DataFrame({"账号": ["A1"], "客户号": ["C1"], "机构号": ["1"], "余额": [1.0],
                       "到期日": pd.to_datetime(["2024-01-04T20:00:00Z"])})
    t = read_tables([df], ["time_deposits"])["time_deposits"]
    assert t.df.loc[0, "maturity_date"] == pd.Timestamp("2024-01-05")
    assert any("Asia/Shanghai" in n and "到期日" in n for n in t.unit_notes)


# ------------------------------------------------------------------------------ 7. currency signs, decimal commas
@pytest.mark.parametrize("cell,expected", [
    ("-¥2,000.00", -2000.0), ("¥-2,000.00", -2000.0), ("￥2,000.00", 2000.0), ("RMB 1,000", 1000.0),
    ("CNY-5", -5.0), ("$3.5", 3.5), ("-$3.5", -3.5), ("£7", 7.0), ("12 USD", 12.0), ("1,000", 1000.0),
    ("€1.000,50", 1000.5), ("1.234.567,89 €", 1234567.89), ("-€1.000,50", -1000.5), ("EUR 2.000,00", 2000.0),
    ("1 000,50 Kč", 1000.5), ("CZK 1,000.25", 1000.25), ("(¥1,234.50)", -1234.5), ("1.2万元", 12000.0),
])
def test_money_with_currency_signs(cell, expected):
    out = C.coerce_number(np.array([cell], dtype=object), np.zeros(1, bool), percent=False)
    assert out.values[0] == pytest.approx(expected) and not out.problems


@pytest.mark.parametrize("cell", ["1,5", "1,50", "€1,50", "1.000.000", "1,000,00", "12,3456", "¥¥5", "--5",
                                  "1.000,5.0"])
def test_ambiguous_or_broken_separators_are_problems(cell):
    out = C.coerce_number(np.array([cell, "7"], dtype=object), np.zeros(2, bool), percent=False)
    assert np.isnan(out.values[0]) and out.values[1] == 7.0
    assert [(code, mask.tolist()) for mask, code, _ in out.problems] == [("NUM_INVALID", [True, False])]


def test_currency_signs_seen_per_column():
    t, log = load([HEAD + ["利率"], ["A1", "C1", "1", "2025-01-05", "€1.000,50", "2%"],
                   ["A2", "C1", "1", "2025-01-05", "2.000,00 €", "2%"], ["A3", "C1", "1", "2025-01-05", "¥5", "2%"],
                   ["A4", "C1", "1", "2025-01-05", "7", "2%"]])
    assert t.df["balance"].tolist() == [1000.5, 2000.0, 5.0, 7.0]
    assert t.currencies_seen == {"balance": {"€", "¥"}}
    assert C.CURRENCY_SIGNS["€"] == "EUR" and C.CURRENCY_SIGNS["Kč"] == "CZK" and C.CURRENCY_SIGNS["¥"] == "CNY"
