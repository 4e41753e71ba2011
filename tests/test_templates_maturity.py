"""The D2 template workbook (bankxl.templates.build_maturity_template): structure, live formulas, cached values
checked by hand and by an independent pandas computation, the function allow-list, the 参数 sheet as a bankxl
参数 table, loading into bankxl and running the D2 scenario on it, and LibreOffice recalculation (the template
as built, and a copy into which new data was written as a user would)."""
from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lo_util import formula_cells, recalc_mismatches, recalc_to_xlsx, require_soffice

from bankxl.tables import get_table
from bankxl.scenarios.deposit.maturity.template import (
    MATURITY_AS_OF,
    MATURITY_EXAMPLE,
    MATURITY_FIRST,
    MATURITY_ORG_LIST,
    MATURITY_ORGS,
    MATURITY_ROWS,
    build_maturity_template,
    maturity_template_values,
)
from bankxl.templates import ALLOWED_FUNCTIONS, formula_functions

warnings.filterwarnings("ignore", message=".*extension is not supported.*", category=UserWarning)

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ["使用说明", "参数", "定期存款明细", "到期结构", "到期分布"]
HEAD = MATURITY_FIRST            # Excel row of the 定期存款明细 header
FIRST = MATURITY_FIRST + 1       # Excel row of the first deposit
LAST = MATURITY_FIRST + MATURITY_ROWS
N_EX = len(MATURITY_EXAMPLE)
F_HEADS = ["剩余天数", "剩余期限档", "金额段", "到期月份", "到期本息(元)"]
PERIOD_FIXED = ("已到期未支取", "当日到期", "12个月以后", "合计")


@pytest.fixture(scope="module")
def tpl(tmp_path_factory):
    return build_maturity_template(tmp_path_factory.mktemp("tpl") / "存款到期视图模板.xlsx")


# ============================================================================ reading a template back
def _detail(path) -> pd.DataFrame:
    """The 定期存款明细 rows (input columns by their headers) as plain pandas, stopping at the first empty 账号."""
    ws = openpyxl.load_workbook(path, data_only=True)["定期存款明细"]
    heads = [c.value for c in ws[HEAD]]
    rows = []
    for r in ws.iter_rows(min_row=FIRST, max_row=LAST, values_only=True):
        if r[0] in (None, ""):
            break
        rows.append(dict(zip(heads, r)))
    return pd.DataFrame(rows)


def _blocks(ws) -> dict[str, tuple[int, list]]:
    """{block title: (header row, header values)} of 到期结构 (到期金额(万元), 到期笔数)."""
    out = {}
    for r in range(1, ws.max_row + 1):
        v = ws.cell(r, 1).value
        if v in ("到期金额(万元)", "到期笔数"):
            out[v] = (r + 1, [c.value for c in ws[r + 1]])
    return out


def _structure(path, data_only=True) -> dict[str, dict]:
    """到期结构 as {metric: {org: {column label: value}}}; month columns keyed 'yyyy-mm'."""
    ws = openpyxl.load_workbook(path, data_only=data_only)["到期结构"]
    out = {}
    for title, (hr, heads) in _blocks(ws).items():
        labels = [h.strftime("%Y-%m") if isinstance(h, dt.datetime) else h for h in heads]
        block = {}
        for r in range(hr + 1, hr + 1 + MATURITY_ORGS):
            org = ws.cell(r, 1).value
            if org in (None, ""):
                continue
            block[org] = {lab: ws.cell(r, j + 1).value for j, lab in enumerate(labels) if j >= 2 and lab}
        out["amount" if "金额" in title else "count"] = block
    return out


