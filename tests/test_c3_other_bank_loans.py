"""C3 交易流水 → 网贷客户、他行贷款客户: every rule on hand-built flows, the annuity principal by a second
method, Berka UVER facts computed independently from the raw CSV, and the sample bank's planted borrowers."""
from __future__ import annotations

from decimal import Decimal, getcontext
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenarios.credit.other_bank_loans import (
    KIND_CARD,
    KIND_ONLINE_LEND,
    KIND_ONLINE_REPAY,
    KIND_OTHER_REPAY,
    KIND_OWN,
    KIND_REV,
    KIND_SELF,
    OtherBankLoanParams,
    annuity_principal,
    classify_orders,
    classify_transactions,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
AS_OF = pd.Timestamp("2026-11-30")
P = OtherBankLoanParams()
BERKA = SHARED_DATA / "berka_pkdd99_financial"


def _txn(rows):
    """rows: (cust, date, amount, dc, cpty_name, cpty_bank, memo[, cpty_acct])."""
    recs = []
    for i, r in enumerate(rows):
        cust, d, amt, dc, name, bank, memo = r[:7]
        recs.append({"txn_id": f"T{i:04d}", "cust_id": cust, "acct_no": f"A{cust}", "txn_ts": pd.Timestamp(d),
                     "amount": float(amt), "dc": dc, "cpty_name": name, "cpty_acct": r[7] if len(r) > 7 else None,
                     "cpty_bank": bank, "memo": memo, "_row": i + 2})
    df = pd.DataFrame(recs)
    for c in ("txn_id", "cust_id", "acct_no", "dc", "cpty_name", "cpty_acct", "cpty_bank", "memo"):
        df[c] = df[c].astype("string")
    df["_row"] = df["_row"].astype("Int64")
    return df


def _monthly(cust, amounts, start="2026-06-15", days=None, name="X", bank="某银行", memo="转账"):
    days = days or [30] * (len(amounts) - 1)
    d = pd.Timestamp(start)
    out = [(cust, d, amounts[0], "D", name, bank, memo)]
    for a, g in zip(amounts[1:], days):
        d = d + pd.Timedelta(days=g)
        out.append((cust, d, a, "D", name, bank, memo))
    return out


CUSTOMERS = pd.DataFrame({
    "cust_id": pd.array([f"C{i:03d}" for i in range(1, 13)], dtype="string"),
    "cust_name": pd.array(["张三", "李四", "王五", "赵一", "钱二", "孙三", "周四", "吴五", "郑六", "冯七", "陈八", "褚九"],
                          dtype="string"),
    "org_id": pd.array(["010001"] * 12, dtype="string"),
    "mgr_id": pd.array(["000101"] * 12, dtype="string"),
    "payroll_flag": pd.array([True, False] * 6, dtype="boolean"),
})

ROWS = (
    # C001: other-bank mortgage, memo + same-amount monthly pattern (6 × 5,000 on the 15th)
    [("C001", f"2026-{m:02d}-15", 5000.0, "D", "中国建设银行个贷中心", "中国建设银行", "房贷月供") for m in range(6, 12)]
    # C002: pattern only (amounts within 1%, intervals 30/31/29), neutral memo
    + _monthly("C002", [3000.0, 3010.0, 2995.0, 3000.0], days=[30, 31, 29], name="王某", bank="招商银行")
    # C003: only 2 payments; and another counterparty with 35-day gaps -> no pattern
    + _monthly("C003", [2000.0, 2000.0], name="甲", bank="招商银行")
    + _monthly("C003", [1500.0, 1500.0, 1500.0], days=[35, 35], name="乙", bank="招商银行")
    # C004: amounts differ > 1% (3,000 -> 3,100 is 3.3%)
    + _monthly("C004", [3000.0, 3100.0, 3000.0], name="丙", bank="招商银行")
    # C005: 借呗 repayments + disbursement; a 京东商城 purchase is not a loan
    + [("C005", "2026-09-01", 1200.0, "D", "重庆蚂蚁消费金融有限公司", "", "借呗还款"),
       ("C005", "2026-10-01", 1200.0, "D", "重庆蚂蚁消费金融有限公司", "", "借呗还款"),
       ("C005", "2026-08-01", 10000.0, "C", "重庆蚂蚁消费金融有限公司", "", "借呗放款"),
       ("C005", "2026-10-05", 399.0, "D", "京东商城", "", "网购")]
    # C006: three lenders -> 多头
    + [("C006", "2026-10-02", 800.0, "D", "支付宝-借呗", "", "借呗还款"),
       ("C006", "2026-10-03", 600.0, "D", "深圳前海微众银行", "", "微粒贷还款"),
       ("C006", "2026-10-04", 500.0, "D", "京东金融", "", "金条还款")]
    # C007: credit-card repayments (same amount monthly, other bank) -> own tag, not a loan
    + _monthly("C007", [2500.0, 2500.0, 2500.0], name="招商银行信用卡中心", bank="招商银行", memo="信用卡还款")
    # C008: self transfers to own account elsewhere (name = customer's name), monthly same amount
    + _monthly("C008", [2000.0, 2000.0, 2000.0], name="吴五", bank="中国工商银行", memo="转账")
    # C009: a reversal (same amount back within 3 days) of an other-bank loan repayment
    + [("C009", "2026-11-10", 8000.0, "D", "交通银行", "交通银行", "个贷还款"),
       ("C009", "2026-11-11", 8000.0, "C", "交通银行", "交通银行", "退回")]
    # C010: own loan here: by bank name, and by instalment with a blank bank
    + [("C010", "2026-10-20", 4321.0, "D", "示例银行贷款账户", "示例银行", "贷款还款"),
       ("C010", "2026-11-20", 4321.0, "D", "贷款账户", "", "还款")]
    # C011: loan memo, blank bank, no own loan -> other bank, low confidence
    + [("C011", "2026-11-05", 1800.0, "D", "某某", "", "还贷")]
    # C012: outside the window (before 2026-05-30) -> ignored
    + [("C012", "2026-05-01", 5000.0, "D", "中国银行", "中国银行", "房贷月供")]
)
TXN = _txn(ROWS)
LOANS = pd.DataFrame({"loan_id": pd.array(["L1"], dtype="string"), "cust_id": pd.array(["C010"], dtype="string"),
                      "acct_no": pd.array(["AC010"], dtype="string"), "monthly_payment": [4321.0],
                      "status": pd.array(["C"], dtype="string"), "start_date": [pd.Timestamp("2024-01-01")]})
NAMES = CUSTOMERS.set_index("cust_id")["cust_name"]


@pytest.fixture(scope="module")
def det():
    return classify_transactions(TXN, P, AS_OF, NAMES, LOANS)


def _table_header(ws, name):
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, _ = range_boundaries(ws.tables[name].ref)
    return [ws.cell(r0, c).value for c in range(c0, c1 + 1)]


def kinds_of(det, cust):
    return list(det.loc[det["cust_id"] == cust, "kind"])


def test_annuity_principal_by_hand_and_by_discounting():
    getcontext().prec = 40
    r = Decimal("0.04") / 12
    by_sum = sum(Decimal(5000) / (1 + r) ** k for k in range(1, 121))
    assert float(annuity_principal(5000.0, 0.04, 120)) == pytest.approx(float(by_sum), abs=1e-6)
    assert float(annuity_principal(5000.0, 0.04, 120)) == pytest.approx(493_850.87, abs=0.01)
    assert float(annuity_principal(1000.0, 0.0, 12)) == 12_000.0


def test_memo_and_pattern_other_bank_mortgage(det):
    d = det[det["cust_id"] == "C001"]
    assert list(d["kind"]) == [KIND_OTHER_REPAY] * 6
    assert set(d["rules"]) == {"摘要关键词 + 等额月供"}
    assert set(d["confidence"]) == {"高"}
    assert set(d["loan_type"]) == {"房贷"}
    assert set(d["institution"]) == {"中国建设银行"}


def test_same_amount_monthly_pattern_within_one_percent(det):
    d = det[det["cust_id"] == "C002"]
    assert list(d["kind"]) == [KIND_OTHER_REPAY] * 4
    assert set(d["rules"]) == {"等额月供"} and set(d["confidence"]) == {"中"}


def test_pattern_needs_three_payments_28_31_days_and_one_percent(det):
    assert kinds_of(det, "C003") == []   # 2 payments; 35-day gaps
    assert kinds_of(det, "C004") == []   # 3.3% jump breaks the chain
    # the tolerance is a parameter: at 5% the C004 chain holds
    d5 = classify_transactions(TXN, OtherBankLoanParams(same_amount_tol=0.05), AS_OF, NAMES, LOANS)
    assert kinds_of(d5, "C004") == [KIND_OTHER_REPAY] * 3


def test_lender_dictionary_and_disbursement(det):
    d = det[det["cust_id"] == "C005"].sort_values("ts")
    assert list(d["kind"]) == [KIND_ONLINE_LEND, KIND_ONLINE_REPAY, KIND_ONLINE_REPAY]
    assert set(d["institution"]) == {"蚂蚁借呗/花呗"}
    assert 399.0 not in set(d["amount"])  # 京东商城 purchase: no repayment word -> not a lender flow


def test_exclusions_card_self_reversal(det):
    assert set(kinds_of(det, "C007")) == {KIND_CARD}
    assert set(kinds_of(det, "C008")) == {KIND_SELF}
    assert kinds_of(det, "C009") == [KIND_REV, KIND_REV]
    assert not det["cust_id"].isin(["C007", "C008", "C009"])[det["kind"] == KIND_OTHER_REPAY].any()


def test_own_bank_repayment_is_not_other_bank(det):
    assert kinds_of(det, "C010") == [KIND_OWN, KIND_OWN]
    rules = list(det.loc[det["cust_id"] == "C010", "rules"])
    assert rules == ["对手行为本行", "与本行贷款月供相同"]
    # without the loan table the blank-bank repayment becomes a low-confidence other-bank one
    d = classify_transactions(TXN, P, AS_OF, NAMES, None)
    x = d[d["cust_id"] == "C010"]
    assert list(x["kind"]) == [KIND_OWN, KIND_OTHER_REPAY] and x["confidence"].iloc[1] == "低"


def test_blank_bank_low_confidence_and_window(det):
    x = det[det["cust_id"] == "C011"]
    assert list(x["kind"]) == [KIND_OTHER_REPAY] and list(x["confidence"]) == ["低"]
    assert kinds_of(det, "C012") == []


def test_bad_dc_is_a_row_problem():
    from bankxl.errors import ProblemLog

    t = _txn([("C001", "2026-11-01", 100.0, "X", "a", "b", "还款")])
    log = ProblemLog()
    d = classify_transactions(t, P, AS_OF, None, None, log)
    assert len(d) == 0 and len(log) == 1 and log.problems[0].excel_row == 2


def test_report_lists_and_multi_lender(tmp_path):
    tables = {"customers": CUSTOMERS, "transactions": TXN, "loans": LOANS}
    before = {k: v.copy() for k, v in tables.items()}
    rep = execute("credit.other_bank_loans", tables, as_of=AS_OF)
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k])
    t = rep.tables()
    repl = t["c3_replacement"].df
    # ranked by score = 40 × min(P / 1,000,000, 1) + 20 × 代发 (nothing else is held): C011 (代发, P of 1,800)
    # outranks C002 (no 代发, P of 3,000). n by inferred type: C001 房贷 (memo 房贷月供) 120; C002 (pattern only)
    # and C011 (还贷) 其他贷款 36 (review fix: was 120 for every type)
    hand = {c: 40 * min(float(annuity_principal(m, 0.04, n)) / 1e6, 1) + 20 * pay
            for c, m, n, pay in (("C001", 5000.0, 120, 1), ("C002", 3000.0, 36, 0), ("C011", 1800.0, 36, 1))}
    assert list(repl["客户号"]) == sorted(hand, key=hand.get, reverse=True) == ["C001", "C011", "C002"]
    assert repl.set_index("客户号")["得分"].to_dict() == pytest.approx({c: round(v, 1) for c, v in hand.items()})
    r1 = repl.iloc[0]
    assert r1["估算月供(元)"] == 5000.0
    assert repl.set_index("客户号").loc["C002", "估算月供(元)"] == 3000.0  # median of 3,000 3,010 2,995 3,000
    # issue 10 item 6: one unit per list row — 估算本金 in 元 like 估算月供 (was 万元 beside 元)
    assert r1["估算本金(元)"] == pytest.approx(493_850.87, abs=0.005)
    # score by hand: size 40 × 493,850.87/1e6 + payroll 20 (C001 has payroll), nothing else
    assert r1["得分"] == pytest.approx(round(40 * 493_850.8742866 / 1e6 + 20, 1))
    assert r1["客户名称(脱敏)"] == "张*"
    multi = t["c3_multi"].df
    assert list(multi["客户号"]) == ["C006"] and multi["机构数"].iloc[0] == 3
    online = t["c3_online"].df.set_index("客户号")
    assert set(online.index) == {"C005", "C006"}
    assert online.loc["C006", "多头"] == "是" and "风险" in online.loc["C006", "建议动作"]
    assert online.loc["C005", "还款笔数"] == 2 and online.loc["C005", "最近放款金额(元)"] == 10000.0
    counts = t["c3_counts"].df.set_index("指标")["客户数"]
    assert counts["他行贷款客户"] == 3 and counts["多头客户"] == 1 and counts["信用卡还款客户"] == 1
    tags = t["customer_tags"].df  # the shared 客户标签 sheet (bankxl.tags, issue 9): Chinese headers
    assert set(tags.loc[tags["标签代码"] == "C3_OTHER_BANK_LOAN", "客户号"]) == {"C001", "C002", "C011"}

    p = write_report(rep, tmp_path / "c3.xlsx")
    wb = openpyxl.load_workbook(p)
    # list sheets end in 名单 like every scenario's (C6 营销名单, D2 提醒名单, D4 核心客户名单)
    # issue 10: 概览 is the headline; C3's own overview (counts, 识别结果) is folded into 识别汇总 after the lists
    assert wb.sheetnames[:8] == ["概览", "他行贷款置换名单", "网贷客户名单", "多头风险名单", "识别汇总", "机构清单",
                                 "识别明细", "客户标签"]
    ws = wb["他行贷款置换名单"]
    assert "c3_replacement" in ws.tables
    head = _table_header(ws, "c3_replacement")
    assert "估算本金(元)" in head and "原因" in head and "建议动作" in head
    assert wb["概览"]._charts and wb["机构清单"]._charts


