"""C9 挽回名单 on the shared list/tag mechanism (issue 9 items 4-5): levels, actions and due dates in working
days computed by hand for two customers of test_c9's six-loan frame; the stated tie-break (amount, then
finish date, then 客户号 — never input order); unknown factors (no holdings, no term, no amount) not scored
but listed; the 客户标签 sheet with the §6 columns."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import nth_workday_after
from test_c9_loan_churn import AS_OF, _frame, _run, six_loans

from bankxl.errors import ParameterError
from bankxl.lists import LIST_COLUMNS, UNKNOWN_COLUMN
from bankxl.scenario import make_params, params_hash
from bankxl.scenarios.credit.loan_churn import LoanChurnParams
from bankxl.tags import TAG_HEADERS


def winback(rep) -> pd.DataFrame:
    return rep.tables()["winback_list"].df.set_index("客户号")


def test_levels_actions_due_dates_and_reasons_by_hand():
    rep = _run(six_loans())
    wl = winback(rep)
    assert set(LIST_COLUMNS) <= set(wl.reset_index().columns)
    # c5 90 -> A (≥70), 5 working days; c1 35 -> C (≥0), 20 working days
    assert (wl.loc["c5", "得分"], wl.loc["c5", "等级"]) == (90, "A")
    assert (wl.loc["c1", "得分"], wl.loc["c1", "等级"]) == (35, "C")
    # 2022-12-31 is a Saturday; 2023-01-02 is the 元旦 day off: 01-03 … 01-06, 01-09 is the 5th working day.
    # 20th: 4 days in the week of 01-03, 5 + 5 (01-09 … 01-20), 春节 01-21 … 01-27 off, the make-up
    # weekend 01-28/29, then 01-30, 01-31, 02-01, 02-02
    assert wl.loc["c5", "截止日"] == pd.Timestamp("2023-01-09") == nth_workday_after(AS_OF, 5)
    assert wl.loc["c1", "截止日"] == pd.Timestamp("2023-02-02") == nth_workday_after(AS_OF, 20)
    assert wl.loc["c5", "建议动作"].startswith("客户经理电话回访")
    assert wl.loc["c1", "建议动作"].startswith("短信/手机银行推送")
    # reasons, highest points first: c1 amount 15, finish 10, long term 10 (declaration order among equals)
    assert wl.loc["c1", "原因"] == ("原贷款 100,000 元；2020年结清全部贷款(已结清(正常)), 结清日距今 914 天, "
                                   "之后无新放款；原贷款期限 24 个月(长期关系)")
    assert wl.loc["c5", "原因"] == ("2022年结清全部贷款(已结清(正常)), 结清日距今 91 天, 之后无新放款"
                                   "(观察期未满: 180 天窗口截至 2023-03-30)；原贷款 120,000 元；仍持有: 借记卡")
    assert UNKNOWN_COLUMN not in wl.columns  # every factor computed for both
    assert wl.loc["c5", "机构号"] == "B" and wl.loc["c5", "区域"] == "西区"
    # the tie-break sentence in 说明 and the levels / strategy on the 参数 table
    assert any("同分按原贷款金额(元)、结清日从高到低" in n for n in rep.notes)
    # a changed strategy moves the due date: A 3 working days -> 2023-01-05
    strat = '[["A", "面谈 {product}", 3], ["B", "外呼", 20], ["C", "短信", 20]]'
    got = winback(_run(six_loans(), strategy=strat))
    assert got.loc["c5", "截止日"] == pd.Timestamp("2023-01-05") and got.loc["c5", "建议动作"] == "面谈 个人消费贷款"


def test_tie_break_amount_then_finish_date_never_input_order():
    """All factors but recency weigh 0 and every band scores 10: all tie. Ranked by 原贷款金额 descending
    (c6 300,000 > c5 120,000 > c1 100,000), although c6 finished first (the old rule, finish date, put it
    last) and comes last in the input."""
    t = six_loans()
    c6 = _frame("loans", [{"loan_id": "L8", "cust_id": "c6", "org_id": "A", "start_date": pd.Timestamp("2018-01-01"),
                           "end_date": pd.Timestamp("2020-03-01"), "status": "A", "amount": 300_000.0,
                           "term_m": 26}])
    t["loans"] = pd.concat([t["loans"], c6], ignore_index=True)
    flat = {"recent_points": "10,10,10,10", "amount_weight": "0", "holding_points": "0", "long_term_points": "0"}
    order = _run(t, **flat).tables()["winback_list"].df["客户号"].tolist()
    assert order == ["c6", "c5", "c1"]
    t["loans"] = t["loans"].iloc[::-1].reset_index(drop=True)
    assert _run(t, **flat).tables()["winback_list"].df["客户号"].tolist() == order


def test_unknown_factors_are_not_scored_but_listed():
    t = six_loans()
    del t["product_holdings"]
    rep = _run(t)
    wl = winback(rep)
    # c5 without holdings data: 40 + 30, 持有本行产品 not computed (was scored 0)
    assert wl.loc["c5", "得分"] == 70 and wl.loc["c5", "等级"] == "A"
    assert wl.loc["c5", UNKNOWN_COLUMN] == "持有本行产品" and wl.loc["c1", UNKNOWN_COLUMN] == "持有本行产品"
    lines = rep.sheets[[s.name for s in rep.sheets].index("挽回名单")].blocks[0].lines
    assert any("持有本行产品 2 户" in x for x in lines)
    # c1's term and amount unknown: only the recency (10) is scored; c5's amount is the only one known (pct 1.0)
    t = six_loans()
    lo = t["loans"]
    lo.loc[lo["loan_id"] == "L1", "term_m"] = None
    lo.loc[lo["loan_id"] == "L1", "amount"] = None
    wl = winback(_run(t))
    assert wl.loc["c1", "得分"] == 10 and wl.loc["c1", UNKNOWN_COLUMN] == "原贷款金额、长期贷款"
    assert wl.loc["c5", "得分"] == 90 and pd.isna(wl.loc["c5", UNKNOWN_COLUMN])
    assert pd.isna(wl.loc["c1", "原贷款金额(元)"])  # unknown, not 0


def test_customer_tags_sheet():
    rep = _run(six_loans())
    assert rep.sheet_names[:7] == ["流失概览", "区域热力", "分产品", "挽回名单", "不良结清", "客户年度明细", "客户标签"]
    tags = rep.tables()["customer_tags"].df
    assert list(tags.columns) == list(TAG_HEADERS.values())
    rows = {(r["客户号"], r["标签代码"]): r for _, r in tags.iterrows()}
    assert set(rows) == {("c1", "C9_CHURN"), ("c5", "C9_CHURN"), ("c1", "C9_WINBACK"), ("c5", "C9_WINBACK"),
                         ("c3", "C9_BAD_FINISH")}
    w5 = rows[("c5", "C9_WINBACK")]
    assert (w5["场景"], w5["标签名称"], w5["标签值"], w5["标签等级"]) == ("C9", "流失挽回", 90, "A")
    assert w5["数据日期"] == pd.Timestamp(AS_OF)
    assert w5["规则版本"] == rep.meta["rule_version"] == params_hash(rep.meta["params"])
    c5 = rows[("c5", "C9_CHURN")]
    assert (c5["标签值"], c5["标签等级"]) == (2022, "流失(观察期未满)")
    assert (rows[("c1", "C9_CHURN")]["标签值"], rows[("c1", "C9_CHURN")]["标签等级"]) == (2020, "流失")
    b3 = rows[("c3", "C9_BAD_FINISH")]
    assert b3["标签值"] == 2021 and b3["标签名称"] == "不良结清" and pd.isna(b3["标签等级"])


def test_levels_and_strategy_parameters_checked_before_load():
    with pytest.raises(ParameterError, match="从高到低"):
        make_params(LoanChurnParams, {"levels": '[["A", 50], ["B", 70], ["C", 0]]'})
    with pytest.raises(ParameterError, match=r"\{prodcut\}"):
        make_params(LoanChurnParams, {"strategy": '[["A", "{prodcut}", 5], ["B", "x", 20], ["C", "y", 20]]'})
    # 中文 name works like the id
    p = make_params(LoanChurnParams, {"等级门槛": '[["A", 95], ["B", 30], ["C", 0]]'})
    assert p.levels == (("A", 95), ("B", 30), ("C", 0))


def test_held_products_by_hand():
    from bankxl.scenarios.credit.loan_churn import held_products

    h = pd.DataFrame({"cust_id": pd.array(["a", "a", "a", "b", "b", "a"], dtype="string"),
                      "product": pd.array(["理财", "借记卡", "个人消费贷款", "信用卡", "理财", "借记卡"], dtype="string"),
                      "held": pd.array([True, True, True, False, True, True], dtype="boolean")})
    ids = pd.Series(["b", " a", "z"], index=[10, 11, 12], dtype="string")
    # a: 理财 + 借记卡 (a blank 持有 cell is held: the loader/conform write True, so the typed frame holds True
    # — issue 9 item 4; twice = once; the loan is not another product), sorted;
    # b: 信用卡 no longer held; z: no rows = none; without a table: unknown
    assert held_products(h, ids).to_dict() == {10: "理财", 11: "借记卡、理财", 12: ""}
    assert held_products(None, ids).isna().all()
    # <NA> = a 持有 the loader could not read: unknown. u: its only non-loan row unknown -> unknown (not '');
    # a: 理财 known held beside an unknown 借记卡 -> 理财; v: unknown 个人消费贷款 is a loan -> none ('')
    h2 = pd.DataFrame({"cust_id": pd.array(["u", "a", "a", "v"], dtype="string"),
                       "product": pd.array(["理财", "理财", "借记卡", "个人消费贷款"], dtype="string"),
                       "held": pd.array([None, True, None, None], dtype="boolean")})
    got = held_products(h2, pd.Series(["u", "a", "v"], dtype="string"))
    assert got.iloc[0] is pd.NA and got.iloc[1:].tolist() == ["理财", ""]
