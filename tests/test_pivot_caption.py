"""D2 到期透视's grand total is captioned 总计 in the pivot definition itself (fresh-user trial saw LibreOffice's
'Total Result'): ECMA-376 CT_pivotTableDefinition@grandTotalCaption — one caption for both the total row
(colGrandTotals) and the total column (rowGrandTotals; the schema has no separate caption attribute) — is what Excel
shows when it rebuilds the pivot, and the cells bankxl pre-writes say 总计 too. LibreOffice (7.4) reads the
attribute but does not apply it (sc/source/filter/oox/pivottablebuffer.cxx sets only ColumnGrand/RowGrand), so a
workbook LibreOffice recomputes still shows 'Total Result' (tests/test_d2_pivot.py relies on that to know the
numbers are LibreOffice's own)."""
from __future__ import annotations

import re
import zipfile

import openpyxl
from test_d2_maturity import AS_OF, CUSTOMERS, ORGS, make_td

from bankxl.report.xlsx import write_report
from bankxl.runner import execute


def test_grand_total_caption_in_every_d2_pivot(tmp_path):
    r = execute("deposit.maturity", {"time_deposits": make_td(), "orgs": ORGS, "customers": CUSTOMERS}, as_of=AS_OF)
    path = write_report(r, tmp_path / "d2.xlsx")
    with zipfile.ZipFile(path) as z:
        defs = [z.read(n).decode("utf-8") for n in z.namelist() if re.fullmatch(r"xl/pivotTables/pivotTable\d+\.xml", n)]
    assert len(defs) == 2
    for x in defs:
        head = re.search(r"<pivotTableDefinition [^>]*>", x).group(0)
        assert 'grandTotalCaption="总计"' in head and 'rowGrandTotals="1"' in head and 'colGrandTotals="1"' in head
    ws = openpyxl.load_workbook(path)["到期透视"]
    for pv in ws._pivots:
        cells = [c.value for row in ws[pv.location.ref] for c in row]
        assert "总计" in cells and "Total Result" not in cells