def test_multi_lender_excluded_from_replacement():
    # C006 also repays a bank loan by memo: 4 lenders, so not on the marketing list
    extra = _txn([("C006", "2026-11-08", 3000.0, "D", "中国银行", "中国银行", "个贷还款")])
    txn = pd.concat([TXN, extra], ignore_index=True)
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS, "transactions": txn}, as_of=AS_OF)
    t = rep.tables()
    assert "C006" not in set(t["c3_replacement"].df["客户号"])
    assert t["c3_multi"].df.set_index("客户号").loc["C006", "机构数"] == 4


def test_own_loan_in_arrears_excluded_from_replacement():
    loans = pd.concat([LOANS, pd.DataFrame({"loan_id": pd.array(["L2"], dtype="string"),
                                            "cust_id": pd.array(["C001"], dtype="string"),
                                            "monthly_payment": [999.0], "status": pd.array(["D"], dtype="string")})],
                      ignore_index=True)
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS, "transactions": TXN, "loans": loans},
                  as_of=AS_OF)
    t = rep.tables()
    assert "C001" not in set(t["c3_replacement"].df["客户号"])
    assert t["c3_counts"].df.set_index("指标").loc["其中 本行贷款逾期/不良剔除", "客户数"] == 1


def test_orders_path_own_loan_rule():
    orders = pd.DataFrame({
        "order_id": pd.array(["1", "2", "3", "4"], dtype="string"),
        "cust_id": pd.array(["A", "B", "C", "D"], dtype="string"),
        "acct_no": pd.array(["a1", "b1", "c1", "d1"], dtype="string"),
        "bank_to": pd.array(["XY", "XY", "ZZ", "XY"], dtype="string"),
        "amount": [3372.7, 2000.0, 1500.0, 700.0],
        "purpose": pd.array(["贷款还款", "贷款还款", "贷款还款", "家庭费用"], dtype="string"),
        "purpose_code": pd.array(["UVER", "UVER", "UVER", "SIPO"], dtype="string"),
    })
    loans = pd.DataFrame({"cust_id": pd.array(["A", "B"], dtype="string"), "acct_no": pd.array(["a1", "b9"], dtype="string"),
                          "monthly_payment": [3373.0, 2500.0], "status": pd.array(["A", "C"], dtype="string")})
    d = classify_orders(orders, P, loans).set_index("cust_id")
    assert d.loc["A", "kind"] == KIND_OWN           # account has a loan, amount = instalment ±1%
    assert d.loc["B", "kind"] == KIND_OTHER_REPAY   # has a loan here, but a different instalment
    assert d.loc["C", "kind"] == KIND_OTHER_REPAY and d.loc["C", "confidence"] == "高"
    assert "D" not in d.index                       # SIPO is not a loan payment
    d2 = classify_orders(orders, OtherBankLoanParams(own_bank="^ZZ$"), loans).set_index("cust_id")
    assert d2.loc["C", "kind"] == KIND_OWN           # bank_to named as the own bank