def _pandas_structure(df: pd.DataFrame, as_of) -> dict[str, dict]:
    """到期结构 computed independently from the detail rows: period = 已到期未支取 (到期日 < 数据日期), 当日到期,
    the maturity month 'yyyy-mm' for the 12 months from the month after the data date's day, else 12个月以后."""
    as_of = pd.Timestamp(as_of)
    start = as_of + pd.Timedelta(days=1)
    months = [f"{(start.year * 12 + start.month - 1 + k) // 12}-{(start.month - 1 + k) % 12 + 1:02d}" for k in range(12)]
    d = df[df["到期日"].notna()].copy()
    d["到期日"] = pd.to_datetime(d["到期日"])
    d["p"] = d["到期日"].dt.strftime("%Y-%m")
    d.loc[d["p"] > months[-1], "p"] = "12个月以后"
    d.loc[d["到期日"] == as_of, "p"] = "当日到期"
    d.loc[d["到期日"] < as_of, "p"] = "已到期未支取"
    amt = d.pivot_table(index="机构号", columns="p", values="余额(元)", aggfunc="sum", fill_value=0.0) / 10000
    cnt = d.pivot_table(index="机构号", columns="p", values="余额(元)", aggfunc="count", fill_value=0)
    amt["合计"] = d.groupby("机构号")["余额(元)"].sum() / 10000
    cnt["合计"] = d.groupby("机构号").size()
    cols = ["已到期未支取", "当日到期", *months, "12个月以后", "合计"]
    return {"amount": amt.reindex(columns=cols, fill_value=0).to_dict("index"),
            "count": cnt.reindex(columns=cols, fill_value=0).to_dict("index"), "months": months}


def _assert_structure(got: dict, want: dict, orgs) -> None:
    for metric in ("amount", "count"):
        for org in orgs:
            g, w = got[metric][org], want[metric].get(org, {})
            assert set(g) == {"已到期未支取", "当日到期", *want["months"], "12个月以后", "合计"}
            for col, val in g.items():
                assert val == pytest.approx(w.get(col, 0), abs=1e-9), (metric, org, col)


# ============================================================================ structure and formulas
def test_sheets_tables_headers_and_names(tpl):
    wb = openpyxl.load_workbook(tpl)
    assert wb.sheetnames == SHEETS
    td = wb["定期存款明细"]
    assert list(td.tables) == ["定期存款"]
    assert td.tables["定期存款"].ref == f"A{HEAD}:U{LAST}"
    spec = get_table("time_deposits")
    heads = [c.value for c in td[HEAD]]
    want = [("期限(月)" if c.id == "term_m" else c.label) for c in spec.columns if c.id != "term_d"]
    assert heads == want + F_HEADS
    assert "余额(元)" in heads and heads[0] == "账号" and "数据日期" in heads
    par = wb["参数"]
    assert list(par.tables) == ["机构"]
    assert [c.value for c in par[1]][:6] == ["场景", "名称", "单位", "取值", "说明", "参数"]  # English ids last, hidden
    assert {"P_AsOf", "P_M1", "P_M12", "P_DtmLo", "P_DtmBand", "P_AmtLo", "P_AmtBand"} <= set(wb.defined_names)
    assert wb.defined_names["P_AsOf"].attr_text == "'参数'!$D$2"
    help_text = " ".join(str(c.value) for c in wb["使用说明"]["A"] if c.value)
    assert "存款到期视图" in help_text and "bankxl run deposit.maturity" in help_text
    assert "数据透视表" in help_text and "排班" in help_text and "提醒名单" in help_text
    assert len(wb["到期分布"]._charts) == 2 and len(wb["到期结构"]._charts) == 1


def test_native_charts_exist(tpl):
    import zipfile

    with zipfile.ZipFile(tpl) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3
        xml = "".join(z.read(n).decode("utf-8") for n in charts)
    assert "到期分布" in xml and "到期结构" in xml and "<c:barChart>" in xml


