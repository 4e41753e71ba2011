"""C6 按揭客户交叉营销: coverage, gaps and scores on a hand-built bank, the outcome-leak guard, loan details,
the written workbook, and UCI coverage recomputed from the raw CSV."""
from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenario import RunContext
from bankxl.tables import get_table

#: the UCI file bundled in the package (always present, also in a fresh clone)
UCI_GZ = Path(__file__).resolve().parents[1] / "bankxl" / "data" / "bank-full.csv.gz"
AS_OF = "2026-11-30"


def _frame(table_id: str, rows: list[dict], extras=()) -> pd.DataFrame:
    empty = get_table(table_id).empty()
    df = pd.DataFrame(rows)
    out = {c: (df[c].astype(empty[c].dtype) if c in df.columns else pd.Series(index=df.index, dtype=empty[c].dtype))
           for c in empty.columns}
    for c in extras:
        out[c] = df[c]
    return pd.DataFrame(out)


def bank() -> dict[str, pd.DataFrame]:
    """k1–k3 hold a mortgage; k4, k5 do not; k6 has a 个人住房贷款 row with held = False."""
    cust = _frame("customers", [
        {"cust_id": "k1", "cust_name": "张三", "sex": "男", "birth_date": pd.Timestamp("1980-06-01"), "payroll_flag": True,
             "outcome_y": True},
        {"cust_id": "k2", "cust_name": "李四", "sex": "女", "birth_date": pd.Timestamp("1990-12-15"), "payroll_flag": False,
             "outcome_y": False},
        {"cust_id": "k3", "cust_name": "王五", "sex": "男", "birth_date": pd.Timestamp("1950-01-01"), "payroll_flag": False,
             "outcome_y": False},
        {"cust_id": "k4", "sex": "女", "birth_date": pd.Timestamp("1985-01-01"), "payroll_flag": False, "outcome_y": True},
        {"cust_id": "k5", "sex": "男", "birth_date": pd.Timestamp("1995-01-01"), "payroll_flag": False, "outcome_y": True},
        {"cust_id": "k6", "sex": "女", "birth_date": pd.Timestamp("1970-01-01"), "payroll_flag": False, "outcome_y": False},
    ], extras=("outcome_y",))
    cust["outcome_y"] = cust["outcome_y"].astype("boolean")
    hold = _frame("product_holdings", [
        {"cust_id": "k1", "product": "个人住房贷款", "held": True}, {"cust_id": "k1", "product": "信用卡", "held": True},
        {"cust_id": "k1", "product": "定期存款", "held": True, "balance": 300_000.0},
        {"cust_id": "k2", "product": "个人住房贷款", "held": True}, {"cust_id": "k2", "product": "个人消费贷款", "held": True},
        # a blank 持有 cell = held: the loader and conform write the column's blank rule (True), so the typed
        # frame holds True (issue 9 item 4; <NA> in a typed frame now means an unreadable value: unknown)
        {"cust_id": "k3", "product": "个人住房贷款", "held": True},
        {"cust_id": "k4", "product": "信用卡", "held": True},
        {"cust_id": "k5", "product": "定期存款", "held": True, "balance": 10_000.0},
        {"cust_id": "k6", "product": "个人住房贷款", "held": False},
    ])
    return {"customers": cust, "product_holdings": hold}


def _run(tables, **params):
    return execute("credit.mortgage_cross_sell", tables, params or None, as_of=AS_OF)


def test_coverage_by_hand():
    rep = _run(bank())
    cov = rep.tables()["coverage"].df.set_index("产品")
    # evaluated: 个人消费贷款, 信用卡, 定期存款 (holdings) and 代发 (payroll_flag); 理财/手机银行/保险 not in data
    assert list(cov.index) == ["个人消费贷款", "信用卡", "定期存款", "代发", "本次营销认购定期(结果)"]
    for x in ("个人消费贷款", "信用卡", "定期存款", "代发"):
        assert cov.loc[x, "按揭客户覆盖率"] == pytest.approx(1 / 3)
        assert cov.loc[x, "未持有客户数"] == 2
    assert cov.loc["信用卡", "非按揭客户覆盖率"] == pytest.approx(1 / 3)  # k4 of k4 k5 k6
    assert cov.loc["个人消费贷款", "非按揭客户覆盖率"] == 0
    # outcome reported, as an outcome: k1 of k1 k2 k3 took the deposit; k4 k5 of k4 k5 k6
    assert cov.loc["本次营销认购定期(结果)", "按揭客户覆盖率"] == pytest.approx(1 / 3)
    assert cov.loc["本次营销认购定期(结果)", "非按揭客户覆盖率"] == pytest.approx(2 / 3)
    assert cov.loc["本次营销认购定期(结果)", "类型"].startswith("营销结果")
    assert any("理财" in n and "未提供" in n for n in rep.notes)