def test_no_evidence_tables_says_so():
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS}, as_of=AS_OF)
    lines = " ".join(rep.headline.lines)  # issue 10: on the headline (was C3's own 概览)
    assert "未提供「交易流水」或「代扣指令」" in lines
    assert len(rep.tables()["c3_replacement"].df) == 0
    # an empty table says 无 and why (issue 10 item 5)
    assert rep.tables()["c3_replacement"].empty_note == "未提供交易流水或代扣指令, 无法识别他行贷款"
    assert rep.tables()["c3_online"].empty_note.startswith("未提供交易流水(只有代扣指令)")
    assert [f.value for f in rep.headline.figures] == [0, None, 0, 0, 0]  # 估算本金 unknown: blank, not 0


def test_headline_figures_by_hand():
    """Issue 10 headline on the hand bank of test_report_lists_and_multi_lender: other-bank borrowers C001 (房贷,
    5,000 × 120 months), C002 (3,000 × 36) and C011 (1,800 × 36), all on the 置换名单, all level C (scores 39.8,
    22.4, 4.1 < 40); Σ P = 493,850.87 + annuity(3,000, 36) + annuity(1,800, 36) in 万元; 网贷客户 C005 C006;
    多头 C006. 他行贷款 by type: 房贷 1 (P of C001), 其他贷款 2."""
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS, "transactions": TXN, "loans": LOANS},
                  as_of=AS_OF)
    p_other = float(annuity_principal(3000.0, 0.04, 36) + annuity_principal(1800.0, 0.04, 36))
    got = [(f.label, f.value) for f in rep.headline.figures]
    assert got == [("他行贷款客户", 3), ("估算他行贷款本金", pytest.approx((493_850.87 + p_other) / 1e4)),
                   ("置换名单 A 级", 0), ("网贷客户", 2), ("多头客户", 1)]
    assert rep.headline.figures[2].note == "B 级 0 户 / C 级 3 户"
    assert rep.headline.actions == "c3_replacement" and rep.headline.chart.table == "c3_types"
    types = rep.tables()["c3_types"].df.set_index("贷款类型(推断)")
    assert types["客户数"].to_dict() == {"房贷": 1, "其他贷款": 2}
    assert types.loc["房贷", "估算本金合计(万元)"] == pytest.approx(49.385087, abs=1e-6)
    assert types.loc["其他贷款", "估算本金合计(万元)"] == pytest.approx(p_other / 1e4)