def test_live_formulas_cover_every_input_row(tpl):
    wb = openpyxl.load_workbook(tpl)
    td = wb["定期存款明细"]
    r = FIRST
    assert td[f"Q{r}"].value == f'=IF(OR($A{r}="",$I{r}=""),"",$I{r}-P_AsOf)'
    assert td[f"R{r}"].value == f'=IF(Q{r}="","",LOOKUP(Q{r},P_DtmLo,P_DtmBand))'
    assert td[f"S{r}"].value == f'=IF(OR($A{r}="",$L{r}=""),"",LOOKUP($L{r},P_AmtLo,P_AmtBand))'
    assert td[f"T{r}"].value == f'=IF(Q{r}="","",DATE(YEAR($I{r}),MONTH($I{r}),1))'
    assert td[f"U{r}"].value == f'=IF(OR(Q{r}="",$J{r}="",$K{r}=""),"",ROUND($L{r}*(1+$K{r}*$J{r}/12),2))'
    assert str(td[f"U{LAST}"].value).startswith("=IF(") and td[f"U{LAST + 1}"].value is None
    st = wb["到期结构"]
    (hr, heads), = [v for k, v in _blocks(st).items() if k == "到期金额(万元)"]
    assert heads[2:4] == ["已到期未支取", "当日到期"] and heads[16:18] == ["12个月以后", "合计"]
    assert st.cell(hr, 5).value == "=P_M1" and st.cell(hr, 16).value == "=EDATE(P_M1,11)"
    f = st.cell(hr + 1, 5).value
    rng = f"'定期存款明细'!$L${FIRST}:$L${LAST}"
    assert f.startswith(f'=IF($A{hr + 1}="","",SUMIFS({rng},') and f.endswith('">0")/10000)')
    assert f",E${hr}," in f                          # the month in the header row (column relative)
    hc = _blocks(st)["到期笔数"][0]
    assert st.cell(hc + 1, 5).value.startswith(f'=IF($A{hc + 1}="","",COUNTIFS(')
    assert '">"&P_M12' in st.cell(hr + 1, 17).value
    ds = wb["到期分布"]
    assert ds["B7"].value.startswith("=SUMIFS(") and '"="&$A7' in ds["B7"].value  # <5万 / >365天 literal


def test_every_formula_uses_allowed_functions_only(tpl):
    seen, n = set(), 0
    for sheet, cell, f in formula_cells(tpl):
        used = formula_functions(f)
        assert not used - ALLOWED_FUNCTIONS, f"{sheet}!{cell} uses {used - ALLOWED_FUNCTIONS}: {f}"
        seen |= used
        n += 1
    assert n > 5 * MATURITY_ROWS
    assert {"SUMIFS", "COUNTIFS", "LOOKUP", "EDATE", "DATE", "YEAR", "MONTH", "ROUND", "IF", "OR", "SUM"} <= seen
    assert not {"XLOOKUP", "LET", "FILTER", "IFS", "TEXTJOIN", "UNIQUE", "MAXIFS"} & ALLOWED_FUNCTIONS


def test_cached_row_values_by_hand(tpl):
    """Band edges: 剩余天数 −5 → 已到期未支取, 0/7 → 0–7天, 8 → 8–30天, 30/31, 180/181; 余额 50,000 → 5–20万,
    49,999.99 → <5万, 1,000,000 → ≥100万; 到期本息 80,000 × (1 + 1.35% × 12/12) = 81,080."""
    ws = openpyxl.load_workbook(tpl, data_only=True)["定期存款明细"]

    def row(i):
        return [None if (x := ws.cell(FIRST + i, c).value) == "" else x for c in range(17, 22)]

    assert row(0)[:3] == [-5, "已到期未支取", "5–20万"] and row(0)[4] == 81080.0
    assert row(0)[3] == dt.datetime(2026, 6, 1)
    assert row(1)[:3] == [0, "0–7天", "50–100万"]
    assert row(2)[:3] == [7, "0–7天", "5–20万"]                 # 余额 50,000 exactly
    assert row(3)[:3] == [30, "8–30天", "20–50万"]              # 余额 200,000 exactly
    assert row(5)[:2] == [8, "8–30天"]
    assert row(6)[:3] == [31, "31–90天", "≥100万"]
    assert row(9) == [None, None, "20–50万", None, None]        # 通知存款: no 到期日, only the 金额段
    assert row(10)[:2] == [180, "91–180天"] and row(11)[:2] == [181, "181–365天"]
    assert row(13)[2] == "<5万" and row(13)[3] == dt.datetime(2027, 5, 1)
    assert row(19)[:2] == [(dt.date(2028, 2, 29) - MATURITY_AS_OF).days, ">365天"]
    assert row(4)[4] == pytest.approx(35000.5 * (1 + 0.0145 * 2), abs=0.005)
    assert ws.cell(FIRST + N_EX, 17).value in (None, "")