@pytest.mark.golden("credit.mortgage_cross_sell")
def test_scores_gaps_and_order_by_hand():
    rep = _run(bank())
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    assert list(lst.index) == ["k1", "k3", "k2"]
    # weights 消费贷 25, 信用卡 20, 定期 15, 代发 10 -> evaluated total 70
    # k1: gap {消费贷} 50*25/70 + size pct 1.0 * 35 + age 46 -> 15
    assert lst.loc["k1", "得分"] == pytest.approx(round(50 * 25 / 70 + 35 + 15, 1))
    assert lst.loc["k1", "缺口产品"] == "个人消费贷款" and lst.loc["k1", "等级"] == "B"
    # k2: gaps 信用卡 定期存款 代发 (45) -> 32.14 + no deposit + age 35 (birthday 12-15 not reached) 15
    assert lst.loc["k2", "年龄"] == 35
    assert lst.loc["k2", "得分"] == pytest.approx(round(50 * 45 / 70 + 15, 1))
    assert lst.loc["k2", "缺口产品"] == "信用卡、定期存款、代发"
    # k3: all four gaps -> 50, age 76 -> 0
    assert lst.loc["k3", "得分"] == 50 and lst.loc["k3", "等级"] == "C" and lst.loc["k3", "缺口产品数"] == 4
    assert lst.loc["k3", "建议动作"].startswith("推荐个人消费贷")
    assert "k6" not in lst.index and "k4" not in lst.index
    assert lst.loc["k1", "客户名称(脱敏)"] == "张*"
    assert "存款 300,000 元" in lst.loc["k1", "原因"]
    gaps = rep.tables()["gap_count"].df.set_index("缺口产品数")["按揭客户数"].to_dict()
    assert gaps == {1: 1, 3: 1, 4: 1}


def test_list_on_the_shared_mechanism():
    """Issue 9: the list comes from bankxl.lists — top-3 reasons by points, action and working-day due date
    from the 策略表 per level, unknown factors listed (not scored 0), rank tie-break stated; tags on 客户标签.
    Ranks are unchanged here (all scores differ); among equal scores the larger deposit now ranks first,
    then 客户号 (bankxl.lists)."""
    rep = _run(bank())
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    # k1: gap 17.9 (个人消费贷款), size 35 (the only holder with a deposit: top 1%), age 15 -> size, gap, age
    assert lst.loc["k1", "原因"] == "存款 300,000 元(按揭客户中前 1%)；缺 1 项产品: 个人消费贷款；46 岁, 家庭形成期"
    # k2: gaps 32.1 + age 15; no deposit in the data: not computed, not 0
    assert lst.loc["k2", "原因"] == "缺 3 项产品: 信用卡、定期存款、代发；35 岁, 家庭形成期"
    assert lst.loc["k2", "未计算因素"] == "存款规模" and pd.isna(lst.loc["k1", "未计算因素"])
    # levels B (k1 67.9) / C: B -> 10 working days, C -> 20 after Monday 2026-11-30
    assert lst.loc["k1", "截止日"] == pd.Timestamp("2026-12-14")
    assert lst.loc["k3", "截止日"] == pd.Timestamp("2026-12-28")
    assert lst.loc["k1", "建议动作"].startswith("推荐个人消费贷") and lst.loc["k1", "建议动作"].endswith("电话联系")
    notes = rep.sheet("营销名单").blocks[0].lines
    assert any("同分按存款(元)从高到低" in n for n in notes)
    assert any(n.startswith("营销名单排名: 按得分从高到低; 同分按存款(元)") for n in rep.notes)  # 说明
    tags = rep.sheet("客户标签").blocks[1].df
    assert list(tags.columns) == ["客户号", "场景", "标签代码", "标签名称", "标签值", "标签等级", "数据日期", "规则版本"]
    t = tags.set_index(["客户号", "标签代码"])
    assert t.loc[("k1", "C6_CROSS_SELL"), "标签值"] == lst.loc["k1", "得分"]
    assert t.loc[("k1", "C6_CROSS_SELL"), "标签等级"] == "B"
    assert t.loc[("k3", "C6_PRODUCT_GAP"), "标签值"] == 4 and ("k1", "C6_MORTGAGE") in t.index
    assert set(tags["规则版本"]) == {rep.meta["rule_version"]} and set(tags["场景"]) == {"C6"}
    # a changed 策略表 changes action and due date; the weights are parameters too
    rep2 = _run(bank(), strategy='[["A", "{offer}", 1], ["B", "面谈", 1], ["C", "{offer}; 短信", 2]]',
                age_points=0)
    l2 = rep2.tables()["cross_sell_list"].df.set_index("客户号")
    assert l2.loc["k1", "得分"] == pytest.approx(round(50 * 25 / 70 + 35, 1)) and l2.loc["k1", "等级"] == "C"
    assert l2.loc["k1", "建议动作"].startswith("推荐个人消费贷") and l2.loc["k1", "建议动作"].endswith("; 短信")
    assert l2.loc["k1", "截止日"] == pd.Timestamp("2026-12-02")


