"""The ribbon's 全部运行 button (issue 18 item 1, ribbon half) through the file-backed Excel bridge of
tests/test_xl_ribbon.py: the hand bank of tests/test_runall.py in a saved workbook, the registry replaced by its
test scenarios (XA, XB run; XE needs 贷款 and is skipped)."""
from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd
import pytest

import bankxl.crossview.runall as runall_mod
from bankxl.xl import ribbon
from bankxl.xl.build.xlam import build_customui

from test_runall import XA, XB, XE, bank
from test_xl_ribbon import FileBridge


@pytest.fixture
def hand_registry(monkeypatch):
    specs = {s.id: s for s in (XA, XB, XE)}
    monkeypatch.setattr(runall_mod, "registry", lambda: specs)
    monkeypatch.setattr(ribbon, "registry", lambda: specs)
    return specs


def _book(path, **extra):
    with pd.ExcelWriter(path) as w:
        for name, df in {**bank(), **extra}.items():
            df.to_excel(w, sheet_name=name, index=False)
    return path


def test_run_all_button_writes_beside_the_workbook_and_opens_the_task_list(tmp_path, hand_registry):
    """The 参数 sheet gives the 数据日期 (通用 row). XA and XB run on the 客户 and 定期存款明细 sheets; XE is skipped (no 贷款); the reports go to a new folder
    beside the workbook (a second click: `` (2)``), the message box lists ran/skipped in Chinese, the task list
    opens with the hand bank's tasks in priority order, the workbook is untouched."""
    params = pd.DataFrame({"场景": ["通用", "XA"], "参数": ["as_of", "bonus"], "名称": ["数据日期", "加分"],
                           "取值": ["2026-11-30", "0"], "单位": ["", "分"], "说明": ["", ""]})
    src = _book(tmp_path / "我的数据.xlsx", 说明文字=pd.DataFrame({"备注": ["随便写的"]}), 参数=params)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    fb = FileBridge(src, active="客户")
    sheets = list(fb.wb.sheetnames)
    res = ribbon.on_action(ribbon.RUN_ALL_ID, bridge=fb)
    assert res.ok, res.message
    folder = tmp_path / "我的数据_全部场景"
    assert res.report_path == folder / "营销任务清单.xlsx" and fb.opened == [str(folder / "营销任务清单.xlsx")]
    assert sorted(p.name for p in folder.iterdir()) == ["XA_XA场景.xlsx", "XB_XB场景.xlsx", "客户画像.xlsx",
                                                        "营销任务清单.xlsx"]
    text, error = fb.alerts[-1]
    assert not error
    assert text.splitlines()[0] == "已运行 2 个场景: XA XA场景、XB XB场景"
    assert "未运行 1 个:" in text and "XE XE场景: 跳过 — 输入中没有表「贷款」(loans)" in text
    assert f"报告保存在: {folder}" in text
    ws = openpyxl.load_workbook(res.report_path)["营销任务"]
    ids = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    # XA + XB only (no risk list, no 免打扰): level 1 — K1 (2 lists), K9 (500,000), K4 (1 元); level 2 — K3 (2 lists)
    assert ids[ids.index("客户号") + 1:ids.index("客户号") + 5] == ["K1", "K9", "K4", "K3"]
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    assert fb.wb.sheetnames == sheets  # run all adds no sheet to her workbook
    again = ribbon.on_action(ribbon.RUN_ALL_ID, bridge=FileBridge(src, active="客户"))
    assert again.report_path == tmp_path / "我的数据_全部场景 (2)" / "营销任务清单.xlsx"


def test_run_all_button_nothing_can_run(tmp_path, hand_registry):
    """A workbook holding only a 贷款-less, 客户-less sheet: nothing ran -> an error box naming why, no file."""
    src = tmp_path / "空.xlsx"
    pd.DataFrame({"项目": ["a"], "数值": [1]}).to_excel(src, sheet_name="杂项", index=False)
    fb = FileBridge(src)
    res = ribbon.on_action(ribbon.RUN_ALL_ID, bridge=fb)
    assert not res.ok and fb.opened == []
    text, error = fb.alerts[-1]
    assert error and text.startswith("没有场景运行成功") and "XA XA场景: 跳过 — 输入中没有表「客户」" in text


def test_run_all_button_on_the_ribbon():
    """One 全部运行 button in group 综合管理, calling run_all_button; the generated ribbon XML holds it."""
    b = [x for x in ribbon.buttons() if x["id"] == ribbon.RUN_ALL_ID]
    assert len(b) == 1 and b[0]["label"] == "全部运行" and b[0]["group"] == "综合管理"
    assert ribbon.callbacks()[ribbon.RUN_ALL_ID] is ribbon.run_all_button
    xml = build_customui(ribbon.buttons()).decode()
    grp = xml[xml.index('label="综合管理"'):]
    assert 'id="crossview.run_all" label="全部运行"' in grp[:grp.index("</group>")]