def test_structure_equals_independent_pandas(tpl):
    df = _detail(tpl)
    assert len(df) == N_EX
    want = _pandas_structure(df, MATURITY_AS_OF)
    got = _structure(tpl)
    orgs = [o for o, _ in MATURITY_ORG_LIST]
    assert list(got["amount"]) == orgs
    _assert_structure(got, want, orgs)
    # 合计 row and the check below it: every deposit with a 到期日 belongs to a listed org
    ws = openpyxl.load_workbook(tpl, data_only=True)["到期结构"]
    hr = _blocks(ws)["到期金额(万元)"][0]
    total_row = hr + MATURITY_ORGS + 1
    assert ws.cell(total_row, 1).value == "合计"
    with_date = df[df["到期日"].notna()]
    assert ws.cell(total_row, 18).value == pytest.approx(with_date["余额(元)"].sum() / 10000)
    assert ws.cell(total_row + 1, 18).value == pytest.approx(with_date["余额(元)"].sum() / 10000)
    assert ws.cell(total_row + 2, 18).value == 0
    # the 通知存款 row (no 到期日) is in no column
    assert with_date.shape[0] == N_EX - 1


def test_distribution_by_hand(tpl):
    ws = openpyxl.load_workbook(tpl, data_only=True)["到期分布"]
    df = _detail(tpl)
    d = df[df["到期日"].notna()].copy()
    days = (pd.to_datetime(d["到期日"]) - pd.Timestamp(MATURITY_AS_OF)).dt.days
    edges = [(-10**9, 0), (0, 8), (8, 31), (31, 91), (91, 181), (181, 366), (366, 10**9)]
    got = {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(7, 14)}
    for (lo, hi), lab in zip(edges, ["已到期未支取", "0–7天", "8–30天", "31–90天", "91–180天", "181–365天", ">365天"]):
        m = (days >= lo) & (days < hi)
        assert got[lab][0] == pytest.approx(d.loc[m, "余额(元)"].sum() / 10000) and got[lab][1] == int(m.sum())
    assert ws["A14"].value == "合计" and ws["D14"].value == pytest.approx(1.0)
    w12 = d[(days >= 0) & (pd.to_datetime(d["到期日"]) < pd.Timestamp(2027, 6, 1))]
    bands = [(-1e18, 5e4, "<5万"), (5e4, 2e5, "5–20万"), (2e5, 5e5, "20–50万"), (5e5, 1e6, "50–100万"),
             (1e6, 1e18, "≥100万")]
    rows = {ws.cell(r, 1).value: r for r in range(15, 40) if ws.cell(r, 1).value}
    for lo, hi, lab in bands:
        m = (w12["余额(元)"] >= lo) & (w12["余额(元)"] < hi)
        r = rows[lab]
        assert ws.cell(r, 2).value == pytest.approx(w12.loc[m, "余额(元)"].sum() / 10000)
        assert ws.cell(r, 3).value == int(m.sum())


def test_values_function_uses_the_scenario_definitions():
    from bankxl.scenarios.deposit.maturity import MaturityParams, amount_band_labels, dtm_band_labels

    v = maturity_template_values()
    p = MaturityParams()
    assert v["dtm_labels"] == dtm_band_labels(p.dtm_edges) and v["amount_labels"] == amount_band_labels(p.amount_edges)
    assert [m.strftime("%Y-%m") for m in v["months"]][::11] == ["2026-06", "2027-05"]