def test_bad_levels_or_strategy_stop_in_the_params_check():
    """Checked by MortgageParams.check() (make_params, before any input is read), Chinese + English."""
    from bankxl.errors import ParameterError
    from bankxl.scenario import make_params
    from bankxl.scenarios.credit.mortgage_cross_sell import MortgageParams

    with pytest.raises(ParameterError, match="从高到低"):
        make_params(MortgageParams, {"等级门槛": '[["A", 60], ["B", 80], ["C", 0]]'})
    with pytest.raises(ParameterError, match="每个等级"):
        make_params(MortgageParams, {"strategy": '[["A", "{offer}", 5], ["B", "{offer}", 10]]'})
    with pytest.raises(ParameterError, match=r"\{offer\}") as e:
        make_params(MortgageParams, {"strategy": '[["A", "{产品}", 5], ["B", "x", 10], ["C", "y", 20]]'})
    assert "unknown {...} placeholder" in str(e.value)


def test_outcome_never_changes_the_priority():
    t = bank()
    base = _run(t).tables()["cross_sell_list"].df
    flipped = {k: v.copy() for k, v in t.items()}
    flipped["customers"]["outcome_y"] = ~flipped["customers"]["outcome_y"]
    flipped["customers"]["outcome_duration"] = pd.array([9999, 1, 5, 7, 8, 0], dtype="Int64")
    again = _run(flipped).tables()["cross_sell_list"].df
    pd.testing.assert_frame_equal(base, again)


def test_risk_customer_gets_no_credit_gaps():
    t = bank()
    t["customers"]["credit_default"] = pd.array([False, False, True, False, False, False], dtype="boolean")
    lst = _run(t).tables()["cross_sell_list"].df.set_index("客户号")
    assert lst.loc["k3", "缺口产品"] == "定期存款、代发" and lst.loc["k3", "风险提示"] == "违约/逾期"
    assert lst.loc["k3", "得分"] == pytest.approx(round(50 * 25 / 70, 1))


def test_loan_details_gate_the_consumer_loan_gap():
    t = bank()
    t["loans"] = _frame("loans", [
        # k1: mortgage disbursed 2025-06 -> 17 instalments paid (< 24): no consumer-loan push, 装修 hint
        {"loan_id": "M1", "cust_id": "k1", "product": "个人住房贷款", "start_date": pd.Timestamp("2025-06-20"),
             "amount": 1_000_000.0, "balance": 980_000.0, "status": "C"},
        # k3: 2020-01 -> 82 paid, balance/amount 0.5 < 0.7: gap stays
        {"loan_id": "M3", "cust_id": "k3", "product": "个人住房按揭贷款", "start_date": pd.Timestamp("2020-01-10"),
             "amount": 600_000.0, "balance": 300_000.0, "status": "正常"},
    ])
    lst = _run(t).tables()["cross_sell_list"].df.set_index("客户号")
    assert lst.loc["k1", "缺口产品"] == "" and "装修分期" in lst.loc["k1", "原因"]
    assert lst.loc["k1", "建议动作"].startswith("维护: 产品已齐全")
    assert "个人消费贷款" in lst.loc["k3", "缺口产品"]


