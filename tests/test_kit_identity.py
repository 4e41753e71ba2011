"""Issue 9 item 3 (customer identity, one rule): :func:`bankxl.rules.identity.persons` merges the 客户号 of
one person inside a bank's 客户 table (same valid 证件号 after 15 → 18 digits) and never merges on a corrupt
ID; C6 and C9 count such a person once. Every expected value is worked out by hand in the docstrings."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.rules import identity
from bankxl.runner import execute
from bankxl.tables import get_table

ID15 = "340524800101001"      # old 15-digit ID ...
ID18 = "34052419800101001X"   # ... and its 18-digit form (idcard.to_18): one person
ID_B = "110101199003070134"   # another valid person
CORRUPT = "3.40524E+17"       # an 18-digit ID that went through a double: ID_CORRUPT, never a key


def _s(v):
    return pd.Series(v, dtype="string")


def _frame(table_id: str, rows: list[dict]) -> pd.DataFrame:
    empty = get_table(table_id).empty()
    df = pd.DataFrame(rows)
    return pd.DataFrame({c: (df[c].astype(empty[c].dtype) if c in df.columns
                             else pd.Series(index=df.index, dtype=empty[c].dtype)) for c in empty.columns})


def _customers():
    """k1 (15-digit) and k7 (18-digit form, same name) are one person; k2 and k3 share a corrupt ID text;
    k4 and k5 share ID_B but their names differ (conflict, not merged); k6 holds ID_B without a name (merged
    into k4, the smallest 客户号 of ID_B); k8's first row holds ID_B (赵六: merged into k4), its second row
    ID18 (two IDs under one 客户号: a conflict, the first ID kept)."""
    return pd.DataFrame({
        "cust_id": _s(["k7", "k1", "k2", "k3", "k5", "k4", "k6", "k8", "k8"]),
        "id_no": _s([ID18, ID15, CORRUPT, CORRUPT, ID_B, ID_B, ID_B, ID_B, ID18]),
        "cust_name": _s(["张三", "张三", "李四", "王五", "赵七", "赵六", None, "赵六", "赵六"]),
    })


def test_persons_by_hand():
    c = _customers()
    c0 = c.copy()
    who = identity.persons(c)
    assert who.person.to_dict() == {"k6": "k4", "k7": "k1", "k8": "k4"}
    assert sorted(zip(who.conflicts["cust_id"], who.conflicts["other"], who.conflicts["reason"])) == [
        ("k5", "k4", identity.CONFLICT_NAME), ("k8", "k8", identity.CONFLICT_ID)]
    assert who.of(_s(["k7", "k2", "k3", "k5", "zz", None])).tolist() == ["k1", "k2", "k3", "k5", "zz", pd.NA]
    pd.testing.assert_frame_equal(c, c0)
    # the representative is the smallest 客户号, whatever the row order
    shuffled = identity.persons(c.iloc[[2, 0, 5, 1, 4, 3, 6, 7, 8]])
    assert shuffled.person.to_dict() == who.person.to_dict()
    assert any("k7→k1" in n for n in who.notes()) and any("冲突 2 处" in n for n in who.notes())
    # nothing to merge: no id_no column, or no table
    assert len(identity.persons(c.drop(columns=["id_no"])).person) == 0
    assert len(identity.persons(None).person) == 0
    ids = _s(["k7"])
    assert identity.persons(None).of(ids) is ids


def test_c6_merges_one_person_and_not_a_corrupt_id():
    """k1 holds the mortgage, k7 (same person, 18-digit ID) the 信用卡: person k1 holds both, so 信用卡
    coverage among mortgage holders (k1, k2) is 1/2 — without the merge it was 0/2 and k7 a third customer.
    k2 (mortgage) and k3 (信用卡) share only a corrupt ID: two people, k2's 信用卡 stays a gap."""
    cust = _frame("customers", [{"cust_id": "k1", "id_no": ID15, "cust_name": "张三"},
                                {"cust_id": "k7", "id_no": ID18, "cust_name": "张三"},
                                {"cust_id": "k2", "id_no": CORRUPT, "cust_name": "李四"},
                                {"cust_id": "k3", "id_no": CORRUPT, "cust_name": "王五"}])
    hold = _frame("product_holdings", [{"cust_id": "k1", "product": "个人住房贷款", "held": True},
                                       {"cust_id": "k7", "product": "信用卡", "held": True},
                                       {"cust_id": "k2", "product": "个人住房贷款", "held": True},
                                       {"cust_id": "k3", "product": "信用卡", "held": True}])
    rep = execute("credit.mortgage_cross_sell", {"customers": cust, "product_holdings": hold}, as_of="2026-11-30")
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["信用卡", "按揭客户覆盖率"] == pytest.approx(1 / 2)
    assert cov.loc["信用卡", "按揭客户持有数"] == 1 and cov.loc["信用卡", "未持有客户数"] == 1
    assert cov.loc["信用卡", "非按揭客户覆盖率"] == 1  # k3 alone; k7 is not another customer
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    assert sorted(lst.index) == ["k1", "k2"]
    assert lst.loc["k1", "缺口产品数"] == 0 and lst.loc["k2", "缺口产品数"] == 1
    assert any("k7→k1" in n for n in rep.notes)


