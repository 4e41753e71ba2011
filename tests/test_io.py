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


def test_xlsx_codes_stored_as_numbers_get_the_lost_zeros_note(tmp_path):
    """breaker s16 finding 4: 客户号 and 机构号 stored as Excel numbers (0000002108 shown as 2108) lose their leading
    zeros; 说明 says so per column, with the count of number cells, as for a Parquet integer column; 账号 (all
    text) gets no such note."""
    p = write_xlsx(tmp_path / "td.xlsx", {"定期存款明细": [
        ["账号", "客户号", "机构号", "到期日", "余额"],
        ["0001", 2108.0, 10001.0, dt.date(2027, 1, 5), 1000.5],
        ["0002", "0000002109", 10001.0, dt.date(2027, 1, 6), 2000],
    ]})
    t = read_tables([p], ["time_deposits"], problems=ProblemLog())["time_deposits"]
    assert t.df["cust_id"].tolist() == ["2108", "0000002109"] and t.df["org_id"].tolist() == ["10001", "10001"]
    lost = [n for n in t.unit_notes if "前导 0 已丢失" in n]
    assert len(lost) == 2
    assert lost[0].startswith("客户号(cust_id): 1 个值以数字(不是文本)存储") and "如 0001012 存为 1012" in lost[0]
    assert lost[1].startswith("机构号(org_id): 2 个值以数字(不是文本)存储")
    assert t.as_numbers == {"cust_id", "org_id"}  # LoadedTable's field, set by the loader (账号: text cells)
    csv = tmp_path / "td.csv"
    csv.write_text("账号,客户号,机构号,到期日,余额\n0001,2108,10001,2027-01-05,1000.5\n", encoding="utf-8")
    t = read_tables([csv], ["time_deposits"], problems=ProblemLog())["time_deposits"]
    assert t.as_numbers == frozenset() and not [n for n in t.unit_notes if "前导 0 已丢失" in n]  # CSV: text


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
    ("1,234.56", 1234.56), ("(1,234.56)", -1234.56), ("１，２３４．５", 1234.5),
    ("1.2万", 12000.0), ("¥1,000元", 1000.0), (1234.5, 1234.5), (7, 7.0), ("  12  ", 12.0), ("3亿", 3e8),
    ("1e3", 1000.0),
])
def test_numbers(cell, expected):
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", cell]))
    v = t.df.loc[0, "balance"]
    assert (np.isnan(v) if expected is None else v == pytest.approx(expected))
    assert [c for c, _ in codes(log) if c != "NEG_BALANCE"] == []


@pytest.mark.parametrize("cell", ["-", "--", "—", "－", "NULL"])
def test_a_dash_in_a_required_number_is_blank_like_null(cell):
    """A dash means "no value" like NULL (breaker s16 finding 3): the required 余额 is REQUIRED_EMPTY at row 2,
    原值 the dash, the row kept with a blank balance (it used to be a silent NaN)."""
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", cell]))
    assert len(t.df) == 1 and np.isnan(t.df.loc[0, "balance"])
    assert [(p.code, p.excel_row, p.value) for p in log.problems] == [("REQUIRED_EMPTY", 2, cell)]


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "12元5", True, dt.date(2024, 1, 1), "inf", "1,2x"])
def test_unparsable_numbers(cell):
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", cell]))
    assert np.isnan(t.df.loc[0, "balance"])
    assert codes(log) == [("NUM_INVALID", 2)]


def test_negative_balance_kept_and_reported():
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", -5], ["B", "C", "1", "2024-01-05", "(3)"]))
    assert t.df["balance"].tolist() == [-5.0, -3.0]
    assert codes(log) == [("NEG_BALANCE", 2), ("NEG_BALANCE", 3)]
    # the value is kept, but every time-deposit scenario leaves the row out (test_safety_followups)
    assert log.problems[0].action == "保留原值(含负号); 该行不计入存款统计(笔数与金额)"


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




# ------------------------------------------------------------------------------------------ fresh-user findings
@pytest.fixture(scope="module")
def sample_books(tmp_path_factory, sample_bank):
    from bankxl.sample import write_sample_workbooks

    folder = tmp_path_factory.mktemp("samplebooks")
    paths = {p.name: p for p in write_sample_workbooks(sample_bank, folder)}
    return paths


