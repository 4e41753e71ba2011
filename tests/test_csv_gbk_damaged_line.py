"""A GB18030/GBK CSV with one byte GB18030 cannot decode (breaker S2: 0xFF on line 20,001 of a GBK export) is an
encoding error naming the line, not a guessed encoding: before, charset-normalizer chose another encoding (cp1251)
for the whole file and the error was 「找不到表头」 with the header garbled ('їН»§єЕ' for 客户号)."""
from __future__ import annotations

import pytest

from bankxl import io as bio
from bankxl.errors import DataValidationError, ProblemLog


def _gbk_export(path, bad_line: int | None):
    """客户月度存款 as a GBK CSV: header + 20,004 rows (客户号 C00001…, 月份, 存款月日均, 机构 «城东支行»); with
    ``bad_line`` (a file line, 1 = the header) a 0xFF byte put after that line's first 3 bytes."""
    lines = ["客户号,月份,存款月日均,机构名称".encode("gbk")]
    lines += [f"C{i:05d},2026-11-01,{1000 + i}.50,城东支行".encode("gbk") for i in range(1, 20005)]
    if bad_line is not None:
        ln = lines[bad_line - 1]
        lines[bad_line - 1] = ln[:3] + b"\xff" + ln[3:]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return path


def test_damaged_byte_in_a_gbk_csv_names_the_line(tmp_path):
    p = _gbk_export(tmp_path / "客户月度存款.csv", 20001)
    with pytest.raises(DataValidationError) as ei:
        bio.read_tables([p], wanted=["customer_monthly"], problems=ProblemLog())
    e = ei.value
    assert e.file == "客户月度存款.csv"
    assert e.message_zh == ("文件编码为 GB18030/GBK, 但第 20001 行含无法按 GB18030/GBK 解码的字节(0xFF), 文件可能已损坏或"
                            "混入了其他编码的内容。请在原系统重新导出, 或修正该行后另存为 UTF-8 CSV。")
    assert e.message_en == ("The file is encoded in GB18030/GBK, but line 20001 holds bytes GB18030/GBK cannot decode "
                            "(0xFF); the file may be damaged or hold text of another encoding. Export it again, or fix "
                            "the line and save the file as UTF-8 CSV.")


def test_the_same_file_without_the_byte_reads(tmp_path):
    """Control: the undamaged export reads as GB18030 (all 20,004 rows; 客户号 and the 20,001st line's values)."""
    p = _gbk_export(tmp_path / "客户月度存款.csv", None)
    t = bio.read_tables([p], wanted=["customer_monthly"], problems=ProblemLog())["customer_monthly"]
    assert t.n_rows == 20004
    assert (t.df["cust_id"].iloc[20000 - 1], t.df["dep_avg"].iloc[20000 - 1]) == ("C20000", 21000.5)


def test_latin1_text_is_not_taken_for_damaged_gbk():
    """A cp1252 CSV (é before a comma: not GB18030) still goes to charset-normalizer, no GBK error: its decoded
    'CJK' characters are GBK's rare ones, not GB2312's."""
    data = "nom,ville\nSociété,Montréal\nCafé,Québec\nthé,Orléans\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb18030")
    enc, _text, _note = bio._decode_detected(data)
    assert data.decode(enc) == data.decode("cp1252")
