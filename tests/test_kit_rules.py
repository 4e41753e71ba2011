"""Issue 9 item 3: shared rules are modules with their own parameters.

* ``bankxl.rules.transactions``: the flow classifier (C3's rules) with its own ``TransactionRuleParams``; C3
  and D4 carry those params (dataclass inheritance), so D4's output and rule hash follow D4's own values and
  never C3's defaults; a bad rule value stops before any input is read.
* ``bankxl.rules.identity``: one customer-identity rule — IDs normalised 15 → 18 digits, invalid/corrupt IDs
  never matched, key order 证件号 → 客户号 → 姓名+手机号 (masked digits compared where both show them),
  conflicts listed, not merged. Every expected value below is worked out by hand in the comments.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.rules import identity
from bankxl.paramsheet import read_settings
from bankxl.rules.transactions import (
    KIND_SELF,
    SelfTransferParams,
    TransactionRuleParams,
    classify_exclusions,
    classify_transactions,
)
from bankxl.runner import execute, run_scenario
from bankxl.scenario import make_params, params_hash, params_table, registry
from bankxl.scenarios.credit.other_bank_loans import OtherBankLoanParams
from bankxl.conform import conform
from bankxl.scenarios.deposit import core_customers
from bankxl.scenarios.deposit.core_customers import CoreParams

AS_OF = pd.Timestamp("2026-11-30")
MONTHS = pd.period_range("2025-12", "2026-11", freq="M").to_timestamp()


def factors(tables, p, as_of):
    """core_customers.factors on the tables as the runner hands them to D4 (conformed)."""
    return core_customers.factors({k: conform(k, v, required=False) for k, v in tables.items()}, p, as_of)


def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


# ============================================================================ transaction rules
def _d4_tables() -> dict[str, pd.DataFrame]:
    """Z1: 10,000 定期日均 (no F1), two outgoing self-transfers (counterparty = her own name 客户0) to 中国工商银行
    of 300,000 and 200,000 in the 12-month F3 window -> 他行资金迹象额 500,000 -> 潜力客户 (F3 = 500,000 ≥ 500,000)."""
    cm = pd.DataFrame({"cust_id": _s(["Z1"] * 12), "month": MONTHS, "td_avg": 10_000.0, "dep_avg": 20_000.0,
                       "inflow": 50_000.0, "outflow": 50_000.0})
    cust = pd.DataFrame({"cust_id": _s(["Z1"]), "cust_name": _s(["客户0"]),
                         "open_date": pd.to_datetime(["2010-01-01"]), "birth_date": pd.to_datetime(["1980-06-01"])})
    txn = pd.DataFrame({"cust_id": _s(["Z1", "Z1"]), "txn_ts": pd.to_datetime(["2026-03-01", "2026-09-01"]),
                        "amount": [300_000.0, 200_000.0], "dc": _s(["D", "D"]), "cpty_name": _s(["客户0", "客户0"]),
                        "cpty_bank": _s(["中国工商银行", "中国工商银行"]), "memo": _s(["转账", "转账"])})
    return {"customer_monthly": cm, "customers": cust, "transactions": txn}


def _other_funds(rep) -> float:
    det = rep.tables()["d4_factors"].df.set_index("客户号")
    return float(det.loc["Z1", [c for c in det.columns if c.startswith("他行资金迹象额")][0]])


def test_c3_and_d4_params_carry_the_classifier_params():
    rule_fields = {f.name for f in dataclasses.fields(TransactionRuleParams)}
    assert {"own_bank", "lenders", "card_memo", "self_memo", "reversal_memo", "same_amount_tol"} <= rule_fields
    # C3 carries the full classifier; D4 only the exclusion rules' parameters (SelfTransferParams), which the
    # full classifier extends
    d4_rule_fields = {f.name for f in dataclasses.fields(SelfTransferParams)}
    assert d4_rule_fields == {"own_bank", "card_memo", "self_memo", "reversal_memo", "reversal_days"}
    assert issubclass(TransactionRuleParams, SelfTransferParams)
    for cls, mine in ((OtherBankLoanParams, rule_fields), (CoreParams, d4_rule_fields)):
        assert issubclass(cls, SelfTransferParams)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert mine <= set(fields)
        assert all(fields[n].metadata.get("zh") for n in mine)  # 中文 name on the 参数 sheet and 说明
    assert issubclass(OtherBankLoanParams, TransactionRuleParams) and not issubclass(CoreParams, TransactionRuleParams)
    # the window is the caller's (C3 window_months, D4 f3_window), not a rule parameter
    assert "window_months" not in rule_fields


def test_d4_has_only_the_classifier_params_it_uses():
    """D4 uses the flow rules for one thing: 本人互转 to other banks (他行资金迹象). Only 本行行名/行号 and the
    exclusion rules (信用卡还款 / 本人互转 / 冲正 keywords, 冲正天数) decide those rows; the other 14 classifier
    parameters are not on D4's 参数 sheet and are refused (id or 中文 label) naming why, before any input is read."""
    d4 = {f.name for f in dataclasses.fields(CoreParams)}
    unused = {f.name for f in dataclasses.fields(TransactionRuleParams)} - d4
    assert len(unused) == 14 and {"lenders", "loan_memo", "interval_min", "own_loan_tol"} <= unused
    shown = set(params_table(CoreParams())["参数"])
    assert not unused & shown and {"own_bank", "self_memo", "reversal_days"} <= shown
    for name in ("lenders", "网贷机构字典", "interval_min"):
        with pytest.raises(ParameterError) as e:
            make_params(CoreParams, {name: "1"})
        assert f"参数「{name}」不影响 D4 的结果" in e.value.message_zh and "no longer a D4 parameter" in e.value.message_en
    # a 参数 sheet row names it too (read_settings goes through make_params)
    with pytest.raises(ParameterError, match="不影响 D4 的结果"):
        read_settings(pd.DataFrame({"场景": ["deposit.core_customers"], "参数": ["same_amount_tol"],
                                    "取值": ["0.02"]}), registry()["deposit.core_customers"])


