"""E1 商户四级预警 on a hand-made set of merchants whose every level, list row and count is computed by hand.

Data date Mon 2026-11-30. Days: Jul 31, Aug 31, Sep 30, Oct 31, Nov 30. Amounts are 日均 × days (元); unless
said otherwise a merchant has rows Jun–Nov 2026 at 10,000 元/day, 入网 2020-01-01. Baseline B = mean 日均 of
the 3 months before; r = 1 − A/B (SCENARIOS.md E1); last month (Oct): B = Jul–Sep.

====  ==========================================================  ========================  ===========
M1    Nov 150,000 (30 days: 5,000/day) — §8 test vector            r = 50% → 二级            prev 正常
M2    Nov 7,000/day                                                r = 30% (含等号) → 一级    prev 正常
M3    Nov 7,010/day                                                r = 29.9% → 正常, 临界     prev 正常
                                                                   (gap 0.1%; slope (7,010 − 10,000)/2 / 9,003.33 = −16.6%)
M4    Nov 2,000/day                                                r = 80% → 三级            prev 正常
M5    Oct 6,500/day (r 35% on B 10,000), Nov 6,000/day             B = 8,833.33, r = 32.1%: 一级 by r, 连续 2 月
                                                                   ≥ 30% → 二级                prev 一级
M6    Nov 0 元, 0 笔; 最近交易日 2026-10-20                         四级, 41 天无交易          prev 正常
M7    rows 2025-10 … Jul 2026 at 10,000/day, Aug–Nov 0;            四级, 128 天 ≥ 90: 清退   prev 四级
      最近交易日 2026-07-25
M8    MCC 7991 景区, rows 2025-08 …: Oct 2025 22,000, Nov 2025     去年同期 r = 1 − 6,000/6,500 = 7.7% → 正常
      6,500; 2026 Aug 20,000, Sep 12,000, Oct 22,000, Nov 6,000    (前 3 月 would be 66.7%: 二级)  prev 正常
M9    入网 2026-10-10, rows Oct (22 days) and Nov                   观察期 (入网 < 3 个月)     prev 观察期
M10   no 入网日期; Aug–Oct 0 元 0 笔, Nov 50,000                    B = 0 → 观察期            prev 四级
M11   商户状态 注销; rows 2025-10 …; Nov 0                          已注销 (not warned)       prev 正常
M12   no Sep row                                                   B unknown → 数据不足       prev 数据不足
M13   Nov −3,000 元 (5 笔 refunds)                                  r = 1 + 100/10,000 = 101% → 三级  prev 正常
M14   Oct 9,000, Nov 8,500/day                                     B = 9,666.67, r = 12.1% → 正常; slope
                                                                   (8,500 − 10,000)/2 / 9,166.67 = −8.2% → 临界  prev 正常
====  ==========================================================  ========================  ===========
"""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario
from bankxl.xl import udfs as U

AS_OF = "2026-11-30"
MONTHS = pd.period_range("2025-08", "2026-11", freq="M")
FLAT = 10_000.0


def _daily() -> dict[str, dict[str, float]]:
    """Merchant -> {month 'YYYY-MM': 日均 元}; a month not listed has no row."""
    base = {f"2026-{m:02d}": FLAT for m in range(6, 12)}
    d = {f"M{i}": dict(base) for i in range(1, 15)}
    d["M1"]["2026-11"] = 5_000.0
    d["M2"]["2026-11"] = 7_000.0
    d["M3"]["2026-11"] = 7_010.0
    d["M4"]["2026-11"] = 2_000.0
    d["M5"].update({"2026-10": 6_500.0, "2026-11": 6_000.0})
    d["M6"]["2026-11"] = 0.0
    d["M7"] = {**{f"{p:%Y-%m}": FLAT for p in pd.period_range("2025-10", "2026-07", freq="M")},
               **{f"2026-{m:02d}": 0.0 for m in (8, 9, 10, 11)}}
    d["M8"] = {f"{p:%Y-%m}": 15_000.0 for p in MONTHS}
    d["M8"].update({"2025-10": 22_000.0, "2025-11": 6_500.0, "2026-08": 20_000.0, "2026-09": 12_000.0,
                    "2026-10": 22_000.0, "2026-11": 6_000.0})
    d["M9"] = {"2026-10": FLAT * 22 / 31, "2026-11": FLAT}  # 22 of 31 days open: 7,096.77/day over the month
    d["M10"] = {"2026-08": 0.0, "2026-09": 0.0, "2026-10": 0.0, "2026-11": 50_000 / 30}
    d["M11"] = {**{f"{p:%Y-%m}": FLAT for p in pd.period_range("2025-10", "2026-10", freq="M")}, "2026-11": 0.0}
    del d["M12"]["2026-09"]
    d["M13"]["2026-11"] = -100.0
    d["M14"].update({"2026-10": 9_000.0, "2026-11": 8_500.0})
    return d


