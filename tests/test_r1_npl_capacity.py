"""R1 不良客户偿还能力: coverage and grades computed by hand for a tiny bank (frozen and pension money excluded,
guarantor added, inflow × 3, the boundaries CR = 1 and 0.5, D vs E, unknown is not E), the merge of two loans,
bad parameters stopped before load, the sample bank (every grade and exclusion present) and Berka's 76 bad loans
recomputed from the raw loan.csv."""
from __future__ import annotations

import csv
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.errors import ParameterError
from bankxl.masking import mask_account
from bankxl.runner import execute, run_scenario

AS_OF = "2026-11-30"  # a Monday
BERKA = Path(__file__).resolve().parents[2] / "shared" / "data" / "berka_pkdd99_financial"
ID1, ID2, IDG = "34052419800101001X", "360426199101010071", "11010519491231002X"


def _npl() -> pd.DataFrame:
    rows = [  # loan, cust, id, org, class, dpd, principal, interest, guarantor, guarantee_end, written_off
        ("L1", "C1", ID1, "001", "次级", 120, 100_000, 0, None, None, False),
        ("L2a", "C2", ID2, "001", "可疑", 300, 40_000, 5_000, IDG, None, False),
        ("L2b", "C2", None, "001", "次级", 100, 50_000, 5_000, None, None, False),
        ("L3", "C3", None, "001", "次级", 95, 80_000, 0, None, None, False),
        ("L4", "C4", None, "002", "次级", 200, 100_000, 0, IDG, "2026-06-30", False),  # guarantee expired
        ("L5", "C5", None, "002", "损失", 400, 50_000, 0, None, None, True),
        ("L6", "C6", None, "002", "次级", 150, 200_000, 0, None, None, False),
        ("L7", "C7", None, "002", "次级", 180, 30_000, 0, None, None, False),
        ("L8", "C8", None, "002", "次级", 100, 90_000, 10_000, None, None, False),
    ]
    df = pd.DataFrame(rows, columns=["loan_id", "cust_id", "id_no", "org_id", "classification", "overdue_days",
                                     "principal", "interest", "guarantor_id", "guarantee_end", "written_off"])
    df["guarantee_end"] = pd.to_datetime(df["guarantee_end"])
    return df.astype({"written_off": "boolean", "principal": float, "interest": float})


def _deposits() -> pd.DataFrame:
    recent, stale = pd.Timestamp("2026-11-20"), pd.Timestamp("2024-01-05")
    rows = [  # acct, cust, id, balance, nature, frozen, frozen_amount, last_txn, inflow_12m
        ("6217000000000011", "C1", ID1, 60_000, "一般", None, None, recent, 24_000),
        ("6217000000000012", "C1", ID1, 500_000, "一般", True, None, recent, 0),
        ("6217000000000013", "C1", None, 300_000, "社保/养老金", None, None, recent, 36_000),
        ("6217000000000021", "C2", None, 40_000, "工资", False, None, recent, 0),
        ("6217000000000091", "C9", None, 60_000, None, None, None, recent, 0),     # guarantor (via 客户 table)
        ("6217000000000031", "C3", None, 40_000, "一般", None, None, recent, 0),
        ("6217000000000041", "C4", None, 5_000, "一般", None, None, recent, 0),
        ("6217000000000051", "C5", None, 0, "一般", None, None, stale, None),      # no txn for 2 years: inflow 0
        ("6217000000000061", "C6", None, 20_000, "一般", None, None, recent, None),  # inflow unknown
        ("6217000000000081", "C8", None, 50_000, "一般", True, 30_000, recent, 0),  # 30,000 frozen of 50,000
    ]
    df = pd.DataFrame(rows, columns=["acct_no", "cust_id", "id_no", "balance", "nature", "frozen", "frozen_amount",
                                     "last_txn_date", "inflow_12m"])
    return df.astype({"frozen": "boolean", "balance": float, "frozen_amount": float, "inflow_12m": float})