def test_d4_self_memo_changes_its_hash_and_its_output():
    """Z1's two transfers to 中国工商银行 (300,000 + 200,000) go to 张某 (not her name 客户0) with memo 理财转存:
    by default no 本人互转 -> 他行资金迹象额 0, 潜力值 0 (net flow 0) -> 一般, not listed. With 本人互转关键词 =
    理财转存 they are 本人互转 to another bank -> 500,000 ≥ 500,000 -> 潜力客户 (F3 30 points)."""
    t = _d4_tables()
    t["transactions"] = t["transactions"].assign(cpty_name=_s(["张某", "张某"]), memo=_s(["理财转存", "理财转存"]))
    base = execute("deposit.core_customers", t, as_of=AS_OF)
    assert _other_funds(base) == 0.0 and "Z1" not in set(base.tables()["d4_core"].df["客户号"])
    mine = execute("deposit.core_customers", t, {"本人互转关键词": "理财转存"}, as_of=AS_OF)
    assert _other_funds(mine) == 500_000.0
    row = mine.tables()["d4_core"].df.set_index("客户号").loc["Z1"]
    assert (row["等级"], row["得分"]) == ("潜力客户", 30.0)
    assert mine.meta["rule_version"] != base.meta["rule_version"]
    assert params_hash(CoreParams(self_memo="理财转存")) != params_hash(CoreParams())


