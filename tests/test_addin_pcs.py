"""The add-in on real bank PCs (issue 15): what can be checked without Windows Excel — the VBA text of the
built add-in (guards), its config sheet, the user config file's bytes, xlwings' own path handling."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bankxl.xl import addin_cli as A


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return A.build(tmp_path_factory.mktemp("addin_pcs") / "bankxl.xlam")


def _code_lines(src: str) -> list[str]:
    """VBA statements without comments (a line starting with ')."""
    return [ln.strip() for ln in src.replace("\r\n", "\n").split("\n") if ln.strip() and not ln.strip().startswith("'")]


def _zh_text(codes: str) -> str:
    """What the dispatcher's ZhText makes of a code-point string (ChrW of each hex number)."""
    return "".join(chr(int(c, 16)) for c in codes.split(" ") if c)


# ============================================================================ item 4: no workbook open
def test_dispatcher_opens_a_workbook_first_and_never_shows_the_debug_dialog(built):
    src = A.built_module_source(built, "BankXL").replace("\r\n", "\n")
    lines = _code_lines(src)
    start = lines.index("Sub BankXL_OnAction(control As IRibbonControl)")
    end = lines.index("End Sub", start)
    body = lines[start + 1:end]
    run = next(i for i, ln in enumerate(body) if ln.startswith("RunPython "))
    # the error handler is armed first, then a workbook is guaranteed, then Python runs
    assert body[0] == "On Error GoTo Failed"
    assert "If ActiveWorkbook Is Nothing Then Workbooks.Add" in body[:run]
    assert body[run] == "RunPython \"import bankxl.xl.ribbon as r; r.on_action('\" & control.ID & \"')\""
    assert body[run + 1] == "Exit Sub" and "Failed:" in body
    handler = body[body.index("Failed:") + 1:]
    assert handler and handler[0].startswith("MsgBox ZhText(MSG_FAILED)")
    # the message box text is Chinese (spelled as code points so the module stays cp1252)
    codes = re.search(r'^Private Const MSG_FAILED As String = "([0-9A-F ]+)"$', src, re.MULTILINE).group(1)
    assert _zh_text(codes) == ("bankxl 未能运行。请确认已安装 Python 与 bankxl(在命令提示符中运行 bankxl addin install), "
                               "然后重新启动 Excel。")
    assert "Private Function ZhText(codes As String) As String" in lines


# ============================================================================ item 5: import path safety
def conf_sheet(path: Path) -> dict[str, object]:
    """The add-in's ``bankxl.conf`` sheet as xlwings' ``GetConfigFromSheet`` reads it: {UCase(A): B}."""
    import zipfile
    from xml.etree import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as zf:
        sst = [si.findtext("m:t", namespaces=ns) for si in ET.fromstring(zf.read("xl/sharedStrings.xml"))]
        sheet = ET.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    out: dict[str, object] = {}
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = {c.get("r")[0]: c for c in row}
        a, b = cells["A"], cells.get("B")
        key = sst[int(a.findtext("m:v", namespaces=ns))].upper()
        if b is None:
            out[key] = ""
        elif b.get("t") == "s":
            out[key] = sst[int(b.findtext("m:v", namespaces=ns))]
        elif b.get("t") == "b":
            out[key] = "True" if b.findtext("m:v", namespaces=ns) == "1" else "False"  # VBA CStr(Boolean)
        else:
            out[key] = b.findtext("m:v", namespaces=ns)
    return out


def vba_pythonpath(conf: dict[str, object], active_fullname: str, this_fullname: str) -> str:
    """The string xlwings' VBA (RunPython / XLPyCommand) hands ``xlwings.utils.prepare_sys_path``:
    GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true") ; ActiveWorkbook.FullName ; ThisWorkbook.FullName ;
    the three OneDrive/SharePoint settings ; PYTHONPATH (none set here)."""
    add = conf.get("ADD_WORKBOOK_TO_PYTHONPATH", "true")
    return f"{add};{active_fullname};{this_fullname};;;;"


@pytest.mark.parametrize("active", [
    "https://d.docs.live.net/ab12cd34/Documents/存款明细.xlsx",                 # OneDrive (AutoSave on)
    "https://bank.sharepoint.com/sites/branch/Shared Documents/存款明细.xlsx",  # SharePoint
    "LOCAL",                                                                     # a folder with a pandas.py
])
def test_the_workbook_folder_is_not_put_on_pythons_path(built, tmp_path, monkeypatch, active):
    import sys

    import xlwings.utils

    if active == "LOCAL":
        (tmp_path / "pandas.py").write_text("raise ImportError('shadowed')\n", encoding="utf-8")
        (tmp_path / "bankxl.py").write_text("raise ImportError('shadowed')\n", encoding="utf-8")
        active = str(tmp_path / "存款明细.xlsx")
    conf = conf_sheet(built)
    assert conf["ADD_WORKBOOK_TO_PYTHONPATH"] == "false"
    assert conf["UDF MODULES"] == "bankxl.xl.udfs"
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = list(sys.path)
    xlwings.utils.fullname_url_to_local_path.cache_clear()
    xlwings.utils.prepare_sys_path(vba_pythonpath(conf, active, str(tmp_path / "addins" / "bankxl.xlam")))
    # nothing added but xlwings' "" for the empty PYTHONPATH setting, which `python -c` puts first anyway
    # (RunPython starts Python in its own folder): the real pandas / bankxl are imported
    assert [p for p in sys.path if p not in before] == [""] or sys.path == before
    assert not any(str(tmp_path) in p or "docs.live.net" in p or "sharepoint" in p for p in sys.path)


def test_without_the_setting_xlwings_fails_on_onedrive_and_shadows_packages(tmp_path, monkeypatch):
    """What the setting prevents (xlwings' default "true"), shown with xlwings' own function."""
    import sys

    import xlwings.utils
    from xlwings import XlwingsError

    monkeypatch.setattr(sys, "path", list(sys.path))
    xlwings.utils.fullname_url_to_local_path.cache_clear()
    with pytest.raises(XlwingsError, match="OneDrive"):
        xlwings.utils.prepare_sys_path(vba_pythonpath({}, "https://d.docs.live.net/ab12cd34/Documents/a.xlsx", ""))
    xlwings.utils.prepare_sys_path(vba_pythonpath({}, str(tmp_path / "a.xlsx"), ""))
    assert str(tmp_path) in sys.path[:3]  # prepended (with its .zip and ""; xlwings orders them through a set)


# ============================================================================ item 3: Chinese Windows user names
ZS_PY = r"C:\Users\张三\AppData\Local\Programs\Python\Python312\python.exe"


def vba_input(data: bytes, codepage: str) -> list[tuple[str, str]]:
    """What xlwings' GetConfigFromFile reads (``Open … For Input`` + ``Input #f, name, value``): VBA decodes
    the file in the ANSI code page and splits quoted, comma-separated fields at CR/CRLF line ends."""
    import csv

    text = data.decode(codepage)  # VBA file I/O: bytes -> Unicode through the system code page
    assert "\n" not in text.replace("\r\n", ""), "VBA's Input # expects CRLF line ends"
    return [(r[0], r[1]) for r in csv.reader(text.split("\r\n")) if r]


def test_user_config_is_written_in_the_ansi_code_page_for_a_chinese_user_name(tmp_path):
    home = tmp_path / "张三"
    conf = A.write_user_config(home, exe=ZS_PY, encoding="cp936")
    assert conf == home / ".bankxl" / "bankxl.conf"
    data = conf.read_bytes()
    assert data == ('"INTERPRETER_WIN","' + ZS_PY + '"\r\n').encode("cp936")
    assert data[:40].count(b"\xd5\xc5\xc8\xfd") == 1  # 张三 in GB2312/GBK bytes (D5C5 C8FD), not UTF-8 (E5BCA0 E4B889)
    assert vba_input(data, "cp936") == [("INTERPRETER_WIN", ZS_PY)]


def test_user_config_keeps_other_lines_from_an_old_utf8_file(tmp_path):
    conf = tmp_path / ".bankxl" / "bankxl.conf"
    conf.parent.mkdir()
    conf.write_bytes('"INTERPRETER_WIN","C:\\旧\\pythonw.exe"\n"PYTHONPATH","D:\\共享\\lib"\n'.encode("utf-8"))
    A.write_user_config(tmp_path, exe=ZS_PY, encoding="cp936")
    assert vba_input(conf.read_bytes(), "cp936") == [("PYTHONPATH", "D:\\共享\\lib"), ("INTERPRETER_WIN", ZS_PY)]
    # run again (file now cp936): still one interpreter line, other lines intact
    A.write_user_config(tmp_path, exe=ZS_PY, encoding="cp936")
    assert vba_input(conf.read_bytes(), "cp936") == [("PYTHONPATH", "D:\\共享\\lib"), ("INTERPRETER_WIN", ZS_PY)]


def test_user_config_path_the_code_page_cannot_hold_is_a_clear_error(tmp_path):
    from bankxl.errors import BankxlError

    with pytest.raises(BankxlError) as e:
        A.write_user_config(tmp_path, exe=ZS_PY, encoding="cp1252")  # Chinese name on a Western-locale PC
    assert "代码页 cp1252" in e.value.message_zh and "ANSI code page cp1252" in e.value.message_en
    assert not (tmp_path / ".bankxl" / "bankxl.conf").exists()


# ============================================================================ item 6: function wizard, ribbon groups, customUI rel
def _eval_zh_assignments(lines: list[str]) -> dict[str, str]:
    """Run the ``v = ZhText("…")`` / ``v = v & ZhText("…")`` statements of a generated Sub."""
    vals: dict[str, str] = {}
    for ln in lines:
        m = re.fullmatch(r'(\w+) = (?:(\w+) & )?ZhText\("([0-9A-F ]*)"\)', ln)
        if m:
            assert m.group(2) in (None, m.group(1))
            vals[m.group(1)] = (vals[m.group(1)] if m.group(2) else "") + _zh_text(m.group(3))
    return vals


def test_function_wizard_texts_are_registered_when_the_addin_opens(built):
    import inspect

    from xlwings_emulation import udf_module

    from bankxl.xl import udfs

    src = A.built_module_source(built, "BankXLUdfDocs").replace("\r\n", "\n")
    assert all(len(ln) < 1024 for ln in src.split("\n"))  # VBA's line limit
    lines = _code_lines(src)
    this_wb = _code_lines(A.built_module_source(built, "ThisWorkbook"))
    assert this_wb[-3:] == ["Private Sub Workbook_Open()", "BankXL_RegisterUdfs", "End Sub"]
    reg = lines[lines.index("Public Sub BankXL_RegisterUdfs()"):]
    reg = reg[:reg.index("End Sub")]
    assert "On Error Resume Next" in reg and "ThisWorkbook.Saved = wasSaved" in reg
    mod = udf_module()
    for name in udfs.udf_names():
        assert f"Udf_{name}" in reg
        start = lines.index(f"Private Sub Udf_{name}()")
        body = lines[start + 1:lines.index("End Sub", start)]
        vals = _eval_zh_assignments(body)
        call = body[-1]
        assert call.startswith(f"Application.MacroOptions Macro:=\"'\" & ThisWorkbook.Name & \"'!{name}\"")
        assert 'Category:="bankxl"' in call
        # description: the docstring's first paragraph, as written in bankxl.xl.udfs
        doc = inspect.getdoc(getattr(udfs, name)).split("\n\n")[0]
        assert vals["d"] == " ".join(doc.replace("``", "").split())[:255]
        # argument descriptions: one per parameter, in order, the @xw.arg(doc=…) texts
        params = list(inspect.signature(getattr(udfs, name)).parameters)
        arg_docs = {a["name"]: a["doc"] for a in getattr(mod, name).__xlfunc__["args"]}
        want = [arg_docs[p][:255] for p in params]
        assert call.endswith(f"ArgumentDescriptions:=Array({', '.join(f'a{i}' for i in range(1, len(params) + 1))})")
        assert [vals[f"a{i}"] for i in range(1, len(params) + 1)] == want
        assert not any(w.startswith("Positional argument") for w in want), (name, want)  # every argument documented
    # spot check by hand
    start = lines.index("Private Sub Udf_BANKXL_MASK()")
    vals = _eval_zh_assignments(lines[start + 1:lines.index("End Sub", start)])
    assert vals["a1"] == "要脱敏的列" and vals["a2"] == "类型: 证件(默认) / 手机 / 姓名 / 账号"


def test_customui_relationship_type_matches_its_namespace(built, tmp_path):
    import zipfile

    from bankxl.xl.build.xlam import CUSTOMUI_NS, check_xlam

    with zipfile.ZipFile(built) as zf:
        rels = zf.read("_rels/.rels").decode()
        ui = zf.read("customUI/customUI.xml").decode()
    assert f'xmlns="{CUSTOMUI_NS}"' in ui and CUSTOMUI_NS.endswith("/office/2006/01/customui")
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/ui/extensibility" ' \
           'Target="customUI/customUI.xml"' in rels
    # the xlwings template's type (for the 2009/07 namespace) is reported by the check
    bad = tmp_path / "bad.xlam"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "_rels/.rels":
                data = data.replace(b"/2006/relationships/ui/extensibility", b"/2007/relationships/ui/extensibility")
            dst.writestr(item, data)
    assert any("relationship type does not match" in p for p in check_xlam(bad, schema=False))


def test_ribbon_groups_follow_the_registry(built):
    import zipfile
    from xml.etree import ElementTree as ET

    from bankxl.scenario import registry
    from bankxl.xl.build.xlam import CUSTOMUI_NS, GROUPS, build_customui

    with zipfile.ZipFile(built) as zf:
        root = ET.fromstring(zf.read("customUI/customUI.xml"))
    got = [g.get("label") for g in root.iter(f"{{{CUSTOMUI_NS}}}group")]
    groups = {s.group for s in registry().values()}
    assert got == [g for g in GROUPS if g in groups] + ["工具"]
    # a scenario registering in 电子银行 brings its group, in course order
    ui = build_customui([{"id": "ebank.x", "label": "手机银行", "group": "电子银行"},
                         {"id": "risk.y", "label": "不良", "group": "风险管理"}]).decode()
    assert ui.index('label="电子银行"') < ui.index('label="风险管理"')


# ============================================================================ item 2: Python installed for all users
def _touch(p: Path) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"")
    return p