def _cli(argv, capsys):
    from bankxl.cli import main

    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_loans_workbook_is_not_taken_as_time_deposits(sample_books, capsys, tmp_path):
    """样例_贷款与流水.xlsx: the 贷款 sheet holds every time_deposits required header (账号 客户号 机构号 到期日 余额)
    but is the loans table by name -> never used for time_deposits; D2 fails with 'not found' (exit 2)."""
    x = sample_books["样例_贷款与流水.xlsx"]
    assert get_table("贷款").id == "loans"
    with pytest.raises(DataValidationError) as ei:
        read_tables([x], ["time_deposits"], optional=["customers", "orgs"])
    assert ei.value.table == "time_deposits" and "未找到" in str(ei.value) and "贷款=loans" in str(ei.value)
    rc, out, err = _cli(["run", "D2", "-i", str(x), "-o", str(tmp_path / "o.xlsx")], capsys)
    assert rc == 2 and "未找到表「定期存款明细」" in err and not (tmp_path / "o.xlsx").exists()


def test_cli_progress_line_names_file_and_sheet_per_table(sample_books, sample_bank, capsys, tmp_path):
    x = sample_books["样例_定期存款.xlsx"]
    rc, out, err = _cli(["run", "D2", "-i", str(x), "-o", str(tmp_path / "o.xlsx")], capsys)
    assert rc == 0, err
    n_td, n_c = len(sample_bank["time_deposits"]), len(sample_bank["customers"])
    assert f"time_deposits ← 文件 样例_定期存款.xlsx 工作表 定期存款明细 ({n_td} 行)" in err
    assert f"customers ← 文件 样例_定期存款.xlsx 工作表 客户 ({n_c} 行)" in err


def test_header_match_only_among_sheets_without_a_canonical_name(tmp_path):
    row = ["A1", "C1", "0101", "2026-12-05", 100]
    x = write_xlsx(tmp_path / "m.xlsx", {"贷款": [TD_HEAD, ["L1", "C9", "0101", "2027-01-01", 5]],
                                         "Sheet1": [TD_HEAD, row]})
    got = read_tables([x], ["time_deposits"])["time_deposits"]
    assert (got.sheet, got.df["acct_no"].tolist(), got.df["balance"].tolist()) == ("Sheet1", ["A1"], [100.0])
    # an Excel table named after another canonical table marks its sheet too
    y = write_xlsx(tmp_path / "t.xlsx", {"Sheet1": [TD_HEAD, ["L1", "C9", "0101", "2027-01-01", 5]]},
                   tables=[{"sheet": "Sheet1", "name": "贷款", "range": (0, 0, 1, 4), "headers": TD_HEAD}])
    with pytest.raises(DataValidationError, match="未找到表「定期存款明细」"):
        read_tables([y], ["time_deposits"])
    # the single-source fallback does not take it either (no misleading 'missing column' on 贷款)
    z = write_xlsx(tmp_path / "z.xlsx", {"贷款": [["借据号", "客户号"], ["L1", "C1"]]})
    with pytest.raises(DataValidationError, match="未找到表"):
        read_tables([z], ["time_deposits"])


def test_several_fitting_sheets_raise_instead_of_guessing(tmp_path):
    row = ["A1", "C1", "0101", "2026-12-05", 100]
    other = ["A2"] + row[1:]  # different rows: identical copies are one table (test_safety_breaker)
    x = write_xlsx(tmp_path / "two.xlsx", {"Sheet1": [TD_HEAD, row], "导出2": [TD_HEAD, other]})
    with pytest.raises(DataValidationError) as ei:
        read_tables([x], ["time_deposits"])
    msg = str(ei.value)
    assert "多个" in msg and "Sheet1" in msg and "导出2" in msg and "two.xlsx" in msg
    assert "does not guess" in msg and ei.value.table == "time_deposits"
    # a sheet that is the only fit of one table is that table; the other table takes the rest
    cust = [["客户号", "客户名称"], ["C1", "张三"]]
    y = write_xlsx(tmp_path / "y.xlsx", {"S1": [TD_HEAD, row], "S2": cust})
    got = read_tables([y], ["customers", "time_deposits"])
    assert (got["time_deposits"].sheet, got["customers"].sheet) == ("S1", "S2")
    assert got["customers"].df["cust_name"].tolist() == ["张三"]