def test_c9_merges_one_person_and_not_a_corrupt_id():
    """2020 base (a loan running on 1 Jan 2020): c1 (L1, ends 2020-06-30) and c2 (L2, ends 2020-03-31).
    c8 is c1 with the 18-digit ID: its L9 starts 2020-09-01, within 180 days of c1's finish -> 续贷/新贷保留.
    c3 shares only a corrupt ID with c2: its L3 is not c2's -> c2 churns. 户数流失率 1/2 (without the merge
    c1 churned too: 2/2); only c2 on the win-back list."""
    ts = pd.Timestamp
    cust = _frame("customers", [{"cust_id": "c1", "id_no": ID15, "cust_name": "张三"},
                                {"cust_id": "c8", "id_no": ID18, "cust_name": "张三"},
                                {"cust_id": "c2", "id_no": CORRUPT, "cust_name": "李四"},
                                {"cust_id": "c3", "id_no": CORRUPT, "cust_name": "王五"}])
    loans = _frame("loans", [
        {"loan_id": "L1", "cust_id": "c1", "start_date": ts("2018-03-01"), "end_date": ts("2020-06-30"), "status": "A",
         "amount": 100_000.0},
        {"loan_id": "L9", "cust_id": "c8", "start_date": ts("2020-09-01"), "status": "C", "amount": 150_000.0},
        {"loan_id": "L2", "cust_id": "c2", "start_date": ts("2018-01-01"), "end_date": ts("2020-03-31"), "status": "A",
         "amount": 80_000.0},
        {"loan_id": "L3", "cust_id": "c3", "start_date": ts("2020-05-01"), "status": "C", "amount": 50_000.0}])
    rep = execute("credit.loan_churn", {"loans": loans, "customers": cust}, {"years": "[2020]"}, as_of="2022-12-31")
    year = rep.tables()["churn_by_year"].df.set_index("年份")
    assert year.loc["2020", "年初有贷客户数"] == 2 and year.loc["2020", "流失客户数"] == 1
    assert year.loc["2020", "续贷/新贷保留"] == 1 and year.loc["2020", "户数流失率"] == pytest.approx(1 / 2)
    detail = rep.tables()["churn_detail"].df.set_index("客户号")["结果"].to_dict()
    assert detail == {"c1": "续贷/新贷保留", "c2": "流失"}
    assert rep.tables()["winback_list"].df["客户号"].tolist() == ["c2"]
    assert any("c8→c1" in n for n in rep.notes)