CUSTOMERS = pd.DataFrame({"cust_id": ["C1", "C2", "C9"], "cust_name": ["张三", "李四", "王五"],
                          "id_no": [ID1, ID2, IDG]})
ORGS = pd.DataFrame({"org_id": ["001", "002"], "org_name": ["城东支行", "城西支行"]})


def _run(**kw):
    tables = {"npl_loans": _npl(), "deposit_accounts": _deposits(), "customers": CUSTOMERS, "orgs": ORGS}
    tables.update(kw.pop("tables", {}))
    return execute("risk.npl_capacity", {k: v for k, v in tables.items() if v is not None}, as_of=AS_OF, **kw)


@pytest.mark.golden("risk.npl_capacity")
def test_npl_capacity_by_hand():
    """Coverage CR = F / (本金 + 欠息), F = own available deposits + guarantor's + 近12月入账 / 12 × 3:

    C2: loans L2a 45,000 + L2b 55,000 merged (L2b has no ID: its 客户号 carries one) = 100,000 owed; own 40,000
        (工资 account counts) + guarantor C9 60,000 (found through the 客户 table's ID) = 100,000 -> CR 1.00 = A
        (boundary: ≥ 1).
    C1: owed 100,000; 60,000 + 24,000 / 12 × 3 = 66,000 (frozen 500,000 and pension 300,000 and the pension
        account's inflow left out) -> 0.66 = B.
    C3: 40,000 / 80,000 = 0.50 = B (boundary: ≥ 0.5).      C8: (50,000 − 30,000 frozen) / 100,000 = 0.20 = C.
    C4: 5,000 / 100,000 = 0.05 < 0.1 with a transaction = D (guarantor C9's guarantee ended 2026-06-30: not
        counted).   C5: balance 0, last transaction 2024-01-05 -> no inflow, no transaction = E (written off,
        still listed).  C7: no account here = E (owed 30,000, after C5's 50,000).
    C6: 20,000 / 200,000 = 0.1 known but 近12月入账 blank on an active account: unknown, not C -> 未知/无法评估, last.
    Due dates: A 5, B 10, C 15, D 20, E 30 working days after Mon 2026-11-30; unknown 10."""
    rep = _run()
    lst = rep.tables()["npl_list"].df
    assert lst["客户号"].tolist() == ["C2", "C1", "C3", "C8", "C4", "C5", "C7", "C6"]
    assert lst["排名"].tolist() == list(range(1, 9))
    assert lst["等级"].tolist() == ["A", "B", "B", "C", "D", "E", "E", "未知/无法评估"]
    assert lst["得分"].tolist()[:7] == [4.0, 3.0, 3.0, 2.0, 1.0, 0.0, 0.0] and np.isnan(lst["得分"].iloc[7])
    np.testing.assert_allclose(lst["覆盖率"].to_numpy(dtype=float)[:7], [1.0, 0.66, 0.5, 0.2, 0.05, 0.0, 0.0])
    assert np.isnan(lst["覆盖率"].iloc[7])
    assert lst["欠款合计(元)"].tolist() == [100_000, 100_000, 80_000, 100_000, 100_000, 50_000, 30_000, 200_000]
    assert lst["借款人可用存款(元)"].tolist()[:2] == [40_000, 60_000]
    assert lst["保证人可用存款(元)"].tolist()[:5] == [60_000, 0, 0, 0, 0]
    assert lst["入账计入(元)"].iloc[1] == 6_000
    assert lst["可用资金(元)"].tolist()[:2] == [100_000, 66_000] and pd.isna(lst["可用资金(元)"].iloc[7])
    assert lst["借据笔数"].iloc[0] == 2 and lst["借据号"].iloc[0] == "L2a、L2b"
    c1 = lst["原因"].iloc[1]
    assert "冻结资金 500,000 元 不计入" in c1 and "社保/养老金账户 300,000 元 不计入" in c1
    assert lst["原因"].iloc[5].startswith("无可用资金, 且近期无交易") and "已核销" in lst["原因"].iloc[5]
    assert "保证期间已届满" in lst["原因"].iloc[4]
    assert lst["未计算因素"].iloc[7] == "近12月入账未知(覆盖率下限不足 A 级)"
    assert "(保证人) 可用 60,000 元" in lst["可用账户"].iloc[0] and "6217000000000091" not in lst["可用账户"].iloc[0]
    assert mask_account(pd.Series(["6217000000000091"])).iloc[0] in lst["可用账户"].iloc[0]
    due = lst["截止日"].dt.strftime("%Y-%m-%d").tolist()
    assert due == ["2026-12-07", "2026-12-14", "2026-12-14", "2026-12-21", "2026-12-28", "2027-01-12", "2027-01-12",
                   "2026-12-14"]
    tags = rep.tables()["customer_tags"].df
    assert sorted(tags["客户号"]) == sorted(lst["客户号"]) and set(tags["标签代码"]) == {"R1_REPAY_GRADE"}
    # branch distribution: 城东 001 holds C1 C2 C3 (A 1, B 2); 城西 002 holds C4..C8 (C 1, D 1, E 2, unknown 1)
    br = rep.tables()["branch_grades"].df.set_index("机构号")
    assert br.loc["001", ["A", "B", "C", "D", "E", "未知/无法评估", "借款人数"]].tolist() == [1, 2, 0, 0, 0, 0, 3]
    assert br.loc["002", ["A", "B", "C", "D", "E", "未知/无法评估", "借款人数"]].tolist() == [0, 0, 1, 1, 2, 1, 5]
    assert br.loc["001", "机构名称"] == "城东支行"
    # the frozen and pension accounts are listed with why they do not count
    acc = rep.tables()["npl_accounts"].df
    assert set(acc["处理"]) >= {"冻结(司法/止付), 不计", "社保/养老金账户, 不计", "部分冻结, 冻结部分不计", "计入"}