@pytest.mark.parametrize("cell,header", [(1e15, "余额"), (9e99, "余额"), ("12345678901234567890", "余额"),
                                         ("1e14", "余额(元)"), (-2e14, "余额"), (2e10, "余额(万元)")])
def test_implausible_money_blanked(cell, header):
    t, log = load([TD_HEAD[:4] + [header], ["A", "C", "1", "2024-01-05", 1000], ["B", "C", "1", "2024-01-05", cell]])
    assert t.df["balance"].tolist()[0] == (1e7 if "万元" in header else 1000.0)
    assert np.isnan(t.df["balance"].tolist()[1]) and t.n_rows == 2  # value blanked, row kept
    got = [(p.code, p.excel_row, p.column) for p in log.problems]
    assert got == [("VALUE_INVALID", 3, "余额(balance)")]
    assert "金额超出合理范围" in log.problems[0].reason
    assert log.problems[0].action == "该值置空; 该行不计入存款统计(笔数与金额)"  # as D2/D4/C3 do
    assert t.df["balance"].sum() == (1e7 if "万元" in header else 1000.0)


def test_large_but_plausible_money_kept():
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", 99_999_999_999_999.0], ["B", "C", "1", "2024-01-05", "9.9万亿"]))
    assert t.df["balance"].tolist() == [99_999_999_999_999.0, 9.9e12] and not log


@pytest.mark.parametrize("cell", ["12.5%", "12.5 %", "3‰", "１２．５％"])
def test_percent_in_money_column_is_invalid(cell):
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", cell], ["B", "C", "1", "2024-01-05", "12.5"]))
    assert np.isnan(t.df.loc[0, "balance"]) and t.df.loc[1, "balance"] == 12.5 and t.n_rows == 2
    assert codes(log) == [("NUM_INVALID", 2)] and "利率" in log.problems[0].reason


def test_percent_still_fine_in_rate_column_and_not_in_int():
    t, log = load([TD_HEAD + ["利率", "期限"], ["A", "C", "1", "2024-01-05", 1, "12.5%", "12%"]])
    assert t.df.loc[0, "rate"] == pytest.approx(0.125) and pd.isna(t.df.loc[0, "term_m"])
    assert [(p.code, p.column) for p in log.problems] == [("NUM_INVALID", "期限(term_m)")]


def test_header_only_required_table_is_one_clear_error(tmp_path, capsys):
    """An empty REQUIRED table stops first with what is wrong — the table has no data rows, naming file and sheet —
    with or without 数据日期 or --as-of (issue 8 said so through the as-of message; the breaker round made it one rule
    for every scenario, tests/test_safety_round3.py)."""
    from bankxl.runner import run_scenario

    x = write_xlsx(tmp_path / "head.xlsx", {"定期存款明细": [TD_HEAD + ["数据日期"]]})
    y = write_xlsx(tmp_path / "nocol.xlsx", {"定期存款明细": [TD_HEAD]})
    for path in (x, y):
        with pytest.raises(DataValidationError) as ei:
            run_scenario("D2", [path], None)
        msg = str(ei.value)
        assert "「定期存款明细」(time_deposits)没有数据行" in msg and f"文件「{path.name}」工作表「定期存款明细」" in msg
        assert "数据日期" not in msg.split("\n")[0]
    rc, out, err = _cli(["run", "D2", "-i", str(x), "--as-of", "2026-11-30", "-o", str(tmp_path / "o.xlsx")], capsys)
    assert rc == 2 and "没有数据行" in err and not (tmp_path / "o.xlsx").exists()


NOT_BOOK = "不是有效的 Excel 工作簿(可能是网页/HTML 导出或文件已损坏), 请在 Excel 中另存为 .xlsx 后再试。"


