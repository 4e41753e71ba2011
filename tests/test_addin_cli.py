"""``bankxl addin build|install|uninstall|bundle`` (bankxl.xl.addin_cli)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from bankxl import cli
from bankxl.scenario import get_scenario, registry
from bankxl.xl import addin_cli as A
from bankxl.xl import udfs
from bankxl.xl.build.xlam import CALLBACK, CUSTOMUI_NS, TAB_LABEL
from bankxl.xl.ribbon import RUN_ALL_ID, TOOLS

NS = {"c": CUSTOMUI_NS}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return A.build(tmp_path_factory.mktemp("addin") / "bankxl.xlam")


def _buttons(path: Path) -> dict[str, ET.Element]:
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("customUI/customUI.xml"))
    return {b.get("id"): b for b in root.iter(f"{{{CUSTOMUI_NS}}}button")}


def test_build_is_reproducible(built, tmp_path):
    again = A.build(tmp_path / "again.xlam")
    assert again.read_bytes() == built.read_bytes()


def test_committed_addin_equals_a_fresh_build(built):
    committed = A.repo_root() / "addin" / "bankxl.xlam"
    assert committed.is_file(), "addin/bankxl.xlam missing: run `bankxl addin build`"
    assert committed.read_bytes() == built.read_bytes(), \
        "addin/bankxl.xlam is stale: run `bankxl addin build --check` and commit it"


def test_verify_passes(built):
    assert A.verify(built, libreoffice=False) == []


@pytest.mark.libreoffice
def test_verify_with_libreoffice_import(built):
    import shutil

    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice not installed")
    assert A.verify(built, libreoffice=True) == []


@pytest.mark.parametrize("sid", list(registry()))
def test_ribbon_button_per_scenario(built, sid):
    spec = get_scenario(sid)
    b = _buttons(built)[sid]
    assert b.get("label") == spec.title
    assert b.get("screentip") == (spec.summary or spec.title)
    assert b.get("onAction") == CALLBACK
    with zipfile.ZipFile(built) as zf:
        root = ET.fromstring(zf.read("customUI/customUI.xml"))
    group = next(g for g in root.iter(f"{{{CUSTOMUI_NS}}}group") if sid in [x.get("id") for x in g])
    assert group.get("label") == spec.group


def test_ribbon_tab_tools_and_nothing_else(built):
    with zipfile.ZipFile(built) as zf:
        root = ET.fromstring(zf.read("customUI/customUI.xml"))
    tab = root.find(".//c:tab", NS)
    assert tab.get("label") == TAB_LABEL
    buttons = _buttons(built)
    assert set(buttons) == set(registry()) | set(TOOLS) | {RUN_ALL_ID}  # 全部运行 in 综合管理
    tools = [g for g in root.iter(f"{{{CUSTOMUI_NS}}}group") if g.get("label") == "工具"][0]
    assert [b.get("label") for b in tools] == ["生成示例数据", "参数表", "数据检查", "帮助"]
    # one callback, and it exists as a Sub in the dispatcher module
    assert {b.get("onAction") for b in buttons.values()} == {CALLBACK}
    src = A.built_module_source(built, "BankXL")
    assert re.search(rf"^Sub {CALLBACK}\(control As IRibbonControl\)", src, re.MULTILINE)
    assert "bankxl.xl.ribbon" in src and "on_action" in src


def test_udf_wrappers_regenerate_identically(built):
    got = A.built_module_source(built, "xlwings_udfs")
    fresh = A.udf_vba()
    assert A._norm(got) == A._norm(fresh)
    assert fresh == A.udf_vba()  # deterministic
    for name in udfs.udf_names():
        assert f"Function {name}(" in got
        assert f'XLPy.CallUDF("bankxl.xl.udfs", "{name}"' in got
    assert "ThisWorkbook, Application.Caller" not in got  # add-in wrappers call the user's workbook
    got.encode("cp1252")
    assert A.udf_functions() == udfs.udf_names()


def test_conf_sheet_points_xlwings_at_bankxl(built):
    with zipfile.ZipFile(built) as zf:
        wbxml = zf.read("xl/workbook.xml").decode()
        sst = zf.read("xl/sharedStrings.xml").decode()
    assert 'name="bankxl.conf"' in wbxml
    assert "UDF Modules" in sst and "bankxl.xl.udfs" in sst
    xlw = A.built_module_source(built, "xlwings")
    assert 'PROJECT_NAME As String = "bankxl"' in xlw


def test_build_command_with_check(tmp_path, capsys):
    out = tmp_path / "x.xlam"
    assert cli.main(["addin", "build", "--out", str(out)]) == 0
    assert out.is_file() and capsys.readouterr().out.strip() == str(out)


def test_install_without_excel_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli.main(["addin", "install"]) == 2
    err = capsys.readouterr().err
    assert "没有 Microsoft Excel" in err and "Microsoft Excel is not available" in err
    assert cli.main(["addin", "uninstall"]) == 2


def test_install_and_uninstall_into_a_folder(built, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # install writes ~/.bankxl/bankxl.conf
    target = tmp_path / "XLSTART"
    assert cli.main(["addin", "install", "--file", str(built), "--out", str(target)]) == 0
    assert (target / "bankxl.xlam").read_bytes() == built.read_bytes()
    # --out also writes the config (the add-in needs the interpreter wherever it is loaded from) and says
    # how to register the add-in in Excel
    conf = tmp_path / "home" / ".bankxl" / "bankxl.conf"
    assert conf.read_bytes().decode(A.ansi_encoding()).startswith('"INTERPRETER_')
    err = capsys.readouterr().err
    assert "文件 → 选项 → 加载项" in err and str(target / "bankxl.xlam") in err and "File → Options → Add-ins" in err
    assert cli.main(["addin", "uninstall", "--out", str(target)]) == 0
    assert not (target / "bankxl.xlam").exists()
    assert cli.main(["addin", "uninstall", "--out", str(target)]) == 2
    assert "未安装" in capsys.readouterr().err


def test_user_config_points_at_this_python(tmp_path):
    conf = tmp_path / ".bankxl" / "bankxl.conf"
    conf.parent.mkdir()
    conf.write_text('"INTERPRETER_WIN","C:\\old\\pythonw.exe"\n"SHOW CONSOLE","True"\n', encoding="utf-8")
    A.write_user_config(tmp_path)
    lines = conf.read_text(encoding="utf-8").splitlines()
    assert '"SHOW CONSOLE","True"' in lines
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    assert [ln for ln in lines if ln.startswith(f'"{key}"')] == [f'"{key}","{sys.executable}"']


def _pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


@pytest.mark.network
def test_bundle_resolves_offline_for_windows(tmp_path_factory):
    if not _pypi_reachable():
        if os.environ.get("CI"):
            pytest.fail("PyPI unreachable in CI")
        pytest.skip("PyPI unreachable: the bundle downloads Windows wheels once")
    folder = A.bundle(tmp_path_factory.mktemp("bundle") / "bankxl-offline")
    wheels = folder / "wheels"
    assert len(list(wheels.glob("bankxl-*.whl"))) == 1
    assert (folder / "bankxl.xlam").read_bytes() == A.default_xlam().read_bytes()
    bat = (folder / "install.bat").read_bytes().decode("ascii")
    assert "--no-index --find-links" in bat and "addin install" in bat and "\r\n" in bat
    ps1 = (folder / "install.ps1").read_bytes()
    assert ps1.startswith(b"\xef\xbb\xbf") and b"--no-index --find-links" in ps1
    names = {p.name.split("-")[0].lower() for p in wheels.glob("*.whl")}
    # pywin32 / tzdata are Windows-only requirements (markers pip evaluates on *this* machine): included
    assert {"pandas", "numpy", "xlwings", "pywin32", "tzdata", "xlsxwriter", "openpyxl"} <= names
    for py in A.BUNDLE_PYTHONS:
        assert A.missing_for_windows(wheels, py) == [], py
    for py in A.BUNDLE_PYTHONS:
        target = tmp_path_factory.mktemp(f"t{py}")
        # pip checks a local wheel's Requires-Python against the *running* interpreter (pip 23), not
        # --python-version; for another target version the cpXY platform tags already pick the right wheels
        extra = [] if py == f"{sys.version_info[0]}.{sys.version_info[1]}" else ["--ignore-requires-python"]
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--find-links", str(wheels),
             "--platform", "win_amd64", "--python-version", py, "--only-binary=:all:", "--target", str(target),
             *extra, "bankxl"], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Would install" in proc.stdout and "bankxl-" in proc.stdout


def _fake_wheel(folder, filename: str, requires: tuple[str, ...] = ()) -> None:
    import zipfile
    name, version = filename.split("-")[:2]
    with zipfile.ZipFile(folder / filename, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA",
                    "Metadata-Version: 2.1\n" f"Name: {name}\nVersion: {version}\n"
                    + "".join(f"Requires-Dist: {r}\n" for r in requires))


def test_missing_for_windows_reads_wheel_tags_as_pip_does(tmp_path):
    # offline: which wheels count for which Windows Python follows pip's tag rules (packaging.tags), including
    # abi3 wheels built for an older CPython (duckdb 2.0 ships only cp312-abi3 for Windows)
    _fake_wheel(tmp_path, "app-1.0-py3-none-any.whl", ("duckdb>=1.2", "pywin32>=300; sys_platform == 'win32'",
                                                        "uvloop; sys_platform != 'win32'"))
    _fake_wheel(tmp_path, "duckdb-2.0.1-cp312-abi3-win_amd64.whl")
    _fake_wheel(tmp_path, "pywin32-311-cp311-cp311-win_amd64.whl")
    _fake_wheel(tmp_path, "pywin32-311-cp313-cp313-win_amd64.whl")
    _fake_wheel(tmp_path, "numpy-2.3.0-cp313-cp313-manylinux_2_28_x86_64.whl")  # not a Windows wheel
    assert A.missing_for_windows(tmp_path, "3.13") == []
    assert A.missing_for_windows(tmp_path, "3.12") == ["pywin32>=300"]      # no cp312 pywin32 wheel
    assert A.missing_for_windows(tmp_path, "3.11") == ["duckdb>=1.2"]       # abi3 from 3.12 on only
