"""Read canonical tables from a bank's exports: .xlsx/.xlsm/.xls (python-calamine), .csv (typed at parse time by
pandas' C parser, :func:`_load_csv_typed`), .parquet (DuckDB, :func:`_load_parquet`), DataFrames.

Pipeline (DESIGN.md "Canonical tables"): read cells as they are -> find the header row -> normalise headers
(trim, NFKC full-width -> half-width, U+3000/NBSP/BOM/line breaks removed, case-insensitive English id,
aliases) -> read units off the header (``余额(万元)`` -> x10,000 into 元; ``(分)`` -> /100; a rate header with
``%`` -> percent points) -> coerce each column to its kind (:mod:`bankxl.coerce`; a money cell of 100 万亿元 or
more in 元 is blanked as VALUE_INVALID 「金额超出合理范围」, a ``%`` value outside rate columns is NUM_INVALID)
-> drop blank rows, 合计/小计 rows (SUMMARY_ROW) and export footer lines at the bottom (FOOTER_ROW:
``制表人: 张三``, ``打印日期: …``, ``单位: 元`` — see :func:`_footer_rows`) -> validate (ID numbers via
:mod:`bankxl.idcard`, negative balances, required values, duplicate keys) -> a typed DataFrame plus row
problems in a :class:`~bankxl.errors.ProblemLog`.

Structural problems raise one :class:`~bankxl.errors.DataValidationError` (Chinese + English): file
unreadable (one sentence for a file that is not a workbook — HTML export, empty or damaged — and 「文件为空」
for an empty CSV), table not found, several sheets fitting one table by header, header not found, required
column missing (names the file — its own name, without the folder —, sheet and column 中文 + id and lists
the headers found). Row problems are logged with the Excel row the user sees (title rows and
leading blank rows counted; for a CSV the record number = the row Excel shows), the column as ``中文(id)``,
the problem code, the original value, the reason and the handling. ``strict=True`` raises after the table is
loaded if it had any row problem other than the informational :data:`bankxl.errors.INFO_CODES` (SUMMARY_ROW,
FOOTER_ROW, ID_AS_NUMBER: dropping a 合计 row is expected, not an error; the runner's final strict check uses
the same set through :meth:`~bankxl.errors.ProblemLog.real_count`).

Loaded frame: one column per spec column in spec order (optional absent columns added all-missing), dtypes as
:meth:`bankxl.tables.TableSpec.empty` (string / datetime64[ns] / float64 / Int64 / boolean), plus ``_row``
(Int64 Excel row). Headers that are not spec columns are dropped. ``df.attrs``: table, sheet, source,
columns_found (spec column ids present in the file's header, so "no 数据日期 column" can be told from "no rows").

Excel tables (ListObjects) only locate the sheet, header row and columns (:meth:`_Book.table`): the header
is what the cells say and the data runs down to the sheet's last used row, so rows pasted under a table
that was not extended are read too; both cases add a notice to ``unit_notes`` (说明 lines, not row problems).
"""
from __future__ import annotations

import contextlib
import csv
import difflib
import filecmp
import io as _io
import logging
import itertools
import operator
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import coerce as C
from .errors import BLANKED_CODES, INFO_CODES, DataValidationError, ProblemLog, RowProblem
from .filesniff import check_extent, check_package, html_charset, html_tables, sheets_with_tables, sniff
from .tables import ALIAS_DOC, TABLES, Column, TableSpec, get_table

log = logging.getLogger(__name__)

__all__ = ["HEADER_SCAN_ROWS", "LoadedTable", "TableMatch", "detect_delimiter", "detect_encoding",
           "identify_table", "load_frame", "read_raw_csv", "read_raw_sheet", "read_tables"]

#: how many rows from the top are searched for the header row
HEADER_SCAN_ROWS = 50
#: sheets bankxl itself adds to a workbook; never taken as data
OWN_SHEETS = frozenset({"参数", "说明", "数据问题", "节假日"})
EXCEL_EXT = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
CSV_EXT = {".csv", ".txt", ".tsv", ".tab"}

ACTIONS = {
    "DATE_INVALID": "该值置空, 行保留",
    "NUM_INVALID": "该值置空, 行保留",
    "VALUE_INVALID": "该值置空, 行保留",
    "NEG_BALANCE": "保留原值(含负号), 行保留",
    "ID_CORRUPT": "该值置空, 行保留; 请改用客户号匹配",
    "ID_AS_NUMBER": "已无损转回文本, 行保留",
    "ID_FORMAT": "保留原值, 行保留; 该证件号不能用于按证件号匹配",
    "ID_DATE": "保留原值, 行保留; 该证件号不能用于按证件号匹配",
    "ID_CHECKSUM": "保留原值, 行保留; 该证件号不能用于按证件号匹配",
    "REQUIRED_EMPTY": "行保留, 该值为空",
    "SUMMARY_ROW": "剔除该行(合计/小计行不是明细)",
    "FOOTER_ROW": "剔除该行(表尾说明, 不是明细)",
    "DUP_KEY": "剔除该行, 保留同一主键的最后一条",
    "TEXT_CONTROL": "已删除控制字符, 其余文字保留, 行保留",
}
#: codes whose value is blanked (or was blank): their 处理 depends on the column's role (:func:`_action`)
BLANKED = BLANKED_CODES


def _action(col: Column, code: str) -> str | None:
    """处理 of a problem ``code`` in ``col`` when the column's role makes :data:`ACTIONS`' text untrue: what the
    table spec says the scenarios do (:attr:`~bankxl.tables.Column.if_missing` / ``if_negative``), else for a
    required money column 「不计入合计」; None = the :data:`ACTIONS` text."""
    blanked = "该值为空" if code == "REQUIRED_EMPTY" else "该值置空"
    if code in BLANKED and col.if_missing:
        return f"{blanked}; {col.if_missing}"
    if code == "NEG_BALANCE" and col.if_negative:
        return col.if_negative
    if code in BLANKED and col.required and col.kind == "money":
        return f"{blanked}(未知, 不按 0 计); 行保留, 但该金额不计入合计"
    return None


#: codes that do not make strict mode fail (one definition: :data:`bankxl.errors.INFO_CODES`)
NOT_FATAL = INFO_CODES


@dataclass
class LoadedTable:
    """One canonical table as loaded.

    ``df``: typed frame (see module docstring); ``sheet``: sheet name (None for CSV/DataFrame);
    ``source``: file path or ``<DataFrame>``; ``header_row``: Excel row of the header (1-based);
    ``n_rows``: data rows kept; ``unit_notes``: what was read off headers (e.g. 万元 scaling, unused or
    competing header columns, time zones converted), in Chinese — the runner copies them to 说明;
    ``currencies_seen``: {column id: currency signs written in its cells} (keys of
    :data:`bankxl.coerce.CURRENCY_SIGNS`, e.g. ``{'balance': {'€'}}``; columns without signs absent);
    ``as_numbers``: the code / ID columns (ids, e.g. ``{'cust_id'}``) whose cells were numbers — Excel number
    cells, a Parquet integer or float column — so their leading zeros are lost (set where the loader finds them,
    beside their 说明 line :func:`_codes_as_numbers_note`; empty for a DataFrame source).
    """

    table: str
    df: pd.DataFrame
    sheet: str | None
    source: str
    header_row: int
    n_rows: int
    unit_notes: list[str] = field(default_factory=list)
    currencies_seen: dict[str, set[str]] = field(default_factory=dict)
    as_numbers: frozenset[str] = frozenset()


def _label(col: Column) -> str:
    return f"{col.zh}({col.id})"