def test_coverage_by_age_band_and_sex():
    rep = _run(bank())
    age = rep.tables()["cov_0"].df.set_index("年龄段")
    # k1 46 -> 45–54, k2 35 -> 35–44, k3 76 -> ≥65, k4 41 -> 35–44, k5 31 -> 25–34, k6 56 -> 55–64
    assert list(age.index) == ["25–34", "35–44", "45–54", "55–64", "≥65"]
    assert age.loc["35–44", "客户数"] == 2 and age.loc["35–44", "按揭客户数"] == 1
    assert age.loc["35–44", "按揭渗透率"] == pytest.approx(0.5)
    assert age.loc["35–44", "个人消费贷款覆盖率"] == 1.0  # k2
    assert pd.isna(age.loc["25–34", "信用卡覆盖率"])  # no holder in the band
    sex = rep.sheet("按性别").blocks[0].df.set_index("性别")
    assert sex.loc["男", "按揭客户数"] == 2 and sex.loc["男", "信用卡覆盖率"] == pytest.approx(0.5)


def test_workbook_written(tmp_path):
    rep = _run(bank())
    wb = openpyxl.load_workbook(write_report(rep, tmp_path / "c6.xlsx"))
    # issue 10: the report opens on the headline 概览; the coverage sheet (was 覆盖概览) is 产品覆盖, so the
    # workbook does not open on two overviews
    assert wb.sheetnames[:4] == ["概览", "产品覆盖", "按年龄段", "按性别"]
    assert wb.sheetnames[-5:] == ["缺口矩阵", "营销名单", "客户标签", "数据问题", "说明"]
    assert "customer_tags" in wb["客户标签"].tables
    assert wb["产品覆盖"]._charts and wb["按年龄段"]._charts and "cross_sell_list" in wb["营销名单"].tables


def test_no_mortgage_holders_gives_a_note():
    t = bank()
    t["product_holdings"] = t["product_holdings"][t["product_holdings"]["product"] != "个人住房贷款"]
    rep = _run(t)
    assert rep.sheet_names == ["产品覆盖", "数据问题", "说明"]  # issue 10: was 覆盖概览 (see test_workbook_written)
    assert rep.headline is None and "没有按揭客户" in rep.sheets[0].blocks[0].lines[0]


def test_headline_figures_by_hand(tmp_path):
    """Issue 10 headline on the hand bank: 3 holders (k1 k2 k3) of 6 customers = 50.0%; the two highest-weight
    products 个人消费贷款 (25: k2 of 3 holders = 1/3 vs non-holders k4 k5 k6: 0) and 信用卡 (20: k1 = 1/3 vs k4 =
    1/3); gaps 1 + 3 + 4 -> 3 holders with a gap, 8 / 3 = 2.7 per holder; levels k1 B, k2 k3 C -> A 0."""
    rep = _run(bank())
    got = [(f.label, f.value, f.compare) for f in rep.headline.figures]
    assert got == [("按揭客户", 3, None), ("个人消费贷款覆盖率(按揭客户)", pytest.approx(1 / 3), 0.0),
                   ("信用卡覆盖率(按揭客户)", pytest.approx(1 / 3), pytest.approx(1 / 3)),
                   ("有产品缺口的按揭客户", 3, None), ("营销名单 A 级", 0, None)]
    notes = [f.note for f in rep.headline.figures]
    assert notes[0] == "占全部 6 户客户的 50.0%" and notes[3] == "平均每户缺 2.7 项" and notes[4] == "B 级 1 户 / C 级 2 户"
    assert rep.headline.actions == "cross_sell_list" and rep.headline.chart.table == "coverage"
    ws = openpyxl.load_workbook(write_report(rep, tmp_path / "c6.xlsx"))["概览"]
    head = next(r for r in range(1, 80) if ws.cell(r, 1).value == "排名")
    assert [ws.cell(head + i, 2).value for i in (1, 2, 3)] == ["k1", "k3", "k2"]


