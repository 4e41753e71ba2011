"""LibreOffice helpers for tests: recalculate a workbook headless, render it to PDF, convert it to ODS/CSV
to read LibreOffice's own pivot (data-pilot) output, and compare a template's cached formula values with
LibreOffice's recalculated ones.

XlsxWriter/openpyxl files carry cached formula results that LibreOffice keeps by default when it opens
an OOXML file; :func:`convert` (and so :func:`recalc_to_xlsx`) uses a private LibreOffice profile whose
registrymodifications.xcu sets ``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` (and
``ODFRecalcMode``) to 0 ("always recalculate"), so the converted copy holds LibreOffice's own results
(see /work/shared/notes/libreoffice-and-pivots.md). Each call uses its own profile folder, so concurrent
test workers do not collide. Raises RuntimeError when soffice fails or produces no file.
"""
from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """Path of the soffice binary, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice(skip_reason: str) -> str:
    """Path of the soffice binary; without one the calling test fails when CI=true, else is skipped
    with ``skip_reason``."""
    exe = soffice()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but is not on PATH")
        pytest.skip(skip_reason)
    return exe


def _profile(root: Path, recalc: bool) -> Path:
    prof = root / "profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    if recalc:
        (prof / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return prof


def convert(path, target: str, outdir, *, recalc: bool = True, timeout: int = 180) -> Path:
    """Convert ``path`` with headless LibreOffice (``--convert-to target``) into ``outdir`` (created; it must
    differ from the source folder when the format is the same); returns the file written. ``target`` is a
    soffice filter string such as ``"ods"`` or ``"csv:Text - txt - csv (StarCalc):…"``; a CSV of one sheet
    comes out as ``<stem>-<sheet name>.csv``, found by the stem. ``recalc`` forces recalculation on load."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("soffice not found")
    path, outdir = Path(path).resolve(), Path(outdir).resolve()
    ext = target.split(":")[0]
    outdir.mkdir(parents=True, exist_ok=True)
    if path.parent == outdir and ext == path.suffix.lstrip("."):
        raise ValueError("outdir must differ from the source folder (the output would overwrite the input)")
    with tempfile.TemporaryDirectory(prefix="lo_prof_") as tmp:
        prof = _profile(Path(tmp), recalc)
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation={prof.as_uri()}",
               "--convert-to", target, "--outdir", str(outdir), str(path)]
        res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    out = outdir / (path.stem + "." + ext)
    if not out.exists():
        produced = sorted(p for p in outdir.iterdir() if p.stem.startswith(path.stem) and p.suffix == "." + ext)
        out = produced[0] if produced else out
    if res.returncode != 0 or not out.exists():
        raise RuntimeError(f"soffice failed ({res.returncode}): {res.stdout} {res.stderr}")
    return out


def recalc_to_xlsx(path, outdir) -> Path:
    """Open ``path`` in headless LibreOffice with forced recalculation and save it as .xlsx in ``outdir``
    (which must differ from the source folder); returns the new file's path. Read it with openpyxl
    ``data_only=True`` to get LibreOffice's results."""
    return convert(path, "xlsx:Calc MS Excel 2007 XML", outdir)


def to_pdf(path, outdir, recalc: bool = True) -> Path:
    """Render ``path`` to PDF in ``outdir`` (recalculated first unless ``recalc=False``); returns the PDF."""
    return convert(path, "pdf", outdir, recalc=recalc)


# ------------------------------------------------------------------ formula templates
def formula_cells(path):
    """Yield (sheet title, cell coordinate, formula) for every formula cell of the workbook at ``path``."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield ws.title, c.coordinate, c.value


def same_value(a, b) -> bool:
    """Cell values equal as a user sees them: blank (None or "") equals blank, numbers within 1e-9
    (relative or absolute), anything else by ==."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def recalc_mismatches(path, workdir: Path) -> tuple[Path, list[tuple], int]:
    """Recalculate the template at ``path`` in LibreOffice and compare every formula cell with the value
    cached in ``path``. A copy saved by openpyxl has no cached values, so whatever LibreOffice returns it
    computed itself; the copy goes to ``workdir/src``, the recalculated file to ``workdir/lo``.
    Returns (recalculated file, mismatches as (sheet, cell, cached, LibreOffice's), formula cells checked)."""
    blank = workdir / "src" / "blank.xlsx"
    blank.parent.mkdir()
    openpyxl.load_workbook(path).save(blank)
    out = recalc_to_xlsx(blank, workdir / "lo")
    lo = openpyxl.load_workbook(out, data_only=True)
    py = openpyxl.load_workbook(path, data_only=True)
    checked, bad = 0, []
    for sheet, cell, _f in formula_cells(path):
        a, b = py[sheet][cell].value, lo[sheet][cell].value
        if not same_value(a, b):
            bad.append((sheet, cell, a, b))
        checked += 1
    return out, bad, checked


# ------------------------------------------------------------------ pivots (data pilots)
def data_pilot_tables(converter, xlsx: Path, outdir: Path) -> dict[str, str]:
    """Pivot name -> target range of every <table:data-pilot-table> LibreOffice understood; ``converter`` is
    :func:`convert` or a partial of it (another timeout)."""
    ods = converter(xlsx, "ods", outdir)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    return dict(re.findall(r'<table:data-pilot-table table:name="([^"]*)"[^>]*?'
                           r'table:target-range-address="([^"]*)"', content))


def sheet_csv(converter, xlsx: Path, outdir: Path, sheet_no: int) -> list[list[str]]:
    """The cells of sheet ``sheet_no`` (1-based) as LibreOffice computes them, read back from its CSV
    export; ``converter`` as in :func:`data_pilot_tables`."""
    # token 1-5: sep ',', quote '"', UTF-8 (76), from line 1; token 12: sheet number (1-based)
    out = converter(xlsx, f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet_no}",
                  outdir)
    with open(out, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))
