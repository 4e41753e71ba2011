"""C2 个体工商户 (issue 13): a tiny bank and registration list worked by hand — USCC check (valid/invalid, compared
with python-stdnum), cancelled/revoked left out, one operator with two businesses summed by the normalised ID,
holding count and structure, points and bands, P(B|A), penetration per 网点 × 行业, each opportunity tag, the list —
a bad parameter stopped before load, no optional table -> 未计算 not 0, and the sample list's planted dirt."""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import uscc as std_uscc

from bankxl import io as bio
from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario
from bankxl.scenarios.credit.individual_business.compute import co_holding
from table_util import table

AS_OF = "2026-11-30"  # a Monday: +5 / +10 / +20 working days = 12-07 / 12-14 / 12-28
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
UW = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def _id18(body17: str) -> str:
    """Check digit by the §0.6 formula, written out here (independent of bankxl.idcard)."""
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, W)) % 11]


def _uscc(body17: str) -> str:
    """GB 32100 check character (§0.6 rule 9), written out here: 31 − (Σ v·w mod 31), 31 -> 0."""
    return body17 + ALPHA[(31 - sum(ALPHA.index(c) * w for c, w in zip(body17, UW)) % 31) % 31]


U1, U3, U4, U5, U6 = (_uscc(f"9235010200000000{i}") for i in (1, 3, 4, 5, 6))
U2_BAD = _uscc("92350102000000002")[:-1] + ("0" if _uscc("92350102000000002")[-1] != "0" else "1")
NEW_ID = _id18("11010119800101123")