def test_small_groups_are_not_coloured(tmp_path):
    """Issue 10 item 5: a rate over 1 or 2 holders (100% / 0%) gets no colour. 按性别: 男 2 holders (k1 k3),
    女 1 (k2). Default 着色最小分组 30: no colour scale at all and the note says why; with 2: only 男's row (the
    first data row, Excel row 4 under title, note and header) in every rate column D..I (按揭渗透率, 4 products,
    the outcome rate)."""
    import re
    import zipfile

    def sex_sheet(rep):
        path = write_report(rep, tmp_path / f"c6_{len(list(tmp_path.iterdir()))}.xlsx")
        names = re.findall(r'<sheet name="([^"]+)"', zipfile.ZipFile(path).read("xl/workbook.xml").decode())
        part = f"xl/worksheets/sheet{names.index('按性别') + 1}.xml"
        return zipfile.ZipFile(path).read(part).decode()

    rep = _run(bank())
    assert rep.sheet("按性别").blocks[0].note.startswith("按揭客户少于 30 户的分组(2 个)不着色")
    assert "conditionalFormatting" not in sex_sheet(rep)
    rep = _run(bank(), min_group_size=2)
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', sex_sheet(rep)) == [f"{c}4" for c in "DEFGHI"]
    assert rep.sheet("按性别").blocks[0].note.startswith("按揭客户少于 2 户的分组(1 个)不着色")


def test_uci_coverage_recomputed_from_raw():
    from bankxl.datasets import load_uci_bank_marketing

    raw = list(csv.DictReader(io.StringIO(gzip.decompress(UCI_GZ.read_bytes()).decode()), delimiter=";"))
    assert len(raw) == 45211
    h = [r for r in raw if r["housing"] == "yes"]
    o = [r for r in raw if r["housing"] != "yes"]
    t = load_uci_bank_marketing(UCI_GZ)
    rep = execute("credit.mortgage_cross_sell", t, ctx=RunContext(as_of="2010-11-30", currency="EUR"))
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["个人消费贷款", "按揭客户持有数"] == sum(r["loan"] == "yes" for r in h)
    assert cov.loc["个人消费贷款", "按揭客户覆盖率"] == pytest.approx(sum(r["loan"] == "yes" for r in h) / len(h))
    assert cov.loc["个人消费贷款", "非按揭客户覆盖率"] == pytest.approx(sum(r["loan"] == "yes" for r in o) / len(o))
    assert cov.loc["本次营销认购定期(结果)", "按揭客户覆盖率"] == pytest.approx(sum(r["y"] == "yes" for r in h) / len(h))
    mar = rep.tables()["cov_2"].df.set_index("婚姻状况")
    married = [r for r in raw if r["marital"] == "married"]
    mh = [r for r in married if r["housing"] == "yes"]
    assert mar.loc["已婚(married)", "按揭客户数"] == len(mh)
    assert mar.loc["已婚(married)", "个人消费贷款覆盖率"] == pytest.approx(sum(r["loan"] == "yes" for r in mh) / len(mh))
    # risk: clients in default get no consumer-loan gap
    gap = rep.tables()["coverage"].df.set_index("产品").loc["个人消费贷款", "未持有客户数"]
    assert gap == sum(r["loan"] != "yes" for r in h)  # coverage counts every holder without the product
    lst = rep.tables()["cross_sell_list"].df
    assert "存款(EUR)" in lst.columns and len(lst) == 1000
    job = rep.tables()["cov_1"].df
    assert job["客户数"].sum() == len(raw)


