"""Issue 9 items 4–5 for C3: the 他行贷款置换 list on bankxl.lists (rules, levels, 策略表, working-day due dates,
stated tie-break, unknown factors under 未计算因素) and the C3 tags on the shared 客户标签 sheet (bankxl.tags).

Data: the hand-built flows of tests/test_c3_other_bank_loans.py (C001 他行房贷 5,000/month × 6, C002 等额月供
3,000 (median), C011 one 还贷 of 1,800, C005 借呗, C006 three lenders, C007 card repayments) plus, here,
C001's own deposits (60,000) and products (信用卡, 手机银行). Every value below is worked out in the comments.
"""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.lists import LIST_COLUMNS
from bankxl.runner import execute
from bankxl.scenario import make_params
from bankxl.scenarios.credit.other_bank_loans import OtherBankLoanParams
from bankxl.tags import TAG_HEADERS
from tests.test_c3_other_bank_loans import AS_OF, CUSTOMERS, LOANS, TXN, _txn

R = 0.04 / 12


def by_sum(m: float, n: int) -> float:
    """Annuity principal by discounting each payment (second method): Σ_{k=1..n} m/(1+r)^k."""
    return sum(m / (1 + R) ** k for k in range(1, n + 1))


def _s(values):
    return pd.array(values, dtype="string")


def tables(**more):
    td = pd.DataFrame({"acct_no": _s(["d1"]), "cust_id": _s(["C001"]), "balance": [60_000.0]})
    holdings = pd.DataFrame({"cust_id": _s(["C001", "C001", "C005"]), "product": _s(["信用卡", "手机银行", "结算账户"]),
                             "held": pd.array([True, True, True], dtype="boolean")})
    return {"customers": CUSTOMERS, "transactions": TXN, "loans": LOANS, "time_deposits": td,
            "product_holdings": holdings, **more}


def _run(params=None, **more):
    return execute("credit.other_bank_loans", tables(**more), params, as_of=AS_OF)


def test_replacement_list_levels_reasons_actions_due_dates_by_hand():
    rep = _run()
    lst = rep.tables()["c3_replacement"].df
    assert set(LIST_COLUMNS) <= set(lst.columns)
    df = lst.set_index("客户号")
    # C001: size 40 × 493,850.87/1e6 = 19.754 + 代发 20 + 存款 15 × min(60,000/50,000, 1) = 15 + 信用卡 5 + 手机银行 5
    #       = 64.754 -> 64.8 ≥ 60: A.  C011 (代发, one 1,800 还贷, 其他贷款 36 期): 40 × P/1e6 + 20 -> C (< 40).
    #       C002 (no 代发, 3,000 等额月供, 36 期): 40 × P/1e6 -> C.
    s1 = 40 * by_sum(5000, 120) / 1e6 + 20 + 15 + 5 + 5
    s11 = 40 * by_sum(1800, 36) / 1e6 + 20
    s2 = 40 * by_sum(3000, 36) / 1e6
    assert df["得分"].to_dict() == pytest.approx({"C001": round(s1, 1), "C011": round(s11, 1), "C002": round(s2, 1)})
    assert df["等级"].to_dict() == {"C001": "A", "C011": "C", "C002": "C"}
    assert list(lst["客户号"]) == ["C001", "C011", "C002"] and list(lst["排名"]) == [1, 2, 3]
    # 原因: the other-bank loan first (why the customer is on the list), then the top 3 scored reasons by points:
    # 代发 20, 规模 19.754, 存款 15 (信用卡 5 and 手机银行 5 are the 4th and 5th)
    assert df.loc["C001", "原因"] == ("他行(中国建设银行)房贷月供约 5,000 元, 连续 6 个月；本行代发；"
                                    f"按 120 期估算本金约 {by_sum(5000, 120):,.0f} 元；本行存款 60,000 元")
    # C002: the median month 3,000 over 4 months, only the size rule holds
    assert df.loc["C002", "原因"] == (f"他行(招商银行)其他贷款月供约 3,000 元, 连续 4 个月；"
                                    f"按 36 期估算本金约 {by_sum(3000, 36):,.0f} 元")
    # 建议动作 by the loan type (房贷 -> 本行个人住房贷款); 截止日 = 10th working day after Monday 2026-11-30
    assert df.loc["C001", "建议动作"].endswith("推荐本行个人住房贷款(按现行转按揭/存量房贷政策)")
    assert df.loc["C002", "建议动作"].endswith("推荐本行个人消费贷款")
    assert set(df["截止日"]) == {pd.Timestamp("2026-12-14")}
    # 理财 is nowhere in the data: not scored, named under 未计算因素 (代发/存款/信用卡/手机银行/贷款 are known)
    assert set(df["未计算因素"]) == {"理财"}
    assert (df.loc["C002", "代发"], df.loc["C002", "信用卡"]) == ("否", "否")
    # the rank rule is stated on the sheet and in 说明
    notes = " ".join(rep.notes)
    assert "同分按估算本金从高到低" in notes and "客户号升序" in notes


