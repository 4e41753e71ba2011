"""D4 on data that cannot give every factor: unknown is not zero (issue H1).

A 客户月度存款 without 定期日均 and 存款月日均 used to report 规模 = 0 for every customer, 核心客户 0 / 规模 0 on
概览, "本数据仅 F1 可计算" in 说明 (F1 being the one factor it could not compute) and "未发现数据问题" on the
console. Now a factor no customer can compute is blank (不可算) in 要素明细, 分级汇总 and 概览, 说明 names what
could not be computed and why, and the missing size basis is a whole-table COLUMN_MISSING problem. The values
are computed by hand below."""
from __future__ import annotations

import openpyxl
import pandas as pd

from bankxl.cli import main
from bankxl.runner import execute

MONTHS = ["2026-09-01", "2026-10-01", "2026-11-01"]
#: 客户号 -> (入账, 出账) per month; net over the 3 months: P1 120,000 (5 年潜力值 600,000 ≥ 500,000: F3 ✓),
#: P2 9,000 (45,000: below the threshold and 他行资金 unknown without 交易流水 -> F3 不可算), P3 -6,000 (0 -> 不可算)
FLOWS = {"P1": (50_000.0, 10_000.0), "P2": (5_000.0, 2_000.0), "P3": (1_000.0, 3_000.0)}


def _rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(values_only=True)]


def _table(ws, first: str, has: str | None = None) -> list[dict]:
    """The rows of the first table on ``ws`` whose header starts with ``first`` (and holds ``has``), as dicts
    (a blank row ends it)."""
    rows = _rows(ws)
    i = next(k for k, r in enumerate(rows) if r and r[0] == first and (has is None or has in r))
    head = [h for h in rows[i] if h is not None]
    out = []
    for r in rows[i + 1:]:
        if r[0] is None:
            break
        out.append(dict(zip(head, r)))
    return out