def test_two_mortgages_judged_loan_by_loan():
    """Review fix: months paid and balance ratio come from the SAME loan. k1: M1a paid 65 months but
    balance/amount 0.9; M1b paid 11 months with ratio 0.5 -> no loan meets both (old code paired 65 with
    0.5 and pushed a consumer loan). k3: one of two loans meets both -> gap stays. The 装修 hint uses the
    fewest months paid: k1's newest mortgage is 11 months old -> hint; k3's newest is 30 months -> none."""
    t = bank()
    t["loans"] = _frame("loans", [
        {"loan_id": "M1a", "cust_id": "k1", "product": "个人住房贷款", "start_date": pd.Timestamp("2021-06-01"),
             "amount": 1_000_000.0, "balance": 900_000.0, "status": "C"},   # 2021-06 -> 2026-11: 65 months
        {"loan_id": "M1b", "cust_id": "k1", "product": "个人住房贷款", "start_date": pd.Timestamp("2025-12-01"),
             "amount": 400_000.0, "balance": 200_000.0, "status": "C"},     # 11 months
        {"loan_id": "M3a", "cust_id": "k3", "product": "个人住房贷款", "start_date": pd.Timestamp("2019-01-01"),
             "amount": 500_000.0, "balance": 300_000.0, "status": "C"},     # 94 months, 0.6 < 0.7
        {"loan_id": "M3b", "cust_id": "k3", "product": "个人住房贷款", "start_date": pd.Timestamp("2024-05-01"),
             "amount": 500_000.0, "balance": 480_000.0, "status": "C"},     # 30 months, 0.96
    ])
    from bankxl.scenarios.credit.mortgage_cross_sell import mortgage_detail

    md = mortgage_detail(t["loans"], AS_OF, 24, 0.7)
    assert md.loc["k1", "min_paid"] == 11 and md.loc["k1", "max_paid"] == 65 and not md.loc["k1", "consumer_ok"]
    assert md.loc["k3", "min_paid"] == 30 and md.loc["k3", "consumer_ok"]
    lst = _run(t).tables()["cross_sell_list"].df.set_index("客户号")
    assert "个人消费贷款" not in lst.loc["k1", "缺口产品"]   # k1 held 信用卡 + 定期 + 代发: no gap left
    assert lst.loc["k1", "缺口产品"] == "" and "装修分期" in lst.loc["k1", "原因"]
    assert "个人消费贷款" in lst.loc["k3", "缺口产品"] and "装修分期" not in lst.loc["k3", "原因"]


def test_age_from_birth_date_id_number_or_age_column():
    """Ages: birth_date first, then the ID number (bankxl.idcard.age_at), then an age column."""
    from bankxl.idcard import age_at, birth_date
    from bankxl.frames import age_from_birth, customer_ages

    cust = pd.DataFrame({"birth_date": pd.to_datetime(["1980-12-01", None, None, "2000-02-29"]),
                         "id_no": pd.array([None, "11010519491231002X", None, None], dtype="string"),
                         "age": [99, 99, 41, None]})
    got = customer_ages(cust, "2026-11-30").tolist()
    assert got[:3] == [45.0, 76.0, 41.0]           # 1980-12-01: birthday not yet reached -> 45
    assert customer_ages(cust, "2027-02-28").iloc[3] == 26.0   # 29 Feb reached on 1 Mar in non-leap years
    assert customer_ages(cust, "2027-03-01").iloc[3] == 27.0
    # second method: the idcard module's own age rule on the same birth dates
    ids = pd.Series(["11010519491231002X", "110105198012010018", "110105200002290014"], dtype="string")
    for d in ("2026-11-30", "2027-02-28", "2027-12-31"):
        assert age_from_birth(birth_date(ids, valid_only=False), d).tolist() == \
            age_at(ids, d, valid_only=False).astype("float64").tolist()


