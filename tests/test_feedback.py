"""营销任务清单 feedback (issue 18 items 4–5): the columns a manager fills, reading returned lists back, the
feedback report, and 拒绝 suppression in the next ``run all``.

The hand bank is tests/test_runall.py's (data date 2026-11-30): the task list holds K1 (best level 档位 1, lists
XA+XB, owner M1, 机构 O1), K9 (档位 1, XB only, no manager) and K3 (档位 2, XA+XB, owner M4, 机构 O2).
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import bankxl.io as bio
from bankxl.cli import main
from bankxl.crossview import run_all
from bankxl.crossview.feedback import RESULTS, run_feedback
from bankxl.errors import ParameterError

from test_runall import AS_OF, XA, XB, XC, XD, bank, run

FB = ["跟进日期", "跟进方式", "结果", "金额(元)", "备注"]


def _sheet_xml(path: Path, sheet: str) -> str:
    """The worksheet XML of ``sheet`` (by its position in workbook.xml)."""
    with zipfile.ZipFile(path) as z:
        names = re.findall(r'<sheet [^>]*name="([^"]+)"', z.read("xl/workbook.xml").decode())
        return z.read(f"xl/worksheets/sheet{names.index(sheet) + 1}.xml").decode()


def _table(ws) -> tuple[int, dict[str, int]]:
    """(header row, {header: column}) of the 营销任务 table."""
    hdr = next(r for r in range(1, 30) if ws.cell(r, 1).value == "排名")
    return hdr, {ws.cell(hdr, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(hdr, c).value}


def _rows(ws) -> dict[str, int]:
    """客户号 -> Excel row on the 营销任务 sheet."""
    hdr, cols = _table(ws)
    out = {}
    for r in range(hdr + 1, ws.max_row + 1):
        v = ws.cell(r, cols["客户号"]).value
        if v is None:
            break
        out[str(v)] = r
    return out


def _fill(path: Path, dest: Path, values: dict[str, dict]) -> None:
    """Open a written task list as a manager would, fill ``values`` {客户号: {header: value}}, save as ``dest``."""
    wb = openpyxl.load_workbook(path)
    ws = wb["营销任务"]
    _, cols = _table(ws)
    rows = _rows(ws)
    for cust, vals in values.items():
        for k, v in vals.items():
            cell = ws.cell(rows[cust], cols[k])
            cell.value = v
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # typed as text (a remark), not a formula
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)


# ============================================================================ the columns on the task list
def test_task_list_has_feedback_columns_with_validation_and_no_protection(tmp_path):
    """The five feedback columns end the 营销任务 table (whole list and each --by file), each with its data
    validation; their cells (blank ones too) are unlocked; the sheet is not protected by default (a protected
    sheet cannot be re-sorted)."""
    run(tmp_path, by="manager")
    whole = tmp_path / "out" / "营销任务清单.xlsx"
    for path in (whole, tmp_path / "out" / "营销任务清单_按客户经理" / "营销任务清单_M1.xlsx"):
        ws = openpyxl.load_workbook(path)["营销任务"]
        hdr, cols = _table(ws)
        assert list(cols)[-5:] == FB
        dv = {ws.cell(hdr, next(iter(dv.sqref.ranges)).min_col).value: dv for dv in ws.data_validations.dataValidation}
        assert set(dv) == set(FB)
        # 2026-11-30 is Excel serial 46356 (2026-01-01 = 46023, + 333 days); one year later 46356 + 366
        assert (dv["跟进日期"].type, dv["跟进日期"].formula1, dv["跟进日期"].formula2) == ("date", "46356", "46722")
        assert dv["结果"].type == "list" and dv["结果"].formula1 == '"已成交,有意向,拒绝,联系不上,不适用"'
        assert dv["跟进方式"].type == "list"
        assert (dv["金额(元)"].type, dv["金额(元)"].operator, dv["金额(元)"].formula1) == (
            "decimal", "greaterThanOrEqual", "0")
        n = len(_rows(ws))
        a, b = ws.cell(hdr + 1, cols["结果"]).coordinate, ws.cell(hdr + n, cols["结果"]).coordinate
        assert str(dv["结果"].sqref) == (a if n == 1 else f"{a}:{b}")
        for r in range(hdr + 1, hdr + n + 1):
            assert all(ws.cell(r, cols[c]).protection.locked is False for c in FB)
            assert ws.cell(r, cols["客户号"]).protection.locked is True
        assert "<sheetProtection" not in _sheet_xml(path, "营销任务")


def test_protected_task_list_allows_sort_and_filter(tmp_path):
    """protect_tasks=是: <sheetProtection sheet="1" … sort="0" autoFilter="0"> (0 = not prohibited) and the
    feedback cells unlocked, so a manager can fill, filter and (after unprotecting locked ranges) sort."""
    run(tmp_path, params={"protect_tasks": "是"}, by="outlet")
    for path in [tmp_path / "out" / "营销任务清单.xlsx",
                 *sorted((tmp_path / "out" / "营销任务清单_按机构").glob("*.xlsx"))]:
        xml = _sheet_xml(path, "营销任务")
        prot = re.search(r"<sheetProtection [^>]*/>", xml).group(0)
        assert 'sheet="1"' in prot and 'sort="0"' in prot and 'autoFilter="0"' in prot
        assert 'formatColumns="0"' in prot and "password" not in prot
        ws = openpyxl.load_workbook(path)["营销任务"]
        hdr, cols = _table(ws)
        assert ws.cell(hdr + 1, cols["结果"]).protection.locked is False
    assert "<sheetProtection" not in _sheet_xml(tmp_path / "out" / "营销任务清单.xlsx", "任务明细")


# ============================================================================ the feedback report by hand
def _hand_round(tmp_path) -> Path:
    """The hand bank's task lists (whole + --by manager) with K1 已成交 300,000, K9 拒绝 and K3 联系不上 filled
    in the whole list; the manager files come back blank. Returns the folder of returned lists."""
    run(tmp_path, by="manager")
    ret = tmp_path / "returned"
    shutil.copytree(tmp_path / "out" / "营销任务清单_按客户经理", ret / "经理")
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "营销任务清单.xlsx", {
        "K1": {"结果": "已成交", "金额(元)": 300_000, "跟进日期": pd.Timestamp("2026-12-02").to_pydatetime(),
               "跟进方式": "面谈"},
        "K9": {"结果": "拒绝"}, "K3": {"结果": "联系不上", "备注": "=cmd|' /C calc'!A0"}})
    return ret


def test_feedback_report_by_hand(tmp_path):
    """3 tasks (the manager files repeat them blank: still 3). 已联系 K1, K9 (联系不上 is not reached): 2;
    已成交 K1: 转化率 1/2 = 50%, 成交金额 300,000.
    By best level: 档位 1 = K1, K9 -> 1/2; 档位 2 = K3 -> nobody reached -> blank (not 0).
    By scenario: XA = K1, K3 -> 1/1; XB = K1, K9, K3 -> 1/2. By list and level: XA·A K1 1/1, XA·B K3 blank,
    XB·A K1+K9 1/2, XB·B K3 blank. By manager: M1 1/1, M4 blank, K9 without manager (未填) 0/1."""
    ret = _hand_round(tmp_path)
    path, rep = run_feedback(ret, tmp_path / "反馈.xlsx")
    fb = rep.meta["feedback"]
    tot = fb["total"].iloc[0]
    assert (tot["任务数"], tot["已反馈"], tot["已联系"], tot["已成交"], tot["拒绝"], tot["联系不上"]) == (3, 3, 2, 1, 1, 1)
    assert tot["转化率"] == 0.5 and tot["反馈率"] == 1.0 and tot["成交金额(元)"] == 300_000
    best = fb["by_best"].set_index("最好档位")
    assert best.loc[1, ["任务数", "已联系", "已成交"]].tolist() == [2, 2, 1] and best.loc[1, "转化率"] == 0.5
    assert best.loc[2, "任务数"] == 1 and best.loc[2, "已联系"] == 0 and pd.isna(best.loc[2, "转化率"])
    scn = fb["by_scenario"].set_index("场景")
    assert scn.loc["XA", ["任务数", "已联系", "已成交"]].tolist() == [2, 1, 1] and scn.loc["XA", "转化率"] == 1.0
    assert scn.loc["XB", ["任务数", "已联系", "已成交"]].tolist() == [3, 2, 1] and scn.loc["XB", "转化率"] == 0.5
    lv = fb["by_list"].set_index(["名单", "等级"])
    assert lv.loc[("XA XA名单", "A"), "转化率"] == 1.0 and pd.isna(lv.loc[("XA XA名单", "B"), "转化率"])
    assert lv.loc[("XB XB名单", "A"), ["任务数", "已联系", "已成交"]].tolist() == [2, 2, 1]
    mgr = fb["by_manager"].set_index("客户经理")
    assert mgr.loc["M1", "转化率"] == 1.0 and pd.isna(mgr.loc["M4", "转化率"]) and mgr.loc["(未填)", "转化率"] == 0.0
    assert fb["by_round"]["数据日期"].tolist() == ["2026-11-30"] and fb["by_round"]["任务数"].tolist() == [3]
    assert fb["calibration"] == ["第 1 档 转化率 50.0%(已联系 2 户) 对 第 2 档 空(无人联系上)(已联系 0 户): "
                                 "样本不足(每档至少 30 户已联系), 暂不下结论。"]
    assert len(fb["unmatched"]) == 0
    # written: the headline shows the figures, a remark stays text (never a formula)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "反馈概览"
    cells = [c.value for row in wb["反馈明细"].iter_rows() for c in row]
    assert "=cmd|' /C calc'!A0" in cells
    assert not any(isinstance(c, str) and c.startswith("=") and c != "=cmd|' /C calc'!A0" for c in cells)


def test_conflicting_feedback_in_two_files_is_reported(tmp_path):
    """M1's own file says K1 有意向 while the whole list says 已成交: K1's feedback is unknown (a problem), the
    task still counts: 已联系 K9 only -> 转化率 0/1 = 0."""
    ret = _hand_round(tmp_path)
    _fill(ret / "经理" / "营销任务清单_M1.xlsx", ret / "经理" / "营销任务清单_M1.xlsx", {"K1": {"结果": "有意向"}})
    _, rep = run_feedback(ret, tmp_path / "反馈.xlsx")
    tot = rep.meta["feedback"]["total"].iloc[0]
    assert (tot["任务数"], tot["已联系"], tot["已成交"], tot["转化率"]) == (3, 1, 0, 0.0)
    codes = rep.problems.to_frame()
    assert set(codes.loc[codes["问题码"] == "FEEDBACK_CONFLICT", "表名"]) == {
        "营销任务清单.xlsx", str(Path("经理") / "营销任务清单_M1.xlsx")}


def test_changed_customer_number_is_reported_not_guessed(tmp_path):
    """K9's 客户号 changed to K4 (a real customer, on no list of this file) and K3's to K1 (two rows now say K1):
    neither row is matched to anybody: K4's row FEEDBACK_KEY, both K1 rows (same file) FEEDBACK_KEY; the manager
    files still give K1, K3 and K9 as tasks (blank)."""
    run(tmp_path)
    ret = tmp_path / "returned"
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "a.xlsx",
          {"K9": {"客户号": "K4", "结果": "已成交"}, "K3": {"客户号": "K1", "结果": "拒绝"}})
    _, rep = run_feedback(ret, tmp_path / "反馈.xlsx")
    fb = rep.meta["feedback"]
    un = fb["unmatched"]
    assert sorted(un["客户号"]) == ["K1", "K1", "K4"] and len(fb["matched"]) == 0
    assert all("未计入" in r for r in un["原因"])
    probs = rep.problems.to_frame()
    assert (probs["问题码"] == "FEEDBACK_KEY").sum() == 3
    wb = openpyxl.load_workbook(tmp_path / "out" / "营销任务清单.xlsx")
    rows = _rows(wb["营销任务"])  # the Excel rows reported are the rows the manager sees
    assert sorted(probs["Excel 行号"].astype(int)) == sorted([rows["K1"], rows["K9"], rows["K3"]])


def test_source_lists_are_chinese_and_lists_written_with_keys_still_match(tmp_path):
    """Users see 来源名单 as 中文 list names (XA XA名单), not developer ids (test.xa:xa_list); 任务明细 keeps the
    stable 名单键 in a grouped, collapsed column. A returned list counts either way: K1's row with 来源名单 in the
    old form (名单键, as task lists were written before) matches; K9's row naming a list K9 is not on (XA XA名单,
    K9 is on XB only) does not."""
    run(tmp_path)
    path = tmp_path / "out" / "营销任务清单.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["营销任务"]
    _, cols = _table(ws)
    rows = _rows(ws)
    src = {c: ws.cell(r, cols["来源名单"]).value for c, r in rows.items()}
    assert src == {"K1": "XA XA名单、XB XB名单", "K9": "XB XB名单", "K3": "XA XA名单、XB XB名单"}
    det = wb["任务明细"]
    hdr = next(r for r in range(1, 30) if det.cell(r, 1).value == "客户号")
    heads = {det.cell(hdr, c).value: c for c in range(1, det.max_column + 1)}
    letter = openpyxl.utils.get_column_letter(heads["名单键"])
    dim = det.column_dimensions[letter]
    assert dim.outline_level >= 1 and dim.hidden
    assert det.cell(hdr + 1, heads["名单键"]).value == "test.xa:xa_list"
    ret = tmp_path / "returned"
    _fill(path, ret / "a.xlsx", {"K1": {"来源名单": "test.xa:xa_list、test.xb:xb_list", "结果": "已成交"},
                                 "K9": {"来源名单": "XA XA名单", "结果": "拒绝"},
                                 "K3": {"结果": "有意向"}})
    _, rep = run_feedback(ret, tmp_path / "反馈.xlsx")
    fb = rep.meta["feedback"]
    m = fb["matched"].set_index("cust_id")["result"]
    assert m.to_dict() == {"K1": "已成交", "K3": "有意向"}
    assert fb["unmatched"]["客户号"].tolist() == ["K9"]


# ============================================================================ a simulated round on the sample bank
def test_simulated_round_on_the_sample_bank(tmp_path):
    """Fixed seed: every manager fills about 70% of his rows with random results and amounts, re-sorts his
    sheet (rows shuffled), filters it (a third of the rows hidden), and one manager changes one 客户号 to a
    customer of another manager. Expected counts per manager are tallied straight from what the fake wrote;
    the changed row is the only unmatched one."""
    from bankxl.sample import make_sample_bank, write_sample_workbooks

    write_sample_workbooks(make_sample_bank(customers=300, seed=7, as_of=AS_OF), tmp_path / "in")
    res = run_all(sorted((tmp_path / "in").glob("*.xlsx")), tmp_path / "out", as_of=AS_OF, by="manager")
    files = sorted((tmp_path / "out" / "营销任务清单_按客户经理").glob("*.xlsx"))
    tasks = res.tasks.meta["crossview_tasks"]["tasks"]
    assert len(files) >= 3 and len(tasks) >= 30
    rng = np.random.default_rng(20261130)
    ret = tmp_path / "returned"
    ret.mkdir()
    expect: dict[str, dict[str, float]] = {}
    all_custs = set(tasks["客户号"])
    changed = None
    for k, path in enumerate(files):
        wb = openpyxl.load_workbook(path)
        ws = wb["营销任务"]
        hdr, cols = _table(ws)
        rows = _rows(ws)
        if not rows:
            continue
        width = max(cols.values())
        grid = [[ws.cell(r, c).value for c in range(1, width + 1)] for r in rows.values()]
        for line in grid:  # fill about 70%
            if rng.random() < 0.7:
                res_ = RESULTS[rng.integers(len(RESULTS))]
                line[cols["结果"] - 1] = res_
                line[cols["金额(元)"] - 1] = float(rng.integers(1, 100)) * 1000 if res_ == "已成交" else None
        order = rng.permutation(len(grid))  # re-sorted
        grid = [grid[i] for i in order]
        if changed is None and len(grid) >= 2:  # one 客户号 changed to another manager's customer
            others = sorted(all_custs - set(rows))
            changed = (path.name, grid[0][cols["客户号"] - 1], others[0])
            grid[0][cols["客户号"] - 1] = others[0]
        first = min(rows.values())
        for i, line in enumerate(grid):
            for j, v in enumerate(line):
                ws.cell(first + i, j + 1).value = v
            ws.row_dimensions[first + i].hidden = bool(rng.random() < 1 / 3)  # filtered out
        wb.save(ret / path.name)
        mgr = path.stem.removeprefix("营销任务清单_")
        e = expect.setdefault(mgr, {"任务数": 0, "已联系": 0, "已成交": 0, "金额": 0.0})
        for i, line in enumerate(grid):
            if changed and changed[0] == path.name and i == 0:
                continue  # reported, not counted
            r = line[cols["结果"] - 1]
            e["任务数"] += 1
            e["已联系"] += r in ("已成交", "有意向", "拒绝")
            e["已成交"] += r == "已成交"
            e["金额"] += (line[cols["金额(元)"] - 1] or 0.0) if r == "已成交" else 0.0
    assert changed is not None
    _, rep = run_feedback(ret, tmp_path / "反馈.xlsx")
    fb = rep.meta["feedback"]
    un = fb["unmatched"]
    assert un[["文件", "客户号"]].values.tolist() == [[changed[0], changed[2]]]
    mgr = fb["by_manager"].assign(客户经理=lambda d: d["客户经理"].replace({"(未填)": "(未分配客户经理)"}))
    got = mgr.set_index("客户经理")
    for m, e in expect.items():
        if not e["任务数"]:
            continue
        row = got.loc[m]
        assert (row["任务数"], row["已联系"], row["已成交"]) == (e["任务数"], e["已联系"], e["已成交"]), m
        if e["已联系"]:
            assert row["转化率"] == pytest.approx(e["已成交"] / e["已联系"])
        else:
            assert pd.isna(row["转化率"])
        assert (row["成交金额(元)"] if pd.notna(row["成交金额(元)"]) else 0.0) == pytest.approx(e["金额"])
    assert fb["total"].iloc[0]["任务数"] == sum(e["任务数"] for e in expect.values()) == len(tasks) - 1
    assert fb["total"].iloc[0]["已联系"] == sum(e["已联系"] for e in expect.values()) > 0


# ============================================================================ 拒绝 suppression in run all
def _refusals(tmp_path) -> Path:
    """K1 拒绝 on 2026-12-10, K3 拒绝 without a date (counts from the list's 数据日期 2026-11-30)."""
    run(tmp_path)
    ret = tmp_path / "returned"
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "a.xlsx", {
        "K1": {"结果": "拒绝", "跟进日期": pd.Timestamp("2026-12-10").to_pydatetime()}, "K3": {"结果": "拒绝"},
        "K9": {"结果": "有意向"}})
    return ret