# ---------------------------------------------------------------------------------------------- Berka
@pytest.mark.realdata
def test_berka_uver_orders_independent_facts(tmp_path):
    if not (BERKA / "order.csv").is_file():
        pytest.skip(f"Berka data not found in {BERKA} (not shipped: no licence)")
    # independent: raw CSV with the csv module, no pandas logic shared with the adapter
    import csv

    with open(BERKA / "order.csv", newline="") as fh:
        orders = list(csv.DictReader(fh, delimiter=";"))
    with open(BERKA / "loan.csv", newline="") as fh:
        loans = list(csv.DictReader(fh, delimiter=";"))
    uver = [o for o in orders if o["k_symbol"].strip() == "UVER"]
    pay = {row["account_id"]: float(row["payments"]) for row in loans}
    own = [o for o in uver if o["account_id"] in pay and abs(float(o["amount"]) - pay[o["account_id"]]) <= 1.0]
    other = [o for o in uver if o not in own]
    assert len(uver) == 717 and len(own) == 682 and len(other) == 35
    other_accts = {o["account_id"] for o in other}

    from bankxl.datasets.berka import load_berka

    tb = load_berka(BERKA)
    rep = execute("credit.other_bank_loans", tb, as_of="1998-12-31", currency="CZK")
    t = rep.tables()
    det = t["c3_detail"].df
    assert (det["识别类型"] == KIND_OWN).sum() == 682
    assert (det["识别类型"] == KIND_OTHER_REPAY).sum() == 35
    # the customers found are the owners of exactly those 35 accounts
    with open(BERKA / "disp.csv", newline="") as fh:
        owner = {d["account_id"]: d["client_id"] for d in csv.DictReader(fh, delimiter=";") if d["type"] == "OWNER"}
    repl = t["c3_replacement"].df
    assert set(repl["客户号"]) == {owner[a] for a in other_accts}
    assert "估算月供(CZK)" in repl.columns and "估算本金(CZK)" in repl.columns  # issue 10: one unit (was 千CZK)
    top = repl.iloc[0]
    m = max(float(o["amount"]) for o in other if owner[o["account_id"]] == top["客户号"])
    assert top["估算月供(CZK)"] == pytest.approx(m)
    # order path: the loan type is unknown (其他贷款) -> n = 36 (review fix: was 120)
    assert top["估算期数(月)"] == 36  # issue 10 item 6: a number (was the text '36')
    assert top["估算本金(CZK)"] == pytest.approx(round(float(annuity_principal(m, 0.04, 36)), 2))
    p = write_report(rep, tmp_path / "berka_c3.xlsx")
    wb = openpyxl.load_workbook(p)
    assert "c3_replacement" in wb["他行贷款置换名单"].tables