def test_offer_texts_renovation_months_and_mortgage_pattern_are_parameters():
    """Issue 9: C6's user-facing texts and thresholds are parameters (参数 sheet, hashed), each changing the
    output on the hand-built bank.
    * offers: k3's 个人消费贷款 gap goes (M3b's balance/amount 0.96 ≥ 0.7), so its highest-weight gap is 信用卡
      (20), then 定期存款 -> 建议动作 starts with the 信用卡 offer text; no_gap_offer: k1 (no gap left with
      the loan details below) gets that text.
    * renovation_months: k3's newest mortgage M3b is 30 months old: no 装修 hint at 24, a hint at 36
      ("按揭放款 ≤36 个月"); k1's M1b (11 months) has it either way.
    * mortgage_pattern: k4's running 安居贷 loan is not a mortgage by default (住房|按揭|房贷); with the pattern
      安居 k4 becomes a holder (4 holders instead of 3)."""
    from bankxl.errors import ParameterError
    from bankxl.scenario import make_params, params_table
    from bankxl.scenarios.credit.mortgage_cross_sell import MortgageParams

    t = bank()
    t["loans"] = _frame("loans", [
        {"loan_id": "M1b", "cust_id": "k1", "product": "个人住房贷款", "start_date": pd.Timestamp("2025-12-01"),
         "amount": 400_000.0, "balance": 390_000.0, "status": "C"},     # 11 months paid, ratio 0.975
        {"loan_id": "M3b", "cust_id": "k3", "product": "个人住房贷款", "start_date": pd.Timestamp("2024-05-01"),
         "amount": 500_000.0, "balance": 480_000.0, "status": "C"},     # 30 months paid
        {"loan_id": "A4", "cust_id": "k4", "product": "安居贷", "start_date": pd.Timestamp("2023-01-01"),
         "amount": 300_000.0, "balance": 200_000.0, "status": "C"},
    ])
    base = _run(t)
    lst = base.tables()["cross_sell_list"].df.set_index("客户号")
    assert sorted(lst.index) == ["k1", "k2", "k3"]
    assert lst.loc["k1", "建议动作"].startswith("维护: 产品已齐全") and "按揭放款 ≤24 个月" in lst.loc["k1", "原因"]
    assert "装修分期" not in lst.loc["k3", "原因"] and lst.loc["k3", "建议动作"].startswith("推荐信用卡(装修分期")
    changed = _run(t, offers='[["个人消费贷款", "主推装修贷"], ["信用卡", "办卡"]]', no_gap_offer="回访维护",
                   renovation_months=36, mortgage_pattern="安居")
    l2 = changed.tables()["cross_sell_list"].df.set_index("客户号")
    assert l2.loc["k3", "建议动作"].startswith("办卡; 其次: 定期存款") and "按揭放款 ≤36 个月: 装修分期需求" in l2.loc["k3", "原因"]
    assert l2.loc["k1", "建议动作"].startswith("回访维护")
    assert sorted(l2.index) == ["k1", "k2", "k3", "k4"]   # 安居贷 now a mortgage
    assert changed.meta["rule_version"] != base.meta["rule_version"]
    shown = params_table(make_params(MortgageParams, {})).set_index("参数")
    assert shown.loc["mortgage_pattern", "名称"] == "按揭贷款品种(正则)" and shown.loc["renovation_months", "单位"] == "月"
    # checked before any input is read: an invalid regex, a blank pattern, an offer row that is not a pair
    with pytest.raises(ParameterError, match="正则"):
        make_params(MortgageParams, {"mortgage_pattern": "住房("})
    with pytest.raises(ParameterError, match="mortgage_pattern|按揭贷款品种"):
        make_params(MortgageParams, {"mortgage_pattern": " "})
    with pytest.raises(ParameterError, match="offers"):
        make_params(MortgageParams, {"offers": '[["信用卡"]]'})
    with pytest.raises(ParameterError):
        make_params(MortgageParams, {"renovation_months": -1})


