"""Build and check the bankxl Excel add-in (``bankxl.xlam``) without Excel.

The add-in starts from the template that ships in the pinned xlwings wheel
(``xlwings/quickstart_addin_ribbon.xlam``) and changes only what bankxl needs:

* ``customUI/customUI.xml`` - generated ribbon: tab ``bankxlTab`` 「银行数据应用」,
  one group per scenario group (fixed order), one button per scenario, every
  ``onAction`` = ``BankXL_OnAction``;
* ``xl/vbaProject.bin`` - rebuilt source-only (see :mod:`.vbaproject`) with the
  modules ThisWorkbook, Sheet2 (template document modules), Dictionary and
  xlwings (from the wheel; ``PROJECT_NAME`` = ``"bankxl"``), BankXL (the
  dispatcher, ``addin/src/BankXL.bas``) and optionally ``xlwings_udfs``;
* the xlwings config sheet - renamed from the template's inactive
  ``_myaddin.conf`` to ``bankxl.conf`` (xlwings reads ``PROJECT_NAME & ".conf"``)
  holding only ``UDF Modules``, the three boolean switches and
  ``ADD_WORKBOOK_TO_PYTHONPATH`` = ``false`` (see :data:`NO_WORKBOOK_PATH`).
  Interpreter, Conda and PYTHONPATH are deliberately *not* on the sheet: an
  entry there, even empty, would hide the user's
  ``%USERPROFILE%\\.bankxl\\bankxl.conf``. Pass
  ``config={"Interpreter_Win": ...}`` to pin them at build time.

The output is byte-for-byte deterministic: fixed zip timestamps and
attributes, a fixed VBA project ID derived from the project name, zero CFB
CLSIDs and times.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from .ovba import decompress
from .vbaproject import (
    VBA_PROJECT_STREAM,
    VBAModule,
    build_vba_project,
    decrypt_data,
    module_from_bas,
    module_from_cls,
    parse_dir,
    read_template,
)

__all__ = [
    "CALLBACK",
    "GROUPS",
    "GROUP_IDS",
    "PROJECT_NAME",
    "TAB_ID",
    "TAB_LABEL",
    "VBA_PROJECT_NAME",
    "Button",
    "addin_modules",
    "build_customui",
    "build_xlam",
    "check_xlam",
    "libreoffice_basic_sources",
]

PROJECT_NAME = "bankxl"  # xlwings PROJECT_NAME: conf sheet "bankxl.conf", ~/.bankxl/bankxl.conf
VBA_PROJECT_NAME = "BankXLAddin"  # VBA forbids a module named like its project, so not "BankXL"
TAB_ID = "bankxlTab"
TAB_LABEL = "银行数据应用"
CALLBACK = "BankXL_OnAction"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
#: package relationship type that goes with :data:`CUSTOMUI_NS` (Office 2007 customUI.xml). The 2009/07
#: namespace (customUI14.xml) takes ``…/2007/relationships/ui/extensibility``; the xlwings template has that
#: one, and Office only loads a ribbon whose namespace matches its relationship type (ECMA-376 / [MS-CUSTOMUI]).
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
CUSTOMUI14_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
#: Sub of the UDF-docs module (``bankxl.xl.addin_cli.udf_docs_vba``) that ThisWorkbook's Workbook_Open calls
REGISTER_SUB = "BankXL_RegisterUdfs"
GROUPS = ("存款营销", "信贷营销", "电子银行", "风险管理", "综合管理", "工具")
GROUP_IDS = {
    "存款营销": "bankxlGrpDeposit",
    "信贷营销": "bankxlGrpCredit",
    "电子银行": "bankxlGrpEbank",
    "风险管理": "bankxlGrpRisk",
    "综合管理": "bankxlGrpManagement",
    "工具": "bankxlGrpTools",
}
DEFAULT_IMAGE = "MacroPlay"
CONF_SHEET = f"{PROJECT_NAME}.conf"
UDF_MODULE = "bankxl.xl.udfs"

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_SUB_RE = re.compile(
    r"^[ \t]*(?:(Public|Private|Friend)[ \t]+)?Sub[ \t]+([A-Za-z][A-Za-z0-9_]*)[ \t]*\(([^)]*)\)",
    re.MULTILINE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Button:
    """One ribbon button: ``id`` is the scenario id handed to ``bankxl.xl.ribbon.on_action``."""

    id: str
    label: str
    group: str
    screentip: str = ""
    image: str = DEFAULT_IMAGE

    @classmethod
    def of(cls, obj) -> Button:
        """Accept a :class:`Button`, a mapping or any object with the same attributes."""
        if isinstance(obj, Button):
            return obj
        get = obj.get if isinstance(obj, Mapping) else (lambda k, d=None: getattr(obj, k, d))
        return cls(
            id=get("id"),
            label=get("label"),
            group=get("group"),
            screentip=get("screentip", "") or "",
            image=get("image", DEFAULT_IMAGE) or DEFAULT_IMAGE,
        )


# --------------------------------------------------------------------------- sources


def _xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def _addin_src_dir() -> Path:
    """``addin/src`` of a source checkout, else ``bankxl/xl/addin_src`` of an installed package."""
    here = Path(__file__).resolve()
    for cand in (here.parents[3] / "addin" / "src", here.parents[1] / "addin_src"):
        if (cand / "BankXL.bas").is_file():
            return cand
    raise FileNotFoundError("BankXL.bas not found in addin/src or bankxl/xl/addin_src")


def _template_path() -> Path:
    return _xlwings_dir() / "quickstart_addin_ribbon.xlam"


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("cp1252")


def _xlwings_module() -> VBAModule:
    text = _read_text(_xlwings_dir() / "xlwings_custom_addin.bas")
    text, n = re.subn(
        r'^(Public Const PROJECT_NAME As String = )"[^"]*"',
        lambda m: f'{m.group(1)}"{PROJECT_NAME}"',
        text,
        flags=re.MULTILINE,
    )
    if n != 1:
        raise RuntimeError("PROJECT_NAME constant not found in xlwings_custom_addin.bas")
    return module_from_bas("xlwings", text)


_WORKBOOK_OPEN = f"Private Sub Workbook_Open()\r\n    {REGISTER_SUB}\r\nEnd Sub\r\n"


def addin_modules(template, udf_vba: str | None = None, udf_docs: str | None = None) -> list[VBAModule]:
    """The add-in's VBA modules in project order (all cp1252, checked by :class:`VBAModule`).

    ``udf_docs``: source of the module whose :data:`REGISTER_SUB` registers the function-wizard texts;
    when given, ThisWorkbook gets a ``Workbook_Open`` that calls it."""
    docs = [
        m["name"]
        for m in template.dir.modules
        if m["type"] == 0x22 and 'VB_Base = "0{0002' in template.sources[m["name"]]
    ]
    modules = []
    for name in docs:
        src = template.sources[name]
        if udf_docs and name == "ThisWorkbook":
            src = src.rstrip("\r\n") + "\r\n" + _WORKBOOK_OPEN
        modules.append(VBAModule(name, "document", src))
    modules.append(module_from_cls("Dictionary", _read_text(_xlwings_dir() / "addin" / "Dictionary.cls")))
    modules.append(_xlwings_module())
    modules.append(module_from_bas("BankXL", _read_text(_addin_src_dir() / "BankXL.bas")))
    if udf_vba:
        modules.append(module_from_bas("xlwings_udfs", udf_vba))
    if udf_docs:
        name = re.search(r'^Attribute VB_Name = "([^"]+)"', udf_docs, re.MULTILINE)
        modules.append(module_from_bas(name.group(1) if name else "BankXLUdfDocs", udf_docs))
    return modules


# --------------------------------------------------------------------------- customUI


def build_customui(buttons: Iterable) -> bytes:
    """Generate ``customUI/customUI.xml`` (UTF-8) for ``buttons``.

    Groups appear in :data:`GROUPS` order and only when they hold a button;
    buttons keep their given order inside a group.
    """
    items = [Button.of(b) for b in buttons]
    by_group: dict[str, list[Button]] = {g: [] for g in GROUPS}
    seen: set[str] = {TAB_ID, *GROUP_IDS.values()}
    for b in items:
        if b.group not in by_group:
            raise ValueError(f"button {b.id!r}: unknown group {b.group!r}; expected one of {GROUPS}")
        if not b.id or not _NCNAME.match(b.id):
            raise ValueError(f"button id {b.id!r} is not a valid XML NCName")
        if b.id in seen:
            raise ValueError(f"duplicate control id {b.id!r}")
        if not b.label:
            raise ValueError(f"button {b.id!r} has no label")
        seen.add(b.id)
        by_group[b.group].append(b)
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<customUI xmlns="{CUSTOMUI_NS}">',
        "  <ribbon>",
        "    <tabs>",
        f"      <tab id={quoteattr(TAB_ID)} label={quoteattr(TAB_LABEL)}>",
    ]
    for group in GROUPS:
        if not by_group[group]:
            continue
        lines.append(f"        <group id={quoteattr(GROUP_IDS[group])} label={quoteattr(group)}>")
        for b in by_group[group]:
            attrs = [
                f"id={quoteattr(b.id)}",
                f"label={quoteattr(b.label)}",
                'size="large"',
                f"imageMso={quoteattr(b.image)}",
                f"onAction={quoteattr(CALLBACK)}",
            ]
            if b.screentip:
                attrs.insert(2, f"screentip={quoteattr(b.screentip)}")
            lines.append("          <button " + " ".join(attrs) + " />")
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines).encode("utf-8")


# --------------------------------------------------------------------------- workbook parts


#: xlwings' RunPython and UDF server put the folder of the user's workbook (and of the add-in) first on
#: Python's path unless this is false (``xlwings.utils.prepare_sys_path``): a ``pandas.py`` or ``bankxl.py``
#: beside her file would shadow the real package, and a OneDrive/SharePoint workbook (its FullName a URL)
#: makes xlwings raise "Couldn't find your local OneDrive file" before bankxl runs. bankxl is an installed
#: package and needs neither folder. Text, not a boolean cell: xlwings compares the string with "true".
NO_WORKBOOK_PATH = ("ADD_WORKBOOK_TO_PYTHONPATH", "false")


def _conf_rows(udf: bool, config: Mapping[str, object] | None) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("UDF Modules", UDF_MODULE if udf else ""),
        ("Debug UDFs", False),
        ("Use UDF Server", False),
        ("Show Console", False),
        NO_WORKBOOK_PATH,
    ]
    for key, value in (config or {}).items():
        rows = [r for r in rows if r[0].upper() != key.upper()] + [(key, value)]
    return rows


def _sheet_and_strings(rows: Sequence[tuple[str, object]]) -> tuple[bytes, bytes]:
    """Config sheet (``xl/worksheets/sheet1.xml``) and its shared strings."""
    strings: list[str] = []

    def sst(s: str) -> int:
        if s not in strings:
            strings.append(s)
        return strings.index(s)

    xml_rows = []
    for r, (key, value) in enumerate(rows, start=1):
        cells = [f'<c r="A{r}" s="1" t="s"><v>{sst(key)}</v></c>']
        if isinstance(value, bool):
            cells.append(f'<c r="B{r}" s="1" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, (int, float)):
            cells.append(f'<c r="B{r}" s="1"><v>{value}</v></c>')
        elif value not in (None, ""):
            cells.append(f'<c r="B{r}" s="1" t="s"><v>{sst(str(value))}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetPr codeName="Sheet2" />'
        f'<dimension ref="A1:B{len(rows)}" />'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0" /></sheetViews>'
        '<sheetFormatPr defaultColWidth="8.875" defaultRowHeight="15.75" />'
        '<cols><col min="1" max="1" width="18.75" style="1" customWidth="1" />'
        '<col min="2" max="2" width="24.75" style="1" customWidth="1" /></cols>'
        f"<sheetData>{''.join(xml_rows)}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3" />'
        "</worksheet>"
    )
    sst_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    return sheet.encode("utf-8"), sst_xml.encode("utf-8")


def _workbook_xml(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    text, n = re.subn(r'<sheet name="[^"]*\.conf"', f'<sheet name="{CONF_SHEET}"', text)
    if n != 1:
        raise RuntimeError("config sheet not found in template workbook.xml")
    # drop the template author's absolute path (x15ac:absPath)
    text = re.sub(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", text, flags=re.DOTALL)
    return text.encode("utf-8")


def _rels_xml(xml: bytes) -> bytes:
    """The package relationships with the customUI relationship type of :data:`CUSTOMUI_NS`."""
    text = xml.decode("utf-8")
    text, n = re.subn(r'Type="[^"]*/relationships/ui/extensibility"', f'Type="{CUSTOMUI_REL}"', text)
    if n != 1:
        raise RuntimeError("customUI relationship not found in template _rels/.rels")
    return text.encode("utf-8")


_CORE_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    b"<dc:title>bankxl</dc:title><dc:creator>bankxl</dc:creator><cp:lastModifiedBy>bankxl</cp:lastModifiedBy>"
    b'<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created>'
    b'<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:modified>'
    b"</cp:coreProperties>"
)


def _zip_write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


# --------------------------------------------------------------------------- build


def build_xlam(
    out_path: str | Path,
    buttons: Iterable,
    udf_vba: str | None = None,
    *,
    udf_docs: str | None = None,
    config: Mapping[str, object] | None = None,
    template: str | Path | None = None,
) -> Path:
    """Build the add-in at ``out_path`` and return its path.

    ``buttons``: dicts or objects with ``id``, ``label`` (中文), ``group`` (one of
    :data:`GROUPS`), ``screentip`` and optionally ``image`` (an ``imageMso`` name).
    ``udf_vba``: VBA text of the UDF wrappers (module ``xlwings_udfs``), or None.
    ``udf_docs``: VBA text of the function-wizard module (registered on open), or None.
    ``config``: extra rows for the ``bankxl.conf`` sheet (e.g. ``Interpreter_Win``).
    """
    out_path = Path(out_path)
    template_path = Path(template) if template else _template_path()
    customui = build_customui(buttons)
    with zipfile.ZipFile(template_path) as tz:
        parts = {name: tz.read(name) for name in tz.namelist()}
    tproject = read_template(parts["xl/vbaProject.bin"])
    modules = addin_modules(tproject, udf_vba, udf_docs)
    sheet, sst = _sheet_and_strings(_conf_rows(bool(udf_vba), config))
    parts["customUI/customUI.xml"] = customui
    parts["xl/vbaProject.bin"] = build_vba_project(VBA_PROJECT_NAME, modules, tproject)
    parts["xl/workbook.xml"] = _workbook_xml(parts["xl/workbook.xml"])
    parts["xl/worksheets/sheet1.xml"] = sheet
    parts["xl/sharedStrings.xml"] = sst
    parts["docProps/core.xml"] = _CORE_XML
    parts["_rels/.rels"] = _rels_xml(parts["_rels/.rels"])
    first = ["[Content_Types].xml", "_rels/.rels"]
    order = first + sorted(n for n in parts if n not in first)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in order:
            _zip_write(zf, name, parts[name])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(buf.getvalue())
    return out_path


# --------------------------------------------------------------------------- checks


def _project_modules(project_text: str) -> list[str]:
    """Module names listed in the PROJECT stream (MS-OVBA §2.3.1.3-§2.3.1.6), in order."""
    names = []
    for line in project_text.replace("\r\n", "\n").split("\n"):
        if line.startswith("["):
            break
        key, _, value = line.partition("=")
        if key in ("Module", "Class", "BaseClass"):
            names.append(value)
        elif key == "Document":
            names.append(value.split("/")[0])
    return names


def _projectwm_modules(data: bytes, codepage: int) -> list[str]:
    names = []
    pos = 0
    while pos + 1 < len(data) and data[pos : pos + 2] != b"\x00\x00":
        end = data.index(b"\x00", pos)
        names.append(data[pos:end].decode(f"cp{codepage}"))
        pos = end + 1
        while data[pos : pos + 2] != b"\x00\x00":
            pos += 2
        pos += 2
    return names


def _vba_subs(sources: Mapping[str, str]) -> dict[str, tuple[str, str | None, str]]:
    """``{sub name (upper): (module, visibility, params)}`` for every Sub in the sources."""
    subs = {}
    for module, text in sources.items():
        for m in _SUB_RE.finditer(text):
            subs[m.group(2).upper()] = (module, m.group(1), m.group(3))
    return subs


def _check_customui(xml: bytes, subs: Mapping[str, tuple], problems: list[str]) -> None:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        problems.append(f"customUI.xml is not well-formed: {exc}")
        return
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        problems.append(f"customUI root element is {root.tag}, expected customUI in {CUSTOMUI_NS}")
    ids: dict[str, int] = {}
    for el in root.iter():
        if "id" in el.attrib:
            ids[el.attrib["id"]] = ids.get(el.attrib["id"], 0) + 1
            if not _NCNAME.match(el.attrib["id"]):
                problems.append(f"customUI id {el.attrib['id']!r} is not an NCName")
        for attr, value in el.attrib.items():
            if attr.startswith(("on", "get")):
                sub = value.rsplit(".", 1)[-1]
                found = subs.get(sub.upper())
                if not found:
                    problems.append(f"customUI callback {value!r} ({attr}) is not a Sub in the VBA project")
                elif (found[1] or "").lower() == "private":
                    problems.append(f"customUI callback {value!r} is Private in module {found[0]}")
                elif attr == "onAction" and "IRibbonControl" not in found[2]:
                    problems.append(f"customUI callback {value!r} does not take (control As IRibbonControl)")
    for ident, count in ids.items():
        if count > 1:
            problems.append(f"customUI id {ident!r} used {count} times")
    tabs = [el for el in root.iter(f"{{{CUSTOMUI_NS}}}tab")]
    if not any(t.get("id") == TAB_ID for t in tabs):
        problems.append(f"customUI has no tab {TAB_ID!r}")


def _check_openxml_audit(path: Path, problems: list[str]) -> None:
    """Schema-validate the package (customUI included) with openxml-audit, when installed."""
    try:
        from openxml_audit import OpenXmlValidator
    except ImportError:
        return
    result = OpenXmlValidator().validate(str(path))
    for err in result.errors:
        problems.append(f"openxml-audit: {err}")


def check_xlam(path: str | Path, *, libreoffice: bool = False, schema: bool = True) -> list[str]:
    """Verify a built add-in; returns a list of problems (empty = ok).

    Checks: package parts and content types; ``vbaProject.bin`` opens in
    olefile's strict mode; ``_VBA_PROJECT`` is the 7-byte source-only stream;
    every MODULEOFFSET is 0; the ``dir``, ``PROJECT`` and ``PROJECTwm`` module
    lists agree; every module decompresses to cp1252 text; CMG/DPB/GC decrypt
    with the project key of the project ID; the xlwings ``PROJECT_NAME`` and
    the config sheet name match; customUI is well-formed, has unique ids, and
    every callback is a public Sub taking ``IRibbonControl``; olevba (oletools,
    when installed) extracts the same sources; openxml-audit (when installed and
    ``schema``) finds no schema error; with ``libreoffice=True`` LibreOffice
    imports every module with the same source.
    """
    import olefile

    path = Path(path)
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"not a zip package: {exc}"]
    with zf:
        names = set(zf.namelist())
        for part in (
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/vbaProject.bin",
            "customUI/customUI.xml",
        ):
            if part not in names:
                problems.append(f"missing part {part}")
        if problems:
            return problems
        ct = zf.read("[Content_Types].xml").decode("utf-8")
        if "application/vnd.ms-excel.addin.macroEnabled.main+xml" not in ct:
            problems.append("workbook content type is not an add-in (.xlam)")
        if "application/vnd.ms-office.vbaProject" not in ct:
            problems.append("vbaProject.bin has no content type override")
        rels = zf.read("_rels/.rels").decode("utf-8")
        if "customUI/customUI.xml" not in rels:
            problems.append("_rels/.rels does not point at customUI/customUI.xml")
        ui_ns = re.search(r'<customUI\b[^>]*\bxmlns="([^"]+)"', zf.read("customUI/customUI.xml").decode("utf-8"))
        want_rel = CUSTOMUI14_REL if ui_ns and "2009/07" in ui_ns.group(1) else CUSTOMUI_REL
        if f'Type="{want_rel}"' not in rels:
            problems.append(f"customUI relationship type does not match its namespace "
                            f"({ui_ns.group(1) if ui_ns else '?'}): expected {want_rel}")
        workbook = zf.read("xl/workbook.xml").decode("utf-8")
        if f'name="{CONF_SHEET}"' not in workbook:
            problems.append(f"config sheet {CONF_SHEET!r} missing from workbook.xml")
        vba_bin = zf.read("xl/vbaProject.bin")
        customui = zf.read("customUI/customUI.xml")

    sources: dict[str, str] = {}
    try:
        ole = olefile.OleFileIO(io.BytesIO(vba_bin), raise_defects=olefile.DEFECT_INCORRECT)
    except Exception as exc:  # noqa: BLE001 - any defect is a finding
        problems.append(f"vbaProject.bin rejected by olefile (strict): {exc}")
        return problems
    with ole:
        if ole.openstream("VBA/_VBA_PROJECT").read() != VBA_PROJECT_STREAM:
            problems.append("_VBA_PROJECT is not the 7-byte source-only stream CC 61 FF FF 00 01 00")
        info = parse_dir(decompress(ole.openstream("VBA/dir").read()))
        enc = f"cp{info.codepage}"
        dir_names = [m["name"] for m in info.modules]
        for m in info.modules:
            if m["offset"] != 0:
                problems.append(f"module {m['name']}: MODULEOFFSET is {m['offset']}, expected 0")
            stream = "VBA/" + m.get("stream", m["name"])
            if not ole.exists(stream):
                problems.append(f"module stream {stream} missing")
                continue
            try:
                sources[m["name"]] = decompress(ole.openstream(stream).read()).decode(enc)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"module {m['name']}: cannot decompress/decode: {exc}")
        project_text = ole.openstream("PROJECT").read().decode(enc)
        proj_names = _project_modules(project_text)
        wm_names = _projectwm_modules(ole.openstream("PROJECTwm").read(), info.codepage)
    if dir_names != proj_names:
        problems.append(f"dir modules {dir_names} != PROJECT modules {proj_names}")
    if dir_names != wm_names:
        problems.append(f"dir modules {dir_names} != PROJECTwm modules {wm_names}")
    if f'Name="{info.project_name}"' not in project_text:
        problems.append("PROJECT Name= differs from the dir PROJECTNAME")
    m_id = re.search(r'^ID="(\{[0-9A-F-]+\})"', project_text, re.MULTILINE)
    if not m_id:
        problems.append("PROJECT stream has no ID line")
    else:
        key = sum(m_id.group(1).encode("ascii")) & 0xFF
        for tag in ("CMG", "DPB", "GC"):
            m = re.search(rf'^{tag}="([0-9A-F]+)"', project_text, re.MULTILINE)
            try:
                if not m or decrypt_data(m.group(1))[0] != key:
                    problems.append(f"PROJECT {tag} does not match the project ID")
            except Exception as exc:  # noqa: BLE001
                problems.append(f"PROJECT {tag} cannot be decrypted: {exc}")
    xlw = sources.get("xlwings", "")
    if f'PROJECT_NAME As String = "{PROJECT_NAME}"' not in xlw:
        problems.append(f"xlwings module PROJECT_NAME is not {PROJECT_NAME!r}")

    _check_customui(customui, _vba_subs(sources), problems)
    _check_olevba(path, sources, problems)
    if schema:
        _check_openxml_audit(path, problems)
    if libreoffice:
        try:
            lo = libreoffice_basic_sources(path)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"LibreOffice import failed: {exc}")
        else:
            for name, src in sources.items():
                if name not in lo:
                    problems.append(f"LibreOffice did not import module {name}")
                elif normalise_for_libreoffice(src) != normalise_for_libreoffice(lo[name]):
                    problems.append(f"LibreOffice source of module {name} differs")
    return problems


def _check_olevba(path: Path, sources: Mapping[str, str], problems: list[str]) -> None:
    try:
        from oletools.olevba import VBA_Parser
    except ImportError:
        return
    parser = VBA_Parser(str(path))
    try:
        got = {}
        for _f, _stream, vba_filename, code in parser.extract_macros():
            name = vba_filename.rsplit(".", 1)[0]
            got[name] = code.decode("cp1252") if isinstance(code, bytes) else code
    finally:
        parser.close()
    for name, src in sources.items():
        if name not in got:
            problems.append(f"olevba did not extract module {name}")
        elif normalise_for_olevba(src) != normalise_for_olevba(got[name]):
            problems.append(f"olevba source of module {name} differs")


def normalise_for_olevba(text: str) -> str:
    """Compare sources as olevba returns them: LF line endings (it keeps Attribute lines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def normalise_for_libreoffice(text: str) -> str:
    """Compare sources as LibreOffice stores them.

    LibreOffice drops the ``Attribute`` lines and adds ``Rem Attribute
    VBA_ModuleType=...``, ``Option VBASupport 1`` and, for class modules,
    ``Option ClassModule``; those lines are removed on both sides.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    added = ("Option VBASupport 1", "Option ClassModule")
    keep = [
        ln
        for ln in lines
        if not ln.startswith("Attribute ")
        and not ln.startswith("Rem Attribute VBA_ModuleType")
        and ln.strip() not in added
    ]
    return "\n".join(keep).strip("\n")


def libreoffice_basic_sources(
    path: str | Path, soffice: str | None = None, timeout: int = 300
) -> dict[str, str]:
    """Convert ``path`` to .ods with LibreOffice's VBA-aware import; return ``{module: source}``.

    Uses ``--infilter="Calc MS Excel 2007 VBA XML"`` (without it LibreOffice
    cannot load even the untouched template) and a private user profile.
    """
    exe = soffice or shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise FileNotFoundError("soffice (LibreOffice) not found")
    with tempfile.TemporaryDirectory(prefix="bankxl_lo_") as tmp:
        tmp_path = Path(tmp)
        src = tmp_path / "in.xlam"
        shutil.copyfile(path, src)
        profile = (tmp_path / "profile").as_uri()
        cmd = [
            exe, "--headless", "--norestore", f"-env:UserInstallation={profile}",
            "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path / "out"), str(src),
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        ods = tmp_path / "out" / "in.ods"
        if not ods.is_file():
            raise RuntimeError(
                f"LibreOffice produced no .ods (rc={proc.returncode}): {proc.stderr.strip()[:500]}"
            )
        result: dict[str, str] = {}
        with zipfile.ZipFile(ods) as zf:
            for name in zf.namelist():
                m = re.fullmatch(r"Basic/([^/]+)/([^/]+)\.xml", name)
                if not m or m.group(2) in ("script-lb", "dialog-lb"):
                    continue
                root = ET.fromstring(zf.read(name))
                result[m.group(2)] = root.text or ""
                result.setdefault("__library__", m.group(1))
        return result