def test_dll_found_where_xlwings_vba_looks(tmp_path):
    dll = "xlwings64-0.37.8.dll"
    # python.org install for the user: C:\Users\张三\AppData\Local\Programs\Python\Python312 (DLL beside pythonw)
    py = _touch(tmp_path / "Python312" / "pythonw.exe")
    _touch(tmp_path / "Python312" / dll)
    assert A.verify_xlwings_dll(py, dll=dll, installed=[]) == tmp_path / "Python312"
    # a venv: venv\Scripts\pythonw.exe, the DLL in venv\ (the wheel's data files go to the prefix)
    vpy = _touch(tmp_path / "venv" / "Scripts" / "pythonw.exe")
    _touch(tmp_path / "venv" / dll)
    assert A.verify_xlwings_dll(vpy, dll=dll, installed=[]) == tmp_path / "venv"
    assert A.xlwings_dll_name(64) == f"xlwings64-{__import__('xlwings').__version__}.dll"


def test_all_users_python_is_caught_and_the_fix_is_named(tmp_path):
    import sysconfig

    from bankxl.errors import BankxlError

    dll = "xlwings64-0.37.8.dll"
    py = _touch(tmp_path / "Program Files" / "Python312" / "pythonw.exe")  # IT's all-users install, read-only
    # pip install --user puts the wheel's data files under the user base (%APPDATA%\Python): sysconfig's
    # nt_user scheme, not next to pythonw.exe
    userbase = tmp_path / "AppData" / "Roaming" / "Python"
    data = Path(sysconfig.get_path("data", "nt_user", vars={"userbase": str(userbase)}))
    assert data == userbase
    _touch(data / dll)
    with pytest.raises(BankxlError) as e:
        A.verify_xlwings_dll(py, dll=dll, installed=[data])
    zh, en = e.value.message_zh, e.value.message_en
    assert f"它在 {data}" in zh and "为所有用户安装" in zh and f'Could not load {dll}' in zh
    assert r'python -m venv "%LOCALAPPDATA%\bankxl\venv"' in zh
    assert r'"%LOCALAPPDATA%\bankxl\venv\Scripts\python" -m bankxl.cli addin install' in en
    assert "per-user venv" in en