def _bank():
    """Customers K1 张三 (001, 代发 + 手机银行), K2 李四 (001), K3 王五 (002), K4 赵六 (002).
    Registrations (Excel rows 2–9):
    r1 张三面馆 U1, 张 三 with the 15-digit ID, 餐饮, 2016-11-30  } K1 by 证件号: one operator, 2 businesses,
    r2 张三超市 bad USCC (USCC_INVALID, row 3), full-width ID, 零售, status blank (= 存续), 2020 } 主营 = r1 (earliest)
    r3 李四五金店 U3 -> K2; r4 王五修理部 U4 -> K3; r5 赵大六 with K4's ID, 零售 -> 冲突 (row 6, K4's branch 002);
    r6 吴九小吃 U5, a valid ID the bank does not hold, 网点 001 -> 仅外部; r7 注销, r8 吊销 -> left out.
    Holdings: 产品持有 K1 结算账户 + 信用卡, K2 结算账户 持有=否 + 理财, K3 结算账户; flags K1 代发/手机银行 (others 否);
    贷款 K2 个人经营贷款 running, K3 个人住房贷款 (not 经营贷); 收单商户 M1 by U1 (K1; active: Sep–Nov > 0), M2 by
    法人证件号 = K3's ID (Oct 笔数 0: not active), M3 by U5 注销 (no link)."""
    ida, idb, idc, idd = "34052419800101001X", "11010519491231002X", "360426199101010071", "110101199003070134"
    cust = table("customers", [
        {"cust_id": "K1", "cust_name": "张三", "id_no": ida, "phone": "13812345678", "org_id": "001",
         "payroll_flag": True, "mobile_banking": True},
        {"cust_id": "K2", "cust_name": "李四", "id_no": idb, "phone": "13900001111", "org_id": "001",
         "payroll_flag": False, "mobile_banking": False},
        {"cust_id": "K3", "cust_name": "王五", "id_no": idc, "phone": "13700002222", "org_id": "002",
         "payroll_flag": False, "mobile_banking": False},
        {"cust_id": "K4", "cust_name": "赵六", "id_no": idd, "phone": "13600003333", "org_id": "002",
         "payroll_flag": False, "mobile_banking": False}])
    biz = table("businesses", [
        {"biz_name": "张三面馆", "uscc": U1, "cust_name": "张 三", "id_no": "340524800101001", "industry": "住宿和餐饮业",
         "reg_date": pd.Timestamp("2016-11-30"), "status": "存续"},
        {"biz_name": "张三超市", "uscc": U2_BAD, "cust_name": "张三", "id_no": "３４０５２４１９８００１０１００１Ｘ",
         "industry": "批发和零售业", "reg_date": pd.Timestamp("2020-01-01")},
        {"biz_name": "李四五金店", "uscc": U3, "cust_name": "李四", "id_no": idb, "industry": "批发和零售业",
         "reg_date": pd.Timestamp("2018-05-01"), "status": "在业"},
        {"biz_name": "王五修理部", "uscc": U4, "cust_name": "王五", "id_no": idc,
         "industry": "居民服务、修理和其他服务业", "reg_date": pd.Timestamp("2015-03-01"), "status": "存续"},
        {"biz_name": "赵大六便利店", "uscc": "", "cust_name": "赵大六", "id_no": idd, "industry": "批发和零售业",
         "status": "存续"},
        {"biz_name": "吴九小吃", "uscc": U5, "cust_name": "吴九", "id_no": NEW_ID, "industry": "住宿和餐饮业",
         "reg_date": pd.Timestamp("2022-01-01"), "status": "存续", "org_id": "001"},
        {"biz_name": "郑十水果店", "uscc": U6, "cust_name": "郑十", "id_no": _id18("11010119850505001"),
         "status": "注销"},
        {"biz_name": "孙八饭店", "cust_name": "孙八", "status": "吊销"}])
    biz["uscc"] = biz["uscc"].replace("", pd.NA)
    hold = table("product_holdings", [
        {"cust_id": "K1", "product": "结算账户", "held": True}, {"cust_id": "K1", "product": "信用卡", "held": True},
        {"cust_id": "K2", "product": "结算账户", "held": False}, {"cust_id": "K2", "product": "理财", "held": True},
        {"cust_id": "K3", "product": "结算账户", "held": True}])
    loans = table("loans", [
        {"loan_id": "L1", "cust_id": "K2", "product": "个人经营贷款", "status": "C", "amount": 300_000.0,
         "balance": 200_000.0, "start_date": pd.Timestamp("2025-01-01")},
        {"loan_id": "L2", "cust_id": "K3", "product": "个人住房贷款", "status": "C", "amount": 900_000.0,
         "balance": 800_000.0, "start_date": pd.Timestamp("2020-01-01")}])
    mch = table("merchants", [
        {"mch_id": "M1", "mch_name": "张三面馆", "uscc": U1, "status": "正常"},
        {"mch_id": "M2", "mch_name": "王五修理", "legal_id": idc, "status": "正常"},
        {"mch_id": "M3", "mch_name": "吴九小吃", "uscc": U5, "status": "注销"}])
    months = [pd.Timestamp(f"2026-{m:02d}-01") for m in (8, 9, 10, 11)]
    mm = table("merchant_monthly", [
        *({"mch_id": "M1", "month": m, "txn_count": 50, "amount": 30_000.0} for m in months),
        *({"mch_id": "M2", "month": m, "txn_count": 0 if m.month == 10 else 10,
           "amount": 0.0 if m.month == 10 else 5_000.0} for m in months)])
    return {"businesses": biz, "customers": cust, "product_holdings": hold, "loans": loans, "merchants": mch,
            "merchant_monthly": mm}


@pytest.fixture(scope="module")
def report():
    return execute("C2", _bank(), as_of=AS_OF)


def test_uscc_check_agrees_with_stdnum():
    """The test's USCCs by the GB 32100 formula are what python-stdnum says, and the report flags only r2."""
    assert all(std_uscc.is_valid(u) for u in (U1, U3, U4, U5, U6)) and not std_uscc.is_valid(U2_BAD)
    assert std_uscc.is_valid("91350100M000100Y43")  # SCENARIOS.md §8 test vector