def monthly() -> pd.DataFrame:
    rows = []
    for mch, months in _daily().items():
        for ym, daily in months.items():
            p = pd.Period(ym, "M")
            amount = round(daily * p.days_in_month, 2)
            count = 5 if mch == "M13" and ym == "2026-11" else (0 if amount == 0 else int(abs(amount) // 100) + 1)
            rows.append((mch, p.to_timestamp(), count, amount))
    df = pd.DataFrame(rows, columns=["mch_id", "month", "txn_count", "amount"])
    return df.astype({"mch_id": "string", "txn_count": "Int64"})


def merchants() -> pd.DataFrame:
    ids = [f"M{i}" for i in range(1, 15)]
    opened = {"M9": "2026-10-10", "M10": None}
    last = {"M6": "2026-10-20", "M7": "2026-07-25"}
    df = pd.DataFrame({
        "mch_id": ids, "mch_name": [f"商户{i}" for i in ids],
        "mcc": ["7991" if i == "M8" else "5812" for i in ids],
        "org_id": ["N1" if i in ("M1", "M2", "M3", "M4", "M5", "M6", "M7") else "N2" for i in ids],
        "mgr_id": ["E1"] * 14,
        "open_date": pd.to_datetime([opened.get(i, "2020-01-01") for i in ids]),
        "status": ["注销" if i == "M11" else "正常" for i in ids],
        "legal_id": ["11010519491231002X" if i == "M1" else None for i in ids],
        "last_txn_date": pd.to_datetime([last.get(i) for i in ids]),
    })
    return df.astype({c: "string" for c in ("mch_id", "mch_name", "mcc", "org_id", "mgr_id", "status", "legal_id")})


def bank() -> dict:
    return {"merchant_monthly": monthly(), "merchants": merchants()}


LEVELS = {"M1": "二级", "M2": "一级", "M3": "正常", "M4": "三级", "M5": "二级", "M6": "四级", "M7": "四级",
          "M8": "正常", "M9": "观察期", "M10": "观察期", "M11": "已注销", "M12": "数据不足", "M13": "三级", "M14": "正常"}
PREV = {"M1": "正常", "M2": "正常", "M3": "正常", "M4": "正常", "M5": "一级", "M6": "正常", "M7": "四级", "M8": "正常",
        "M9": "观察期", "M10": "四级", "M11": "正常", "M12": "数据不足", "M13": "正常", "M14": "正常"}


@pytest.fixture(scope="module")
def report():
    return execute("ebank.merchant_warning", bank(), as_of=AS_OF)


def _detail(rep) -> pd.DataFrame:
    return rep.tables()["e1_detail"].df.set_index("商户号")


@pytest.mark.golden("ebank.merchant_warning")
def test_levels_list_and_transitions_by_hand(report):
    """Golden case: the levels of the module docstring (every level, each boundary, seasonal 去年同期, new,
    closed, unknown), the list's order, scores, reasons, actions and due dates, and the transition matrix."""
    det = _detail(report)
    assert det["本月等级"].to_dict() == LEVELS
    assert det["上月等级"].to_dict() == PREV
    assert det.loc["M1", "下降率"] == pytest.approx(0.5) and det.loc["M1", "基线日均(元)"] == 10_000
    assert det.loc["M2", "下降率"] == pytest.approx(0.3) and det.loc["M3", "下降率"] == pytest.approx(0.299)
    assert det.loc["M5", "基线日均(元)"] == pytest.approx(8_833.33) and det.loc["M5", "下降率"] == pytest.approx(
        1 - 6_000 / (26_500 / 3))
    assert det.loc["M8", "基线口径"] == "去年同期" and det.loc["M8", "下降率"] == pytest.approx(1 - 6_000 / 6_500)
    assert det.loc["M13", "下降率"] == pytest.approx(1.01)
    assert det.loc["M6", "连续无交易天数"] == 41 and det.loc["M7", "连续无交易天数"] == 128

    lst = report.tables()["e1_warning_list"].df
    assert lst["客户号"].tolist() == ["M6", "M7", "M13", "M4", "M1", "M5", "M2"]  # 得分, then 下降金额 (元)
    assert lst["等级"].tolist() == ["四级", "四级", "三级", "三级", "二级", "二级", "一级"]
    assert lst["得分"].tolist() == [40.0, 40.0, 30.0, 30.0, 20.0, 20.0, 10.0]
    assert lst["当月下降金额(元)"].tolist() == pytest.approx([300_000, 0, 303_000, 240_000, 150_000, 85_000, 90_000])
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-03"] * 2 + ["2026-12-07"] * 4 + ["2026-12-14"]
    assert lst["监测频率"].tolist() == ["日", "日", "日", "日", "周", "周", "双周"]
    row = lst.set_index("客户号")
    assert row.loc["M5", "原因"] == "当月日均较前3月下降 32.1%(基线 8,833 → 当月 6,000 元/日)；连续 2 个月下降率 ≥ 30%"
    assert row.loc["M6", "原因"] == "当月无交易(已连续 41 天无交易)"
    assert row.loc["M7", "建议动作"] == "核实是否停业/撤机; 连续无交易已达 90 天, 建议清退/收回机具"
    assert row.loc["M1", "建议动作"] == "上门走访, 了解经营变化(下降 50.0%)"
    assert row.loc["M1", "法人证件号码(脱敏)"] == "110105********002X"

    near = report.tables()["e1_near_list"].df
    assert near["客户号"].tolist() == ["M3", "M14"] and near["得分"].tolist() == [30.0, 10.0]
    assert near["原因"].iloc[0] == "下降率 29.9%, 距一级门槛仅 0.1%；近 3 月日均持续下降(每月 -16.6%)"

    m = report.tables()["e1_transitions"].df.set_index("上月等级 \\ 本月等级")
    hand = pd.crosstab(pd.Series(PREV), pd.Series(LEVELS))
    for (a, b), k in hand.stack().items():
        assert m.loc[a, b] == k, (a, b)
    assert m["合计"].sum() == 14 and m.loc["正常", "三级"] == 2 and m.loc["一级", "二级"] == 1
    assert m.loc["四级", "观察期"] == 1 and m.loc["正常", "已注销"] == 1

    tags = report.tables()["customer_tags"].df
    assert sorted(tags.loc[tags["标签代码"] == "E1_MERCHANT_WARNING", "客户号"]) == sorted(lst["客户号"])
    assert sorted(tags.loc[tags["标签代码"] == "E1_NEAR_THRESHOLD", "客户号"]) == ["M14", "M3"]


def test_section8_vector_through_e1_and_the_formula_is_one_implementation(report):
    """§8: baseline 10,000 元/day, this month 30 days 150,000 元 -> r = 50% -> 二级, by E1 and by
    BANKXL_MERCHANT_LEVEL; and for every merchant whose level the rule alone decides, the formula on its
    Jul–Nov amounts gives E1's level."""
    vols = np.array([[310_000, 300_000, 310_000, 150_000]], dtype=object)  # Aug 31, Sep 30, Oct 31 days × 10,000
    assert U.BANKXL_MERCHANT_LEVEL(vols, "2026-11-30") == [["二级"]]
    assert U.BANKXL_MERCHANT_DROP(vols, "2026-11-30") == [[pytest.approx(0.5)]]
    det = _detail(report)
    assert det.loc["M1", "本月等级"] == "二级" and det.loc["M1", "下降率"] == pytest.approx(0.5)
    mm = monthly()
    mm = mm[mm["month"] >= "2026-07-01"]
    ids = ["M1", "M2", "M3", "M4", "M5", "M6", "M13", "M14"]
    wide = mm.pivot(index="mch_id", columns="month", values="amount").loc[ids]
    got = [r[0] for r in U.BANKXL_MERCHANT_LEVEL(wide.to_numpy(dtype=object), "2026-11-15")]
    assert got == [LEVELS[i] for i in ids]


def test_formula_blank_baseline_month_is_unknown_not_new():
    """A blank cell among the 3 baseline months is unknown: the formula gives a blank, not 观察期 (which means
    a baseline of 0); a zero baseline is still 观察期. Failed before the shared rule: 观察期 for the blank."""
    blank = np.array([[300, np.nan, 300, 200], [0, 0, 0, 200]], dtype=object)
    assert [r[0] for r in U.BANKXL_MERCHANT_LEVEL(blank)] == ["", "观察期"]


def test_annual_churn_rate_by_hand(report):
    """2026 (to 2026-11-30): 年初活跃 = a transaction Oct–Dec 2025 (the data reach back only for M7, M8, M11):
    M7, M8, M11; 年内新增: M9 (入网 2026-10-10); the others' start is unknown (no rows before 2026-06) and not
    counted. 流失: M7 (128 ≥ 90 days without transaction), M11 (注销) -> 2 / (3 + 1) = 50%."""
    churn = report.tables()["e1_churn"].df.set_index("网点")
    assert churn.loc["全行", ["年初活跃", "年内新增", "考察商户", "年内流失"]].tolist() == [3, 1, 4, 2]
    assert churn.loc["全行", "流失率"] == pytest.approx(0.5)
    assert churn.loc["N1", "年内流失"] == 1 and churn.loc["N2", "年内流失"] == 1


def test_missing_month_as_zero_and_one_monthly_sheet_with_merchant_columns(tmp_path):
    """缺月按无交易 = 是: M12's missing September counts as 0, so B = (10,000 × 31 + 0 + 10,000 × 31) / 3 days-wise
    = 6,666.67 and r = 1 − 10,000/6,666.67 < 0 -> 正常. One monthly CSV that carries the merchant columns
    (网点, MCC, 入网日期, 商户状态, 最近交易日) gives the same levels as the two tables."""
    rep = execute("ebank.merchant_warning", bank(), {"missing_as_zero": "是"}, as_of=AS_OF)
    assert _detail(rep).loc["M12", "本月等级"] == "正常"
    assert _detail(rep).loc["M12", "基线日均(元)"] == pytest.approx(20_000 / 3, abs=0.01)

    mm = monthly().merge(merchants(), on="mch_id")
    heads = {"mch_id": "商户号", "month": "月份", "txn_count": "交易笔数", "amount": "交易金额", "mch_name": "商户名称",
             "mcc": "MCC", "org_id": "网点", "mgr_id": "客户经理", "open_date": "入网日期", "status": "商户状态",
             "legal_id": "法人证件号", "last_txn_date": "最近交易日"}
    path = tmp_path / "商户月报.csv"
    out = mm.rename(columns=heads)
    out["月份"] = out["月份"].dt.strftime("%Y-%m")
    out.to_csv(path, index=False, encoding="utf-8-sig")
    res = run_scenario("ebank.merchant_warning", [path], tmp_path / "e1.xlsx", as_of=AS_OF)
    assert _detail(res.report)["本月等级"].to_dict() == LEVELS


@pytest.mark.parametrize("name,value", [("drop_edges", "0.5,0.3,0.8"), ("drop_edges", "0.3,0.5"),
                                        ("exit_days", "20"), ("streak_months", "1"),
                                        ("levels", '[["一级", 40], ["二级", 30], ["三级", 20], ["四级", 10]]'),
                                        ("monitoring", '[["正常", "月"], ["一级", ""]]'),
                                        ("closed_status", "注销(")])
def test_bad_parameters_stop_before_any_input_is_read(name, value):
    def refuse(*_a, **_k):
        raise AssertionError("an input was read before the parameters were checked")

    with mock.patch.object(bio, "read_tables", refuse), pytest.raises(ParameterError) as e:
        run_scenario("ebank.merchant_warning", [Path("never_read.xlsx")], None, params={name: value}, as_of=AS_OF)
    assert name in str(e.value)


def test_sample_bank_has_every_level():
    """The sample bank's planted trajectories give every level, 临界, seasonal merchants on 去年同期 and a churn
    rate (lost = dormant + closed merchants)."""
    from bankxl.sample import make_sample_bank
    from bankxl.sample.merchants import PROFILES  # noqa: F401 - the planted profiles

    b = make_sample_bank(customers=2000)
    rep = execute("E1", {k: b[k] for k in ("merchants", "merchant_monthly")}, as_of=AS_OF)
    det = _detail(rep)
    assert {"正常", "一级", "二级", "三级", "四级", "观察期", "数据不足", "已注销"} <= set(det["本月等级"])
    assert (det["基线口径"] == "去年同期").sum() >= 5
    assert len(rep.tables()["e1_near_list"].df) > 0
    import stdnum.cn.uscc as uscc

    assert b["merchants"]["uscc"].map(uscc.is_valid).all()


def test_mid_month_data_date_counts_the_days_so_far():
    """Data date 2026-11-15: November counts 15 days. M1 with 75,000 元 so far = 5,000/day against 10,000/day
    -> r = 50% -> 二级 (over 30 days it would read 2,500/day, r = 75%)."""
    b = bank()
    mm = b["merchant_monthly"]
    mm.loc[(mm["mch_id"] == "M1") & (mm["month"] == "2026-11-01"), "amount"] = 75_000.0
    rep = execute("ebank.merchant_warning", b, as_of="2026-11-15")
    det = _detail(rep)
    assert det.loc["M1", "下降率"] == pytest.approx(0.5) and det.loc["M1", "当月日均(元)"] == 5_000
    assert det.loc["M1", "本月等级"] == "二级"


def test_repeated_month_and_zero_count_with_amount_are_data_problems():
    """A second M2 row for November (the last one kept, as the loader does: 9,000/day -> r = 10% -> 正常) is
    DUP_KEY; M14's October with 笔数 0 but 金额 279,000 is MCH_COUNT_ZERO and still a month with transactions."""
    b = bank()
    mm = b["merchant_monthly"]
    extra = mm[(mm["mch_id"] == "M2") & (mm["month"] == "2026-11-01")].assign(amount=270_000.0)
    mm.loc[(mm["mch_id"] == "M14") & (mm["month"] == "2026-10-01"), "txn_count"] = 0
    b["merchant_monthly"] = pd.concat([mm, extra], ignore_index=True)
    rep = execute("ebank.merchant_warning", b, as_of=AS_OF)
    det = _detail(rep)
    assert det.loc["M2", "本月等级"] == "正常" and det.loc["M2", "下降率"] == pytest.approx(0.1)
    assert det.loc["M14", "本月等级"] == "正常" and det.loc["M14", "上月等级"] == "正常"
    codes = rep.problems.to_frame()["问题码"].tolist()
    assert codes.count("DUP_KEY") == 1 and codes.count("MCH_COUNT_ZERO") == 1


def test_headline_figures_by_hand(report):
    """概览: 预警 now M1 M2 M4 M5 M6 M7 M13 = 7, last month M5 (一级) M7 M10 (四级) = 3; 三级+四级 now M4 M13 M6 M7
    = 4, last month M7 M10 = 2; 临界 M3 M14 = 2; November amounts sum to 1,892,300 元 = 189.23 万元 (October:
    7 × 310,000 + 201,500 + 682,000 + 220,000 + 310,000 + 279,000 = 3,862,500 = 386.25 万元); churn 50%."""
    h = report.headline
    got = [(f.label, f.value, f.compare) for f in h.figures]
    assert [g[1] for g in got[:3]] == [7, 4, 2] and [g[2] for g in got[:2]] == [3, 2]
    assert got[3][1] == pytest.approx(189.23) and got[3][2] == pytest.approx(386.25)
    assert got[4][1] == pytest.approx(0.5)
    assert h.actions == "e1_warning_list"


def test_merchant_scenarios_repeat_no_function_of_the_shared_rules():
    """Issue 12 review: E1 kept its own copy of the merchants × months setup (DUP_KEY / MCH_COUNT_ZERO, the
    attribute merge) and E2/C4 each a copy of the 注销 test and the known-zero volumes. No function body (its
    statements, docstring left out, as the AST prints them) of the E1/E2/C4 packages may equal another one of
    them or one of bankxl.rules.merchants / merchant_data; and E1 reads the data through merchant_months."""
    import ast
    import importlib
    import inspect

    names = ["bankxl.rules.merchant_data", "bankxl.rules.merchants",
             *[f"bankxl.scenarios.{p}{m}" for p in ("ebank.merchant_warning", "ebank.merchant_stars",
                                                   "credit.merchant_credit") for m in ("", ".compute")]]
    mods = [importlib.import_module(n) for n in names]  # modules (a package's `compute` attribute is a function)
    md, e1, e1c = mods[0], mods[2], mods[3]
    seen: dict[str, str] = {}
    for mod in mods:
        for node in ast.walk(ast.parse(inspect.getsource(mod))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                key = ast.dump(ast.Module(body=body, type_ignores=[]))
                where = f"{mod.__name__}.{node.name}"
                assert key not in seen, f"{where} repeats {seen.get(key)}"
                seen[key] = where
    assert e1.merchant_months is md.merchant_months and not hasattr(e1c, "matrices")