def test_exclusions_alone_equal_the_full_classifier_rows():
    """classify_exclusions (D4) gives exactly the 信用卡还款/本人互转/冲正 rows of the full classifier (C3), on the
    hand-built C3 flows (C007 card repayments, C008 self transfers, C009 a reversal pair)."""
    from tests.test_c3_other_bank_loans import NAMES, TXN

    full = classify_transactions(TXN, TransactionRuleParams(), AS_OF, NAMES, months=6)
    full = full[full["kind"].isin(["信用卡还款", "本人互转", "冲正"])].reset_index(drop=True)
    ex = classify_exclusions(TXN, SelfTransferParams(), AS_OF, NAMES, months=6)
    assert sorted(set(ex["cust_id"])) == ["C007", "C008", "C009"] and len(ex) == 8  # 3 + 3 + 2
    pd.testing.assert_frame_equal(ex.drop(columns=["loan_type", "confidence"]),
                                  full.drop(columns=["loan_type", "confidence"]))


def test_d4_classifier_params_are_its_own():
    """D4 used C3's *default* params: its output changed with C3's defaults and its hash did not show it."""
    tables = _d4_tables()
    base = execute("deposit.core_customers", tables, as_of=AS_OF)
    assert _other_funds(base) == 500_000.0
    assert base.tables()["d4_core"].df.set_index("客户号").loc["Z1", "等级"] == "潜力客户"

    # a classifier parameter set through D4's params: 工商银行 is now "this bank" -> not 他行 -> 0, F3 not met
    mine = execute("deposit.core_customers", tables, {"own_bank": "工商银行"}, as_of=AS_OF)
    assert _other_funds(mine) == 0.0
    assert "Z1" not in set(mine.tables()["d4_core"].df["客户号"])
    assert mine.meta["rule_version"] != base.meta["rule_version"]
    assert params_hash(CoreParams(own_bank="工商银行")) != params_hash(CoreParams())
    # the 参数 block of 说明 shows the rule parameter
    ptab = mine.tables()["params"].df.set_index("参数")
    assert ptab.loc["own_bank", "取值"] == "工商银行" and ptab.loc["own_bank", "名称"] == "本行行名/行号"


def test_c3_defaults_do_not_reach_d4(monkeypatch):
    """Change C3's defaults (the class C3's module exposes): D4's factors stay what D4's own params give."""
    import bankxl.scenarios.credit.other_bank_loans as c3

    @dataclasses.dataclass(frozen=True)
    class Shifted(c3.OtherBankLoanParams):
        own_bank: str = "工商银行"
        self_memo: str = "不会出现的词"

    monkeypatch.setattr(c3, "OtherBankLoanParams", Shifted)
    f, _ = factors(_d4_tables(), CoreParams(), AS_OF)
    assert f.loc["Z1", "other_funds"] == 500_000.0


def test_d4_empty_own_bank_keeps_other_bank_transfers():
    """own_bank blank (e.g. anonymised bank codes) = no bank is "this bank": the transfers to 工商银行 still
    count (D4 used str.contains("") and so dropped every transfer)."""
    f, _ = factors(_d4_tables(), CoreParams(own_bank=""), AS_OF)
    assert f.loc["Z1", "other_funds"] == 500_000.0


def test_classifier_uses_the_callers_window():
    """(as_of − months, as_of]: the 2026-03-01 flow is outside 6 months (start 2026-05-30), inside 12."""
    t = _d4_tables()
    names = pd.Series(["客户0"], index=pd.Index(["Z1"], dtype="string"))
    p = TransactionRuleParams()
    six = classify_transactions(t["transactions"], p, AS_OF, names, months=6)
    twelve = classify_transactions(t["transactions"], p, AS_OF, names, months=12)
    assert six["amount"].tolist() == [200_000.0] and twelve["amount"].tolist() == [300_000.0, 200_000.0]
    assert (twelve["kind"] == KIND_SELF).all()
    assert twelve["rules"].tolist() == ["本人互转(对手为本人或摘要)"] * 2