def test_install_checks_the_dll_before_copying(built, tmp_path, monkeypatch, capsys):
    import sys

    from bankxl import cli

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", "win32")  # this Python has no xlwings DLL beside it
    target = tmp_path / "addins"
    assert cli.main(["addin", "install", "--file", str(built), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"Could not load {A.xlwings_dll_name()}" in err and "per-user venv" in err
    assert not target.exists() and not (tmp_path / "home" / ".bankxl").exists()


def test_offline_installer_uses_a_per_user_venv():
    bat = A.INSTALL_BAT
    bat.encode("ascii")
    assert 'set "VENV=%LOCALAPPDATA%\\bankxl\\venv"' in bat and 'python -m venv "%VENV%"' in bat
    assert '"%VENV%\\Scripts\\python.exe" -m pip install --no-index --find-links "%~dp0wheels"' in bat
    assert '"%VENV%\\Scripts\\python.exe" -m bankxl.cli addin install --file "%~dp0bankxl.xlam"' in bat
    assert "\npython -m pip" not in bat  # never into the (possibly all-users) system Python
    ps1 = A.INSTALL_PS1
    assert 'Join-Path $env:LOCALAPPDATA "bankxl\\venv"' in ps1 and "& $vpy -m pip install --no-index" in ps1
    assert "& $vpy -m bankxl.cli addin install" in ps1
