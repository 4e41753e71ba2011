"""Issue 8 follow-ups found by a fresh user: currency contradictions, the CSV 参数 file, a derivable 到期日,
truthful 处理 texts, English halves of errors, the as-of hint and range, --by outlet names and settings,
masked strict-mode messages."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import DataValidationError
from bankxl.runner import run_scenario

AS_OF = "2026-11-30"
NO_MATURITY = pd.DataFrame({"账号": ["A1", "A2", "A3"], "客户号": ["C1", "C2", "C3"], "户名": ["张三", "李四", "王五"],
                            "开户机构": ["001", "001", "002"],
                            "起存日期": ["2026-01-05", "2026-03-01", "2026-06-10"], "存期(天)": [365, 180, 90],
                            "账户余额": [100000, 50000, 20000]})


def _detail(res) -> pd.DataFrame:
    return res.report.tables()["maturity_detail"].df


# ------------------------------------------------------------------------------ 3. 到期日 derivable
@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_missing_maturity_column_is_derived_from_start_and_term(tmp_path, ext):
    src = tmp_path / f"无到期日.{ext}"
    NO_MATURITY.to_csv(src, index=False) if ext == "csv" else NO_MATURITY.to_excel(src, index=False)
    res = run_scenario("D2", [src], tmp_path / "o.xlsx", as_of=AS_OF)
    d = _detail(res).set_index("客户号")
    # 起息日 + 存期(天): 2026-01-05 + 365 = 2027-01-05, 03-01 + 180 = 08-28, 06-10 + 90 = 09-08
    assert d.loc[["C1", "C2", "C3"], "到期日"].dt.strftime("%Y-%m-%d").tolist() == [
        "2027-01-05", "2026-08-28", "2026-09-08"]
    assert d.loc[["C1", "C2", "C3"], "金额(万元)"].tolist() == [10.0, 5.0, 2.0]
    assert any("没有「到期日」列" in n for n in res.report.sheets[-1].blocks[-1].lines), "说明 says so"


def test_missing_maturity_and_start_names_the_missing_column(tmp_path, capsys):
    src = tmp_path / "无到期日.csv"
    NO_MATURITY.drop(columns=["起存日期"]).to_csv(src, index=False)
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "缺少必填列: 到期日(maturity_date)" in err and "无到期日.csv" in err and "未找到表" not in err, err
    assert "起息日" in err  # says how it could be derived


# ------------------------------------------------------------------------------ 4. truthful 处理
def test_action_text_of_an_unusable_balance_says_the_row_is_not_counted(tmp_path):
    src = tmp_path / "td.csv"
    src.write_text("账号,客户号,机构号,到期日,余额\nA1,C1,001,2027-01-05,100\nA2,C1,001,2027-01-05,12%\n"
                   "A3,C1,001,2027-01-05,abc\nA4,C1,001,2027-01-05,\nA5,C1,001,2027-01-05,-5\n", encoding="utf-8")
    res = run_scenario("D2", [src], None, as_of=AS_OF)
    acts = {p.excel_row: (p.code, p.action) for p in res.problems.problems if p.table == "time_deposits"}
    assert acts == {3: ("NUM_INVALID", "该值置空; 该行不计入存款统计(笔数与金额)"),
                    4: ("NUM_INVALID", "该值置空; 该行不计入存款统计(笔数与金额)"),
                    5: ("REQUIRED_EMPTY", "该值为空; 该行不计入存款统计(笔数与金额)"),
                    6: ("NEG_BALANCE", "保留原值(含负号); 该行不计入存款统计(笔数与金额)")}
    assert _detail(res)["金额(万元)"].tolist() == [0.01]  # what the 处理 says: the four rows are not counted


# ------------------------------------------------------------------------------ 1. currency contradictions
def _ccy_csv(path, ccys, unit=""):
    rows = "".join(f"A{i},C{i},001,2027-01-05,{1000 * (i + 1)},{c}\n" for i, c in enumerate(ccys))
    path.write_text(f"账号,客户号,机构号,到期日,余额{unit},币种\n{rows}", encoding="utf-8")
    return path


@pytest.mark.parametrize("ccys", [["CNY", "人民币"], ["156", "RMB", "CNY"]])
def test_explicit_currency_contradicting_the_currency_column_is_an_error(tmp_path, capsys, ccys):
    src = _ccy_csv(tmp_path / "td.csv", ccys)
    out = tmp_path / "o.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--currency", "EUR", "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "一次运行只能有一种币种" in err and "EUR" in err and f"CNY: 表「定期存款明细」列「币种」(ccy) {len(ccys)} 行" in err
    assert "One currency per run" in err and not out.exists()


def test_currency_column_words_are_one_code_and_mixed_rows_still_run(tmp_path):
    src = _ccy_csv(tmp_path / "td.csv", ["EUR", "CNY", "人民币", "156", "eur"])
    res = run_scenario("D2", [src], None, currency="EUR", as_of=AS_OF)
    assert res.report.meta["currency"] == "EUR"
    assert sorted(_detail(res)["金额(千EUR)"]) == [1.0, 5.0]
    notes = [n for n in res.report.notes if "非 EUR 币种" in n]
    assert len(notes) == 1 and "CNY: 3 笔, 余额 9,000.00" in notes[0] and "人民币" not in notes[0], notes
    # without --currency: a column holding only EUR is the data's currency (no empty report labelled CNY)
    only = _ccy_csv(tmp_path / "eur.csv", ["EUR", "eur"])
    res = run_scenario("D2", [only], None, as_of=AS_OF)
    assert res.report.meta["currency"] == "EUR" and sorted(_detail(res)["金额(千EUR)"]) == [1.0, 2.0]
    # a 元 header with a currency column of USD only: nothing would be counted, so it is an error
    with pytest.raises(DataValidationError, match="USD"):
        run_scenario("D2", [_ccy_csv(tmp_path / "usd.csv", ["USD"], unit="(元)")], None, as_of=AS_OF)


# ------------------------------------------------------------------------------ 2 + 5. the 参数 file, both forms
def _about(path) -> dict:
    df = pd.read_excel(path, sheet_name="说明", header=None, engine="calamine")
    return {str(k): str(v) for k, v in zip(df[0], df[1]) if pd.notna(k) and pd.notna(v)}


def _cells(path, sheet) -> list[str]:
    df = pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine")
    return [str(v) for v in df.to_numpy(dtype=object).ravel() if pd.notna(v)]


def _param_file(path, rows):
    frame = pd.DataFrame(rows, columns=["参数", "取值"])
    frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_excel(path, sheet_name="参数", index=False)
    return path


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_param_file_takes_chinese_names_in_both_forms(tmp_path, ext):
    src = _ccy_csv(tmp_path / "td.csv", ["CNY"])
    pf = _param_file(tmp_path / f"p.{ext}", [("数据日期", "2026-10-31"), ("大额客户门槛", "1,000,000"),
                                             ("roll_rule", "提前"), ("脱敏", "否")])
    out = tmp_path / "o.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--params", str(pf)]) == 0
    about = _about(out)
    assert about["数据日期 as-of"] == "2026-10-31" and about["个人信息脱敏"] == "否"
    params = pd.read_excel(out, sheet_name="说明", header=None, engine="calamine").astype(str)
    row = params[params[0].eq("large_customer")].iloc[0].tolist()
    assert row[2] == "1,000,000", row
    assert params[params[0].eq("roll_rule")].iloc[0].tolist()[2].startswith("提前")


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_param_file_unknown_name_is_refused_naming_file_and_row(tmp_path, capsys, ext):
    src = _ccy_csv(tmp_path / "td.csv", ["CNY"])
    pf = _param_file(tmp_path / f"p.{ext}", [("数据日期", "2026-10-31"), ("提醒天数", "5")])
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--params", str(pf)]) == 2
    zh, en = capsys.readouterr().err.split("错误 error: ", 1)[1].split("\n", 1)
    assert f"参数文件 p.{ext}" in zh and "第 3 行" in zh and "未知参数「提醒天数」" in zh
    assert "提醒节点(reminder_days)" in zh  # valid names listed as 中文名(id)
    assert f"p.{ext}" in en and "row 3" in en and "Unknown parameter '提醒天数'" in en and "reminder_days" in en
    assert "未知参数" not in en and "可用参数" not in en


def test_unknown_parameter_error_has_an_english_half():
    from bankxl.errors import ParameterError
    from bankxl.scenario import get_scenario, make_params

    with pytest.raises(ParameterError) as e:
        make_params(get_scenario("D2").params, {"提醒天数": 5})
    assert e.value.message_zh.startswith("未知参数「提醒天数」") and "大额客户门槛(large_customer)" in e.value.message_zh
    assert e.value.message_en.startswith("Unknown parameter '提醒天数'") and "large_customer" in e.value.message_en
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in e.value.message_en.replace("提醒天数", ""))


def test_every_error_raised_on_purpose_has_an_english_part():
    """Scan every BankxlError / DataValidationError / ParameterError raised in bankxl: the English part (second
    argument) exists and is English (more Latin letters than Chinese characters in its literal text; Chinese
    names such as 数据日期 may appear in it); a single argument holds an English sentence too (two English
    words at least, as ``未知操作 unknown action: …``)."""
    import ast
    import re
    from pathlib import Path

    import bankxl

    errors = {"BankxlError", "DataValidationError", "ParameterError", "HolidayTableError"}
    bad = []
    for path in Path(bankxl.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in errors):
                continue
            en = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "message_en"), None)

            def text(n):
                return "".join(v.value for v in ast.walk(n) if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if en is not None:
                lit = text(en)
                dynamic = not isinstance(en, ast.Constant) and not lit.strip(" :.,")  # e.g. f"{where_en}: {e.message_en}"
            elif node.args:
                words = re.findall(r"[A-Za-z]{3,}", text(node.args[0]).replace("bankxl", ""))
                if len(words) < 2:
                    bad.append(f"{path.name}:{node.lineno} {text(node.args[0])[:60]!r}")
                continue
            else:
                continue  # a bare re-raise helper
            if dynamic:
                continue
            if len(re.findall(r"[A-Za-z]", lit)) <= len(re.findall(r"[\u4e00-\u9fff]", lit)):
                bad.append(f"{path.name}:{node.lineno} {lit[:60]!r}")
    assert not bad, bad


# ------------------------------------------------------------------------------ 6 + 7. the as-of date
def test_missing_as_of_suggests_no_fixed_date_but_names_the_latest_in_the_data(tmp_path, capsys):
    src = tmp_path / "td.csv"
    NO_MATURITY.to_csv(src, index=False)
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "--as-of YYYY-MM-DD" in err and "2026-11-30" not in err
    assert "2026-06-10" in err  # the latest 起息日 in the file, for orientation


@pytest.mark.parametrize("as_of,warned", [("2020-01-01", "早于"), ("2028-01-01", "晚于"), ("2026-11-30", None)])
def test_as_of_far_from_the_data_is_warned_not_refused(tmp_path, capsys, as_of, warned):
    src = tmp_path / "td.csv"
    NO_MATURITY.assign(起存日期=["2026-06-01", "2026-06-15", "2026-06-30"]).to_csv(src, index=False)
    out = tmp_path / "o.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--as-of", as_of]) == 0
    err = capsys.readouterr().err
    lines = [x for x in _cells(out, "说明") if x.startswith("数据日期 ") and ("早于" in x or "晚于" in x)]
    if warned is None:
        assert not lines and "警告 warning: 数据日期" not in err
    else:
        assert len(lines) == 1 and warned in lines[0] and "起息日" in lines[0], lines
        assert "2026-06-01" in lines[0] if warned == "早于" else "2026-06-30" in lines[0]
        assert "警告 warning: 数据日期" in err and warned in err


# ------------------------------------------------------------------------------ 8. --by outlet
def test_by_outlet_names_and_settings(tmp_path, capsys):
    orgs = ["..", "*", "未分配机构", None, "001"]
    src = tmp_path / "td.csv"
    pd.DataFrame({"账号": [f"A{i}" for i in range(5)], "客户号": [f"C{i}" for i in range(5)], "机构号": orgs,
                  "到期日": "2027-01-05", "余额(万元)": [1, 2, 3, 4, 5], "数据日期": "2026-11-30"}).to_csv(src, index=False)
    outdir = tmp_path / "out"
    assert main(["run", "D2", "-i", str(src), "-o", str(outdir), "--by", "outlet", "--no-mask",
                 "--as-of", "2026-11-29"]) == 0
    import hashlib

    def h(org):
        return hashlib.sha1(org.encode("utf-8")).hexdigest()[:8]
    names = sorted(p.name for p in outdir.iterdir())
    assert names == sorted([f"存款到期视图_机构_{h('..')}.xlsx", f"存款到期视图_机构_{h('*')}.xlsx",
                            "存款到期视图_未分配机构.xlsx", "存款到期视图_(未分配机构).xlsx", "存款到期视图_001.xlsx"])
    for name, acct in [(f"存款到期视图_机构_{h('..')}.xlsx", "A0"), (f"存款到期视图_机构_{h('*')}.xlsx", "A1"),
                       ("存款到期视图_未分配机构.xlsx", "A2"), ("存款到期视图_(未分配机构).xlsx", "A3")]:
        detail = pd.read_excel(outdir / name, sheet_name="到期明细", engine="calamine", header=1)
        assert detail["账号"].tolist() == [acct], name  # --no-mask reached every file: 账号 unmasked
        text = "\n".join(_cells(outdir / name, "说明"))
        assert "数据日期按指定值 2026-11-29" in text and "已换算为 元(×10000)" in text  # as-of and unit notes
        assert _about(outdir / name)["个人信息脱敏"] == "否"
    assert "机构号「..」" in "\n".join(_cells(outdir / f"存款到期视图_机构_{h('..')}.xlsx", "说明"))  # names the original


# ------------------------------------------------------------------------------ 9. strict mode masks 原值
@pytest.mark.parametrize("no_mask", [False, True])
def test_strict_mode_message_masks_personal_values(tmp_path, capsys, no_mask):
    bad_id = "110101199003071234"  # check digit wrong (…0307123X would be right? any wrong one will do)
    from bankxl.idcard import normalize_with_reason

    assert normalize_with_reason(pd.Series([bad_id], dtype=object))[1][0] == "ID_CHECKSUM"
    src = tmp_path / "td.csv"
    src.write_text(f"账号,客户号,机构号,到期日,余额,证件号码\nA1,C1,001,2027-01-05,100,{bad_id}\n", encoding="utf-8")
    args = ["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--strict", "--as-of", AS_OF]
    assert main(args + (["--no-mask"] if no_mask else [])) == 2
    err = capsys.readouterr().err
    assert "严格模式" in err and "ID_CHECKSUM" in err
    assert (bad_id in err) == no_mask, err
    if not no_mask:
        assert "1234" in err  # the masked form keeps the ends, so the row can still be checked


@pytest.mark.parametrize("name,value,ok", [("脱敏", "maybe", False), ("脱敏", "0", True), ("脱敏", "是", True),
                                           ("账号脱敏", "2", False), ("金额单位", "千元", False),
                                           ("金额单位", "元", True)])
def test_general_settings_refuse_unknown_words(tmp_path, capsys, name, value, ok):
    """A 通用 row with a value that is neither 是/否 (or 元/万元) was silently taken as a default (脱敏=maybe kept
    masking on, 金额单位=千元 became 万元); now it stops naming the row, before any data is read."""
    src = _ccy_csv(tmp_path / "td.csv", ["CNY"])
    pf = _param_file(tmp_path / "p.csv", [("数据日期", "2026-10-31"), (name, value)])
    rc = main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--params", str(pf)])
    err = capsys.readouterr().err
    assert rc == (0 if ok else 2), err
    if not ok:
        assert f"「{name}」" in err and value in err and "第 3 行" in err


def test_identical_csv_copies_are_one_table_with_a_note(tmp_path):
    """Two byte-identical CSVs matched by their headers were 'several sources fit' while two identical
    workbooks named as the table were read once: the same rule for both (one table, said in 说明)."""
    from bankxl.io import read_tables

    a = _ccy_csv(tmp_path / "a.csv", ["CNY"])
    b = tmp_path / "b.csv"
    b.write_bytes(a.read_bytes())
    t = read_tables([a, b], ["time_deposits"])["time_deposits"]
    assert t.n_rows == 1 and any("内容相同" in n and "b.csv" in n for n in t.unit_notes), t.unit_notes


def test_fuzz_log_summary_survives_next_line_characters(tmp_path):
    """A logged input holding \\x85 (NEL) broke `make fuzz`'s summary: str.splitlines() split the JSON record."""
    import json

    from fuzz_util import summarize

    log = tmp_path / "f.jsonl"
    rec = {"code": "D2", "by_outlet": False, "fmt": "csv", "rc": 2, "mutations": ["a\x85b"], "error": "x\u2028y"}
    log.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    text = summarize(str(log))
    assert "1 个输入" in text and "a\x85b" in text


