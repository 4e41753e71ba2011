"""Tests for the .xlam builder (bankxl.xl.build): MS-OVBA compression, MS-CFB writer,
source-only VBA project, ribbon XML, determinism, and LibreOffice's VBA import."""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import struct
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from bankxl.xl.build import cfb, ovba
from bankxl.xl.build.vbaproject import (
    VBAModule,
    build_vba_project,
    decrypt_data,
    encrypt_data,
    module_from_bas,
    parse_dir,
    read_template,
)
from bankxl.xl.build.xlam import (
    CALLBACK,
    CUSTOMUI_NS,
    GROUPS,
    TAB_ID,
    TAB_LABEL,
    VBA_PROJECT_NAME,
    _project_modules,
    _projectwm_modules,
    _template_path,
    addin_modules,
    build_customui,
    build_xlam,
    check_xlam,
    libreoffice_basic_sources,
    normalise_for_libreoffice,
    normalise_for_olevba,
)

BUTTONS = [
    {
        "id": "deposit.maturity",
        "label": "存款到期视图",
        "group": "存款营销",
        "screentip": "按到期日汇总定期存款",
    },
    {"id": "deposit.churn", "label": "存款流失预警", "group": "存款营销", "screentip": "余额下降客户"},
    {"id": "credit.overdue", "label": "逾期贷款清单", "group": "信贷营销", "screentip": "逾期天数分档"},
    {"id": "ebank.mobile", "label": "手机银行活跃", "group": "电子银行", "screentip": "月活客户"},
    {"id": "risk.large_tx", "label": "大额交易", "group": "风险管理", "screentip": "大额可疑交易筛查"},
    {"id": "mgmt.kpi", "label": "综合考核", "group": "综合管理", "screentip": "网点考核得分"},
    {"id": "tools.idcheck", "label": "身份证校验", "group": "工具", "screentip": "校验身份证号码"},
]
UDF_VBA = (
    "Function BANKXL_IDCHECK(id)\r\n"
    "        If TypeOf Application.Caller Is Range Then On Error GoTo failed\r\n"
    '        BANKXL_IDCHECK = Py.CallUDF("bankxl.xl.udfs", "BANKXL_IDCHECK", Array(id), ActiveWorkbook, Application.Caller)\r\n'
    "        Exit Function\r\n"
    "failed:\r\n"
    "        BANKXL_IDCHECK = Err.Description\r\n"
    "End Function\r\n"
)


_WORDS = [
    "Dim",
    "As",
    "String",
    "Long",
    "Sub",
    "End",
    "Function",
    "If",
    "Then",
    "Else",
    "For",
    "Each",
    "Next",
    "Set",
    "=",
    "&",
    "(",
    ")",
    ",",
    ".",
    "'",
    "\r\n",
    "",
    "",
    "",
    "",
]


def _rand_text(rng: random.Random, n: int) -> bytes:
    """Random VBA-like text: random words, identifiers and digits (as source text is)."""
    parts: list[str] = []
    size = 0
    while size < n:
        kind = rng.random()
        if kind < 0.6:
            word = rng.choice(_WORDS) + " "
        elif kind < 0.9:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(1, 12))) + " "
        else:
            word = str(rng.randint(0, 10**6)) + "\r\n"
        parts.append(word)
        size += len(word)
    return "".join(parts).encode("ascii")[:n]


def _roundtrip(data: bytes) -> None:
    packed = ovba.compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert ovba.decompress(packed) == data


# ----------------------------------------------------------------------------- MS-OVBA compression


@pytest.fixture(scope="module")
def rng() -> random.Random:
    return random.Random(20240101)


