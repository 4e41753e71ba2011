"""Integer keys instead of text keys (issue 16 item 3): frames.stripped / frames.id_positions and the per-customer
aggregations that use them, checked against values worked out by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd

from bankxl.frames import id_positions, stripped


def test_stripped_trims_like_str_strip_and_keeps_missing():
    v = pd.Series([" A", "B\u3000", None, "C", "A ", "\tD\n", ""], index=[5, 6, 7, 8, 9, 10, 11], dtype=object,
                  name="cust_id")
    got = stripped(v)
    assert got.dtype == "string" and got.name == "cust_id"
    assert got.index.tolist() == [5, 6, 7, 8, 9, 10, 11]
    assert got.tolist()[:2] == ["A", "B"] and got.isna().tolist() == [False, False, True, False, False, False, False]
    assert got.tolist()[3:] == ["C", "A", "D", ""]
    # nothing to trim: the values as they are (no space anywhere, missing kept)
    clean = pd.Series(["x1", pd.NA, "y2"], dtype="string")
    assert stripped(clean).tolist() == ["x1", pd.NA, "y2"]
    assert len(stripped(pd.Series([], dtype="string"))) == 0


def test_id_positions_are_the_trimmed_keys_positions():
    ids = pd.Index(["A", "B", "C"], dtype="string")
    v = pd.Series([" C", "A", None, "Z", "B\u3000", "a", "C"], dtype="string")
    pos = id_positions(v, ids)
    assert pos.dtype == np.int64
    assert pos.tolist() == [2, 0, -1, -1, 1, -1, 2]  # missing, unknown and other case: -1
    assert id_positions(pd.Series(["A", "C"], dtype=object), ids).tolist() == [0, 2]  # no space: direct lookup
    assert id_positions(pd.Series([], dtype="string"), ids).tolist() == []


def test_c10_deposit_average_by_hand():
    from bankxl.scenarios.credit.limit_increase.compute import deposit_average

    ids = pd.Index(["A", "B", "C"], dtype="string")
    monthly = pd.DataFrame({
        "cust_id": pd.array([" A ", "A", "A", "B\u3000", "B", "B", None, "D", "C"], dtype="string"),
        "month": pd.to_datetime(["2026-11-01", "2026-10-01", "2026-08-01", "2026-09-01", "2026-09-01", None,
                                 "2026-11-01", "2026-11-01", "2026-12-01"]),
        "dep_avg": [100.0, 200.0, 999.0, np.nan, 50.0, 70.0, 5.0, 7.0, 30.0]})
    got = deposit_average(monthly, ids, 3, pd.Timestamp("2026-11-30"))
    # window Sep–Nov 2026: A (100 + 200) / 2 (Aug outside); B 50 (blank value and no month left out);
    # C only December (after the data date's month): unknown; no customer / not listed: ignored
    assert got.index.equals(ids)
    assert got.iloc[:2].tolist() == [150.0, 50.0] and np.isnan(got.iloc[2])
    assert deposit_average(monthly, ids, 1, pd.Timestamp("2026-11-30")).iloc[0] == 100.0
    assert deposit_average(None, ids, 3, pd.Timestamp("2026-11-30")).isna().all()


def _c9_loans(order=None) -> pd.DataFrame:
    rows = [  # loan_id, 客户号, 放款日, 结清日 (None: running), 状态, 金额
        ("L1", "b", "2019-01-01", None, "C", 100.0),
        ("L2", "a", "2019-05-01", "2021-03-01", "A", 100.0),
        ("L3", "a", "2019-06-01", "2020-08-01", "B", np.nan),
        ("L4", "a", "2019-06-01", "2021-09-01", "A", 100.0),
        ("L5", None, "2018-01-01", None, "C", 900.0),
        ("L6", "c", "2019-02-01", "2020-05-01", "A", np.nan),
        ("L7", "c", "2020-06-01", None, "C", 50.0),
        ("L8", "b", "2019-01-01", None, "C", 100.0),
    ]
    if order is not None:
        rows = [rows[i] for i in order]
    n = len(rows)
    return pd.DataFrame({
        "loan_id": pd.array([r[0] for r in rows], dtype="string"),
        "cust_id": pd.array([r[1] for r in rows], dtype="string"),
        "start": pd.to_datetime([r[2] for r in rows]).astype("datetime64[ns]"),
        "end": pd.to_datetime([r[3] for r in rows]).astype("datetime64[ns]"),
        "code": pd.array([r[4] for r in rows], dtype="string"), "amount": [r[5] for r in rows],
        "org_id": pd.array(["o1"] * n, dtype="string"), "product": pd.array(["p"] * n, dtype="string"),
        "term_m": pd.array([12] * n, dtype="Int64"), "_row": pd.array(range(2, n + 2), dtype="Int64")},
        index=range(100, 100 + n))


def test_c9_churn_by_customer_year_by_hand():
    """C9's base per (year, customer) in one pass over the years: worked out by hand (as_of 2022-06-30, window
    180 days, grace 30 days; years given 2021 then 2020)."""
    from bankxl.scenarios.credit.loan_churn import CHURN, RENEWED, STILL, churn_by_customer_year

    d = churn_by_customer_year(_c9_loans(), [2021, 2020], pd.Timestamp("2022-06-30"), 180, 30)
    # 2021 (held on 1 Jan 2021): a = L2 + L4 (both end in 2021; L3 ended 2020 and is no renewal) -> 流失 (last end
    # 2021-09-01 + 180 d < data date); b = L1 + L8 running; c = L7 running.  2020: a = L2 L3 L4 (L2 runs past
    # 2020 -> 仍在贷; L3 不良 B; Σ 100 + blank + 100), b as 2021, c = L6 only (blank amount: Σ unknown) ended
    # 2020-05-01, L7 started 2020-06-01 within [end − 30 d, end + 180 d] -> 续贷; L5 has no 客户号: no row
    assert list(zip(d["year"], d["cust_id"])) == [(2021, "a"), (2021, "b"), (2021, "c"),
                                                  (2020, "a"), (2020, "b"), (2020, "c")]
    assert d["n_loans"].tolist() == [2, 2, 1, 3, 2, 1]
    assert d["start_balance"].tolist()[:5] == [200.0, 200.0, 50.0, 200.0, 200.0] and np.isnan(d["start_balance"][5])
    assert d["outcome"].tolist() == [CHURN, STILL, STILL, STILL, STILL, RENEWED]
    assert d["bad"].tolist() == [False, False, False, True, False, False]
    fe = pd.to_datetime(["2021-03-01", None, None, "2020-08-01", None, "2020-05-01"])
    le = pd.to_datetime(["2021-09-01", None, None, "2021-09-01", None, "2020-05-01"])
    assert d["first_end"].equals(pd.Series(fe, name="first_end").astype("datetime64[ns]"))
    assert d["last_end"].equals(pd.Series(le, name="last_end").astype("datetime64[ns]"))
    # largest loan: amount (blank last), then the later 放款日 (L4 over L2), then input order (L1 before L8)
    assert d["loan_id"].tolist() == ["L4", "L1", "L7", "L4", "L1", "L6"]
    assert d["year_end"].tolist() == [pd.Timestamp("2021-12-31"), pd.Timestamp("2021-12-31"),
                                      pd.Timestamp("2021-12-31")] + [pd.Timestamp("2020-12-31")] * 3
    # input order only breaks the last tie: L8 before L1 makes L8 b's loan; every other value unchanged
    e = churn_by_customer_year(_c9_loans([7, 6, 5, 4, 3, 2, 1, 0]), [2021, 2020], pd.Timestamp("2022-06-30"), 180, 30)
    assert e["loan_id"].tolist() == ["L4", "L8", "L7", "L4", "L8", "L6"]
    assert e.drop(columns="loan_id").equals(d.drop(columns="loan_id"))
    assert churn_by_customer_year(_c9_loans(), [2018], pd.Timestamp("2022-06-30")).empty  # nothing held on 1 Jan


def test_has_pattern_and_flow_direction_per_distinct_value():
    """rules.transactions: the regex and the 借贷 words are read once per distinct value — same answers per row
    (by hand), missing never matches, the Series keeps its index (and has_pattern its name)."""
    from bankxl.rules.transactions import flow_direction, has_pattern

    g = pd.Series(["房产抵押", None, "信用", "房产抵押", "股权质押", "信用"], index=[9, 8, 7, 6, 5, 4], dtype="string",
                  name="guarantee")
    got = has_pattern(g, "抵押|质押")
    assert got.tolist() == [True, False, False, True, True, False]
    assert got.index.tolist() == [9, 8, 7, 6, 5, 4] and got.name == "guarantee" and got.dtype == bool
    assert has_pattern(g, "").tolist() == [False] * 6
    dc = pd.Series(["d", "贷", None, "X", "借", "c", "", "转出"], index=list("abcdefgh"), dtype="string")
    got = flow_direction(dc)
    assert got.index.tolist() == list("abcdefgh") and got.dtype == "string"
    assert got.tolist() == ["D", "C", pd.NA, pd.NA, "D", "C", pd.NA, "D"]


def test_c8_person_summary_by_hand():
    """C8 per person on integer codes: lenders counted once per (person, lender), 主要品种 the kind with the
    largest 他行 balance (tie: the smallest name; a blank kind is no kind), collateral by the 担保方式 regex,
    the three-valued flags — worked out by hand."""
    from bankxl.scenarios.credit.credit_report import CreditReportParams
    from bankxl.scenarios.credit.credit_report.compute import person_summary

    rows = [  # person, lender, own, other, card, kind, open, balance, guarantee, bad_now, clean, streak
        ("p2", "甲行", False, True, False, "消费贷", True, 100.0, "信用", False, True, False),
        ("p2", "乙行", False, True, False, "经营贷", True, 100.0, "房产抵押", True, True, False),
        ("p2", "甲行", False, True, False, "消费贷", True, np.nan, None, None, True, None),
        ("p2", None, False, True, True, "信用卡", True, 50.0, None, False, True, False),
        ("p1", "示例银行", True, False, False, "房贷", True, 300.0, "抵押", None, True, False),
        ("p1", "丙行", False, True, False, None, True, 20.0, None, False, None, False),
        ("p3", "丁行", False, True, False, "经营贷", False, 10.0, "质押", False, True, False),
    ]
    col = list(zip(*rows))
    acc = pd.DataFrame({
        "person": pd.array(col[0], dtype="string"), "lender": pd.array(col[1], dtype="string"),
        "own": np.array(col[2]), "other": np.array(col[3]), "card": np.array(col[4]),
        "kind": pd.array(col[5], dtype="string"), "open": np.array(col[6]), "balance": np.array(col[7]),
        "maturity_date": pd.Series([pd.NaT] * 7, dtype="datetime64[ns]"),
        "guarantee": pd.array(col[8], dtype="string"), "bad_now": pd.array(col[9], dtype="boolean"),
        "queries": np.full(7, np.nan), "report_date": pd.Series([pd.Timestamp("2026-10-01")] * 7),
        "clean": pd.array(col[10], dtype="boolean"), "streak": pd.array(col[11], dtype="boolean")})
    s = person_summary(acc, CreditReportParams(), pd.Timestamp("2026-11-30"))
    assert s.index.tolist() == ["p1", "p2", "p3"]
    # p1: 示例银行 + 丙行 (open loans, the bank included); p2: 甲行 twice + 乙行 (the card has no lender); p3 closed
    assert s["n_lenders"].tolist() == [2, 2, 0]
    # p2: 消费贷 100 + blank (0) = 100 ties 经营贷 100 -> the smaller name 消费贷 (U+6D88 < U+7ECF); p1's only
    # 他行 account has no kind; p3 has no open 他行 account
    assert s["main_kind"].tolist() == [pd.NA, "消费贷", pd.NA]
    # p2 房产抵押 matches 抵押|质押; p1's 他行 loan has a blank 担保方式 (unknown); p3: no open 他行 loan -> False
    assert s["collateral"].tolist() == [pd.NA, True, False]
    assert s["bad_now"].tolist() == [pd.NA, True, False]
    assert s["clean"].tolist() == [pd.NA, False, True]
    assert s["streak"].tolist() == [False, pd.NA, False]
    assert s["n_other"].tolist() == [1, 4, 0] and s["other_bal"].tolist() == [20.0, 250.0, 0.0]
    assert s["n_own"].tolist() == [1, 0, 0] and s["own_bal"].tolist() == [300.0, 0.0, 0.0]
    t = s["target_bal"].to_numpy()
    assert np.isnan(t[0]) and t[1] == 200.0 and np.isnan(t[2])
    # persons coded by latest_accounts (pcode: position among the sorted persons, gaps where a person's rows were
    # dropped) give the same summary without hashing the text
    coded = person_summary(acc.assign(pcode=np.array([3, 3, 3, 3, 1, 1, 7])), CreditReportParams(),
                           pd.Timestamp("2026-11-30"))
    pd.testing.assert_frame_equal(coded, s)


def test_has_space_by_hand():
    """coerce.has_space (one str.split pass over the joined text): whitespace anywhere — leading, trailing, inside,
    only whitespace, full-width U+3000, NBSP, tab/newline — is found; none in '' or plain text."""
    from bankxl.coerce import has_space

    def arr(*v):
        return np.array(v, dtype=object)

    assert not has_space(arr()) and not has_space(arr("")) and not has_space(arr("", "a1", "客户"))
    for v in (" a", "a ", "a b", "   ", "\u3000", "a\u00a0", "\t", "x\ny"):
        assert has_space(arr("ok", v)), repr(v)
        assert has_space(arr(v, "ok")), repr(v)


def test_r1_link_accounts_guarantor_through_the_customer_table_by_hand():
    """R1 link_accounts: a guarantor's accounts are found by the accounts' 证件号 or through the 客户 table (his
    证件号 -> 客户号 -> accounts); only account holders' 客户 rows are read — a customer of the same 证件号
    without an account here adds nothing, a holder with another 证件号 is not linked."""
    from bankxl.scenarios.risk.npl_capacity.capacity import link_accounts

    g15, g18 = "340524800101001", "34052419800101001X"  # the guarantor (15 digits in one table, 18 in another)
    npl = pd.DataFrame({"cust_id": pd.array(["B1"], dtype="string"),
                        "id_no": pd.array(["110105491231002"], dtype="string"),
                        "guarantor_id": pd.array([g18], dtype="string"),
                        "guarantee_end": pd.Series([pd.Timestamp("2027-01-01")])})
    keys = pd.Series(["证件号:11010519491231002X"], dtype="string")
    dep = pd.DataFrame({"cust_id": pd.array([" c1", "c2", "c3", "B1"], dtype="string"),
                        "id_no": pd.array([None, None, g15, None], dtype="string")}, index=[10, 11, 12, 13])
    customers = pd.DataFrame({"cust_id": pd.array(["c9", "c1 ", "c2", "B1"], dtype="string"),
                              "id_no": pd.array([g18, g15, "110105491231002", "110105491231002"], dtype="string")})
    own, guar = link_accounts(npl, keys, dep, customers, pd.Timestamp("2026-11-30"))
    # own: B1's account 13 (客户号; its 证件号 blank on the account); guarantor: 12 by the account's 证件号,
    # 10 through 客户 c1 (trimmed 客户号 on both sides); c9 has the 证件号 but no account; c2 is someone else
    assert own.to_dict("list") == {"key": ["证件号:11010519491231002X"], "acct": [13]}
    assert sorted(guar["acct"].tolist()) == [10, 12]
    assert guar["in_period"].tolist() == [True, True] and set(guar["gid"]) == {g18}


def test_by_cust_id_trims_only_when_needed_by_hand():
    """rules.identity.by_cust_id: 客户号 trimmed (first row per customer, blank/missing dropped) — the same with
    and without whitespace in the column (the trim is skipped when no value holds any)."""
    from bankxl.rules.identity import by_cust_id

    c = pd.DataFrame({"cust_id": pd.array([" c1", "c2\u3000", None, "c1", "", "c3"], dtype="string"),
                      "cust_name": ["甲", "乙", "丙", "丁", "戊", "己"]})
    got = by_cust_id(c)
    assert got.index.tolist() == ["c1", "c2", "c3"] and got["cust_name"].tolist() == ["甲", "乙", "己"]
    clean = by_cust_id(c.assign(cust_id=pd.array(["c1", "c2", None, "c1", "", "c3"], dtype="string")))
    assert clean.index.tolist() == ["c1", "c2", "c3"] and clean["cust_name"].tolist() == ["甲", "乙", "己"]
