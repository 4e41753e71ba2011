"""What a file really is, and what it would cost to read, decided from its bytes before any reader runs.

* :func:`sheet_extents` — the used range of .xlsx/.xlsm worksheets from the sheet XML, streamed (no cell
  objects are built). python-calamine builds a dense grid spanning every cell that holds a value (from the
  first to the last row, from the leftmost to the rightmost column), about 32 bytes per grid cell before
  the Python copy: one value at XFD1048576 asks for ~550 GB and aborts the process. :func:`check_extent`
  turns a grid over :data:`MAX_SHEET_CELLS` into a clear error instead.
* :func:`sniff` — the real kind of a file whatever its extension (an ".xls" from a bank or web system is
  often an HTML page or tab-separated text).
* :func:`html_tables` — the cells of the ``<table>`` elements of an HTML page (stdlib ``html.parser``).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from .errors import DataValidationError

#: largest grid (rows x columns of a sheet's used range) read from one sheet: 50 million cells, e.g.
#: 1,048,576 rows x 47 columns; about 1.6 GB inside calamine plus the Python copy
MAX_SHEET_CELLS = 50_000_000

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: a start tag of a ``c`` (cell) element that is not self-closing, with its ``r`` reference captured (any
#: attribute order, either quote, any namespace prefix, either letter case as calamine reads them);
#: calamine skips ``<c r="B7" s="1"/>`` (format only, no value), so such cells do not widen the grid
_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?(?<=\s)r\s*=\s*["\']([A-Za-z]{1,7}[0-9]{1,10})["\'][^>]*(?<!/)>')
#: a start tag of a cell with no ``r`` reference (calamine places it after the previous cell of its row)
_NOREF_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c(?:>|\s(?![^>]*?(?<=\s)r\s*=)[^>]*>)')
#: the same in the form nearly every writer uses (``<c r="B7" ...>``, references first): a faster scan
_PLAIN_ROW = re.compile(rb'<c r="[A-Za-z]{1,7}([0-9]{1,10})"[^>/]*>')
_PLAIN_WIDE = re.compile(rb'<c r="([A-Za-z]{2,7})[0-9]{1,10}"[^>/]*>')
_ROW_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row[\s>/]')
_ROW_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\s[^>]*?(?<=\s)r\s*=\s*["\']([0-9]{1,10})["\']')
_ANY_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c[\s>/]')
_CHUNK = 1 << 24


@dataclass(frozen=True)
class Extent:
    """Bounds of the grid calamine builds for one sheet: 1-based ``rows`` (first, last) and ``last_col``
    (columns counted from A, so an upper bound); ``cells`` = rows x columns."""

    first_row: int
    last_row: int
    last_col: int

    @property
    def cells(self) -> int:
        return max(self.last_row - self.first_row + 1, 0) * self.last_col

    @property
    def corner(self) -> str:
        """Excel reference of the far corner, e.g. ``XFD1048576``."""
        return f"{col_letters(self.last_col)}{self.last_row}"


def col_letters(n: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _ref_bounds(refs: list[bytes]) -> tuple[int, int, int]:
    """(lowest row, highest row, rightmost column) of cell references such as ``b"XFD1048576"`` (letters in
    either case, then digits), 1-based; vectorised over the references' bytes."""
    u = np.array(refs).view(np.uint8).reshape(len(refs), -1).astype(np.int64)
    col = np.zeros(len(refs), np.int64)
    row = np.zeros(len(refs), np.int64)
    for j in range(u.shape[1]):
        c = u[:, j]
        col = np.where(c >= 65, col * 26 + (c | 32) - 96, col)
        row = np.where((c >= 48) & (c <= 57), row * 10 + c - 48, row)
    return int(row.min()), int(row.max()), int(col.max())


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: zip member of its XML} from xl/workbook.xml and its relationships."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out = {}
    for s in wb.iter(f"{_NS_MAIN}sheet"):
        t = target.get(s.get(f"{_NS_REL}id"), "")
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    return out


