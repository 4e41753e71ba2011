"""Issue 9 item 1: inputs conformed once (bankxl.conform) and one way to record a row problem (ctx.problem)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.conform import DTYPES, conform, conforms
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import read_tables
from bankxl.scenario import RunContext, get_scenario
from bankxl.tables import get_table

import contract_checks as cc


def _loaded_td(tmp_path) -> pd.DataFrame:
    p = tmp_path / "定期.csv"
    p.write_text("账号,客户号,机构号,产品,起息日,到期日,期限,利率,余额,自动转存,数据日期\n"
                 "00123,0000000001,010001,整存整取,2024/1/5,2025-01-05,12,1.5%,\"1,000.50\",是,2024-11-30\n"
                 "00124,0000000002,010001,大额存单,20240301,,24,1.8%,200000,否,2024-11-30\n", encoding="utf-8")
    return read_tables([p], ["time_deposits"])["time_deposits"].df


def test_missing_optional_column_added_blank_of_its_dtype_never_zero():
    df = pd.DataFrame({"acct_no": ["A1", "A2"], "cust_id": ["001", "002"], "org_id": ["01", "01"],
                       "maturity_date": pd.to_datetime(["2025-01-01", "2025-02-01"]), "balance": [1.0, 2.0]})
    out = conform("time_deposits", df)
    spec = get_table("time_deposits")
    for c in spec.columns:
        assert str(out[c.id].dtype) == DTYPES[c.kind], c.id
    for c in ("rate", "term_m", "auto_renew", "value_date", "product"):
        assert out[c].isna().all(), c  # blank, not 0 / False / ""
    assert str(out["_row"].dtype) == "Int64" and out["_row"].isna().all()
    assert out.attrs["columns_found"] == ["acct_no", "cust_id", "org_id", "maturity_date", "balance"]


def test_loader_output_is_a_no_op(tmp_path):
    loaded = _loaded_td(tmp_path)
    assert conforms("time_deposits", loaded)
    out = conform("time_deposits", loaded)
    pd.testing.assert_frame_equal(out, loaded)
    assert out["_row"].tolist() == [2, 3] and out["acct_no"].tolist() == ["00123", "00124"]
    assert out.loc[0, "balance"] == 1000.5 and out.loc[0, "rate"] == pytest.approx(0.015)


#: external lists arrive dirty on purpose (15-digit, full-width and e-notation IDs: bankxl.sample's docstring); their
#: ID column is what the bank receives, not what the loader gives
RAW_ID_TABLES = {"etc_signups": "id_no", "businesses": "id_no", "external_lists": "id_no"}


def test_sample_bank_is_a_no_op():
    """The sample bank is what the loader gives, except the ID column of the deliberately dirty external lists:
    there conform only normalises IDs (an e-notation one becomes blank: ID_CORRUPT) and changes nothing else."""
    bank = cc.sample_bank()
    for name, df in bank.items():
        out = conform(name, df)
        raw = RAW_ID_TABLES.get(name)
        if raw is not None:
            changed = out[raw].fillna("") != df[raw].fillna("")
            assert (out.loc[changed, raw].isna() | out.loc[changed, raw].str.fullmatch(r"\d{17}[\dX]")).all(), name
            out[raw] = df[raw]
        pd.testing.assert_frame_equal(out.drop(columns="_row"), df, check_exact=True)
        assert out["_row"].isna().all(), name
        assert conforms(name, out), name


def test_loader_output_that_already_conforms_is_passed_through_without_a_copy(monkeypatch):
    """Loader output (stamped) is not re-checked value by value and its columns are not copied (speed is measured
    in bench/bench_conform.py, not here)."""
    from bankxl import conform as conform_module

    n = 10_000
    spec = get_table("time_deposits")
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    data = {c.id: pd.Series(index=range(n), dtype=DTYPES[c.kind]) for c in spec.columns}
    data.update(acct_no=pd.array(np.arange(n).astype(str), dtype="string"), value_date=days,
                maturity_date=days + pd.Timedelta(days=365), balance=rng.random(n) * 1e5)
    df = pd.DataFrame(data)
    df["_row"] = pd.array(np.arange(2, n + 2), dtype="Int64")
    df.attrs["table"] = "time_deposits"  # the loader's output (bankxl.io's stamp): its text is not re-checked
    calls = []
    real = conform_module.text_needs_cleaning
    monkeypatch.setattr(conform_module, "text_needs_cleaning", lambda k, s_: calls.append(k) or real(k, s_))
    out = conform("time_deposits", df)
    assert calls == []
    assert np.shares_memory(out["balance"].to_numpy(), df["balance"].to_numpy())


def test_raw_frame_is_cast_by_the_loaders_rules():
    raw = pd.DataFrame({"acct_no": np.array(["00012", " 0013 ", 14], dtype=object),
                        "cust_id": [1001.0, 1002.0, np.nan], "org_id": ["01", "01", "02"],
                        "balance": ["1,234.5", None, "abc"],
                        "maturity_date": ["2024/1/5", "20240105", "2023-02-30"],
                        "term_m": [12.0, np.nan, 6.0], "auto_renew": ["是", "否", None],
                        "_row": [5, 6, 7], "备注": ["x", "y", "z"]})
    before = raw.copy(deep=True)
    log = ProblemLog()
    out = conform("time_deposits", raw, problems=log)
    pd.testing.assert_frame_equal(raw, before)  # input never mutated
    assert out["acct_no"].tolist() == ["00012", "0013", "14"]
    assert out["cust_id"].tolist()[:2] == ["1001", "1002"] and out["cust_id"].isna().iloc[2]
    assert out["balance"].iloc[0] == 1234.5 and out["balance"].iloc[1:].isna().all()
    assert out["maturity_date"].tolist()[:2] == [pd.Timestamp("2024-01-05")] * 2 and pd.isna(out["maturity_date"][2])
    assert out["term_m"].tolist()[0] == 12 and str(out["term_m"].dtype) == "Int64"
    assert out["auto_renew"].tolist()[:2] == [True, False]
    assert out["备注"].tolist() == ["x", "y", "z"]  # extra columns kept
    assert str(out["_row"].dtype) == "Int64"
    got = {(p.code, p.excel_row, p.column, p.value) for p in log.problems}
    assert got == {("NUM_INVALID", 7, "余额(balance)", "abc"), ("DATE_INVALID", 7, "到期日(maturity_date)", "2023-02-30")}


def test_missing_required_column_names_it():
    df = pd.DataFrame({"acct_no": ["A1"], "cust_id": ["1"], "maturity_date": [pd.Timestamp("2025-01-01")],
                       "balance": [1.0]})
    with pytest.raises(DataValidationError) as e:
        conform("time_deposits", df)
    assert "机构号" in str(e.value) and "org_id" in str(e.value) and e.value.table == "time_deposits"
    # derivable: 到期日 from 起息日 + 期限 is not missing
    ok = conform("time_deposits", df.drop(columns="maturity_date").assign(
        org_id="01", value_date=pd.Timestamp("2024-01-01"), term_m=12))
    assert ok["maturity_date"].isna().all()


def test_dates_with_times_and_months_normalised():
    df = pd.DataFrame({"cust_id": ["1", "2"], "month": pd.to_datetime(["2024-03-15 10:00", "2024-04-01 00:00"]),
                       "dep_avg": [1, 2]})
    out = conform("customer_monthly", df)
    assert out["month"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    assert out["dep_avg"].dtype == "float64" and df["dep_avg"].dtype == "int64"


def test_ctx_problem_records_vectorised_with_labels_and_cap():
    ctx = RunContext(as_of="2024-11-30", problems=ProblemLog(cap=2))
    rows = pd.Series([4, pd.NA, 9], dtype="Int64")
    n = ctx.problem("time_deposits", rows, "maturity_date", "DATE_ORDER", ["2024-01-01", None, "x"],
                    "到期日早于起息日", "剔除该行")
    assert n == 3 and len(ctx.problems) == 3 and len(ctx.problems.problems) == 2  # counted beyond the cap
    p0, p1 = ctx.problems.problems
    assert (p0.excel_row, p0.column, p0.value, p0.action) == (4, "到期日(maturity_date)", "2024-01-01", "剔除该行")
    assert p1.excel_row is None
    ctx.problem("payroll", [3], "应发合计(gross)", "SUM_MISMATCH", [10.0], ["差 1 元"], "保留")
    assert ctx.problems.problems[-1].column == "应发合计(gross)" and ctx.problems.problems[-1].reason == "差 1 元"


def test_execute_conforms_inputs_so_c6_runs_without_dep_avg():
    """C6 through execute() with 客户月度存款 lacking the optional 存款月日均 (dep_avg) — a KeyError before."""
    cc.check_missing_optional_columns(get_scenario("credit.mortgage_cross_sell"), cc.sample_bank())


def test_hand_built_string_columns_are_cleaned_as_the_loader_cleans_them():
    """A frame built in Python (API, xlwings front end) whose text columns are already ``string`` gets the
    loader's text rules, as an object-dtype frame of the same cells does (the coercer path, the second
    method): surrounding spaces off, blank markers missing, a code's ' prefix and full-width digits,
    an identity number's lowercase x (was trusted untrimmed: ' 001 ' never matched '001')."""
    cells = {"cust_id": [" 001 ", "002", "'003", "００４", "005\t"],
             "cust_name": ["张三 ", "  ", "NULL", "李四", "王\u3000五"],
             "id_no": ["11010519491231002x", " 440524188001010014", "110105491231002", None, "12345"],
             "_row": [2, 3, 4, 5, 6]}
    typed = pd.DataFrame(cells).astype({"cust_id": "string", "cust_name": "string", "id_no": "string"})
    assert not conforms("customers", typed.astype({"_row": "Int64"}))
    log_typed, log_raw = ProblemLog(), ProblemLog()
    out = conform("customers", typed, problems=log_typed)
    raw = conform("customers", pd.DataFrame(cells, dtype=object), problems=log_raw)
    # by hand: the loader's rules (bankxl.coerce.coerce_text; normalize_id for 证件号码)
    assert out["cust_id"].tolist() == ["001", "002", "003", "004", "005"]
    assert out["cust_name"].tolist()[:1] + out["cust_name"].tolist()[3:] == ["张三", "李四", "王\u3000五"]
    assert out["cust_name"].iloc[1:3].isna().all()  # blank and NULL are missing, never ''
    assert out["id_no"].tolist()[:3] == ["11010519491231002X", "440524188001010014", "110105491231002"]
    assert out["id_no"].iloc[3:4].isna().all() and out["id_no"].iloc[4] == "12345"
    for c in ("cust_id", "cust_name", "id_no"):
        pd.testing.assert_series_equal(out[c], raw[c], obj=c)
    got = {(p.code, p.excel_row, p.column) for p in log_typed.problems}
    assert got == {(p.code, p.excel_row, p.column) for p in log_raw.problems} == {("ID_FORMAT", 6, "证件号码(id_no)")}
    assert typed["cust_id"].iloc[0] == " 001 "  # the input is not modified
    assert conforms("customers", out) and out.attrs["table"] == "customers"