@pytest.mark.parametrize("name,content", [
    ("empty.xlsx", b""), ("empty.xls", b""),  # an HTML .xls is read since issue 8 (test_safety_reading)
    ("page.xlsx", b"<html><body>x</body></html>"), ("broken.xlsx", b"not a workbook at all"), ("archive.xlsx", None)])
def test_not_a_workbook_one_sentence(tmp_path, capsys, name, content):
    import zipfile

    p = tmp_path / name
    if content is None:
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("readme.txt", "hello")
    else:
        p.write_bytes(content)
    with pytest.raises(DataValidationError) as ei:
        read_tables([p], ["time_deposits"])
    msg = str(ei.value)
    assert msg.startswith(f"文件 {name} {NOT_BOOK}") and "not a valid Excel workbook" in msg
    for lib in ("EOCD", "Cfb", "OLE", "Zip", "zip"):
        assert lib not in msg
    rc, out, err = _cli(["run", "D2", "-i", str(p), "-o", str(tmp_path / "o.xlsx")], capsys)
    assert rc == 2 and NOT_BOOK in err and "EOCD" not in err and "Cfb" not in err


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_empty_csv_says_empty(tmp_path, content):
    p = tmp_path / "td.csv"
    p.write_bytes(content)
    with pytest.raises(DataValidationError) as ei:
        read_tables([p], ["time_deposits"])
    assert "td.csv 为空" in str(ei.value) and "is empty" in str(ei.value) and "未找到" not in str(ei.value)


def test_strict_ignores_info_codes_in_loader_and_runner_alike(tmp_path):
    from bankxl.errors import INFO_CODES
    from bankxl.io import NOT_FATAL
    from bankxl.runner import run_scenario

    assert NOT_FATAL is INFO_CODES and {"SUMMARY_ROW", "FOOTER_ROW", "ID_AS_NUMBER"} <= INFO_CODES
    ok = [TD_HEAD + ["数据日期"], ["A", "C", "1", "2026-12-05", 100, "2026-11-30"],
          ["合计", None, None, None, 100], None, ["制表人: 张三"]]
    x = write_xlsx(tmp_path / "ok.xlsx", {"定期存款明细": ok})
    res = run_scenario("D2", [x], None, strict=True)  # loader and runner agree: notices only
    assert sorted(c for _t, c in res.problems.counts) == ["FOOTER_ROW", "SUMMARY_ROW"]
    assert len(res.problems) == 2 and res.problems.real_count() == 0
    bad = ok[:2] + [["B", "C", "1", "2023-02-30", 5, "2026-11-30"]] + ok[2:]
    y = write_xlsx(tmp_path / "bad.xlsx", {"定期存款明细": bad})
    with pytest.raises(DataValidationError) as ei:  # the loader's strict check fires first
        run_scenario("D2", [y], None, strict=True)
    assert "1 个数据问题" in str(ei.value)


def test_runner_strict_message_counts_real_problems_once(monkeypatch):
    """The runner's final check (problems a scenario adds after loading) uses ProblemLog.real_count."""
    from bankxl import runner
    from bankxl.errors import RowProblem

    log = ProblemLog()
    log.add(RowProblem("time_deposits", "S", 5, None, "SUMMARY_ROW", "合计", "合计行", "剔除"))
    log.add(RowProblem("time_deposits", "S", 3, "余额(balance)", "NUM_INVALID", "x", "数值无法识别", "置空"))
    assert (len(log), log.real_count()) == (2, 1)
    assert log.real_summary_text() == "time_deposits/NUM_INVALID 数值无法识别: 1 行"
    df = raw(td_rows(["A", "C", "1", "2026-12-05", 100]))

    def fake_read_tables(sources, wanted, optional=(), problems=None, strict=False, **_masking):
        problems.extend(log.problems)
        return {"time_deposits": load_frame(df, TD, sheet="S", problems=ProblemLog())}

    monkeypatch.setattr("bankxl.io.read_tables", fake_read_tables)
    with pytest.raises(DataValidationError) as ei:
        runner.run_scenario("D2", ["x"], None, strict=True, as_of="2026-11-30")
    msg = str(ei.value)
    assert msg.count("个数据问题") == 1 and "发现 1 个数据问题" in msg and "SUMMARY_ROW" not in msg
    log2 = ProblemLog()
    log2.add(log.problems[0])

    def only_summary(sources, wanted, optional=(), problems=None, strict=False, **_masking):
        problems.extend(log2.problems)
        return {"time_deposits": load_frame(df, TD, sheet="S", problems=ProblemLog())}

    monkeypatch.setattr("bankxl.io.read_tables", only_summary)
    assert runner.run_scenario("D2", ["x"], None, strict=True, as_of="2026-11-30").report is not None