@pytest.mark.golden("credit.individual_business")
def test_list_scores_levels_and_due_dates_by_hand(report):
    """Computed products 经营贷 收单 代发 结算账户 信用卡 理财 手机银行 (Σ 分值 100; 社保卡/ETC in no table: 未计算).
    K1: 收单活跃无贷 40 + gap (经营贷 30 + 理财 10 = 40/100) × 30 = 12 -> 52 A, 12-07, C4 offer;
    K2: 有贷无结算户 30 + gap (收单 20 + 代发 15 + 结算账户 10 + 信用卡 10 + 手机银行 5 = 60/100) × 30 = 18 -> 48 B, 12-14;
    K3: gap (经营贷 30 + 代发 15 + 信用卡 10 + 理财 10 + 手机银行 5 = 70/100) × 30 = 21 -> C, 12-28."""
    lst = report.tables()["biz_list"].df
    assert lst["客户号"].tolist() == ["K1", "K2", "K3"]
    assert lst["得分"].tolist() == [52.0, 48.0, 21.0] and lst["等级"].tolist() == ["A", "B", "C"]
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-07", "2026-12-14", "2026-12-28"]
    assert lst["原因"].tolist() == [
        "收单活跃、无经营贷: 经营贷线索(C4)；未持有 经营贷、理财；经营 2 户个体工商户",
        "有经营贷、无结算账户: 资金回流；未持有 收单、代发、结算账户、信用卡、手机银行",
        "未持有 经营贷、代发、信用卡、理财、手机银行"]
    assert lst["建议动作"].tolist() == ["客户经理上门走访: 经营贷: 按收单流水授信(转 C4 准入)",
                                    "电话联系: 开立结算账户, 经营回款归集(资金回流)", "短信/手机银行推送: 推荐经营贷"]
    assert lst["经营户数"].tolist() == [2, 1, 1] and lst["持有产品数"].tolist() == [5, 2, 2]
    assert lst["积分"].tolist() == [60.0, 40.0, 30.0] and lst["积分档"].tolist() == ["51–80", "21–50", "21–50"]
    assert lst["主营行业"].iloc[0] == "住宿和餐饮业"  # r1, the earlier registration
    tags = report.tables()["customer_tags"].df
    by = tags.groupby("标签代码")["客户号"].apply(sorted).to_dict()
    assert by["C2_C4_LEAD"] == ["K1"] and by["C2_FUNDS_RETURN"] == ["K2"] and by["C2_BIZ"] == ["K1", "K2", "K3"]
    pts = tags[tags["标签代码"] == "C2_POINTS"].set_index("客户号")
    assert pts["标签值"].tolist() == [60.0, 40.0, 30.0] and pts["标签等级"].tolist() == ["51–80", "21–50", "21–50"]


def test_scope_uscc_structure_and_problems(report):
    """r7 注销 and r8 吊销 left out; 6 registrations, 5 operators (K1's two summed). Structure: 0 = 吴九 (not a
    customer: holds nothing), 2 = K2 K3, 5+ = K1 (5 products), 未知 = the conflict (customer products unknown);
    shares over the 4 known. Bands: 0–20 吴九, 21–50 K2 K3, 51–80 K1. USCC_INVALID on row 3, LIST_CONFLICT on 6."""
    t = report.tables()
    s = t["holding_structure"].df.set_index("持有产品数")
    assert s["经营者数"].tolist() == [1, 0, 2, 0, 0, 1, 1]
    assert s.loc[["0", "2", "5+"], "占比"].tolist() == [0.25, 0.5, 0.25] and pd.isna(s.loc["未知", "占比"])
    b = t["point_bands"].df.set_index("积分档")["经营者数"]
    assert b.to_dict() == {"0–20": 1, "21–50": 2, "51–80": 1, ">80": 0, "未知": 1}
    codes = sorted((p.code, p.excel_row) for p in report.problems.problems if p.code in ("USCC_INVALID", "LIST_CONFLICT"))
    assert codes == [("LIST_CONFLICT", 6), ("USCC_INVALID", 3)]
    assert any("已注销/吊销等 2 行不计(注销 1、吊销 1)" in n and "其余 6 户" in n for n in report.notes)
    prod = t["product_holding"].df.set_index("产品")
    assert pd.isna(prod.loc["社保卡", "持有率"]) and pd.isna(prod.loc["ETC", "持有人数"])  # 未计算, not 0
    assert prod.loc["收单", ["持有人数", "已知人数"]].tolist() == [2, 5]  # K1 (U1), K3 (法人证件号); conflict known: no link
    assert prod.loc["经营贷", ["持有人数", "已知人数"]].tolist() == [1, 4]
    detail = t["biz_detail"].df
    assert detail["代码校验"].tolist() == ["正确", "错误", "正确", "正确", "空白", "正确"]
    leads = t["new_leads"].df
    assert leads["字号名称(主营)"].tolist() == ["吴九小吃"] and leads.iloc[0, 2] == "吴*"  # masked
    h = report.headline
    assert [f.value for f in h.figures] == [6, 3, pytest.approx((0 + 2 + 2 + 5) / 4), 1, 1, 1]