def sheets_with_tables(path: Path) -> list[str]:
    """Names of the worksheets of an .xlsx/.xlsm that hold an Excel table (ListObject); [] when the file
    is not such a zip. calamine reads a table through its whole sheet, so those sheets need the guard too."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            out = []
            for sheet, part in _sheet_parts(z).items():
                rel = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
                if rel in names and b"/table" in z.read(rel):
                    out.append(sheet)
            return out
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return []


def _xml_chunks(path: Path, sheet: str):
    """The XML of ``sheet`` as an iterator of chunks of about 16 MB, each ending before an element that
    continues in the next one; None when the file is no .xlsx/.xlsm zip or has no such sheet."""
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return None
    try:
        part = _sheet_parts(z).get(sheet)
        fh = z.open(part) if part else None
    except (KeyError, ET.ParseError):
        fh = None
    if fh is None:
        z.close()
        return None

    def chunks():
        with z, fh:
            tail = b""
            while True:
                block = fh.read(_CHUNK)
                chunk = tail + block
                if block:  # keep an unfinished element for the next chunk
                    cut = chunk.rfind(b"<")
                    chunk, tail = chunk[:cut], chunk[cut:]
                yield chunk
                if not block:
                    return
    return chunks()


def _plain(chunk: bytes) -> bool:
    """Every cell tag of ``chunk`` is written ``<c r="…`` without a namespace prefix (nearly every writer)."""
    return chunk.count(b"<c") == chunk.count(b'<c r="') and b":c" not in chunk


#: a cell reference of the usual form in row 1,000,000 or beyond
_PLAIN_DEEP = re.compile(rb'<c r="[A-Za-z]{1,7}[0-9]{7}')
#: rows below 1,000,000 (six digits at most)
_NEAR_ROWS = 999_999


def _near_bound(path: Path, sheet: str) -> int | None:
    """An upper bound of the grid of ``sheet`` read cheaply: when every cell tag has the usual form and no
    reference reaches row 1,000,000, the grid has at most 999,999 rows × the rightmost column of any cell
    tag (value or not; A–Z without reading the narrow references). None when it cannot tell (a cell in
    another form or far down): then :func:`sheet_extent` measures. Two searches per chunk instead of reading
    every reference."""
    chunks = _xml_chunks(path, sheet)
    if chunks is None:
        return None
    last_col = 26
    for chunk in chunks:
        if not _plain(chunk) or _PLAIN_DEEP.search(chunk):
            return None
        wide = set(_PLAIN_WIDE.findall(chunk))
        if wide:
            last_col = max(last_col, _ref_bounds([w + b"1" for w in wide])[2])
    return _NEAR_ROWS * last_col


def sheet_extent(path: Path, sheet: str) -> Extent | None:
    """The grid calamine would build for ``sheet`` of an .xlsx/.xlsm (an upper bound), streamed through
    the sheet XML in 16 MB chunks (about 2 s per GB of XML); None when the file is no such zip (.xls, .ods,
    .xlsb: not checked here).

    Rows: the lowest to the highest row of a cell with a value, whatever their order in the file (calamine
    spans both; self-closing format-only cells do not count). Columns: the rightmost cell with a value,
    counted from A (calamine does not stop at XFD). References are read as calamine reads them: any
    attribute order, either quote, a namespace prefix (``<x:c>``), lower-case letters. ``<dimension ref>``
    is ignored (calamine does not size its grid by it). Cells without an ``r`` reference (allowed, rare)
    are bounded by counting: their column is at most the widest explicit column plus the number of cells
    in the row, their row at most the highest row reference plus the rows without one."""
    chunks = _xml_chunks(path, sheet)
    if chunks is None:
        return None
    first_row, last_row, last_col, extra_cols, extra_rows = 0, 0, 0, 0, 0
    for chunk in chunks:
        if _plain(chunk):
            rows = _PLAIN_ROW.findall(chunk)  # the usual form: every cell tag starts <c r="
            if rows:
                r = np.fromstring(b" ".join(rows), dtype=np.int64, sep=" ")
                wide = set(_PLAIN_WIDE.findall(chunk))
                first_row = min(first_row or int(r.min()), int(r.min()))
                last_row = max(last_row, int(r.max()))
                last_col = max([last_col, 26] + [_ref_bounds([w + b"1"])[2] for w in wide])
            continue
        refs = _CELL.findall(chunk)
        if refs:
            lo, hi, col = _ref_bounds(refs)
            first_row = min(first_row or lo, lo)
            last_row, last_col = max(last_row, hi), max(last_col, col)
        if _NOREF_CELL.search(chunk):  # cells without a reference: count them per row
            extra_cols = max([extra_cols] + [len(_ANY_CELL.findall(r)) for r in _ROW_TAG.split(chunk)])
            row_refs = _ROW_REF.findall(chunk)
            last_row = max([last_row] + [int(r) for r in row_refs])
            extra_rows += len(_ROW_TAG.findall(chunk)) - len(row_refs)
            first_row = 1
    if not last_row and not extra_rows:
        return Extent(1, 0, 0)
    return Extent(first_row or 1, last_row + extra_rows, last_col + extra_cols)


