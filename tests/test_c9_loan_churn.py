"""C9 贷款流失客户: churn numbers on a hand-built 6-loan frame, edge rules (refinance grace, pending window,
status B, row problems), the written workbook, and Berka figures recomputed from the raw loan.csv."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenario import RunContext, get_scenario
from bankxl.scenarios.credit.loan_churn import (
    BAD,
    CHURN,
    PENDING,
    RENEWED,
    STILL,
    _prepare,
    churn_by_customer_year,
)
from bankxl.tables import get_table

BERKA = Path(__file__).resolve().parents[2] / "shared" / "data" / "berka_pkdd99_financial"
AS_OF = "2022-12-31"


def _frame(table_id: str, rows: list[dict]) -> pd.DataFrame:
    empty = get_table(table_id).empty()
    df = pd.DataFrame(rows)
    out = {}
    for c in empty.columns:
        out[c] = df[c].astype(empty[c].dtype) if c in df.columns else pd.Series(index=df.index, dtype=empty[c].dtype)
    return pd.DataFrame(out)


def six_loans() -> dict[str, pd.DataFrame]:
    """c1 churns in 2020; c2 renews within the window (2020) then runs; c3 finishes unpaid (B) in 2021;
    c4 runs in arrears throughout; c5 finishes in Oct 2022: window not complete at the as-of date."""
    L = [
        {"loan_id": "L1", "cust_id": "c1", "org_id": "A", "start_date": "2018-03-01", "end_date": "2020-06-30", "status": "A",
             "amount": 100_000.0, "product": "个人消费贷款", "term_m": 24, "_row": 2},
        {"loan_id": "L2", "cust_id": "c2", "org_id": "A", "start_date": "2019-01-15", "end_date": "2020-05-10", "status": "结清",
             "amount": 200_000.0, "product": "个人经营贷款", "term_m": 12, "_row": 3},
        {"loan_id": "L3", "cust_id": "c2", "org_id": "A", "start_date": "2020-09-01", "status": "C",
             "amount": 150_000.0, "product": "个人经营贷款", "term_m": 36, "_row": 4},
        {"loan_id": "L4", "cust_id": "c3", "org_id": "B", "start_date": "2019-06-01", "maturity_date": "2021-03-01",
             "status": "B", "amount": 50_000.0, "product": "个人消费贷款", "term_m": 21, "_row": 5},
        {"loan_id": "L5", "cust_id": "c4", "org_id": "B", "start_date": "2019-02-01", "status": "D",
             "amount": 80_000.0, "product": "个人消费贷款", "term_m": 60, "_row": 6},
        {"loan_id": "L6", "cust_id": "c5", "org_id": "B", "start_date": "2021-05-01", "end_date": "2022-10-01", "status": "A",
             "amount": 120_000.0, "product": "个人消费贷款", "term_m": 17, "_row": 7},
    ]
    for r in L:
        for k in ("start_date", "end_date", "maturity_date"):
            r[k] = pd.Timestamp(r[k]) if r.get(k) else pd.NaT
    loans = _frame("loans", L)
    orgs = _frame("orgs", [{"org_id": "A", "org_name": "东区支行", "region": "东区"},
                           {"org_id": "B", "org_name": "西区支行", "region": "西区"}])
    customers = _frame("customers", [{"cust_id": f"c{i}", "cust_name": n, "phone": "13812345678", "org_id": o}
                                     for i, n, o in ((1, "张三", "A"), (2, "李四", "A"), (3, "王五", "B"),
                                                     (4, "赵六", "B"), (5, "欧阳娜娜", "B"))])
    holdings = _frame("product_holdings", [{"cust_id": "c5", "product": "借记卡", "held": True},
                                           {"cust_id": "c1", "product": "个人消费贷款", "held": False}])
    return {"loans": loans, "orgs": orgs, "customers": customers, "product_holdings": holdings}


def _run(tables, **params):
    p = {"years": "[2020, 2021, 2022]", **params}
    return execute("credit.loan_churn", tables, p, as_of=AS_OF)


def test_outcomes_per_customer_year():
    loans = _prepare(six_loans()["loans"], None)
    d = churn_by_customer_year(loans, [2020, 2021, 2022], pd.Timestamp(AS_OF), 180, 30)
    got = {(int(r.year), r.cust_id): r.outcome for r in d.itertuples()}
    assert got == {
        (2020, "c1"): CHURN, (2020, "c2"): RENEWED, (2020, "c3"): STILL, (2020, "c4"): STILL,
        (2021, "c2"): STILL, (2021, "c3"): BAD, (2021, "c4"): STILL,
        (2022, "c2"): STILL, (2022, "c4"): STILL, (2022, "c5"): PENDING,
    }


@pytest.mark.golden("credit.loan_churn")
def test_rates_by_year_by_hand():
    rep = _run(six_loans())
    df = rep.tables()["churn_by_year"].df.set_index("年份")
    # 2020: base c1 c2 c3 c4 (100k+200k+50k+80k = 430k); c1 churns
    assert list(df["年初有贷客户数"]) == [4, 3, 3]
    assert df.loc["2020", "流失客户数"] == 1 and df.loc["2020", "续贷/新贷保留"] == 1
    assert df.loc["2020", "户数流失率"] == pytest.approx(1 / 4)
    assert df.loc["2020", "余额流失率"] == pytest.approx(100 / 430)
    assert df.loc["2020", "年初余额(万元)"] == pytest.approx(43.0)
    # 2021: base c2 (L3 150k) c3 c4; c3 finishes unpaid: not churn, reported as 不良结清
    assert (df.loc["2021", "流失客户数"], df.loc["2021", "不良结清客户数"]) == (0, 1)
    assert df.loc["2021", "不良结清率"] == pytest.approx(1 / 3)
    # 2022: base c2 c4 c5 (150k+80k+120k); c5 finished 2022-10-01, window open -> pending churn
    assert (df.loc["2022", "流失客户数"], df.loc["2022", "其中观察期未满"]) == (1, 1)
    assert df.loc["2022", "余额流失率"] == pytest.approx(120 / 350)
    # not counting pending churn
    df2 = _run(six_loans(), count_pending="否").tables()["churn_by_year"].df.set_index("年份")
    assert df2.loc["2022", "流失客户数"] == 0 and df2.loc["2022", "户数流失率"] == 0


def test_region_heat_by_hand():
    rep = _run(six_loans())
    heat = rep.tables()["heat_count"].df.set_index("区域")
    assert heat.loc["东区", "2020年"] == pytest.approx(0.5)  # c1 of c1, c2
    assert heat.loc["西区", "2020年"] == 0  # c3, c4 still running
    assert pd.isna(heat.loc["东区", "2022年"]) is False and heat.loc["西区", "2022年"] == pytest.approx(1 / 2)
    base = rep.tables()["heat_base"].df.set_index("区域")
    assert base.loc["东区", "2021年"] == 1 and base.loc["西区", "2021年"] == 2


def test_winback_list_excludes_unpaid_and_explains():
    rep = _run(six_loans())
    wl = rep.tables()["winback_list"].df
    assert set(wl["客户号"]) == {"c1", "c5"}  # c3 (status B) is not on it
    assert set(rep.tables()["bad_finish"].df["客户号"]) == {"c3"}
    r5 = wl.set_index("客户号").loc["c5"]
    # c5: finished 91 days before as-of (40), largest amount of the two (pct 1.0 -> 30), holds 借记卡 (20),
    # term 17 months (< 24: 0) -> 90; c1: 914 days (10) + pct 0.5 (15) + none (c1's only holding is a
    # loan product not held) + term 24 (10) = 35
    assert r5["得分"] == 90 and r5["等级"] == "A" and "借记卡" in r5["原因"] and "观察期未满" in r5["原因"]
    assert wl.set_index("客户号").loc["c1", "得分"] == 35
    assert list(wl["客户号"]) == ["c5", "c1"] and list(wl["排名"]) == [1, 2]
    assert wl["建议动作"].str.len().min() > 5
    # masked name and phone beside the unmasked 客户号
    assert r5["客户名称(脱敏)"] == "欧阳**" and r5["手机号(脱敏)"] == "138****5678"


def test_refinance_within_grace_is_retained():
    t = six_loans()
    lo = t["loans"]
    extra = _frame("loans", [{"loan_id": "L7", "cust_id": "c1", "org_id": "A", "start_date": pd.Timestamp("2020-06-10"),
                                  "status": "C", "amount": 90_000.0}])
    t["loans"] = pd.concat([lo, extra], ignore_index=True)  # new loan 20 days before L1 finishes
    df = _run(t).tables()["churn_by_year"].df.set_index("年份")
    assert df.loc["2020", "流失客户数"] == 0 and df.loc["2020", "续贷/新贷保留"] == 2
    # 40 days before: outside the 30-day grace; but L7 still runs after L1 -> still retained (has a loan)
    t["loans"].loc[t["loans"]["loan_id"] == "L7", "start_date"] = pd.Timestamp("2020-05-21")
    df = _run(t).tables()["churn_by_year"].df.set_index("年份")
    assert df.loc["2020", "流失客户数"] == 0
    # a new loan 200 days after the finish (window 180) does not save c1
    t["loans"].loc[t["loans"]["loan_id"] == "L7", "start_date"] = pd.Timestamp("2021-01-16")
    df = _run(t).tables()["churn_by_year"].df.set_index("年份")
    assert df.loc["2020", "流失客户数"] == 1
    df = _run(t, window_days=210).tables()["churn_by_year"].df.set_index("年份")
    assert df.loc["2020", "流失客户数"] == 0


def test_row_problems_and_inputs_untouched():
    t = six_loans()
    bad = _frame("loans", [{"loan_id": "L9", "cust_id": "c9", "start_date": pd.Timestamp("2020-05-01"),
                                "end_date": pd.Timestamp("2019-01-01"), "status": "A", "amount": 1.0, "_row": 9}])
    t["loans"] = pd.concat([t["loans"], bad], ignore_index=True)
    before = t["loans"].copy(deep=True)
    rep = _run(t)
    pd.testing.assert_frame_equal(t["loans"], before)
    probs = rep.problems.to_frame()
    row = probs[probs["问题码"] == "LOAN_DATE_ORDER"]
    assert list(row["Excel 行号"]) == [9]
    assert rep.tables()["churn_by_year"].df["年初有贷客户数"].tolist() == [4, 3, 3]


def test_notes_say_whether_second_loans_exist():
    rep = _run(six_loans())
    assert any("有 2 笔及以上贷款的客户: 1 户" in n for n in rep.notes)
    t = six_loans()
    t["loans"] = t["loans"][t["loans"]["loan_id"] != "L3"]
    assert any("没有任何客户有第二笔贷款" in n for n in _run(t).notes)


def test_workbook_written(tmp_path):
    rep = _run(six_loans())
    p = write_report(rep, tmp_path / "c9.xlsx")
    wb = openpyxl.load_workbook(p)
    # issue 10 item 1: the headline 概览 comes first
    assert wb.sheetnames == ["概览", "流失概览", "区域热力", "分产品", "挽回名单", "不良结清", "客户年度明细", "客户标签",
                             "数据问题", "说明"]
    assert wb["流失概览"]._charts and wb["区域热力"]._charts
    assert "churn_by_year" in wb["流失概览"].tables and "heat_count" in wb["区域热力"].tables
    ref = wb["区域热力"].tables["heat_count"].ref
    rows = [[c.value for c in r] for r in wb["区域热力"][ref]]
    assert rows[0] == ["区域", "2020年", "2021年", "2022年"]
    # issue 10 item 5: every region-year here has at most 2 base customers (< 着色最小分组 30): no colour
    assert not any(rule.type == "colorScale" for cf in wb["区域热力"].conditional_formatting for rule in cf.rules)
    wb2 = openpyxl.load_workbook(write_report(_run(six_loans(), heat_min_base=2), tmp_path / "c9b.xlsx"))
    assert any(rule.type == "colorScale" for cf in wb2["区域热力"].conditional_formatting for rule in cf.rules)


def test_heat_colours_only_groups_of_the_minimum_size():
    """Issue 10 item 5 (C9 turned a cell red for one churned customer). Base customers per region × year
    (test_region_heat_by_hand): 2020 东区 2 / 西区 2; 2021 东区 1 / 西区 2; 2022 东区 1 / 西区 2. With
    着色最小分组 = 2 the 2020 column colours both regions, 2021 and 2022 only 西区; the default 30 colours none
    and says so."""
    rep = _run(six_loans(), heat_min_base=2)
    t = rep.tables()["heat_count"]
    assert list(t.df["区域"]) == ["东区", "西区"]
    got = {tuple(c.columns): list(c.rows) for c in t.conditional}
    assert got == {("2020年",): [True, True], ("2021年",): [False, True], ("2022年",): [False, True]}
    assert all(c.kind == "color_scale" for c in t.conditional) and t.note == "2 个格子年初有贷客户少于 2 户, 不着色。"
    d = _run(six_loans()).tables()
    assert d["heat_count"].conditional == [] and d["heat_balance"].conditional == []
    assert d["heat_count"].note == "6 个格子年初有贷客户少于 30 户, 不着色。"


def test_headline_leads_with_the_current_year():
    """Issue 10 item 1: 概览 shows 2022 (the data date's year, full: as-of 12-31) against 2021. 2022: base c2 c4 c5
    (3), c5 churned (window open: 观察期未满), 户数 1/3, 余额 120k / (150k + 80k + 120k); 2021: base 3, no churn,
    c3 不良结清. Chart over the 近 5 年 table (3 years here); top of 挽回名单."""
    rep = _run(six_loans())
    h = rep.headline
    assert [f.label for f in h.figures] == ["2022年 流失客户数", "2022年 户数流失率", "2022年 余额流失率",
                                            "2022年 年初有贷客户数", "2022年 不良结清客户数"]
    assert [f.value for f in h.figures] == [1, pytest.approx(1 / 3), pytest.approx(120 / 350), 3, 0]
    assert [f.compare for f in h.figures] == [0, 0, 0, 3, 1] and {f.compare_label for f in h.figures} == {"上年"}
    assert h.figures[0].note == "其中观察期未满 1 户" and h.actions == "winback_list"
    recent = rep.tables()["churn_recent"].df
    assert list(recent["年份"]) == ["2020", "2021", "2022"] and h.chart.table == "churn_recent"
    # as of 2022-11-30 the year is partial: compared with 2021 全年 and said so
    part = execute("credit.loan_churn", six_loans(), {"years": "[2020, 2021, 2022]"}, as_of="2022-11-30").headline
    assert {f.compare_label for f in part.figures} == {"上年全年"} and "非全年" in part.lines[0]
    # only one year: no 上年 (blank, said), never 0
    one = execute("credit.loan_churn", six_loans(), {"years": "[2022]"}, as_of=AS_OF).headline
    assert all(f.compare is None for f in one.figures) and "2021 年没有年初有贷客户" in one.figures[1].note
    assert [s.print_role for s in rep.sheets if s.name in ("挽回名单", "不良结清", "客户年度明细")] == ["detail"] * 3


def test_empty_years_gives_a_note():
    t = six_loans()
    rep = execute("credit.loan_churn", t, {"years": "[2010]"}, as_of=AS_OF)
    assert rep.sheet_names[0] == "流失概览" and "winback_list" not in rep.tables()


@pytest.mark.realdata
@pytest.mark.skipif(not (BERKA / "loan.csv").is_file(), reason=f"Berka data not found at {BERKA} (present in CI)")
def test_berka_churn_recomputed_from_raw_loans():
    from bankxl.datasets import load_berka

    with open(BERKA / "loan.csv", encoding="utf-8") as f:
        raw = list(csv.DictReader(f, delimiter=";"))

    def add_months(d: date, m: int) -> date:
        y, mo = divmod(d.month - 1 + m, 12)
        return date(d.year + y, mo + 1, d.day)  # would raise if a month-end clamp were needed

    base, churn, bad = {}, {}, {}
    for r in raw:
        s = r["date"]
        start = date(1900 + int(s[:2]), int(s[2:4]), int(s[4:6]))
        end = add_months(start, int(r["duration"])) if r["status"] in "AB" else date(9999, 1, 1)
        for y in range(1994, 1999):
            if start < date(y, 1, 1) <= end:
                base[y] = base.get(y, 0) + 1
                if end <= date(y, 12, 31):
                    (bad if r["status"] == "B" else churn)[y] = (bad if r["status"] == "B" else churn).get(y, 0) + 1
    t = load_berka(BERKA)
    ctx = RunContext(as_of="1998-12-31", currency="CZK")
    rep = execute(get_scenario("credit.loan_churn"), t, ctx=ctx)
    df = rep.tables()["churn_by_year"].df.set_index("年份")
    assert {int(k): int(v) for k, v in df["年初有贷客户数"].items()} == base
    assert {int(k): int(v) for k, v in df["流失客户数"].items()} == {y: churn.get(y, 0) for y in base}
    assert {int(k): int(v) for k, v in df["不良结清客户数"].items()} == {y: bad.get(y, 0) for y in base}
    assert sum(churn.values()) == 203 and sum(bad.values()) == 31
    assert "年初余额(千CZK)" in df.columns
    assert any("没有任何客户有第二笔贷款" in n for n in rep.notes)
    assert len(rep.tables()["winback_list"].df) == 203


def test_all_year_totals_count_customer_years():
    """Review fix: over several years the base is Σ yearly bases (户次), not distinct customers, so the
    all-years rate is Σ churn / Σ base. By hand from test_outcomes_per_customer_year:
    东区 (org A): 2020 c1 c2, 2021 c2, 2022 c2 -> 4 customer-years, churn c1 -> 1/4 (distinct would be 1/2);
    西区 (org B): 2020 c3 c4, 2021 c3 c4, 2022 c4 c5 -> 6, churn c5 (pending) -> 1/6 (distinct: 1/3)."""
    rep = _run(six_loans())
    reg = rep.tables()["churn_by_region"].df.set_index("区域")
    assert reg.loc["东区", "年初有贷客户-年(户次)"] == 4 and reg.loc["西区", "年初有贷客户-年(户次)"] == 6
    assert reg.loc["东区", "户数流失率"] == pytest.approx(1 / 4)
    assert reg.loc["西区", "户数流失率"] == pytest.approx(1 / 6)
    # second method: Σ over the per-year table equals the region totals
    base = rep.tables()["heat_base"].df.set_index("区域")
    assert base.sum(axis=1).to_dict() == {"东区": 4, "西区": 6}
    # overview line: 4 + 3 + 3 = 10 customer-years, churn 1 + 0 + 1
    by_year = rep.tables()["churn_by_year"].df
    line = rep.sheets[0].blocks[0].lines[1]
    assert int(by_year["年初有贷客户数"].sum()) == 10
    assert "年初有贷客户-年合计 10 户次, 流失 2 户次, 不良结清 1 户次" in line


def test_as_of_year_is_marked_partial():
    """Review fix: with a data date before 31 Dec the as-of year is counted up to the data date only."""
    t = six_loans()
    rep = execute("credit.loan_churn", t, {"years": "[2020, 2021, 2022]"}, as_of="2022-11-30")
    df = rep.tables()["churn_by_year"].df.set_index("年份")
    assert df.loc["2022", "口径"] == "截至数据日期 2022-11-30"
    assert df.loc["2020", "口径"] == "全年" and df.loc["2021", "口径"] == "全年"
    assert any("2022 年只统计到数据日期 2022-11-30" in n for n in rep.notes)
    assert any("截至数据日期" in x for x in rep.sheets[0].blocks[0].lines)
    # data date on 31 Dec: every year is a full year, no note
    rep = _run(six_loans())
    assert set(rep.tables()["churn_by_year"].df["口径"]) == {"全年"}
    assert not any("只统计到数据日期" in n for n in rep.notes)
    # the as-of year not among the years: nothing is partial
    rep = execute("credit.loan_churn", t, {"years": "[2020, 2021]"}, as_of="2022-11-30")
    assert set(rep.tables()["churn_by_year"].df["口径"]) == {"全年"}