# ---------------------------------------------------------------------------------------------- sample bank
def test_sample_bank_planted_borrowers_found(sample_bank):
    assert "transactions" in sample_bank  # issue 9: missing sample data fails, never skips
    from bankxl.sample import sample_truth

    truth = sample_truth(customers=300, seed=7, as_of="2026-11-30")
    rep = execute("credit.other_bank_loans", sample_bank, as_of=AS_OF)
    t = rep.tables()
    tags = t["customer_tags"].df
    other = set(tags.loc[tags["标签代码"] == "C3_OTHER_BANK_LOAN", "客户号"])
    online = set(t["c3_online"].df["客户号"])
    multi = set(t["c3_multi"].df["客户号"])
    planted_other = set(truth.loc[truth["profile"].isin(["他行房贷", "他行消费贷", "他行经营贷"]), "cust_id"])
    planted_online = set(truth.loc[truth["profile"].isin(["网贷", "多头"]), "cust_id"])
    planted_multi = set(truth.loc[truth["profile"] == "多头", "cust_id"])
    # look-alikes that are not other-bank loans: card repayments, self transfers, rent, reversals, own loans
    look = truth["profile"].isin(["信用卡还款", "本人互转", "房租", "冲正"]) | (
        (truth["profile"] == "普通") & truth["own_loan"])
    not_loans = set(truth.loc[look, "cust_id"])
    assert truth["own_loan"].any() and len(not_loans) >= 5
    assert planted_other and planted_other == other  # all planted found, nothing else
    assert planted_online <= online and planted_multi == multi
    assert not not_loans & other
    # the estimated monthly payment equals the planted instalment
    repl = t["c3_replacement"].df.set_index("客户号")
    inst = truth.dropna(subset=["monthly_payment"]).set_index("cust_id")["monthly_payment"]
    both = [c for c in repl.index if c in inst.index]
    assert both
    for c in both:
        assert repl.loc[c, "估算月供(元)"] == pytest.approx(inst[c], rel=1e-9)