def test_reversal_rule_text_names_the_parameter_days():
    """Two same-amount opposite flows 5 days apart are 冲正 with reversal_days = 7; the rule text says 7, not 3."""
    txn = pd.DataFrame({"cust_id": _s(["A", "A"]), "txn_ts": pd.to_datetime(["2026-11-01", "2026-11-06"]),
                        "amount": [1_000.0, 1_000.0], "dc": _s(["D", "C"]), "cpty_name": _s(["某公司", "某公司"]),
                        "cpty_bank": _s(["中国银行", "中国银行"]), "memo": _s(["货款", "货款"])})
    d = classify_transactions(txn, TransactionRuleParams(reversal_days=7), AS_OF, months=6)
    assert d["kind"].tolist() == ["冲正", "冲正"]
    assert d["rules"].tolist() == ["冲正(摘要或 7 天内同额反向)"] * 2
    assert len(classify_transactions(txn, TransactionRuleParams(reversal_days=3), AS_OF, months=6)) == 0


@pytest.mark.parametrize("scenario", ["deposit.core_customers", "credit.other_bank_loans"])
def test_bad_rule_value_stops_before_any_file_is_read(scenario, tmp_path):
    missing = tmp_path / "不存在.xlsx"  # reading it would fail with a file error: the parameter must fail first
    with pytest.raises(ParameterError) as e:
        run_scenario(scenario, [missing], params={"card_memo": "信用卡("})
    assert "信用卡还款关键词" in e.value.message_zh and "card_memo" in e.value.message_en
    assert "信用卡(" in e.value.message_zh
    with pytest.raises(ParameterError, match="interval"):
        make_params(OtherBankLoanParams, {"interval_min": 40, "interval_max": 31})


# ============================================================================ customer identity
ID18 = "34052419800101001X"  # the 18-digit form of the 15-digit 340524800101001 (check digit X, by idcard.to_18)
ID15 = "340524800101001"
ID_B = "110101199003070134"  # another valid person (check digit 4: Σ a_i·W_i mod 11 = 8 -> "10X98765432"[8])


def test_id_key_normalises_and_refuses_invalid():
    s = _s([ID15, ID18, " 34052419800101001x ", "3.40524E+17", "340524198001010010", None, "123"])
    assert identity.id_key(s).tolist() == [ID18, ID18, ID18, pd.NA, pd.NA, pd.NA, pd.NA]


def test_customer_key_order():
    df = pd.DataFrame({"id_no": _s([ID15, "3.40524E+17", None, None, None]),
                       "cust_id": _s(["C1", "C2", " C3 ", None, None]),
                       "cust_name": _s(["张三", "李四", "王五", "赵六", "钱七"]),
                       "phone": _s(["13800000001", None, None, "138-1234-5678", None])})
    assert identity.customer_key(df).tolist() == [f"证件号:{ID18}", "客户号:C2", "客户号:C3",
                                                  "姓名手机号:赵六|13812345678", pd.NA]


def _left_right():
    left = pd.DataFrame({
        "cust_id": _s([None, "C2", "C3", None, None, None, None, None, None]),
        "id_no": _s([ID15, "3.40524E+17", ID_B, None, None, None, "3.40524E+17", ID_B, ID18]),
        "cust_name": _s(["张三", None, None, "李四", "李四", "王五", "孙八", "赵六", "张*"]),
        "phone": _s([None, None, None, "138****5678", "139****5678", "***********", None, None, None]),
    }).set_axis(pd.Index([10, 11, 12, 13, 14, 15, 16, 17, 18]))
    right = pd.DataFrame({
        "cust_id": _s(["K9", "C2", "C3", "K4", "K5", "K7", "K8"]),
        "id_no": _s([ID18, "3.40524E+17", ID18, None, None, "3.40524E+17", ID_B]),
        "cust_name": _s(["张三", "周一", "吴二", "李四", "王五", "孙八", "赵七"]),
        "phone": _s([None, None, None, "13812345678", "13812345678", None, None]),
    }).set_axis(pd.Index(list("abcdefg")))
    return left, right


