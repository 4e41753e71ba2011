"""D2 到期结构 on paper: its three blocks (到期金额 / 到期笔数 / 到期去重客户数, one row per 全行/分行/支行) are
stacked without overlap and print whole at any number of outlets, and a page never starts with the last rows
of a block that fits a page (the demo's 到期去重客户数 printed its last 3 rows alone on a page).

Read back from the written workbook with openpyxl: table ranges, print area, manual page breaks."""
from __future__ import annotations

import unicodedata

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import AS_OF, _sample
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from bankxl.report import Note, layout
from bankxl.report.xlsx import write_report
from bankxl.runner import execute

BLOCKS = ("maturity_amount", "maturity_count", "maturity_customers")


def _d2_book(tables, path):
    write_report(execute("D2", tables, as_of=AS_OF), path)
    return openpyxl.load_workbook(path)["到期结构"]


def _blocks(ws) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of the three structure tables, in sheet order."""
    return [range_boundaries(ws.tables[name].ref) for name in BLOCKS]


def _many_outlets(per_branch: int) -> dict[str, pd.DataFrame]:
    """The demo bank (2,000 customers) with ``per_branch`` outlets under each of its 3 branches, the deposits
    dealt round-robin over them: every outlet has deposits, so each block has 1 + 3 + 3 x per_branch rows."""
    bank = _sample(2000, 20261130)
    orgs = bank["orgs"]
    top = orgs[orgs["level"] != "支行"]
    rows = [{"org_id": f"{b[:2]}{i:04d}", "org_name": f"{b}网点{i}", "parent_id": b, "level": "支行"}
            for b in orgs.loc[orgs["level"] == "分行", "org_id"] for i in range(1, per_branch + 1)]
    new = pd.concat([top, pd.DataFrame(rows)], ignore_index=True)
    new = new.astype({c: "string" for c in ("org_id", "org_name", "parent_id", "level")})
    outlets = new.loc[new["level"] == "支行", "org_id"].to_numpy()
    td = bank["time_deposits"].copy()
    td["org_id"] = pd.array(outlets[np.arange(len(td)) % len(outlets)], dtype="string")
    return {"time_deposits": td, "orgs": new, "customers": bank["customers"]}


def test_paginate_prefers_the_whole_table_and_falls_back_to_its_head():
    """10 rows of 10 pt on pages of 35 pt. Keeps from row 2: the whole table (2, 5) = 30 pt fits a page, so the
    page ends before row 2 (not after row 3, which left rows 3-4 alone); the whole table (2, 7) = 50 pt does not
    fit, its head (2, 4) = 20 pt does and 20 + 20 > 35, so the page still ends before row 2 (before: the longest
    keep alone decided, and being taller than a page it was ignored: [3, 6, 9])."""
    h = [10.0] * 10
    assert layout.paginate(h, [(2, 5), (2, 4)], 35) == [2, 5, 8]
    assert layout.paginate(h, [(2, 7), (2, 4)], 35) == [2, 5, 8]
    assert layout.paginate(h, [(2, 9), (2, 3)], 35) == [3, 6, 9]  # head 10 pt: 30 pt fit on page 1
    assert layout.paginate(h, [(1, 9)], 35) == [3, 6, 9]  # taller than a page, no alternative: split as usual


@pytest.mark.parametrize("per_branch", [40])
def test_structure_blocks_never_overlap_and_print_whole(tmp_path, per_branch):
    """124 rows a block (more than the demo's 19 and than layout.DETAIL_ROWS): the blocks follow each
    other with a gap, and the print area covers all three (it covered page 1 only: a table of more than 100
    rows made the sheet a detail sheet)."""
    ws = _d2_book(_many_outlets(per_branch), tmp_path / "d2.xlsx")
    blocks = _blocks(ws)
    n = 1 + 3 + 3 * per_branch
    assert [b[3] - b[1] for b in blocks] == [n] * 3  # header + n rows
    for (_, _, _, end), (_, start, _, _) in zip(blocks, blocks[1:]):
        assert start > end + 1  # the next block (its title above its header) starts below the previous one
    area = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
    assert area[:2] == (1, 1)
    assert area[2] >= max(b[2] for b in blocks) and area[3] >= max(b[3] for b in blocks)
    assert ws.oddHeader.right.text == "到期结构"  # printed as a summary, not "(明细, 打印首页)"


def test_structure_page_breaks_fall_between_blocks_at_demo_size(tmp_path):
    """The demo bank (3 branches, 15 outlets: 19 rows a block) overflows one page at the width's scale. No
    manual page break falls inside a block or between its title and header (a break after Excel row ``b`` splits
    a block whose header is on row h and last row on L when h - 1 <= b < L); the one break is at the title of
    到期去重客户数 (it was inside it, leaving 3 rows alone on page 2)."""
    bank = _sample(2000, 20261130)
    ws = _d2_book({k: bank[k] for k in ("time_deposits", "orgs", "customers")}, tmp_path / "d2.xlsx")
    blocks = _blocks(ws)
    assert [b[3] - b[1] for b in blocks] == [19] * 3
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks, "the three blocks do not fit one page at this scale: the test needs a break"
    split = [(b, name) for b in breaks for name, (_, h, _, last) in zip(BLOCKS, blocks) if h - 1 <= b < last]
    assert not split
    assert breaks == [blocks[2][1] - 2]  # after the row above 到期去重客户数's title


def test_plan_pages_splits_tables_before_it_exceeds_the_page_limit():
    """Four tables of 20 rows x 15 pt (300 pt each; keeps: the whole table, or its first 4 rows) on A4 landscape
    at 100 % (0.96 x (595.3 - 86.4) = 488.5 pt a page: one whole table a page). Kept whole they need 4 pages;
    with max_pages=3 the plan splits them instead (32 rows a page: breaks at rows 32 and 64) at the same scale,
    rather than printing 4 pages or shrinking the print."""
    h = [15.0] * 80
    keeps = [k for t in range(0, 80, 20) for k in ((t, t + 20), (t, t + 4))]
    whole = layout.plan_pages(h, keeps, 100.0, 9, True, max_pages=None)
    assert (whole.scale, whole.breaks) == (100, [20, 40, 60])
    plan = layout.plan_pages(h, keeps, 100.0, 9, True, max_pages=3)
    assert (plan.scale, plan.breaks) == (100, [32, 64])


@pytest.mark.parametrize("action, shown", [(None, "行长/理财经理在岗, 预约1位大额客户"),
                                           ("{n_big}位大额客户请行长接待", "1位大额客户请行长接待")])
def test_staffing_note_shows_the_suggestion_as_the_schedule_writes_it(action, shown):
    """排班's note quotes 大额客户排班建议 filled for one large customer (the schedule's own sentence), not the raw
    template: branch heads read "预约{n_big}位" (seen in the rendered demo report)."""
    bank = _sample(2000, 20261130)
    params = {"staff_large_action": action} if action else None
    report = execute("D2", {k: bank[k] for k in ("time_deposits", "orgs")}, params, as_of=AS_OF)
    lines = [x for b in report.sheet("排班").blocks if isinstance(b, Note) for x in b.lines]
    assert any(f"(1 位大额客户时为「{shown}」)" in x for x in lines), lines
    assert not any("{" in x for x in lines)


def _units(text: str) -> int:
    """Display width of ``text`` in Excel character units, by hand: East Asian wide/fullwidth characters 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _printed_widths(ws) -> list[float]:
    """Widths (units) of the columns of ``ws``'s print area; a column without a set width is Excel's 8.43."""
    c0, _, c1, _ = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
    set_w = {c: d.width for d in ws.column_dimensions.values() if d.width
             for c in range(d.min or 1, (d.max or d.min or 1) + 1)}
    return [set_w.get(c, 8.43) for c in range(c0, c1 + 1)]