# ============================================================================ bankxl reads the template
def test_param_sheet_is_a_bankxl_parameter_table(tpl):
    from bankxl.paramsheet import read_settings
    from bankxl.scenario import get_scenario, make_params

    spec = get_scenario("deposit.maturity")
    overrides, common = read_settings(tpl, spec)
    assert common["as_of"] == pd.Timestamp(MATURITY_AS_OF)
    assert overrides["amount_edges"] == "[50000, 200000, 500000, 1000000]"
    p = make_params(spec.params, overrides)
    assert p.dtm_edges == (0, 8, 31, 91, 181, 366)
    assert [float(x) for x in p.amount_edges] == [50000.0, 200000.0, 500000.0, 1000000.0]


def test_param_sheet_offers_what_the_template_uses_in_chinese(tpl):
    """Issue 10 item 7: the 参数 sheet offers the 通用 settings and only the D2 parameters the template's formulas
    use (剩余期限档分界, 金额段分界) — 到期月份数 / 大额客户门槛 changed nothing here and are gone; 场景 is the
    scenario's 中文 title, the English ids sit in a hidden last column and in 说明; no choice id (following,
    exclude) anywhere on the sheet. Printing: 参数 on one page, 定期存款明细 only its header and example rows
    (the 2,000-row input grid printed 28 empty pages)."""
    import re

    wb = openpyxl.load_workbook(tpl)
    par = wb["参数"]
    rows = [[c.value for c in r] for r in par.iter_rows(min_row=2, max_row=20)]
    rows = rows[:next(i for i, r in enumerate(rows) if not r[0])]
    d2 = [r for r in rows if r[0] != "通用"]
    assert [r[1] for r in d2] == ["金额段分界", "剩余期限档分界"] and {r[0] for r in d2} == {"存款到期视图"}
    assert [r[5] for r in d2] == ["amount_edges", "dtm_edges"] and all(f"(参数 {r[5]})" in r[4] for r in d2)
    assert par.column_dimensions["F"].hidden
    assert not any(r[1] in ("到期月份数", "大额客户门槛", "到期日遇节假日") for r in rows)
    shown = " ".join(str(c.value) for r in par.iter_rows() for c in r[:5] if c.value is not None)
    assert not re.search(r"\b(following|exclude|seven_days|deposit\.maturity)\b", shown)
    assert par.sheet_properties.pageSetUpPr.fitToPage and par.page_setup.fitToHeight in (None, 1)  # 1 = default
    td = wb["定期存款明细"]
    assert td.print_area == [f"'定期存款明细'!$A$1:$U${HEAD + N_EX}"] or td.print_area == f"'定期存款明细'!$A$1:$U${HEAD + N_EX}"


def test_ribbon_reads_the_param_sheet_without_appending(tpl):
    """The add-in's first step on this workbook (ensure_param_sheet) finds every row it needs."""
    try:
        from test_xl_ribbon import FileBridge
    except ImportError:
        from tests.test_xl_ribbon import FileBridge
    from bankxl.scenario import get_scenario
    from bankxl.xl import ribbon

    wb = openpyxl.load_workbook(tpl, data_only=True)   # Excel hands over values, not formulas
    before = wb["参数"].max_row
    bridge = FileBridge(tpl, wb=wb)
    spec = get_scenario("deposit.maturity")
    overrides, common = ribbon.ensure_param_sheet(bridge, bridge, bridge.book_info(bridge), [spec], spec)
    assert wb["参数"].max_row == before
    assert common["as_of"] == pd.Timestamp(MATURITY_AS_OF) and overrides["dtm_edges"] == "[0, 8, 31, 91, 181, 366]"


def test_loader_reads_the_table_and_ignores_the_formula_columns(tpl):
    from bankxl.errors import ProblemLog
    from bankxl.io import read_tables

    problems = ProblemLog()
    t = read_tables([tpl], ["time_deposits"], problems=problems)["time_deposits"]
    df = t.df
    assert len(df) == N_EX and not problems
    assert t.header_row == HEAD and df["_row"].tolist() == list(range(FIRST, FIRST + N_EX))
    assert not {"剩余天数", "金额段", "到期本息(元)"} & set(df.columns)
    assert df["balance"].sum() == pytest.approx(sum(x[7] for x in MATURITY_EXAMPLE))
    assert df["rate"].iloc[0] == 0.0135 and df["term_m"].iloc[0] == 12
    assert (df["as_of"] == pd.Timestamp(MATURITY_AS_OF)).all()