def test_penetration_by_branch_and_industry(report):
    """(001, 餐饮) = K1 + 吴九: 2 operators, 1 customer; 收单 1/2, 代发 1/2, 经营贷 0/2. (002, 零售) = the conflict:
    经营贷 unknown (blank), 收单 0/1. 全部: 5 operators, 3 customers; 经营贷 1/4 (conflict unknown), 收单 2/5."""
    pen = report.tables()["penetration"].df.set_index(["机构号", "主营行业"])
    r = pen.loc[("001", "住宿和餐饮业")]
    assert [r["经营者数"], r["本行客户数"], r["收单渗透率"], r["代发渗透率"], r["经营贷渗透率"]] == [2, 1, 0.5, 0.5, 0.0]
    c = pen.loc[("002", "批发和零售业")]
    assert c["经营者数"] == 1 and pd.isna(c["经营贷渗透率"]) and c["收单渗透率"] == 0.0
    a = pen.loc[("全部", "全部")]
    assert [a["经营者数"], a["本行客户数"], a["经营贷渗透率"], a["收单渗透率"]] == [5, 3, 0.25, 0.4]
    assert "社保卡渗透率" not in pen.columns


def test_co_holding_p_b_given_a_by_hand():
    """5 operators × A B C (NA = unknown): holders A = o1 o2 o3, B known among them o1 (T) o2 (F) -> P(B|A) = 1/2;
    P(C|A): o1 F, o3 T -> 1/2; P(A|B): o1 T, o4 F (o5 unknown) -> 1/2; P(C|B): o1 F, o4 T, o5 F -> 1/3;
    P(A|C): o3 T, o4 F -> 1/2; P(B|C): o4 T (o3 unknown) -> 1; diagonal 1; holders 3, 3, 2."""
    held = pd.DataFrame({"A": [True, True, True, False, None], "B": [True, False, None, True, True],
                         "C": [False, None, True, True, False]}, dtype="boolean")
    co = co_holding(held, ["A", "B", "C"]).set_index("产品(A)")
    assert co["持有户数"].tolist() == [3, 3, 2]
    np.testing.assert_allclose(co[["A", "B", "C"]].to_numpy(), [[1, 1 / 2, 1 / 2], [1 / 2, 1, 1 / 3], [1 / 2, 1, 1]])


def test_without_optional_tables_products_are_not_computed_not_zero():
    """Only 个体工商户 + 客户: 代发 and 手机银行 from the customer flags are computed; 经营贷, 收单, 结算账户 … are
    未计算 (blank rates), so both opportunities are not computed — listed under 未计算因素, never scored as 否."""
    t = _bank()
    rep = execute("C2", {"businesses": t["businesses"], "customers": t["customers"]}, as_of=AS_OF)
    prod = rep.tables()["product_holding"].df.set_index("产品")
    assert prod["持有率"].notna().tolist() == [False, False, True, False, False, False, True, False, False]
    lst = rep.tables()["biz_list"].df.set_index("客户号")
    assert "收单活跃无贷" in lst.loc["K2", "未计算因素"] and "有贷无结算户" in lst.loc["K2", "未计算因素"]
    # K2: gap 代发 15 + 手机银行 5 = 20/20 -> 30 -> B; K1 holds both -> 0 -> not listed
    assert lst.loc["K2", "得分"] == 30.0 and "K1" not in lst.index
    assert [f.value for f in rep.headline.figures][3:5] == [None, None]