def test_without_deposits_every_grade_is_unknown_never_e():
    """No 存款账户 table: coverage blank and 未知/无法评估 for all 8 borrowers — never 0 or E."""
    rep = _run(tables={"deposit_accounts": None})
    lst = rep.tables()["npl_list"].df
    assert set(lst["等级"]) == {"未知/无法评估"} and lst["覆盖率"].isna().all() and lst["得分"].isna().all()
    assert (lst["未计算因素"] == "存款账户未提供, 可用资金未知").all()
    # ranked by 欠款合计 (then 贷款金额) since no grade is known: C6 200,000 first
    assert lst["客户号"].iloc[0] == "C6"


def test_bands_and_guarantor_parameters_change_grades():
    """cr_bands 0.05/0.6/1.1: C2 (1.00) -> B, C1 (0.66) -> B, C3 (0.5) -> C, C4 (0.05) -> C (boundary ≥);
    without the guarantor C2 has 40,000 / 100,000 = 0.4 -> C."""
    lst = _run(params={"cr_bands": "0.05,0.6,1.1"}).tables()["npl_list"].df.set_index("客户号")
    assert lst.loc[["C2", "C1", "C3", "C4"], "等级"].tolist() == ["B", "B", "C", "C"]
    lst = _run(params={"count_guarantor": "否"}).tables()["npl_list"].df.set_index("客户号")
    assert lst.loc["C2", "等级"] == "C" and lst.loc["C2", "覆盖率"] == pytest.approx(0.4)


