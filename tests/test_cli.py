"""The `bankxl` command as a user runs it: list, run on a GBK CSV export with a title row and a 合计 row,
clear errors with exit code 2, --strict, --param, --by outlet, and input files left untouched."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from conftest import export_frame

from bankxl.cli import main
from bankxl.masking import mask_account
from bankxl.scenario import registry

AS_OF = "2026-11-30"


def _export_csv(td: pd.DataFrame, path, *, drop=None, encoding="gbk", extra_rows=()):
    """Write time deposits as a bank export: a title line, Chinese headers, a 合计 line."""
    out = export_frame(td, drop)
    lines = ["定期存款明细导出 (数据日期 2026-11-30)"] + [",".join(out.columns)]
    for _, r in out.iterrows():
        lines.append(",".join("" if pd.isna(v) else str(v) for v in r))
    lines.extend(extra_rows)
    lines.append("合计," + "," * (len(out.columns) - 1))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def td(sample_bank):
    return sample_bank["time_deposits"].head(120).copy()


def test_list_shows_every_scenario(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for sid in registry():
        assert sid in out


def test_list_names_input_tables_in_chinese_with_their_id(capsys):
    """A user knows his export as 定期存款明细, not time_deposits: every input (and optional input) of every
    scenario is shown as 中文名 + id."""
    from bankxl.tables import get_table

    assert main(["list"]) == 0
    lines = {ln.split()[0]: ln for ln in capsys.readouterr().out.splitlines() if ln and not ln.startswith(" ")}
    assert "输入: 定期存款明细 time_deposits [可选: " in lines["deposit.maturity"]
    for sid, s in registry().items():
        for t in (*s.inputs, *s.optional_inputs):
            assert f"{get_table(t).zh} {t}" in lines[sid], (sid, t)


def test_run_on_gbk_csv_export(td, tmp_path, capsys):
    src = _export_csv(td, tmp_path / "定期存款导出.csv")
    before = src.read_bytes()
    out = tmp_path / "到期视图.xlsx"
    assert main(["run", "deposit.maturity", "--input", str(src), "--out", str(out)]) == 0
    assert src.read_bytes() == before                      # the user's file is never modified
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["概览", "到期结构"] and wb.sheetnames[-2:] == ["数据问题", "说明"]  # headline first
    err = capsys.readouterr().err
    assert "time_deposits ← 文件 定期存款导出.csv (120 行)" in err and "2026-11-30" in err
    # the 合计 line is skipped and reported with its file line number (title 1, header 2, data 3..122)
    probs = pd.read_excel(out, sheet_name="数据问题", header=None, engine="calamine")
    assert (probs == "SUMMARY_ROW").any().any()
    assert (probs == 123).any().any()


def test_missing_required_column_is_one_clear_paragraph(td, tmp_path, capsys):
    src = _export_csv(td, tmp_path / "x.csv", drop="balance")
    code = main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "余额" in err and "balance" in err and "Traceback" not in err
    assert not (tmp_path / "o.xlsx").exists()


def test_strict_makes_row_problems_fatal(td, tmp_path, capsys):
    src = _export_csv(td, tmp_path / "x.csv")
    text = src.read_bytes().decode("gbk").splitlines()
    header = text[1].split(",")
    row = {h: "" for h in header}
    row.update({"账号": "X1", "客户号": "C1", "机构号": str(td["org_id"].iloc[0]), "到期日": "2027/02/30",
                "余额(元)": "1000"})
    text.insert(3, ",".join(row[h] for h in header))
    src.write_bytes(("\r\n".join(text) + "\r\n").encode("gbk"))
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "ok.xlsx")]) == 0
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "strict.xlsx"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "DATE_INVALID" in err or "日期" in err
    assert not (tmp_path / "strict.xlsx").exists()


def test_strict_error_leads_with_file_column_and_row_of_the_first_problem(tmp_path, capsys):
    """Part D item 4: a --strict failure on a CLI run leads with where the FIRST problem of the file is — 文件, 列,
    第 N 行 in the Chinese line, the same place in the English line — and lists the examples in row order. Before:
    '第 4 行：文件 定期存款明细.csv: 严格模式 …' — the row before the file, no column, and the row of the first
    column in table order (到期日, row 4) though 余额 of row 3 comes first; the English line had no row.
    Second case, the runner's final check (a problem found after loading: 客户号 2 is not in 客户, 0000002 is):
    before it said only '严格模式: 发现 1 个数据问题: …', naming no file, column or row."""
    td = tmp_path / "定期存款明细.csv"
    td.write_text("账号,客户号,机构号,到期日,余额\n0001,0000001,010001,2027-01-05,1000\n"
                  "0002,0000002,010001,2027-01-06,abc\n0003,0000001,010001,2027-13-45,3000\n", encoding="utf-8")
    out = tmp_path / "o.xlsx"
    assert main(["run", "D2", "-i", str(td), "-o", str(out), "--as-of", "2026-11-30", "--strict"]) == 2
    err = capsys.readouterr().err.split("错误 error: ", 1)[1]
    assert err == (
        "文件「定期存款明细.csv」，列「余额(balance)」，第 3 行：严格模式: 表「定期存款明细」(time_deposits) 有 2 个数据问题, "
        "例如: 第 3 行 余额(balance) NUM_INVALID 原值「abc」数值无法识别; 第 4 行 到期日(maturity_date) DATE_INVALID "
        "原值「2027-13-45」日期不存在(2027-13-45)\n"
        "File 定期存款明细.csv, column balance, row 3: Strict mode: table time_deposits has 2 row problem(s), e.g. "
        "row 3 余额(balance) NUM_INVALID 'abc'; row 4 到期日(maturity_date) DATE_INVALID '2027-13-45'\n")
    assert not out.exists()
    td.write_text("账号,客户号,机构号,到期日,余额\n0001,0000001,010001,2027-01-05,1000\n0002,2,010001,2027-01-06,2000\n",
                  encoding="utf-8")
    cust = tmp_path / "客户.csv"
    cust.write_text("客户号,客户名称\n0000001,张三\n0000002,李四\n", encoding="utf-8")
    assert main(["run", "D2", "-i", str(td), "-i", str(cust), "-o", str(out), "--as-of", "2026-11-30",
                 "--strict"]) == 2
    err = capsys.readouterr().err.split("错误 error: ", 1)[1]
    assert err == (
        "文件「定期存款明细.csv」，列「客户号(cust_id)」，第 3 行：严格模式: 发现 1 个数据问题: time_deposits/CUST_NOT_FOUND "
        "客户号不在客户表中(该行保留, 按客户关联的客户名称、证件号等为空): 1 行。第一个: 定期存款明细(time_deposits) CUST_NOT_FOUND "
        "原值「2」客户号不在客户(customers)(文件「客户.csv」)中: 名单、标签中该客户没有客户名称、证件号、机构等信息; 补齐或去掉前导 0 "
        "后与客户表的客户号「0000002」一致: 前导 0 可能已丢失(如 Excel 把客户号列转成了数字), 请把客户号列作为文本重新导出。\n"
        "File 定期存款明细.csv, column cust_id, row 3: Strict mode: 1 data problem(s); the first: time_deposits "
        "CUST_NOT_FOUND '2'. The report was not written.\n")
    assert not out.exists()


def test_bad_param_and_missing_file(td, tmp_path, capsys):
    src = _export_csv(td, tmp_path / "x.csv")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--param", "months_ahead=abc"]) == 2
    assert "months_ahead" in capsys.readouterr().err
    assert main(["run", "D2", "-i", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "o.xlsx")]) == 2
    assert "找不到" in capsys.readouterr().err


def test_by_outlet_writes_one_file_per_outlet_with_only_its_customers(td, tmp_path):
    src = _export_csv(td, tmp_path / "x.csv")
    outdir = tmp_path / "按网点"
    assert main(["run", "D2", "-i", str(src), "-o", str(outdir), "--by", "outlet"]) == 0
    files = sorted(outdir.glob("*.xlsx"))
    outlets = sorted(td["org_id"].unique())
    assert len(files) == len(outlets)
    for f, org in zip(files, outlets):
        assert f.name.endswith(f"_{org}.xlsx")
        detail = pd.read_excel(f, sheet_name="到期明细", engine="calamine", dtype=str, header=1)  # title row
        own = set(mask_account(td.loc[td["org_id"] == org, "acct_no"]))  # 账号脱敏 是 by default
        shown = set(detail["账号"].dropna())
        assert shown and shown <= own


def test_never_overwrites_an_input_and_checks_output_names(td, tmp_path, capsys):
    src = _export_csv(td, tmp_path / "x.csv")
    wb = tmp_path / "w.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(wb)]) == 0
    before = wb.read_bytes()
    assert main(["run", "D2", "-i", str(wb), "-o", str(wb)]) == 2          # --out is the input
    assert wb.read_bytes() == before
    assert "从不覆盖" in capsys.readouterr().err
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "r.csv")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "bo.xlsx"), "--by", "outlet"]) == 2
    assert "文件夹" in capsys.readouterr().err and not (tmp_path / "bo.xlsx").exists()


def test_as_of_override_is_noted_in_the_report(td, tmp_path):
    src = _export_csv(td, tmp_path / "x.csv")
    out = tmp_path / "o.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--as-of", "2026-12-15"]) == 0
    about = pd.read_excel(out, sheet_name="说明", header=None, engine="calamine").astype(str)
    assert about.apply(lambda c: c.str.contains("2026-12-15 计算, 与数据中的「数据日期」(2026-11-30)不同", regex=False)).any().any()


def _about(out) -> dict:
    """The 说明 sheet's key/value pairs (first two columns)."""
    df = pd.read_excel(out, sheet_name="说明", header=None, engine="calamine")
    return {str(k): str(v) for k, v in zip(df[0], df[1]) if pd.notna(k) and pd.notna(v)}