def test_held_blank_rule_is_applied_by_the_loader_and_c6_reads_the_typed_column(tmp_path):
    """Issue 9 item 4: the 持有 spec states its blank rule (Column.blank_value=True); the loader (and conform)
    write it, so C6 reads the typed column and no longer looks in the problem log. From a CSV (Excel rows =
    CSV lines: header line 1): line 2 k1 个人住房贷款 是; 3 k1 信用卡 blank -> True (held); 4 k1 理财 乱码 ->
    <NA> (unknown) with VALUE_INVALID on 数据问题 naming line 4; 5 k2 个人住房贷款 blank -> held; 6 k2 信用卡
    否 -> False; 7 k2 理财 是.
    C6 by hand (holders k1, k2): 信用卡 k1 yes, k2 no -> coverage 1/2; 理财 k1 unknown (neither held nor a
    gap), k2 yes -> 1 of 1 known = 100%; k1's 未计算因素 names 理财, k1 has no gap (信用卡 held), k2 one (信用卡)."""
    from bankxl.io import read_tables
    from bankxl.runner import run_scenario

    (tmp_path / "customers.csv").write_text("客户号,客户名称\nk1,张三\nk2,李四\n", encoding="utf-8")
    (tmp_path / "product_holdings.csv").write_text(
        "客户号,产品,持有\nk1,个人住房贷款,是\nk1,信用卡,\nk1,理财,乱码\nk2,个人住房贷款,\nk2,信用卡,否\nk2,理财,是\n",
        encoding="utf-8")
    tables = read_tables([tmp_path / "product_holdings.csv"], ["product_holdings"])
    held = tables["product_holdings"].df.set_index("_row")["held"]
    assert held.dtype == "boolean"
    assert held.isna().to_dict() == {2: False, 3: False, 4: True, 5: False, 6: False, 7: False}
    assert held.dropna().to_dict() == {2: True, 3: True, 5: True, 6: False, 7: True}
    # a table without the 持有 column: every row held (the column is blank throughout)
    (tmp_path / "h2.csv").write_text("客户号,产品\nk1,信用卡\n", encoding="utf-8")
    no_col = read_tables([tmp_path / "h2.csv"], ["product_holdings"])["product_holdings"].df
    assert no_col["held"].tolist() == [True]
    # conform (a frame built in Python with object cells) follows the same rule
    from bankxl.conform import conform
    raw = pd.DataFrame({"cust_id": ["k1", "k1", "k1"], "product": ["信用卡", "理财", "代发"],
                        "held": [None, "乱码", "否"]}, dtype=object)
    got = conform("product_holdings", raw)["held"]
    assert got.isna().tolist() == [False, True, False] and got.dropna().tolist() == [True, False]
    assert conform("product_holdings", raw.drop(columns=["held"]))["held"].tolist() == [True, True, True]

    res = run_scenario("credit.mortgage_cross_sell", [tmp_path / "customers.csv", tmp_path / "product_holdings.csv"],
                       None, as_of=AS_OF)
    rep = res.report
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["信用卡", "按揭客户覆盖率"] == pytest.approx(1 / 2) and cov.loc["信用卡", "未持有客户数"] == 1
    assert cov.loc["理财", "按揭客户覆盖率"] == 1 and cov.loc["理财", "按揭客户持有数"] == 1
    assert cov.loc["理财", "未持有客户数"] == 0                      # unknown is not 否
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    assert lst.loc["k1", "缺口产品数"] == 0 and "理财" in lst.loc["k1", "未计算因素"]
    assert lst.loc["k2", "缺口产品"] == "信用卡"
    p = rep.problems.to_frame()
    inv = p[(p["问题码"] == "VALUE_INVALID") & (p["字段"] == "持有(held)")]
    assert inv["Excel 行号"].tolist() == [4] and inv["原值"].tolist() == ["乱码"] and "未知" in inv["处理"].iloc[0]


def test_holdings_of_unknown_customers_are_listed_once(tmp_path):
    """产品持有 rows whose 客户号 is not in 客户 (x8: two rows, x9: one) are the runner's CUST_NOT_FOUND, one per row,
    and nothing else: before, C6 also recorded its own HOLDING_NO_CUSTOMER per customer, so 数据问题 listed them
    twice (5 lines for 3 rows). The rows still count: x8 holds a mortgage and a 信用卡, so 信用卡 covers k1 and x8 of
    the 4 holders (k1, k2, k3, x8)."""
    b = bank()
    extra = _frame("product_holdings", [{"cust_id": "x8", "product": "个人住房贷款", "held": True},
                                         {"cust_id": "x8", "product": "信用卡", "held": True},
                                         {"cust_id": "x9", "product": "定期存款", "held": True}])
    b["product_holdings"] = pd.concat([b["product_holdings"], extra], ignore_index=True)
    rep = _run(b)
    assert dict(rep.problems.counts) == {("product_holdings", "CUST_NOT_FOUND"): 3}
    assert sorted(p.value for p in rep.problems.problems) == ["x8", "x8", "x9"]
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["信用卡", "按揭客户持有数"] == 2 and cov.loc["信用卡", "按揭客户覆盖率"] == pytest.approx(2 / 4)
    ws = openpyxl.load_workbook(write_report(rep, tmp_path / "c6.xlsx"))["数据问题"]
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert sum(v in ("x8", "x9") for v in cells) == 3
    assert not any(isinstance(v, str) and "HOLDING_NO_CUSTOMER" in v for v in cells)