def test_class_milder_than_dpd_is_a_data_problem():
    """L2a 可疑 at 300 days is fine (>270 → 可疑); L5 损失 at 400 fine; a 次级 loan at 400 days is NPL_CLASS_DPD."""
    npl = _npl()
    npl.loc[npl["loan_id"] == "L7", "overdue_days"] = 400
    rep = _run(tables={"npl_loans": npl})
    probs = rep.problems.to_frame()
    hit = probs[probs["问题码"] == "NPL_CLASS_DPD"]
    assert len(hit) == 1 and hit["原值"].iloc[0] == "次级 / 逾期 400 天"


def test_bad_parameter_fails_before_load():
    """cr_bands not increasing, two numbers, an unknown placeholder in the strategy: ParameterError before any
    file is read."""
    def refuse(*a, **k):
        raise AssertionError("input read")

    for bad, word in (({"cr_bands": "1,0.5,0.1"}, "cr_bands"), ({"cr_bands": "0.1,0.5"}, "cr_bands"),
                      ({"strategy": '[["A","x {nope}",1],["B","b",1],["C","c",1],["D","d",1],["E","e",1]]'},
                       "strategy")):
        with mock.patch.object(bio, "read_tables", refuse), pytest.raises(ParameterError) as e:
            run_scenario("R1", [Path("never.xlsx")], None, params=bad, as_of=AS_OF)
        assert word in str(e.value)


def test_sample_bank_has_every_grade_and_exclusion():
    from bankxl.sample import make_sample_bank

    bank = make_sample_bank()
    tables = {t: bank[t] for t in ("npl_loans", "deposit_accounts", "customers", "orgs")}
    rep = execute("R1", tables, as_of=AS_OF)
    lst = rep.tables()["npl_list"].df
    assert set(lst["等级"]) == {"A", "B", "C", "D", "E", "未知/无法评估"}
    acc = rep.tables()["npl_accounts"].df
    assert {"冻结(司法/止付), 不计", "社保/养老金账户, 不计", "部分冻结, 冻结部分不计", "计入"} <= set(acc["处理"])
    assert "保证人" in set(acc["角色"]) and "保证期间已届满, 不计" in set(acc["处理"])
    assert (lst["借据笔数"] >= 2).any() and (lst["含核销"] == "是").any()


def _berka_bad_loans() -> set[str]:
    with open(BERKA / "loan.csv", newline="", encoding="utf-8") as fh:
        return {r["loan_id"] for r in csv.DictReader(fh, delimiter=";") if r["status"] in ("B", "D")}


def test_berka_lists_exactly_the_76_bad_loans():
    """Berka's loan.csv read with the csv module: status B (31) + D (45) = 76 loans. R1 on the adapter's tables
    lists exactly those loans, every borrower 未知/无法评估 with a blank coverage (no balances in the data)."""
    if not (BERKA / "loan.csv").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Berka data required in CI at {BERKA}")
        pytest.skip(f"Berka data not found at {BERKA}")
    from bankxl.datasets import load_berka
    from bankxl.scenario import RunContext

    bad = _berka_bad_loans()
    assert len(bad) == 76
    data = load_berka(BERKA)
    ctx = RunContext(as_of="1998-12-31", currency="CZK")
    rep = execute("R1", {t: data[t] for t in ("npl_loans", "customers", "orgs")}, ctx=ctx)
    loans = rep.tables()["npl_loans_detail"].df
    assert set(loans["借据号"]) == bad and len(loans) == 76
    lst = rep.tables()["npl_list"].df
    assert len(lst) == loans["借款人客户号"].nunique() == 76  # one loan per account in Berka
    assert set(lst["等级"]) == {"未知/无法评估"} and lst["覆盖率"].isna().all()
    assert "贷款金额(CZK)" in rep.tables()["npl_loans_detail"].df.columns