def test_strategy_and_levels_are_parameters():
    # A -> 3 working days (2026-12-03), C -> 20 (2026-12-28); B threshold 20 lifts C011 (22.x) to B
    strategy = '[["A", "面谈: {offer}", 3], ["B", "电话: {offer}", 5], ["C", "短信 {inst}", 20]]'
    rep = _run({"strategy": strategy, "等级门槛": '[["A", 60], ["B", 20], ["C", 0]]'})
    df = rep.tables()["c3_replacement"].df.set_index("客户号")
    assert df["等级"].to_dict() == {"C001": "A", "C011": "B", "C002": "C"}
    assert df.loc["C001", "建议动作"] == "面谈: 推荐本行个人住房贷款(按现行转按揭/存量房贷政策)"
    assert df.loc["C002", "建议动作"] == "短信 招商银行"
    assert df["截止日"].to_dict() == {"C001": pd.Timestamp("2026-12-03"), "C011": pd.Timestamp("2026-12-07"),
                                    "C002": pd.Timestamp("2026-12-28")}
    # a typo in a placeholder or thresholds out of order stop in the params check, before any input is read
    with pytest.raises(ParameterError, match=r"\{offer\}"):
        make_params(OtherBankLoanParams, {"strategy": '[["A", "{ofer}", 3], ["B", "x", 5], ["C", "y", 20]]'})
    with pytest.raises(ParameterError, match="从高到低"):
        make_params(OtherBankLoanParams, {"levels": '[["A", 40], ["B", 60], ["C", 0]]'})


def test_equal_scores_rank_by_principal_then_customer_number():
    # three 房贷 borrowers without 代发 (C002, C004, C006 have payroll_flag False) whose principal reaches
    # the full-size mark (P ≥ 1,000,000 -> 40 points each): ties broken by P (C004 20,000/month first), then 客户号
    rows = ([(c, f"2026-{m:02d}-15", amt, "D", "中国银行个贷中心", "中国银行", "房贷月供") for m in range(6, 12)
             for c, amt in (("C006", 15000.0), ("C004", 20000.0), ("C002", 15000.0))])
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS, "transactions": _txn(rows)}, as_of=AS_OF)
    lst = rep.tables()["c3_replacement"].df
    assert list(lst["得分"]) == [40.0, 40.0, 40.0]
    assert list(lst["客户号"]) == ["C004", "C002", "C006"]


def test_tags_on_the_shared_sheet():
    extra = _txn([("C006", "2026-11-08", 3000.0, "D", "中国银行", "中国银行", "个贷还款")])  # C006: 4 lenders, 多头
    rep = _run(transactions=pd.concat([TXN, extra], ignore_index=True))
    assert "标签" not in [s.name for s in rep.sheets] and "客户标签" in [s.name for s in rep.sheets]
    tags = rep.tables()["customer_tags"].df
    assert list(tags.columns) == list(TAG_HEADERS.values())
    assert set(tags["场景"]) == {"C3"} and set(tags["规则版本"]) == {rep.meta["rule_version"]}
    t = tags.set_index(["客户号", "标签代码"])
    lst = rep.tables()["c3_replacement"].df.set_index("客户号")
    # the list's own tag: value = 得分, level = 等级
    assert t.loc[("C001", "C3_REPLACEMENT"), "标签值"] == lst.loc["C001", "得分"]
    assert t.loc[("C001", "C3_REPLACEMENT"), "标签等级"] == "A"
    # 他行贷款: value = estimated monthly payment; no marketing level — C006 is 多头 (was tagged 营销 before)
    assert t.loc[("C001", "C3_OTHER_BANK_LOAN"), "标签值"] == 5000.0
    assert t.loc[("C006", "C3_OTHER_BANK_LOAN"), "标签值"] == 3000.0
    assert pd.isna(t.loc[("C006", "C3_OTHER_BANK_LOAN"), "标签等级"])
    assert ("C006", "C3_REPLACEMENT") not in t.index
    assert (t.loc[("C006", "C3_MULTI_LENDER"), "标签值"], t.loc[("C006", "C3_MULTI_LENDER"), "标签等级"]) == (4.0, "风险")
    assert (t.loc[("C005", "C3_ONLINE_LOAN"), "标签值"], t.loc[("C005", "C3_ONLINE_LOAN"), "标签等级"]) == (2.0, "关注")
    assert t.loc[("C007", "C3_CARD_REPAY"), "标签值"] == 7500.0
    assert sorted(set(tags["标签代码"])) == ["C3_CARD_REPAY", "C3_MULTI_LENDER", "C3_ONLINE_LOAN",
                                          "C3_OTHER_BANK_LOAN", "C3_REPLACEMENT"]


def test_online_and_multi_lists_text_vectorised():
    rep = _run()
    online = rep.tables()["c3_online"].df.set_index("客户号")
    # C006: three lenders in the window (2026-10-02..04), no 代发 -> 多头 risk hint. The reasons are joined with
    # ；like every §6 list's since the 网贷客户名单 is on bankxl.lists (was "; ")
    assert online.loc["C006", "原因"] == f"近 6 个月向 {online.loc['C006', '网贷机构']} 还款 3 笔；多头(3 家)"
    assert online.loc["C006", "建议动作"] == "风险提示: 纳入贷前/贷后关注, 不做营销"
    # C005 (代发 here): 借呗 twice, offered the bank's own consumer loan
    assert online.loc["C005", "原因"] == "近 6 个月向 蚂蚁借呗/花呗 还款 2 笔；本行代发"
    assert online.loc["C005", "建议动作"] == "推荐本行线上消费贷(利率对比), 引导以本行产品替代网贷"
    multi = rep.tables()["c3_multi"].df
    assert multi.loc[0, "原因"] == "同时向 3 家机构还款/借款"