@pytest.mark.golden("credit.other_bank_loans")
def test_principal_term_by_loan_type():
    """Review fix: n depends on the inferred loan type (房贷 120, 经营贷/车贷 60, 消费/其他 36) and is shown
    beside P; P by hand as Σ m/(1+r)^k (second method) for a 5,000 monthly payment."""
    from bankxl.scenarios.credit.other_bank_loans import term_for

    types = pd.Series(["房贷", "经营贷", "车贷", "其他贷款", pd.NA], dtype="string")
    assert term_for(types, P).tolist() == [120, 60, 60, 36, 36]
    assert term_for(types, OtherBankLoanParams(term_other=24, term_car=48)).tolist() == [120, 60, 48, 24, 24]
    rows = ([("C001", f"2026-{m:02d}-15", 5000.0, "D", "中国建设银行个贷中心", "中国建设银行", "房贷月供") for m in range(6, 12)]
            + [("C002", f"2026-{m:02d}-10", 5000.0, "D", "招商银行", "招商银行", "经营贷还款") for m in range(6, 12)]
            + [("C003", f"2026-{m:02d}-12", 5000.0, "D", "中信银行", "中信银行", "车贷月供") for m in range(6, 12)]
            + [("C004", f"2026-{m:02d}-20", 5000.0, "D", "光大银行", "光大银行", "消费贷还款") for m in range(6, 12)])
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS, "transactions": _txn(rows)}, as_of=AS_OF)
    repl = rep.tables()["c3_replacement"].df.set_index("客户号")
    r = 0.04 / 12

    def by_sum(n):
        return sum(5000.0 / (1 + r) ** k for k in range(1, n + 1))

    for c, typ, n in (("C001", "房贷", 120), ("C002", "经营贷", 60), ("C003", "车贷", 60), ("C004", "其他贷款", 36)):
        assert repl.loc[c, "贷款类型(推断)"] == typ and repl.loc[c, "估算期数(月)"] == n
        assert repl.loc[c, "估算本金(元)"] == pytest.approx(round(by_sum(n), 2))
        assert f"按 {n} 期估算本金" in repl.loc[c, "原因"]
    # the ranking uses the corrected P: same payment, longer term -> larger principal -> higher score
    # (C001 and C003 both have 代发; C002 and C004 not)
    assert list(repl.index) == ["C001", "C003", "C002", "C004"]
    cols = list(repl.columns)
    assert cols.index("估算期数(月)") + 1 == cols.index("估算本金(元)")