def test_no_size_basis_leaves_size_blank_and_warns(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    lines = ["客户号,月份,入账金额(元),出账金额(元),机构号,客户经理"]
    lines += [f"{c},{m},{i},{o},010001,M01" for c, (i, o) in FLOWS.items() for m in MONTHS]
    (src / "客户月度存款.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "d4.xlsx"

    assert main(["run", "D4", "-i", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "未发现数据问题" not in err  # printed before
    assert "发现 1 个数据问题" in err and "customer_monthly/COLUMN_MISSING" in err

    wb = openpyxl.load_workbook(out, read_only=True)
    det = {r["客户号"]: r for r in _table(wb["要素明细"], "客户号")}
    size = "规模: 近3月定期日均(元)"
    assert [det[c][size] for c in FLOWS] == [None, None, None]  # were 0, 0, 0
    assert [det[c]["达标月数"] for c in FLOWS] == [None, None, None]  # were 0
    assert [det[c]["F1规模"] for c in FLOWS] == ["不可算"] * 3  # was "" (not met)
    assert [det[c]["5年潜力值(元)"] for c in FLOWS] == [600_000, 45_000, 0]
    assert [det[c]["F3潜力"] for c in FLOWS] == ["✓", "不可算", "不可算"]
    assert [det[c]["等级"] for c in FLOWS] == ["潜力客户", "一般", "一般"]

    grades = {r["等级"]: r for r in _table(wb["分级概览"], "等级")}
    assert {g: r["客户数"] for g, r in grades.items()} == {  # 核心A/核心B/规模客户 need F1, 稳定潜力 F2: blank
        "核心A": None, "核心B": None, "稳定潜力客户": None, "潜力客户": 1, "规模客户": None, "一般": 2}
    assert all(r["规模合计(定期日均)(万元)"] is None for r in grades.values())
    org = _table(wb["分级概览"], "机构号")
    assert [(r["机构号"], r["核心A"], r["潜力客户"], r["规模客户"], r["一般"], r["合计"], r["核心占比"]) for r in org] == [
        ("010001", None, 1, None, 2, 3, None)]  # were 0, 1, 0, 2, 3, 0

    figs = {r[0]: r for r in _rows(wb["概览"]) if r and r[0] and str(r[0]).startswith(("核心", "其中", "潜力"))}
    assert figs["核心客户(核心A+核心B)"][1] is None and figs["其中 核心A"][1] is None  # were 0
    assert figs["核心客户规模(定期日均)"][1] is None and figs["核心客户占全部客户"][1] is None  # were 0
    assert figs["潜力客户(稳定潜力+潜力)"][1] == 1
    assert "F1 规模不可算(客户月度存款没有「定期日均」、「存款月日均」的值)" in " ".join(
        str(v) for v in figs["核心客户(核心A+核心B)"] if v)

    pdca = _table(wb["10户PDCA"], "客户经理")
    assert [(r["客户号"], r["目标日均(元)"], r["实际日均(元)"], r["完成率"]) for r in pdca] == [("P1", None, None, None)]

    notes = " ".join(str(v) for r in _rows(wb["说明"]) for v in r if v)
    assert "本数据仅 F1 可计算" not in notes  # said before, of the one factor it could not compute
    assert ("本数据仅 F3 可计算(F1 规模 不可算: 客户月度存款没有「定期日均」、「存款月日均」的值; F2 稳定 不可算: 无开户日期): "
            "分级只用 F3 潜力; 「核心A/核心B/稳定潜力客户/规模客户」的客户数与规模无法得出, 概览与分级汇总中为空白(不是 0)。") in notes
    detail = _table(wb["数据问题"], "表名", has="字段")
    assert len(detail) == 1 and detail[0]["问题码"] == "COLUMN_MISSING"
    assert detail[0]["字段"] == "定期日均(td_avg)、存款月日均(dep_avg)"
    assert detail[0]["Excel 行号"] is None


def _monthly_no_flows() -> pd.DataFrame:
    """12 months (2025-12 .. 2026-11) of 定期日均/存款日均 and no 入账/出账: A 300,000 every month, B 100,000 for
    9 months then 250,000, C 50,000."""
    months = pd.period_range("2025-12", "2026-11", freq="M").to_timestamp()
    td = {"A": [300_000.0] * 12, "B": [100_000.0] * 9 + [250_000.0] * 3, "C": [50_000.0] * 12}
    df = pd.DataFrame([{"cust_id": c, "month": m, "td_avg": v, "dep_avg": v + 10_000}
                       for c, vals in td.items() for m, v in zip(months, vals)])
    df["cust_id"] = df["cust_id"].astype("string")
    return df


def test_no_flows_leaves_potential_grades_blank_and_keeps_the_rest():
    cust = pd.DataFrame({"cust_id": pd.array(["A", "B", "C"], dtype="string"),
                         "open_date": pd.to_datetime(["2015-01-01", "2015-01-01", "2015-01-01"])})
    rep = execute("deposit.core_customers", {"customer_monthly": _monthly_no_flows(), "customers": cust},
                  as_of="2026-11-30")
    t = rep.tables()
    # A: F1 (300,000 ≥ 200,000) and F2 (12 months ≥ threshold, opened > 3 years ago) -> 核心B (F3 unknown);
    # B: size (250,000 × 3)/3 = 250,000, 3 months at threshold -> F1 only -> 规模客户; C: 一般
    det = t["d4_factors"].df.set_index("客户号")
    assert det["规模: 近3月定期日均(元)"].tolist() == [300_000.0, 250_000.0, 50_000.0]
    assert det["达标月数"].tolist() == [12, 3, 0] and det["等级"].tolist() == ["核心B", "规模客户", "一般"]
    g = t["d4_grades"].df.set_index("等级")
    assert g["客户数"].isna().tolist() == [True, False, True, True, False, False]  # 核心A, 稳定潜力, 潜力 need F3
    assert g.loc["核心B", "客户数"] == 1 and g.loc["规模客户", "客户数"] == 1 and g.loc["一般", "客户数"] == 1
    assert g.loc["核心B", "规模合计(定期日均)(万元)"] == 30.0 and pd.isna(g.loc["核心A", "规模合计(定期日均)(万元)"])
    h = {f.label: f for f in rep.headline.figures}
    assert h["核心客户(核心A+核心B)"].value == 1 and h["核心客户规模(定期日均)"].value == 30.0
    assert h["核心客户占全部客户"].value == 1 / 3
    assert h["其中 核心A"].value is None and h["其中 核心A"].compare is None  # were 0 and 0
    assert h["潜力客户(稳定潜力+潜力)"].value is None  # was 0
    assert h["其中 核心A"].note == "F3 潜力不可算(无入账/出账或流水)"
    assert h["潜力客户(稳定潜力+潜力)"].note == "F3 潜力不可算(无入账/出账或流水)"
    assert h["规模达标客户(满足 F1)"].value == 2 and h["规模达标客户(满足 F1)"].compare == 2  # A and B in 2026-10 too
    notes = " ".join(rep.notes)
    assert ("本数据仅 F1、F2 可计算(F3 潜力 不可算: 无入账/出账或流水): 分级只用 F1 规模、F2 稳定; "
            "「核心A/稳定潜力客户/潜力客户」的客户数与规模无法得出, 概览与分级汇总中为空白(不是 0)。") in notes
    assert "5 年潜力值只含净流入部分" not in notes  # there is no 净流入 either: that note would not agree with the data
    assert "COLUMN_MISSING" not in {c for _t, c in rep.problems.counts}  # the size basis is there
