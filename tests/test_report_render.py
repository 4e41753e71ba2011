"""Issue 10 item 8: reports checked the way a user sees them. Every registered scenario is run on the
contract's sample bank (``tests/contract_checks.py``) and written, with a hand-built report with a headline;
ALL workbooks are converted to PDF by ONE LibreOffice process (``tests/render_util.py``). For each report,
from the PDF (pages per sheet, read from each page's running header) and the workbook XML:

* the first sheet is the writer's headline and prints on exactly one page;
* every sheet has a print area, the one the writer planned (``XlsxReportWriter.layouts``: up to its last
  printed row and column);
* a summary sheet has the planned manual page breaks, no chart anchor crosses one, it prints in at most
  ``layout.MAX_SUMMARY_PAGES`` pages (or at the minimum scale) and LibreOffice printed exactly the planned
  pages (no extra page from a split chart, an automatic break or columns spilling to the right);
* a detail sheet prints its first page only;
* no PDF page is left over that no sheet claims.

Results are parametrised per scenario (``test_report_prints_as_planned[D2-deposit.maturity]``); a scenario
that fails to run on the sample bank fails its own case."""
from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import need_soffice
from contract_checks import AS_OF, sample_bank, sample_tables
from render_util import convert_to_pdf, pdf_sheet_pages, print_areas, workbook_sheets
from test_report_layout import _xml, chart_anchor_rows, headline_report, row_breaks
from xlsxwriter.utility import xl_col_to_name

from bankxl.report import layout
from bankxl.report.xlsx import XlsxReportWriter
from bankxl.runner import execute
from bankxl.scenario import registry

#: the hand-built report with a headline (tests/test_report_layout.py) rendered with the scenarios
HAND_BUILT = "headline"
CASES = [HAND_BUILT] + [f"{s.code}-{s.id}" for s in registry().values()]


@dataclass
class Rendered:
    """One report of the batch: its writer (None when the scenario failed to run or write: ``error``),
    and the sheet each PDF page belongs to (render_util.pdf_sheet_pages)."""

    key: str
    writer: XlsxReportWriter | None = None
    error: str = ""
    pages: list = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.writer.path


def _write(report, path: Path) -> XlsxReportWriter:
    w = XlsxReportWriter(report, path)
    w.write()
    return w


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Rendered]:
    """Every case of ``CASES`` written to xlsx and converted to PDF in one soffice call; key -> Rendered."""
    need_soffice()
    out = tmp_path_factory.mktemp("render")
    bank = sample_bank()
    done = {HAND_BUILT: Rendered(HAND_BUILT, _write(headline_report(), out / f"{HAND_BUILT}.xlsx"))}
    for spec in registry().values():
        key = f"{spec.code}-{spec.id}"
        try:
            report = execute(spec, sample_tables(spec, bank), as_of=AS_OF)
            done[key] = Rendered(key, _write(report, out / f"{spec.code}.xlsx"))
        except Exception:  # reported by the scenario's own case, the others still render
            done[key] = Rendered(key, error=traceback.format_exc(limit=-3))
    ok = [r for r in done.values() if r.writer is not None]
    assert len({r.path.stem for r in ok}) == len(ok), "scenario codes must be unique file names"
    pdfs = convert_to_pdf([r.path for r in ok], out / "pdf")
    for r in ok:
        r.pages = pdf_sheet_pages(pdfs[r.path], r.writer.report.title, workbook_sheets(r.path))
    return done


def layout_problems(r: Rendered) -> list[str]:
    """What in report ``r`` does not print as planned (empty when all is well); rules in the module
    docstring."""
    w, path = r.writer, r.path
    titles = workbook_sheets(path)
    pages = Counter(r.pages)
    areas = print_areas(path)
    problems = []
    if set(titles) != set(w.layouts):
        problems.append(f"sheets without a page plan: {sorted(set(titles) - set(w.layouts))}")
    if None in pages:
        problems.append(f"PDF pages {[i + 1 for i, s in enumerate(r.pages) if s is None]} of {len(r.pages)} "
                        "name no sheet in their header")
    first = titles[0]
    if w.report.headline is None:
        problems.append(f"first sheet 「{first}」 is not a headline (Report.headline is not set)")
    if pages[first] != 1:
        problems.append(f"first sheet 「{first}」 prints on {pages[first]} pages, not 1")
    for title in titles:
        if title not in w.layouts:
            continue
        role, plan, last_row, last_col = w.layouts[title]
        want = f"$A$1:${xl_col_to_name(last_col)}${last_row + 1}"
        if areas.get(title) != want:
            problems.append(f"「{title}」 print area {areas.get(title)}, planned {want}")
        if role == "summary":
            breaks = row_breaks(path, title)
            if breaks != plan.breaks:
                problems.append(f"「{title}」 page breaks {breaks}, planned {plan.breaks}")
            split = [(f, t, b) for b in breaks for f, t in chart_anchor_rows(path, title) if f < b <= t]
            if split:
                problems.append(f"「{title}」 chart rows {split[0][:2]} cross the page break at row {split[0][2]}")
            if plan.pages > layout.MAX_SUMMARY_PAGES and plan.scale > layout.MIN_SCALE:
                problems.append(f"「{title}」 summary planned on {plan.pages} pages at {plan.scale}%")
            if pages[title] != plan.pages:
                problems.append(f"「{title}」 (summary) printed {pages[title]} pages, planned {plan.pages}")
        elif pages[title] != 1:
            problems.append(f"「{title}」 (detail) printed {pages[title]} pages, not its first page only")
    if not problems and r.pages != planned_pages(w, titles):
        problems.append(f"pages out of sheet order: {r.pages}")
    return problems


def planned_pages(w: XlsxReportWriter, titles: list[str]) -> list[str]:
    """The sheet of each page the writer planned, in tab order: a summary its ``plan.pages``, a detail
    sheet 1."""
    return [t for t in titles for _ in range(w.layouts[t][1].pages if w.layouts[t][0] == "summary" else 1)]


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", CASES)
def test_report_prints_as_planned(rendered, key):
    r = rendered[key]
    assert r.writer is not None, f"{key} did not run or write on the sample bank:\n{r.error}"
    problems = layout_problems(r)
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)


@pytest.mark.libreoffice
def test_batch_was_one_conversion_of_every_report(rendered):
    """Every case is in the batch, and the hand-built headline report prints 概览 on one page, its summary
    到期结构 on two and the first page of 提醒名单 (15 rows): 4 pages. By hand for 到期结构: title 18 pt +
    header 30 + 12 rows x 15 + blank 15 = 243 pt, the chart (320 + 8) px = 246 pt; 489 pt exceed an A4
    landscape page at 100 % (0.96 x (595.3 - 86.4) = 488.5 pt), so the chart starts page 2 whole: the one
    planned break is the chart's first row."""
    assert list(rendered) == CASES
    hand = rendered[HAND_BUILT]
    role, plan, _, _ = hand.writer.layouts["到期结构"]
    assert role == "summary" and plan.breaks == [chart_anchor_rows(hand.path, "到期结构")[0][0]]
    assert hand.pages == ["概览", "到期结构", "到期结构", "提醒名单"]


def test_page_header_names_the_sheet(tmp_path):
    """The running header the render test reads: report title left, sheet name right."""
    w = _write(headline_report(), tmp_path / "r.xlsx")
    xml = _xml(w.path, "xl/worksheets/sheet1.xml")
    assert "&amp;R概览" in xml or "&R概览" in xml