def test_sample_bank_consumer_loan_principal_uses_36_months(sample_bank):
    """The review's example: a planted 他行消费贷 was valued over 120 months; now 36 (其他贷款) while the
    planted 他行房贷 keep 120 and 他行经营贷 60."""
    assert "transactions" in sample_bank  # issue 9: missing sample data fails, never skips
    from bankxl.sample import sample_truth

    truth = sample_truth(customers=300, seed=7, as_of="2026-11-30").set_index("cust_id")
    repl = execute("credit.other_bank_loans", sample_bank, as_of=AS_OF).tables()["c3_replacement"].df
    n_of = {"他行房贷": 120, "他行经营贷": 60, "他行消费贷": 36}
    checked = 0
    for row in repl.itertuples():
        prof = truth.loc[row.客户号, "profile"] if row.客户号 in truth.index else None
        if prof in n_of:
            m = truth.loc[row.客户号, "monthly_payment"]
            assert repl.loc[row.Index, "估算期数(月)"] == n_of[prof]
            assert repl.loc[row.Index, "估算本金(元)"] == pytest.approx(
                round(float(annuity_principal(m, 0.04, n_of[prof])), 2))
            checked += 1
    assert checked >= 3 and any(truth.loc[c, "profile"] == "他行消费贷" for c in repl["客户号"] if c in truth.index)