def test_params_file_settings_and_explicit_options_win(td, tmp_path):
    """--params 通用 rows set 数据日期 / 金额单位 / 脱敏; --as-of and --scale beat them (explicit > 参数 > data),
    including an explicit --scale 10000 (the default unit) over 金额单位 = 元."""
    src = _export_csv(td, tmp_path / "x.csv")
    prm = tmp_path / "p.csv"
    prm.write_text("场景,参数,名称,取值\n通用,as_of,数据日期,2026-12-15\n通用,scale,金额单位,元\n通用,mask,脱敏,否\n",
                   encoding="utf-8-sig")
    out = tmp_path / "a.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--params", str(prm)]) == 0
    about = _about(out)
    assert about["数据日期 as-of"] == "2026-12-15"
    assert about["金额单位"].startswith("元(") and about["个人信息脱敏"] == "否"
    out2 = tmp_path / "b.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out2), "--params", str(prm), "--as-of", "2026-11-30",
                 "--scale", "10000"]) == 0
    about = _about(out2)
    assert about["数据日期 as-of"] == "2026-11-30"
    assert about["金额单位"].startswith("万元(") and about["个人信息脱敏"] == "否"
    # no --params and no options: the data's 数据日期, 万元, masked
    out3 = tmp_path / "c.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out3)]) == 0
    about = _about(out3)
    assert (about["数据日期 as-of"], about["金额单位"][:3], about["个人信息脱敏"]) == ("2026-11-30", "万元(", "是")