def test_refused_customers_are_held_for_n_days(tmp_path):
    """Next round on 2027-02-28: K1 refused 80 days before (12-10: 21 + 31 + 28), K3 90 days before (11-30:
    31 + 31 + 28). refusal_days 90 holds both (inclusive) with the reason; 89 holds K1 only; 0 holds nobody."""
    ret = _refusals(tmp_path)

    def nxt(days):
        r = run_all([bank()], tmp_path / f"next{days}", scenarios=[XA, XB, XC, XD], as_of="2027-02-28",
                    feedback=ret, params={"refusal_days": days, "recontact_days": 0})
        d = r.tasks.meta["crossview_tasks"]
        return list(d["tasks"]["客户号"]), d["held"].set_index("客户号")["限制"]

    tasks, held = nxt(90)
    assert "K1" not in tasks and "K3" not in tasks and "K9" in tasks
    assert held["K1"] == "近 90 天内拒绝(2026-12-10, 按跟进日期)"
    assert held["K3"] == "近 90 天内拒绝(2026-11-30, 按名单数据日期)"
    tasks, held = nxt(89)
    assert "K3" in tasks and held["K1"] == "近 89 天内拒绝(2026-12-10, 按跟进日期)"
    tasks, _ = nxt(0)
    assert {"K1", "K3", "K9"} <= set(tasks)
    ws = openpyxl.load_workbook(tmp_path / "next90" / "营销任务清单.xlsx")["暂不联系"]
    assert "近 90 天内拒绝(2026-12-10, 按跟进日期)" in [c.value for row in ws.iter_rows() for c in row]


