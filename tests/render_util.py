"""Render written reports the way a user sees them (issue 10 item 8): many workbooks converted to PDF by ONE
LibreOffice process, then read back from the PDF (pages per sheet) and the workbook XML (print areas).

* :func:`convert_to_pdf` — ``soffice --convert-to pdf`` over all files at once (one process, a throw-away
  user profile so a user's running LibreOffice is not touched); ``{stem}.pdf`` per input in ``outdir``.
* :func:`pdf_sheet_pages` — the sheet each PDF page belongs to, read from the page's running header that
  :class:`bankxl.report.xlsx.XlsxReportWriter` writes (``&L`` report title, ``&R`` sheet name, followed by
  `` (明细, 打印首页)`` on a detail sheet).
* :func:`print_areas` — sheet name -> its ``_xlnm.Print_Area`` range (``$A$1:$H$36``), from xl/workbook.xml.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

DETAIL_SUFFIX = " (明细, 打印首页)"


def convert_to_pdf(paths: list[Path], outdir: Path, timeout: float = 600) -> dict[Path, Path]:
    """Convert every workbook of ``paths`` to PDF with one ``soffice`` call; input path -> its PDF.
    Raises ``subprocess.CalledProcessError`` when soffice fails, ``AssertionError`` naming the inputs that
    produced no PDF."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo_prof_") as prof:
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{prof}",
                        "--convert-to", "pdf", "--outdir", str(outdir), *map(str, paths)],
                       check=True, capture_output=True, timeout=timeout)
    pdfs = {p: outdir / f"{p.stem}.pdf" for p in paths}
    missing = [p.name for p, pdf in pdfs.items() if not pdf.exists()]
    assert not missing, f"LibreOffice wrote no PDF for {missing}"
    return pdfs


def pdf_page_count(pdf: Path) -> int:
    """Pages of ``pdf`` as ``pdfinfo`` reports them."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_sheet_pages(pdf: Path, report_title: str, titles: list[str]) -> list[str | None]:
    """The sheet of each page of ``pdf`` (in page order): the page's first text line is its running header,
    ``report_title`` then the sheet name (of ``titles``) right-aligned, `` (明细, 打印首页)`` after a detail
    sheet's name. None for a page whose header names no sheet of ``titles`` (a page the writer did not plan:
    no header, or a header cut off)."""
    n = pdf_page_count(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    known = set(titles)
    sheets: list[str | None] = []
    for page in text.split("\f")[:n]:
        first = next((ln.strip() for ln in page.splitlines() if ln.strip()), "")
        right = first[len(report_title):].strip() if first.startswith(report_title) else ""
        right = right.removesuffix(DETAIL_SUFFIX).strip()
        sheets.append(right if right in known else None)
    return sheets


def pages_per_sheet(sheets: list[str | None]) -> Counter:
    """Sheet name -> number of PDF pages (None counts pages no sheet claims)."""
    return Counter(sheets)


def workbook_sheets(path: Path) -> list[str]:
    """Sheet names of the workbook at ``path`` in tab order."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode("utf-8")
    return [_unescape(t) for t in re.findall(r'<sheet name="([^"]+)"', xml)]


def print_areas(path: Path) -> dict[str, str]:
    """Sheet name -> the cell range of its print area (``$A$1:$H$36``); sheets without one are absent."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode("utf-8")
    names = [_unescape(t) for t in re.findall(r'<sheet name="([^"]+)"', xml)]
    out = {}
    for sheet_id, ref in re.findall(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">([^<]+)<', xml):
        out[names[int(sheet_id)]] = _unescape(ref).rsplit("!", 1)[1]
    return out


def _unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))
