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