def _report_structure(res) -> dict[str, dict]:
    out = {}
    for metric, name in (("amount", "maturity_amount"), ("count", "maturity_count")):
        f = res.report.tables()[name].df
        f = f[f["层级"] != "全行"]
        out[metric] = {r["机构号"]: r for r in f.to_dict("records")}
    return out


def _assert_same_as_report(got: dict, rep: dict, orgs) -> int:
    """Template 到期结构 vs the bankxl report for every column both show; returns cells compared."""
    n = 0
    for metric in ("amount", "count"):
        for org in orgs:
            g, r = got[metric][org], rep[metric].get(org)
            assert r is not None, org
            for col, val in g.items():
                if col in r:
                    assert val == pytest.approx(float(r[col]), abs=1e-6), (metric, org, col)
                    n += 1
    return n


def test_scenario_runs_on_the_template_and_agrees(tpl, tmp_path):
    from bankxl.runner import run_scenario

    out = tmp_path / "report.xlsx"
    res = run_scenario("deposit.maturity", [tpl], out)
    assert out.exists() and res.report.meta["as_of"] == pd.Timestamp(MATURITY_AS_OF)
    assert res.inputs["time_deposits"]["rows"] == N_EX and res.inputs["orgs"]["rows"] == len(MATURITY_ORG_LIST)
    assert len(res.problems) == 0
    got = _structure(tpl)
    orgs = [o for o, _ in MATURITY_ORG_LIST]
    n = _assert_same_as_report(got, _report_structure(res), orgs)
    assert n == 2 * len(orgs) * 16        # all 12 months + 已到期未支取/当日到期/12个月以后/合计
    amount = res.report.tables()["maturity_amount"].df
    assert set(amount["机构名称"].str.strip("　")) >= {name for _, name in MATURITY_ORG_LIST}  # names from 机构
    # 到期分布: by 剩余期限档 and by 金额段 as in the report
    ws = openpyxl.load_workbook(tpl, data_only=True)["到期分布"]
    cells = {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(1, 40)
             if isinstance(ws.cell(r, 2).value, (int, float))}
    for name, key in (("by_dtm", "剩余期限档"), ("by_band", "金额段")):
        t = res.report.tables()[name].df
        for rec in t.to_dict("records"):
            amt, cnt = cells[rec[key]]
            assert amt == pytest.approx(rec["到期金额(万元)"]) and cnt == rec["笔数"], (name, rec[key])


def test_bundled_workbook_is_current(tmp_path):
    bundled = ROOT / "workbooks" / "存款到期视图模板.xlsx"
    assert bundled.exists(), "run: python -m bankxl.templates"
    fresh = build_maturity_template(tmp_path / "t.xlsx")
    assert bundled.read_bytes() == fresh.read_bytes(), "workbooks/存款到期视图模板.xlsx is stale: python -m bankxl.templates"


# ============================================================================ LibreOffice
@pytest.mark.libreoffice
def test_libreoffice_recalculation_matches_python(tpl, tmp_path):
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    out, bad, checked = recalc_mismatches(tpl, tmp_path)
    assert not bad, bad[:10]
    assert checked > 5 * MATURITY_ROWS
    orgs = [o for o, _ in MATURITY_ORG_LIST]
    _assert_structure(_structure(out), _pandas_structure(_detail(tpl), MATURITY_AS_OF), orgs)


def _user_data():
    """New deposits as a user would paste them: the sample bank's 整存整取/大额存单 (these the report never
    excludes), as of 2026-09-30 (a month end: the first month column is October)."""
    from bankxl.sample import make_sample_bank

    as_of = pd.Timestamp("2026-09-30")
    td = make_sample_bank(customers=250, seed=7, as_of=str(as_of.date()))["time_deposits"]
    td = td[td["product"].isin(["整存整取", "大额存单"]) & td["maturity_date"].notna()].reset_index(drop=True)
    return td, as_of


