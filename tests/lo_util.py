"""LibreOffice helpers for tests: recalculate a workbook headless, or render it to PDF.

XlsxWriter/openpyxl files carry cached formula results that LibreOffice keeps by default when it opens
an OOXML file; :func:`recalc_to_xlsx` uses a private LibreOffice profile whose registrymodifications.xcu
sets ``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` (and ``ODFRecalcMode``) to 0
("always recalculate"), so the converted copy holds LibreOffice's own results
(see /work/shared/notes/libreoffice-and-pivots.md). Each call uses its own profile folder, so concurrent
test workers do not collide. Raises RuntimeError when soffice fails or produces no file.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

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


def _profile(root: Path, recalc: bool) -> Path:
    prof = root / "profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    if recalc:
        (prof / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return prof


def _convert(path: Path, outdir: Path, target: str, recalc: bool, timeout: int = 180) -> Path:
    exe = soffice()
    if exe is None:
        raise RuntimeError("soffice not found")
    path, outdir = Path(path).resolve(), Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if path.parent == outdir and target.split(":")[0] == path.suffix.lstrip("."):
        raise ValueError("outdir must differ from the source folder (the output would overwrite the input)")
    with tempfile.TemporaryDirectory(prefix="lo_prof_") as tmp:
        prof = _profile(Path(tmp), recalc)
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation={prof.as_uri()}",
               "--convert-to", target, "--outdir", str(outdir), str(path)]
        res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    out = outdir / (path.stem + "." + target.split(":")[0])
    if res.returncode != 0 or not out.exists():
        raise RuntimeError(f"soffice failed ({res.returncode}): {res.stdout} {res.stderr}")
    return out


def recalc_to_xlsx(path, outdir) -> Path:
    """Open ``path`` in headless LibreOffice with forced recalculation and save it as .xlsx in ``outdir``
    (which must differ from the source folder); returns the new file's path. Read it with openpyxl
    ``data_only=True`` to get LibreOffice's results."""
    return _convert(Path(path), Path(outdir), "xlsx:Calc MS Excel 2007 XML", recalc=True)


def to_pdf(path, outdir, recalc: bool = True) -> Path:
    """Render ``path`` to PDF in ``outdir`` (recalculated first unless ``recalc=False``); returns the PDF."""
    return _convert(Path(path), Path(outdir), "pdf", recalc=recalc)
