"""Issue 10 item 8: reports checked the way a user sees them. One batched LibreOffice conversion (PDF) of a
hand-built report with a headline and of the D2 report on the sample bank; from the PDF: the headline prints
on one page and each detail sheet on one page; from the workbook XML: every sheet has a print area and no
chart anchor on a summary sheet crosses a page break."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from conftest import AS_OF, need_soffice
from test_report_layout import _xml, chart_anchor_rows, headline_report, row_breaks

from bankxl.report.xlsx import XlsxReportWriter


def _pdf_pages_by_sheet(pdf: Path, titles: list[str]) -> dict[str, int]:
    """Pages per sheet, read from each page's running header (``&R`` = the sheet name)."""
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                         text=True, check=True).stdout).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:n]
    counts = dict.fromkeys(titles, 0)
    for page in pages:
        first = next((ln for ln in page.splitlines() if ln.strip()), "")
        name = first.split()[-1] if first.split() else ""
        name = re.sub(r"\(明细,$", "", name)
        hit = [t for t in titles if first.rstrip().endswith(t) or f" {t} (明细, 打印首页)" in first or name == t]
        if hit:
            counts[max(hit, key=len)] += 1
    return counts


def _write(report, path: Path) -> XlsxReportWriter:
    w = XlsxReportWriter(report, path)
    w.write()
    return w


def test_rendered_reports_print_as_planned(tmp_path, sample_bank):
    need_soffice()
    from bankxl.runner import execute

    d2 = execute("deposit.maturity", {"time_deposits": sample_bank["time_deposits"]}, as_of=AS_OF)
    writers = {"headline": _write(headline_report(), tmp_path / "headline.xlsx"),
               "d2": _write(d2, tmp_path / "d2.xlsx")}
    out = tmp_path / "pdf"
    with tempfile.TemporaryDirectory(prefix="lo_prof_") as prof:
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{prof}",
                        "--convert-to", "pdf", "--outdir", str(out), *(str(w.path) for w in writers.values())],
                       check=True, capture_output=True, timeout=600)
    for key, w in writers.items():
        path = w.path
        titles = re.findall(r'<sheet name="([^"]+)"', _xml(path, "xl/workbook.xml"))
        pages = _pdf_pages_by_sheet(out / f"{key}.pdf", titles)
        defined = _xml(path, "xl/workbook.xml")
        for title in titles:
            role, plan, last_row, _ = w.layouts[title]
            # every sheet has a print area
            assert f"'{title}'!$A$1:" in defined or f"{title}!$A$1:" in defined, (key, title)
            if role == "summary":
                # no chart anchor crosses a manual page break; the break rows are the planned ones
                breaks = row_breaks(path, title)
                assert breaks == plan.breaks, (key, title)
                assert all(not (f < b <= t) for b in breaks for f, t in chart_anchor_rows(path, title)), (key, title)
                assert plan.pages <= 3 or plan.scale == 50, (key, title, plan)
            else:
                assert pages[title] == 1, (key, title, pages[title])  # a detail sheet prints its first page
        first = titles[0]
        if key == "headline":
            assert first == "概览" and pages["概览"] == 1  # the headline is one page in LibreOffice
        # LibreOffice printed the pages the plan says for the summaries (no extra page from a split chart,
        # an automatic break or columns spilling to the right)
        got = {t: pages[t] for t in titles if w.layouts[t][0] == "summary"}
        assert got == {t: w.layouts[t][1].pages for t in got}, key
    assert sum(1 for _ in (out).glob("*.pdf")) == 2


def test_page_header_names_the_sheet(tmp_path):
    """The running header the render test reads: report title left, sheet name right."""
    w = _write(headline_report(), tmp_path / "r.xlsx")
    xml = _xml(w.path, "xl/worksheets/sheet1.xml")
    assert "&amp;R概览" in xml or "&R概览" in xml