def test_own_deposits_only_active_in_data_currency():
    """Review fix: 本行存款 leaves out closed, zero and foreign-currency time deposits (shared with D2)."""
    td = pd.DataFrame({"acct_no": pd.array(["d1", "d2", "d3", "d4"], dtype="string"),
                       "cust_id": pd.array(["C001"] * 4, dtype="string"),
                       "balance": [30_000.0, 500_000.0, 80_000.0, 0.0],
                       "ccy": pd.array(["CNY", "CNY", "USD", "CNY"], dtype="string"),
                       "status": pd.array(["正常", "已销户", "正常", "正常"], dtype="string")})
    rep = execute("credit.other_bank_loans", {"customers": CUSTOMERS, "transactions": TXN, "time_deposits": td},
                  as_of=AS_OF)
    r1 = rep.tables()["c3_replacement"].df.set_index("客户号").loc["C001"]
    assert r1["本行存款(元)"] == 30_000.0  # d1 only
    # score: 40 × P/1e6 + 代发 20 + 存款 15 × 30,000/50,000
    assert r1["得分"] == pytest.approx(round(40 * 493_850.8742866 / 1e6 + 20 + 15 * 0.6, 1))
    notes = " ".join(rep.notes)
    assert "销户" in notes and "USD" in notes


def test_duplicated_transactions_are_dup_key_and_not_counted_twice(sample_bank):
    """A flow export with repeated 流水号 rows: DUP_KEY problems, and the same result as without them."""
    import pandas as pd

    from bankxl.runner import run_scenario

    base = {t: sample_bank[t] for t in ("customers", "transactions", "loans", "product_holdings")}
    doubled = dict(base, transactions=pd.concat([base["transactions"], base["transactions"].head(20)],
                                                ignore_index=True))
    r1 = run_scenario("credit.other_bank_loans", [base], None, as_of="2026-11-30")
    r2 = run_scenario("credit.other_bank_loans", [doubled], None, as_of="2026-11-30")
    assert r2.problems.counts[("transactions", "DUP_KEY")] == 20
    t1, t2 = (r.report.sheets[0].blocks for r in (r1, r2))
    for b1, b2 in zip(t1, t2):
        if hasattr(b1, "df"):
            pd.testing.assert_frame_equal(b1.df, b2.df)