def test_refusal_days_is_checked_before_any_load(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(bio, "load_frame", lambda *a, **k: calls.append(1))
    with pytest.raises(ParameterError, match="拒绝后暂不联系天数"):
        run_all([bank()], tmp_path / "o", scenarios=[XA], as_of=AS_OF, feedback=tmp_path,
                params={"refusal_days": -1})
    assert calls == [] and not (tmp_path / "o").exists()


def test_cli_feedback_and_run_all_feedback(tmp_path, capsys):
    ret = _refusals(tmp_path)
    out = tmp_path / "反馈.xlsx"
    assert main(["feedback", "--lists", str(ret), "--out", str(out)]) == 0
    assert out.exists() and str(out) in capsys.readouterr().out
    before = (ret / "a.xlsx").read_bytes()
    assert main(["feedback", "--lists", str(ret), "--out", str(ret / "a.xlsx")]) == 2  # never over a returned list
    assert (ret / "a.xlsx").read_bytes() == before
    assert "不能覆盖" in capsys.readouterr().err
    assert main(["feedback", "--lists", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert main(["run", "D3", "--input", str(out), "--out", str(tmp_path / "x.xlsx"), "--feedback", str(ret)]) == 2


def test_feedback_out_never_overwrites_a_user_workbook_but_replaces_an_earlier_report(tmp_path, capsys):
    """--out naming an existing workbook of the user's (not a returned list, not a report bankxl wrote): exit 2,
    「…已存在, 且不是 bankxl 写出的报告; bankxl 从不覆盖用户的文件…」 + English (runner.check_output), its bytes
    unchanged. --out naming an earlier 营销反馈 report: replaced (exit 0; the --no-mask report's whole mobile
    13812345678 is now shown as 138****5678)."""
    ret = _refusals(tmp_path)
    mine = tmp_path / "我的.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "客户经理自己的台账"
    wb.save(mine)
    before = mine.read_bytes()
    assert main(["feedback", "--lists", str(ret), "--out", str(mine)]) == 2
    err = capsys.readouterr().err
    assert "输出文件「我的.xlsx」已存在, 且不是 bankxl 写出的报告; bankxl 从不覆盖用户的文件" in err
    assert "exists and is not a report bankxl wrote; bankxl never overwrites your files" in err
    assert mine.read_bytes() == before
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "a.xlsx", {"K1": {"结果": "拒绝", "备注": "电话 13812345678"}})
    out = tmp_path / "反馈.xlsx"
    assert main(["feedback", "--lists", str(ret), "--out", str(out), "--no-mask"]) == 0
    assert "电话 13812345678" in _cells(out)["反馈明细"]
    assert main(["feedback", "--lists", str(ret), "--out", str(out)]) == 0
    memo = _cells(out)["反馈明细"]
    assert "电话 138****5678" in memo and "电话 13812345678" not in memo


# ============================================================================ breaker findings: masking, broken files
MEMO = "客户本人 110105199001011232 电话 13812345678, 其妻李四 13987654321"
ODD = "打了 13800001111 没人接"  # not one of RESULTS: VALUE_INVALID, its 原值 on 数据问题


def _cells(path: Path) -> dict[str, list]:
    """{sheet: every cell value} of a written workbook."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: [c.value for row in ws.iter_rows() for c in row] for ws in wb.worksheets}


def test_feedback_masks_the_text_managers_typed(tmp_path):
    """A manager's 备注 holds an 18-digit ID and two mobiles, 跟进方式 a mobile, and another row's 结果 a mobile
    (VALUE_INVALID): with masking (the default) no sheet of the report shows them whole — 备注 reads
    ``110105********1232`` (6 + 4 kept) and ``138****5678`` / ``139****4321`` (3 + 4 kept), the rest of the text
    as typed; the 数据问题 原值 of 结果 reads ``138****1111``. An unmatched row (K9 with 客户号 changed to K4)
    shows its 结果 masked on 未匹配. With --no-mask the 备注 is shown as typed."""
    run(tmp_path)
    ret = tmp_path / "returned"
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "a.xlsx", {
        "K1": {"结果": "已成交", "备注": MEMO, "跟进方式": "13700002222"}, "K3": {"结果": ODD},
        "K9": {"客户号": "K4", "结果": "13600003333"}})
    out = tmp_path / "反馈.xlsx"
    assert main(["feedback", "--lists", str(ret), "--out", str(out)]) == 0
    cells = _cells(out)
    flat = [str(v) for vs in cells.values() for v in vs if v is not None]
    for whole in ("110105199001011232", "13812345678", "13987654321", "13700002222", "13800001111", "13600003333"):
        assert not any(whole in v for v in flat), whole
    assert "客户本人 110105********1232 电话 138****5678, 其妻李四 139****4321" in cells["反馈明细"]
    assert "137****2222" in cells["反馈明细"]
    assert "打了 138****1111 没人接" in cells["数据问题"]
    assert "136****3333" in cells["未匹配"]
    raw = tmp_path / "反馈_raw.xlsx"
    assert main(["feedback", "--lists", str(ret), "--out", str(raw), "--no-mask"]) == 0
    assert MEMO in _cells(raw)["反馈明细"]


def _broken(tmp_path, sheet: str, headers: tuple[str, ...]) -> Path:
    """The hand bank's task list returned twice: ``ok.xlsx`` with K1 已成交, ``broken.xlsx`` (K9 拒绝) with the
    ``headers`` columns deleted from ``sheet``. Returns the folder."""
    run(tmp_path)
    ret = tmp_path / "returned"
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "ok.xlsx", {"K1": {"结果": "已成交"}})
    _fill(tmp_path / "out" / "营销任务清单.xlsx", ret / "broken.xlsx", {"K9": {"结果": "拒绝"}})
    wb = openpyxl.load_workbook(ret / "broken.xlsx")
    ws = wb[sheet]
    ws.tables.clear()  # Excel would shrink the table; openpyxl leaves a stale one
    hdr = next(r for r in range(1, 30) if ws.cell(r, 1).value in ("排名", "客户号"))
    for h in headers:
        ws.delete_cols(next(c for c in range(1, ws.max_column + 1) if ws.cell(hdr, c).value == h))
    wb.save(ret / "broken.xlsx")
    return ret


@pytest.mark.parametrize("sheet, headers, named", [
    ("营销任务", ("客户号",), ["客户号(cust_id)"]),
    ("营销任务", ("来源名单", "数据日期"), ["来源名单(lists)", "数据日期(as_of)"]),
    ("任务明细", ("名单键",), ["名单键(list_key)"])])
def test_a_list_with_a_deleted_column_is_reported_and_skipped(tmp_path, capsys, caplog, sheet, headers, named):
    """A returned list whose 营销任务 lost 客户号 (or 来源名单 + 数据日期), or whose 任务明细 lost 名单键: that file
    is skipped and said — file, sheet and missing column(s), 中文 and English — and the other file still counts
    (K1 已成交: 3 tasks, 1 已成交; K9's 拒绝 from the broken file is not counted). Only the broken file: exit 2
    with those reasons, not 'no task list in the folder'."""
    ret = _broken(tmp_path, sheet, headers)
    out = tmp_path / "反馈.xlsx"
    assert main(["feedback", "--lists", str(ret), "--out", str(out)]) == 0
    err = caplog.text  # the CLI shows warnings on stderr (logging.basicConfig); pytest captures them here
    assert "broken.xlsx" in err and f"工作表「{sheet}」" in err and f"sheet {sheet}" in err
    assert all(n in err for n in named)
    files = openpyxl.load_workbook(out)["读取文件"]
    rows = {r[0]: r for r in files.iter_rows(values_only=True) if r[0] in ("ok.xlsx", "broken.xlsx")}
    assert rows["ok.xlsx"][1:3] == ("已读取", 3) and rows["broken.xlsx"][1:3] == ("未能读取", 0)
    assert f"文件「broken.xlsx」工作表「{sheet}」" in rows["broken.xlsx"][3] and all(
        n in rows["broken.xlsx"][3] for n in named)
    _, rep = run_feedback(ret, tmp_path / "反馈2.xlsx")
    tot = rep.meta["feedback"]["total"].iloc[0]
    assert (tot["任务数"], tot["已反馈"], tot["已成交"], tot["拒绝"]) == (3, 1, 1, 0)
    (ret / "ok.xlsx").unlink()
    assert main(["feedback", "--lists", str(ret), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "没有可读取的营销任务清单" not in err and "都未能读取" in err and "could be read" in err
    assert "broken.xlsx" in err and all(n in err for n in named) and f"sheet {sheet}" in err