def test_match_key_order_and_conflicts():
    """By hand:
    10 (15-digit ID) ~ a (18-digit form, other 客户号): 证件号 — the ID decides before 客户号.
    10 ~ c: same ID, but the names differ? c has 吴二 vs 张三 -> conflict, listed, not matched.
    11 (corrupt ID, 客户号 C2) ~ b (same corrupt text, C2): 客户号 — a corrupt ID never matches.
    12 (ID_B, C3) vs c (ID18, C3): both hold valid IDs and they differ -> no match; listed as a conflict
       (客户号相同, 证件号不同).
    12 vs g (ID_B, 赵七; 12 has no name) -> 证件号 (no name to disagree).
    13 (李四, 138****5678, no 客户号) ~ d (李四, 13812345678): 姓名+手机号, the 7 shown digits agree.
    14 (139****5678) vs d: a shown digit differs -> no. 15 (王五, all masked) vs e: nothing shown -> no.
    16 (孙八, corrupt ID, no 客户号) vs f (孙八, same corrupt text, no phone): nothing usable -> no.
    17 (ID_B, 赵六) vs g (ID_B, 赵七): conflict (证件号相同, 姓名不同), not matched.
    18 (ID18, masked name 张*) ~ a (张三): 证件号, the shown surname agrees; vs c (吴二): conflict.
    """
    left, right = _left_right()
    m = identity.match(left, right)
    got = sorted(zip(m.pairs["left_index"], m.pairs["right_index"], m.pairs["matched_on"]))
    assert got == [(10, "a", "证件号"), (11, "b", "客户号"), (12, "g", "证件号"), (13, "d", "姓名+手机号"),
                   (18, "a", "证件号")]
    conf = sorted(zip(m.conflicts["left_index"], m.conflicts["right_index"], m.conflicts["reason"]))
    assert conf == [(10, "c", "证件号相同, 姓名不同"), (12, "c", "客户号相同, 证件号不同"),
                    (17, "g", "证件号相同, 姓名不同"), (18, "c", "证件号相同, 姓名不同")]
    assert list(m.pairs.columns) == ["left_index", "right_index", "matched_on"]
    # a right-hand list without 客户号 at all: 13 and 14 are compared by name + phone only
    r2 = right.drop(columns=["cust_id"])
    m2 = identity.match(left, r2)
    assert (13, "d", "姓名+手机号") in set(zip(m2.pairs["left_index"], m2.pairs["right_index"],
                                                m2.pairs["matched_on"]))
    assert (11, "b") not in set(zip(m2.pairs["left_index"], m2.pairs["right_index"]))


def test_match_does_not_touch_inputs_and_handles_missing_columns():
    left, right = _left_right()
    l0, r0 = left.copy(), right.copy()
    identity.match(left, right)
    pd.testing.assert_frame_equal(left, l0)
    pd.testing.assert_frame_equal(right, r0)
    only_ids = identity.match(pd.DataFrame({"cust_id": _s(["X"])}), pd.DataFrame({"cust_id": _s(["X", "Y"])}))
    assert only_ids.pairs.to_dict("list") == {"left_index": [0], "right_index": [0], "matched_on": ["客户号"]}
    assert len(only_ids.conflicts) == 0
    empty = identity.match(pd.DataFrame(), pd.DataFrame({"cust_id": _s(["X"])}))
    assert len(empty.pairs) == 0 and list(empty.pairs.columns) == ["left_index", "right_index", "matched_on"]


def test_phone_mask_comparison():
    """Positions where both show a digit must agree, and at least 7 such positions (3 + 4 of 138****5678)."""
    a = _s(["138****5678", "13812345678", "138****5678", "138*****678", "+86 138 1234 5678", "0591-87654321"])
    b = _s(["13812345678", "13812345678", "138****5679", "13812345678", "13812345678", "059*****4321"])
    assert identity.phones_agree(a, b).tolist() == [True, True, False, False, True, True]
    assert np.asarray(identity.phones_agree(_s([None]), _s(["13812345678"]))).tolist() == [False]