def test_business_loan_decided_by_its_own_regex_and_the_data_date():
    """Which 贷款 rows hold 经营贷 (rules.holdings.running_loans on 2026-11-30, then 经营贷's 识别正则 经营 on the
    品种 as written): K1's L3 经营性物业按揭贷款 正常 is a business loan — no 按揭 rule renames it 个人住房贷款
    first —, so K1 holds 经营贷 and is no C4 lead; K3's L4 个人经营贷款 结清 on 12-15, after the data date, was
    running on 11-30: K3 holds 经营贷 too. 经营贷 held 3 of 4 known (K1 K2 K3; 吴九 not; the conflict unknown).
    积分 K1 60 + 经营贷 30 = 90 (>80), K3 30 + 30 = 60 (51–80). List: K1's gap 理财 10/100 × 30 = 3 < C's 10, not
    listed; K3 (holds 结算账户: no 资金回流) gap 代发 15 信用卡 10 理财 10 手机银行 5 = 40/100 × 30 = 12 -> C."""
    t = _bank()
    more = table("loans", [
        {"loan_id": "L3", "cust_id": "K1", "product": "经营性物业按揭贷款", "status": "C", "amount": 1_000_000.0,
         "start_date": pd.Timestamp("2024-01-01")},
        {"loan_id": "L4", "cust_id": "K3", "product": "个人经营贷款", "status": "A", "amount": 100_000.0,
         "start_date": pd.Timestamp("2025-01-01"), "end_date": pd.Timestamp("2026-12-15")}])
    t["loans"] = pd.concat([t["loans"], more], ignore_index=True)
    rep = execute("C2", t, as_of=AS_OF)
    prod = rep.tables()["product_holding"].df.set_index("产品")
    assert prod.loc["经营贷", ["持有人数", "已知人数"]].tolist() == [3, 4]
    lst = rep.tables()["biz_list"].df.set_index("客户号")
    assert lst.index.tolist() == ["K2", "K3"] and lst.loc["K3", ["得分", "等级"]].tolist() == [12.0, "C"]
    tags = rep.tables()["customer_tags"].df
    assert "C2_C4_LEAD" not in set(tags["标签代码"])
    pts = tags[tags["标签代码"] == "C2_POINTS"].set_index("客户号")
    assert pts.loc[["K1", "K3"], "标签值"].tolist() == [90.0, 60.0]


def test_bad_parameter_fails_before_load():
    def refuse(*a, **k):
        raise AssertionError("input read")

    for bad, word in (({"products": '[["经营贷", 30, "经营"], ["结算账户", 10, "结算"]]'}, "收单"),
                      ({"products": '[["经营贷", 30, "经营"], ["收单", 20, "收单("], ["结算账户", 10, "结算"]]'},
                       "收单("),
                      ({"products": '[["经营贷", 30, "经营"], ["收单", 20, "收单"], ["结算账户", 10, "结算"], '
                                    '["存款", 5, "存款"]]'}, "products"),
                      ({"cancelled_pattern": "注销("}, "cancelled_pattern"),
                      ({"strategy": '[["A","x {nope}",1],["B","b",1],["C","c",1]]'}, "strategy")):
        with mock.patch.object(bio, "read_tables", refuse), pytest.raises(ParameterError) as e:
            run_scenario("C2", [Path("never.xlsx")], None, params=bad, as_of=AS_OF)
        assert word in str(e.value)


def test_sample_list_carries_the_planted_dirt():
    """The sample registration list holds bad USCC check characters, full-width USCCs and IDs, 15-digit and
    corrupt IDs, names with spaces, 注销/吊销, operators with 2–3 businesses and people outside the bank; its
    valid/invalid USCCs are exactly python-stdnum's; C2 finds every class, C4 leads and acquiring links on it."""
    import unicodedata

    from bankxl.sample import make_sample_bank

    bank = make_sample_bank()
    b = bank["businesses"]
    u = b["uscc"].dropna()
    std = u.map(lambda x: std_uscc.is_valid(unicodedata.normalize("NFKC", x)))
    assert (~std).sum() >= 3 and u.str.contains("[０-９Ａ-Ｚ]").sum() > 0
    ids = b["id_no"].dropna()
    assert ids.str.fullmatch(r"\d{15}").sum() > 0 and ids.str.contains("[０-９]").sum() > 0
    assert ids.str.contains("E+17", regex=False).sum() > 0 and b["cust_name"].str.contains(r"\s").sum() > 0
    assert {"注销", "吊销", "存续"} <= set(b["status"].dropna())
    assert ids.value_counts().max() >= 3
    rep = execute("C2", {k: bank[k] for k in ("businesses", "customers", "product_holdings", "loans", "merchants",
                                              "merchant_monthly")}, as_of=AS_OF)
    bad = [p for p in rep.problems.problems if p.code == "USCC_INVALID"]
    assert len(bad) == int((~std).sum())
    cnt = rep.tables()["match_counts"].df[["内外都有", "仅内部", "仅外部(新客)", "冲突"]].sum()
    assert (cnt > 0).all()
    tags = rep.tables()["customer_tags"].df
    assert (tags["标签代码"] == "C2_C4_LEAD").sum() > 0
    assert (rep.tables()["biz_list"].df["经营户数"] > 1).any()