@pytest.mark.libreoffice
def test_user_writes_new_data_and_libreoffice_follows(tpl, tmp_path):
    """Paste new data into a COPY (openpyxl, like a user's paste), change 数据日期 and the org list, recalculate
    in LibreOffice: 到期结构 follows an independent pandas computation, and the bankxl report run on the saved
    file shows the same amounts for every column both show."""
    require_soffice("LibreOffice (soffice) not installed: cannot recalculate the template headless")
    from bankxl.runner import run_scenario

    td, as_of = _user_data()
    assert 30 < len(td) < MATURITY_ROWS
    orgs = sorted(td["org_id"].unique())
    assert len(orgs) <= MATURITY_ORGS
    copy = tmp_path / "src" / "我的到期视图.xlsx"
    copy.parent.mkdir()
    wb = openpyxl.load_workbook(tpl)
    ws = wb["定期存款明细"]
    from bankxl.scenarios.deposit.maturity.template import maturity_input_columns

    ids = [c.id for c in maturity_input_columns()]
    heads = [c.value for c in ws[HEAD]][:len(ids)]
    assert len(ids) == len(heads)
    for i in range(max(len(td), N_EX)):
        for j, cid in enumerate(ids):
            val = None
            if i < len(td):
                x = td.iloc[i][cid]
                if x is not None and not (not isinstance(x, (str, bool)) and pd.isna(x)):
                    if cid == "auto_renew":
                        val = "是" if bool(x) else "否"
                    elif isinstance(x, pd.Timestamp):
                        val = x.to_pydatetime()
                    elif cid in ("balance", "rate"):
                        val = float(x)
                    elif cid == "term_m":
                        val = int(x)
                    else:
                        val = str(x)
            ws.cell(FIRST + i, j + 1).value = val
    par = wb["参数"]
    par["D2"].value = as_of.to_pydatetime()
    t = par.tables["机构"]
    org_first = int(t.ref.split(":")[0][1:]) + 1
    names = {"010001": "深圳科技园支行"}
    for k in range(MATURITY_ORGS):
        par.cell(org_first + k, 1).value = orgs[k] if k < len(orgs) else None
        par.cell(org_first + k, 2).value = names.get(orgs[k], f"网点{orgs[k]}") if k < len(orgs) else None
    wb.save(copy)
    out = recalc_to_xlsx(copy, tmp_path / "lo")

    got = _structure(out)
    assert list(got["amount"]) == orgs
    pasted = _detail(out)
    assert len(pasted) == len(td)
    want = _pandas_structure(pasted, as_of)
    assert want["months"][0] == "2026-10" and want["months"][-1] == "2027-09"
    _assert_structure(got, want, orgs)
    lo = openpyxl.load_workbook(out, data_only=True)
    st = lo["到期结构"]
    hr = _blocks(st)["到期金额(万元)"][0]
    total_row = hr + MATURITY_ORGS + 1
    assert st.cell(total_row, 18).value == pytest.approx(td["balance"].sum() / 10000)
    assert st.cell(total_row + 2, 18).value == 0
    checks = {r[0].value: r[3].value for r in lo["参数"].iter_rows(min_row=2) if isinstance(r[0].value, str)}
    assert checks["明细数据日期检查"] == "一致" and checks["超出公式范围的明细行"] == 0
    assert checks["首个到期月份"] == dt.datetime(2026, 10, 1)
    # the 到期本息 column after the paste: simple interest on the new rows
    tdw = lo["定期存款明细"]
    r0 = td.iloc[0]
    assert tdw.cell(FIRST, 21).value == pytest.approx(round(r0["balance"] * (1 + r0["rate"] * int(r0["term_m"]) / 12), 2),
                                                       abs=0.006)

    res = run_scenario("deposit.maturity", [out], tmp_path / "report.xlsx")
    assert res.report.meta["as_of"] == as_of and res.inputs["time_deposits"]["rows"] == len(td)
    n = _assert_same_as_report(got, _report_structure(res), orgs)
    assert n == 2 * len(orgs) * 16