def _no_coercer(*_a, **_k):
    raise AssertionError("the loader's coercer ran on a column that needed nothing")


def test_clean_string_columns_are_kept_and_loader_output_is_trusted(monkeypatch):
    """A clean hand-built text column is kept as it is (the coercer never runs); which values the loader
    would change, by column kind (text_needs_cleaning)."""
    from bankxl import conform as conform_module
    from bankxl.conform import text_needs_cleaning

    df = pd.DataFrame({"cust_id": pd.array(["001", "A-2", "李三"], dtype="string")})
    with monkeypatch.context() as m:
        m.setattr(conform_module, "_coerce", _no_coercer)
        out = conform("customers", df)
    assert out["cust_id"].tolist() == ["001", "A-2", "李三"]

    for kind, value, dirty in [("code", "a b", False), ("code", "a ", True), ("code", "\u3000a", True),
                               ("code", "a\u3000b", True), ("text", "a\u3000b", False), ("code", "'7", True),
                               ("text", "'7", False), ("text", "#N/A", True), ("text", "#N/A!x", False),
                               ("text", "", True), ("category", "None", True), ("id_card", "11010519491231002X", False),
                               ("id_card", "11010519491231002x", True), ("id_card", "1101051949123100", True)]:
        s = pd.Series(["ok", value, pd.NA], dtype="string")
        assert text_needs_cleaning(kind, s) is dirty if kind != "id_card" else \
            text_needs_cleaning(kind, pd.Series(["110105491231002", value, pd.NA], dtype="string")) is dirty, \
            (kind, value)