def test_note_lines_print_whole_inside_the_print_area(tmp_path):
    """A note line (text in column A, nothing else on its row) wider than the print area's columns is wrapped
    in a cell merged across all of them, its row tall enough for its lines (15 pt a line); narrower lines may
    overflow as before. D2's 数据问题 (notes only) printed one column wide: "未发现数据问", "行号为打开原"; its
    column A is now wide enough. On 说明 the long 表「机构」在 6 处内容相同 … line wraps inside A:E."""
    bank = _sample(2000, 20261130)
    write_report(execute("D2", {k: bank[k] for k in ("time_deposits", "orgs", "customers")}, as_of=AS_OF),
                 tmp_path / "d2.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "d2.xlsx")
    wrapped = 0
    for name in ("数据问题", "说明"):
        ws = wb[name]
        widths = _printed_widths(ws)
        merged = {str(m): m for m in ws.merged_cells.ranges}
        _, r0, _, r1 = range_boundaries(ws.print_area.split("!")[1].replace("$", ""))
        for r in range(r0, r1 + 1):
            row = [c.value for c in ws[r]]
            text = row[0] if row else None
            if not isinstance(text, str) or any(v is not None for v in row[1:]):
                continue
            if _units(text) + 2 <= sum(widths):
                continue  # fits the printed width on one line
            span = f"A{r}:{get_column_letter(len(widths))}{r}"
            assert len(widths) == 1 or span in merged, (name, r, text[:30])
            assert ws.cell(r, 1).alignment.wrap_text, (name, r)
            lines = -(-_units(text) // (sum(widths) - 2))  # ceil: what a cell of the printed width holds
            assert ws.row_dimensions[r].height >= min(lines, layout.MAX_LINES) * 15, (name, r, lines)
            wrapped += 1
    assert wrapped >= 1  # the 说明 line of 6 identical 机构 tables
    ws = wb["数据问题"]
    assert sum(_printed_widths(ws)) >= max(_units(c.value) + 2 for c in ws["A"] if isinstance(c.value, str))