def check_extent(path: Path, sheet: str) -> None:
    """DataValidationError when the used range of ``sheet`` is over :data:`MAX_SHEET_CELLS` cells (names
    the file, the sheet and the far cell); nothing for other formats or sheets within the bound."""
    bound = _near_bound(path, sheet)
    if bound is not None and bound <= MAX_SHEET_CELLS:  # the common sheet: no need to measure it exactly
        return
    ext = sheet_extent(path, sheet)
    if ext is None or ext.cells <= MAX_SHEET_CELLS:
        return
    raise DataValidationError(
        f"文件 {path.name} 工作表「{sheet}」的已用区域过大: 有内容的单元格一直到 {ext.corner}"
        f"(第 {ext.last_row} 行、第 {ext.last_col} 列), 共约 {ext.cells:,} 个单元格, 超过可读取的上限 "
        f"{MAX_SHEET_CELLS:,} 个。通常是远处误输入或粘贴的单元格: 在 Excel 中按 Ctrl+End 找到它, "
        f"删除多余的行和列, 保存后再试。",
        f"File {path.name}, sheet {sheet}: the used range reaches cell {ext.corner} (row {ext.last_row}, "
        f"column {ext.last_col}), about {ext.cells:,} cells, over the limit of {MAX_SHEET_CELLS:,}. This is "
        f"usually a stray cell far away: press Ctrl+End in Excel, delete the extra rows and columns, save "
        f"and try again.", sheet=sheet)


#: a part calamine reads whole (shared strings, workbook, styles ...) that unpacks to more than this many
#: bytes at a compression ratio above :data:`MAX_RATIO` is a zip bomb (distinct strings compress ~5-20x)
BOMB_PART_BYTES = 16 << 20
MAX_RATIO = 100