@pytest.mark.parametrize("offset", [0, 2])
def test_param_file_formula_value_is_refused_naming_the_row(tmp_path, capsys, offset):
    """A 取值 cell holding a never-calculated formula (openpyxl/pandas write no cached result) was read as 0, so
    `=1e308*10` silently became large_customer = 0 and every customer counted as 大额. Now the run stops
    naming the row (also when the table starts in column C). Calculated formulas (the maturity template's
    参数 sheet) are still read as the result the user sees (test_templates_maturity)."""
    import openpyxl

    src = _ccy_csv(tmp_path / "td.csv", ["CNY"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "参数"
    rows = [["场景", "参数", "名称", "取值"], ["D2", "as_of", "数据日期", "2026-10-31"],
            ["D2", "large_customer", "大额客户门槛", "=1e308*10"], ["通用", "脱敏", "", "是"]]
    for r in rows:
        ws.append([None] * offset + r)
    ws["A1"] = "=1+1" if offset else ws["A1"].value  # a formula outside 取值 (a note, a helper) is fine
    pf = tmp_path / "p.xlsx"
    wb.save(pf)
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--params", str(pf)]) == 2
    err = capsys.readouterr().err
    assert "第 3 行" in err and "=1e308*10" in err and "公式" in err and "row 3" in err
    assert not (tmp_path / "o.xlsx").exists()


def test_csv_record_longer_than_its_header_is_a_listed_problem(tmp_path):
    """A CSV row with one field more than the header was read silently with its fields shifted (a stray 50 became
    数据日期 1900-02-19); now the row is a FIELD_COUNT problem naming its line and the extra values."""
    from bankxl.errors import ProblemLog
    from bankxl.io import read_tables

    f = tmp_path / "td.csv"
    f.write_text("账号,客户号,户名,机构号,到期日,余额,数据日期\n"
                 "1,0001,张三,010001,2027-01-05,1000,2026-11-30\n"
                 "2,0002,李四,010001,2027-01-06,1000,50,2026-11-30\n", encoding="utf-8")
    log = ProblemLog()
    t = read_tables([f], ["time_deposits"], problems=log)["time_deposits"]
    got = [(p.code, p.excel_row, p.value) for p in log.problems if p.code == "FIELD_COUNT"]
    assert got == [("FIELD_COUNT", 3, "2026-11-30")] and t.n_rows == 2