@pytest.mark.parametrize(
    "size", [0, 1, 2, 3, 4, 17, 4094, 4095, 4096, 4097, 4098, 8191, 8192, 8193, 12288, 12289]
)
def test_ovba_sizes_around_chunk_edges(size, rng):
    _roundtrip(_rand_text(rng, size))
    _roundtrip(b"A" * size)  # long runs: max-length copy tokens, overlapping copies
    _roundtrip((b"Sub X()\r\n" * (size // 9 + 1))[:size])


def test_ovba_empty_is_signature_only():
    assert ovba.compress(b"") == b"\x01"
    assert ovba.decompress(b"\x01") == b""


def test_ovba_100kb(rng):
    data = _rand_text(rng, 100_000)
    _roundtrip(data)
    _roundtrip(b"x" * 100_000)
    assert len(ovba.compress(b"x" * 100_000)) < 200


def test_ovba_real_vba_sources():
    xlw = _template_path().parent
    for path in (xlw / "xlwings_custom_addin.bas", xlw / "addin" / "Dictionary.cls", xlw / "xlwings.bas"):
        data = path.read_bytes()
        packed = ovba.compress(data)
        _roundtrip(data)
        assert len(packed) < len(data) / 1.5


def test_ovba_incompressible_chunks_follow_spec(rng):
    # Full incompressible chunks become raw chunks (flag 0, 4096 bytes); a short incompressible
    # last chunk is padded with NULs exactly as MS-OVBA §2.4.1.3.7 prescribes.
    data = bytes(rng.getrandbits(8) for _ in range(8192))
    packed = ovba.compress(data)
    header = struct.unpack_from("<H", packed, 1)[0]
    assert header & 0x8000 == 0 and header & 0x0FFF == 0x0FFF
    assert bytes(decompress_stream(bytearray(packed))) == data
    tail = bytes(rng.getrandbits(8) for _ in range(4000))
    out = bytes(decompress_stream(bytearray(ovba.compress(data + tail))))
    assert out[: len(data) + len(tail)] == data + tail and set(out[len(data) + len(tail) :]) <= {0}


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="ab \r\nSubEnd", max_size=20000).map(lambda s: s.encode()))
def test_ovba_hypothesis(data):
    packed = ovba.compress(data)
    out = bytes(decompress_stream(bytearray(packed)))
    assert ovba.decompress(packed) == out
    # only a short incompressible last chunk may be NUL-padded (spec), never anything else
    assert out[: len(data)] == data and set(out[len(data) :]) <= {0}
    if len(data) % 4096 == 0 or len(data) % 4096 <= 3000:
        assert out == data


def test_ovba_decompress_matches_oletools_on_template():
    with zipfile.ZipFile(_template_path()) as zf:
        ole = olefile.OleFileIO(io.BytesIO(zf.read("xl/vbaProject.bin")))
    raw = ole.openstream("VBA/dir").read()
    assert ovba.decompress(raw) == bytes(decompress_stream(bytearray(raw)))
    with pytest.raises(ovba.OvbaError):
        ovba.decompress(b"\x02abc")


# ----------------------------------------------------------------------------- MS-CFB writer


def _rb(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def _check_rb_tree(ole: olefile.OleFileIO) -> None:
    """Every storage's children form a valid red-black BST in MS-CFB §2.6.4 order."""

    def key(e):
        return (len(e.name), e.name.upper())

    def walk(sid, lo, hi):
        if sid == cfb.NOSTREAM:
            return 1
        e = ole.direntries[sid]
        assert (lo is None or key(lo) < key(e)) and (hi is None or key(e) < key(hi))
        if e.color == 0:  # red: children must be black
            for c in (e.sid_left, e.sid_right):
                assert c == cfb.NOSTREAM or ole.direntries[c].color == 1
        left = walk(e.sid_left, lo, e)
        right = walk(e.sid_right, e, hi)
        assert left == right, "black height differs"
        return left + (e.color == 1)

    for e in ole.direntries:
        if e is not None and e.entry_type in (1, 5) and e.sid_child != cfb.NOSTREAM:
            assert ole.direntries[e.sid_child].color == 1
            walk(e.sid_child, None, None)


CFB_CASES = {
    "exactly_4096": lambda r: {"A": _rb(r, 4096)},
    "exactly_4095": lambda r: {"A": _rb(r, 4095)},
    "over_64k": lambda r: {"Big": _rb(r, 70_000), "small": b"x"},
    "one_mb": lambda r: {"Big": _rb(r, 1_048_576 + 7)},
    "several_4k_plus": lambda r: {f"S{i}": _rb(r, 4096 + 511 * i) for i in range(8)},
    "fat_boundary": lambda r: {"A": _rb(r, 127 * 512), "B": _rb(r, 128 * 512), "C": _rb(r, 64)},
    "vba_like": lambda r: {
        "PROJECT": _rb(r, 569),
        "PROJECTwm": _rb(r, 161),
        "VBA/dir": _rb(r, 1278),
        "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000100"),
        "VBA/xlwings": _rb(r, 19_332),
        "VBA/Dictionary": _rb(r, 8_000),
        "VBA/Sheet2": _rb(r, 100),
        "VBA/ThisWorkbook": _rb(r, 100),
    },
    "empty_and_nested": lambda r: {"empty": b"", "a/b/c/deep": b"1", "a/b/e": _rb(r, 5000), "w": _rb(r, 64)},
    "many_siblings": lambda r: {f"M{i:02d}{'x' * (i % 5)}": _rb(r, (i * 97) % 6000) for i in range(40)},
    "mini_stream_over_4k_sectors": lambda r: {f"m{i}": _rb(r, 4000) for i in range(40)},
}


@pytest.mark.parametrize("case", sorted(CFB_CASES))
def test_cfb_read_back_strict(case):
    streams = CFB_CASES[case](random.Random(case))
    data = cfb.write_cfb(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    listed = sorted("/".join(p) for p in ole.listdir())
    assert listed == sorted(streams)
    for path, payload in streams.items():
        assert ole.get_size(path) == len(payload)
        assert ole.openstream(path).read() == payload
    _check_rb_tree(ole)
    assert cfb.write_cfb(streams) == data


def test_cfb_rejects_bad_names():
    with pytest.raises(cfb.CfbError):
        cfb.write_cfb({"x" * 32: b""})
    with pytest.raises(cfb.CfbError):
        cfb.write_cfb({"Ab": b"1", "aB": b"2"})


# ----------------------------------------------------------------------------- the add-in


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_xlam(tmp_path_factory.mktemp("xlam") / "bankxl.xlam", BUTTONS, udf_vba=UDF_VBA)


@pytest.fixture(scope="module")
def expected_modules() -> dict[str, VBAModule]:
    with zipfile.ZipFile(_template_path()) as zf:
        template = read_template(zf.read("xl/vbaProject.bin"))
    return {m.name: m for m in addin_modules(template, UDF_VBA)}


def _ole(path: Path) -> olefile.OleFileIO:
    with zipfile.ZipFile(path) as zf:
        return olefile.OleFileIO(
            io.BytesIO(zf.read("xl/vbaProject.bin")), raise_defects=olefile.DEFECT_INCORRECT
        )


def test_check_xlam_clean(built):
    assert check_xlam(built) == []


def test_vba_project_source_only(built):
    ole = _ole(built)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    info = parse_dir(ovba.decompress(ole.openstream("VBA/dir").read()))
    assert info.project_name == VBA_PROJECT_NAME
    assert [m["name"] for m in info.modules] == [
        "ThisWorkbook", "Sheet2", "Dictionary", "xlwings", "BankXL", "xlwings_udfs",
    ]  # fmt: skip
    assert all(m["offset"] == 0 for m in info.modules)
    # reference records kept from the template, Office among them (IRibbonControl)
    raw_dir = ovba.decompress(ole.openstream("VBA/dir").read())
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in raw_dir


def test_dir_project_projectwm_agree(built):
    ole = _ole(built)
    info = parse_dir(ovba.decompress(ole.openstream("VBA/dir").read()))
    dir_names = [m["name"] for m in info.modules]
    text = ole.openstream("PROJECT").read().decode("cp1252")
    assert _project_modules(text) == dir_names
    assert _projectwm_modules(ole.openstream("PROJECTwm").read(), 1252) == dir_names
    assert f'Name="{VBA_PROJECT_NAME}"' in text
    assert "Document=ThisWorkbook/&H00000000" in text and "Class=Dictionary" in text
    assert "Module=BankXL" in text
    workspace = text.split("[Workspace]")[1]
    assert [ln.split("=")[0] for ln in workspace.split() if "=" in ln] == dir_names


def test_olevba_extracts_every_module(built, expected_modules):
    parser = VBA_Parser(str(built))
    got = {n.rsplit(".", 1)[0]: c for _f, _s, n, c in parser.extract_macros()}
    parser.close()
    assert set(got) == set(expected_modules)
    for name, module in expected_modules.items():
        code = got[name].decode("cp1252") if isinstance(got[name], bytes) else got[name]
        assert normalise_for_olevba(code) == normalise_for_olevba(module.source), name


def test_module_contents(expected_modules):
    xlw = expected_modules["xlwings"].source
    assert 'Public Const PROJECT_NAME As String = "bankxl"' in xlw
    assert xlw.startswith('Attribute VB_Name = "xlwings"')
    disp = expected_modules["BankXL"].source
    assert re.search(r"^Sub BankXL_OnAction\(control As IRibbonControl\)", disp, re.MULTILINE)
    assert 'RunPython "import bankxl.xl.ribbon as r; r.on_action(\'" & control.ID & "\')"' in disp
    dic = expected_modules["Dictionary"].source
    assert dic.startswith('Attribute VB_Name = "Dictionary"\r\nAttribute VB_Base = "0{FCFB3D2A-')
    assert "VERSION 1.0 CLASS" not in dic
    assert expected_modules["xlwings_udfs"].source.startswith('Attribute VB_Name = "xlwings_udfs"')
    for m in expected_modules.values():
        m.source.encode("cp1252")


def test_vba_must_be_cp1252(tmp_path):
    with pytest.raises(ValueError, match="cp1252"):
        VBAModule("Bad", "module", 'MsgBox "存款"')
    with pytest.raises(ValueError, match="cp1252"):
        build_xlam(tmp_path / "x.xlam", BUTTONS, udf_vba="' 中文注释\r\n")


def test_project_encryption_matches_office():
    # The template's CMG was written by Office; the same seed and ignored bytes reproduce it.
    pid = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"
    assert (
        encrypt_data(bytes(4), pid, seed=0x5D, ignored=bytes.fromhex("9BFF")) == "5D5F8AADDAA8DEA8DEA8DEA8DE"
    )
    assert decrypt_data("5D5F8AADDAADDBADDBAD") == (sum(pid.encode()) & 0xFF, b"\x00")
    assert decrypt_data("5D5F8AADDAADDBADDB52")[1] == b"\xff"
    for seed in range(0, 256, 7):
        assert decrypt_data(encrypt_data(b"\x01\x02\x03", pid, seed=seed))[1] == b"\x01\x02\x03"


def test_build_vba_project_rejects_clashes():
    with zipfile.ZipFile(_template_path()) as zf:
        template = read_template(zf.read("xl/vbaProject.bin"))
    mod = module_from_bas("BankXL", "Sub A()\r\nEnd Sub\r\n")
    with pytest.raises(ValueError):
        build_vba_project("BankXL", [mod], template)
    with pytest.raises(ValueError):
        build_vba_project("P", [mod, mod], template)


# ----------------------------------------------------------------------------- workbook parts + ribbon


def test_config_sheet_and_workbook(built):
    with zipfile.ZipFile(built) as zf:
        wb = zf.read("xl/workbook.xml").decode()
        sst = zf.read("xl/sharedStrings.xml").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        ET.fromstring(zf.read("xl/workbook.xml"))
        ET.fromstring(sheet.encode())
    assert '<sheet name="bankxl.conf"' in wb and "absPath" not in wb
    assert "UDF Modules" in sst and "bankxl.xl.udfs" in sst
    assert "Interpreter" not in sst  # left to %USERPROFILE%\.bankxl\bankxl.conf
    assert 'codeName="Sheet2"' in sheet


def test_customui(built):
    with zipfile.ZipFile(built) as zf:
        xml = zf.read("customUI/customUI.xml")
    root = ET.fromstring(xml)
    ns = {"c": CUSTOMUI_NS}
    tab = root.find("c:ribbon/c:tabs/c:tab", ns)
    assert tab.get("id") == TAB_ID and tab.get("label") == TAB_LABEL
    groups = tab.findall("c:group", ns)
    assert [g.get("label") for g in groups] == list(GROUPS)
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    buttons = root.findall(".//c:button", ns)
    assert [b.get("id") for b in buttons] == [b["id"] for b in BUTTONS]
    assert {b.get("onAction") for b in buttons} == {CALLBACK}
    assert all(b.get("label") and b.get("screentip") for b in buttons)


def test_customui_schema_openxml_audit(built, tmp_path):
    from openxml_audit import OpenXmlValidator

    result = OpenXmlValidator().validate(str(built))
    assert result.is_valid, [str(e) for e in result.errors]
    # the validator really reads customUI: a bad attribute value is reported
    bad = _with_customui(built, tmp_path / "bad.xlam", b'size="large"', b'size="huge"')
    result = OpenXmlValidator().validate(str(bad))
    assert not result.is_valid and any("customUI" in str(e) for e in result.errors)


def test_build_customui_rejects_bad_input():
    with pytest.raises(ValueError, match="group"):
        build_customui([{"id": "a", "label": "甲", "group": "不存在"}])
    with pytest.raises(ValueError, match="duplicate"):
        build_customui([{"id": "a", "label": "甲", "group": "工具"}] * 2)
    with pytest.raises(ValueError, match="NCName"):
        build_customui([{"id": "1a", "label": "甲", "group": "工具"}])
    with pytest.raises(ValueError, match="duplicate"):
        build_customui([{"id": TAB_ID, "label": "甲", "group": "工具"}])
    xml = build_customui([{"id": "x", "label": 'a"<&', "group": "工具"}])
    assert ET.fromstring(xml).find(f".//{{{CUSTOMUI_NS}}}button").get("label") == 'a"<&'


def _with_customui(built: Path, path: Path, old: bytes, new: bytes) -> Path:
    """A copy of the add-in ``built`` at ``path`` whose customUI.xml has its first ``old`` replaced by ``new``."""
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "customUI/customUI.xml":
                data = data.replace(old, new, 1)
            dst.writestr(name, data)
    return path


def test_check_xlam_finds_problems(built, tmp_path):
    bad = _with_customui(built, tmp_path / "bad.xlam", b'onAction="BankXL_OnAction"', b'onAction="NoSuchSub"')
    problems = check_xlam(bad, schema=False)
    assert any("NoSuchSub" in p for p in problems)
    assert check_xlam(tmp_path / "missing.xlam")


def test_deterministic(built, tmp_path):
    again = build_xlam(tmp_path / "again.xlam", BUTTONS, udf_vba=UDF_VBA)
    assert again.read_bytes() == built.read_bytes()
    other = build_xlam(tmp_path / "noudf.xlam", BUTTONS)
    assert other.read_bytes() != built.read_bytes()
    assert check_xlam(other, schema=False) == []
    with zipfile.ZipFile(built) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "[Content_Types].xml"


# ----------------------------------------------------------------------------- LibreOffice


def _soffice_or_skip() -> None:
    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "soffice (LibreOffice) is required in CI: apt-get install --no-install-recommends libreoffice-calc"
            )
        pytest.skip(
            "soffice (LibreOffice) not installed; apt-get install --no-install-recommends libreoffice-calc"
        )


@pytest.mark.libreoffice
def test_libreoffice_imports_vba_project(built, expected_modules):
    _soffice_or_skip()
    lo = libreoffice_basic_sources(built)
    assert lo.pop("__library__") == VBA_PROJECT_NAME
    assert set(lo) == set(expected_modules)
    for name, module in expected_modules.items():
        assert "Option VBASupport 1" in lo[name]
        assert normalise_for_libreoffice(lo[name]) == normalise_for_libreoffice(module.source), name
    assert "Rem Attribute VBA_ModuleType=VBAClassModule" in lo["Dictionary"]
    assert "Rem Attribute VBA_ModuleType=VBADocumentModule" in lo["ThisWorkbook"]
    assert "Rem Attribute VBA_ModuleType=VBAModule" in lo["BankXL"]


def test_buttons_as_objects_and_config_rows(tmp_path):
    from types import SimpleNamespace

    from bankxl.xl.build import Button

    items = [
        SimpleNamespace(id="tools.a", label="工具甲", group="工具", screentip="说明"),
        Button("tools.b", "工具乙", "工具"),
    ]
    out = build_xlam(tmp_path / "c.xlam", items, config={"Interpreter_Win": r"C:\bankxl\python.exe"})
    with zipfile.ZipFile(out) as zf:
        sst = zf.read("xl/sharedStrings.xml").decode()
        ui = zf.read("customUI/customUI.xml").decode()
    assert "Interpreter_Win" in sst and r"C:\bankxl\python.exe" in sst
    assert 'id="tools.a"' in ui and 'id="tools.b"' in ui and "bankxlGrpDeposit" not in ui
    assert check_xlam(out, schema=False) == []