def test_footer_lines_dropped_as_footer_rows():
    rows = td_rows(["A", "C", "1", "2024-01-05", 1], ["B", "C", "1", "2024-01-05", 2], [None] * 5,
                   ["制表人: 张三", None, "复核: 李四"], ["打印日期：2026-12-01 10:00"], [None, "单位: 元"])
    t, log = load(rows)
    assert t.df["acct_no"].tolist() == ["A", "B"] and t.df["balance"].sum() == 3.0
    assert [(p.code, p.excel_row, p.value) for p in log.problems] == [
        ("FOOTER_ROW", 5, "制表人: 张三 复核: 李四"), ("FOOTER_ROW", 6, "打印日期：2026-12-01 10:00"),
        ("FOOTER_ROW", 7, "单位: 元")]
    assert log.real_count() == 0
    assert load_frame(raw(rows), TD, sheet="S", problems=ProblemLog(), strict=True).n_rows == 2


def test_footer_rule_keeps_data_rows():
    # footer-like text between data rows, a complete row, and a row with a number stay data
    rows = td_rows(["备注: 补录", None, None, None, None], ["A", "C", "1", "2024-01-05", 1],
                   ["B", "C", "1", "2024-01-05", 2], ["注: 见附件", None, None, None, 5])
    t, log = load(rows)
    assert t.df["acct_no"].tolist() == ["备注: 补录", "A", "B", "注: 见附件"]
    assert {p.code for p in log.problems} == {"REQUIRED_EMPTY"}
    # a trailing row with plain text (no footer label) is data with REQUIRED_EMPTY, not a footer
    t, log = load(td_rows(["A", "C", "1", "2024-01-05", 1], ["C7", "张三"]))
    assert t.n_rows == 2 and "FOOTER_ROW" not in {p.code for p in log.problems}
    # both required columns of customers filled: never a footer even with a colon
    t, log = load([["客户号", "机构号"], ["C1", "0101"], ["C:2", "0102"]], spec=CUST)
    assert t.df["cust_id"].tolist() == ["C1", "C:2"] and not log


# ------------------------------------------------------------------------------------------ holidays
def test_holiday_file_error_names_real_sheet_row_and_column(tmp_path):
    from bankxl.io import read_holidays

    x = write_xlsx(tmp_path / "h.xlsx", {"Sheet1": [None, ["日期", "是否工作日"], ["2026年12月8日", "否"],
                                                    ["2026-13-40", "是"]]})
    with pytest.raises(DataValidationError) as ei:
        read_holidays(x)
    e = ei.value
    assert (e.sheet, e.column, e.column_zh, e.excel_row) == ("Sheet1", "date", "日期", 4)
    msg = str(e)
    assert "节假日」" not in msg and "工作表「Sheet1」" in msg and "第 4 行" in msg
    en = e.message_en
    assert "sheet Sheet1" in en and "row 4" in en and "date" in en
    y = write_xlsx(tmp_path / "f.xlsx", {"Sheet1": [["日期", "是否工作日"], ["2027-02-07", "maybe"]]})
    with pytest.raises(DataValidationError) as ei:
        read_holidays(y)
    assert (ei.value.sheet, ei.value.column, ei.value.excel_row) == ("Sheet1", "is_workday", 2)
    assert "row 2" in ei.value.message_en and "is_workday" in ei.value.message_en