# ============================================================================================ CSV
def detect_encoding(data: bytes) -> str:
    """Encoding of CSV bytes, deterministic: BOMs first (UTF-8-sig, UTF-32, UTF-16), BOM-less UTF-16 by
    its NUL bytes, then strict UTF-8, then GB18030 (a superset of GBK/GB2312 that also decodes 䶮 and other
    characters GBK lacks), then charset-normalizer. Raises DataValidationError when nothing decodes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:8192]
    if sample and sample.count(0) > len(sample) // 4:
        return "utf-16-le" if sample[1::2].count(0) >= sample[0::2].count(0) else "utf-16-be"
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            pass
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(data).best()
        if best is not None and best.encoding:
            return best.encoding
    except Exception:  # pragma: no cover - defensive
        log.exception("charset-normalizer failed")
    raise DataValidationError("无法识别文件编码(已尝试 UTF-8、GB18030/GBK、UTF-16)。请另存为 UTF-8 CSV。",
                              "Cannot detect the file encoding (tried UTF-8, GB18030/GBK, UTF-16); "
                              "save the file as UTF-8 CSV.")


def _first_lines(text: str, n: int) -> list[str]:
    """``text.splitlines()[:n]`` without splitting a whole 100 MB file: a prefix that holds more than ``n``
    lines has the same first ``n`` lines (each ends inside the prefix)."""
    size = 65536
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > n:
            return lines[:n]
        size *= 4
    return text.splitlines()[:n]


def _decode_detected(data: bytes) -> tuple[str, str | None, str | None]:
    """(encoding, text, note): :func:`detect_encoding` and the decode in one pass when the answer is UTF-8
    or GB18030 (detection decodes the whole file anyway; the text is kept instead of decoding twice); text
    None for the other encodings (the caller decodes). A file of UTF-8 lines and GBK lines (two exports
    pasted together) is decoded line by line (:func:`_decode_lines`): encoding :data:`MIXED_ENCODING` and
    a 说明 ``note`` naming the lines read as GB18030 (else note None)."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff")):
        sample = data[:8192]
        if not (sample and sample.count(0) > len(sample) // 4):
            try:
                return "utf-8", data.decode("utf-8"), None
            except UnicodeDecodeError:
                pass
            mixed = _decode_lines(data)
            if mixed is not None:
                return MIXED_ENCODING, *mixed
            try:
                return "gb18030", data.decode("gb18030"), None
            except UnicodeDecodeError:
                pass
            _check_gb18030_damage(data)
    return detect_encoding(data), None, None


def _check_gb18030_damage(data: bytes, most: int = 10) -> None:
    """DataValidationError naming the lines when ``data`` (not UTF-8, not GB18030 as a whole) is a GB18030/GBK file
    with at most ``most`` places GB18030 cannot decode (a damaged byte, e.g. on line 20,001): its Chinese text
    decodes (at least 80 % of the distinct CJK characters are GB2312's, as Chinese text is — Latin-1 bytes read as
    GBK give rare characters) and only those places fail. Without this, charset-normalizer guessed another encoding
    for the whole file and the header came out garbled (缺少必填列). Line numbers are file lines (LF count + 1)."""
    bad, pos = [], 0
    while True:
        try:
            data[pos:].decode("gb18030")
            break
        except UnicodeDecodeError as e:
            bad.append((pos + e.start, data[pos + e.start:pos + e.end]))
            pos += e.end
            if len(bad) > most:
                return
    chars = set(_CJK.findall(data.decode("gb18030", "replace")))
    if not chars or sum(_in_gb2312(c) for c in chars) < 0.8 * len(chars):
        return
    lines = sorted({data.count(b"\n", 0, p) + 1 for p, _b in bad})
    shown = "、".join(f"0x{b.hex().upper()}" for b in dict.fromkeys(b for _p, b in bad))
    where = _line_list(lines)
    raise DataValidationError(
        f"文件编码为 GB18030/GBK, 但第 {where} 行含无法按 GB18030/GBK 解码的字节({shown}), 文件可能已损坏或混入了其他"
        f"编码的内容。请在原系统重新导出, 或修正该行后另存为 UTF-8 CSV。",
        f"The file is encoded in GB18030/GBK, but line {where.replace('、', ', ')} holds bytes GB18030/GBK cannot "
        f"decode ({shown.replace('、', ', ')}); the file may be damaged or hold text of another encoding. Export it "
        f"again, or fix the line and save the file as UTF-8 CSV.")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


#: the encoding :func:`read_raw_csv` reports for a file of UTF-8 lines and GB18030/GBK lines
MIXED_ENCODING = "utf-8+gb18030"
_SURROGATE = re.compile("[\udc80-\udcff]")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def _decode_lines(data: bytes) -> tuple[str, str] | None:
    """(text, 说明 note) of bytes that are not valid UTF-8 as a whole but hold valid UTF-8 lines with
    Chinese text (a UTF-8 export with GBK rows pasted in): a line that is valid UTF-8 is UTF-8, any other
    line GB18030 (a superset of GBK; bytes it cannot decode either become U+FFFD and the note says so).
    None when no valid UTF-8 line holds Chinese (a GBK file: decoded whole by the caller). Lines split at
    LF, so CRLF and line breaks inside quoted fields survive; line numbers in the note are file lines."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    bad = [i for i, line in enumerate(lines) if _SURROGATE.search(line)]
    badset = set(bad)
    if not any(_CJK.search(line) for i, line in enumerate(lines) if i not in badset):
        return None
    broken = []
    for i in bad:
        raw = lines[i].encode("utf-8", "surrogateescape")
        try:
            lines[i] = raw.decode("gb18030")
        except UnicodeDecodeError:
            lines[i] = raw.decode("gb18030", "replace")
            broken.append(i + 1)
    note = (f"编码: UTF-8, 其中 {len(bad)} 行不是有效的 UTF-8, 已按 GB18030(GBK) 解码: 第 "
            f"{_line_list([i + 1 for i in bad])} 行, 请核对这些行的文字")
    if broken:
        note += f"; 第 {_line_list(broken)} 行含两种编码都无法解码的字节, 已显示为 �"
    return "\n".join(lines), note


def _line_list(lines: list[int], most: int = 20) -> str:
    """``12–30、45`` (runs joined), at most ``most`` runs, then 等."""
    runs: list[list[int]] = []
    for n in lines:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    out = "、".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:most])
    return out + (" 等" if len(runs) > most else "")


def detect_delimiter(text: str, candidates: str = ",\t;|") -> str:
    """The delimiter among ``, TAB ; |`` that splits the first 50 lines into the most rows of one
    consistent width (> 1 field); ties go to the earlier candidate. A first line ``sep=;`` (Excel hint)
    wins."""
    lines = _first_lines(text, 50)
    if lines and re.fullmatch(r"sep=.", lines[0].strip()):
        return lines[0].strip()[4]
    best, best_score = ",", (0, 0)
    for d in candidates:
        with _no_field_limit():
            widths = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        widths = [w for w in widths if w > 1]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        score = (widths.count(mode), mode)
        if score > best_score:
            best, best_score = d, score
    return best


def _check_not_empty(path: Path, data: bytes) -> None:
    """DataValidationError 「文件为空」 when a CSV has no bytes, or only a BOM / whitespace / blank lines."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(bom):
            data = data[len(bom):]
            break
    if not data.replace(b"\x00", b"").strip():
        raise DataValidationError(f"文件 {path.name} 为空(没有表头也没有数据)。请检查导出是否成功。",
                                  f"File {path.name} is empty (no header, no data); check the export.")


def read_raw_csv(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> pd.DataFrame:
    """All cells of a CSV/TSV file as str, no header applied: an object DataFrame, row i = record i+1 (the
    row number Excel shows; blank lines kept as empty rows), blank cells ``None``. Codes such as ``001`` and
    ``1E5`` stay text. ``encoding`` / ``delimiter`` override detection (:func:`detect_encoding`,
    :func:`detect_delimiter`). ``df.attrs``: ``encoding``, ``delimiter`` and ``encoding_note`` (the 说明 line:
    the encoding, and for a file of UTF-8 and GBK lines which lines were read as GB18030). Raises
    DataValidationError if the file cannot be read or decoded, or a record is wider than
    :data:`MAX_CSV_COLUMNS`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"无法读取文件 {path}: {exc}", f"Cannot read file {path}: {exc}") from exc
    _check_not_empty(path, data)
    enc, text, enc_note = (encoding, None, None) if encoding else _decode_detected(data)
    try:
        if text is None:
            text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataValidationError(f"文件 {path.name} 无法按 {enc} 解码: {exc}",
                                  f"Cannot decode {path.name} as {enc}: {exc}") from exc
    text = text.lstrip("\ufeff")
    sep = delimiter or detect_delimiter(text)
    with _no_field_limit():  # a 200,000-character 备注 is data, not a csv.Error
        try:
            arr = _parse_csv_fast(text, sep)
            if arr is None:  # the C tokenizer refused (unterminated quote, ...): the csv module reads anything
                arr = _parse_csv_py(text, sep)
        except _TooWide as w:
            raise DataValidationError(
                f"文件 {path.name} 第 {w.record} 条记录有 {w.width:,} 列, 超过 Excel 的上限 {MAX_CSV_COLUMNS:,} 列"
                f"(多半是行尾多余的分隔符或分隔符识别错误)。请检查该行后再试。",
                f"File {path.name}: record {w.record} has {w.width:,} fields, over Excel's limit of "
                f"{MAX_CSV_COLUMNS:,} columns (often stray delimiters at the end of a line); check that line "
                f"and try again.", excel_row=w.record) from None
    _check_swallowed(arr, text, sep, path)
    if len(arr) and arr.shape[1] and re.fullmatch(r"sep=.", (arr[0, 0] or "").strip()) \
            and all(v is None for v in arr[0, 1:]) and len(_probe_records(text, sep, 1)[0]) == 1:
        arr[0, 0] = None  # the Excel hint line sep=; is no data (a record of one field)
    df = pd.DataFrame(arr, dtype=object)
    df.attrs.update({"encoding": enc, "delimiter": sep, "encoding_note": enc_note or f"编码: {_ENC_NAMES.get(enc, enc)}"})
    return df


#: how 说明 names the encodings :func:`read_raw_csv` detects
_ENC_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8(带 BOM)", "gb18030": "GB18030(GBK)", "utf-16": "UTF-16",
              "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-32": "UTF-32"}


@contextlib.contextmanager
def _no_field_limit():
    """The csv module refuses fields over 131,072 characters (``field larger than field limit``); a long
    备注 or address list is data. Lifts the (process-wide) limit for the block and restores it."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _check_swallowed(arr: np.ndarray, text: str, sep: str, path: Path) -> None:
    """DataValidationError when a quote that never closes (or closes many lines later) made one field out
    of whole records — the file would load with rows silently missing.

    Rule: a field holding a line break after which a line has at least as many delimiters as a record
    has (width - 1, width >= 2) is swallowed records; a quoted address with a line break is not. Names
    the file, the file line where the field (its opening quote) starts, the record (= Excel row), the
    column (header cell of the first record), the file's line count and the records read. Vectorised
    per column; free for files without a line break inside a field."""
    n, width = arr.shape if arr.ndim == 2 else (0, 0)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if width < 2 or n >= lines or '"' not in text:  # as many records as lines: no field spans lines
        return
    frame = pd.DataFrame(arr, dtype=object)
    breaks = np.zeros((n, width), dtype=np.int64)
    swallowed = np.zeros((n, width), dtype=bool)
    d = re.escape(sep)
    record = f"\n(?:[^\n{d}]*{d})" + "{" + str(width - 1) + "}"  # a later line with width-1 seps (no backtracking)
    for j in range(width):
        col = frame[j].astype("string")
        breaks[:, j] = col.str.count("\n").fillna(0).to_numpy(dtype=np.int64)
        if breaks[:, j].any():
            swallowed[:, j] = col.str.contains(record, regex=True).fillna(False).to_numpy(dtype=bool)
    for i, j in zip(*np.nonzero(swallowed)):  # the first one only: it raises
        line = int(i) + 1 + int(breaks[:i].sum()) + int(breaks[i, :j].sum())
        head = C.header_text(arr[0, j]) if i > 0 else ""
        col = f"「{head}」列" if head else f"第 {j + 1} 列"
        raise DataValidationError(
            f"文件 {path.name} 第 {line} 行(第 {i + 1} 条记录){col}的字段以引号 \" 开头却没有在本行结束, "
            f"其后的行被读成了这个字段的内容(文件共 {lines} 行, 只读出 {n} 条记录)。请在该行补上结束引号"
            f"或去掉多余的引号后再试。",
            f"File {path.name}, line {line} (record {i + 1}), column {head or j + 1}: a field opens a "
            f"quote that does not close on its line, so the lines after it were read as its content "
            f"({lines} lines in the file, {n} records read). Close or remove the quote and try again.")


#: widest CSV record read: Excel's 16,384 columns (XFD); a wider record is refused before it is parsed
#: into columns (200,000 fields would cost minutes and gigabytes for what is never a bank table)
MAX_CSV_COLUMNS = 16384


class _TooWide(Exception):
    """A CSV record wider than :data:`MAX_CSV_COLUMNS` (``record``: 1-based record = Excel row)."""

    def __init__(self, width: int, record: int):
        super().__init__(width, record)
        self.width, self.record = width, record


def _check_width(widths: Sequence[int], offset: int = 0) -> None:
    """Raises :class:`_TooWide` for the first of ``widths`` (record ``offset + i + 1``) over the limit."""
    for i, w in enumerate(widths):
        if w > MAX_CSV_COLUMNS:
            raise _TooWide(w, offset + i + 1)


def _probe_records(text: str, sep: str, k: int) -> list[list[str]]:
    """The first ``k`` records of ``text`` (csv module), read from a prefix of the text: a ``StringIO`` of a
    whole 200 MB file would copy it. A prefix holding more than ``k`` records holds the first ``k`` whole."""
    size = 65536
    while True:
        with _no_field_limit():
            recs = list(itertools.islice(csv.reader(_io.StringIO(text[:size], newline=""), delimiter=sep), k + 1))
        if len(recs) > k or size >= len(text):
            return recs[:k]
        size *= 4


def _parse_csv_py(text: str, sep: str) -> np.ndarray:
    """Records of ``text`` with the csv module: (n, max width) object array, blank fields None."""
    rows = list(csv.reader(_io.StringIO(text, newline=""), delimiter=sep))
    _check_width([len(r) for r in rows])
    width = max((len(r) for r in rows), default=0)
    padded = [r + [""] * (width - len(r)) for r in rows]
    arr = np.array(padded, dtype=object).reshape(len(rows), width)
    arr[arr == ""] = None
    return arr


#: records read with the csv module to learn the width before the C tokenizer reads the whole text
_WIDTH_PROBE_RECORDS = 200


def _parse_csv_fast(text: str, sep: str) -> np.ndarray | None:
    """Same records as :func:`_parse_csv_py` through pandas' C tokenizer (about 10x faster on big files);
    None when the tokenizer cannot read the text the same way (then the caller uses the csv module).

    The width is the widest of the first records (read with the csv module); a later, wider record makes
    the tokenizer stop with ``Expected W fields ... saw M`` and the read is repeated with width M, so the
    width is always that of a record actually present — as in the csv-module path."""
    probe = _probe_records(text, sep, _WIDTH_PROBE_RECORDS)
    _check_width([len(r) for r in probe])
    width = max((len(r) for r in probe), default=0)
    if width == 0:
        return None
    try:
        utf8 = text.encode("utf-8")  # the C tokenizer reads bytes much faster than a StringIO
    except UnicodeEncodeError:  # lone surrogates (utf-16 with broken pairs ...): the csv module
        return None
    df = _c_read(utf8, sep, width, dtype=object, na_filter=False)
    if df is None:
        return None
    arr = df.to_numpy(dtype=object)
    if len(probe) < _WIDTH_PROBE_RECORDS and len(arr) != len(probe):
        return None  # the two readers disagree on the records: trust the csv module
    for j, r in enumerate(probe[:20]):  # the same fields in the first records
        if [v for v in arr[j, :len(r)]] != r:
            return None
    return np.where(arr == "", None, arr)


def _c_read(utf8: bytes, sep: str, width: int, *, skip: int = 0, **kw: Any) -> pd.DataFrame | None:
    """Records of UTF-8 CSV bytes through pandas' C tokenizer, columns ``0 … width-1`` (the quoting rules of
    :func:`_parse_csv_py`), after ``skip`` lines. A record wider than ``width`` makes the tokenizer stop with
    ``Expected W fields ... saw M``: the read is repeated with width M (raising :class:`_TooWide` over
    :data:`MAX_CSV_COLUMNS`; its record number is right for ``skip=0``), so the width is always that of a record present. ``kw``: ``dtype`` /
    ``na_filter`` / ``na_values`` / ``usecols`` … of :func:`pandas.read_csv`. None when the tokenizer cannot
    read the bytes (the caller falls back to the csv module)."""
    for _attempt in range(8):
        try:
            with warnings.catch_warnings():  # chunks typed differently (low_memory): the caller checks dtypes
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                return pd.read_csv(_io.BytesIO(utf8), encoding="utf-8", sep=sep, header=None,
                                   names=list(range(width)), index_col=False, keep_default_na=False, skiprows=skip,
                                   skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL, quotechar='"',
                                   doublequote=True, escapechar=None, skipinitialspace=False, comment=None,
                                   low_memory=True, **kw)
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", str(exc))
            if not m or int(m.group(2)) <= width:
                return None
            width = int(m.group(2))
            _check_width([width], int(m.group(1)) - 1)
            continue
        except Exception:  # noqa: BLE001 - anything odd: the csv module decides
            log.debug("C tokenizer failed", exc_info=True)
            return None
    return None


# ============================================================================================ Excel
def _date1904(path: Path) -> bool:
    """True when an .xlsx/.xlsm workbook uses the 1904 date system (``<workbookPr date1904="1"/>``).
    calamine converts *date-formatted* cells correctly itself; this flag is for plain numbers in date
    columns (serials without a date format)."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):  # .xls/.ods or not a zip: no 1904 flag to read
        return False
    m = re.search(r"<(?:\w+:)?workbookPr\b[^>]*\bdate1904\s*=\s*\"(1|true)\"", xml)
    return bool(m)


def not_a_workbook(path: Path) -> DataValidationError:
    """The one error for a file that has an Excel extension but is no workbook (empty file, a zip of
    something else, a damaged file; web pages and text saved as .xls are read, see :func:`_foreign_cands`);
    a password-protected workbook and an Excel 2003 XML spreadsheet get their own sentence
    (:func:`bankxl.filesniff.sniff`). The reader library's own text (``Could not find EOCD``, ``Invalid OLE
    signature`` ...) goes to the debug log only."""
    try:
        kind = sniff(path)
    except OSError:
        kind = None
    if kind == "encrypted":
        return DataValidationError(
            f"文件 {path.name} 受密码保护(已加密), bankxl 无法读取。请在 Excel 中打开它, 在「文件 → 信息 → "
            f"保护工作簿 → 用密码进行加密」中删除密码, 另存后再试。",
            f"File {path.name} is password-protected (encrypted); bankxl cannot read it. Open it in Excel, "
            f"remove the password (File > Info > Protect Workbook > Encrypt with Password), save and try again.")
    if kind == "xml2003":
        return DataValidationError(
            f"文件 {path.name} 是 Excel 2003 XML 电子表格格式, bankxl 不能直接读取。请在 Excel 中另存为 .xlsx 后再试。",
            f"File {path.name} is an Excel 2003 XML spreadsheet, which bankxl cannot read; save it as .xlsx "
            f"in Excel and try again.")
    return DataValidationError(
        f"文件 {path.name} 不是有效的 Excel 工作簿(可能是网页/HTML 导出或文件已损坏), 请在 Excel 中另存为 .xlsx 后再试。",
        f"File {path.name} is not a valid Excel workbook (perhaps a web-page/HTML export or a damaged file); "
        f"open it in Excel, save it as .xlsx and try again.")


class _Book:
    """A workbook opened once with calamine (tables loaded when the format has them)."""

    def __init__(self, path: Path):
        from python_calamine import CalamineWorkbook

        self.path = path
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:  # locked / no permission: say so, it is not a format problem
            raise DataValidationError(f"无法打开工作簿 {path.name}: {exc.strerror or exc}",
                                      f"Cannot open workbook {path.name}: {exc}") from exc
        check_package(path)  # a shared-strings bomb aborts calamine while it opens the file
        try:
            try:
                self.wb = CalamineWorkbook.from_path(str(path), load_tables=True)
            except Exception:  # noqa: BLE001 - formats without tables (.xls/.ods) refuse load_tables
                self.wb = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # empty file, HTML/text saved as .xls, a zip that is no workbook ...
            log.debug("calamine cannot open %s: %s", path, exc)
            raise not_a_workbook(path) from exc
        self.date1904 = _date1904(path)
        self.sheets = list(self.wb.sheet_names)
        self._tmeta: dict[str, tuple] = {}
        self._bounded: set[str] = set()
        try:
            self.tables = list(self.wb.table_names)
        except Exception:  # noqa: BLE001 - TablesNotLoaded / TablesNotSupported
            self.tables = []

    def _sheet(self, name: str):
        """calamine's sheet ``name``, after :func:`bankxl.filesniff.check_extent` (once per sheet): calamine
        builds the sheet's whole used range as one grid, so a far-away cell is refused before it is read."""
        if name not in self._bounded:
            check_extent(self.path, name)
            self._bounded.add(name)
        with self._cells(name):
            return self.wb.get_sheet_by_name(name)

    @contextlib.contextmanager
    def _cells(self, sheet: str):
        """Turns any error of calamine while it reads cells (a bad shared-string index, an unknown boolean,
        a broken reference, malformed XML, an undefined entity; a Rust panic) into one DataValidationError
        naming the file and the sheet; the library's own text goes to the debug log."""
        try:
            yield
        except DataValidationError:
            raise
        except BaseException as exc:  # pyo3's PanicException derives from BaseException
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            log.debug("calamine cannot read %s, sheet %s: %r", self.path, sheet, exc)
            raise DataValidationError(
                f"文件 {self.path.name} 工作表「{sheet}」已损坏或不是 Excel 生成的, 无法读取其单元格。请在 Excel 中"
                f"打开并另存为 .xlsx 后再试。",
                f"File {self.path.name}, sheet {sheet}: the file is damaged or was not made by Excel; its cells "
                f"cannot be read. Open it in Excel, save it as .xlsx and try again.", sheet=sheet) from None

    def sheet(self, name: str, nrows: int | None = None) -> tuple[pd.DataFrame, int]:
        """(raw cells, Excel row of raw row 0)."""
        sh = self._sheet(name)
        with self._cells(name):
            rows = sh.to_python(skip_empty_area=True, nrows=nrows) if nrows else sh.to_python(skip_empty_area=True)
        start = sh.start
        first = (start[0] + 1) if start else 1
        return _rows_frame(rows), first

    def first_column(self, name: str) -> int:
        """0-based column of raw column 0 of :meth:`sheet` (calamine starts at the first used column)."""
        start = self._sheet(name).start
        return start[1] if start else 0

    def table_meta(self, name: str) -> tuple[str, tuple[int, int], tuple[int, int], list[str]]:
        """(sheet, first data cell, last cell, stored column names) of an Excel table; cells 0-based
        (row, col) as calamine gives them — the header row is the row above the first data cell."""
        m = self._tmeta.get(name)
        if m is None:
            for sheet in sheets_with_tables(self.path):  # calamine reads a table through its whole sheet
                self._sheet(sheet)
            with self._cells(f"Excel 表 {name}"):
                t = self.wb.get_table_by_name(name)
            m = self._tmeta[name] = (t.sheet, (int(t.start[0]), int(t.start[1])),
                                     (int(t.end[0]), int(t.end[1])), [str(x) for x in t.columns])
        return m

    def table(self, name: str) -> tuple[pd.DataFrame, int, str, list[str]]:
        """(raw cells incl. header row, Excel row of the header, sheet name, notices) of an Excel table.

        The table (ListObject) only locates the sheet, the header row and the columns; the cells are read
        from the sheet itself, from the header row down to the sheet's last used row (stopping above
        another Excel table further down in the same columns). So rows pasted under the table without
        extending it are read like any other (a notice names them), and the header is what the cells say
        (what the user sees), not the table's stored column names (a notice names any difference; a
        blank header cell falls back to the stored name)."""
        sheet, (r_data, c0), (r_end, c1), names = self.table_meta(name)
        h = r_data - 1  # 0-based sheet row of the header
        sh = self._sheet(sheet)
        with self._cells(sheet):
            rows = sh.to_python(skip_empty_area=True)
        s_r, s_c = (int(sh.start[0]), int(sh.start[1])) if sh.start else (0, 0)
        if not rows or h < s_r:  # header row outside the used range (table without a header row)
            with self._cells(sheet):
                t = self.wb.get_table_by_name(name)
                return _rows_frame([names] + list(t.to_python())), r_data, sheet, []
        stop = s_r + len(rows) - 1  # last used row of the sheet (0-based)
        for other in self.tables:
            if other == name:
                continue
            try:
                o_sheet, (o_data, o_c0), _o_end, _ = self.table_meta(other)
            except Exception:  # noqa: BLE001 - an unreadable table does not bound this one
                continue
            if o_sheet == sheet and o_c0 <= c1 and _o_end[1] >= c0 and o_data - 1 > r_end:
                stop = min(stop, o_data - 2)
        full = _rows_frame(rows[h - s_r: stop - s_r + 1]).to_numpy(dtype=object)
        width = c1 - c0 + 1
        block = np.full((len(full), width), None, dtype=object)
        lo, hi = max(c0 - s_c, 0), min(c1 - s_c + 1, full.shape[1])
        if hi > lo:
            block[:, lo - (c0 - s_c): hi - (c0 - s_c)] = full[:, lo:hi]
        notes: list[str] = []
        changed = []
        for j in range(width):
            stored = names[j] if j < len(names) else None
            cell = C.header_text(block[0, j])
            if not cell:
                if stored is not None:
                    block[0, j] = stored
                continue
            if stored is not None and cell != C.header_text(_XML_ESC.sub(lambda m: chr(int(m[1], 16)), stored)):
                changed.append(f"「{stored}」→「{block[0, j]}」")
        if changed:
            notes.append(f"工作表「{sheet}」第 {h + 1} 行的表头单元格与 Excel 表格「{name}」保存的列名不一致, "
                         f"已按单元格读取: {'、'.join(changed)}")
        below = np.arange(len(block)) + h > r_end
        if below.any():
            filled = below.copy()
            filled[below] = ~C.blank_mask(block[below].ravel()).reshape(int(below.sum()), width).all(axis=1)
            if filled.any():
                idx = np.flatnonzero(filled) + h + 1  # Excel rows
                a, b, n = int(idx[0]), int(idx[-1]), len(idx)
                span = f"第 {a} 行" if a == b else f"第 {a}–{b} 行"
                more = "" if n == b - a + 1 else f"(其中 {n} 行有内容)"
                notes.append(f"工作表「{sheet}」{span}{more}在 Excel 表格「{name}」范围之外, 已一并读取")
        return pd.DataFrame(block, dtype=object), h + 1, sheet, notes


#: ``_x000A_``-style escapes Excel may leave in stored table column names
_XML_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _rows_frame(rows: list) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    arr = np.empty((len(rows), width), dtype=object)
    for i, r in enumerate(rows):
        arr[i, : len(r)] = r
    return pd.DataFrame(arr, dtype=object)


def read_raw_sheet(path: str | Path, sheet: str | int = 0) -> tuple[pd.DataFrame, int]:
    """Cells of one worksheet as read by calamine (object frame, no header) and the Excel row number of
    its first row (calamine skips leading empty rows; this is added back)."""
    book = _Book(Path(path))
    name = book.sheets[sheet] if isinstance(sheet, int) else sheet
    return book.sheet(name)


# ============================================================================================ headers
def _lookup(spec: TableSpec) -> dict[str, tuple[Column, int]]:
    """header key -> (column, priority); priority 0 = 中文名, 1 = English id, 2 = alias."""
    d: dict[str, tuple[Column, int]] = {}
    for c in spec.columns:
        for pri, name in [(0, c.zh), (1, c.id)] + [(2, a) for a in c.aliases]:
            k = C.header_key(name)
            if k and (k not in d or d[k][1] > pri):
                d[k] = (c, pri)
    return d


def _match_header(cell: Any, lookup: dict) -> tuple[Column, int, str | None, str] | None:
    """(column, priority, unit, header text) of one header cell, None when it names no column. The whole
    text is tried first (``期限(天)`` may be a name), then the text without its unit; a months column whose
    header unit is 天/日 goes to its days column (:attr:`~bankxl.tables.Column.days_col`) when the table has one."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or not isinstance(cell, (str, int, float)):
        return None
    txt = C.header_text(cell)
    if not txt:
        return None
    base, unit = C.split_unit(txt)
    hit = lookup.get(C.fold_key(txt)) or lookup.get(C.fold_key(base))
    if hit is None:
        return None
    if unit in DAY_UNITS and hit[0].days_col and C.fold_key(hit[0].days_col) in lookup:
        return lookup[C.fold_key(hit[0].days_col)][0], hit[1], None, txt
    return hit[0], hit[1], unit, txt


def _map_row(row: np.ndarray, lookup: dict) -> dict[str, tuple[int, Column, str | None, str]]:
    """Header cells of one row -> {col_id: (position, column, unit, header text)}; per column the best
    priority wins, then the leftmost."""
    best: dict[str, tuple[tuple[int, int], int, Column, str | None, str]] = {}
    for pos, cell in enumerate(row):
        m = _match_header(cell, lookup)
        if m is None:
            continue
        col, pri, unit, txt = m
        if col.id not in best or (pri, pos) < best[col.id][0]:
            best[col.id] = ((pri, pos), pos, col, unit, txt)
    return {k: v[1:] for k, v in best.items()}


def _scan_header(arr: np.ndarray, spec: TableSpec) -> tuple[int, dict, bool]:
    """(row index, column mapping, complete) of ``spec``'s header in the first :data:`HEADER_SCAN_ROWS` rows:
    the first row holding every required column or what derives it (:meth:`~bankxl.tables.TableSpec.
    missing_required`; complete=True), else the row with the most matched
    columns (the first such; -1 and {} when no cell matches)."""
    lookup = _lookup(spec)
    best_i, best_map = -1, {}
    for i in range(min(len(arr), HEADER_SCAN_ROWS)):
        mapping = _map_row(arr[i], lookup)
        if mapping and not spec.missing_required(mapping):
            return i, mapping, True
        if len(mapping) > len(best_map):
            best_i, best_map = i, mapping
    return best_i, best_map, False


def _find_header(arr: np.ndarray, spec: TableSpec, *, sheet: str | None, first_row: int
                 ) -> tuple[int, dict]:
    """Index of the header row in ``arr`` and its column mapping; DataValidationError when none."""
    best_i, best_map, complete = _scan_header(arr, spec)
    if complete:
        return best_i, best_map
    where = f"工作表「{sheet}」" if sheet else "数据"
    if best_i < 0:
        from .masking import mask_free_text  # the first row may be data: never show its IDs/phones whole

        first = next((r for r in arr[:HEADER_SCAN_ROWS] if any(C.header_text(x) for x in r)), [])
        found = list(mask_free_text(pd.Series([C.header_text(x) for x in first if C.header_text(x)][:30],
                                              dtype="string")))
        raise DataValidationError(
            f"在{where}前 {HEADER_SCAN_ROWS} 行中找不到表「{spec.zh}」({spec.id}) 的表头; "
            f"必填列: {'、'.join(_label(c) for c in spec.required)}; 首个非空行: {found[:30]}",
            f"No header row of table {spec.id} found in the first {HEADER_SCAN_ROWS} rows"
            f"{' of sheet ' + sheet if sheet else ''}; required columns: "
            f"{', '.join(c.id for c in spec.required)}; first non-empty row: {found[:30]}",
            table=spec.id, sheet=sheet)
    missing = list(spec.missing_required(best_map))
    found = [C.header_text(x) for x in arr[best_i] if C.header_text(x)]
    names = "、".join(_label(c) + _derivable_text(spec, c) for c in missing)
    lookup = _lookup(spec)
    spare = [h for h in found if _match_header(h, lookup) is None]
    close = {c.id: _closest(c, spare) for c in missing}
    hint_zh = "".join(f"「{_label(c)}」最接近的现有表头: {'、'.join(f'「{h}」' for h in close[c.id])}"
                      f"(若就是该列, 请把表头改为「{c.zh}」)。" for c in missing if close[c.id])
    hint_en = "".join(f" The closest headers to {c.id} ({c.zh}): {', '.join(close[c.id])}." for c in missing
                      if close[c.id])
    raise DataValidationError(
        f"表「{spec.zh}」({spec.id}) 缺少必填列: {names}。表头(第 {first_row + best_i} 行)现有列: "
        f"{'、'.join(found)}。{hint_zh}可用的列名: "
        + "; ".join(f"{c.zh}/{c.id}" + ("/" + "/".join(c.aliases) if c.aliases else "") for c in missing)
        + f"(全部别名见 {ALIAS_DOC})",
        f"Table {spec.id}{' on sheet ' + sheet if sheet else ''} lacks required column(s) "
        f"{', '.join(c.id + ' (' + c.zh + ')' + ''.join(' or ' + '+'.join(a) for a in c.derivable_from) for c in missing)}"
        f"; headers found in row "
        f"{first_row + best_i}: {', '.join(found)}.{hint_en} Accepted names: {ALIAS_DOC}",
        table=spec.id, sheet=sheet, column=missing[0].id, column_zh=missing[0].zh,
        excel_row=first_row + best_i)


def _derivable_text(spec: TableSpec, col: Column) -> str:
    """``(或 起息日 + 期限)`` for a column the header may replace by the columns it derives from, else ``""``."""
    alts = [" + ".join(spec.column(c).zh for c in alt) for alt in col.derivable_from]
    return f"(或 {' / '.join(dict.fromkeys(alts))})" if alts else ""


def _closest(col: Column, headers: list[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``headers`` (texts as written) that look most like one of ``col``'s names (中文名 and
    aliases; :func:`difflib.get_close_matches`, ratio ≥ 0.5, units ignored), best first."""
    keys: dict[str, str] = {}
    for h in headers:
        keys.setdefault(C.fold_key(C.split_unit(h)[0]), h)
    score: dict[str, float] = {}
    for name in (col.zh, *col.aliases):
        nk = C.header_key(name)
        for k in difflib.get_close_matches(nk, list(keys), n=n, cutoff=0.5):
            score[k] = max(score.get(k, 0.0), difflib.SequenceMatcher(None, nk, k).ratio())
    return [keys[k] for k in sorted(score, key=lambda k: -score[k])[:n]]


def _header_notes(row: np.ndarray, spec: TableSpec, mapping: dict) -> list[str]:
    """说明 lines about the header row ``row`` once ``mapping`` (:func:`_map_row`) is chosen: the header cells
    that name no column of ``spec`` (not read), and each field that several columns could fill — which
    column was used and why (标准列名 > 英文 id > 别名, then the leftmost)."""
    lookup = _lookup(spec)
    unused: dict[str, None] = {}  # ordered set: linear in the width of the header (16,384 columns)
    rivals: dict[str, list[tuple[int, str]]] = {}
    taken = {v[0] for v in mapping.values()}
    for pos, cell in enumerate(row):
        m = _match_header(cell, lookup)
        if m is None:
            txt = C.header_text(cell) if isinstance(cell, (str, int, float)) else ""
            if txt:
                unused[txt] = None
        elif pos not in taken:
            rivals.setdefault(m[0].id, []).append((m[1], m[3]))
    why = {0: "标准列名优先于别名", 1: "英文列名优先于别名"}
    notes = []
    for cid, others in rivals.items():
        pos, col, _unit, txt = mapping[cid]
        pri = _match_header(row[pos], lookup)[1]
        reason = why[pri] if pri < min(p for p, _ in others) else "同等匹配时取最左一列"
        notes.append(f"{_label(col)}: 表头有 {len(others) + 1} 列可用(「{txt}」" + "".join(f"、「{t}」" for _, t in others)
                     + f"), 使用「{txt}」({reason}); 其余未读取")
    if unused:
        shown = list(itertools.islice(unused, 30))
        notes.append(f"表「{spec.zh}」的表头中有 {len(unused)} 列未使用(不是本表的列名或别名): "
                     + "、".join(f"「{u}」" for u in shown) + (" 等" if len(unused) > len(shown) else "")
                     + f"。如需读取, 请按 {ALIAS_DOC} 改表头")
    return notes


@dataclass(frozen=True)
class TableMatch:
    """How well a block of cells fits one canonical table (an item of :func:`identify_table`).

    ``table_id``: canonical id; ``by``: ``"name"`` (a given name is one of the table's names) or
    ``"header"``; ``matched``: spec column ids found in the best header row (the score); ``missing``:
    required column ids absent from that row (empty = the table can be loaded from these cells);
    ``header_row``: 0-based index of that row in the block (-1 when no cell matched).
    """

    table_id: str
    by: str
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    header_row: int

    @property
    def complete(self) -> bool:
        """True when every required column was found."""
        return not self.missing


def identify_table(raw: pd.DataFrame | np.ndarray | Sequence[Sequence[Any]], *,
                   names: Sequence[str | None] = ()) -> list[TableMatch]:
    """Which canonical tables (:data:`bankxl.tables.TABLES`) a block of cells can be, best first.

    ``raw``: cells as read, no header (``read_raw_sheet`` output, an object array, or rows as lists; ragged
    rows are padded); only the first :data:`HEADER_SCAN_ROWS` rows are searched, with the same header
    rules as the loader (中文名 / id / aliases, units stripped, full-width normalised). ``names``: names
    the block bears (Excel table name, sheet name); a name that is a canonical table's name puts that
    table first with ``by="name"`` whatever its headers (the loader also goes by name first).

    Returns :class:`TableMatch` items for the named table and for every table with at least one matched
    column: named first, then complete matches, then partial ones; within each, more matched columns
    first, then :data:`~bankxl.tables.TABLES` order. The first item is the loader's choice when it is
    ``by="name"`` or complete; an empty list means no header cell of any table was found. Raises nothing.
    """
    if isinstance(raw, pd.DataFrame):
        arr = raw.iloc[:HEADER_SCAN_ROWS].to_numpy(dtype=object)
    elif isinstance(raw, np.ndarray):
        arr = raw[:HEADER_SCAN_ROWS].astype(object)
    else:
        arr = _rows_frame([list(r) for r in list(raw)[:HEADER_SCAN_ROWS]]).to_numpy(dtype=object)
    if arr.ndim != 2:
        arr = arr.reshape(len(arr), -1)
    named = [t for t in (_canonical_owner(n) for n in names if n) if t is not None]
    named = list(dict.fromkeys(named))
    out = []
    for order, t in enumerate(TABLES.values()):
        i, mapping, complete = _scan_header(arr, t) if arr.size else (-1, {}, False)
        by_name = t.id in named
        if not mapping and not by_name:
            continue
        missing = () if complete else tuple(c.id for c in t.missing_required(mapping))
        m = TableMatch(t.id, "name" if by_name else "header", tuple(mapping), missing, i)
        rank = (named.index(t.id) if by_name else len(named), bool(missing), -len(mapping), order)
        out.append((rank, m))
    return [m for _, m in sorted(out, key=lambda x: x[0])]


# ============================================================================================ rows
_SUMMARY_RE = re.compile(r"^(?:总计|合计|小计|总合计|累计合计)|(?:合计|总计|小计)[:：]?$")


def _summary_rows(columns: Sequence[np.ndarray], blank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose first two non-blank cells include text 合计/总计/小计 (e.g. ``合计``, ``一分行 小计``).
    ``columns``: the cells column by column (a typed column holds no text, so no 合计); ``blank``: (rows,
    columns) mask. Returns (mask, the matched text)."""
    n, w = blank.shape
    hit = np.zeros(n, dtype=bool)
    text = np.full(n, None, dtype=object)
    seen = np.zeros(n, dtype=np.int64)
    for j in range(w):
        look = ~blank[:, j] & (seen < 2) & ~hit
        if not look.any():
            if (seen >= 2).all():
                break
            seen += ~blank[:, j]
            continue
        idx = np.flatnonzero(look)
        col = columns[j][idx]
        s = C.is_str_array(col)
        if s.any():
            vals = col[s]
            ok = np.fromiter(map(operator.contains, vals, itertools.repeat("计")), dtype=bool, count=len(vals))
            if ok.any():  # every 合计/总计/小计 form holds 计, and only 计 itself NFKC-normalises to it
                ok[ok] = C.unique_map(vals[ok], _is_summary_text, bool)
            rows = idx[s][ok]
            hit[rows] = True
            text[rows] = col[s][ok]
        seen += ~blank[:, j]
    return hit, text


def _is_summary_text(u: str) -> bool:
    """One cell: NFKC, whitespace removed, at most 20 characters, matching :data:`_SUMMARY_RE`. ASCII text
    is its own NFKC form and cannot hold 合计/总计/小计, so it is answered without the regex."""
    if u.isascii():
        return False
    t = _WS_RE.sub("", unicodedata.normalize("NFKC", u))
    return len(t) <= 20 and _SUMMARY_RE.search(t) is not None


_WS_RE = re.compile(r"\s+")


#: text of an export footer line: a label with a colon (``制表人: 张三``, ``打印日期：2026-11-30``, ``单位: 元``)
#: or a leading footer word
_FOOTER_RE = re.compile(r"[:：]|^(?:注|备注|说明|数据来源|来源|制表|复核|审核|打印|单位|经办|编制|填报|负责人|主管)")
#: at most this many non-blank cells in a footer line
FOOTER_MAX_CELLS = 2


def _footer_rows(cell: Any, blank: np.ndarray, required_pos: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Export footer lines at the bottom of a table (``制表人: 张三  复核: 李四``, ``打印日期: …``, ``单位: 元``).

    Rule (rows already without blank and 合计 rows): walking up from the last row, a row is a footer while it
    has 1–:data:`FOOTER_MAX_CELLS` non-blank cells, all of them text, one of which looks like a footer (a
    label with ``:``/``：`` or starting 注/备注/说明/制表/复核/审核/打印/单位/经办/编制/填报/负责人/主管/数据来源),
    and at least one required column of the row is blank — every required cell other than the footer text
    itself is empty (a number or date anywhere makes it data), so a complete data row is never taken. The first row that fails ends the footer block:
    footer-like rows between data rows stay data (and get their REQUIRED_EMPTY problems).
    ``cell(i, j)``: the cell of row ``i``, column ``j`` as read (text for a column typed by the parser).
    Returns (mask, the joined footer text)."""
    n = len(blank)
    hit = np.zeros(n, dtype=bool)
    text = np.full(n, None, dtype=object)
    for i in range(n - 1, -1, -1):
        nb = np.flatnonzero(~blank[i])
        if not 1 <= len(nb) <= FOOTER_MAX_CELLS:
            break
        if required_pos and not blank[i, required_pos].any():
            break
        cells = [cell(i, j) for j in nb]
        if not all(isinstance(x, str) for x in cells):  # text only: a number or date makes it data
            break
        if not any(_FOOTER_RE.search(C.header_text(x)) for x in cells):
            break
        hit[i] = True
        text[i] = " ".join(C._cell_text(x).strip() for x in cells)
    return hit, text


class _Sink:
    """Collects this table's row problems, forwards them to the ProblemLog honouring its cap."""

    def __init__(self, spec: TableSpec, sheet: str | None, log_: ProblemLog):
        self.spec, self.sheet, self.log = spec, sheet, log_
        self.count = 0
        self.samples: list[RowProblem] = []

    def add(self, rows: np.ndarray, column: str | None, code: str, values: np.ndarray,
            reason: np.ndarray | str, action: np.ndarray | str | None = None) -> None:
        n = len(rows)
        if not n:
            return
        if code not in NOT_FATAL:
            self.count += n
        key = (self.spec.id, code)
        room = max(self.log.cap - self.log.counts.get(key, 0), 0)
        k = min(n, room)
        act = ACTIONS.get(code, "行保留") if action is None else action
        want_samples = 0 if code in NOT_FATAL else 5  # this batch's first rows; the 5 first in the file are kept
        for i in range(max(k, min(n, want_samples))):
            p = RowProblem(self.spec.id, self.sheet, int(rows[i]), column, code, _plain(values[i]),
                           str(reason if isinstance(reason, str) else reason[i]),
                           str(act if isinstance(act, str) else act[i]))
            if i < k:
                self.log.add(p)
            if i < want_samples:
                self.samples.append(p)
        if want_samples:  # strict mode's examples: the first rows of the file (columns in table order), not of a column
            self.samples = sorted(self.samples, key=lambda p: p.excel_row)[:5]
        if n > k:  # beyond the detail cap: count only
            self.log.counts[key] += n - k


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


_ENOTATION_RE = re.compile(r"^\s*[+-]?\d+(?:\.\d*)?[eE][+-]?\d+\s*$")


def _is_enotation(u: str) -> bool:
    return _ENOTATION_RE.search(u) is not None


def _coerce_id(arr: np.ndarray, blank: np.ndarray) -> C.Coerced:
    """id_card column: numeric cells via idcard.numeric_id_problem (>15 digits -> ID_CORRUPT, value
    missing; exact 15-digit numbers -> text + ID_AS_NUMBER), then normalize_id + check_reason."""
    from . import idcard

    n = len(arr)
    text = np.full(n, None, dtype=object)
    codes = np.full(n, None, dtype=object)
    reasons = np.full(n, None, dtype=object)
    strs = C.is_str_array(arr) & ~blank
    text[strs], ctrl = C.strip_controls(arr[strs])  # the rule of every text cell (coerce_text)
    other = ~strs & ~blank
    if strs.any():  # text in e-notation (a corrupted ID saved to CSV) is corrupt too
        vals = arr[strs]
        e = np.fromiter(map(operator.contains, vals, itertools.repeat("e")), dtype=bool, count=len(vals)) | \
            np.fromiter(map(operator.contains, vals, itertools.repeat("E")), dtype=bool, count=len(vals))
        if e.any():  # e-notation needs a literal e/E: the regex runs on those only
            e[e] = C.unique_map(vals[e], _is_enotation, bool)
        if e.any():
            idx = np.flatnonzero(strs)[e]
            text[idx] = None
            codes[idx] = "ID_CORRUPT"
            reasons[idx] = "证件号以科学计数法文本保存, 原号码已丢失, 无法恢复"

    def fn(x):
        if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
            t, prob = idcard.numeric_id_problem(x)
            if prob:
                return None, prob, ("证件号以数值存储且超过 15 位(或非整数), 精度已丢失, 无法恢复; "
                                    "请改用客户号匹配")
            if t is not None and len(t) == 15:
                return t, "ID_AS_NUMBER", "15 位证件号以数值存储, 已无损转回文本"
            return t, None, None
        return C._cell_text(x), None, None

    if other.any():
        r, c, why = C.per_unique(arr[other], np.zeros(other.sum(), bool), fn)
        text[other], codes[other], reasons[other] = r, c, why
    norm, chk = idcard.normalize_with_reason(pd.Series(text, dtype=object))
    bad = (np.asarray(pd.notna(chk), dtype=bool) & (chk != "ID_MISSING")) if n else np.zeros(0, bool)
    why_id = {"ID_FORMAT": "证件号格式错误(应为 18 位或 15 位)", "ID_DATE": "证件号中的出生日期不存在",
              "ID_CHECKSUM": "证件号校验位错误"}
    bad &= ~np.asarray(pd.notna(codes), dtype=bool)  # ID_CORRUPT / ID_AS_NUMBER already recorded
    codes[bad] = chk[bad]
    reasons[bad] = [why_id.get(c, c) for c in chk[bad]]
    out = C.Coerced(pd.array(norm.to_numpy(dtype=object), dtype="string"))
    C._groups(out, codes, reasons)
    if ctrl is not None:
        why = np.full(n, None, dtype=object)
        why[strs] = ctrl
        out.add(np.asarray(pd.notna(why), dtype=bool), "TEXT_CONTROL", why)
    return out


def _factorize_text(cells: np.ndarray, text: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, uniques)`` of a column whose cells are all ``str`` or missing (codes -1 = missing), else
    None (also for a column of missing cells only). Only text is factorised: the hash table would merge
    ``1``, ``1.0`` and ``True`` (equal in Python) although they read differently; distinct ``str`` values are
    never merged. ``text=True``: the caller knows every cell is ``str`` or None (a CSV column), no check."""
    if not text and pd.api.types.infer_dtype(cells, skipna=True) != "string":
        return None
    codes, uniq = pd.factorize(cells, use_na_sentinel=True)
    return (codes, np.asarray(uniq, dtype=object)) if len(uniq) else None


def _blank_rule(col: Column, values: Any, blank: np.ndarray) -> Any:
    """``values`` (one column, loaded) with the spec's blank rule: where ``blank`` (the cell was empty) the
    column's :attr:`~bankxl.tables.Column.blank_value` (产品持有.持有: blank = held); unchanged without a rule.
    An unreadable value is not blank: it stays missing (and is on 数据问题). Used by :func:`load_frame` and
    :func:`bankxl.conform.conform`."""
    blank = np.asarray(blank, dtype=bool)
    if col.blank_value is None or not blank.any():
        return values
    arr = pd.array(values, dtype=_dtype(col.kind)).copy()
    arr[blank] = col.blank_value
    return arr


def _coerce_factorized(col: Column, codes: np.ndarray, uniq: np.ndarray, blank_u: np.ndarray,
                       unit: str | None, header: str, spec: TableSpec, date1904: bool) -> C.Coerced:
    """:func:`_coerce_column` run once per distinct text and spread to the cells (codes -1 = missing
    cell: missing value, no problem — what the coercers give a blank cell). Uniques no longer used (rows
    dropped as 合计/表尾) are removed first, so column-wide rules (a rate column with any ``%`` text) see
    exactly the cells kept."""
    used = np.zeros(len(uniq) + 1, dtype=bool)
    used[codes] = True  # codes -1 marks the extra last slot
    used = used[:-1]
    if not used.all():
        remap = np.cumsum(used) - 1
        codes = np.where(codes < 0, -1, remap[np.maximum(codes, 0)])
        uniq, blank_u = uniq[used], blank_u[used]
    out = _coerce_column(col, uniq, blank_u, unit, header, spec, date1904, codes=codes)
    out.values = pd.api.extensions.take(out.values, codes, allow_fill=True)
    problems = []
    for mask, code, reason in out.problems:
        m = np.append(mask, False)[codes]
        r = reason if isinstance(reason, str) else np.append(np.asarray(reason, dtype=object), None)[codes]
        problems.append((m, code, r))
    out.problems = problems
    return out


def _codes_as_numbers(arr: np.ndarray, blank: np.ndarray) -> int:
    """How many cells of a code / ID column (客户号, 机构号, 证件号 …) ``arr`` (object, as read; ``blank`` mask
    aligned) hold numbers — an Excel number cell, a Parquet integer or float column: their leading zeros are gone
    and cannot be restored. 0 when every non-blank cell is text (a CSV, a text-formatted column)."""
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind in ("string", "empty"):
        return 0
    if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        return int((~blank).sum())
    return int((~blank & np.fromiter((isinstance(x, (int, float, np.integer, np.floating))
                                      and not isinstance(x, (bool, np.bool_)) for x in arr),
                                     dtype=bool, count=len(arr))).sum())


def _codes_as_numbers_note(col: Column, n: int) -> list[str]:
    """The 说明 line for a code / ID column ``col`` of which ``n`` cells were numbers (:func:`_codes_as_numbers`);
    ``[]`` for 0. One wording for every source (breaker s16 finding 4); the loaders also put ``col.id`` into
    :attr:`LoadedTable.as_numbers`."""
    if not n:
        return []
    return [f"{_label(col)}: {n} 个值以数字(不是文本)存储, 前导 0 已丢失、无法恢复(如 0001012 存为 1012); "
            f"请把该列作为文本导出(Excel 中设为「文本」格式, Parquet 中用字符串列)"]


def _coerce_column(col: Column, arr: np.ndarray, blank: np.ndarray, unit: str | None, header: str,
                   spec: TableSpec, date1904: bool, codes: np.ndarray | None = None) -> C.Coerced:
    """One column's cells -> :class:`~bankxl.coerce.Coerced` (values, problems, unit notes). ``codes``:
    when ``arr`` holds the distinct values of a column, the column as indexes into ``arr`` (-1 missing),
    for the one rule that counts cells (the median of an unlabelled rate column)."""
    k = col.kind
    if k in ("id_card", "code"):
        out = _coerce_id(arr, blank) if k == "id_card" else C.coerce_text(arr, blank, code=True,
                                                                           distinct=codes is not None)
        out.as_numbers = _codes_as_numbers(arr, blank)
        out.notes.extend(_codes_as_numbers_note(col, out.as_numbers))
        return out
    if k in ("text", "category"):
        return C.coerce_text(arr, blank, code=False, distinct=codes is not None)
    if k in ("date", "month"):
        out = C.coerce_date(arr, blank, month=(k == "month"), date1904=date1904)
        out.notes = [f"{_label(col)}: {n}" for n in out.notes]
        return out
    if k == "bool":
        return C.coerce_bool(arr, blank)
    notes: list[str] = []
    factor = 1.0
    if k == "money":
        target = C.money_factor(col.unit) or 1.0
        if unit is not None:
            f = C.money_factor(unit)
            if f is not None:
                factor = f / target
                if factor != 1.0:
                    notes.append(f"{_label(col)}: 表头「{header}」单位为 {unit}, 已换算为 {col.unit or '元'}"
                                 f"(×{factor:g})")
            elif unit.casefold() in C.CURRENCY_WORDS:
                cur = C.CURRENCY_WORDS[unit.casefold()]
                notes.append(f"{_label(col)}: 表头「{header}」币种为 {cur}, 与表币种 {spec.currency} "
                             f"{'一致' if cur == spec.currency else '不同, 未做换算'}")
            else:
                notes.append(f"{_label(col)}: 表头「{header}」中的单位「{unit}」无法识别, 按 "
                             f"{col.unit or '元'} 读取")
    elif k == "rate":
        if "%" in header:
            factor = 0.01
            notes.append(f"{_label(col)}: 表头「{header}」带 %, 数值按百分数读取(÷100)")
        elif "‰" in header:
            factor = 0.001
            notes.append(f"{_label(col)}: 表头「{header}」带 ‰, 数值按千分数读取(÷1000)")
    elif k == "int" and col.unit == "月" and unit in ("年", "年数"):
        factor = 12.0
        notes.append(f"{_label(col)}: 表头「{header}」单位为 年, 已换算为 月(×12)")
    elif k == "int" and col.unit == "月" and unit in DAY_UNITS:  # no days column in this table
        out = C.coerce_number(arr, blank, integer=True)
        bad = ~blank
        out.values = pd.array([pd.NA] * len(arr), dtype="Int64")
        out.problems = [(bad, "NUM_INVALID", f"表头「{header}」期限以天计, 本表期限按月, 天数无法准确换算为月")]
        out.notes.append(f"{_label(col)}: 表头「{header}」期限以天计, 本表只有按月的期限列, 未读取(见数据问题)")
        return out
    elif k == "int" and col.unit == "天":
        notes.append(f"{_label(col)}: 表头「{header}」期限按天读取(不换算为月)")
    out = C.coerce_number(arr, blank, factor=factor, integer=(k == "int"),
                          months=(k == "int" and col.unit == "月"), percent=(k == "rate"),
                          days=(k == "int" and col.unit == "天"))
    if k == "money":  # plausibility: one record of 100 万亿元 or more is an export/keying error
        vals = np.asarray(out.values, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            huge = np.abs(vals) * (C.money_factor(col.unit) or 1.0) >= C.MAX_MONEY_YUAN
        if huge.any():
            out.values = np.where(huge, np.nan, vals)
            out.add(huge, "VALUE_INVALID",
                    f"{C.MONEY_TOO_LARGE}: 绝对值 ≥ {C.MAX_MONEY_YUAN / 1e12:g} 万亿元(按表头单位换算为元后), "
                    f"疑为录入或导出错误")
    if k == "rate" and factor == 1.0 and unit is None:
        vals = np.asarray(out.values, dtype=np.float64)
        strs = C.is_str_array(arr) & ~blank
        has_pct = strs.any() and bool(C.unique_map(arr[strs], _has_pct, bool).any())
        full = vals if codes is None else np.append(vals, np.nan)[codes]
        finite = full[~np.isnan(full)]
        if not has_pct and len(finite) and np.median(np.abs(finite)) > 1:
            out.values = vals / 100.0
            notes.append(f"{_label(col)}: 表头「{header}」未标单位且数值中位数 {np.median(np.abs(finite)):g} "
                         f"> 1, 按百分数读取(÷100)")
    if k == "rate":  # after the scale is settled: a rate outside [0, 100%] is an error, not a result
        vals = np.asarray(out.values, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = (vals < C.RATE_MIN) | (vals > C.RATE_MAX)
        if bad.any():
            out.values = np.where(bad, np.nan, vals)
            out.add(bad, "VALUE_INVALID", C.RATE_OUT_OF_RANGE)
    out.notes.extend(notes)
    return out


def _has_pct(u: str) -> bool:
    return "%" in u or "‰" in u


#: header units of a term in days (``存期(天)``): such a term goes to the table's days column
#: (:attr:`bankxl.tables.Column.days_col`), never into a months column
DAY_UNITS = frozenset({"天", "日", "天数"})


# ============================================================================================ load_frame
#: columns holding each row's currency (币种): loaded as ISO 4217 codes, so 人民币 / RMB / 156 are one CNY
CURRENCY_COLUMNS = frozenset({"ccy"})


def _currency_column(col: Column, values: Any, notes: list[str]) -> Any:
    """A 币种 column's text as ISO codes (:func:`bankxl.coerce.currency_codes`); a 说明 line in ``notes``
    names each value written otherwise (``人民币、156 → CNY``)."""
    codes = C.currency_codes(values)
    both = pd.DataFrame({"raw": pd.array(values, dtype="string"), "code": codes})
    changed = both[(both["raw"] != both["code"]).fillna(False)].drop_duplicates()
    for code, raws in changed.groupby("code", sort=True)["raw"]:
        notes.append(f"{_label(col)}: {'、'.join(f'「{r}」' for r in raws)} 按 ISO 4217 记为 {code}")
    return codes


def _dtype(kind: str) -> str:
    return {"id_card": "string", "code": "string", "text": "string", "category": "string",
            "date": "datetime64[ns]", "month": "datetime64[ns]", "money": "float64", "number": "float64",
            "int": "Int64", "rate": "float64", "bool": "boolean"}[kind]


def load_frame(raw: pd.DataFrame, spec: TableSpec, *, sheet: str | None, first_excel_row: int = 1,
               problems: ProblemLog | None = None, strict: bool = False, source: str = "",
               date1904: bool = False, mask: bool = True, mask_accounts: bool = True) -> LoadedTable:
    """Turn cells as read into a typed canonical table.

    ``raw``: cells (object dtype, no header applied; row 0 is Excel row ``first_excel_row``). The header is
    the first of the top :data:`HEADER_SCAN_ROWS` rows that names every required column (after
    normalisation); rows above it (titles, blanks) are skipped. Headers are matched to 中文名, English id
    (case-insensitive) and aliases, with or without a unit in brackets. Fully blank rows are dropped
    silently; 合计/总计/小计 rows are dropped as SUMMARY_ROW, trailing export footer lines as FOOTER_ROW
    (:func:`_footer_rows`). Each column is coerced to its kind
    (:mod:`bankxl.coerce`); problems go to ``problems`` with the Excel row. Then: REQUIRED_EMPTY (blank cell
    in a required column, row kept), NEG_BALANCE (``nonneg`` column < 0, value kept), DUP_KEY (same
    ``spec.key``: the last row is kept, earlier ones dropped). ``date1904``: plain-number dates are 1904
    serials. Raises DataValidationError: no header / required column missing; in ``strict`` mode also when
    any row problem (other than the informational :data:`~bankxl.errors.INFO_CODES`) was found — its examples
    show 原值 masked as on the 数据问题 sheet (``mask`` / ``mask_accounts``, :meth:`RowProblem.shown_value`).
    """
    if problems is None:
        problems = ProblemLog()
    arr = raw.to_numpy(dtype=object) if isinstance(raw, pd.DataFrame) else np.asarray(raw, dtype=object)
    if arr.ndim != 2:
        arr = arr.reshape(len(arr), -1)
    if arr.size == 0 or arr.shape[0] == 0:
        where = f"工作表「{sheet}」" if sheet else "数据"
        raise DataValidationError(f"{where}为空, 找不到表「{spec.zh}」({spec.id}) 的表头",
                                  f"{'Sheet ' + sheet if sheet else 'The data'} is empty: no header of "
                                  f"table {spec.id}", table=spec.id, sheet=sheet)
    h, mapping = _find_header(arr, spec, sheet=sheet, first_row=first_excel_row)
    data = np.asfortranarray(arr[h + 1:])  # column by column below: each column contiguous
    return _load_body(arr[h], [data[:, j] for j in range(data.shape[1])], spec, mapping, sheet=sheet,
                      header_row=first_excel_row + h, problems=problems, strict=strict, source=source,
                      date1904=date1904, mask=mask, mask_accounts=mask_accounts)


def _load_body(header: np.ndarray, columns: list[np.ndarray], spec: TableSpec, mapping: dict, *,
               sheet: str | None, header_row: int, problems: ProblemLog, strict: bool, source: str,
               date1904: bool, mask: bool, mask_accounts: bool,
               text_of: Any = None, text_cells: bool = False) -> LoadedTable:
    """:func:`load_frame` after the header is found: the data rows below it, one array per column.

    ``header``: the header row's cells; ``columns[j]``: column ``j``'s cells in data-row order (Excel rows
    ``header_row + 1 …``), each an ``object`` array of cells as read, or a typed array read by the parser —
    ``float64`` (numbers; NaN = blank cell), ``datetime64[ns]`` (dates; NaT = blank). A typed column gets the
    same rules as its text (:func:`bankxl.coerce.coerce_number` / :func:`~bankxl.coerce.coerce_date` take
    both); ``text_of(j)``: the original cells of typed column ``j`` (all data rows, object), asked only when
    a problem of that column must show 原值 or a footer test needs its text — None when every column is
    ``object``; ``text_cells``: every ``object`` column holds ``str`` or None only (a CSV). Returns the
    :class:`LoadedTable`; raises as :func:`load_frame`."""
    shown = (mask, mask_accounts)  # ``mask`` names row masks below
    n0 = len(columns[0]) if columns else 0
    rows = np.arange(header_row + 1, header_row + 1 + n0, dtype=np.int64)
    sel = np.arange(n0)  # data rows kept, as indexes of the rows read (for ``text_of``)
    sink = _Sink(spec, sheet, problems)
    notes: list[str] = _body_notes(header, spec, mapping)
    currencies: dict[str, set[str]] = {}
    as_numbers: set[str] = set()  # code / ID columns whose cells were numbers (LoadedTable.as_numbers)
    texts: dict[int, np.ndarray] = {}

    def cells(j: int) -> np.ndarray:
        """Column ``j``'s original cells of the rows kept (the text of a typed column)."""
        if columns[j].dtype == object:
            return columns[j]
        if j not in texts:
            texts[j] = np.asarray(text_of(j), dtype=object)
        return texts[j][sel]

    def select(m: np.ndarray) -> None:
        nonlocal columns, blank, rows, sel, fact
        columns = [c[m] for c in columns]
        blank, rows, sel = blank[m], rows[m], sel[m]
        fact = [f if f is None else (f[0][m], f[1], f[2]) for f in fact]

    # text-only columns (every CSV column) are factorised once: blank test and coercion run per distinct
    # value and are spread back by index (:func:`_factorize_text`); other columns go cell by cell
    fact: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * len(columns)
    if n0:
        bl = []
        for j, col_cells in enumerate(columns):
            if col_cells.dtype.kind in "fM":  # typed by the parser: missing = blank
                bl.append(np.isnan(col_cells) if col_cells.dtype.kind == "f" else np.isnat(col_cells))
                continue
            f = _factorize_text(col_cells, text=text_cells)
            if f is None:
                bl.append(C.blank_mask(col_cells))
            else:
                codes, uniq = f
                bu = C._stripped_blank_many(uniq)  # distinct str, none missing: C.blank_mask(uniq) less its checks
                fact[j] = (codes, uniq, bu)
                bl.append(np.append(bu, True)[codes])
        blank = np.column_stack(bl) if bl else np.zeros((n0, 0), dtype=bool)
    else:
        blank = np.zeros((0, len(columns)), dtype=bool)
    keep = ~blank.all(axis=1) if n0 else np.zeros(0, bool)
    summ, stext = _summary_rows(columns, blank) if n0 else (np.zeros(0, bool), None)
    summ &= keep
    if summ.any():
        sink.add(rows[summ], None, "SUMMARY_ROW", stext[summ], "合计/小计行(非明细数据)")
    keep &= ~summ
    if not keep.all():
        select(keep)
    req_pos = [mapping[c.id][0] for c in spec.required if c.id in mapping]
    foot, ftext = _footer_rows(lambda i, j: columns[j][i] if columns[j].dtype == object else cells(j)[i],
                               blank, req_pos)
    if foot.any():
        sink.add(rows[foot], None, "FOOTER_ROW", ftext[foot], "表尾说明行(制表人/打印日期/单位等), 不是明细")
        select(~foot)
    if sheet is None and len(rows):  # a CSV record longer than its header: its fields may be shifted
        named = np.flatnonzero(~C.blank_mask(header))
        tail = blank[:, named.max() + 1:] if named.size else blank[:, :0]
        longer = ~tail.all(axis=1) if tail.shape[1] else np.zeros(len(rows), bool)
        if longer.any():
            first_extra = named.max() + 1 if named.size else 0
            extra_cells = np.column_stack([cells(j)[longer] for j in range(first_extra, len(columns))])
            extra = np.array([" | ".join(str(v) for v in r if v is not None) for r in extra_cells], dtype=object)
            sink.add(rows[longer], None, "FIELD_COUNT", extra,
                     f"该行的字段比表头({named.max() + 1} 列)多, 多出的值可能是错位的结果, 各列的值可能不对",
                     "行保留; 请核对该行的分隔符与引号")
    n = len(rows)

    cols: dict[str, Any] = {}
    for col in spec.columns:
        if col.id not in mapping:
            cols[col.id] = _blank_rule(col, pd.Series(index=range(n), dtype=_dtype(col.kind)).array, np.ones(n, bool))
            continue
        pos, _c, unit, htxt = mapping[col.id]
        b = blank[:, pos]
        if fact[pos] is not None:
            out = _coerce_factorized(col, *fact[pos], unit, htxt, spec, date1904)
        else:
            out = _coerce_column(col, columns[pos], b, unit, htxt, spec, date1904)
        notes.extend(out.notes)
        if out.as_numbers:
            as_numbers.add(col.id)
        if out.currencies:
            currencies[col.id] = set(out.currencies)
        if col.kind == "money" and unit is not None:  # the header's currency: 余额(EUR); 余额(万元) is CNY
            cur = "CNY" if C.money_factor(unit) is not None else C.CURRENCY_WORDS.get(unit.casefold())
            if cur:
                currencies.setdefault(col.id, set()).add(cur)
        for m, code, reason in out.problems:
            sink.add(rows[m], _label(col), code, cells(pos)[m],
                     reason if isinstance(reason, str) else reason[m], _action(col, code))
        cols[col.id] = (_currency_column(col, out.values, notes) if col.id in CURRENCY_COLUMNS
                        else _blank_rule(col, out.values, b))
        if col.required and not col.blank_ok and b.any():
            sink.add(rows[b], _label(col), "REQUIRED_EMPTY", cells(pos)[b], "必填列为空",
                     _action(col, "REQUIRED_EMPTY"))
        if col.nonneg and col.kind in ("money", "number", "int", "rate"):
            v = np.asarray(pd.array(out.values).to_numpy(dtype=np.float64, na_value=np.nan))
            neg = v < 0
            if neg.any():
                sink.add(rows[neg], _label(col), "NEG_BALANCE", cells(pos)[neg],
                         "金额为负(透支/冲正?), 该列不应为负", _action(col, "NEG_BALANCE"))
    df = pd.DataFrame(cols, index=pd.RangeIndex(n))
    for col in spec.columns:  # enforce dtypes exactly as TableSpec.empty()
        want = _dtype(col.kind)
        if str(df[col.id].dtype) != want:
            df[col.id] = df[col.id].astype(want)
    df["_row"] = pd.array(rows, dtype="Int64")

    key = [k for k in spec.key if k in mapping]
    if key and len(key) == len(spec.key) and n:
        full = df[key].notna().all(axis=1).to_numpy()
        dup = np.zeros(n, dtype=bool)
        sub = df.loc[full, key]
        dup[full] = sub.duplicated(keep="last").to_numpy()
        if dup.any():
            last_row = df.loc[full].groupby(key, sort=False, dropna=False)["_row"].transform("last")
            kept = pd.Series(pd.NA, index=df.index, dtype="Int64")
            kept[full] = last_row
            acts = np.array([f"剔除该行, 保留同一主键的最后一条(第 {int(r)} 行)" for r in kept[dup]], dtype=object)
            keyvals = df.loc[dup, key].astype(str).agg(" / ".join, axis=1).to_numpy(dtype=object)
            label = "、".join(_label(spec.column(k)) for k in key)
            sink.add(rows[dup], label, "DUP_KEY", keyvals, "主键重复", acts)
            df = df.loc[~dup].reset_index(drop=True)
    df.attrs.update({"table": spec.id, "sheet": sheet, "source": source,
                     "columns_found": [c.id for c in spec.columns if c.id in mapping]})
    for nt in notes:
        log.info("%s: %s", spec.id, nt)
    if strict and sink.count:
        raise _strict_error(spec, sheet, sink, shown)
    return LoadedTable(spec.id, df, sheet, source, header_row, len(df), notes, currencies, frozenset(as_numbers))


def _body_notes(header: np.ndarray, spec: TableSpec, mapping: dict) -> list[str]:
    """The 说明 lines of a table's header once ``mapping`` is chosen (:func:`_header_notes`, and a required
    column the scenario derives). One definition for :func:`_load_body` and the DuckDB loader
    (:mod:`bankxl.engine.load`)."""
    notes = _header_notes(header, spec, mapping)
    notes += [f"表「{spec.zh}」的表头中没有「{c.zh}」列({c.id}), 由场景按 {_derivable_text(spec, c)[3:-1]} 推算"
              for c in spec.required if c.id not in mapping]  # derivable: else _find_header raised
    return notes


def _strict_error(spec: TableSpec, sheet: str | None, sink: _Sink, shown: tuple) -> DataValidationError:
    """Strict mode's error for a table whose ``sink`` counted row problems (examples masked as ``shown`` =
    (mask, mask_accounts)), located at the first problem in the file (its column and Excel row; the examples in
    row order). One definition for :func:`_load_body` and the DuckDB loader."""
    ex = "; ".join(f"第 {p.excel_row} 行 {p.column or ''} {p.code} 原值「{p.shown_value(*shown)}」"
                   f"{p.reason}" for p in sink.samples)
    first = sink.samples[0] if sink.samples else None
    col = next((c for c in spec.columns if first is not None and _label(c) == first.column), None)
    return DataValidationError(
        f"严格模式: 表「{spec.zh}」({spec.id}) 有 {sink.count} 个数据问题, 例如: {ex}",
        f"Strict mode: table {spec.id} has {sink.count} row problem(s), e.g. "
        + "; ".join(f"row {p.excel_row} {p.column or ''} {p.code} {p.shown_value(*shown)!r}"
                    for p in sink.samples),
        table=spec.id, sheet=sheet, excel_row=first.excel_row if first else None,
        column=col.id if col else None, column_zh=col.zh if col else (first.column if first else None))


#: column kinds a CSV is parsed into as numbers by pandas' C parser (:func:`_load_csv_typed`)
TYPED_KINDS = frozenset({"money", "number", "int", "rate"})


def _csv_top(path: Path) -> tuple[bytes, str, str, str | None, str, list[list[str]], np.ndarray] | None:
    """The first records of a CSV without parsing the whole file: ``(bytes, encoding, text, encoding note,
    delimiter, records, cells)`` — the first ``HEADER_SCAN_ROWS + 20`` records (csv module) and the same as
    an object array (blank cells None, short records padded), as :func:`read_raw_csv` detects encoding and
    delimiter. None for what :func:`read_raw_csv` must decide (unreadable, empty, mixed or undetected
    encoding, a record over :data:`MAX_CSV_COLUMNS`)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.replace(b"\x00", b"").strip():
        return None
    enc, text, enc_note = _decode_detected(data)
    if text is None or enc == MIXED_ENCODING:
        return None
    text = text.lstrip("\ufeff")
    sep = detect_delimiter(text)
    probe = _probe_records(text, sep, HEADER_SCAN_ROWS + 20)
    if not probe:
        return None
    width = max(len(r) for r in probe)
    if width > MAX_CSV_COLUMNS:
        return None
    top = np.full((len(probe), width), None, dtype=object)
    for i, r in enumerate(probe):
        top[i, :len(r)] = [v if v != "" else None for v in r]
    return data, enc, text, enc_note, sep, probe, top


def _load_csv_typed(path: Path, spec: TableSpec, notes: list[str], **kw: Any) -> LoadedTable | None:
    """One CSV file as ``spec``, parsed typed: the number columns of the table (:data:`TYPED_KINDS`) by
    pandas' C parser straight into float64, every other column as text (IDs keep their leading zeros), then
    :func:`_load_body` — the same rules, problems, row numbers and messages as :func:`read_raw_csv` +
    :func:`load_frame` (a typed column goes through the same coercer; its text is read again only for the
    original values of the cells with a problem). ``notes``: the encoding note is appended (as
    :meth:`_Cand.raw` does). ``kw``: :func:`load_frame`'s options.

    A number column the parser cannot take whole (a ``1,234`` / ``1.2万`` / ``--`` cell, text, ``inf``)
    is read as text, only that column, by the text rules. None — the caller then reads the file the
    general way — whenever this path could differ: a file of mixed encodings, an ``sep=`` line, a header not
    found in the first rows (the general path raises its error), a field holding a line break (records ≠
    lines), or the C tokenizer and the csv module disagreeing on the first records."""
    top_ = _csv_top(path)
    if top_ is None:
        return None
    data, enc, text, enc_note, sep, probe, top = top_
    if probe[0] and re.fullmatch(r"sep=.", probe[0][0].strip()):
        return None
    width = top.shape[1]
    try:
        h, mapping = _find_header(top[:HEADER_SCAN_ROWS], spec, sheet=None, first_row=1)
    except DataValidationError:
        return None
    if any("\n" in v or "\r" in v for r in probe[:h + 1] for v in r):
        return None  # skipping h + 1 lines must skip h + 1 records
    typed = sorted(pos for cid, (pos, col, unit, _t) in mapping.items()
                   if col.kind in TYPED_KINDS and not (col.unit == "月" and unit in DAY_UNITS))
    try:
        utf8 = data if enc == "utf-8" else text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the general path (csv module)
        return None
    try:
        df = _c_read(utf8, sep, width, skip=h + 1, dtype={j: object for j in range(width) if j not in typed},
                     na_values={j: sorted(C.BLANK_TEXTS) for j in typed})
    except _TooWide:
        return None
    if df is None:
        return None
    n = len(df)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if h + 1 + n != lines:
        return None  # a field with a line break, a lone CR …: the general path reads it
    width = df.shape[1]

    def text_of(j: int) -> np.ndarray:
        col = _c_read(utf8, sep, width, skip=h + 1, usecols=[j], dtype=object, na_filter=False)[j].to_numpy(dtype=object)
        return np.where(col == "", None, col)

    columns: list[np.ndarray] = []
    for j in range(width):
        col = df[j].to_numpy()
        if j in typed:
            if col.dtype.kind in "iuf" and not np.isinf(col := col.astype(np.float64, copy=False)).any():
                columns.append(col)
                continue
            col = text_of(j)  # a cell the parser could not take as a number: the column as text
        else:
            col = np.where(col == "", None, col)
        columns.append(col)
    for k, r in enumerate(probe[h + 1:h + 21]):  # the tokenizer and the csv module read the same fields
        if k >= n or any(columns[j][k] != (v or None) for j, v in enumerate(r) if columns[j].dtype == object):
            return None
    header = np.full(width, None, dtype=object)
    header[:top.shape[1]] = top[h, :width]
    notes.append(f"文件 {path.name}: {enc_note or f'编码: {_ENC_NAMES.get(enc, enc)}'}")
    return _load_body(header, columns, spec, mapping, sheet=None, header_row=1 + h, text_of=text_of,
                      text_cells=True, **kw)


#: Parquet input (read through DuckDB): one table per file, named by its stem like a CSV
PARQUET_EXT = {".parquet"}


#: DuckDB types of Parquet columns that hold no single cell value: lists (``DOUBLE[]``), fixed arrays
#: (``INTEGER[3]``), STRUCT / MAP / UNION, and binary data (BLOB, BIT)
_UNSUPPORTED_PARQUET_TYPE = re.compile(r"\[\d*\]$|^(STRUCT|MAP|UNION|BLOB|BIT)\b")
#: a whole-number DECIMAL (``DECIMAL(18,0)``, Oracle NUMBER(18) exported): DuckDB's pandas conversion makes it a
#: float (digits past 15 lost); up to 18 digits it is read as BIGINT instead, exact like any integer column
_WHOLE_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*0\)$")


def _read_parquet(path: Path, limit: int | None = None) -> pd.DataFrame:
    """All columns of a Parquet file (its first ``limit`` rows) as a pandas DataFrame, through DuckDB
    (numbers, dates and booleans keep their types, a whole-number DECIMAL of up to 18 digits as BIGINT
    (:data:`_WHOLE_DECIMAL`); text as ``str``). A column of a type that holds no cell
    value (:data:`_UNSUPPORTED_PARQUET_TYPE`: list, struct, map, binary) is not read: it comes back all
    missing, and ``df.attrs["unsupported"]`` maps its position to its DuckDB type (``{6: 'BLOB'}``) for
    :func:`_load_parquet`. Raises DataValidationError (Chinese + English, naming the file) when DuckDB cannot
    read it (not a Parquet file, damaged)."""
    import duckdb

    try:
        con = duckdb.connect()
        try:
            schema = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
            bad = {j: str(r[1]) for j, r in enumerate(schema) if _UNSUPPORTED_PARQUET_TYPE.search(str(r[1]))}
            whole = {j for j, r in enumerate(schema) if (m := _WHOLE_DECIMAL.match(str(r[1]))) and int(m[1]) <= 18}

            def expr(j: int, name: str) -> str:
                q = '"' + name.replace('"', '""') + '"'
                return f"NULL AS {q}" if j in bad else f"CAST({q} AS BIGINT) AS {q}" if j in whole else q
            select = "*" if not (bad or whole) else ", ".join(expr(j, str(r[0])) for j, r in enumerate(schema))
            sql = f"SELECT {select} FROM read_parquet(?)" + ("" if limit is None else f" LIMIT {int(limit)}")
            df = con.execute(sql, [str(path)]).df()
            df.attrs["unsupported"] = bad
            return df
        finally:
            con.close()
    except duckdb.Error as exc:
        log.debug("duckdb cannot read %s: %s", path, exc)
        raise _not_parquet(path, duckdb_reason(exc, path)) from None


class FileUnreadable(DataValidationError):
    """A DataValidationError saying an input FILE cannot be read at all (damaged, not the format its name says),
    found while loading it: :func:`read_tables` treats it as a file that cannot be opened — it fails only its table
    (an optional table of one scenario's run is left out, :class:`NotUsed` ``table``)."""


def duckdb_reason(exc: BaseException, path: Path) -> str:
    """DuckDB's reason for not reading ``path``, short: the first line of ``exc`` without the error class and the
    file's path (``Failed to read file "/x/a.parquet": Snappy decompression failure`` -> ``Snappy decompression
    failure``), at most 200 characters."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    msg = re.sub(r"^[A-Za-z ]*Error: ", "", msg)
    msg = re.sub(r"^Failed to read file \"[^\"]*\": ", "", msg).replace(str(path), path.name)
    return msg[:200]


def _not_parquet(path: Path, reason: str | None = None) -> FileUnreadable:
    """The error of a file that is not a readable Parquet file (Chinese + English, naming it); ``reason``: DuckDB's
    (:func:`duckdb_reason`), when it opened the file and failed reading it."""
    why = f"(DuckDB: {reason})" if reason else ""
    return FileUnreadable(f"文件 {path.name} 不是有效的 Parquet 文件(或已损坏), 无法读取{why}。",
                          f"File {path.name} is not a valid Parquet file (or is damaged); cannot read it{' ' + why if why else ''}.")


def _check_parquet(path: Path) -> None:
    """DataValidationError when ``path`` cannot be a Parquet file, from its first and last bytes only (no read of
    its rows or metadata): an empty file (「文件为空」), else one that does not start with the magic ``PAR1`` or
    does not end with a footer length + ``PAR1`` that fits the file (Parquet format: 'PAR1' <data> <metadata>
    <4-byte little-endian metadata length> 'PAR1') — random bytes, a truncated copy, another format renamed.
    Damage inside the metadata or the data is found when the file is read (:func:`_read_parquet`)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(max(size - 8, 0))
            tail = fh.read(8)
    except OSError as exc:
        raise DataValidationError(f"无法读取文件 {path}: {exc}", f"Cannot read file {path}: {exc}") from exc
    if size == 0:
        _check_not_empty(path, b"")
    if size < 12 or head != b"PAR1" or tail[4:] != b"PAR1" or int.from_bytes(tail[:4], "little") > size - 12:
        raise _not_parquet(path)


def _parquet_columns(df: pd.DataFrame, spec: TableSpec, mapping: dict
                     ) -> tuple[list[np.ndarray], list[str], set[str]]:
    """The columns of a Parquet frame for :func:`_load_body`, 说明 notes, and the code / ID columns stored as
    integers (:attr:`LoadedTable.as_numbers`). A column whose stored type fits
    its kind is handed over typed — numbers (:data:`TYPED_KINDS`) as float64, dates (date / month) as
    datetime64 — every other column as ``object`` cells (text, ints, bools, Timestamps; missing = None) and
    goes through the same text rules as a CSV or a workbook's cells. A code or ID column (账号, 客户号, 证件号 …)
    stored as INTEGERS (BIGINT, INT64, UBIGINT …) holds every digit exactly, however many (a 16-digit 账号, an
    18-digit 证件号): it is handed over as the integers' decimal text, so no precision rule applies (only a
    FLOAT column, like an Excel number cell, has lost digits past 15: VALUE_INVALID / ID_CORRUPT by
    :func:`bankxl.coerce.coerce_text` / :func:`_coerce_id`); its leading zeros are gone, which ``notes`` says
    (:func:`_codes_as_numbers_note`)."""
    kinds = {pos: col for pos, col, _u, _t in mapping.values()}
    columns, notes, as_numbers = [], [], set()
    for j, name in enumerate(df.columns):
        s = df[name]
        col = kinds.get(j)
        if col is not None and col.kind in ("code", "id_card") and pd.api.types.is_integer_dtype(s.dtype) \
                and not pd.api.types.is_bool_dtype(s.dtype):
            missing = np.asarray(pd.isna(s), dtype=bool)
            n = _codes_as_numbers(s.to_numpy(dtype=object), missing)
            notes.extend(_codes_as_numbers_note(col, n))
            if n:
                as_numbers.add(col.id)
            cells = s.astype("string").to_numpy(dtype=object)  # exact decimal digits of each integer
            cells[missing] = None
            columns.append(cells)
            continue
        if col is not None and col.kind in TYPED_KINDS and (pd.api.types.is_float_dtype(s.dtype)
                                                           or pd.api.types.is_integer_dtype(s.dtype)):
            vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
            if not np.isinf(vals).any():  # inf: the cell rules say NUM_INVALID
                columns.append(vals)
                continue
        if col is not None and col.kind in ("date", "month") and isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
            columns.append(s.to_numpy())
            continue
        cells = s.to_numpy(dtype=object)
        missing = np.asarray(pd.isna(s), dtype=bool)
        if missing.any():
            cells = cells.copy()
            cells[missing] = None
        columns.append(cells)
    return columns, notes, as_numbers


def _load_parquet(path: Path, spec: TableSpec, notes: list[str], **kw: Any) -> LoadedTable:
    """One Parquet file as ``spec`` (:func:`_read_parquet`, :func:`_parquet_columns`, then the loader's
    rules, :func:`_load_body`). The column names are the header (names, ids, aliases, units as in a CSV).
    Row numbers are the file's data rows (1 = the first record; Parquet has no header row): problems show
    them in the 行号 column and a 说明 note says so. Raises DataValidationError as :func:`load_frame`
    (a required column missing names the file's columns)."""
    df = _read_parquet(path)
    header = np.array([str(c) for c in df.columns], dtype=object)
    _h, mapping = _find_header(header.reshape(1, -1), spec, sheet=None, first_row=1)
    for pos, col, _unit, _txt in mapping.values():
        if (typ := df.attrs["unsupported"].get(pos)) is not None:
            raise DataValidationError(
                f"文件 {path.name} 的「{header[pos]}」列(表「{spec.zh}」的 {_label(col)})在 Parquet 中的存储类型是 "
                f"{typ}(列表/结构/映射/二进制), 不支持: 一个单元格应是一个文本、数值或日期。请将该列导出为普通的文本/数值/日期列",
                f"File {path.name}: column 「{header[pos]}」 (table {spec.id}, {col.id}) is stored in Parquet as {typ} "
                f"(list / struct / map / binary), which is not supported: each cell must be one text, number or "
                f"date. Export the column as a plain text / number / date column.",
                table=spec.id, column=col.id, column_zh=col.zh)
    columns, col_notes, as_numbers = _parquet_columns(df, spec, mapping)

    def cells(j: int) -> np.ndarray:  # a typed column's values as cells (floats, Timestamps; missing None)
        s = pd.Series(columns[j])
        return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)

    notes.append(_parquet_rows_note(path))
    lt = _load_body(header, columns, spec, mapping, sheet=None, header_row=0, text_of=cells, **kw)
    lt.unit_notes[:0] = col_notes
    lt.as_numbers |= as_numbers
    return lt


def _parquet_rows_note(path: Path) -> str:
    """The 说明 line of a Parquet input: its row numbers are data rows (one text for both loaders)."""
    return (f"文件 {path.name}: Parquet 文件, 数据问题中的行号为数据行号(第 N 行（数据行）= 第 N 条记录) / "
            f"row numbers are data rows (data row N = record N)")


# ============================================================================================ read_tables
def frame_to_raw(df: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame with headers as columns -> raw cells (header as row 0). A frame with a default
    RangeIndex of columns (read without header) is taken as raw already."""
    if isinstance(df.columns, pd.RangeIndex):
        return df.astype(object)
    head = np.array([list(map(str, df.columns))], dtype=object)
    body = df.to_numpy(dtype=object) if len(df.columns) else np.empty((len(df), 0), dtype=object)
    return pd.DataFrame(np.vstack([head, body.reshape(len(df), len(df.columns))]), dtype=object)


@dataclass
class _Cand:
    """A place a table may come from."""

    kind: str  # "table" | "sheet" | "csv" | "parquet" | "frame"
    name: str | None
    source: str
    book: _Book | None = None
    path: Path | None = None
    frame: pd.DataFrame | None = None
    sheet: str | None = None
    _raw: tuple | None = None
    #: informational notices found while reading (Excel table: rows below it, header cells ≠ stored names)
    notes: list[str] = field(default_factory=list)

    def raw(self) -> tuple[pd.DataFrame, int, str | None, bool]:
        """(raw cells, Excel row of raw row 0, sheet, date1904)."""
        if self._raw is None:
            if self.kind == "table":
                r, first, sh, found = self.book.table(self.name)
                self.notes = self.notes + found
                self._raw = (r, first, sh, self.book.date1904)
            elif self.kind == "sheet":
                r, first = self.book.sheet(self.name)
                self._raw = (r, first, self.name, self.book.date1904)
            elif self.kind == "csv":
                r = read_raw_csv(self.path)
                self.notes = self.notes + [f"文件 {self.path.name}: {r.attrs['encoding_note']}"]
                self._raw = (r, 1, None, False)
            elif self.kind == "parquet":  # raw row 0 = the column names, data row N = row N
                self._raw = (frame_to_raw(_read_parquet(self.path)), 0, None, False)
            else:
                self._raw = (frame_to_raw(self.frame), 1, None, False)
        return self._raw

    def head(self) -> np.ndarray:
        """The top rows only (for header sniffing; cheap for big sheets)."""
        if self.kind == "sheet" and self._raw is None:
            r, _ = self.book.sheet(self.name, nrows=HEADER_SCAN_ROWS)
            return r.to_numpy(dtype=object)
        if self.kind == "parquet" and self._raw is None:
            return frame_to_raw(_read_parquet(self.path, limit=HEADER_SCAN_ROWS - 1)).to_numpy(dtype=object)
        if self.kind == "csv" and self._raw is None and self.path is not None:
            top = _csv_top(self.path)  # the first records only: the file is then loaded typed
            if top is not None and not (top[5][0] and re.fullmatch(r"sep=.", top[5][0][0].strip())):
                return top[6][:HEADER_SCAN_ROWS]
        return self.raw()[0].iloc[:HEADER_SCAN_ROWS].to_numpy(dtype=object)

    def is_data(self) -> bool:
        if self.kind == "sheet" and self.name in OWN_SHEETS:
            return False
        h = self.head()
        return h.size > 0 and not all(C.blank_mask(h.ravel()))

    def describe(self) -> str:
        return {"table": f"Excel 表 {self.name}", "sheet": f"工作表 {self.name}", "csv": "CSV",
                "parquet": "Parquet", "frame": f"DataFrame {self.name or ''}".strip()}[self.kind]


def _same_content(a: _Cand, b: _Cand, raw: bool = True) -> bool:
    """Whether two sources hold the same cells (the raw grid from its first row, trailing blanks ignored):
    identical copies of one table in two files are one table, not an ambiguity. ``raw=False``: a CSV or Parquet
    file is never read as a raw grid (a big file's cells as objects; its typed load would then take the raw path):
    only byte-identical files of one kind are the same here — the others' TYPED rows are compared when they are
    loaded (:func:`read_tables`, :func:`bankxl.copies.first_difference`)."""
    if not raw and (a.kind in ("csv", "parquet") or b.kind in ("csv", "parquet")):
        return (a.kind == b.kind and a.path is not None and b.path is not None
                and filecmp.cmp(a.path, b.path, shallow=False))
    ra, rb = a.raw()[0], b.raw()[0]
    if ra.shape != rb.shape:
        return False
    va, vb = ra.to_numpy(dtype=object), rb.to_numpy(dtype=object)
    blank_a, blank_b = C.blank_mask(va.ravel()), C.blank_mask(vb.ravel())
    if not np.array_equal(blank_a, blank_b):
        return False
    keep = ~blank_a
    return bool(np.array_equal(va.ravel()[keep].astype(str), vb.ravel()[keep].astype(str)))


def _identical_copies(spec: TableSpec, first: _Cand, others: list[_Cand], raw: bool = True) -> bool:
    """Whether ``others`` hold the same cells as ``first`` (:func:`_same_content`, ``raw`` as there); if so
    ``first`` is the table and its 说明 notice names the copies left aside."""
    if not all(_same_content(first, o, raw) for o in others):
        return False
    first.notes.append(f"表「{spec.zh}」在 {len(others) + 1} 处内容相同, 使用 {_where(first)}"
                       f"(其余: {'; '.join(_where(o) for o in others)})")
    return True


def _candidates(sources, broken: list[tuple[Path, DataValidationError]] | None = None) -> list[_Cand]:
    """The places tables may come from, in the order given. A file given twice (the same path, or another
    path to the same file) is read once; its candidates carry a 说明 notice saying so. ``broken``: when given (a
    list), a file that cannot be opened (a 0-byte CSV or workbook, not a workbook, an unsupported type) is
    appended there as (path, its DataValidationError) and left out instead of raised (``bankxl run all``)."""
    out: list[_Cand] = []
    seen: dict[tuple[int, int], str] = {}
    for src in sources:
        n_out = len(out)
        try:
            _add_candidates(src, out, seen)
        except DataValidationError as e:
            if broken is None or isinstance(src, (pd.DataFrame, Mapping)) or not Path(src).exists():
                raise
            del out[n_out:]
            broken.append((Path(src), e))
    return out


def _add_candidates(src, out: list[_Cand], seen: dict[tuple[int, int], str]) -> None:
    """:func:`_candidates` of one source, appended to ``out``."""
    if isinstance(src, pd.DataFrame):
        out.append(_Cand("frame", None, "<DataFrame>", frame=src))
    elif isinstance(src, Mapping):
        for k, v in src.items():
            out.append(_Cand("frame", str(k), f"<DataFrame {k}>", frame=v))
    else:
        p = Path(src)
        if not p.exists():
            raise DataValidationError(f"文件不存在: {p}", f"File not found: {p}")
        st = p.stat()
        first = seen.setdefault((st.st_dev, st.st_ino), str(p))
        if first != str(p) or any(c.source == str(p) for c in out):
            for c in out:
                if c.source == first:
                    c.notes.append(f"文件 {p.name} 被指定了不止一次(同一个文件), 只读取一次")
            return
        ext = p.suffix.lower()
        foreign = _foreign_cands(p) if ext == ".xls" else None
        if foreign is not None:  # a web page or text saved as .xls
            out.extend(foreign)
        elif ext in EXCEL_EXT:
            book = _Book(p)
            for t in book.tables:
                out.append(_Cand("table", t, str(p), book=book))
            for s in book.sheets:
                out.append(_Cand("sheet", s, str(p), book=book))
        elif ext in PARQUET_EXT:
            _check_parquet(p)  # an empty or damaged file is an error here, as an empty CSV or workbook is
            out.append(_Cand("parquet", p.stem, str(p), path=p))
        elif ext in CSV_EXT:
            try:
                with open(p, "rb") as fh:
                    head = fh.read(65536)
            except OSError as exc:
                raise DataValidationError(f"无法读取文件 {p}: {exc}", f"Cannot read file {p}: {exc}") from exc
            if len(head) < 65536:  # a small file: an empty one is an error, not "table not found"
                _check_not_empty(p, head)
            out.append(_Cand("csv", p.stem, str(p), path=p))
        else:
            raise DataValidationError(f"不支持的文件类型: {p.name}(支持 .xlsx/.xlsm/.xls/.csv/.parquet)",
                                      f"Unsupported file type: {p.name} (use .xlsx/.xlsm/.xls/.csv/.parquet)")


def _foreign_cands(p: Path) -> list[_Cand] | None:
    """Candidates of an .xls file that is really a web page (one per ``<table>`` with
    cells, the largest first and named after the file like a CSV, rows numbered within the table) or text
    (CSV / tab-separated, read like a .csv); each carries a 说明 notice saying what the file was. None for
    anything else (a workbook, or a file calamine will refuse with :func:`not_a_workbook`)."""
    try:
        kind = sniff(p)
    except OSError:
        return None
    if kind == "text":
        raw = read_raw_csv(p)
        sep = {"\t": "制表符", ",": "逗号", ";": "分号", "|": "竖线"}.get(raw.attrs.get("delimiter"), "")
        c = _Cand("csv", p.stem, str(p), path=p, notes=[
            f"文件 {p.name} 实为文本文件({sep}分隔, 编码 {raw.attrs.get('encoding')})而非 Excel 工作簿, 已按文本读取。"])
        c._raw = (raw, 1, None, False)
        return [c]
    if kind != "html":
        return None
    data = p.read_bytes()
    text = None
    declared = html_charset(data)
    if declared:
        try:
            text = data.decode("gb18030" if declared in ("gb2312", "gbk", "gb18030") else declared)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        enc, text, _note = _decode_detected(data)
        text = data.decode(enc) if text is None else text
    tables = [t for t in html_tables(text) if any(v is not None for r in t for v in r)]
    if not tables:
        raise DataValidationError(f"文件 {p.name} 实为网页(HTML)而非 Excel 工作簿, 其中没有表格。",
                                  f"File {p.name} is a web page (HTML), not a workbook, and holds no table.")
    tables.sort(key=lambda t: -sum(len(r) for r in t))  # stable: the largest first, then page order
    out = []
    for k, t in enumerate(tables):
        c = _Cand("csv", p.stem if k == 0 else None, str(p), path=p, notes=[
            f"文件 {p.name} 实为网页(HTML)表格导出而非 Excel 工作簿, 已按网页中的表格读取"
            f"(共 {len(tables)} 个表格, 行号为表格内的行号)。"])
        c._raw = (_rows_frame(t), 1, None, False)
        out.append(c)
    return out


#: a source whose header lacks at most this many required columns of a table (and holds at least two) is
#: reported as that table with the columns missing, when it is the only such source
NEAR_MISS = 2


def _near_miss(c: _Cand, spec: TableSpec) -> bool:
    try:
        _i, mapping, complete = _scan_header(c.head(), spec)
    except Exception:  # noqa: BLE001 - as _header_fits: a source that cannot be sniffed is no candidate
        log.debug("header sniff failed on %s", c.describe(), exc_info=True)
        return False
    missing = len(spec.missing_required(mapping))
    return not complete and 1 <= missing <= NEAR_MISS and len(spec.required) - missing >= 2


def _header_fits(c: _Cand, spec: TableSpec) -> bool:
    try:
        h = c.head()
        _find_header(h, spec, sheet=c.name, first_row=1)
        return True
    except DataValidationError:
        return False
    except Exception:
        log.debug("header sniff failed on %s", c.describe(), exc_info=True)
        return False


#: a sheet named by a date or a month (the wide layout of :attr:`bankxl.tables.TableSpec.wide`): 2024-01, 202401,
#: 2024年1月, 2024.01, 2024-01-31, 20240131
_SHEET_DATE = re.compile(r"^\s*(\d{4})\s*[-./年]?\s*(\d{1,2})\s*(?:[-./月]?\s*(\d{1,2})\s*日?)?\s*月?(?:末)?\s*$")
_WIDE_UNIT = re.compile(r"(万亿元|亿元|万元|千元|元)")


def _sheet_date(name: str | None) -> str | None:
    """The date a sheet's name gives (``yyyy-mm-dd``; a month = its last day), or None."""
    m = _SHEET_DATE.match(str(name or ""))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    month = pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")
    day = int(m.group(3)) if m.group(3) else month.days_in_month
    return f"{month}-{day:02d}" if 1 <= day <= month.days_in_month else None


def _wide_sheets(spec: TableSpec, cands: list, used: set[int]) -> list:
    """The unused sheets of one workbook named by a date whose header names the wide layout's row-label column
    (:attr:`TableSpec.wide`), or []: the wide layout of ``spec`` (one sheet per date)."""
    lookup = _lookup(spec)
    label = spec.column(spec.wide[1])
    out = []
    for c in cands:
        if c.kind != "sheet" or id(c) in used or _sheet_date(c.name) is None:
            continue
        head = c.head()
        if any((m := _match_header(r[0] if len(r) else None, lookup)) and m[0] is label for r in head):
            out.append(c)
    return [c for c in out if c.source == out[0].source] if out else []


def _load_wide(spec: TableSpec, sheets: list, problems: ProblemLog, **kw) -> LoadedTable:
    """The long table of the wide layout (:attr:`TableSpec.wide` = date, row label, column header, value):
    each sheet's header row is the row whose first cell names the row-label column (e.g. 项目/指标); the cells
    right of it are the column headers (bank names), the first column below the row labels, each cell a value.
    The unit is read from the sheet's cells above or on the header row (``单位: 万元``, ``项目(亿元)``); a sheet
    without one raises DataValidationError (a value in 万元 read as 元 would be 10,000 times off). Each sheet is
    loaded by :func:`load_frame` as a long table; row problems and ``_row`` name the sheet and the Excel row of
    the value's row."""
    d_col, l_col, h_col, v_col = (spec.column(c) for c in spec.wide)
    lookup = _lookup(spec)
    frames, notes, units, as_numbers = [], [], set(), frozenset()
    for c in sheets:  # one sheet per month: tens of sheets
        raw, first, sheet, _d1904 = c.raw()
        arr = raw.to_numpy(dtype=object)
        h = next(i for i in range(min(len(arr), HEADER_SCAN_ROWS))
                 if (m := _match_header(arr[i][0], lookup)) and m[0] is l_col)
        unit = _WIDE_UNIT.search(" ".join(str(v) for v in arr[:h + 1].ravel() if v is not None))
        if unit is None:
            raise DataValidationError(
                f"工作表「{sheet}」(宽表: 每月一张工作表)没有写金额单位; 请在表头上方写「单位: 万元」或「单位: 亿元」。",
                f"Sheet {sheet!r} (wide layout) states no unit; write 单位: 万元 or 单位: 亿元 above the header.",
                table=spec.id, sheet=sheet, column=v_col.id, column_zh=v_col.zh)
        units.add(unit.group(1))
        cols = np.flatnonzero(~C.blank_mask(arr[h, 1:])) + 1
        body = arr[h + 1:]
        rows = np.flatnonzero(~C.blank_mask(body[:, 0])) if len(body) else np.zeros(0, dtype=np.int64)
        r, k = np.repeat(rows, len(cols)), np.tile(cols, len(rows))
        cells = np.vstack([np.array([[d_col.zh, l_col.zh, h_col.zh, f"{v_col.zh}({unit.group(1)})"]], dtype=object),
                           np.column_stack([np.full(len(r), _sheet_date(sheet), dtype=object), body[r, 0],
                                            arr[h, k], body[r, k]]).reshape(-1, 4)])
        excel = first + h + 1 + r  # the Excel row of each melted cell's 指标 row
        own = ProblemLog(cap=problems.cap)
        lt = load_frame(pd.DataFrame(cells), spec, sheet=sheet, first_excel_row=1, problems=own, **kw)
        lt.df["_row"] = pd.array(excel[lt.df["_row"].to_numpy(dtype=np.int64) - 2], dtype="Int64")
        for p in own.problems:  # back to the row the user sees
            ok = p.excel_row is not None and 2 <= p.excel_row < len(excel) + 2
            problems.add(replace(p, excel_row=int(excel[p.excel_row - 2])) if ok else p)
        frames.append(lt.df)
        notes += [n for n in lt.unit_notes if n not in notes]
        as_numbers |= lt.as_numbers
    names = [c.raw()[2] for c in sheets]
    label = f"{names[0]}…{names[-1]}" if len(names) > 1 else names[0]
    df = pd.concat(frames, ignore_index=True)
    notes.insert(0, f"表「{spec.zh}」按宽表读取: {len(sheets)} 个按日期命名的工作表({label}), 每表一行一个{l_col.zh}、"
                    f"一列一个{h_col.zh}, 单位 {'/'.join(sorted(units))}")
    return LoadedTable(spec.id, df, label, sheets[0].source, 0, len(df), notes, as_numbers=as_numbers)


@dataclass(frozen=True)
class NotUsed:
    """A file among :func:`read_tables`' sources that no table was read from (its ``not_used`` list). ``file``: its
    name; ``zh`` / ``en``: why; ``error``: the DataValidationError when it cannot be opened (:func:`_candidates`
    ``broken``), else None; ``table``: the optional input table the file names and that was left out because of
    it (a one-scenario run), else None."""

    file: str
    zh: str
    en: str
    error: DataValidationError | None = None
    table: str | None = None

    def line(self) -> str:
        """The console line: ``  未使用 not used: <file>: 中文 English``; for an optional table left out
        ``  未能读取 failed <table>: 中文 English (…)``, the words ``bankxl run all`` uses for a table it could not read."""
        if self.table is None:
            return f"  未使用 not used: {self.file}: {self.zh} {self.en}"
        return f"  未能读取 failed {self.table}: {self.zh} {self.en} (可选输入表, 本报告未使用它 optional input, left out)"


def _not_used(cs: list[_Cand], specs: list, chosen: dict[str, _Cand]) -> NotUsed:
    """Why no table was read from one file (``cs``: its candidates, none used, none bearing a table name): its
    header cannot be read (the error's text: not decodable, not Parquet …), it holds no cells, or its header fits a
    wanted table that came from elsewhere (or from none: several fitted), else its name is no table name and its
    header fits none of the tables read (a README.txt, a prose note, a workbook of other sheets)."""
    name = Path(cs[0].source).name
    if all(c.kind == "sheet" and c.name in OWN_SHEETS for c in cs):
        return NotUsed(name, "只有 bankxl 自己的工作表(参数、说明等), 没有数据表。", "holds only bankxl's own sheets.")
    try:
        data = [c for c in cs if c.is_data()]
    except DataValidationError as e:  # its text says what (not decodable, not Parquet …); it names no file
        return NotUsed(name, e.message_zh, e.message_en)
    except Exception as e:  # noqa: BLE001 - a source a reader chokes on is reported, not raised: it is not needed
        log.debug("cannot read %s", name, exc_info=True)
        return NotUsed(name, f"无法读取(格式无法识别, {type(e).__name__})。", f"cannot be read ({type(e).__name__}).")
    if not data:
        return NotUsed(name, "没有数据(空白)。", "holds no data.")
    fit = [(spec, chosen.get(spec.id)) for spec, _req in specs if any(_header_fits(c, spec) for c in data)]
    if fit:  # e.g. a second copy of a table, or a file that also fits a table found by name
        return NotUsed(name, "表头符合" + "; ".join(f"表「{s.zh}」({s.id}), 该表已从 {_where(c)} 读取" if c is not None
                                                  else f"表「{s.zh}」({s.id}), 但有多个来源符合, 未采用" for s, c in fit) + "。",
                       "its header fits " + "; ".join(f"table {s.id}, read from {Path(c.source).name}" if c is not None
                                                      else f"table {s.id}, but several sources fit it" for s, c in fit)
                       + ".")
    return NotUsed(name, "名称不是标准表名(如 定期存款明细、客户), 表头也不符合本次读取的表, 未读取其中数据。",
                   "its name is no table name and its header fits none of the tables read; nothing was read from it.")


def read_tables(sources: Sequence[str | Path | pd.DataFrame | Mapping[str, pd.DataFrame]],
                wanted: Sequence[str], optional: Sequence[str] = (), problems: ProblemLog | None = None,
                strict: bool = False, mask: bool = True, mask_accounts: bool = True,
                errors: dict[str, DataValidationError] | None = None, engine_tables: Sequence[str] = (),
                engine: Any = None, not_used: list[NotUsed] | None = None) -> dict[str, LoadedTable]:
    """Find and load each wanted canonical table (ids or any name) in the sources.

    Sources: .xlsx/.xlsm/.xls (sheets and Excel tables/ListObjects), .csv/.txt/.tsv, .parquet (one table per
    file like a CSV; row numbers are data rows), DataFrames (headers as columns), mappings name -> DataFrame. Lookup per table, in order: (1) an Excel table, sheet, CSV / Parquet file
    stem or mapping key named by one of the table's names (id, 中文名, aliases; normalised, case-insensitive);
    (2) header matching, only as a fallback among sources that bear no canonical table name: a sheet / Excel
    table / CSV / mapping key named after ANY canonical table (:data:`bankxl.tables.TABLES`, e.g. 贷款), and a
    sheet holding an Excel table so named, is never used for another table, even when its headers contain
    that table's required columns. A source that is the only one whose header row names all required
    columns of a table is taken (repeated until stable, so a source fitting two tables goes to the one it
    alone fits); when several sources still fit one table, DataValidationError lists them (no guessing);
    (3) when exactly one table is wanted and exactly one unnamed data source is left (bankxl's own
    参数/说明/数据问题/节假日 sheets ignored), that source — so a missing column is reported on it; (4) for a
    required table still not found, the one source whose header lacks at most :data:`NEAR_MISS` required
    columns (holding at least two; also when an optional table took it by header): loading it reports the missing columns (a CSV's error names the file). Returns
    {table id: LoadedTable} (``sheet`` / ``source`` say where each came from); optional tables not found are
    absent. ``mask`` / ``mask_accounts``: how a strict-mode error shows 原值 (:func:`load_frame`).
    Raises DataValidationError for a missing required table (names the table and where it looked),
    for ambiguous sources, and for structural problems of a found table. ``errors``: when given (a dict), the
    DataValidationError of an *optional* table (ambiguous sources, header or required column missing, strict
    mode) is stored there under its id and the table left out, instead of raised — ``bankxl run all`` loads
    every table once and skips only the scenarios that need a table that failed; so is a file that cannot be
    opened at all (a 0-byte CSV or workbook, a file that is not a workbook): under the table its name names
    (``loans.csv`` / ``贷款.csv`` -> ``loans``), else under its file name (``笔记.csv``; in ``not_used`` when that is
    given), the other files still read.
    ``not_used``: when given (a list), a :class:`NotUsed` is appended, with the reason, for each file no table was
    read from that bears no table name (a README.txt, a prose note, a random-bytes .csv, a workbook of other sheets;
    the unused sheets of a used workbook are not listed, as before; a readable file named after a table not wanted
    here neither), and for each file that cannot be opened (:func:`_candidates` ``broken``: 0-byte, damaged
    workbook or Parquet) and names no wanted table — with ``errors`` (run all) no longer an entry of ``errors``.
    Without ``errors`` (one scenario's run) a file that cannot be opened and names a *required* table raises its
    error (naming the file); one naming an optional table leaves that table out (``NotUsed.table``); when a
    required table is not found, the one unopenable file that names no table is its likely source and its error is
    raised (as before: ``bankxl run D2 -i 空.csv``), several are listed in the not-found error. ``engine_tables``:
    table ids
    that may be read through DuckDB without their rows in pandas (:func:`bankxl.engine.inputs.load_file`:
    a Parquet file, or a CSV with ``engine`` DuckDB or over the size threshold); their ``df`` is then a
    :class:`bankxl.engine.inputs.DuckTable` with the same values and problems.
    """
    if problems is None:
        problems = ProblemLog()
    specs = [(get_table(w), True) for w in wanted] + [(get_table(o), False) for o in optional]
    seen_ids: set[str] = set()
    specs = [(s, r) for s, r in specs if not (s.id in seen_ids or seen_ids.add(s.id))]
    broken: list[tuple[Path, DataValidationError]] | None = [] if errors is not None or not_used is not None else None
    n_before = len(not_used) if not_used is not None else 0
    cands = _candidates(sources, broken)
    chosen: dict[str, _Cand] = {}
    used: set[int] = set()
    copies: dict[str, list[_Cand]] = {}  # table id -> the other files named as it (not byte-identical): compared typed

    required = {s.id for s, r in specs if r}

    def failed(spec, err: DataValidationError) -> None:
        if errors is None or spec.id in required:
            raise err
        errors[spec.id] = err

    ids = {s.id for s, _r in specs}
    for path, err in broken or ():  # a file that cannot be opened fails the table it is named after, nothing else
        owner = _canonical_owner(path.stem)
        if owner in ids and (errors is not None or owner in required):
            failed(get_table(owner), err)
        elif owner in ids:  # one scenario's run: an optional table left out
            not_used.append(NotUsed(path.name, err.message_zh, err.message_en, err, owner))
        elif not_used is not None:  # a file no table needed
            not_used.append(NotUsed(path.name, err.message_zh, err.message_en, err))
        else:
            errors[path.name] = err

    def claim(spec, c):
        chosen[spec.id] = c
        used.add(id(c))
        if c.kind == "table":  # the ListObject's sheet is taken too
            for o in cands:
                if o.kind == "sheet" and o.book is c.book and o.name == c.raw()[2]:
                    used.add(id(o))

    for spec, _req in specs:  # (1) by name; Excel tables before sheets; one source only
        keys = {C.header_key(n) for n in spec.names}
        hits = [c for kind in ("table", "sheet", "frame", "csv", "parquet") for c in cands if c.kind == kind
                and id(c) not in used and c.name is not None and C.header_key(c.name) in keys]
        if hits:
            others = list({c.source: c for c in reversed(hits) if c.source != hits[0].source}.values())[::-1]
            if others and _identical_copies(spec, hits[0], others, raw=False):  # e.g. 机构 in each export: one copy
                others = []
            if others:  # two files both named as this table: their typed rows are compared when loaded (below)
                copies[spec.id] = others
            claim(spec, hits[0])
    wide: dict[str, list] = {}
    for spec, _req in specs:  # (1b) the wide layout of a table that declares one: sheets named by dates
        if spec.id not in chosen and spec.wide:
            found = _wide_sheets(spec, cands, used)
            if found:
                wide[spec.id] = found
                chosen[spec.id] = found[0]
                used.update(id(c) for c in found)
    by_name = set(chosen)
    # (2) by header, only among sources that bear no canonical table name (a sheet 贷款 is the loans table
    # even when its headers happen to contain every required column of 定期存款明细)
    named = _canonically_named(cands)
    pool = [c for c in cands if c.kind != "table" and id(c) not in named
            and not (c.kind == "sheet" and c.name in OWN_SHEETS)]
    pending = [s for s, _r in specs if s.id not in chosen]
    fits = {s.id: [c for c in pool if id(c) not in used and _header_fits(c, s)] for s in pending}
    progress = True
    while progress:  # a source that is the only fit of one table is that table; repeat until stable
        progress = False
        for spec in pending:
            if spec.id in chosen:
                continue
            opts = [c for c in fits[spec.id] if id(c) not in used]
            if len(opts) > 1 and _identical_copies(spec, opts[0], opts[1:]):
                used.update(id(o) for o in opts[1:])
                opts = opts[:1]
            if len(opts) == 1:
                claim(spec, opts[0])
                progress = True
    for spec in pending:
        opts = [c for c in fits[spec.id] if id(c) not in used] if spec.id not in chosen else []
        if len(opts) > 1:  # never guess between sheets
            where = "; ".join(_where(c) for c in opts)
            failed(spec, DataValidationError(
                f"表「{spec.zh}」({spec.id}) 的表头同时匹配多个工作表/文件: {where}。无法确定用哪一个。"
                f"请把要用的工作表(或 Excel 表、CSV 文件)命名为 {' / '.join(spec.names)}, 或只提供其中一个。",
                f"Several sources fit table {spec.id} ({spec.zh}) by their headers: {where}; bankxl does not "
                f"guess. Name the one to use {' / '.join(spec.names)} (sheet, Excel table or CSV file name), "
                f"or pass only one of them.", table=spec.id))
    todo = [s for s, req in specs if req and s.id not in chosen]
    if len(todo) == 1 and len(wanted) == 1:  # (3) the single data source
        left = [c for c in pool if id(c) not in used and c.is_data()]
        if len(left) == 1:
            claim(todo[0], left[0])
    # (4) a near miss: the one source whose header lacks only a few required columns — also when an optional
    # table took it by header (a 定期存款明细 without 到期日 also fits 客户): the missing columns are the news
    optional_by_header = {id(c): t for t, c in chosen.items()
                          if t not in by_name and not next(r for s, r in specs if s.id == t)}
    for spec in todo:
        near = [c for c in pool if spec.id not in chosen and (id(c) not in used or id(c) in optional_by_header)
                and _near_miss(c, spec)]
        if len(near) == 1:  # loading it reports the missing column(s) and the headers found
            chosen.pop(optional_by_header.get(id(near[0])), None)
            claim(spec, near[0])

    if not_used is not None:  # the files nothing was read from and that name no table: said, with the reason
        taken = {c.source for c in cands if id(c) in used}
        files: dict[str, list[_Cand]] = {}
        for c in cands:
            if c.kind != "frame":
                files.setdefault(c.source, []).append(c)
        not_used.extend(_not_used(cs, specs, chosen) for src, cs in files.items()
                        if src not in taken and not any(id(c) in named for c in cs))
        order = {Path(src).name: i for i, src in enumerate(sources) if isinstance(src, (str, Path))}
        not_used[n_before:] = sorted(not_used[n_before:], key=lambda n: order.get(n.file, -1))  # in the files' order
    result: dict[str, LoadedTable] = {}
    for spec, req in specs:
        c = chosen.get(spec.id)
        if c is None:
            if not req:
                continue
            unread = [n.error for n in not_used or () if n.error is not None and n.table is None
                      and _canonical_owner(Path(n.file).stem) is None]
            if len(unread) == 1:  # the one file that could not be opened and names no table: likely this one
                raise unread[0]
            looked = _looked(cands) + (f"; 未能读取 could not be read: {' '.join(e.message_zh for e in unread)}"
                                       if unread else "")
            other = sorted({f"{c.name}={_canonical_owner(c.name)}" for c in cands
                            if _canonical_owner(c.name) not in (None, spec.id)})
            if other:
                looked += (f" (以其他标准表命名的不会按表头当作本表 sources named after another canonical "
                           f"table are never matched by header: {', '.join(other)})")
            raise DataValidationError(
                f"未找到表「{spec.zh}」({spec.id})。已查找: {looked}。请把工作表或 Excel 表命名为 "
                f"{' / '.join(spec.names)}, 或确保表头包含必填列 "
                f"{'、'.join(_label(col) for col in spec.required)}。",
                f"Table {spec.id} ({spec.zh}) not found. Looked in: {looked}. Name a sheet or Excel table "
                f"{' / '.join(spec.names)}, or give it a header with the required columns "
                f"{', '.join(col.id for col in spec.required)}.", table=spec.id)
        if spec.id in wide:
            try:
                result[spec.id] = _load_wide(spec, wide[spec.id], problems, strict=strict, source=c.source,
                                             mask=mask, mask_accounts=mask_accounts)
            except DataValidationError as e:
                failed(spec, _in_file(c, e))
            continue
        try:
            typed = _load_cand(c, spec, c.notes, engine_tables, engine, problems=problems, strict=strict,
                               source=c.source, mask=mask, mask_accounts=mask_accounts)
            result[spec.id] = typed
        except DataValidationError as e:
            if isinstance(e, FileUnreadable) and not req and errors is None and not_used is not None:
                # a damaged file of an optional table (one scenario's run): left out, as one that cannot be opened
                not_used.append(NotUsed(Path(c.source).name, e.message_zh, e.message_en, e, spec.id))
                continue
            failed(spec, _in_file(c, e))
            continue
        if spec.id in copies:  # the same table given twice (e.g. as CSV and as Parquet): used once if equal typed
            err = _compare_copies(spec, c, typed, copies[spec.id], engine_tables, engine, mask, mask_accounts)
            if err is not None:
                del result[spec.id]
                _close(typed.df)
                failed(spec, err)
                continue
        if c.notes:  # notices about where the cells came from come first (说明 lines, not row problems)
            result[spec.id].unit_notes[:0] = c.notes
            for nt in c.notes:
                log.info("%s: %s", spec.id, nt)
    return result


def _load_cand(c: _Cand, spec: TableSpec, notes: list[str], engine_tables: Sequence[str], engine: Any,
               duck: bool | None = None, **kw: Any) -> LoadedTable:
    """Load candidate ``c`` as ``spec`` (:func:`read_tables`' loaders; ``kw``: problems, strict, source, mask,
    mask_accounts). A CSV / Parquet file of a table in ``engine_tables`` through DuckDB where
    :func:`bankxl.engine.inputs.load_file` says so; ``duck`` True: through DuckDB whenever that loader takes the
    file (on ``engine``'s connection, e.g. a second copy to compare with a DuckDB-read first), False: never.
    Raises DataValidationError as the loaders."""
    typed = None
    if c.kind in ("csv", "parquet") and c._raw is None and duck is not False and (duck or spec.id in engine_tables):
        from .engine import inputs as ei  # rows stay in DuckDB
        if duck:
            typed = (ei.load_parquet if c.kind == "parquet" else ei.load_csv)(c.path, spec, notes, con=engine, **kw)
        else:
            typed = ei.load_file(c.kind, c.path, spec, notes, engine, **kw)
    if typed is None and c.kind == "parquet":
        typed = _load_parquet(c.path, spec, notes, date1904=False, **kw)
    elif typed is None and c.kind == "csv" and c._raw is None and c.path is not None:  # typed at parse time
        typed = _load_csv_typed(c.path, spec, notes, date1904=False, **kw)
    if typed is None:
        raw, first, sheet, d1904 = c.raw()
        typed = load_frame(raw, spec, sheet=sheet, first_excel_row=first, date1904=d1904, **kw)
    return typed


def _close(df: Any) -> None:
    """Drop a loaded table's DuckDB objects (a :class:`bankxl.engine.inputs.DuckTable`); nothing for a frame."""
    if hasattr(df, "close") and not isinstance(df, pd.DataFrame):
        df.close()


def _row_text(c: _Cand, row: int | None) -> tuple[str, str]:
    """(中文, English) of row number ``row`` of source ``c``: 第 N 行 (Excel row) / 第 N 行（数据行） (Parquet)."""
    if c.kind == "parquet":
        return f"第 {row} 行（数据行）", f"data row {row}"
    return f"第 {row} 行", f"row {row}"


def _compare_copies(spec: TableSpec, c: _Cand, typed: LoadedTable, others: list[_Cand], engine_tables: Sequence[str],
                    engine: Any, mask: bool, mask_accounts: bool) -> DataValidationError | None:
    """The same table named by several files (``c``, loaded as ``typed``, and ``others``): each other copy is loaded
    the same way (through DuckDB when ``typed`` is, on its connection; its problems and notes discarded) and its
    TYPED rows compared with ``typed``'s (:func:`bankxl.copies.first_difference`: row counts, then column by
    column — money to the cent, dates as dates, IDs as text). All equal: None, and a 说明 note on ``typed`` names
    the file used and the copies that held the same rows. Else the DataValidationError (Chinese + English) naming
    both files and the first difference: the row counts, or the column and the row of each file (Excel row; a
    Parquet file's data row) with both values (personal columns masked as ``mask`` / ``mask_accounts``)."""
    from .copies import first_difference
    from .masking import mask_field

    con = getattr(typed.df, "con", None)
    where_all = "; ".join(_where(o) for o in [c] + others)
    for o in others:
        try:
            copy = _load_cand(o, spec, [], engine_tables, con, duck=con is not None, problems=ProblemLog(),
                              strict=False, source=o.source, mask=mask, mask_accounts=mask_accounts)
        except DataValidationError as e:
            zh, en = f"{_where(o)} 不能按本表读取: {e.message_zh}", f"{Path(o.source).name} cannot be read as this table: {e.message_en}"
            diff = None
        else:
            try:
                diff = first_difference(typed.df, copy.df, spec)
            finally:
                _close(copy.df)
            if diff is None:
                continue
            if diff.column is None:
                zh = (f"行数不同(按读取规则保留的数据行): {_where(c)} {diff.rows_a} 行, {_where(o)} {diff.rows_b} 行")
                en = (f"their row counts differ (data rows kept by the loader's rules): {Path(c.source).name} "
                      f"{diff.rows_a}, {Path(o.source).name} {diff.rows_b}")
            else:
                col = spec.column(diff.column)
                va, vb = (mask_field(v, col.id, mask, mask_accounts) if v is not None else None
                          for v in (_shown_value(diff.value_a, col), _shown_value(diff.value_b, col)))
                ra, rb = _row_text(c, diff.row_a), _row_text(o, diff.row_b)
                zh = (f"内容不同(按读取规则转换后比较, 日期按日期、金额到分、编号按文本), 第一处不同在列 {_label(col)}: "
                      f"{_where(c)} {ra[0]} 为 {va if va is not None else '空白'}, "
                      f"{_where(o)} {rb[0]} 为 {vb if vb is not None else '空白'}")
                en = (f"their contents differ (compared after the loader's rules: dates as dates, money to the cent, "
                      f"IDs as text); the first difference is in column {col.id}: {Path(c.source).name} {ra[1]} holds "
                      f"{va if va is not None else 'blank'}, {Path(o.source).name} {rb[1]} holds "
                      f"{vb if vb is not None else 'blank'}")
        return DataValidationError(
            f"表「{spec.zh}」({spec.id}) 同时由多个文件提供: {where_all}; {zh}。无法确定用哪一个。请只提供其中一个"
            f"(要用两个文件的数据, 请先把它们合并为一张表)。",
            f"Several files provide table {spec.id} ({spec.zh}) by name: {where_all}; {en}. bankxl does not "
            f"guess. Pass only one of them (merge them into one table first to use both).",
            table=spec.id, column=None if diff is None else diff.column,
            column_zh=None if diff is None or diff.column is None else spec.column(diff.column).zh)
    typed.unit_notes.append(
        f"表「{spec.zh}」在 {len(others) + 1} 处提供, 按读取规则转换后内容相同(行数 {typed.n_rows}, 各列的值相同), "
        f"使用 {_where(c)}(其余: {'; '.join(_where(o) for o in others)} 的数据行与之相同, 未重复使用)")
    return None


def _shown_value(v: Any, col: Column) -> Any:
    """A typed value as an error shows it: a date as 2025-12-01 (a month as 2025-12), money with 2 decimals."""
    if v is None:
        return None
    if col.kind in ("date", "month") and not isinstance(v, str):
        t = pd.Timestamp(v)
        return t.strftime("%Y-%m") if col.kind == "month" else (t.strftime("%Y-%m-%d") if t == t.normalize()
                                                              else str(t))
    if col.kind == "money" and isinstance(v, (int, float, np.number)):
        return f"{float(v):.2f}"
    return v


def _in_file(c: _Cand, e: DataValidationError) -> DataValidationError:
    """``e`` (a table from source ``c`` failed to load: required column or header missing, strict mode …)
    naming the file first (``文件「a.xlsx」，工作表「S」，列「…」，第 N 行：…`` / ``File a.xlsx, sheet S, …: …``,
    :class:`DataValidationError` ``file``) — the file's own name (for the add-in that is the snapshot named after
    the user's workbook), never its folder; as is for a DataFrame or when it names the file already. The
    table/sheet/column/row attributes are kept."""
    name = Path(c.source).name
    if c.kind == "frame" or name in str(e):
        return e
    err = DataValidationError(e.message_zh, e.message_en, table=e.table, sheet=e.sheet, column=e.column,
                              column_zh=e.column_zh, excel_row=e.excel_row, file=name)
    err.__cause__ = e
    return err


def _canonical_owner(name: str | None) -> str | None:
    """The canonical table id whose name (id, 中文名, alias) ``name`` is, else None."""
    if not name:
        return None
    k = C.header_key(name)
    for t in TABLES.values():
        if any(C.header_key(n) == k for n in t.names):
            return t.id
    return None


def _canonically_named(cands: list[_Cand]) -> set[int]:
    """ids of the candidates that bear a canonical table name — their own name, or (a sheet) the name of an
    Excel table on it. They are found by name only, never by header matching for another table."""
    out: set[int] = set()
    for c in cands:
        if _canonical_owner(c.name) is None:
            continue
        out.add(id(c))
        if c.kind == "table":
            try:
                sheet = c.book.table_meta(c.name)[0]
            except Exception:  # noqa: BLE001 - a table calamine cannot read: its sheet stays a candidate
                log.debug("cannot read Excel table %s", c.name, exc_info=True)
                continue
            out.update(id(o) for o in cands if o.kind == "sheet" and o.book is c.book and o.name == sheet)
    return out


def _where(c: _Cand) -> str:
    """``文件 a.xlsx 工作表 Sheet1`` / ``文件 a.csv`` / ``DataFrame x``."""
    if c.kind == "frame":
        return c.describe()
    f = f"文件 {Path(c.source).name}"
    return f if c.kind in ("csv", "parquet") else f"{f} {c.describe()}"


def _looked(cands: list[_Cand]) -> str:
    if not cands:
        return "(没有输入 no input)"
    by_src: dict[str, list[str]] = {}
    for c in cands:
        by_src.setdefault(c.source, []).append(c.describe())
    return "; ".join(f"{Path(s).name if not s.startswith('<') else s}: {', '.join(v)}"
                     for s, v in by_src.items())


def read_holidays(path: str | Path) -> pd.DataFrame:
    """A user holiday table (节假日: 日期 | 是否工作日 | 节假日名称) from .xlsx (sheet 节假日, else the first
    sheet) or .csv, parsed by :func:`bankxl.calendar.parse_holiday_table` (dates read as in data files).

    The header is the first non-blank row (title rows above it are not supported; leading empty rows are).
    Raises DataValidationError when the file cannot be read (same messages as data files: not a workbook,
    empty file) or the table is malformed — naming the sheet actually used, the column and the Excel row,
    in Chinese and English.
    """
    from .calendar import HolidayTableError, parse_holiday_table

    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"找不到节假日文件 {p}", f"Holiday file not found: {p}")
    sheet: str | None = None
    if p.suffix.lower() in CSV_EXT:
        raw, first = read_raw_csv(p), 1
    elif p.suffix.lower() == ".xls" and (foreign := _foreign_cands(p)):
        raw, first, _sheet, _d1904 = foreign[0].raw()
    elif p.suffix.lower() in EXCEL_EXT:
        book = _Book(p)
        if not book.sheets:
            raise not_a_workbook(p)
        sheet = "节假日" if "节假日" in book.sheets else book.sheets[0]
        raw, first = book.sheet(sheet)
    else:
        raise DataValidationError(f"不支持的节假日文件类型: {p.name}(支持 .xlsx/.xls/.csv)",
                                  f"Unsupported holiday file type: {p.name} (use .xlsx/.xls/.csv)")
    where = f"节假日文件 {p.name}" + (f" 工作表「{sheet}」" if sheet else "")
    where_en = f"holiday file {p.name}" + (f", sheet {sheet}" if sheet else "")
    arr = raw.to_numpy(dtype=object)
    nonblank = [i for i in range(len(arr)) if not C.blank_mask(arr[i]).all()] if arr.size else []
    if not nonblank:
        raise DataValidationError(f"{where} 为空。", f"The {where_en} is empty.", sheet=sheet)
    h = nonblank[0]
    heads = [C.header_text(x) or f"列{j + 1}" for j, x in enumerate(arr[h])]
    df = pd.DataFrame(arr[h + 1:], columns=heads)
    try:
        return parse_holiday_table(df, first_row=first + h + 1)
    except HolidayTableError as e:
        raise DataValidationError(f"节假日文件 {p.name}: {e}", f"Bad {where_en}: {e.message_en}", sheet=sheet,
                                  column=e.column, column_zh=e.column_zh, excel_row=e.excel_row) from e