def test_headline_figures_by_hand(tmp_path):
    """Issue 10: the report opens on one overview, the headline. On the hand bank (test_npl_capacity_by_hand):
    8 borrowers of 9 loans, C5 written off; 欠款 100,000 × 4 (C1 C2 C4 C8) + 80,000 + 50,000 + 200,000 + 30,000 =
    760,000 元 = 76 万元; 可用资金 known for all but C6: 100,000 + 66,000 + 40,000 + 20,000 + 5,000 + 0 + 0 =
    231,000 = 23.1 万元 against those 7 borrowers' 欠款 760,000 − 200,000 = 56 万元 (差额 −32.9); A/B: C2 C1 C3
    = 3 户 owing 280,000 = 28 万元; E: C5 C7; unknown: C6. Without deposits 可用资金 is blank, never 0."""
    import openpyxl

    from bankxl.report.xlsx import XlsxReportWriter, write_report

    rep = _run()
    got = {f.label: (f.value, f.compare) for f in rep.headline.figures}
    assert got == {"不良借款人": (8, None), "欠款合计(本金 + 欠息)": (76.0, None),
                   "可用资金合计": (pytest.approx(23.1), pytest.approx(56.0)), "有偿还能力(A/B 级)": (3, None),
                   "无可用资金(E 级)": (2, None), "未知/无法评估": (1, None)}
    notes = {f.label: f.note for f in rep.headline.figures}
    assert notes["不良借款人"] == "9 笔借据; 含已核销借款人 1 户" and notes["有偿还能力(A/B 级)"].startswith("欠款 28.00 万元")
    assert rep.headline.actions == "npl_list" and rep.headline.chart.table == "grade_summary"
    grades = rep.tables()["grade_summary"].df.set_index("等级")["借款人数"]
    assert grades.to_dict() == {"A": 1, "B": 2, "C": 1, "D": 1, "E": 2, "未知/无法评估": 1}
    wb = openpyxl.load_workbook(write_report(rep, tmp_path / "r1.xlsx"))
    assert wb.sheetnames[:3] == ["概览", "清收名单", "网点分布"] and wb.sheetnames.count("概览") == 1
    ws = wb["概览"]
    assert [ws.cell(r, 2).value for r in range(6, 12)] == [8, 76, pytest.approx(23.1), 3, 2, 1]
    assert ws["E8"].value == 56 and ws["F8"].value == pytest.approx(-32.9)
    head = next(r for r in range(1, 60) if ws.cell(r, 1).value == "排名")
    assert [ws.cell(head + i, 2).value for i in range(1, 9)] == ["C2", "C1", "C3", "C8", "C4", "C5", "C7", "C6"]
    # 9 loans / 10 accounts are few rows, yet both are detail sheets (print their first page), 网点分布 a summary
    w = XlsxReportWriter(rep, tmp_path / "r1b.xlsx")
    w.write()
    assert [w.layouts[s][0] for s in ("借据明细", "可用账户", "网点分布")] == ["detail", "detail", "summary"]
    no_dep = {f.label: (f.value, f.compare) for f in _run(tables={"deposit_accounts": None}).headline.figures}
    assert no_dep["可用资金合计"] == (None, None) and no_dep["未知/无法评估"] == (8, None)


def test_unknown_action_fits_one_line_of_the_top_10():
    """Berka 概览 前 10: every borrower is 未知/无法评估 and its 建议动作 wrapped with a lone ")" on the second line.
    The default action now fits one line of a wrapped text column (display width ≤ xlsx.WRAP_WIDTH = 40 units,
    a CJK character counting 2); that it is not the same as having no capacity (not E) moved to the list note."""
    from bankxl.report.xlsx import WRAP_WIDTH, display_width

    rep = _run(tables={"deposit_accounts": None})
    lst = rep.tables()["npl_list"].df
    actions = set(lst["建议动作"])
    assert actions == {"补齐存款账户与欠款数据后重新评估"}
    assert all(display_width(a) <= WRAP_WIDTH for a in actions)  # 16 CJK = 32 units
    notes = " ".join(line for sheet in rep.sheets for block in sheet.blocks for line in getattr(block, "lines", ()))
    assert "不等于无偿还能力(不是 E 级)" in notes