def test_holiday_dates_read_like_data_files(tmp_path):
    from bankxl.calendar import BankCalendar
    from bankxl.io import read_holidays

    x = write_xlsx(tmp_path / "h.xlsx", {"节假日": [["日期", "是否工作日", "节假日名称"],
                                                 ["2026年12月8日", "否", "行庆"], ["2027.2.7", "是", None],
                                                 [dt.date(2026, 12, 9), 0, None], [20261210, "休", None]]})
    h = read_holidays(x)
    assert h["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-08", "2026-12-09", "2026-12-10", "2027-02-07"]
    assert h["is_workday"].tolist() == [False, False, False, True]
    cal = BankCalendar(h)
    assert cal.is_workday("2026-12-08") is False and cal.holiday_name("2026-12-08") == "行庆"
    c = tmp_path / "h.csv"
    c.write_text("日期,是否工作日\n2026年12月8日,否\n", encoding="utf-8")
    assert read_holidays(c)["date"].tolist() == [pd.Timestamp("2026-12-08")]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"<html></html>")
    with pytest.raises(DataValidationError, match=NOT_BOOK.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_holidays(bad)


def test_summary_text_counts_only_real_problems():
    from bankxl.errors import RowProblem

    log = ProblemLog()
    log.add(RowProblem("time_deposits", "S", 9, None, "SUMMARY_ROW", "合计", "合计行", "剔除"))
    assert log.summary_text() == ("未发现数据问题 (no data problems); 提示 notices: "
                                  "time_deposits/SUMMARY_ROW 合计/小计行, 已跳过: 1 行")
    log.add(RowProblem("time_deposits", "S", 3, "余额(balance)", "NUM_INVALID", "x", "数值无法识别", "置空"))
    assert log.summary_text() == ("发现 1 个数据问题 (1 data problems): time_deposits/NUM_INVALID 数值无法识别: 1 行; "
                                  "另有提示 notices: time_deposits/SUMMARY_ROW 合计/小计行, 已跳过: 1 行")


# ------------------------------------------------------------------ Excel tables: cells, not table metadata
def _td_table_book(path, head=("账号", "客户号", "机构号", "到期日", "余额(元)"), title=True):
    """A sheet 明细 with an Excel table time_deposits (header in Excel row 3 under a title when ``title``)."""
    body = [["A1", "C1", "001", dt.date(2024, 1, 5), 100.0], ["A2", "C2", "001", dt.date(2024, 2, 5), 200.0],
            ["A3", "C3", "002", dt.date(2024, 3, 5), 300.0]]
    top = [["定期存款明细表"], None] if title else []
    r0 = len(top)
    return write_xlsx(path, {"明细": top + [list(head)] + body},
                      tables=[{"sheet": "明细", "name": "time_deposits", "range": (r0, 0, r0 + 3, 4),
                               "headers": list(head)}])


def test_rows_pasted_below_excel_table_are_read_with_excel_rows_and_notice(tmp_path):
    import openpyxl
    from python_calamine import CalamineWorkbook

    p = _td_table_book(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["明细"]
    assert ws.tables["time_deposits"].ref == "A3:E6"
    ws.append(["B1", "C9", "003", dt.datetime(2024, 4, 5), 40.0])  # Excel row 7, outside the table
    ws.append(["B2", "C9", "003", dt.datetime(2024, 5, 5), 50.0])  # row 8
    ws.append(["A2", "C2", "001", dt.datetime(2024, 2, 5), 222.0])  # row 9: duplicate of row 5 pasted below
    wb.save(p)
    # the bug's precondition: the table range was not extended
    assert CalamineWorkbook.from_path(str(p), load_tables=True).get_table_by_name("time_deposits").end[0] == 5
    log = ProblemLog()
    t = read_tables([p], ["time_deposits"], problems=log)["time_deposits"]
    assert t.header_row == 3
    assert t.df["acct_no"].tolist() == ["A1", "A3", "B1", "B2", "A2"]
    assert t.df["_row"].tolist() == [4, 6, 7, 8, 9]
    assert t.df["balance"].tolist() == [100.0, 300.0, 40.0, 50.0, 222.0]
    assert t.df["maturity_date"].tolist()[2] == pd.Timestamp("2024-04-05")
    assert codes(log) == [("DUP_KEY", 5)]
    assert "第 9 行" in log.problems[0].action
    assert t.unit_notes == ["工作表「明细」第 7–9 行在 Excel 表格「time_deposits」范围之外, 已一并读取"]


def test_one_row_below_table_after_a_gap_notice_counts_it(tmp_path):
    import openpyxl

    p = _td_table_book(tmp_path / "t.xlsx", title=False)
    wb = openpyxl.load_workbook(p)
    ws = wb["明细"]
    ws.cell(7, 1, "B1"), ws.cell(7, 2, "C9"), ws.cell(7, 3, "003"), ws.cell(7, 5, 7.0)  # row 6 left blank
    ws.cell(9, 1, "B2"), ws.cell(9, 2, "C9"), ws.cell(9, 3, "003"), ws.cell(9, 5, 9.0)
    ws.cell(12, 8, "旁注")  # outside the table's columns: not data, bounds the used range only
    wb.save(p)
    t = read_tables([p], ["time_deposits"])["time_deposits"]
    assert t.df["_row"].tolist() == [2, 3, 4, 7, 9] and t.df["balance"].tolist()[3:] == [7.0, 9.0]
    assert t.unit_notes == ["工作表「明细」第 7–9 行(其中 2 行有内容)在 Excel 表格「time_deposits」范围之外, 已一并读取"]


def test_header_cell_wins_over_stored_table_column_name(tmp_path):
    import openpyxl
    from python_calamine import CalamineWorkbook

    p = _td_table_book(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["明细"]["E3"] = "余额(万元)"  # the user edits the header cell; the table metadata keeps 余额(元)
    wb.save(p)
    assert CalamineWorkbook.from_path(str(p), load_tables=True).get_table_by_name("time_deposits").columns[4] == "余额(元)"
    t = read_tables([p], ["time_deposits"])["time_deposits"]
    assert t.df["balance"].tolist() == [1_000_000.0, 2_000_000.0, 3_000_000.0]
    assert t.unit_notes[0] == ("工作表「明细」第 3 行的表头单元格与 Excel 表格「time_deposits」保存的列名不一致, "
                               "已按单元格读取: 「余额(元)」→「余额(万元)」")
    assert any("万元" in n and "×10000" in n for n in t.unit_notes[1:])


def test_plain_excel_table_loads_like_its_cells_without_notices(tmp_path):
    p = _td_table_book(tmp_path / "t.xlsx")
    t = read_tables([p], ["time_deposits"])["time_deposits"]
    assert t.unit_notes == [] and t.sheet == "明细" and t.header_row == 3
    frame = pd.DataFrame({"账号": ["A1", "A2", "A3"], "客户号": ["C1", "C2", "C3"], "机构号": ["001", "001", "002"],
                          "到期日": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05"]),
                          "余额(元)": [100.0, 200.0, 300.0]})
    ref = read_tables([frame], ["time_deposits"])["time_deposits"].df
    pd.testing.assert_frame_equal(t.df.drop(columns="_row"), ref.drop(columns="_row"))
    assert t.df["_row"].tolist() == [4, 5, 6]


def test_rows_below_stop_above_the_next_excel_table(tmp_path):
    td_head = ["账号", "客户号", "机构号", "到期日", "余额"]
    cu_head = ["客户号", "客户名称", "证件号码", "机构号", "x"]
    rows = [td_head, ["A1", "C1", "001", "2024-01-05", 1.0], None, ["A9", "C9", "001", "2024-01-05", 9.0], None,
            cu_head, ["C1", "张三", None, "001", None]]
    p = write_xlsx(tmp_path / "t.xlsx", {"S": rows},
                   tables=[{"sheet": "S", "name": "time_deposits", "range": (0, 0, 1, 4), "headers": td_head},
                           {"sheet": "S", "name": "customers", "range": (5, 0, 6, 4), "headers": cu_head}])
    out = read_tables([p], ["time_deposits", "customers"])
    td = out["time_deposits"]
    assert td.df["acct_no"].tolist() == ["A1", "A9"] and td.df["_row"].tolist() == [2, 4]
    assert td.unit_notes == ["工作表「S」第 4 行在 Excel 表格「time_deposits」范围之外, 已一并读取"]
    assert out["customers"].df["cust_id"].tolist() == ["C1"] and out["customers"].df["_row"].tolist() == [7]