def check_package(path: Path) -> None:
    """DataValidationError when an .xlsx/.xlsm would blow up while calamine opens it (it reads the shared
    strings table whole, about 40 bytes per entry, before any sheet): a part other than a worksheet that
    unpacks to over :data:`BOMB_PART_BYTES` at a ratio over :data:`MAX_RATIO`, or more shared strings
    than cells in all sheets together (each entry is used by a cell; counted by streaming ``<si`` tags,
    the ``count`` attributes are not trusted; the cells are counted only when the table holds over a
    million entries). Nothing for other formats or ordinary workbooks."""
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return
    with z:
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/") or info.file_size <= BOMB_PART_BYTES:
                continue
            if info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _bomb(path, f"{info.filename} 压缩前 {info.file_size:,} 字节, 是压缩后的 "
                                  f"{info.file_size // max(info.compress_size, 1):,} 倍",
                            f"{info.filename} unpacks to {info.file_size:,} bytes, "
                            f"{info.file_size // max(info.compress_size, 1):,} times its packed size")
        sst = next((n for n in z.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
        if sst is None:
            return
        strings = _count_tags(z, sst, (b"<si>", b"<si ", b":si>", b":si "), stop=1_000_000)
        if strings <= 1_000_000:
            return
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        cells = sum(_count_tags(z, n, (b"<c", b":c ", b":c>")) for n in sheets)
        if strings > cells:
            strings = _count_tags(z, sst, (b"<si>", b"<si ", b":si>", b":si "))
            raise _bomb(path, f"共享字符串表有 {strings:,} 项, 多于全部工作表的单元格数 {cells:,}",
                        f"the shared strings table holds {strings:,} entries, more than the {cells:,} "
                        f"cells of all sheets")


def formula_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """{(Excel row, 0-based column): '=formula'} of the cells of ``sheet`` that hold a formula (``<f>``) WITHOUT
    a cached result (no or an empty ``<v>``: openpyxl and pandas write formulas so, and a reader then sees 0 or
    blank); {} for a sheet that is absent or a file that is not an xlsx package. Formulas with a cached result
    (Excel, LibreOffice, bankxl's own templates) are not listed: that result is what the user saw. For small
    sheets (the 参数 sheet): parses the whole part."""
    try:
        with zipfile.ZipFile(path) as z:
            part = _sheet_parts(z).get(sheet)
            if part is None or part not in z.namelist():
                return {}
            root = ET.fromstring(z.read(part))
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError):
        return {}
    out: dict[tuple[int, int], str] = {}
    for c in root.iter(f"{_NS_MAIN}c"):
        f = c.find(f"{_NS_MAIN}f")
        m = re.match(r"([A-Za-z]+)([0-9]+)$", c.get("r") or "")
        v = c.find(f"{_NS_MAIN}v")
        if f is not None and m and (v is None or not (v.text or "").strip()):
            col = 0
            for ch in m.group(1).upper():
                col = col * 26 + ord(ch) - 64
            out[(int(m.group(2)), col - 1)] = "=" + (f.text or "").strip()[:60]
    return out


def _count_tags(z: zipfile.ZipFile, part: str, tags: tuple[bytes, ...], stop: int | None = None) -> int:
    """Occurrences of ``tags`` in a zip member, streamed in 16 MB chunks; stops early past ``stop``."""
    n, tail = 0, b""
    with z.open(part) as fh:
        while block := fh.read(_CHUNK):
            chunk = tail + block
            n += sum(chunk.count(t) for t in tags)
            tail = chunk[-8:]
            n -= sum(tail.count(t) for t in tags)  # counted again with the next chunk
            if stop is not None and n > stop:
                return n
        n += sum(tail.count(t) for t in tags)
    return n


def _bomb(path: Path, why_zh: str, why_en: str) -> DataValidationError:
    return DataValidationError(
        f"文件 {path.name} 已损坏或不是 Excel 生成的工作簿, 读取它会耗尽内存({why_zh})。请在 Excel 中打开并另存为 "
        f".xlsx 后再试, 或向导出系统的管理员反映。",
        f"File {path.name} is damaged or was not made by Excel; reading it would exhaust memory ({why_en}). "
        f"Open it in Excel, save it as .xlsx and try again, or report it to the system that exported it.")


# ============================================================================================ file kind
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(path: Path) -> str:
    """The real kind of a file from its bytes, whatever its extension: ``"empty"`` (no bytes / only
    whitespace), ``"zip"`` (.xlsx/.xlsm/.ods/.xlsb), ``"encrypted"`` (a password-protected .xlsx/.xlsm: an
    OLE2 file holding an ``EncryptionInfo`` stream), ``"ole2"`` (a real .xls), ``"xml2003"`` (an Excel
    2003 XML spreadsheet), ``"html"`` (a web page: what many systems save as .xls), else ``"text"``
    (CSV / tab-separated). Raises OSError when the file cannot be read."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(_OLE2):
        import olefile

        try:
            with olefile.OleFileIO(str(path)) as ole:
                return "encrypted" if ole.exists("EncryptionInfo") else "ole2"
        except Exception:  # noqa: BLE001 - a damaged OLE2 file: calamine says what it can
            return "ole2"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: look at the characters
        text = head.decode("utf-16", "replace").lstrip("\ufeff \r\n\t").encode("utf-8", "replace")
    if not text.strip(b"\x00"):
        return "empty"
    low = text[:4096].lower()
    if low.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in low and b"<table" not in low:
            return "xml2003"
        return "html"
    return "text"


def html_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first 4 KB (``<meta charset=gbk>`` or the http-equiv
    form), None when it declares none."""
    m = re.search(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", data[:4096], re.I)
    return m.group(1).decode("ascii").lower() if m else None


class _TableParser(HTMLParser):
    """Collects the cells of every ``<table>`` (nested tables separately, in the order they open)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list]] = []
        self._stack: list[dict] = []  # open tables: {"rows", "row", "cell", "spans", "index"}

    def handle_starttag(self, tag, attrs):
        t = self._stack[-1] if self._stack else None
        if tag == "table":
            self._stack.append({"rows": [], "row": None, "cell": None, "spans": {}, "index": len(self.tables)})
            self.tables.append([])
        elif t is None:
            return
        elif tag == "tr":
            self._end_row(t)
            t["row"] = []
        elif tag in ("td", "th"):
            self._end_cell(t)
            if t["row"] is None:
                t["row"] = []
            a = dict(attrs)
            t["cell"] = {"text": [], "colspan": _span(a.get("colspan")), "rowspan": _span(a.get("rowspan"))}
        elif tag == "br" and t["cell"] is not None:
            t["cell"]["text"].append("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if not self._stack:
            return
        t = self._stack[-1]
        if tag == "table":
            self._end_row(t)
            self.tables[t["index"]] = t["rows"]
            self._stack.pop()
        elif tag == "tr":
            self._end_row(t)
        elif tag in ("td", "th"):
            self._end_cell(t)

    def handle_data(self, data):
        if self._stack and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"]["text"].append(data)

    def _place(self, t, value):
        """Put value at the next free position of the current row, skipping cells a rowspan above holds."""
        row = t["row"]
        while len(row) in t["spans"]:
            col = len(row)
            left, v = t["spans"][col]
            row.append(v)
            if left <= 1:
                del t["spans"][col]
            else:
                t["spans"][col] = (left - 1, v)
        row.append(value)

    def _end_cell(self, t):
        c = t["cell"]
        if c is None:
            return
        t["cell"] = None
        text = "".join(c["text"])
        text = "\n".join(" ".join(part.split()) for part in text.split("\n")).strip() or None
        for k in range(c["colspan"]):
            col = len(t["row"])
            self._place(t, text if k == 0 else None)
            if c["rowspan"] > 1:  # the cell repeats in the rows it covers (the value, first column only)
                t["spans"][len(t["row"]) - 1] = (c["rowspan"] - 1, text if k == 0 else None)
            del col

    def _end_row(self, t):
        self._end_cell(t)
        if t["row"] is not None:
            while t["spans"] and max(t["spans"]) >= len(t["row"]):  # rowspans right of the last cell
                self._place_trailing(t)
            t["rows"].append(t["row"])
            t["row"] = None

    def _place_trailing(self, t):
        col = len(t["row"])
        if col in t["spans"]:
            left, v = t["spans"].pop(col)
            t["row"].append(v)
            if left > 1:
                t["spans"][col] = (left - 1, v)
        else:
            t["row"].append(None)


def _span(v) -> int:
    try:
        return min(max(int(str(v).strip()), 1), 1000)
    except (TypeError, ValueError):
        return 1


def html_tables(text: str) -> list[list[list[str | None]]]:
    """Cells of every ``<table>`` in an HTML page, in the order the tables open: a list of rows of str
    (whitespace collapsed, ``<br>`` -> line break, entities decoded; empty cell None). A ``colspan`` cell
    is followed by None cells, a ``rowspan`` cell repeats its value in the rows it covers (a merged 机构 cell
    belongs to every row it spans; Excel would show it merged) so cells stay aligned; spans are capped at
    1,000. Rows are not padded."""
    p = _TableParser()
    p.feed(text)
    p.close()
    for t in list(p._stack):  # tables never closed: keep what was read
        p._end_row(t)
        p.tables[t["index"]] = t["rows"]
    return p.tables