def test_hand_built_text_is_checked_once_per_column_and_clean_text_is_not_cast(monkeypatch):
    """A hand-built frame (no loader stamp) with all text columns filled: each text column is checked once
    (text_needs_cleaning) and, being clean, never handed to the coercer; the stamped copy is checked not at all."""
    base = cc.sample_bank()["time_deposits"]
    big = base.iloc[np.arange(5_000) % len(base)].reset_index(drop=True)
    big["acct_no"] = pd.array(np.char.add("A", np.arange(len(big)).astype(str)), dtype="string")
    big["_row"] = pd.array(np.arange(2, len(big) + 2), dtype="Int64")
    text = [c.id for c in get_table("time_deposits").columns if DTYPES[c.kind] == "string"]
    assert big[text].notna().any().all() and len(text) >= 8
    from bankxl import conform as conform_module

    monkeypatch.setattr(conform_module, "_coerce", _no_coercer)
    calls = []
    real = conform_module.text_needs_cleaning
    monkeypatch.setattr(conform_module, "text_needs_cleaning", lambda k, s_: calls.append(k) or real(k, s_))
    stamped = big.copy(deep=False)
    stamped.attrs["table"] = "time_deposits"
    conform("time_deposits", stamped)
    assert calls == []
    out = conform("time_deposits", big)
    assert len(calls) == len(text)
    assert all(out[c].equals(big[c]) for c in text)