def _id18(body17: str) -> str:
    """An 18-digit ID with its check digit by the §0.6 formula, written out here (not bankxl.idcard)."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(c) * x for c, x in zip(body17, w)) % 11]


NEW_ID = _id18("11010119800101123")  # a valid ID nobody at the bank holds


def _bank_and_list():
    """The bank: K1 张三 (18-digit ID) and K11 (the same person under its 15-digit ID: merged into K1), K2 李四,
    K3 王五 (no ID), K4 赵六, K5 孙七 (not on the list), K6 周八 (corrupt ID), K8/K9 陈一 (no ID, same phone: two
    records the bank cannot merge), K10 钱二 (no ID).
    The list (e0..e10), worked by hand:
    e0 '张 三' + the 15-digit ID -> K1 by 证件号 (upgraded to 18 digits; the space in the name is ignored)
    e1 张三 + the 18-digit ID in full-width characters -> K1 by 证件号 (a second vehicle of the same person)
    e2 王五, no ID, 137****2222 -> K3 by 姓名+手机号 (7 digits shown on both sides and equal)
    e3 王五, no ID, *******2222 -> only 4 digits shown: no match -> 仅外部(新客)
    e4 赵大六 + K4's ID -> 冲突 (证件号相同, 姓名不同), listed, not merged
    e5 周八, corrupt ID, 134****5555 -> the corrupt ID is no key; K6 by 姓名+手机号
    e6 吴九 + a valid ID the bank does not hold -> 仅外部(新客)
    e7 郑十 + an ID with a wrong check digit (no key), phone nobody holds -> 仅外部(新客)
    e8 李四 + K2's ID in 15 digits -> K2 by 证件号
    e9 陈一 135****7777 -> K8 and K9 both agree: 冲突 (对应本行多位客户)
    e10 钱二 with 客户号 K10 -> K10 by 客户号"""
    bank = pd.DataFrame({
        "cust_id": _s(["K1", "K2", "K3", "K4", "K5", "K6", "K8", "K9", "K10", "K11"]),
        "cust_name": _s(["张三", "李四", "王五", "赵六", "孙七", "周八", "陈一", "陈一", "钱二", "张三"]),
        "id_no": _s([ID18, "11010519491231002X", None, "360426199101010071", ID_B, CORRUPT, None, None, None, ID15]),
        "phone": _s(["13812345678", "13900001111", "13700002222", "13600003333", "13500004444", "13400005555",
                     "13500007777", "13500007777", "13300008888", "13812345678"]),
        "org_id": _s(["001", "001", "002", "002", "002", "001", "003", "003", "003", "001"]),
    })
    ext = pd.DataFrame({
        "cust_id": _s([None] * 10 + ["K10"]),
        "cust_name": _s(["张 三", "张三", "王五", "王五", "赵大六", "周八", "吴九", "郑十", "李四", "陈一", "钱二"]),
        "id_no": _s([ID15, "３４０５２４１９８００１０１００１Ｘ", None, None, "360426199101010071", CORRUPT, NEW_ID,
                     "360426199101010072", "110105491231002", None, None]),
        "phone": _s(["138****5678", None, "137****2222", "*******2222", None, "134****5555", None, "13100006666",
                     None, "135****7777", None]),
        "org_id": _s(["009", None, None, "002", None, None, "001", None, None, None, None]),
    }).set_axis(pd.RangeIndex(100, 111))
    return bank, ext


@pytest.mark.parametrize("shuffle", [False, True])
def test_match_list_classes_keys_and_counts_by_hand(shuffle):
    bank, ext = _bank_and_list()
    if shuffle:  # row order of either table changes nothing
        bank, ext = bank.iloc[::-1], ext.iloc[[5, 0, 10, 3, 8, 1, 9, 2, 7, 4, 6]]
    b0, e0 = bank.copy(), ext.copy()
    lm = identity.match_list(ext, bank)
    pd.testing.assert_frame_equal(bank, b0)
    pd.testing.assert_frame_equal(ext, e0)
    r = lm.rows.loc[range(100, 111)]
    I, X, C = identity.IN_BOTH, identity.EXTERNAL_ONLY, identity.CONFLICT
    assert r["match_class"].tolist() == [I, I, I, X, C, I, X, X, I, C, I]
    assert r["cust_id"].tolist() == ["K1", "K1", "K3", pd.NA, pd.NA, "K6", pd.NA, pd.NA, "K2", pd.NA, "K10"]
    assert r["matched_on"].tolist() == ["证件号", "证件号", "姓名+手机号", pd.NA, pd.NA, "姓名+手机号", pd.NA, pd.NA,
                                        "证件号", pd.NA, "客户号"]
    assert r.loc[104, "reason"] == identity.CONFLICT_NAME and r.loc[109, "reason"] == identity.CONFLICT_MANY
    assert r["reason"].isna().sum() == 9
    # one person key per person: e0/e1 are K1; unmatched rows keep their own strongest key
    assert r.loc[100, "person"] == r.loc[101, "person"] == "客户号:K1"
    assert r.loc[106, "person"] == "证件号:" + NEW_ID and r.loc[107, "person"] == "姓名手机号:郑十|13100006666"
    # branch: the matched / conflicting customer's, else the list's own (e0's 009 is overridden by K1's 001)
    assert r["org_id"].tolist() == ["001", "001", "002", "002", "002", "001", "001", pd.NA, "001", "003", "003"]
    conf = sorted(zip(lm.conflicts["ext_index"], lm.conflicts["cust_id"], lm.conflicts["reason"]))
    assert conf == [(104, "K4", identity.CONFLICT_NAME), (109, "K8", identity.CONFLICT_MANY),
                    (109, "K9", identity.CONFLICT_MANY)]
    own = lm.customers["match_class"].to_dict()
    assert own == {"K1": I, "K2": I, "K3": I, "K4": C, "K5": identity.INTERNAL_ONLY, "K6": I, "K8": C, "K9": C,
                   "K10": I}  # K11 is K1 (same ID in 15 digits): no person of its own
    cnt = lm.counts().set_index("org_id")
    assert cnt.index.tolist() == ["001", "002", "003", "未知"]
    assert cnt.loc["001"].tolist() == [3, 0, 1, 0, 4]   # K1 K2 K6 | - | e6 | -
    assert cnt.loc["002"].tolist() == [1, 1, 1, 1, 4]   # K3 | K5 | e3 | e4
    assert cnt.loc["003"].tolist() == [1, 0, 0, 1, 2]   # K10 | - | - | e9
    assert cnt.loc["未知"].tolist() == [0, 0, 1, 0, 1]   # e7 (no branch anywhere)


def test_match_list_without_a_bank_table_or_identifiers():
    """No customers: every row is 仅外部(新客); a row without any identifier has no person key (counted alone)."""
    ext = pd.DataFrame({"cust_name": _s(["张三", None]), "id_no": _s([ID18, None])})
    lm = identity.match_list(ext, None)
    assert lm.rows["match_class"].tolist() == [identity.EXTERNAL_ONLY] * 2
    assert lm.rows["person"].tolist() == ["证件号:" + ID18, pd.NA]
    assert len(lm.customers) == 0 and len(lm.conflicts) == 0
    assert lm.counts().set_index("org_id").loc["未知"].tolist() == [0, 0, 2, 0, 2]


def test_a_prepared_bank_matches_several_lists_like_the_table_itself():
    """identity.bank_identity(bank) normalises the bank's IDs, names and phones once; matching the list against it
    gives exactly match_list(list, bank) (the hand-worked classes of the test above), again on a second list, and its
    persons are persons(bank): K11 (15-digit ID) merged into K1."""
    bank, ext = _bank_and_list()
    prepared = identity.bank_identity(bank)
    assert prepared.persons.person.to_dict() == {"K11": "K1"}
    pd.testing.assert_series_equal(prepared.persons.person, identity.persons(bank).person)
    for lst in (ext, ext.iloc[[9, 2, 0]]):
        got, want = identity.match_list(lst, prepared), identity.match_list(lst, bank)
        for a, b in zip(got, want):
            pd.testing.assert_frame_equal(a, b)
    assert identity.match_list(ext, prepared).rows["cust_id"].tolist() == [
        "K1", "K1", "K3", pd.NA, pd.NA, "K6", pd.NA, pd.NA, "K2", pd.NA, "K10"]


def _regex_names(s):
    """name_text written out as its three regex passes on every row (the rule before its fast path)."""
    t = s.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    t = t.str.replace(r"[*＊●•]", "*", regex=True)
    return t.mask(t.str.len() == 0)


def _regex_phones(s):
    t = s.astype("string").str.normalize("NFKC").str.replace(r"[*＊×xX●•]", "*", regex=True)
    t = t.str.replace(r"[^0-9*]", "", regex=True).str.replace(r"^(?:0086|86)([0-9*]{11})$", r"\1", regex=True)
    return t.mask(t.str.len() == 0)


def test_name_and_phone_text_skip_only_text_the_rule_leaves_unchanged():
    """name_text / phone_text leave plain text (CJK ideographs, ASCII letters, ·; 11 ASCII digits) as it is without
    their regex passes; every other value still goes through them: the result equals the regex passes on every row
    (second method) and the values worked by hand: '张 三' -> 张三, '⼀二' (Kangxi radical) -> 一二, '金（' -> '金(',
    a trailing NUL stays in a name but is dropped from a phone, full-width digits and +86 are normalised."""
    names = _s(["张三", "张 三", None, "", "张*", "阿依古丽·买买提", "Tom", "张三\x00", "\x00张三", "金（", "⼀二",
                "　", "李" * 30, "王＊"])
    phones = _s(["13812345678", "138 1234 5678", None, "", "+86 138-1234-5678", "13812345678\x00", "138****5678",
                 "1381234567", "１３８１２３４５６７８", "138××××5678", "8613812345678", "   ", "0" * 30])
    got_n, got_p = identity.name_text(names), identity.phone_text(phones)
    pd.testing.assert_series_equal(got_n, _regex_names(names))
    pd.testing.assert_series_equal(got_p, _regex_phones(phones))
    assert got_n.tolist()[:4] == ["张三", "张三", pd.NA, pd.NA]
    assert got_n[7] == "张三\x00" and got_n[9] == "金(" and got_n[10] == "一二" and got_n[13] == "王*"
    assert got_p.tolist()[:5] == ["13812345678", "13812345678", pd.NA, pd.NA, "13812345678"]
    assert got_p[5] == "13812345678" and got_p[8] == "13812345678" and got_p[9] == "138****5678"
    assert got_p[10] == "13812345678" and pd.isna(got_p[11])


def test_plain_name_characters_are_unchanged_by_the_name_rule():
    """Every code point the fast path calls plain is left as it is by NFKC, is not whitespace and no mask
    character — checked over the whole ranges with unicodedata (a second method)."""
    import re
    import unicodedata
    chars = [chr(c) for lo, hi in identity._PLAIN_NAME for c in range(lo, hi + 1)]
    assert len(chars) == 0x9FFF - 0x4E00 + 1 + 52 + 1
    assert [c for c in chars if unicodedata.normalize("NFKC", c) != c or re.fullmatch(r"\s", c) or c in "*＊●•"] == []


def test_id_key_is_the_valid_18_digit_form():
    """id_key (now one parse, idcard.valid_18): 15 digits upgraded (ID15 -> ID18), full-width digits normalised,
    a wrong check digit / a corrupt number / missing -> <NA>."""
    got = identity.id_key(_s([ID15, ID18, "３４０５２４１９８００１０１００１Ｘ", ID18[:-1] + "1", CORRUPT, None]))
    assert got.tolist() == [ID18, ID18, ID18, pd.NA, pd.NA, pd.NA]
    assert str(got.dtype) == "string"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_persons_equals_a_plain_python_reading_of_the_rule(seed):
    """persons() on a random table with many shared IDs (60 客户号 over 12 valid IDs, names from 3 or blank) equals
    the rule read row by row in plain Python (second method): a 客户号's first ID counts; 客户号 with two different IDs
    are CONFLICT_ID; per ID the smallest 客户号 stands for the others unless both names are known and differ
    (CONFLICT_NAME, not merged)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    ids = [_id18(f"11010119800101{i:03d}") for i in range(12)]
    n = 300
    cust = [f"c{k:02d}" for k in rng.integers(0, 60, n)]
    idv = [ids[k] for k in rng.integers(0, 12, n)]
    names = [[None, "张三", "李四", "王五"][k] for k in rng.integers(0, 4, n)]
    got = identity.persons(pd.DataFrame({"cust_id": _s(cust), "id_no": _s(idv), "cust_name": _s(names)}))
    first, held = {}, {}
    for c, i, nm in zip(cust, idv, names):
        first.setdefault(c, (i, nm))
        held.setdefault(c, set()).add(i)
    by_id = {}
    for c, (i, nm) in first.items():
        by_id.setdefault(i, []).append(c)
    merged, conflicts = {}, [(c, c, identity.CONFLICT_ID) for c in held if len(held[c]) > 1]
    for i, cs in by_id.items():
        rep = min(cs)
        for c in cs:
            if c == rep:
                continue
            a, b = first[c][1], first[rep][1]
            if a is not None and b is not None and a != b:
                conflicts.append((c, rep, identity.CONFLICT_NAME))
            else:
                merged[c] = rep
    assert got.person.to_dict() == dict(sorted(merged.items()))
    assert list(zip(got.conflicts["cust_id"], got.conflicts["other"], got.conflicts["reason"])) == sorted(
        conflicts, key=lambda x: (x[0], x[1]))
    assert merged and any(r == identity.CONFLICT_NAME for *_, r in conflicts)  # the draw exercises both
