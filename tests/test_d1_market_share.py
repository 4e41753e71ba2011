"""D1 人行市场份额报表分析: hand-computed shares, bp, rank, incremental share (incl. 不适用), CAGR / target share,
the Spring Festival window, the alias (rename) merge, the wide layout read as the long one, bad parameters."""
import numpy as np
import pandas as pd
import pytest

from bankxl.errors import DataValidationError, ParameterError
from bankxl.runner import execute, run_scenario
from bankxl.scenarios.deposit.market_share.compute import NOT_APPLICABLE, cagr, spring_windows

W = 1e4  # balances are given in 万元 below and stored in 元; the report shows 万元 (the default scale)

#: 各项存款 in 万元: A is the own bank; B reported as 旧B until 2024-01 (renamed 2024-02-01); C a peer
MONTHS = ["2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
BAL = {"A": [100, 110, 120, 130, 125], "B": [200, 205, 190, 210, 220], "C": [150, 160, 150, 170, 160]}


def _report_rows():
    rows = []
    for i, d in enumerate(MONTHS):
        for b, vals in BAL.items():
            name = "旧B" if b == "B" and i < 2 else b
            rows.append((pd.Timestamp(d), name, "各项存款", vals[i] * W))
    return pd.DataFrame(rows, columns=["stat_date", "bank_name", "item", "balance"]).astype(
        {"bank_name": "string", "item": "string"})


ALIASES = pd.DataFrame({"alias": ["旧B", "甲行"], "bank_name": ["B", "A"],
                        "valid_from": pd.to_datetime([None, None]), "valid_to": pd.to_datetime(["2024-01-31", None]),
                        "reason": ["更名", "简称"]}).astype({"alias": "string", "bank_name": "string", "reason": "string"})


@pytest.fixture(scope="module")
def report():
    return execute("deposit.market_share", {"market_share": _report_rows(), "bank_aliases": ALIASES},
                   {"own_bank": "A"}, as_of="2024-04-30")


@pytest.mark.golden("deposit.market_share")
def test_share_bp_rank_gap_and_incremental_share_by_hand(report):
    """2024-04: market 125 + 220 + 160 = 505, A's share 125/505 = 24.7525%; 2024-03 130/510 = 25.4902% → −73.77 bp;
    年初 (2023-12) 100/450 = 22.2222% → +253.03 bp. Rank: B 220, C 160, A 125 → A 3rd; gap to C = 35 万元, to B 95.
    B (旧B merged): 220/505 − 200/450 = 43.5644% − 44.4444% = −88.01 bp vs 年初. Incremental share: 年初 Δown 25 /
    Δmarket 55 = 45.4545%; 上月 Δmarket = 505 − 510 = −5 ≤ 0 → 不适用; 去年同期 2023-04 not reported → blank."""
    tr = report.tables()["trend"].df.set_index("月份")
    assert tr.loc["2024-04", "份额"] == pytest.approx(125 / 505)
    assert tr.loc["2024-04", "较上月(bp)"] == pytest.approx((125 / 505 - 130 / 510) * 1e4)
    assert tr.loc["2024-04", "较上月(bp)"] == pytest.approx(-73.7721, abs=1e-4)
    assert tr.loc["2024-04", "较年初(bp)"] == pytest.approx(253.0253, abs=1e-4)
    assert tr.loc["2024-04", "市场余额(万元)"] == pytest.approx(505)
    rk = report.tables()["rank"].df
    assert rk["机构名称"].tolist() == ["B", "C", "A"] and rk["排名"].tolist() == [1, 2, 3]
    assert rk["追赶差额(万元)"].tolist() == pytest.approx([95, 35, 0])
    assert rk.set_index("机构名称").loc["B", "较年初(bp)"] == pytest.approx(-88.0088, abs=1e-4)
    inc = report.tables()["incremental"].df
    assert inc["增量份额"].iloc[0] == pytest.approx(25 / 55)
    assert inc["增量份额"].iloc[1] == NOT_APPLICABLE
    assert inc["增量份额"].iloc[2] is None
    assert inc["本行增量(万元)"].iloc[:2].tolist() == pytest.approx([25, -5])
    figs = {f.label: f for f in report.headline.figures}
    assert figs["同业排名"].value == 3 and figs["追赶上一名差额"].value == pytest.approx(35)
    assert figs["份额较年初"].value == pytest.approx(253.0253, abs=1e-4)
    assert "上一名: C" in figs["追赶上一名差额"].note
    watch = report.tables()["watch"].df  # 份额 −73.8 bp ≤ −5 bp; gap to C 35; incremental 45.45% > stock 24.75%: no row
    assert watch["建议动作"].str.split(":").str[0].tolist() == ["份额较上月下降 73.8 bp", "距上一名「C」差 35 万元(本行排名 3)"]


def test_rename_is_merged_by_its_validity_dates(report):
    """旧B (valid until 2024-01-31) is B: three banks, B's 2023-12 balance 200 in the market; without the alias
    旧B would be a fourth bank with no 2024-04 balance and B's 年初 change unknown."""
    rk = report.tables()["rank"].df
    assert set(rk["机构名称"]) == {"A", "B", "C"}
    bare = execute("deposit.market_share", {"market_share": _report_rows()}, {"own_bank": "A"}, as_of="2024-04-30")
    b = bare.tables()["rank"].df.set_index("机构名称")
    assert pd.isna(b.loc["B", "较年初(bp)"]) and "旧B" not in b.index  # 旧B reported nothing in 2024-04
    # an alias whose validity ended keeps later rows with that name apart
    late = ALIASES.assign(valid_to=pd.to_datetime(["2023-12-31", None]))
    r2 = execute("deposit.market_share", {"market_share": _report_rows(), "bank_aliases": late}, {"own_bank": "A"},
                 as_of="2024-04-30")
    t2 = r2.tables()["trend"].df.set_index("月份")
    assert t2.loc["2023-12", "市场余额(万元)"] == pytest.approx(450)  # 2023-12: 旧B → B, still in the market


def test_own_bank_by_alias_and_unknown_own_bank():
    r = execute("deposit.market_share", {"market_share": _report_rows(), "bank_aliases": ALIASES},
                {"own_bank": "甲行"}, as_of="2024-04-30")
    assert r.tables()["trend"].df["份额"].iloc[-1] == pytest.approx(125 / 505)
    with pytest.raises(DataValidationError, match="乙行"):
        execute("deposit.market_share", {"market_share": _report_rows()}, {"own_bank": "乙行"}, as_of="2024-04-30")


def test_spring_festival_window_2024_and_its_flows(report):
    """除夕 2024-02-09 → months 2024-01 | 2024-02 | 2024-03 (monthly report). A: 110 → 120 → 130, market 475 → 460
    → 510: before→month +10 / −15, month→after +10 / +50."""
    w = spring_windows(pd.period_range("2023-12", "2024-04", freq="M"))
    assert w["year"].tolist() == [2024] and w["chuxi"].iloc[0] == pd.Timestamp("2024-02-09")
    assert [str(w[c].iloc[0]) for c in ("before", "month", "after")] == ["2024-01", "2024-02", "2024-03"]
    sp = report.tables()["spring"].df
    sp = sp[sp["指标"].eq("各项存款")]
    assert sp["起"].tolist() == ["2024-01", "2024-02"] and sp["止"].tolist() == ["2024-02", "2024-03"]
    assert sp["本行变动(万元)"].tolist() == pytest.approx([10, 10])
    assert sp["市场变动(万元)"].tolist() == pytest.approx([-15, 50])
    assert sp["本行变动率"].tolist() == pytest.approx([10 / 110, 10 / 120])


def test_cagr_and_target_share_by_hand():
    """单位存款 year ends 2019–2024: market 100, 110, 121, 133.1, 146.41, 161.051 (g = 10%); A's shares 30%, 35%,
    32%, 28%, 25%, 26%. M5 = 161.051 × 1.1^5 = 259.374246; target = max(26%, best of 2020–2024 = 35%) = 35%;
    potential = 259.374246 × 0.35 − 0.26 × 161.051 = 90.780986 − 41.873260 = 48.907726; per year 9.781545."""
    assert cagr(100, 161.051, 5) == pytest.approx(0.10)
    assert np.isnan(cagr(0, 10, 5)) and np.isnan(cagr(100, 120, 0))
    mkt = [100, 110, 121, 133.1, 146.41, 161.051]
    sh = [0.30, 0.35, 0.32, 0.28, 0.25, 0.26]
    rows = []
    for k, y in enumerate(range(2019, 2025)):
        d = pd.Timestamp(f"{y}-12-31")
        for it in ("各项存款", "单位存款"):
            rows += [(d, "A", it, mkt[k] * sh[k] * W), (d, "B", it, mkt[k] * (1 - sh[k]) * W)]
    ms = pd.DataFrame(rows, columns=["stat_date", "bank_name", "item", "balance"]).astype(
        {"bank_name": "string", "item": "string"})
    r = execute("deposit.market_share", {"market_share": ms}, {"own_bank": "A"}, as_of="2024-12-31")
    pot = r.tables()["potential"].df.set_index("项目")["数值"]
    assert pot["市场年增速 g"] == "10.00%" and pot["目标份额"] == "35.00%"
    assert pot["5 年后市场余额(万元)"] == pytest.approx(259.37, abs=0.01)
    assert pot["潜力(5 年需增)(万元)"] == pytest.approx(48.91, abs=0.01)
    assert pot["年均需增(万元)"] == pytest.approx(9.78, abs=0.01)
    r2 = execute("deposit.market_share", {"market_share": ms}, {"own_bank": "A", "growth": "0"}, as_of="2024-12-31")
    pot2 = r2.tables()["potential"].df.set_index("项目")["数值"]
    assert pot2["潜力(5 年需增)(万元)"] == pytest.approx(161.051 * 0.35 - 0.26 * 161.051, abs=0.01)


@pytest.mark.parametrize("bad", [{"item": "存款总额"}, {"own_bank": " "}, {"growth": "六"}, {"incr_base": "月初"}])
def test_bad_parameter_fails_before_any_file_is_read(bad, tmp_path):
    with pytest.raises(ParameterError):
        run_scenario("D1", [tmp_path / "no_such_file.xlsx"], tmp_path / "out.xlsx", params=bad)


def _read(path):
    from bankxl.io import read_tables
    from bankxl.errors import ProblemLog

    log = ProblemLog()
    return read_tables([path], wanted=["market_share"], optional=["bank_aliases"], problems=log), log


def test_wide_layout_reads_as_the_long_table(tmp_path):
    """The sample's two workbooks (long: 余额(万元) rows; wide: one sheet per month, banks as columns, 单位: 万元)
    load to the same long table (same dates, names, items and 元 balances) and give the same shares."""
    from bankxl.sample import make_sample_bank
    from bankxl.sample.market_share import write_market_share_books

    bank = make_sample_bank(customers=20)
    long_p, wide_p = write_market_share_books(bank["market_share"], bank["bank_aliases"], tmp_path)
    (lt, _), (wt, wlog) = _read(long_p), _read(wide_p)
    assert not wlog.problems  # the sample is clean
    key = ["stat_date", "bank_name", "item"]
    a = lt["market_share"].df[key + ["balance"]].sort_values(key).reset_index(drop=True)
    b = wt["market_share"].df[key + ["balance"]].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert len(a) == len(bank["market_share"]) == 72 * 8 * 5
    exp = bank["market_share"][key + ["balance"]].sort_values(key).reset_index(drop=True)
    assert np.allclose(a["balance"], exp["balance"], atol=0.5)  # rounded to 0.01 万元 = 100 元 at most off by 50
    # the wide rows point at the user's row: sheet 2026-11, header in row 3, 各项存款 (first item) in row 4
    w = wt["market_share"].df
    first = w[(w["stat_date"] == "2026-11-30") & (w["item"] == "各项存款")]
    assert set(first["_row"]) == {4} and len(first) == 8
    assert wt["bank_aliases"].df["alias"].tolist() == lt["bank_aliases"].df["alias"].tolist()
    r1 = run_scenario("D1", [long_p], None).report.tables()["rank"].df
    r2 = run_scenario("D1", [wide_p], None).report.tables()["rank"].df
    pd.testing.assert_frame_equal(r1, r2)
    assert "东方农村合作银行" not in set(r1["机构名称"]) and len(r1) == 8  # the rename merged in both layouts


def test_wide_sheet_without_unit_and_a_bad_cell(tmp_path):
    """A wide sheet states its unit (else a clear error naming the sheet); a text cell is a row problem on the
    sheet and Excel row the user sees (the 指标 row), the value blank (not 0)."""
    import xlsxwriter

    def book(path, unit_line):
        wb = xlsxwriter.Workbook(path)
        for name, vals in (("2024-01", [[100, 200], [60, "见附注"]]), ("2024-02", [[110, 210], [65, 120]])):
            ws = wb.add_worksheet(name)
            ws.write(0, 0, "存款同业统计表")
            if unit_line:
                ws.write(1, 0, "单位: 亿元")
            ws.write_row(2, 0, ["项目", "A", "B"])
            ws.write_row(3, 0, ["各项存款"] + vals[0])
            ws.write_row(4, 0, ["个人存款"] + vals[1])
        wb.close()
        return path
    with pytest.raises(DataValidationError, match="2024-01"):
        _read(book(tmp_path / "nounit.xlsx", False))
    t, log = _read(book(tmp_path / "ok.xlsx", True))
    df = t["market_share"].df
    got = df.set_index(["stat_date", "bank_name", "item"])["balance"]
    assert got[(pd.Timestamp("2024-02-29"), "B", "各项存款")] == pytest.approx(210e8)
    assert pd.isna(got[(pd.Timestamp("2024-01-31"), "B", "个人存款")])
    bad = [p for p in log.problems if p.table == "market_share"]
    assert [(p.sheet, p.excel_row, p.value) for p in bad] == [("2024-01", 5, "见附注")]
    r = run_scenario("D1", [tmp_path / "ok.xlsx"], None, params={"own_bank": "A"}).report
    assert r.tables()["trend"].df.set_index("月份").loc["2024-02", "份额"] == pytest.approx(110 / 320)
