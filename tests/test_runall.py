"""bankxl run all, the 客户画像 and the 营销任务清单 (issue 18 items 1–3) on a hand-made bank.

Three list scenarios (test doubles built on the kit: score_list, tag_rows) list overlapping customers; every
expected value below is worked out by hand in the comments. Data date Mon 2026-11-30: +2 working days =
2026-12-02, +3 = 12-03, +5 = 12-07, +10 = 12-14.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

import bankxl.io as bio
from bankxl.cli import main
from bankxl.crossview import run_all
from bankxl.crossview.runall import CRASHED, FAILED, RAN, SKIPPED
from bankxl.errors import DataValidationError, ParameterError
from bankxl.lists import Rule, check_levels, levels_param, score_list, strategy_param
from bankxl.report import Report, Sheet, Table
from bankxl.scenario import Scenario, param
from bankxl.tags import tag_sheet, tag_table

AS_OF = "2026-11-30"


@dataclass(frozen=True)
class P:
    levels: tuple = levels_param((("A", 80), ("B", 40)))
    strategy: tuple = strategy_param((("A", "面谈", 3), ("B", "电话", 10)))
    bonus: float = param(0.0, "加分", "分", "test")

    def check(self):
        check_levels(self.levels, self.strategy)


@dataclass(frozen=True)
class PB:
    levels: tuple = levels_param((("A", 80), ("B", 40)))
    strategy: tuple = strategy_param((("A", "上门", 5), ("B", "短信", 2)))


def _list_run(code: str, rows: dict[str, tuple[float, float]], *, risk_only: bool = False, detail=(), hold=(),
              credit: bool = False, money: bool = True):
    """A scenario run listing ``rows`` {客户号: (得分, 金额)} through score_list (one rule: points = the score),
    ranked by the second value; ``money``: it is 金额(元), declared as the list's money (``amount=``), else
    积分 (not money: undeclared)."""
    def run(tables, p, ctx):
        cust = tables["customers"]
        frame = pd.DataFrame({"cust_id": list(rows), "pts": [v[0] for v in rows.values()],
                              "amount": [v[1] for v in rows.values()]}).astype({"cust_id": "string"})
        lst = score_list(frame, [Rule("r", f"{code}原因{{pts:.0f}}", weight=1, value="pts")], p.levels, p.strategy,
                         ctx, sort_by=("amount",), customers=cust,
                         show={"amount": "金额(元)" if money else "积分"}, amount="amount" if money else None)
        rep = Report(f"{code} 名单")
        rep.sheets.append(Sheet(f"{code}名单", lst.blocks(f"{code.lower()}_list", f"{code} 名单", risk_only=risk_only,
                                                          hold_levels=hold, credit_report=credit)))
        if detail:
            rep.sheets.append(Sheet(f"{code}保证人", [Table(pd.DataFrame({"客户号": list(detail)}), name=f"{code}_g",
                                                          role="detail")]))
        rep.sheets.append(tag_sheet(tag_table(lst.tag_rows(code, f"{code}_T", f"{code}标签", ctx, p))))
        return rep
    return run


def _spec(code, group, rows, params=P, subject="customer", **kw):
    return Scenario(id=f"test.{code.lower()}", code=code, title=f"{code}场景", group=group, inputs=("customers",),
                    optional_inputs=("time_deposits",), params=params, run=_list_run(code, rows, **kw),
                    subject=subject)


# XA: K1 90 A 100,000; K3 50 B 20,000; K6 41 B; K7 45 B
XA = _spec("XA", "存款营销", {"K1": (90, 100_000), "K3": (50, 20_000), "K6": (41, 1), "K7": (45, 1)})
# XB: K2 (= K1's person) 85 A 300,000; K3 45 B 70,000; K4 90 A; K8 60 B; K9 95 A 500,000 (not in 客户 table)
XB = _spec("XB", "信贷营销", {"K2": (85, 300_000), "K3": (45, 70_000), "K4": (90, 1), "K8": (60, 1),
                           "K9": (95, 500_000)}, params=PB)
# XC (风险管理): K4 listed, K5 a guarantor in a detail table -> neither is marketed
XC = _spec("XC", "风险管理", {"K4": (90, 1)}, detail=("K5",))
# XD: a risk_only list (flag, any group): K7 never marketed
XD = _spec("XD", "信贷营销", {"K7": (90, 1)}, risk_only=True)
# XE needs a table the bank does not have
XE = Scenario(id="test.xe", code="XE", title="XE场景", group="信贷营销", inputs=("loans",), params=P,
              run=_list_run("XE", {}))


def bank() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame({
        "客户号": ["K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8"],
        # K1 and K2: one person (18- and 15-digit forms of one ID)
        "证件号码": ["34052419800101001X", "340524800101001", "11010519491231002X", "360426199101010071",
                 None, None, None, None],
        "客户名称": ["张三", "张三", "李四", "王五", "赵六", "钱七", "孙八", "周九"],
        "机构号": ["O1", "O1", "O2", "O1", "O2", "O2", "O1", "O2"],
        "客户经理": ["M1", "M2", None, "M1", "M2", "M3", "M3", "M3"]})
    # K3 has no 客户经理 in 客户: M4 holds the larger balance (80,000 > 50,000) -> owner M4, M3 another manager
    deposits = pd.DataFrame({"账号": ["A1", "A2", "A3"], "客户号": ["K3", "K3", "K3"], "机构号": ["O2"] * 3,
                             "客户经理": ["M3", "M4", "M4"], "到期日": ["2027-01-01"] * 3,
                             "余额": [50_000, 30_000, 50_000]})
    return {"客户": customers, "定期存款明细": deposits}


def run(tmp_path, scenarios=(XA, XB, XC, XD, XE), **kw):
    contacts = pd.DataFrame({"客户号": ["K8", "K3"], "联系日期": ["2026-11-25", "2026-10-01"]})
    dnd = pd.DataFrame({"客户号": ["K6"]})
    kw = {"do_not_disturb": dnd, "contacts": contacts, **kw}
    return run_all([bank()], tmp_path / "out", scenarios=list(scenarios), as_of=AS_OF, **kw)


def test_task_list_by_hand(tmp_path):
    """Persons marketed: K1 (K1+K2), K9, K3. K4 (XC risk list), K5 (XC guarantor), K7 (XD risk_only), K6 (免打扰),
    K8 (contacted 11-25, 5 days ≤ 30) are held; K3's contact (60 days ago) does not hold him.
    K1: XA A (90, 100,000, +3 wd) and XB A via K2 (85, 300,000, +5 wd): best level 1, 2 lists, money max 300,000,
    best row XA (same level, 90 > 85) -> 面谈, due 12-03; owner 客户表 M1, other M2 (K2's manager).
    K9: XB A 95, 500,000, +5 wd -> 12-07; no 客户经理 anywhere -> unknown owner.
    K3: XA B (50, 20,000, +10 -> 12-14), XB B (45, 70,000, +2 -> 12-02): level 2, 2 lists, money 70,000, best row XA
    -> 电话, due 12-02; owner by largest balance M4 (80,000 vs 50,000), other M3.
    Priority level, lists, money: K1 (1, 2) > K9 (1, 1) > K3 (2)."""
    res = run(tmp_path)
    assert [r.status for r in res.runs] == [RAN, RAN, RAN, RAN, SKIPPED]
    assert "贷款" in res.runs[-1].reason and res.exit_code == 0
    t = res.tasks.meta["crossview_tasks"]["tasks"]
    assert t["客户号"].tolist() == ["K1", "K9", "K3"] and t["排名"].tolist() == [1, 2, 3]
    assert t["客户经理"].tolist()[0] == "M1" and pd.isna(t["客户经理"][1]) and t["客户经理"][2] == "M4"
    assert t["归属依据"].tolist() == ["客户表", "未知(数据中没有客户经理)", "最大余额"]
    assert t["其他服务经理"][0] == "M2" and t["其他服务经理"][2] == "M3"
    assert t["名单数"].tolist() == [2, 1, 2]
    assert t["涉及金额(元)"].tolist() == [300_000.0, 500_000.0, 70_000.0]
    assert t["建议动作"].tolist() == ["面谈", "上门", "电话"]
    assert t["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-03", "2026-12-07", "2026-12-02"]
    assert t["原因"][0] == "【XA XA名单·A】XA原因90；【XB XB名单·A】XB原因85"
    assert t["原因"][2] == "【XA XA名单·B】XA原因50；【XB XB名单·B】XB原因45"
    assert t["最好等级"].tolist() == ["XA XA名单·A", "XB XB名单·A", "XA XA名单·B"]
    assert t["证件号码(脱敏)"][0] != "34052419800101001X"  # masked
    held = res.tasks.meta["crossview_tasks"]["held"].set_index("客户号")["限制"]
    assert sorted(held.index) == ["K4", "K5", "K6", "K7", "K8"]
    assert held["K4"] == "风险名单: XC XC名单" and held["K5"] == "风险名单: XC XC保证人"
    assert held["K7"] == "风险名单: XD XD名单" and held["K6"] == "免打扰名单"
    assert held["K8"] == "近 30 天内已联系(最近 2026-11-25)"
    d = res.tasks.meta["crossview_tasks"]["detail"]
    k1 = d[d["客户号"] == "K1"]
    assert k1["原客户号"].tolist() == ["K1", "K2"] and k1["名单键"].tolist() == ["test.xa:xa_list", "test.xb:xb_list"]
    assert (k1["数据日期"] == pd.Timestamp(AS_OF)).all()


def test_amount_comes_only_from_a_list_that_declares_its_money(tmp_path):
    """XP ranks by 积分 (undeclared, not money): K1 (XA 100,000 元, XP 900,000 积分) has 涉及金额 100,000, not
    900,000; K5 is only on XP: 涉及金额 blank (unknown, never 0), and so is 经理汇总's 涉及金额 of his manager M2
    (no task with a known amount); 任务明细 shows XP's rows with a blank amount. (Before money was declared, the
    first sort_by column was taken: 900,000 and 5,000.)"""
    xp = _spec("XP", "信贷营销", {"K1": (90, 900_000), "K5": (70, 5_000)}, money=False)
    res = run(tmp_path, scenarios=(XA, xp), contacts=None, do_not_disturb=None)
    data = res.tasks.meta["crossview_tasks"]
    t = data["tasks"].set_index("客户号")
    assert t.loc["K1", "涉及金额(元)"] == 100_000.0 and t.loc["K1", "名单数"] == 2
    assert pd.isna(t.loc["K5", "涉及金额(元)"]) and t.loc["K5", "客户经理"] == "M2"
    s = res.tasks.tables()["manager_summary"].df.set_index("客户经理")
    money = [c for c in s.columns if str(c).startswith("涉及金额")][0]
    assert pd.isna(s.loc["M2", money]) and s.loc["M1", money] > 0
    d = data["detail"]
    assert d.loc[d["场景"].eq("XP"), "涉及金额(元)"].isna().all()
    assert d.loc[d["场景"].eq("XA") & d["原客户号"].eq("K1"), "涉及金额(元)"].tolist() == [100_000.0]


def test_every_declared_list_amount_is_money_in_the_data_currency(sample_bank):
    """Over the registry on the sample bank: every list that declares its money (ListTable.amount) shows it under a
    header in 元 (or 万元 / the data's currency), the amount equals that shown column row by row, and the lists
    that rank by 积分 / a 0/1 flag / a monthly flow (C2, C5, C3 网贷 and 多头) declare none."""
    from bankxl.lists import ListTable
    from bankxl.runner import execute
    from bankxl.scenario import registry

    declared, undeclared = {}, set()
    for spec in registry().values():
        if spec.subject != "customer" or not set(spec.inputs) <= set(sample_bank):
            continue  # (a scenario whose tables the sample lacks: the exact sets below still require every list)
        rep = execute(spec.id, {t: sample_bank[t] for t in spec.sample_inputs if t in sample_bank}, as_of=AS_OF)
        for sh in rep.sheets:
            for b in sh.blocks:
                if not isinstance(b, ListTable):
                    continue
                if b.amount is None:
                    assert b.amount_header is None
                    undeclared.add(f"{spec.code} {sh.name}")
                    continue
                h = b.amount_header
                assert h in b.df.columns and h.endswith(("(元)", "(万元)")), (spec.code, sh.name, h)
                shown = pd.to_numeric(b.df[h], errors="coerce").astype("float64")
                pd.testing.assert_series_equal(b.amount.astype("float64"), shown, check_names=False)
                declared[f"{spec.code} {sh.name}"] = h
    assert undeclared == {"C2 营销名单", "C5 营销名单", "C3 网贷客户名单", "C3 多头风险名单"}
    assert declared == {
        "D2 大额到期客户": "到期金额(元)", "D2 提醒名单": "余额(元)", "D3 流失名单": "下降金额(元)",
        "D4 核心客户名单": "规模: 近3月定期日均(元)", "C1 白名单": "参考额度(元)", "C10 提额名单": "提额金额(元)",
        "C3 他行贷款置换名单": "估算本金(元)", "C6 营销名单": "存款(元)", "C7 宽限期提醒": "余额(元)",
        "C7 共同借款人线索": "存款月日均(元)", "C8 挖掘名单": "他行余额(元)", "C8 排除名单": "他行余额(元)",
        "C9 挽回名单": "原贷款金额(元)", "E3 授信未用名单": "未用额度(元)", "E3 积分推送名单": "升一档预期增量(元)",
        "R1 清收名单": "欠款合计(元)"}


def test_task_sheet_prints_the_columns_a_manager_calls_from(tmp_path):
    """On paper (not hidden): 排名, 客户号, masked name/phone, 机构号, 最好等级, 原因 (wraps when long), 建议动作, 截止日
    and the five feedback columns — 14, not 22; the rest (证件号码, 客户经理, 归属依据, 其他服务经理, 名单数,
    涉及金额, 来源名单, 数据日期) are written but grouped and collapsed (screen only). (The hand bank has no
    手机号; the sample bank's list shows 手机号(脱敏) between 客户名称 and 机构号.)"""
    import openpyxl
    from openpyxl.utils import get_column_letter

    run(tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "out" / "营销任务清单.xlsx")["营销任务"]
    hdr = next(r for r in range(1, 30) if ws.cell(r, 1).value == "排名")
    heads = {ws.cell(hdr, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(hdr, c).value}
    hidden = {h for h, c in heads.items() if ws.column_dimensions[get_column_letter(c)].hidden}
    paper = [h for h in heads if h not in hidden]
    assert paper == ["排名", "客户号", "客户名称(脱敏)", "机构号", "最好等级", "原因", "建议动作",  # (no 手机号 here)
                     "截止日", "跟进日期", "跟进方式", "结果", "金额(元)", "备注"]
    assert hidden == {"证件号码(脱敏)", "客户经理", "归属依据", "其他服务经理", "名单数", "涉及金额(元)", "来源名单",
                      "数据日期"}
    assert all(ws.column_dimensions[get_column_letter(heads[h])].outline_level >= 1 for h in hidden)


def test_held_levels_of_a_mixed_list_are_never_marketed(tmp_path):
    """XF lists K3 at A (90: a risk tier, hold_levels=("A",)) and K8 at B (50: marketed). K3 is also on XA (B):
    a risk tier anywhere holds the person, so K3 leaves the task list; K8 is on it (no contact constraint here)."""
    xf = _spec("XF", "信贷营销", {"K3": (90, 1), "K8": (50, 1)}, hold=("A",))
    res = run(tmp_path, scenarios=(XA, xf), contacts=None)
    t = res.tasks.meta["crossview_tasks"]["tasks"]
    assert "K3" not in t["客户号"].tolist() and "K8" in t["客户号"].tolist()
    held = res.tasks.meta["crossview_tasks"]["held"].set_index("客户号")["限制"]
    assert held["K3"] == "风险名单: XF XF名单(A)"


def test_merchant_lists_and_tags_are_not_customers(tmp_path):
    """XM lists merchant numbers in its 客户号 column (subject="merchant", as E1): K3 here is merchant K3, not
    customer K3 — the task list keeps only XA's customers and the profile only XA's tags."""
    xm = _spec("XM", "电子银行", {"K3": (95, 9), "M77": (90, 9)}, subject="merchant")
    res = run(tmp_path, scenarios=(XA, xm), contacts=None)
    t = res.tasks.meta["crossview_tasks"]["tasks"]
    assert sorted(t["客户号"]) == ["K1", "K3", "K7"]  # XA's customers but K6 (免打扰); M77 nowhere
    assert t.set_index("客户号").loc["K3", "原因"] == "【XA XA名单·B】XA原因50"
    from bankxl.crossview.profile import stacked_tags

    assert set(stacked_tags(res.runs)["scenario"]) == {"XA"}
    with pytest.raises(ValueError, match="subject"):
        _spec("XX", "电子银行", {}, subject="shop")
    from bankxl.scenario import get_scenario

    assert get_scenario("E1").subject == "merchant" and get_scenario("C3").subject == "customer"


def test_credit_report_lists_are_left_out_unless_allowed_and_then_show_no_detail(tmp_path):
    """XK lists from 征信明细 (credit_report): K8 A 95 (1 元), K3 A 90 (50,000); XR, a credit risk_only list, holds
    K1. 使用征信名单 否 (default): XK and XR are not used — K8 is on no task, K3 only on XA (B, 20,000, 1 list), K1
    marketed (XA A); 说明 counts XK 2 rows, XR 1 row. 是: K8 from XK (原因 only 征信数据(已授权), the credit action,
    amount unknown, 1 list); K3's best row is XK's A (level 1 < XA's B): 原因 【XK XK名单·A】征信数据(已授权)；
    【XA XA名单·B】XA原因50, the credit action, 2 lists, 涉及金额 20,000 (XA's; XK's 50,000 is credit detail);
    K1 held by XR. No text of XK's reasons (XK原因…) appears on any task sheet either way. The 客户画像 likewise:
    XK/XR tags only when allowed, and then without 标签值."""
    from bankxl.crossview.tasks import CREDIT_ACTION, CREDIT_REASON

    xk = _spec("XK", "信贷营销", {"K8": (95, 1), "K3": (90, 50_000)}, credit=True)
    xr = _spec("XR", "信贷营销", {"K1": (90, 1)}, risk_only=True, credit=True)

    def texts(report) -> str:
        return " ".join(" ".join(map(str, b.df.astype("string").fillna("").to_numpy().ravel()))
                        for k, b in report.tables().items() if k in ("tasks", "task_detail", "held"))

    res = run(tmp_path, scenarios=(XA, xk, xr), contacts=None)
    t = res.tasks.meta["crossview_tasks"]["tasks"].set_index("客户号")
    assert sorted(t.index) == ["K1", "K3", "K7"]  # XA's customers but K6 (免打扰); not K8
    assert t.loc["K3", "原因"] == "【XA XA名单·B】XA原因50" and t.loc["K3", "名单数"] == 1
    assert t.loc["K3", "涉及金额(元)"] == 20_000.0
    assert "K1" not in res.tasks.meta["crossview_tasks"]["held"]["客户号"].tolist()
    assert not res.tasks.meta["crossview_tasks"]["detail"]["名单键"].str.startswith(("test.xk", "test.xr")).any()
    assert any("XK XK名单 2 行、XR XR名单 1 行" in n and "使用征信名单" in n for n in res.tasks.notes)
    assert "XK原因" not in texts(res.tasks) and CREDIT_REASON not in texts(res.tasks)

    res = run(tmp_path, scenarios=(XA, xk, xr), contacts=None, params={"credit_lists": True})
    t = res.tasks.meta["crossview_tasks"]["tasks"].set_index("客户号")
    assert t.index.tolist() == ["K3", "K8", "K7"]  # K3: level 1, 2 lists > K8: level 1, 1 list > K7: level 2
    assert t.loc["K8", "原因"] == f"【XK XK名单·A】{CREDIT_REASON}" and t.loc["K8", "建议动作"] == CREDIT_ACTION
    assert pd.isna(t.loc["K8", "涉及金额(元)"]) and t.loc["K8", "名单数"] == 1
    assert t.loc["K3", "原因"] == f"【XK XK名单·A】{CREDIT_REASON}；【XA XA名单·B】XA原因50"
    assert t.loc["K3", "建议动作"] == CREDIT_ACTION and t.loc["K3", "名单数"] == 2
    assert t.loc["K3", "涉及金额(元)"] == 20_000.0
    held = res.tasks.meta["crossview_tasks"]["held"].set_index("客户号")["限制"]
    assert held["K1"] == "风险名单: XR XR名单"
    d = res.tasks.meta["crossview_tasks"]["detail"]
    assert d.loc[d["名单键"] == "test.xk:xk_list", "原因"].tolist() == [CREDIT_REASON, CREDIT_REASON]
    assert "XK原因" not in texts(res.tasks)
    assert any("已按参数「使用征信名单」使用(XK XK名单、XR XR名单)" in n for n in res.tasks.notes)
    # 客户画像: XK/XR tags only when allowed, levels without their 标签值 (XK's 得分 95/90)
    wide = res.profile.tables()["customer_view"].df.set_index("客户号")
    assert wide.loc["K8", "XK XK标签"] == "A" and wide.loc["K1", "XR XR标签"] == "A"
    tags = res.profile.tables()["customer_tags"].df
    assert tags.loc[tags["场景"].isin(["XK", "XR"]), "标签值"].isna().all()
    assert tags.loc[tags["场景"] == "XA", "标签值"].notna().all()
    res = run(tmp_path, scenarios=(XA, xk, xr), contacts=None)
    assert set(res.profile.tables()["customer_tags"].df["场景"]) == {"XA"}


def test_c8_lists_are_marked_as_credit_report_lists(sample_bank):
    """C8's 挖掘名单 and 排除名单 derive from 征信明细: both carry credit_report (the 排除名单 is also risk-only)."""
    from bankxl.lists import ListTable
    from bankxl.runner import execute
    from bankxl.scenario import get_scenario

    spec = get_scenario("C8")
    rep = execute(spec.id, {t: sample_bank[t] for t in spec.sample_inputs if t in sample_bank}, as_of=AS_OF)
    lists = {s.name: b for s in rep.sheets for b in s.blocks if isinstance(b, ListTable)}
    assert set(lists) == {"挖掘名单", "排除名单"} and all(t.credit_report for t in lists.values())
    assert lists["排除名单"].risk_only and len(lists["挖掘名单"].df) > 0


def test_c3_marks_its_risk_lists_for_the_task_list():
    """C3's 多头风险名单 is risk-only and the first two tiers of its 网贷客户名单 (多头风险, 不营销) are held."""
    from bankxl.scenario import get_scenario

    from bankxl.lists import ListTable
    from bankxl.sample import make_sample_bank
    from bankxl.runner import execute

    bank = make_sample_bank(customers=300, seed=7, as_of=AS_OF)
    spec = get_scenario("C3")
    rep = execute(spec.id, {t: bank[t] for t in spec.sample_inputs if t in bank}, as_of=AS_OF)
    lists = {s.name: b for s in rep.sheets for b in s.blocks if isinstance(b, ListTable)}
    assert lists["多头风险名单"].risk_only and not lists["网贷客户名单"].risk_only
    assert lists["网贷客户名单"].hold_levels == ("多头风险", "不营销")
    assert not lists["他行贷款置换名单"].risk_only and not lists["他行贷款置换名单"].hold_levels


def test_priority_and_owner_rules_are_parameters(tmp_path):
    """priority money first: K9 500,000 > K1 300,000 > K3 70,000. owner_rule balance: K3 still M4 (balance),
    K1 has no balance row -> 客户表 M1. recontact_days 0: K8 is marketed (XB B 60, 1 元, +2 -> 12-02)."""
    res = run(tmp_path, params={"priority": "money,level,lists", "owner_rule": "balance", "recontact_days": 0})
    t = res.tasks.meta["crossview_tasks"]["tasks"]
    assert t["客户号"].tolist() == ["K9", "K1", "K3", "K8"]
    assert t.set_index("客户号").loc[["K1", "K3"], "归属依据"].tolist() == ["客户表", "最大余额"]


def test_bad_cross_parameter_stops_before_any_load(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(bio, "load_frame", lambda *a, **k: calls.append(1))
    with pytest.raises(ParameterError, match="优先级规则"):
        run(tmp_path, params={"priority": "level,level,money"})
    with pytest.raises(ParameterError, match="等级门槛"):
        run(tmp_path, scenario_params={"test.xa": {"levels": '[["A", 10], ["B", 20]]'}})
    assert calls == [] and not (tmp_path / "out").exists()


def test_each_table_is_loaded_once(tmp_path, monkeypatch):
    """Four scenarios read 客户 (and may read 定期存款明细); the loader runs once per table."""
    seen = []
    real = bio.load_frame

    def spy(raw, spec, **kw):
        seen.append(spec.id)
        return real(raw, spec, **kw)

    monkeypatch.setattr(bio, "load_frame", spy)
    res = run(tmp_path)
    assert sorted(seen) == ["contacts", "customers", "do_not_disturb", "time_deposits"]
    assert sum(r.status == RAN for r in res.runs) == 4


def _failing_scenarios() -> tuple[Scenario, Scenario]:
    """XF stops on bad data (DataValidationError: 失败), XG has a bug (ZeroDivisionError: 内部错误)."""
    def boom(tables, p, ctx):
        raise DataValidationError("坏数据", "bad data")

    def bug(tables, p, ctx):
        raise ZeroDivisionError("x")

    return (Scenario(id="test.bad", code="XF", title="坏", group="信贷营销", inputs=("customers",), params=P, run=boom),
            Scenario(id="test.crash", code="XG", title="崩", group="信贷营销", inputs=("customers",), params=P, run=bug))


def test_a_scenario_error_is_reported_and_the_others_run(tmp_path):
    bad, crash = _failing_scenarios()
    res = run(tmp_path, scenarios=(XA, bad, crash))
    assert [r.status for r in res.runs] == [RAN, FAILED, CRASHED]
    assert "坏数据" in res.runs[1].reason and "ZeroDivisionError" in res.runs[2].reason
    assert res.exit_code == 1 and res.tasks is not None
    assert run(tmp_path, scenarios=(XA, bad)).exit_code == 0
    assert run(tmp_path, scenarios=(XE,)).exit_code == 2


def test_missing_required_column_skips_only_its_scenarios(tmp_path):
    """定期存款明细 without 余额 cannot load: XH (needs it) is skipped naming the column; XA (optional) runs."""
    b = bank()
    b["定期存款明细"] = b["定期存款明细"].drop(columns="余额")
    xh = Scenario(id="test.xh", code="XH", title="XH场景", group="存款营销", inputs=("time_deposits",), params=P,
                  run=_list_run("XH", {}))
    res = run_all([b], tmp_path / "o", scenarios=[XA, xh], as_of=AS_OF)
    assert [r.status for r in res.runs] == [RAN, SKIPPED]
    assert "余额" in res.runs[1].reason and "定期存款明细" in res.runs[1].reason


def test_customer_view_merges_persons_and_counts_pairs(tmp_path):
    """K1 and K2 are one person (K1): one wide row with XA标签 A and XB标签 A; pair (XA标签·A, XB标签·A) held by
    K1 only; K3 holds (XA标签·B, XB标签·B). Org counts: XA标签·B: K3 (O2), K6 (O2), K7 (O1) -> O1 1, O2 2."""
    res = run(tmp_path)
    prof = res.profile.tables()
    wide = prof["customer_view"].df.set_index("客户号")
    assert "K2" not in wide.index and wide.loc["K1", "XA XA标签"] == "A" and wide.loc["K1", "XB XB标签"] == "A"
    assert wide.loc["K1", "并入客户号数"] == 1 and wide.loc["K1", "标签数"] == 2
    pairs = prof["tag_pairs"].df
    got = {(a, b): n for a, b, n in zip(pairs["标签A"], pairs["标签B"], pairs["客户数"])}
    assert got[("XA XA标签·A", "XB XB标签·A")] == 1 and got[("XA XA标签·B", "XB XB标签·B")] == 1
    counts = prof["org_tag_counts"].df.set_index("标签")
    assert counts.loc["XA标签·B", ["O1", "O2", "合计"]].tolist() == [1, 2, 3]
    merged = prof["identity_merged"].df
    assert merged.values.tolist() == [["K2", "K1"]]
    assert prof["run_status"].df["状态"].tolist() == [RAN, RAN, RAN, RAN, SKIPPED]


def test_by_manager_writes_one_file_each_with_safe_names(tmp_path):
    run(tmp_path, by="manager")
    folder = tmp_path / "out" / "营销任务清单_按客户经理"
    names = sorted(p.name for p in folder.iterdir())
    # owners M1 (K1), M4 (K3), none (K9); held customers' managers M1 (K4), M2 (K5), M3 (K6, K7, K8)
    assert names == ["营销任务清单_(未分配客户经理).xlsx", "营销任务清单_M1.xlsx", "营销任务清单_M2.xlsx",
                     "营销任务清单_M3.xlsx", "营销任务清单_M4.xlsx"]
    m1 = pd.read_excel(folder / "营销任务清单_M1.xlsx", sheet_name="营销任务", header=None, engine="calamine")
    assert "K1" in m1.values and "K3" not in m1.values


def test_cli_run_all_on_the_sample_bank(tmp_path, capsys):
    """The real registry on a small sample bank written to workbooks (a folder as --input)."""
    from bankxl.sample import make_sample_bank, write_sample_workbooks

    write_sample_workbooks(make_sample_bank(customers=300, seed=7, as_of=AS_OF), tmp_path / "in")
    code = main(["run", "all", "--input", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                 "--as-of", AS_OF])
    assert code == 0
    out = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"客户画像.xlsx", "营销任务清单.xlsx", "D3_存款流失客户.xlsx"} <= out
    err = capsys.readouterr().err
    assert "✓ D3" in err and "每张表只读一次" in err


def test_crossview_sits_above_the_scenarios():
    """DESIGN.md layers: the cross views use the runner and the registry, never a scenario module directly;
    nothing in the scenarios, the shared rules or the core imports them."""
    from test_kit_layers import ALL, CORE, SCENARIOS, SHARED, _show, _under

    up = [i for i in ALL if _under(i.module, ("bankxl.crossview",)) and _under(i.target, SCENARIOS + ("xlwings",))]
    down = [i for i in ALL if _under(i.module, CORE + SHARED + SCENARIOS + ("bankxl.runner",))
            and _under(i.target, ("bankxl.crossview",))]
    assert not up and not down, _show(up + down)
    assert any(_under(i.module, ("bankxl.crossview",)) and i.target == "bankxl.runner" for i in ALL)


def _cells(folder) -> dict:
    """Every cell value of every sheet of every workbook under ``folder`` (openpyxl), by relative path and sheet;
    运行情况's 用时(秒) (seconds taken, differs run to run) left out."""
    import openpyxl

    out = {}
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            rows = [[c.value for c in r] for r in ws.iter_rows()]
            if ws.title == "运行情况":
                hdr = next(i for i, r in enumerate(rows) if "用时(秒)" in r)
                j = rows[hdr].index("用时(秒)")
                rows = [r[:j] + r[j + 1:] if i >= hdr else r for i, r in enumerate(rows)]
            out[(str(path.relative_to(folder)), ws.title)] = rows
    return out


def _parallel_case(tmp_path, scenarios, jobs, **kw):
    return run_all([bank()], tmp_path / f"j{jobs}", scenarios=list(scenarios), as_of=AS_OF, jobs=jobs,
                   contacts=pd.DataFrame({"客户号": ["K8"], "联系日期": ["2026-11-25"]}), **kw)


def test_parallel_run_writes_the_same_cells_as_sequential(tmp_path):
    """jobs=2 (forked workers) against jobs=1 on the hand bank, --by manager too: the same files, every sheet's
    cells equal (openpyxl), runs in registry order with the same statuses, reasons and paths; the cross views
    built from what the workers sent back (for_cross_views) list the same tasks."""
    from bankxl.crossview.runall import fork_available

    if not fork_available():
        pytest.skip("no fork on this platform: run all is sequential there")
    one = _parallel_case(tmp_path, (XA, XB, XC, XD, XE), 1, by="manager")
    two = _parallel_case(tmp_path, (XA, XB, XC, XD, XE), 2, by="manager")
    assert [(r.spec.code, r.status, r.reason) for r in two.runs] == [(r.spec.code, r.status, r.reason)
                                                                      for r in one.runs]
    assert [r.status for r in two.runs] == [RAN, RAN, RAN, RAN, SKIPPED]
    assert [p.relative_to(tmp_path / "j2") for p in two.paths] == [p.relative_to(tmp_path / "j1") for p in one.paths]
    a, b = _cells(tmp_path / "j1"), _cells(tmp_path / "j2")
    assert len(a) > 20 and a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    # as test_task_list_by_hand, but no 免打扰名单 here: K6 (XA B 41) is marketed last
    assert two.tasks.meta["crossview_tasks"]["tasks"]["客户号"].tolist() == ["K1", "K9", "K3", "K6"]
    # the workers' reports carry only the per-customer tables (charts, summaries and notes stay in the file)
    assert all(b.role for r in two.runs if r.report for sh in r.report.sheets for b in sh.blocks)


def test_parallel_run_equals_sequential_on_real_scenarios(tmp_path):
    """Five registered scenarios (lists, a risk list, a credit-report list, tags, D2's pivot) on a 300-customer
    sample bank written as CSV: jobs=2 writes the same cells as jobs=1 in every report and both cross views."""
    from bankxl.crossview.runall import fork_available
    from bankxl.sample import make_sample_bank
    from bankxl.scenario import get_scenario

    if not fork_available():
        pytest.skip("no fork on this platform: run all is sequential there")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, df in make_sample_bank(customers=300, seed=7, as_of=AS_OF).items():
        df.to_csv(folder / f"{name}.csv", index=False)
    specs = [get_scenario(c) for c in ("D2", "D3", "C3", "C8", "R1")]
    files = sorted(folder.iterdir())
    res = {j: run_all(files, tmp_path / f"j{j}", scenarios=specs, as_of=AS_OF, jobs=j) for j in (1, 2)}
    assert [r.status for r in res[2].runs] == [r.status for r in res[1].runs] == [RAN] * 5
    a, b = _cells(tmp_path / "j1"), _cells(tmp_path / "j2")
    assert len(a) > 30 and a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key


def test_a_scenario_error_in_a_worker_is_reported_as_in_a_sequential_run(tmp_path):
    """A BankxlError (出错) and a bug (内部错误) inside worker processes: the same statuses and reasons as one after the
    other, the other scenarios ran and were written, exit code 1, the task list still built."""
    from bankxl.crossview.runall import fork_available

    if not fork_available():
        pytest.skip("no fork on this platform: run all is sequential there")

    bad, crash = _failing_scenarios()
    got = {j: _parallel_case(tmp_path, (XA, bad, crash, XB), j) for j in (1, 2)}
    for j in (1, 2):
        assert [r.status for r in got[j].runs] == [RAN, FAILED, CRASHED, RAN]
        assert got[j].exit_code == 1 and got[j].tasks is not None
        assert sorted(p.name for p in (tmp_path / f"j{j}").iterdir()) == [
            "XA_XA场景.xlsx", "XB_XB场景.xlsx", "客户画像.xlsx", "营销任务清单.xlsx"]
    assert [r.reason for r in got[2].runs] == [r.reason for r in got[1].runs]
    assert got[2].runs[1].reason.startswith("坏数据") and got[2].runs[2].reason == "ZeroDivisionError: x"


def test_a_worker_that_dies_is_an_internal_error_not_a_hang(tmp_path):
    """A worker process that ends abruptly (as the kernel's out-of-memory killer would end it) while the other
    worker is writing a report: the pool ends that one too; both scenarios are 内部错误 naming the broken pool
    (Chinese + English), run all returns (exit 1) and no temporary file is left (XW's half-written .tmp was left
    behind before the workers removed theirs on SIGTERM)."""
    import os
    import time

    from bankxl.crossview.runall import fork_available

    if not fork_available():
        pytest.skip("no fork on this platform: run all is sequential there")
    out = tmp_path / "j2"

    def big(tables, p, ctx):  # a report that takes about a second to write
        n = 150_000
        return Report("XW", sheets=[Sheet("大表", [Table(pd.DataFrame({"a": range(n), "b": ["文本"] * n}),
                                                          name="big")])])

    def die(tables, p, ctx):  # dies while XW's temporary file is being written
        end = time.monotonic() + 60
        while time.monotonic() < end and not list(out.glob(".XW*.tmp")):
            time.sleep(0.001)
        os._exit(9)

    xw = Scenario(id="test.xw", code="XW", title="大", group="信贷营销", inputs=("customers",), params=P, run=big)
    dead = Scenario(id="test.dead", code="XK", title="死", group="信贷营销", inputs=("customers",), params=P, run=die)
    res = _parallel_case(tmp_path, (xw, dead), 2)
    assert [r.status for r in res.runs] == [CRASHED, CRASHED]
    for r in res.runs:
        assert "BrokenProcessPool" in r.reason
        assert r.reason.startswith("工作进程意外终止") and "--jobs 1" in r.reason
    assert res.exit_code == 1
    assert [p.name for p in out.iterdir()] == []


def test_jobs_is_checked_before_any_load(tmp_path, monkeypatch):
    """--jobs 0 / -1 / 1.5 stop with a ParameterError before a file is read; the default (None) is the cores, one
    worker per resident size of memory available, never more than the scenarios to run."""
    from bankxl.crossview.runall import fork_available, resolve_jobs

    calls = []
    monkeypatch.setattr(bio, "load_frame", lambda *a, **k: calls.append(1))
    for bad in (0, -1, 1.5):
        with pytest.raises(ParameterError, match="--jobs"):
            run(tmp_path, jobs=bad)
    assert calls == [] and not (tmp_path / "out").exists()
    monkeypatch.setattr("bankxl.engine.duck._cores", lambda: 8)
    if fork_available():
        assert resolve_jobs(None) == 8 and resolve_jobs(None, tasks=3) == 3 and resolve_jobs(3) == 3
        assert resolve_jobs(None, memory=(4 << 30, 10 << 30)) == 2  # 10 GB available / 4 GB resident
        assert resolve_jobs(None, memory=(4 << 30, 3 << 30)) == 1 and resolve_jobs(5, memory=(4 << 30, 1)) == 5
        assert resolve_jobs(None, engine=object()) == 1  # e.g. a Spark engine: not forked
    else:
        assert resolve_jobs(None) == 1 and resolve_jobs(4) == 1


def test_cross_view_write_error_is_raised_with_parallel_writes(tmp_path, monkeypatch):
    """The two cross views (and --by parts) are written by forked workers when jobs > 1: a write that fails raises
    the same BankxlError as with jobs=1, and every other file the run wrote is complete."""
    import bankxl.crossview.runall as ra
    from bankxl.errors import BankxlError
    from bankxl.crossview.runall import fork_available

    if not fork_available():
        pytest.skip("no fork on this platform: run all is sequential there")
    real = ra.write_report

    def failing(report, path):
        if path.name == "营销任务清单.xlsx":
            raise BankxlError("写不了", "cannot write")
        return real(report, path)

    monkeypatch.setattr(ra, "write_report", failing)
    for j in (1, 2):
        with pytest.raises(BankxlError, match="写不了"):
            _parallel_case(tmp_path, (XA, XB), j, by="manager")
        names = sorted(p.name for p in (tmp_path / f"j{j}").iterdir() if p.is_file())
        assert "营销任务清单.xlsx" not in names and {"XA_XA场景.xlsx", "XB_XB场景.xlsx"} <= set(names)
        assert not [n for n in names if n.endswith(".tmp")]


def test_an_empty_or_unreadable_file_fails_only_its_table(tmp_path):
    """Part D item 2 (breaker finding): ONE 0-byte CSV in the input folder stopped the whole run. Now the file that
    cannot be opened fails only the table its name names: 定期存款明细.csv (0 bytes) -> XH (needs it) is skipped with
    the reason naming the file, XA (optional there) runs; a 0-byte workbook 空.xlsx (names no table) and a prose
    笔记.txt fail nothing; the table that cannot be read gets one 未能读取 line naming its file, the two files that
    name no table one 未使用 line each (Part D2 item 2: 空.xlsx was 未能读取 failed 空.xlsx, 笔记.txt said nothing).
    Exit code 0 as for any skipped scenario; 2 when the only scenario asked for needed the empty file (nothing ran)."""
    src = tmp_path / "in"
    src.mkdir()
    b = bank()
    b["客户"].to_csv(src / "客户.csv", index=False)
    (src / "定期存款明细.csv").write_bytes(b"")
    (src / "空.xlsx").write_bytes(b"")
    (src / "笔记.txt").write_text("这是说明文件\n本文件夹是十一月的导出数据, 请勿修改。\n", encoding="utf-8")
    files = sorted(src.iterdir())
    xh = Scenario(id="test.xh", code="XH", title="XH场景", group="存款营销", inputs=("time_deposits",), params=P,
                  run=_list_run("XH", {}))
    said: list[str] = []
    res = run_all(files, tmp_path / "o", scenarios=[XA, xh], as_of=AS_OF, progress=said.append)
    assert [r.status for r in res.runs] == [RAN, SKIPPED] and res.exit_code == 0
    assert res.runs[1].reason == ("输入表「定期存款明细」(time_deposits) 未能读取: 文件 定期存款明细.csv 为空(没有表头也没有数据)。"
                                  "请检查导出是否成功。")
    failed = [s for s in said if s.startswith(("  未能读取 failed", "  未使用 not used"))]
    assert failed == [
        "  未使用 not used: 空.xlsx: 文件 空.xlsx 不是有效的 Excel 工作簿(可能是网页/HTML 导出或文件已损坏), 请在 Excel 中另存为 "
        ".xlsx 后再试。 File 空.xlsx is not a valid Excel workbook (perhaps a web-page/HTML export or a damaged file); "
        "open it in Excel, save it as .xlsx and try again.",
        f"  未使用 not used: 笔记.txt: {NO_TABLE}",
        "  未能读取 failed time_deposits: 文件 定期存款明细.csv 为空(没有表头也没有数据)。请检查导出是否成功。 "
        "File 定期存款明细.csv is empty (no header, no data); check the export."]
    assert run_all(files, tmp_path / "o2", scenarios=[xh], as_of=AS_OF).exit_code == 2
    with pytest.raises(DataValidationError, match="定期存款明细.csv 为空"):  # one table asked for: still an error
        bio.read_tables(files, ["time_deposits"])


#: the reason of a file that names no table and whose header fits none (bankxl.io._not_used)
NO_TABLE = ("名称不是标准表名(如 定期存款明细、客户), 表头也不符合本次读取的表, 未读取其中数据。 its name is no table name and its "
            "header fits none of the tables read; nothing was read from it.")


def test_files_that_name_no_table_and_give_none_get_one_line_each(tmp_path):
    """Part D2 item 2: a file in the input folder that names no table and gave none was ignored without a word —
    a prose README.txt, random bytes saved as 导出.csv, a damaged 备份.parquet. Now each gets one line
    '未使用 not used: <file>: <reason>' (no error; the scenarios run): README.txt's reason is that its name and header
    are no table's, 导出.csv's the encoding it cannot be read in, 备份.parquet's (random bytes) and 截断.parquet's
    (a real Parquet file cut short: its last bytes are not the footer) that they are no valid Parquet file; a
    workbook of unrelated sheets only (备注.xlsx) gets its line too, as a whole file, while the unrelated sheet 备注 of
    the used workbook 客户.xlsx stays unmentioned, as before. A copy of 定期存款明细 under another name
    (存款副本.csv) fits that table (and 客户: 客户号, 机构号 …) by its header, but both were read from other files: said
    so."""
    import duckdb

    src = tmp_path / "in"
    src.mkdir()
    b = bank()
    with pd.ExcelWriter(src / "客户.xlsx") as w:
        b["客户"].to_excel(w, sheet_name="客户", index=False)
        pd.DataFrame({"说明": ["十一月导出"]}).to_excel(w, sheet_name="备注", index=False)
    b["定期存款明细"].to_csv(src / "定期存款明细.csv", index=False)
    b["定期存款明细"].to_csv(src / "存款副本.csv", index=False)
    pd.DataFrame({"事项": ["核对余额"], "负责人": ["张三"]}).to_excel(src / "备注.xlsx", index=False)
    (src / "README.txt").write_text("这是说明文件\n本文件夹是十一月的导出数据, 请勿修改。\n", encoding="utf-8")
    (src / "导出.csv").write_bytes(bytes(range(256)) * 40)
    (src / "备份.parquet").write_bytes(b"PAR1" + bytes(range(200)))
    good = src / "good.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS a, 'x' AS b) TO '{good}' (FORMAT PARQUET)")
    (src / "截断.parquet").write_bytes(good.read_bytes()[:-3])
    good.unlink()
    said: list[str] = []
    res = run_all(sorted(src.iterdir()), tmp_path / "o", scenarios=[XA], as_of=AS_OF, progress=said.append)
    assert [r.status for r in res.runs] == [RAN] and res.exit_code == 0
    lines = [s for s in said if s.startswith(("  未使用", "  未能读取"))]
    assert lines == [
        "  未使用 not used: README.txt: " + NO_TABLE,
        "  未使用 not used: 备份.parquet: 文件 备份.parquet 不是有效的 Parquet 文件(或已损坏), 无法读取。 File 备份.parquet is "
        "not a valid Parquet file (or is damaged); cannot read it.",
        "  未使用 not used: 备注.xlsx: " + NO_TABLE,
        "  未使用 not used: 存款副本.csv: 表头符合表「客户」(customers), 该表已从 文件 客户.xlsx 工作表 客户 读取; 表「定期存款明细」"
        "(time_deposits), 该表已从 文件 定期存款明细.csv 读取。 its header fits table customers, read from 客户.xlsx; table "
        "time_deposits, read from 定期存款明细.csv.",
        "  未使用 not used: 导出.csv: 无法识别文件编码(已尝试 UTF-8、GB18030/GBK、UTF-16)。请另存为 UTF-8 CSV。 Cannot detect the "
        "file encoding (tried UTF-8, GB18030/GBK, UTF-16); save the file as UTF-8 CSV.",
        "  未使用 not used: 截断.parquet: 文件 截断.parquet 不是有效的 Parquet 文件(或已损坏), 无法读取。 File 截断.parquet is "
        "not a valid Parquet file (or is damaged); cannot read it."]
