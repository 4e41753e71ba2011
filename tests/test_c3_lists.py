"""C3's 网贷客户名单 and 多头风险名单 on the shared list mechanism (bankxl.lists: §6 columns, score, level, action
and due date from parameters, stated tie-break, masked identity) and C3's bank-specific texts as parameters
(置换推荐产品, 存款类产品, 机构清单行数). Data: the hand-built flows of tests/test_c3_other_bank_loans.py plus the
rows added in each test; every expected value is worked out in the comments. Data date Monday 2026-11-30:
the 10th working day after it is 2026-12-14, the 20th 2026-12-28 (no holiday in between)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.lists import LIST_COLUMNS
from bankxl.runner import execute
from bankxl.scenario import make_params, params_hash, params_table
from bankxl.scenarios.credit.other_bank_loans import OtherBankLoanParams
from tests.test_c3_other_bank_loans import AS_OF, CUSTOMERS, LOANS, TXN, _txn

D10, D20 = pd.Timestamp("2026-12-14"), pd.Timestamp("2026-12-28")


def _run(txn_rows=(), loans=LOANS, params=None, **more):
    txn = pd.concat([TXN, _txn(list(txn_rows))], ignore_index=True) if txn_rows else TXN
    tables = {"customers": CUSTOMERS, "transactions": txn, **({"loans": loans} if loans is not None else {}), **more}
    return execute("credit.other_bank_loans", tables, params, as_of=AS_OF)


def test_online_list_tiers_scores_levels_due_dates_by_hand():
    """Four 网贷 borrowers, one per tier (default points 多头 100 / 本行贷款逾期 50 / 代发 20; levels 多头风险 100,
    不营销 50, A 20, B 0; 策略表 10 / 10 / 10 / 20 working days):
    C006 3 lenders, no 代发 -> 100 多头风险; C003 (代发) one 安逸花 repayment and an own loan 逾期中 (status D)
    -> 50 + 20 = 70 不营销; C005 (代发) 借呗 twice -> 20 A; C004 (no 代发) one 微粒贷 repayment -> 0 B."""
    loans = pd.concat([LOANS, pd.DataFrame({"loan_id": pd.array(["L3"], dtype="string"),
                                            "cust_id": pd.array(["C003"], dtype="string"),
                                            "monthly_payment": [999.0], "status": pd.array(["D"], dtype="string")})],
                      ignore_index=True)
    rep = _run([("C003", "2026-11-03", 700.0, "D", "马上消费金融", "", "安逸花还款"),
                ("C004", "2026-11-04", 500.0, "D", "深圳前海微众银行", "", "微粒贷还款")], loans=loans)
    lst = rep.tables()["c3_online"].df
    cols = list(lst.columns)
    assert [cols.index(c) for c in LIST_COLUMNS] == sorted(cols.index(c) for c in LIST_COLUMNS)
    assert lst["客户号"].tolist() == ["C006", "C003", "C005", "C004"] and lst["排名"].tolist() == [1, 2, 3, 4]
    assert lst["得分"].tolist() == [100.0, 70.0, 20.0, 0.0]
    assert lst["等级"].tolist() == ["多头风险", "不营销", "A", "B"]
    assert lst["截止日"].tolist() == [D10, D10, D10, D20]
    df = lst.set_index("客户号")
    assert df.loc["C003", "原因"] == "近 6 个月向 马上消费金融(安逸花) 还款 1 笔；本行贷款逾期中；本行代发"
    assert df.loc["C004", "原因"] == "近 6 个月向 微众银行微粒贷 还款 1 笔"
    assert df.loc["C003", "建议动作"] == "本行贷款逾期/不良: 不营销, 关注还款能力"
    assert df.loc["C004", "建议动作"] == "推荐本行线上消费贷(利率对比), 引导以本行产品替代网贷"
    assert (df.loc["C003", "还款笔数"], df.loc["C003", "月均还款(元)"], df.loc["C003", "多头"]) == (1, 700.0, "否")
    assert df.loc["C006", "客户名称(脱敏)"] == "孙*" and "客户名称" not in df.columns  # masked identity only
    notes = " ".join(rep.notes)
    assert "网贷客户名单排名: 按得分从高到低; 同分按月均还款(元)从高到低" in notes
    # every listed customer is tagged (value = 还款笔数)
    tags = rep.tables()["customer_tags"].df
    on = tags[tags["标签代码"] == "C3_ONLINE_LOAN"].set_index("客户号")["标签值"]
    assert on.to_dict() == {"C003": 1.0, "C004": 1.0, "C005": 2.0, "C006": 3.0}


def test_online_list_without_loans_table_names_the_factor_not_computed():
    """No 贷款 table: whether C005/C006 have an own loan in arrears is unknown — not scored, named under 未计算因素
    (C005 still 20 A by 代发, C006 100 多头风险)."""
    df = _run(loans=None).tables()["c3_online"].df.set_index("客户号")
    assert df["得分"].to_dict() == {"C006": 100.0, "C005": 20.0}
    assert set(df["未计算因素"]) == {"本行贷款记录"}


def test_online_levels_strategy_are_parameters():
    """Points and 策略表 from parameters: 代发 30 (A threshold 30), B 5 working days with {lenders}: C005 30 A,
    C006 100 多头风险; a tier table under which a 多头 customer would fall into a marketing tier is refused."""
    strategy = ('[["多头风险", "风险提示", 3], ["不营销", "不营销", 3], ["A", "面谈: {lenders}", 5], '
                '["B", "短信", 5]]')
    rep = _run(params={"网贷名单得分: 代发": 30, "online_levels": '[["多头风险", 100], ["不营销", 50], ["A", 30], ["B", 0]]',
                       "网贷名单策略表": strategy})
    df = rep.tables()["c3_online"].df.set_index("客户号")
    assert df.loc["C005", ["得分", "等级", "建议动作"]].tolist() == [30.0, "A", "面谈: 蚂蚁借呗/花呗"]
    assert df.loc["C005", "截止日"] == pd.Timestamp("2026-12-07") and df.loc["C006", "截止日"] == pd.Timestamp("2026-12-03")
    with pytest.raises(ParameterError, match="多头客户得 90–160 分"):
        make_params(OtherBankLoanParams, {"online_multi_points": 90})
    with pytest.raises(ParameterError, match=r"网贷名单策略表\(online_strategy\)"):
        make_params(OtherBankLoanParams, {"online_strategy": '[["A", "{offer}", 1]]'})


def test_multi_list_scores_and_tie_break_by_hand():
    """多头风险名单: 得分 = 10 × 机构数. C002: 招商银行 (等额月供 3,000, 3,010, 2,995, 3,000) + 借呗 + 微粒贷 + 金条
    (100 each) = 4 -> 40, 近期还款合计 12,005 + 300 = 12,305. C006 (800 + 600 + 500 = 1,900) and C004 (900 + 100
    + 100 = 1,100) have 3 -> 30: tie broken by 近期还款合计 (C006 first). Level 风险, 10 working days."""
    rows = [(c, f"2026-11-{d:02d}", amt, "D", name, "", memo)
            for c, base in (("C002", 5), ("C004", 15)) for d, amt, name, memo in (
                (base, 100.0 if c == "C002" else 900.0, "重庆蚂蚁消费金融有限公司", "借呗还款"),
                (base + 1, 100.0, "深圳前海微众银行", "微粒贷还款"), (base + 2, 100.0, "京东金融", "金条还款"))]
    rep = _run(rows)
    lst = rep.tables()["c3_multi"].df
    assert lst["客户号"].tolist() == ["C002", "C006", "C004"] and lst["排名"].tolist() == [1, 2, 3]
    assert lst["得分"].tolist() == [40.0, 30.0, 30.0] and set(lst["等级"]) == {"风险"}
    assert lst["近期还款合计(元)"].tolist() == [12_305.0, 1_900.0, 1_100.0]
    assert lst["原因"].tolist() == ["同时向 4 家机构还款/借款", "同时向 3 家机构还款/借款", "同时向 3 家机构还款/借款"]
    assert set(lst["建议动作"]) == {"风险提示: 共债风险, 贷前审查与贷后监测参考, 不做营销"}
    assert set(lst["截止日"]) == {D10}
    # C002 is 多头: left off the replacement list; tagged 多头 with its 机构数
    assert "C002" not in set(rep.tables()["c3_replacement"].df["客户号"])
    tags = rep.tables()["customer_tags"].df
    multi = tags[tags["标签代码"] == "C3_MULTI_LENDER"].set_index("客户号")
    assert multi["标签值"].to_dict() == {"C002": 4.0, "C004": 3.0, "C006": 3.0} and set(multi["标签等级"]) == {"风险"}
    # points and strategy are parameters: 5 per institution, a {lenders} action
    rep5 = _run(rows, params={"multi_points": 5, "多头名单策略表": '[["风险", "复核: {lenders}", 3]]'})
    lst5 = rep5.tables()["c3_multi"].df.set_index("客户号")
    assert lst5["得分"].to_dict() == {"C002": 20.0, "C006": 15.0, "C004": 15.0}
    assert lst5.loc["C006", "建议动作"] == f"复核: {lst5.loc['C006', '机构']}"


def test_bank_texts_are_parameters_on_the_param_sheet():
    """置换推荐产品 / 存款类产品 / 机构清单行数 were module constants: now parameters with 中文 names, on 参数 and in
    the rule hash."""
    p = OtherBankLoanParams()
    shown = params_table(p).set_index("参数")
    other = {"offers": p.offers[:3] + (("其他", "x"),), "deposit_products": "存款", "institution_limit": 51}
    for name, zh in (("offers", "置换推荐产品"), ("deposit_products", "存款类产品"), ("institution_limit", "机构清单行数")):
        assert shown.loc[name, "名称"] == zh
        assert params_hash(dataclasses.replace(p, **{name: other[name]})) != params_hash(p)
    with pytest.raises(ParameterError, match="置换推荐产品"):
        make_params(OtherBankLoanParams, {"offers": '[["房贷", "x"]]'})
    with pytest.raises(ParameterError, match="存款类产品"):
        make_params(OtherBankLoanParams, {"deposit_products": "存款("})


def test_offer_texts_follow_the_parameter():
    """C001 房贷 -> the 房贷 row, C002/C011 其他贷款 -> the 其他 row (strategy default: '…; {offer}')."""
    offers = '[["房贷", "本行房贷置换专案"], ["经营贷", "经营贷"], ["车贷", "车贷"], ["其他", "本行消费贷"]]'
    df = _run(params={"置换推荐产品": offers}).tables()["c3_replacement"].df.set_index("客户号")
    assert df.loc["C001", "建议动作"].endswith("; 推荐本行房贷置换专案")
    assert df.loc["C002", "建议动作"].endswith("; 推荐本行消费贷") and df.loc["C011", "建议动作"].endswith("; 推荐本行消费贷")


def test_deposit_products_parameter_decides_what_counts_as_deposit():
    """No 定期存款明细: C001 holds 大额存单 60,000. Default 存款类产品 (定期|存款|结算账户|活期) does not match it: the
    deposit factor is unknown (未计算因素), C001 = 40 × 493,850.87/1e6 + 代发 20 = 39.754 -> 39.8 C. With
    存款类产品 = 大额存单|定期 it counts: + 15 × min(60,000/50,000, 1) = 54.754 -> 54.8 B."""
    holdings = pd.DataFrame({"cust_id": pd.array(["C001"], dtype="string"), "product": pd.array(["大额存单"], dtype="string"),
                             "held": pd.array([True], dtype="boolean"), "balance": [60_000.0]})
    base = _run(product_holdings=holdings).tables()["c3_replacement"].df.set_index("客户号")
    assert (base.loc["C001", "得分"], base.loc["C001", "等级"]) == (39.8, "C")
    assert "本行存款" in base.loc["C001", "未计算因素"]
    mine = _run(product_holdings=holdings, params={"存款类产品": "大额存单|定期"}).tables()["c3_replacement"].df
    row = mine.set_index("客户号").loc["C001"]
    assert (row["得分"], row["等级"], row["本行存款(元)"]) == (54.8, "B", 60_000.0)


def test_institution_list_length_is_a_parameter():
    """Institutions repaid: 中国建设银行 (C001), 招商银行 (C002), 某某 (C011), 蚂蚁借呗/花呗 (C005, C006), 微众, 京东 -> 6
    rows by default; 机构清单行数 = 2 keeps the first two by 客户数 (蚂蚁借呗/花呗 with 2 customers first)."""
    full = _run().tables()["c3_institutions"].df
    assert len(full) == 6
    two = _run(params={"机构清单行数": 2}).tables()["c3_institutions"].df
    assert len(two) == 2 and two["机构"].iloc[0] == "蚂蚁借呗/花呗"