def test_errors_print_as_sentences_not_tuples(td, tmp_path, capsys):
    src = _export_csv(td, tmp_path / "x.csv")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "('" not in err and "\nThe report file name must end in .xlsx" in err


def test_bad_param_and_impossible_as_of_fail_before_loading(tmp_path, capsys, monkeypatch):
    from bankxl import io as bio

    def no_load(*a, **k):
        raise AssertionError("inputs must not be read before parameters are checked")

    monkeypatch.setattr(bio, "read_tables", no_load)
    src = tmp_path / "x.csv"
    src.write_text("账号\n1\n", encoding="utf-8")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--param", "months_ahead=abc"]) == 2
    assert "months_ahead" in capsys.readouterr().err
    monkeypatch.undo()
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--as-of", "2026-02-30"]) == 2
    assert "不是有效日期" in capsys.readouterr().err


def test_run_takes_a_folder_as_its_data_files(td, tmp_path, capsys):
    """`bankxl run D2 -i 文件夹` reads the folder's data files as `run all` does (it said 不支持的文件类型); the --out
    file is never read as an input, and a missing path is one clear error."""
    folder = tmp_path / "导出"
    folder.mkdir()
    src = _export_csv(td, folder / "定期存款导出.csv")
    (folder / "说明.docx").write_bytes(b"not data")  # not a data file: left out
    out = folder / "到期视图.xlsx"
    assert main(["run", "D2", "-i", str(folder), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 个输入文件" in err and "定期存款导出.csv" in err
    assert openpyxl.load_workbook(out).sheetnames[0] == "概览"
    assert main(["run", "D2", "-i", str(folder), "-o", str(out)]) == 0  # a rerun: the old report is not an input
    assert "1 个输入文件" in capsys.readouterr().err
    # the report now in the folder is a data file too: its 到期明细 matches 定期存款明细 as well — refused, never guessed
    before = src.read_bytes()
    assert main(["run", "D2", "-i", str(folder), "-o", str(tmp_path / "b.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "同时匹配多个工作表/文件" in err and "到期视图.xlsx" in err and "定期存款导出.csv" in err
    assert src.read_bytes() == before and not (tmp_path / "b.xlsx").exists()
    assert main(["run", "D2", "-i", str(tmp_path / "没有"), "-o", str(tmp_path / "c.xlsx")]) == 2
    assert "找不到输入文件或文件夹" in capsys.readouterr().err



def _said(err: str) -> list[str]:
    """The console's lines about input files not used or tables not read."""
    return [ln for ln in err.splitlines() if ln.startswith(("  未使用", "  未能读取"))]


def test_run_over_a_folder_reads_past_files_it_does_not_need(td, tmp_path, capsys):
    """Part D2 item 1: `bankxl run D2 -i 文件夹` stopped (exit 2) on ANY file of the folder that cannot be opened —
    a 0-byte 空.csv, a 0-byte 贷款.csv (a table D2 does not read), a damaged 损坏.xlsx, a damaged 坏.parquet. Now each
    is one line '未使用 not used: <file>: <why>' and the report is written (a prose README.txt gets its line too,
    item 2). A file that cannot be opened and names an OPTIONAL table of D2 (0-byte 客户.csv) leaves that table out:
    one '未能读取 failed customers' line, a 说明 line, exit 0. One that names its REQUIRED table (0-byte
    定期存款明细.parquet) stops the run with the error naming the file, as before."""
    folder = tmp_path / "导出"
    folder.mkdir()
    _export_csv(td, folder / "定期存款导出.csv")
    (folder / "空.csv").write_bytes(b"")
    (folder / "贷款.csv").write_bytes(b"")
    (folder / "损坏.xlsx").write_bytes(b"not a workbook at all")
    (folder / "坏.parquet").write_bytes(b"PAR1" + bytes(16) + b"PAR1")  # footer length 0: no metadata
    (folder / "README.txt").write_text("这是说明文件\n本文件夹是十一月的导出数据, 请勿修改。\n", encoding="utf-8")
    empty = "为空(没有表头也没有数据)。请检查导出是否成功。"
    empty_en = "is empty (no header, no data); check the export."
    not_book = ("不是有效的 Excel 工作簿(可能是网页/HTML 导出或文件已损坏), 请在 Excel 中另存为 .xlsx 后再试。 File 损坏.xlsx is not a "
                "valid Excel workbook (perhaps a web-page/HTML export or a damaged file); open it in Excel, save it as "
                ".xlsx and try again.")
    out = tmp_path / "a.xlsx"
    assert main(["run", "D2", "-i", str(folder), "-o", str(out)]) == 0
    assert _said(capsys.readouterr().err) == [
        "  未使用 not used: README.txt: 名称不是标准表名(如 定期存款明细、客户), 表头也不符合本次读取的表, 未读取其中数据。 its name "
        "is no table name and its header fits none of the tables read; nothing was read from it.",
        "  未使用 not used: 坏.parquet: 文件 坏.parquet 不是有效的 Parquet 文件(或已损坏), 无法读取(DuckDB: Footer length error "
        "in file '坏.parquet')。 File 坏.parquet is not a valid Parquet file (or is damaged); cannot read it (DuckDB: "
        "Footer length error in file '坏.parquet').",
        f"  未使用 not used: 损坏.xlsx: 文件 损坏.xlsx {not_book}",
        f"  未使用 not used: 空.csv: 文件 空.csv {empty} File 空.csv {empty_en}",
        f"  未使用 not used: 贷款.csv: 文件 贷款.csv {empty} File 贷款.csv {empty_en}"]
    assert openpyxl.load_workbook(out).sheetnames[0] == "概览"

    (folder / "客户.csv").write_bytes(b"")  # D2's optional 客户 table
    assert main(["run", "D2", "-i", str(folder), "-o", str(tmp_path / "b.xlsx")]) == 0
    said = _said(capsys.readouterr().err)
    assert f"  未能读取 failed customers: 文件 客户.csv {empty} File 客户.csv {empty_en} (可选输入表, 本报告未使用它 optional " \
           "input, left out)" in said and len(said) == 6
    cells = [str(v) for row in openpyxl.load_workbook(tmp_path / "b.xlsx")["说明"].iter_rows(values_only=True)
             for v in row if v is not None]
    assert f"可选输入表「客户」(customers) 未能读取, 本报告未使用它: 文件 客户.csv {empty}" in cells

    (folder / "定期存款明细.parquet").write_bytes(b"")  # D2's required table by its name
    assert main(["run", "D2", "-i", str(folder), "-o", str(tmp_path / "c.xlsx")]) == 2
    err = capsys.readouterr().err
    assert f"错误 error: 文件 定期存款明细.parquet {empty}\nFile 定期存款明细.parquet {empty_en}" in err
    assert not (tmp_path / "c.xlsx").exists()


def test_by_outlet_skips_an_outlet_without_usable_rows_and_writes_the_others(td, tmp_path, capsys):
    # outlet X's deposits all have a blank 余额: its own report would show an unknown amount as 0, so that one
    # file is skipped with the reason (exit 1, as run all) and every other outlet's file is still written
    td = td.copy()
    bad = td["org_id"] == sorted(td["org_id"].unique())[0]
    td["balance"] = td["balance"].astype("float64").where(~bad)
    src = _export_csv(td, tmp_path / "x.csv")
    outdir = tmp_path / "按网点"
    assert main(["run", "D2", "-i", str(src), "-o", str(outdir), "--by", "outlet"]) == 1
    err = capsys.readouterr().err
    skipped_org = sorted(td["org_id"].unique())[0]
    assert "跳过 skipped" in err and f"_{skipped_org}.xlsx" in err and "未写 1 个网点文件" in err, err
    written = {f.name.rsplit("_", 1)[1].removesuffix(".xlsx") for f in outdir.glob("*.xlsx")}
    assert written == set(td["org_id"].unique()) - {skipped_org}
    # every outlet skipped: the run stops with that error (exit 2), nothing written
    td["balance"] = float("nan")
    src = _export_csv(td, tmp_path / "y.csv")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "全坏"), "--by", "outlet"]) == 2
    assert not list((tmp_path / "全坏").glob("*.xlsx"))
