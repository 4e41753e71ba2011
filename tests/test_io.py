"""bankxl.io / bankxl.coerce: reading exports into canonical tables (each test builds its own files)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import detect_encoding, load_frame, read_raw_csv, read_tables
from bankxl.tables import get_table

TD = get_table("time_deposits")
PAY = get_table("payroll")
CUST = get_table("customers")


def raw(rows):
    """list of rows -> raw object frame (padded)."""
    w = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (w - len(r)) for r in rows], dtype=object)


def load(rows, spec=TD, **kw):
    log = ProblemLog()
    kw.setdefault("sheet", "S")
    t = load_frame(raw(rows), spec, problems=log, **kw)
    return t, log


def codes(log):
    return [(p.code, p.excel_row) for p in log.problems]


TD_HEAD = ["账号", "客户号", "机构号", "到期日", "余额"]


def td_rows(*rows):
    return [TD_HEAD, *rows]


def write_xlsx(path, sheets, options=None, tables=()):
    """sheets: {name: [(row, col, value_or_(value, kind))...] or list of rows starting at A1}."""
    wb = xlsxwriter.Workbook(str(path), options or {})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, content in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(content):
            if row is None:
                continue
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else
                                      dt.datetime(v.year, v.month, v.day), datefmt)
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write(r, c, v)
        for t in tables:
            if t["sheet"] == name:
                ws.add_table(*t["range"], {"name": t["name"], "columns": [{"header": h} for h in t["headers"]]})
    wb.close()
    return path


# ------------------------------------------------------------------------------------------ headers
def test_header_normalisation_fullwidth_spaces_bom_newline_case():
    head = ["\ufeff账号", "客户\u3000号", "\u00a0机构号 ", "到期\n日", "余额（元）", "RATE", "Auto_Renew"]
    t, log = load([head, ["A1", "C1", "0101", "2024-01-05", "1,000", "2.5%", "是"]])
    df = t.df
    assert df.loc[0, "acct_no"] == "A1" and df.loc[0, "cust_id"] == "C1" and df.loc[0, "org_id"] == "0101"
    assert df.loc[0, "maturity_date"] == pd.Timestamp("2024-01-05")
    assert df.loc[0, "balance"] == 1000.0
    assert df.loc[0, "rate"] == pytest.approx(0.025)
    assert bool(df.loc[0, "auto_renew"]) is True
    assert not log


def test_header_aliases_and_unit_in_alias():
    t, _ = load([["存款账号", "客户编号", "网点号", "到期日期", "存款余额", "期限(月)", "执行利率"],
                 ["A1", "C1", "01", "2024-01-05", "5", "12", "1.75"]])
    assert t.df.loc[0, "term_m"] == 12
    assert t.df.loc[0, "balance"] == 5.0
    # rate header without unit, median > 1 -> read as percent points, with a note
    assert t.df.loc[0, "rate"] == pytest.approx(0.0175)
    assert any("百分数" in n for n in t.unit_notes)


@pytest.mark.parametrize("header,cell,expected", [
    ("余额(万元)", "1.5", 15000.0),
    ("余额（万元）", 2, 20000.0),
    ("余额(元)", "1,234.56", 1234.56),
    ("余额(分)", "12345", 123.45),
    ("余额(单位：万元)", "1", 10000.0),
    ("余额(亿元)", "0.5", 50_000_000.0),
])
def test_money_unit_from_header(header, cell, expected):
    t, _ = load([["账号", "客户号", "机构号", "到期日", header], ["A", "C", "1", "2024-01-05", cell]])
    assert t.df.loc[0, "balance"] == pytest.approx(expected)
    if expected != float(str(cell).replace(",", "")):
        assert any("换算" in n for n in t.unit_notes)


def test_rate_header_percent_and_cell_percent():
    t, _ = load([TD_HEAD + ["利率(%)"], ["A", "C", "1", "2024-01-05", 1, 2.15],
                 ["B", "C", "1", "2024-01-05", 1, "2.15%"]])
    assert t.df["rate"].tolist() == pytest.approx([0.0215, 0.0215])
    t, _ = load([TD_HEAD + ["利率"], ["A", "C", "1", "2024-01-05", 1, "12.5%"],
                 ["B", "C", "1", "2024-01-05", 1, 0.0175]])
    assert t.df["rate"].tolist() == pytest.approx([0.125, 0.0175])


def test_term_in_years_header():
    t, _ = load([TD_HEAD + ["期限(年)"], ["A", "C", "1", "2024-01-05", 1, 3]])
    assert t.df.loc[0, "term_m"] == 36
    t, _ = load([TD_HEAD + ["期限"], ["A", "C", "1", "2024-01-05", 1, "1年"], ["B", "C", "1", "2024-01-05", 1, "6个月"]])
    assert t.df["term_m"].tolist() == [12, 6]


# ------------------------------------------------------------------------------------------ CSV
CSV_TEXT = "账号,客户号,机构号,到期日,余额,客户名称\n001,1E5,0101,2024/1/5,\"1,234.56\",龚䶮\n002,,0102,20240106,-,\n"


@pytest.mark.parametrize("encoding,sep", [
    ("utf-8", ","), ("utf-8-sig", ","), ("gb18030", ","), ("utf-16", "\t"), ("utf-16", ";"), ("utf-8", ";"),
])
def test_csv_encodings_and_delimiters(tmp_path, encoding, sep):
    text = CSV_TEXT.replace(",", sep) if sep != "," else CSV_TEXT
    if sep != ",":
        text = text.replace('"1' + sep + '234.56"', "1234.56")
    p = tmp_path / "td.csv"
    p.write_bytes(text.encode(encoding))
    df = read_raw_csv(p)
    assert df.iloc[1, 5] == "龚䶮"  # 䶮 exists in GB18030 but not in GBK
    log = ProblemLog()
    t = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    assert t.df["acct_no"].tolist() == ["001", "002"]
    assert t.df.loc[0, "cust_id"] == "1E5"
    assert pd.isna(t.df.loc[1, "cust_id"]) and pd.isna(t.df.loc[1, "cust_name"])
    assert t.df.loc[0, "balance"] == pytest.approx(1234.56) and np.isnan(t.df.loc[1, "balance"])
    assert t.df["_row"].tolist() == [2, 3]
    assert t.df["maturity_date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06")]


def test_csv_gbk_detected_as_gb18030(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("账号,客户号,机构号,到期日,余额\n1,张三,1,2024-01-05,1\n".encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        p.read_bytes().decode("utf-8")
    assert detect_encoding(p.read_bytes()) == "gb18030"
    assert read_raw_csv(p).iloc[1, 1] == "张三"


def test_gb18030_only_char_not_gbk():
    data = "名称\n䶮\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    assert detect_encoding(data) == "gb18030"


def test_utf16_le_bom_excel_unicode_text(tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_bytes(b"\xff\xfe" + "账号\t客户号\t机构号\t到期日\t余额\r\n007\t0012\t01\t2024.01.05\t5\r\n".encode("utf-16-le"))
    assert detect_encoding(p.read_bytes()) == "utf-16"
    t = read_tables([p], ["time_deposits"])["time_deposits"]
    assert t.df.loc[0, "acct_no"] == "007" and t.df.loc[0, "cust_id"] == "0012"


def test_csv_title_row_blank_lines_and_summary(tmp_path):
    p = tmp_path / "export.csv"
    p.write_bytes(("某支行定期存款明细\n\n" + "账号,客户号,机构号,到期日,余额\n" + "A1,C1,01,2024-01-05,100\n"
                   + "\n" + "A2,C2,01,2024-01-06,200\n" + "合计,,,,300\n").encode("gbk"))
    log = ProblemLog()
    t = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    assert t.header_row == 3
    assert t.df["_row"].tolist() == [4, 6]
    assert t.df["balance"].sum() == 300
    assert codes(log) == [("SUMMARY_ROW", 7)]


def test_csv_charset_normalizer_fallback_for_other_encodings(tmp_path):
    text = "Název;Město\nŽluťoučký kůň;Praha\n"
    data = text.encode("cp1250")  # neither valid UTF-8 nor valid GB18030
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb18030")
    enc = detect_encoding(data)
    assert data.decode(enc) == text
    p = tmp_path / "cz.csv"
    p.write_bytes(data)
    assert read_raw_csv(p).iloc[1, 0] == "Žluťoučký kůň"
    assert read_raw_csv(p, encoding="cp1250").iloc[1, 1] == "Praha"  # explicit override


# ------------------------------------------------------------------------------------------ xlsx
def test_xlsx_codes_ids_and_excel_rows_with_title(tmp_path):
    p = write_xlsx(tmp_path / "td.xlsx", {"定期存款明细": [
        ["2024年11月 定期存款到期明细"], None, None,
        ["账号", "客户号", "证件号码", "机构号", "到期日", "余额"],
        [6222000001.0, 1001.0, 340524198001010016, 101.0, dt.date(2024, 1, 5), 1000.5],
        ["6222000002", "001", 340524800101001, "0101", 45296, 2000],
        ["6222000003", "002", "34052419800101001X", "0101", "2024-01-07", 3000],
        ["6222000004", "003", "360426199101010072", "0101", "2024-01-07", 3000],
    ]})
    log = ProblemLog()
    t = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    df = t.df
    assert t.header_row == 4 and t.sheet == "定期存款明细"
    assert df["_row"].tolist() == [5, 6, 7, 8]
    assert df["acct_no"].tolist()[:2] == ["6222000001", "6222000002"]
    assert df.loc[0, "cust_id"] == "1001" and df.loc[0, "org_id"] == "101"
    assert pd.isna(df.loc[0, "id_no"])  # 18-digit ID stored as a number: lost, never guessed
    assert df.loc[1, "id_no"] == "340524800101001"
    assert df.loc[2, "id_no"] == "34052419800101001X"
    assert df["maturity_date"].tolist()[:2] == [pd.Timestamp("2024-01-05")] * 2
    got = {(p.code, p.excel_row, p.column) for p in log.problems}
    assert ("ID_CORRUPT", 5, "证件号码(id_no)") in got
    assert ("ID_AS_NUMBER", 6, "证件号码(id_no)") in got
    assert ("ID_CHECKSUM", 8, "证件号码(id_no)") in got
    assert df["id_no"].dtype == "string" and df["acct_no"].dtype == "string"


def test_xlsx_leading_empty_rows_and_columns(tmp_path):
    p = tmp_path / "off.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(3, 2, ["账号", "客户号", "机构号", "到期日", "余额"])
    ws.write_row(4, 2, ["A", "C", "1", "2024-01-05", 5])
    ws.write_row(6, 2, ["B", "C", "1", "2024-01-05", "bad"])
    wb.close()
    log = ProblemLog()
    t = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]  # single data sheet
    assert t.header_row == 4 and t.df["_row"].tolist() == [5, 7]
    assert codes(log) == [("NUM_INVALID", 7)]


def test_xlsx_excel_table_listobject_by_name(tmp_path):
    heads = ["账号", "客户号", "机构号", "到期日", "余额"]
    p = write_xlsx(tmp_path / "t.xlsx", {"Sheet1": [["标题"], None, heads, ["A", "C", "1", "2024-01-05", 5]],
                                         "other": [["x"]]},
                   tables=[{"sheet": "Sheet1", "name": "time_deposits", "range": (2, 0, 3, 4), "headers": heads}])
    t = read_tables([p], ["time_deposits"])["time_deposits"]
    assert t.sheet == "Sheet1" and t.header_row == 3 and t.df["_row"].tolist() == [4]


def test_xlsx_serial_dates_1900_system():
    t, log = load(td_rows(["A", "C", "1", 45296, 1], ["B", "C", "1", 45296.75, 1], ["C", "C", "1", 60, 1],
                          ["D", "C", "1", 0, 1], ["E", "C", "1", 1, 1], ["F", "C", "1", 61, 1],
                          ["G", "C", "1", 20240105, 1], ["H", "C", "1", "45296", 1]))
    d = t.df["maturity_date"]
    assert d[0] == d[1] == d[6] == d[7] == pd.Timestamp("2024-01-05")
    assert pd.isna(d[2]) and pd.isna(d[3])
    assert d[4] == pd.Timestamp("1900-01-01") and d[5] == pd.Timestamp("1900-03-01")
    assert [c for c in codes(log) if c[0] == "DATE_INVALID"] == [("DATE_INVALID", 4), ("DATE_INVALID", 5)]


def test_xlsx_1904_date_system(tmp_path):
    p = tmp_path / "mac.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"date_1904": True})
    ws = wb.add_worksheet("定期存款明细")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["账号", "客户号", "机构号", "到期日", "起息日", "余额"])
    ws.write_row(1, 0, ["A", "C", "1"])
    ws.write_datetime(1, 3, dt.datetime(2024, 1, 5), fmt)  # stored as 1904 serial 43834
    ws.write_number(1, 4, 43834)  # plain number in a date column of a 1904 workbook
    ws.write_number(1, 5, 1)
    wb.close()
    t = read_tables([p], ["time_deposits"])["time_deposits"]
    assert t.df.loc[0, "maturity_date"] == pd.Timestamp("2024-01-05")  # calamine converts formatted cells
    assert t.df.loc[0, "value_date"] == pd.Timestamp("2024-01-05")  # we convert plain serials with 1904


# ------------------------------------------------------------------------------------------ values
@pytest.mark.parametrize("cell,expected", [
    ("2024-01-05", "2024-01-05"), ("2024/1/5", "2024-01-05"), ("20240105", "2024-01-05"),
    (20240105, "2024-01-05"), (20240105.0, "2024-01-05"), ("2024.01.05", "2024-01-05"),
    ("2023年1月5日", "2023-01-05"), (45296, "2024-01-05"), (dt.datetime(2024, 1, 5, 13, 30), "2024-01-05"),
    ("2024-01-05 13:45:00", "2024-01-05"), ("２０２４－０１－０５", "2024-01-05"), ("2024-02-29", "2024-02-29"),
])
def test_dates_from_text_and_numbers(cell, expected):
    t, log = load(td_rows(["A", "C", "1", cell, 1]))
    assert t.df.loc[0, "maturity_date"] == pd.Timestamp(expected)
    assert not log


@pytest.mark.parametrize("cell", ["2023-02-30", "2023-13-01", "20230230", "明天", "9999-12-31", "1/5/24"])
def test_invalid_dates(cell):
    t, log = load(td_rows(["A", "C", "1", "2024-01-01", 1], ["B", "C", "1", cell, 1]))
    assert pd.isna(t.df.loc[1, "maturity_date"])
    p = log.problems[0]
    assert (p.code, p.excel_row, p.column, p.value) == ("DATE_INVALID", 3, "到期日(maturity_date)", cell)
    assert p.action == "该值置空, 行保留" and p.table == "time_deposits" and p.sheet == "S"


@pytest.mark.parametrize("cell", ["2024-01", "202401", 202401, "2024年1月", "2024/1", "2024.01", "2024-01-17",
                                  dt.date(2024, 1, 31), "２０２４年１月"])
def test_months(cell):
    t, log = load([["月份", "员工号", "应发合计", "实发合计"], [cell, "E1", 1, 1]], spec=PAY)
    assert t.df.loc[0, "month"] == pd.Timestamp("2024-01-01")
    assert not log


@pytest.mark.parametrize("cell,expected", [
    ("1,234.56", 1234.56), ("(1,234.56)", -1234.56), ("-", None), ("--", None), ("１，２３４．５", 1234.5),
    ("1.2万", 12000.0), ("¥1,000元", 1000.0), (1234.5, 1234.5), (7, 7.0), ("  12  ", 12.0), ("3亿", 3e8),
    ("1e3", 1000.0),
])
def test_numbers(cell, expected):
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", cell]))
    v = t.df.loc[0, "balance"]
    assert (np.isnan(v) if expected is None else v == pytest.approx(expected))
    assert [c for c, _ in codes(log) if c != "NEG_BALANCE"] == []


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "12元5", True, dt.date(2024, 1, 1), "inf", "1,2x"])
def test_unparsable_numbers(cell):
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", cell]))
    assert np.isnan(t.df.loc[0, "balance"])
    assert codes(log) == [("NUM_INVALID", 2)]


def test_negative_balance_kept_and_reported():
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", -5], ["B", "C", "1", "2024-01-05", "(3)"]))
    assert t.df["balance"].tolist() == [-5.0, -3.0]
    assert codes(log) == [("NEG_BALANCE", 2), ("NEG_BALANCE", 3)]
    assert log.problems[0].action == "保留原值(含负号), 行保留"


@pytest.mark.parametrize("cell,expected", [
    ("是", True), ("否", False), ("Y", True), ("n", False), (1, True), (0.0, False), ("1", True), ("0", False),
    ("true", True), ("FALSE", False), ("√", True), (True, True), (False, False), ("×", False), ("", None),
])
def test_bool(cell, expected):
    t, log = load([TD_HEAD + ["自动转存"], ["A", "C", "1", "2024-01-05", 1, cell]])
    v = t.df.loc[0, "auto_renew"]
    assert (pd.isna(v) if expected is None else bool(v) is expected)
    assert not log


def test_bool_invalid():
    t, log = load([TD_HEAD + ["自动转存"], ["A", "C", "1", "2024-01-05", 1, "也许"]])
    assert pd.isna(t.df.loc[0, "auto_renew"]) and codes(log) == [("VALUE_INVALID", 2)]


def test_blank_cells_stay_missing_never_nan_text():
    t, log = load([TD_HEAD + ["客户名称", "产品", "利率", "期限", "自动转存", "起息日"],
                   ["A", "C", "1", "2024-01-05", 1, None, "", float("nan"), "  ", None, "\u3000", pd.NaT],
                   ["B", "C", "1", "2024-01-05", 1, "NULL", "#N/A", None, None, "", None, ""]])
    df = t.df
    for c in ("cust_name", "product", "rate", "term_m", "auto_renew", "value_date", "status", "id_no"):
        assert df[c].isna().all(), c
    for c in ("cust_name", "product", "status", "id_no"):
        assert not any(isinstance(v, str) for v in df[c].astype(object).tolist()), c
    assert not log


def test_nan_none_text_from_earlier_scripts_is_blank():
    t, _ = load(td_rows(["A", "nan", "None", "2024-01-05", "NaN"]))
    assert pd.isna(t.df.loc[0, "cust_id"]) and pd.isna(t.df.loc[0, "org_id"]) and np.isnan(t.df.loc[0, "balance"])


def test_problem_cap_counts_everything_and_strict_still_has_samples():
    log = ProblemLog(cap=2)
    rows = td_rows(*[[f"A{i}", "C", "1", "2023-02-30", 1] for i in range(10)])
    load_frame(raw(rows), TD, sheet="S", problems=log)
    assert len(log) == 10 and len(log.problems) == 2
    with pytest.raises(DataValidationError, match="10 个数据问题.*第 2 行"):
        load_frame(raw(rows), TD, sheet="S", problems=log, strict=True)


def test_dtypes_match_spec_empty_and_optional_columns_added():
    t, _ = load(td_rows(["A", "C", "1", "2024-01-05", 1]))
    empty = TD.empty()
    assert list(t.df.columns) == list(empty.columns)
    assert t.df.dtypes.astype(str).tolist() == empty.dtypes.astype(str).tolist()
    assert t.df.attrs["table"] == "time_deposits"


@pytest.mark.parametrize("text", ["合计", "合 计", "总计:", "小计", "一分行小计", "总合计"])
def test_summary_rows_dropped(text):
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", 1], [text, None, None, None, 1],
                          [None, text, None, None, 1], ["B", "C", "1", "2024-01-05", 2]))
    assert t.df["acct_no"].tolist() == ["A", "B"]
    assert codes(log) == [("SUMMARY_ROW", 3), ("SUMMARY_ROW", 4)]


def test_required_column_missing_names_sheet_column_and_headers():
    with pytest.raises(DataValidationError) as ei:
        load([["标题"], ["账号", "客户号", "机构号", "余额", "备注"], ["A", "C", "1", 1, "x"]], sheet="明细")
    e = ei.value
    assert e.column == "maturity_date" and e.column_zh == "到期日" and e.sheet == "明细" and e.table == "time_deposits"
    msg = str(e)
    assert "明细" in msg and "到期日" in msg and "maturity_date" in msg and "备注" in msg and "余额" in msg
    assert e.excel_row == 2


def test_no_header_at_all():
    with pytest.raises(DataValidationError, match="表头"):
        load([["foo", "bar"], [1, 2]])


def test_duplicate_key_keeps_last():
    t, log = load(td_rows(["A", "C1", "1", "2024-01-05", 1], ["B", "C", "1", "2024-01-05", 2],
                          ["A", "C2", "1", "2024-01-06", 3]))
    assert t.df["acct_no"].tolist() == ["B", "A"] and t.df.loc[1, "cust_id"] == "C2"
    p = log.problems[0]
    assert (p.code, p.excel_row, p.value) == ("DUP_KEY", 2, "A") and "第 4 行" in p.action


def test_strict_raises_after_loading():
    log = ProblemLog()
    with pytest.raises(DataValidationError, match=r"2 个数据问题.*第 3 行") as ei:
        load_frame(raw(td_rows(["A", "C", "1", "2024-01-05", 1], ["B", "C", "1", "2023-02-30", 1],
                               ["D", "C", "1", "2024-01-05", -1], ["合计", None, None, None, 1])),
                   TD, sheet="S", problems=log, strict=True)
    assert ei.value.excel_row == 3
    assert len(log) == 3  # problems are logged before raising (SUMMARY_ROW is not fatal)
    t = load_frame(raw(td_rows(["A", "C", "1", "2024-01-05", 1], ["合计", None, None, None, 1])), TD,
                   sheet="S", problems=ProblemLog(), strict=True)
    assert t.n_rows == 1


def test_required_empty_reported():
    t, log = load(td_rows(["A", None, "1", "2026-12-01", 1]))
    assert codes(log) == [("REQUIRED_EMPTY", 2)] and pd.isna(t.df.loc[0, "cust_id"])


def test_blank_ok_required_column_left_to_the_scenario():
    """到期日 is required as a column, but blank cells are normal for 通知存款: no loader problem."""
    t, log = load(td_rows(["A", "C", "1", None, 1]))
    assert codes(log) == [] and pd.isna(t.df.loc[0, "maturity_date"])


def test_code_columns_keep_text_and_whole_floats():
    t, log = load(td_rows([1.0, "'007", "０１０１", "2024-01-05", 1], [12.5, 1e19, 3, "2024-01-05", 1]))
    assert t.df["acct_no"].tolist() == ["1", "12.5"]
    assert t.df["cust_id"].tolist()[0] == "007" and pd.isna(t.df["cust_id"][1])
    assert t.df["org_id"].tolist() == ["0101", "3"]
    assert codes(log) == [("VALUE_INVALID", 3)]


def test_id_card_strings_normalised_and_checked():
    t, log = load([["客户号", "证件号码"], ["1", " 34052419800101001x "], ["2", "３６０４２６１９９１０１０１００７１"],
                   ["3", "3.40524E+17"], ["4", "12345"]], spec=CUST)
    assert t.df["id_no"].tolist()[:2] == ["34052419800101001X", "360426199101010071"]
    assert codes(log) == [("ID_CORRUPT", 4), ("ID_FORMAT", 5)]


# ------------------------------------------------------------------------------------------ read_tables
def test_read_tables_sheet_names_csv_frames_and_optional(tmp_path):
    heads = ["账号", "客户号", "机构号", "到期日", "余额"]
    x = write_xlsx(tmp_path / "bank.xlsx", {
        "参数": [["键", "值"]],
        "定期存款": [heads, ["A", "C1", "1", "2024-01-05", 1]],  # alias sheet name
        "Sheet3": [["客户号", "客户名称"], ["C1", "张三"]],  # found by header
    })
    log = ProblemLog()
    got = read_tables([x], ["time_deposits"], optional=["customers", "orgs"], problems=log)
    assert set(got) == {"time_deposits", "customers"}
    assert got["time_deposits"].sheet == "定期存款" and got["customers"].df.loc[0, "cust_name"] == "张三"
    assert got["time_deposits"].source == str(x)
    # DataFrame for one wanted table; mapping by Chinese name
    f = pd.DataFrame({"acct_no": ["A"], "cust_id": ["C"], "org_id": ["1"], "maturity_date": ["2024-01-05"],
                      "BALANCE": [5]})
    assert read_tables([f], ["time_deposits"])["time_deposits"].df.loc[0, "balance"] == 5
    assert read_tables([{"定期存款明细": f}], ["time_deposits"])["time_deposits"].df["_row"].tolist() == [2]


def test_read_tables_missing_required_table_error(tmp_path):
    x = write_xlsx(tmp_path / "b.xlsx", {"Sheet1": [["a", "b"], [1, 2]], "Sheet2": [["c"], [1]]})
    with pytest.raises(DataValidationError) as ei:
        read_tables([x], ["time_deposits"], optional=["customers"])
    msg = str(ei.value)
    assert "定期存款明细" in msg and "time_deposits" in msg and "Sheet1" in msg and "b.xlsx" in msg
    assert ei.value.table == "time_deposits"


def test_single_data_sheet_wrong_header_reports_missing_column(tmp_path):
    x = write_xlsx(tmp_path / "one.xlsx", {"导出": [["账号", "客户号", "机构号", "余额"], ["A", "C", "1", 1]],
                                           "参数": [["k", "v"]]})
    with pytest.raises(DataValidationError) as ei:
        read_tables([x], ["time_deposits"])
    assert ei.value.sheet == "导出" and ei.value.column == "maturity_date"


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(DataValidationError, match="不存在"):
        read_tables([tmp_path / "nope.xlsx"], ["time_deposits"])
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(DataValidationError, match="不支持"):
        read_tables([tmp_path / "a.pdf"], ["time_deposits"])


# ------------------------------------------------------------------------------------------ performance
def test_100k_rows_load_vectorised_values():
    """Bulk path on 100k rows: values right (timing lives in bench/, not in tests)."""
    n = 100_000
    rng = np.random.default_rng(0)
    rows = np.empty((n + 1, 8), dtype=object)
    rows[0] = ["账号", "客户号", "机构号", "到期日", "余额", "利率(%)", "证件号码", "产品"]
    rows[1:, 0] = [f"62220{i:08d}" for i in range(n)]
    rows[1:, 1] = (rng.integers(1, 50_000, n)).astype(float)
    rows[1:, 2] = "0101"
    rows[1:, 3] = [f"2024-{m:02d}-{d:02d}" for m, d in zip(rng.integers(1, 13, n), rng.integers(1, 29, n))]
    rows[1:, 4] = [f"{v:,.2f}" for v in rng.uniform(0, 1e6, n)]
    rows[1:, 5] = rng.uniform(1, 3, n).round(2)
    rows[1:, 6] = "34052419800101001X"
    rows[1:, 7] = "整存整取"
    t = load_frame(pd.DataFrame(rows, dtype=object), TD, sheet="S", problems=ProblemLog())
    assert t.n_rows == n and t.df["balance"].notna().all()
    assert t.df["cust_id"].iloc[0] == str(int(rows[1, 1]))
    assert t.df["acct_no"].iloc[-1] == f"62220{n - 1:08d}"
    assert t.df["_row"].iloc[-1] == n + 1


def test_unreadable_workbook_is_a_data_validation_error(tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"not a zip at all")
    with pytest.raises(DataValidationError, match="无法打开工作簿"):
        read_tables([p], ["time_deposits"])