def test_missing_optional_columns_are_named_in_the_notes(tmp_path):
    """The runner names each optional column an input lacked (中文 + id) in 说明 — a file's missing header as
    well as a hand-built frame's missing column; 数据日期 aside (说明 states the date used); a column present
    but blank is not missing."""
    from bankxl.runner import execute, missing_optional_notes

    loaded = _loaded_td(tmp_path)  # the CSV has no 客户经理 / 币种 / 状态 … columns
    lines = missing_optional_notes({"time_deposits": conform("time_deposits", loaded)})
    assert len(lines) == 1 and lines[0].startswith("输入表「定期存款明细」没有可选列 ")
    for c in get_table("time_deposits").columns:
        said = f"「{c.zh}」({c.id})" in lines[0]
        assert said == (not c.required and c.id != "as_of" and c.id not in loaded.attrs["columns_found"]), c.id
    customers = pd.DataFrame({"cust_id": ["C1", "C2"], "phone": [None, None]}, dtype="string")
    holdings = pd.DataFrame({"cust_id": ["C1"], "product": ["按揭贷款"]}, dtype="string")
    report = execute("credit.mortgage_cross_sell", {"customers": customers, "product_holdings": holdings},
                     as_of="2026-11-30")
    line = next(n for n in report.notes if n.startswith("输入表「客户」"))
    assert "「客户名称」(cust_name)" in line and "「证件号码」(id_no)" in line and "(phone)" not in line
    held = [n for n in report.notes if n.startswith("输入表「产品持有」") and "(held)" in n]
    assert held == ["输入表「产品持有」没有可选列 「持有」(held) 按「是」计(表的约定: 空白即此值)。"]  # the blank rule
