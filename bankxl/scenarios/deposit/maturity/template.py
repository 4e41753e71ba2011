"""D2 存款到期视图模板 (``存款到期视图模板.xlsx``): the scenario's template hook (``SPEC.template``).

Built with the shared template helpers of :mod:`bankxl.templates` (their rules: Excel 2010+/LibreOffice
functions only, cached values computed by the scenario's own functions, byte-stable rebuilds).
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ....templates import (
    FONT,
    column_widths,
    excel_round,
    formula_cell,
    header_row,
    heading,
    help_sheet,
    new_workbook,
    print_setup,
)

MATURITY_AS_OF = _dt.date(2026, 6, 15)   # the example's 数据日期 (mid-month: the first month column is June)
MATURITY_ROWS = 2000       # input rows of the 定期存款明细 table (formula ranges cover them)
MATURITY_FIRST = 4         # 0-based row of the first deposit row (Excel row 5; header in Excel row 4)
MATURITY_ORGS = 20         # rows of the 机构 list (参数) and of 到期结构
MATURITY_MONTHS = 12       # month columns of 到期结构
MATURITY_TABLE = "定期存款"  # Excel table name (an alias of time_deposits, so bankxl's loader finds it)
MATURITY_ORG_TABLE = "机构"  # Excel table name of the org list (the orgs table's 中文名)
#: example orgs (机构号, 机构名称): the rows of 到期结构
MATURITY_ORG_LIST = (("010001", "城东支行"), ("010002", "城西支行"), ("010003", "高新区支行"),
                     ("010004", "开发区支行"), ("010005", "滨江支行"), ("010006", "新城支行"))
#: example deposits: 客户号, 客户名称, 机构号, 产品, 到期日 (None: 通知存款), 期限(月), 年利率, 余额(元), 自动转存.
#: Chosen to sit on the band edges (剩余天数 −26/−5/0/1/7/8/30/31/90/91/180/181, 余额 49,999.99/50,000/200,000/
#: 1,000,000), on both sides of the last month column and on 2028-02-29.
MATURITY_EXAMPLE = (
    ("1000001", "张伟", "010001", "整存整取", _dt.date(2026, 6, 10), 12, 0.0135, 80000.0, False),
    ("1000002", "王芳", "010001", "大额存单", _dt.date(2026, 6, 15), 36, 0.019, 500000.0, False),
    ("1000003", "李娜", "010001", "整存整取", _dt.date(2026, 6, 22), 6, 0.0125, 50000.0, True),
    ("1000004", "刘洋", "010001", "整存整取", _dt.date(2026, 7, 15), 12, 0.0135, 200000.0, False),
    ("1000001", "张伟", "010001", "整存整取", _dt.date(2026, 11, 30), 24, 0.0145, 35000.5, False),
    ("1000005", "陈静", "010002", "整存整取", _dt.date(2026, 6, 23), 3, 0.0105, 12000.0, False),
    ("1000006", "杨磊", "010002", "大额存单", _dt.date(2026, 7, 16), 12, 0.0155, 1000000.0, False),
    ("1000007", "赵敏", "010002", "整存整取", _dt.date(2026, 9, 13), 6, 0.0125, 150000.0, True),
    ("1000008", "黄勇", "010002", "整存整取", _dt.date(2026, 9, 14), 12, 0.0135, 68000.0, False),
    ("1000005", "陈静", "010002", "通知存款", None, None, 0.001, 300000.0, False),
    ("1000009", "周杰", "010003", "大额存单", _dt.date(2026, 12, 12), 36, 0.019, 800000.0, False),
    ("1000010", "吴倩", "010003", "大额存单", _dt.date(2026, 12, 13), 24, 0.017, 300000.0, False),
    ("1000011", "徐明", "010003", "整存整取", _dt.date(2027, 1, 31), 60, 0.018, 120000.0, True),
    ("1000012", "孙丽", "010003", "整存整取", _dt.date(2027, 5, 31), 12, 0.0135, 49999.99, False),
    ("1000013", "马超", "010003", "整存整取", _dt.date(2027, 6, 1), 24, 0.0145, 260000.0, False),
    ("1000014", "朱红", "010004", "整存整取", _dt.date(2026, 5, 20), 12, 0.0135, 45000.0, False),
    ("1000015", "胡斌", "010004", "整存整取", _dt.date(2026, 8, 8), 6, 0.0125, 90000.0, False),
    ("1000016", "郭燕", "010004", "大额存单", _dt.date(2026, 10, 20), 36, 0.019, 600000.0, False),
    ("1000017", "何平", "010004", "整存整取", _dt.date(2027, 2, 28), 12, 0.0135, 30000.0, True),
    ("1000018", "高峰", "010004", "整存整取", _dt.date(2028, 2, 29), 36, 0.0175, 180000.0, False),
    ("1000019", "林涛", "010005", "整存整取", _dt.date(2026, 6, 30), 3, 0.0105, 25000.0, False),
    ("1000020", "罗琳", "010005", "大额存单", _dt.date(2026, 7, 31), 12, 0.0155, 1500000.0, False),
    ("1000021", "梁晨", "010005", "整存整取", _dt.date(2026, 9, 30), 24, 0.0145, 75000.0, True),
    ("1000022", "宋雨", "010005", "整存整取", _dt.date(2026, 12, 31), 12, 0.0135, 110000.0, False),
    ("1000019", "林涛", "010005", "整存整取", _dt.date(2027, 3, 15), 6, 0.0125, 40000.0, False),
    ("1000023", "郑浩", "010006", "整存整取", _dt.date(2026, 6, 16), 12, 0.0135, 20000.0, False),
    ("1000024", "谢婷", "010006", "大额存单", _dt.date(2026, 8, 31), 24, 0.017, 400000.0, False),
    ("1000025", "韩冰", "010006", "整存整取", _dt.date(2026, 11, 11), 6, 0.0125, 66000.0, False),
    ("1000026", "唐宁", "010006", "整存整取", _dt.date(2027, 4, 30), 12, 0.0135, 95000.0, True),
    ("1000027", "冯雪", "010006", "整存整取", _dt.date(2029, 6, 15), 60, 0.018, 350000.0, False),
)
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


def _serial(d) -> float:
    """Excel date serial of a date/Timestamp (1900 system)."""
    return float((pd.Timestamp(d).normalize() - pd.Timestamp(_EXCEL_EPOCH)).days)


def _num_text(x: float) -> str:
    """A number as Excel's/LibreOffice's ``&`` turns it into text (General format, integers without '.0')."""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.15g}"


def maturity_template_rows() -> pd.DataFrame:
    """The D2 template's example deposits as a canonical ``time_deposits`` frame (元, rate as a fraction):
    起息日 = 到期日 − 期限 (pandas DateOffset), 证件号码 with a valid check digit, 币种 CNY, 状态 正常, 数据日期
    :data:`MATURITY_AS_OF`. One 通知存款 without 到期日 (not counted, as in bankxl's report)."""
    from ....idcard import calc_check_digit

    rows = []
    for i, (cust, name, org, prod, mat, term, rate, bal, auto) in enumerate(MATURITY_EXAMPLE, start=1):
        body = f"330106{1960 + (i * 7) % 40:04d}{1 + i % 12:02d}{1 + (i * 3) % 28:02d}{100 + i:03d}"
        mat_ts = pd.Timestamp(mat) if mat is not None else pd.NaT
        value = (mat_ts - pd.DateOffset(months=term)) if mat is not None else pd.Timestamp(2025, 9, 1)
        rows.append({"acct_no": f"6217{org}{i:06d}", "cust_id": cust, "cust_name": name,
                     "id_no": body + calc_check_digit(body), "org_id": org, "mgr_id": f"{int(org[-1]):02d}{i % 3 + 1:02d}",
                     "product": prod, "value_date": value, "maturity_date": mat_ts, "term_m": term, "rate": rate,
                     "balance": bal, "auto_renew": auto, "ccy": "CNY", "status": "正常",
                     "as_of": pd.Timestamp(MATURITY_AS_OF)})
    df = pd.DataFrame(rows)
    df["term_m"] = df["term_m"].astype("Int64")
    return df


def maturity_template_values(df: pd.DataFrame | None = None, as_of=MATURITY_AS_OF,
                             orgs: Sequence[str] | None = None) -> dict:
    """The D2 template's computed values for the deposits ``df`` (canonical ``time_deposits`` columns, default
    :func:`maturity_template_rows`), mirroring its formulas and using the D2 scenario's own definitions
    (:mod:`bankxl.scenarios.deposit.maturity`: default ``amount_edges``/``dtm_edges``, ``dtm_band``,
    ``amount_band``, their labels, ``month_periods``).

    Per row (lists aligned with ``df``; None = blank): dtm (剩余天数 = 到期日 − 数据日期), dtm_band, amount_band,
    month (first day of the maturity month), value (到期本息 = ROUND(余额 × (1 + 利率 × 期限/12), 2)).
    Per org of ``orgs`` (default :data:`MATURITY_ORG_LIST` ids) the 到期结构 columns: 'overdue' (dtm < 0),
    'today' (dtm = 0), the months (dtm > 0 and maturity month = month k), 'later' (dtm > 0, month after the
    last one), 'total' — amounts in 元 (``amount``) and counts (``count``); ``all_amount`` = every row with a
    到期日; the 到期分布 blocks ``by_dtm`` (all rows with a 到期日) and ``by_band`` (0 ≤ dtm and month ≤ the
    last month), each {label: (amount 元, count)}."""
    from .labels import amount_band, amount_band_labels, dtm_band, dtm_band_labels, month_periods
    from .params import MaturityParams

    df = maturity_template_rows() if df is None else df
    p = MaturityParams()
    as_of = pd.Timestamp(as_of).normalize()
    months = [pd.Timestamp(m + "-01") for m in month_periods(as_of, MATURITY_MONTHS)]
    mat = pd.to_datetime(df["maturity_date"]).dt.normalize()
    bal = pd.to_numeric(df["balance"], errors="coerce").astype("float64")
    has = mat.notna()
    dtm = (mat - as_of).dt.days
    dband = dtm_band(dtm.where(has), p.dtm_edges).where(has)
    aband = amount_band(bal, p.amount_edges).where(bal.notna())
    month = mat.dt.to_period("M").dt.to_timestamp()
    term = pd.to_numeric(df["term_m"], errors="coerce").astype("float64")
    rate = pd.to_numeric(df["rate"], errors="coerce").astype("float64")
    value = [excel_round(b * (1 + r * t / 12), 2) if h and pd.notna(r) and pd.notna(t) else None
             for b, r, t, h in zip(bal, rate, term, has)]

    def nz(x):
        return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x

    orgs = [o for o, _ in MATURITY_ORG_LIST] if orgs is None else list(orgs)
    org = df["org_id"].astype("string")
    cols = ["overdue", "today", *range(MATURITY_MONTHS), "later"]

    def cell(sel: pd.Series, key) -> pd.Series:
        if key == "overdue":
            m = sel & has & (dtm < 0)
        elif key == "today":
            m = sel & has & (dtm == 0)
        elif key == "later":
            m = sel & has & (dtm > 0) & (month > months[-1])
        else:
            m = sel & has & (dtm > 0) & (month == months[key])
        return m.fillna(False).astype(bool)

    amount, count = {}, {}
    for o in orgs:
        sel = (org == o).fillna(False)
        amount[o] = {k: float(sum(bal[cell(sel, k)])) for k in cols}
        count[o] = {k: int(cell(sel, k).sum()) for k in cols}
        amount[o]["total"] = float(sum(amount[o][k] for k in cols))
        count[o]["total"] = int(sum(count[o][k] for k in cols))
    by_dtm = {}
    for lab in dtm_band_labels(p.dtm_edges):
        m = (has & (dband == lab)).fillna(False).astype(bool)
        by_dtm[lab] = (float(sum(bal[m])), int(m.sum()))
    by_band = {}
    for lab in amount_band_labels(p.amount_edges):
        m = (has & (aband == lab) & (dtm >= 0) & (month <= months[-1])).fillna(False).astype(bool)
        by_band[lab] = (float(sum(bal[m])), int(m.sum()))
    all_amount = float(sum(bal[has & (dtm < 0)])) + float(sum(bal[has & (dtm >= 0)]))
    return {"df": df, "as_of": as_of, "months": months, "dtm": [nz(x) for x in dtm.where(has)],
            "dtm_band": [nz(x) for x in dband], "amount_band": [nz(x) for x in aband],
            "month": [nz(x) for x in month.where(has)], "value": value, "orgs": orgs, "amount": amount,
            "count": count, "all_amount": all_amount, "all_count": int(has.sum()), "by_dtm": by_dtm,
            "by_band": by_band, "dtm_edges": tuple(p.dtm_edges), "amount_edges": tuple(p.amount_edges),
            "dtm_labels": dtm_band_labels(p.dtm_edges), "amount_labels": amount_band_labels(p.amount_edges)}


#: the D2 parameters the template's formulas use (its 参数 sheet offers only these, besides the 通用 rows)
TEMPLATE_PARAMS = ("dtm_edges", "amount_edges")


def template_param_rows() -> pd.DataFrame:
    """The rows of the template's 参数 table (场景 | 名称 | 单位 | 取值 | 说明 | 参数 — the English id last, a hidden
    column: bankxl and the add-in read it, users see Chinese): the 通用 rows of
    :func:`bankxl.paramsheet.default_param_rows` and the D2 parameters the template's formulas use
    (:data:`TEMPLATE_PARAMS`), 场景 = the scenario's 中文 title (bankxl and the add-in accept it like the id).
    A parameter the template's formulas do not use (到期月份数, 大额客户门槛 …) would change nothing here, so it is
    not offered (issue 10 item 7); the 使用说明 says how to set one for the bankxl report."""
    from ....paramsheet import default_param_rows
    from . import SPEC

    rows = default_param_rows([SPEC])
    keep = rows["场景"].eq("通用") | rows["参数"].isin(TEMPLATE_PARAMS)
    rows = rows[keep].reset_index(drop=True)
    rows["场景"] = rows["场景"].replace({SPEC.id: SPEC.title})
    return rows[["场景", "名称", "单位", "取值", "说明", "参数"]]


def maturity_input_columns() -> list:
    """The 定期存款明细 columns of the maturity template, in order: every time_deposits column except term_d
    (期限天数): the template's formulas take 期限 in months only."""
    from ....tables import get_table

    return [c for c in get_table("time_deposits").columns if c.id != "term_d"]


def build_maturity_template(path: str | Path) -> Path:
    """Write ``存款到期视图模板.xlsx`` (D2) to ``path`` and return the path.

    Sheets: 使用说明; 参数 (the bankxl 参数 table of :func:`template_param_rows`, 场景 | 名称 | 单位 | 取值 | 说明 |
    参数 (hidden English ids) — 通用 rows with 数据日期 (Excel name ``P_AsOf``) and the D2 parameters the formulas
    use, printed on one page, so the add-in and ``bankxl run --params`` read it; below it the
    formula helpers ``P_M1``/``P_M12`` (first/last month column), the 剩余期限档 and 金额段 edges (inputs;
    ``P_DtmLo``/``P_DtmBand``, ``P_AmtLo``/``P_AmtBand``; labels are formulas; the D2 ``dtm_edges`` and
    ``amount_edges`` 取值 cells join them) and the Excel table ``机构`` = the org list); 定期存款明细 (Excel
    table ``定期存款`` over :data:`MATURITY_ROWS` rows: the canonical time_deposits headers, 30 example rows,
    formula columns 剩余天数, 剩余期限档 (LOOKUP), 金额段 (LOOKUP), 到期月份 (DATE(YEAR, MONTH, 1) shown yyyy-mm),
    到期本息(元)); 到期结构 (per org of the 机构 list: 已到期未支取 | 当日到期 | 12 months | 12个月以后 | 合计 with
    SUMIFS (万元) and COUNTIFS, 合计 rows, a check of amounts outside the list, a chart of the monthly totals);
    到期分布 (by 剩余期限档 and by 金额段 with SUMIFS/COUNTIFS, 金额占比, two column charts). Cached values from
    :func:`maturity_template_values`. Raises OSError when ``path`` is not writable.
    """
    from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

    from .labels import P_LATER, P_OVERDUE, P_TODAY

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    v = maturity_template_values()
    df = v["df"]
    n_ex = len(df)
    wb, st = new_workbook(path, "存款到期视图模板")
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
    inp = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}
    calc = {"bg_color": "#EDEDED", "border": 1, "border_color": "#BFBFBF"}
    in_rate = wb.add_format({**base, **inp, "num_format": "0.00%"})
    calc_date = wb.add_format({**base, **calc, "num_format": "yyyy-mm-dd"})
    calc_month = wb.add_format({**base, **calc, "num_format": "yyyy-mm", "align": "center"})
    calc_wan = wb.add_format({**base, **calc, "num_format": "#,##0.00"})
    fixed_lo = wb.add_format({**base, **calc, "num_format": '"无下限"', "align": "right"})
    head_month = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                                "align": "center", "num_format": "yyyy-mm"})
    ws_help = wb.add_worksheet("使用说明")
    ws_par = wb.add_worksheet("参数")
    ws_td = wb.add_worksheet("定期存款明细")
    ws_st = wb.add_worksheet("到期结构")
    ws_ds = wb.add_worksheet("到期分布")

    # -- 参数 -------------------------------------------------------------------------------------------
    # first non-empty row = the 参数 table header (bankxl.paramsheet / the ribbon read it that way)
    prows = template_param_rows()
    heads = list(prows.columns)  # 场景 | 名称 | 单位 | 取值 | 说明 | 参数
    header_row(ws_par, 0, heads, st)
    column_widths(ws_par, (16, 18, 15, 34, 100))  # C also holds the bands' 上限
    ws_par.set_column(5, 5, 16, None, {"hidden": True})  # 参数 = English id, for bankxl and the add-in (also in 说明)
    # layout of the helper blocks below the 参数 table (0-based rows)
    n_p = len(prows)
    r_help = n_p + 2                    # section title
    r_m1, r_m12, r_chk, r_over = r_help + 1, r_help + 2, r_help + 3, r_help + 4
    r_dtm_t = r_over + 2                # 剩余期限档 title; header on +1; rows from +2
    n_dtm = len(v["dtm_labels"])
    r_dtm = r_dtm_t + 2
    r_amt_t = r_dtm + n_dtm + 1
    n_amt = len(v["amount_labels"])
    r_amt = r_amt_t + 2
    r_org_t = r_amt + n_amt + 1
    r_org = r_org_t + 2                 # first org row (header on r_org - 1)
    dtm_lo = f"'参数'!$B${r_dtm + 1}:$B${r_dtm + n_dtm}"
    dtm_lab = f"'参数'!$D${r_dtm + 1}:$D${r_dtm + n_dtm}"
    amt_lo = f"'参数'!$B${r_amt + 1}:$B${r_amt + n_amt}"
    amt_lab = f"'参数'!$D${r_amt + 1}:$D${r_amt + n_amt}"
    dtm_join = '="["&' + '&", "&'.join(f"B{r_dtm + 1 + k}" for k in range(1, n_dtm)) + '&"]"'
    amt_join = '="["&' + '&", "&'.join(f"B{r_amt + 1 + k}" for k in range(1, n_amt)) + '&"]"'
    dtm_join_v = "[" + ", ".join(_num_text(x) for x in v["dtm_edges"]) + "]"
    amt_join_v = "[" + ", ".join(_num_text(x) for x in v["amount_edges"]) + "]"
    notes = {"as_of": "本模板所有公式的数据日期(名称 P_AsOf); 应与明细表「数据日期」列一致(见下方检查)。bankxl 报告也用这一天",
             "amount_edges": "公式: 由下方「金额段」表的黄色下限拼接, 请改下方黄色格。" ,
             "dtm_edges": "公式: 由下方「剩余期限档」表的黄色下限拼接, 请改下方黄色格。"}
    for i, row in enumerate(prows.to_dict("records")):
        scen, pid, name, val, unit, note = (row[k] for k in ("场景", "参数", "名称", "取值", "单位", "说明"))
        r = 1 + i
        ws_par.write_string(r, 0, scen, st.text)
        ws_par.write_string(r, 1, name, st.label)
        ws_par.write_string(r, 5, pid, st.text)
        if pid == "as_of":
            ws_par.write_datetime(r, 3, _dt.datetime.combine(MATURITY_AS_OF, _dt.time()), st.in_date)
            wb.define_name("P_AsOf", f"='参数'!$D${r + 1}")
        elif pid == "dtm_edges" and scen != "通用":
            formula_cell(ws_par, r, 3, dtm_join, st.calc_text, dtm_join_v)
        elif pid == "amount_edges" and scen != "通用":
            formula_cell(ws_par, r, 3, amt_join, st.calc_text, amt_join_v)
        else:
            s = str(val).strip()
            if re.fullmatch(r"-?\d+", s):
                ws_par.write_number(r, 3, int(s), st.in_int)
            elif re.fullmatch(r"-?\d+\.\d*", s):
                x = float(s)
                ws_par.write_number(r, 3, x, st.in_money if abs(x) >= 1 else st.in_general)
            else:
                ws_par.write_string(r, 3, s, st.in_text)
        ws_par.write_string(r, 2, unit, st.text)
        ws_par.write_string(r, 4, f"{notes.get(pid, note)}(参数 {pid})", st.text)

    td_rng = {}  # filled below; the helper formulas on 参数 use the 定期存款明细 ranges
    first, last = MATURITY_FIRST, MATURITY_FIRST + MATURITY_ROWS - 1
    r1, r2 = first + 1, last + 1
    cols = maturity_input_columns()
    L = {c.id: xl_col_to_name(j) for j, c in enumerate(cols)}
    n_cols = len(cols)
    f_cols = ["dtm", "dtm_band", "amount_band", "month", "value"]
    for k, name in enumerate(f_cols):
        L[name] = xl_col_to_name(n_cols + k)
    for key, col in L.items():
        td_rng[key] = f"'定期存款明细'!${col}${r1}:${col}${r2}"

    ws_par.write_string(r_help, 0, "以下供本模板的公式使用(黄色格可改, 灰色格为公式)", st.subtitle)
    m1_v, m12_v = v["months"][0], v["months"][-1]
    asof_col = td_rng["as_of"]
    chk_v = "一致"
    over_first = r2 + 1
    helpers = [
        (r_m1, "首个到期月份", "P_M1", "=DATE(YEAR(P_AsOf+1),MONTH(P_AsOf+1),1)", calc_month, _serial(m1_v),
         "数据日期次日所在月(与 bankxl 报告相同); 「到期结构」的第 1 个月份列"),
        (r_m12, "第 12 个到期月份", "P_M12", "=EDATE(P_M1,11)", calc_month, _serial(m12_v),
         "之后到期的归入「12个月以后」"),
        (r_chk, "明细数据日期检查", None,
         (f'=IF(COUNT({asof_col})=0,"明细未填数据日期",IF(AND(MIN({asof_col})=P_AsOf,MAX({asof_col})=P_AsOf),'
          f'"一致","不一致: 请核对"))'), st.calc_text, chk_v,
         "明细表「数据日期」列与上面的数据日期是否一致(bankxl 运行时以明细的数据日期列或上面的取值为准)"),
        (r_over, "超出公式范围的明细行", None,
         f"=COUNTA('定期存款明细'!$A${over_first}:$A$1048576)", st.calc_int, 0,
         f"公式覆盖明细第 {r1}–{r2} 行({MATURITY_ROWS:,} 笔); 不为 0 时超出部分未统计, 请用 bankxl「存款到期视图」按钮"),
    ]
    for r, label, nm, f, fmt, val, note in helpers:
        ws_par.write_string(r, 0, label, st.label)
        ws_par.write_blank(r, 1, None, st.label)
        ws_par.write_blank(r, 2, None, st.label)
        formula_cell(ws_par, r, 3, f, fmt, val)
        ws_par.write_string(r, 4, note + (f"(公式名称 {nm})" if nm else ""), st.text)
        if nm:
            wb.define_name(nm, f"='参数'!$D${r + 1}")
    ws_par.conditional_format(r_chk, 3, r_chk, 3, {"type": "text", "criteria": "not containing", "value": "一致",
                                                   "format": st.bad})
    ws_par.conditional_format(r_chk, 3, r_chk, 3, {"type": "text", "criteria": "containing", "value": "不一致",
                                                   "format": st.bad})
    ws_par.conditional_format(r_over, 3, r_over, 3, {"type": "cell", "criteria": ">", "value": 0,
                                                     "format": st.bad})

    # 剩余期限档 / 金额段: lower bounds (inputs), upper bounds and labels (formulas)
    def band_block(r_title, r0, title, unit_lo, unit_hi, lows, labels, kind):
        ws_par.write_string(r_title, 0, title, st.subtitle)
        header_row(ws_par, r0 - 1, ("档位", f"下限({unit_lo})", f"上限({unit_hi})", "档位名称"), st)
        n = len(labels)
        for k in range(n):
            r, er = r0 + k, r0 + k + 1
            ws_par.write_number(r, 0, k + 1, st.calc_int)
            lo = lows[k]
            if k == 0:
                ws_par.write_number(r, 1, lo, fixed_lo)
            elif kind == "dtm" and k == 1:
                ws_par.write_number(r, 1, lo, st.calc_int)       # 0: fixed (below 0 = 已到期未支取)
            else:
                ws_par.write_number(r, 1, lo, st.in_int if kind == "dtm" else st.in_money)
            nxt = f"B{er + 1}"
            if kind == "dtm":
                up_f, up_v = (f"={nxt}-1", lows[k + 1] - 1) if k < n - 1 else (None, None)
                if k == 0:
                    lab_f = None
                elif k < n - 1:
                    lab_f = f'=B{er}&"–"&C{er}&"天"'
                else:
                    lab_f = f'=">"&(B{er}-1)&"天"'
            else:
                up_f, up_v = (f"={nxt}", lows[k + 1]) if k < n - 1 else (None, None)
                if k == 0:
                    lab_f = f'="<"&{nxt}/10000&"万"'
                elif k < n - 1:
                    lab_f = f'=B{er}/10000&"–"&{nxt}/10000&"万"'
                else:
                    lab_f = f'="≥"&B{er}/10000&"万"'
            if up_f:
                formula_cell(ws_par, r, 2, up_f, st.calc_int if kind == "dtm" else st.calc_money, up_v)
            else:
                ws_par.write_string(r, 2, "无上限", st.calc_text)
            if lab_f:
                formula_cell(ws_par, r, 3, lab_f, st.calc_text, labels[k])
            else:
                ws_par.write_string(r, 3, labels[k], st.calc_text)

    band_block(r_dtm_t, r_dtm, "剩余期限档(剩余天数 = 到期日 − 数据日期; 区间左闭右开: 含下限, 不含下一档下限)", "天", "天, 含",
               [-99999.0, *[float(x) for x in v["dtm_edges"]]], v["dtm_labels"], "dtm")
    band_block(r_amt_t, r_amt, "金额段(单笔余额; 区间左闭右开: 5 万整归入 5–20万)", "元", "元, 不含",
               [-1e15, *[float(x) for x in v["amount_edges"]]], v["amount_labels"], "amt")
    wb.define_name("P_DtmLo", "=" + dtm_lo)
    wb.define_name("P_DtmBand", "=" + dtm_lab)
    wb.define_name("P_AmtLo", "=" + amt_lo)
    wb.define_name("P_AmtBand", "=" + amt_lab)
    # 机构 list: an Excel table named 机构 (bankxl reads it as the orgs table: names in the report)
    ws_par.write_string(r_org_t, 0, f"机构清单(「到期结构」的行, 最多 {MATURITY_ORGS} 个; 机构号与明细表的机构号一致)",
                        st.subtitle)
    org_first, org_last = r_org, r_org + MATURITY_ORGS - 1
    ws_par.add_table(org_first - 1, 0, org_last, 1, {
        "name": MATURITY_ORG_TABLE, "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": "机构号", "header_format": st.header}, {"header": "机构名称", "header_format": st.header}]})
    for k in range(MATURITY_ORGS):
        if k < len(MATURITY_ORG_LIST):
            ws_par.write_string(org_first + k, 0, MATURITY_ORG_LIST[k][0], st.in_text)
            ws_par.write_string(org_first + k, 1, MATURITY_ORG_LIST[k][1], st.in_text)
        else:
            ws_par.write_blank(org_first + k, 0, None, st.in_text)
            ws_par.write_blank(org_first + k, 1, None, st.in_text)
    ws_par.freeze_panes(1, 0)
    print_setup(ws_par)
    ws_par.fit_to_pages(1, 1)  # one screenful of settings: one page

    # -- 定期存款明细 -----------------------------------------------------------------------------------------
    heading(ws_td, "定期存款明细(元)",
             f"黄色区域粘贴系统导出的定期存款明细(第 {r1} 行起, 最多 {MATURITY_ROWS:,} 行, 表头勿改); "
             "右侧灰色列为公式。日期列须为日期格式, 利率填小数或百分比格式(1.35% 即 0.0135)。"
             f"打印区域只含表头与 {n_ex} 行示例; 打印自己的明细请先在「页面布局 → 打印区域」重设。", st)
    heads = [("期限(月)" if c.id == "term_m" else c.label) for c in cols]
    heads += ["剩余天数", "剩余期限档", "金额段", "到期月份", "到期本息(元)"]
    fmt_in = {"date": st.in_date, "money": st.in_money, "int": st.in_int, "rate": in_rate}
    col_fmt = [fmt_in.get(c.kind, st.in_text) for c in cols]
    f_fmt = [st.calc_int, st.calc_text, st.calc_text, calc_month, st.calc_money]
    ws_td.add_table(first - 1, 0, last, n_cols + len(f_cols) - 1, {
        "name": MATURITY_TABLE, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": st.header} for h in heads]})
    ws_td.set_row(first - 1, 30)
    widths = {"acct_no": 17, "cust_id": 9, "cust_name": 8, "id_no": 19, "org_id": 8, "mgr_id": 8, "product": 9,
              "value_date": 11, "maturity_date": 11, "term_m": 7, "rate": 7, "balance": 13, "auto_renew": 7,
              "ccy": 6, "status": 6, "as_of": 11}
    for j, c in enumerate(cols):
        ws_td.set_column(j, j, widths.get(c.id, 10))
    for k, w in enumerate((8, 13, 9, 9, 13)):
        ws_td.set_column(n_cols + k, n_cols + k, w)
    A, I, J, K, Lb = L["acct_no"], L["maturity_date"], L["term_m"], L["rate"], L["balance"]
    Q = L["dtm"]
    for i in range(MATURITY_ROWS):
        r, er = first + i, first + i + 1
        ex = i < n_ex
        for j, c in enumerate(cols):
            val = df.iloc[i][c.id] if ex else None
            if val is None or (not isinstance(val, (str, bool)) and pd.isna(val)):
                ws_td.write_blank(r, j, None, col_fmt[j])
            elif c.kind == "date":
                ws_td.write_datetime(r, j, pd.Timestamp(val).to_pydatetime(), col_fmt[j])
            elif c.kind == "bool":
                ws_td.write_string(r, j, "是" if val else "否", col_fmt[j])
            elif c.kind in ("money", "rate", "number"):
                ws_td.write_number(r, j, float(val), col_fmt[j])
            elif c.kind == "int":
                ws_td.write_number(r, j, int(val), col_fmt[j])
            else:
                ws_td.write_string(r, j, str(val), col_fmt[j])
        vals = ((v["dtm"][i], v["dtm_band"][i], v["amount_band"][i],
                 _serial(v["month"][i]) if v["month"][i] is not None else None, v["value"][i]) if ex
                else (None,) * 5)
        forms = (
            f'=IF(OR(${A}{er}="",${I}{er}=""),"",${I}{er}-P_AsOf)',
            f'=IF({Q}{er}="","",LOOKUP({Q}{er},P_DtmLo,P_DtmBand))',
            f'=IF(OR(${A}{er}="",${Lb}{er}=""),"",LOOKUP(${Lb}{er},P_AmtLo,P_AmtBand))',
            f'=IF({Q}{er}="","",DATE(YEAR(${I}{er}),MONTH(${I}{er}),1))',
            f'=IF(OR({Q}{er}="",${J}{er}="",${K}{er}=""),"",ROUND(${Lb}{er}*(1+${K}{er}*${J}{er}/12),2))',
        )
        for k, (f, fmt, val) in enumerate(zip(forms, f_fmt, vals)):
            formula_cell(ws_td, r, n_cols + k, f, fmt, val)
    ws_td.freeze_panes(first, 1)
    print_setup(ws_td)
    # printing the workbook gives the summaries, not 2,000 empty input rows: the header and the example rows
    ws_td.print_area(0, 0, first + n_ex - 1, n_cols + len(f_cols) - 1)
    ws_td.repeat_rows(first - 1)

    # -- 到期结构 ---------------------------------------------------------------------------------------------
    bal, org, dtm, mon = td_rng["balance"], td_rng["org_id"], td_rng["dtm"], td_rng["month"]
    n_m = MATURITY_MONTHS
    st_heads = ["机构号", "机构名称", P_OVERDUE, P_TODAY, *[None] * n_m, P_LATER, "合计"]
    c_later, c_total = 4 + n_m, 5 + n_m
    heading(ws_st, "存款到期结构",
             "行 = 「参数」表的机构清单; 列 = 到期期间: 已到期未支取(到期日早于数据日期) | 当日到期 | 未来 12 个月"
             "(数据日期次日所在月起, 不含当日及以前) | 12个月以后 | 合计。全部为公式(SUMIFS/COUNTIFS)。", st)
    ws_st.write_string(2, 0, "数据日期", st.label)
    ws_st.write_blank(2, 1, None, st.label)
    formula_cell(ws_st, 2, 2, "=P_AsOf", calc_date, _serial(v["as_of"]))
    ws_st.set_column(0, 0, 9)
    ws_st.set_column(1, 1, 14)
    ws_st.set_column(2, 3, 11)
    ws_st.set_column(4, 3 + n_m, 9.5)
    ws_st.set_column(c_later, c_later, 11)
    ws_st.set_column(c_total, c_total, 12)
    orgs = v["orgs"]

    def crit(j: int, hr: int) -> str:
        """SUMIFS/COUNTIFS criteria (after the org pair) of period column ``j`` (header on 0-based row ``hr``)."""
        if j == 2:
            return f',{dtm},"<0"'
        if j == 3:
            return f",{dtm},0"
        if j == c_later:
            return f',{mon},">"&P_M12,{dtm},">0"'
        return f',{mon},{xl_rowcol_to_cell(hr, j, row_abs=True)},{dtm},">0"'

    def key_of(j: int):
        return {2: "overdue", 3: "today", c_later: "later"}.get(j, j - 4)

    def structure_block(r_title: int, title: str, metric: str) -> tuple[int, int, int]:
        hr = r_title + 1
        ws_st.write_string(r_title, 0, title, st.subtitle)
        for j, h in enumerate(st_heads):
            if h is None:
                k = j - 4
                formula_cell(ws_st, hr, j, "=P_M1" if k == 0 else f"=EDATE(P_M1,{k})", head_month,
                         _serial(v["months"][k]))
            else:
                ws_st.write_string(hr, j, h, st.header)
        o_first = hr + 1
        for k in range(MATURITY_ORGS):
            r, er = o_first + k, o_first + k + 1
            src = org_first + k + 1
            ex = k < len(orgs)
            o = orgs[k] if ex else None
            formula_cell(ws_st, r, 0, f"=IF('参数'!$A${src}=\"\",\"\",'参数'!$A${src})", st.calc_text, o if ex else "")
            formula_cell(ws_st, r, 1, f"=IF($A{er}=\"\",\"\",'参数'!$B${src}&\"\")", st.calc_text,
                     MATURITY_ORG_LIST[k][1] if ex else "")
            for j in range(2, c_later + 1):
                if metric == "amount":
                    f = f'=IF($A{er}="","",SUMIFS({bal},{org},$A{er}{crit(j, hr)})/10000)'
                    val = v["amount"][o][key_of(j)] / 10000 if ex else ""
                    fmt = calc_wan
                else:
                    f = f'=IF($A{er}="","",COUNTIFS({org},$A{er}{crit(j, hr)}))'
                    val = v["count"][o][key_of(j)] if ex else ""
                    fmt = st.calc_int
                formula_cell(ws_st, r, j, f, fmt, val)
            tot = (v["amount"][o]["total"] / 10000 if metric == "amount" else v["count"][o]["total"]) if ex else ""
            formula_cell(ws_st, r, c_total, f'=IF($A{er}="","",SUM(C{er}:{xl_col_to_name(c_later)}{er}))',
                     calc_wan if metric == "amount" else st.calc_int, tot)
        o_last = o_first + MATURITY_ORGS - 1
        tr = o_last + 1
        ws_st.write_string(tr, 0, "合计", st.total_label)
        ws_st.write_blank(tr, 1, None, st.total_label)
        for j in range(2, c_total + 1):
            c = xl_col_to_name(j)
            if j == c_total:
                val = sum(v[metric][o]["total"] for o in orgs)
            else:
                val = sum(v[metric][o][key_of(j)] for o in orgs)
            formula_cell(ws_st, tr, j, f"=SUM({c}{o_first + 1}:{c}{o_last + 1})",
                     st.total_money if metric == "amount" else st.total_int,
                     val / 10000 if metric == "amount" else val)
        return hr, o_first, tr

    hr_a, of_a, tr_a = structure_block(4, "到期金额(万元)", "amount")
    ct = xl_col_to_name(c_total)
    ca = tr_a + 1
    listed_amt = sum(v["amount"][o]["total"] for o in orgs)
    ws_st.merge_range(ca, 0, ca, c_total - 1, "明细中有到期日的存款合计(万元)", st.label)
    formula_cell(ws_st, ca, c_total, f'=(SUMIFS({bal},{dtm},"<0")+SUMIFS({bal},{dtm},">=0"))/10000', calc_wan,
             v["all_amount"] / 10000)
    ws_st.merge_range(ca + 1, 0, ca + 1, c_total - 1,
                      "其中未列入上表机构的金额(万元): 不为 0 时请在「参数」的机构清单补充机构号", st.label)
    formula_cell(ws_st, ca + 1, c_total, f"=ROUND({ct}{ca + 1}-{ct}{tr_a + 1},2)", calc_wan,
             excel_round(v["all_amount"] / 10000 - listed_amt / 10000, 2))
    ws_st.conditional_format(ca + 1, c_total, ca + 1, c_total, {"type": "cell", "criteria": "!=", "value": 0,
                                                                "format": st.bad})
    hr_c, of_c, tr_c = structure_block(ca + 3, "到期笔数", "count")
    for hr, of in ((hr_a, of_a), (hr_c, of_c)):
        ws_st.set_row(hr, 20)
        ws_st.conditional_format(of, c_total, of + MATURITY_ORGS - 1, c_total, {"type": "data_bar",
                                                                               "bar_color": "#9BC2E6"})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "到期金额(万元)", "categories": ["到期结构", hr_a, 4, hr_a, 3 + n_m],
                      "values": ["到期结构", tr_a, 4, tr_a, 3 + n_m], "fill": {"color": "#1F4E78"}, "gap": 60,
                      "data_labels": {"value": True, "num_format": "#,##0", "font": {"size": 8}}})
    chart.set_title({"name": "未来 12 个月到期金额(全部机构合计, 万元)", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "yyyy-mm", "date_axis": False})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_size({"width": 900, "height": 320})
    ws_st.insert_chart(tr_c + 2, 0, chart, {"x_offset": 4, "y_offset": 4})
    ws_st.set_h_pagebreaks([tr_c + 2])  # the chart on its own page
    ws_st.freeze_panes(hr_a + 1, 2)
    print_setup(ws_st)

    # -- 到期分布 ---------------------------------------------------------------------------------------------
    heading(ws_ds, "存款到期分布(万元)",
             "档位名称取自「参数」; 金额 = SUMIFS(余额)/10000, 笔数 = COUNTIFS。去重客户数、按存期与产品的分布见 bankxl 报告。", st)
    column_widths(ws_ds, (16, 15, 9, 10))
    dband, aband = td_rng["dtm_band"], td_rng["amount_band"]

    def dist_block(r_title, title, labels, lab_rows, values, band_rng, extra, note) -> tuple[int, int]:
        ws_ds.write_string(r_title, 0, title, st.subtitle)
        ws_ds.write_string(r_title + 1, 0, note, st.note)
        hr = r_title + 2
        header_row(ws_ds, hr, (title.split("(")[0].replace("按", ""), "到期金额(万元)", "笔数", "金额占比"), st)
        b_first = hr + 1
        b_last = b_first + len(labels) - 1
        tot_amt = sum(values[lab][0] for lab in labels)
        tr = b_last + 1
        for k, lab in enumerate(labels):
            r, er = b_first + k, b_first + k + 1
            formula_cell(ws_ds, r, 0, f"='参数'!$D${lab_rows + k + 1}", st.calc_text, lab)
            amt, cnt = values[lab]
            # "="&label: a label such as <5万 or >365天 would otherwise be read as a comparison criterion
            formula_cell(ws_ds, r, 1, f'=SUMIFS({bal},{band_rng},"="&$A{er}{extra})/10000', calc_wan, amt / 10000)
            formula_cell(ws_ds, r, 2, f'=COUNTIFS({band_rng},"="&$A{er}{extra})', st.calc_int, cnt)
            formula_cell(ws_ds, r, 3, f'=IF($B${tr + 1}=0,"",B{er}/$B${tr + 1})', st.calc_pct,
                     (amt / 10000) / (tot_amt / 10000) if tot_amt else "")
        ws_ds.write_string(tr, 0, "合计", st.total_label)
        formula_cell(ws_ds, tr, 1, f"=SUM(B{b_first + 1}:B{b_last + 1})", st.total_money, tot_amt / 10000)
        formula_cell(ws_ds, tr, 2, f"=SUM(C{b_first + 1}:C{b_last + 1})", st.total_int,
                 sum(values[lab][1] for lab in labels))
        formula_cell(ws_ds, tr, 3, f"=SUM(D{b_first + 1}:D{b_last + 1})", st.total_pct, 1.0 if tot_amt else 0)
        ch = wb.add_chart({"type": "column"})
        ch.add_series({"name": "到期金额(万元)", "categories": ["到期分布", b_first, 0, b_last, 0],
                       "values": ["到期分布", b_first, 1, b_last, 1], "fill": {"color": "#2E75B6"}, "gap": 60,
                       "data_labels": {"value": True, "num_format": "#,##0", "font": {"size": 8}}})
        ch.set_title({"name": title.split("(")[0] + "的到期金额(万元)", "name_font": {"size": 11, "bold": True}})
        ch.set_legend({"none": True})
        ch.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        ch.set_size({"width": 560, "height": 250})
        ws_ds.insert_chart(r_title, 5, ch, {"x_offset": 10, "y_offset": 0})
        return b_first, tr

    _b1, t1 = dist_block(3, "按剩余期限档", v["dtm_labels"], r_dtm, v["by_dtm"], dband, "",
                        "范围: 明细中有到期日的全部存款(含已到期未支取与 1 年以后)。")
    dist_block(max(t1 + 3, 3 + 14), "按金额段(单笔余额)", v["amount_labels"], r_amt, v["by_band"], aband,
               f',{dtm},">=0",{mon},"<="&P_M12',
               "范围: 未来 12 个月内到期(剩余天数≥0, 到期月份≤第 12 个月)。")
    print_setup(ws_ds)

    # -- 使用说明 -----------------------------------------------------------------------------------------------
    help_sheet(ws_help, "存款到期视图模板 (bankxl D2 存款到期视图)", 150, [
        "用途: 把定期存款明细粘贴进来, 公式自动算出各机构未来 12 个月的到期金额与笔数、按剩余期限和金额段的分布, 用于到期挽留与营销安排。",
        "客户信息属敏感数据, 按权限使用; 不要把填好数据的文件发给无权查看的人员。",
        "",
        "第 1 步 「参数」: 第 2 行「数据日期」填明细的数据截至日(名称 P_AsOf, 所有公式以它为准)。",
        "        下方「机构清单」(Excel 表「机构」)填写要统计的机构号和机构名称(最多 20 个), 它们就是「到期结构」的行。",
        "        「剩余期限档」「金额段」两张小表的黄色下限可改, 档位名称和上限自动生成; 参数表里的「剩余期限档分界」「金额段分界」两行随之更新。",
        "        参数表只列本模板公式用到的参数; bankxl 完整报告的其他参数(如 到期月份数、大额客户门槛、提醒节点)取默认值,",
        "        要改时在参数表末尾加一行: 场景 填 存款到期视图, 名称 填参数中文名, 取值 填新值(参数中文名见 bankxl 报告「说明」)。",
        (f"第 2 步 「定期存款明细」: 从系统导出定期存款分户明细, 按表头顺序粘贴到第 {r1} 行起的黄色区域(覆盖示例数据, "
         f"最多 {MATURITY_ROWS:,} 行), 金额单位 元;"),
        "        表头与 bankxl 的「定期存款明细」表一致, 请勿改动。右侧灰色公式列:",
        "        · 剩余天数 = 到期日 − 数据日期(负数 = 已到期未支取);",
        "        · 剩余期限档 = LOOKUP(剩余天数, 参数表的下限, 档位名称) — 区间左闭右开, 如剩余 7 天 → 0–7天, 8 天 → 8–30天;",
        "        · 金额段 = LOOKUP(余额, 参数表的下限, 档位名称) — 左闭右开, 余额正好 5 万 → 5–20万;",
        "        · 到期月份 = DATE(YEAR(到期日), MONTH(到期日), 1), 显示为 yyyy-mm(用日期而非文字, 任何语言版本的 Excel/WPS 结果相同);",
        "        · 到期本息 = ROUND(余额 × (1 + 利率 × 期限(月)/12), 2), 单利、未扣税(零存整取的近似公式见 bankxl 报告)。",
        "        到期日为空的行(如通知存款)不计入到期统计。",
        "第 3 步 「到期结构」: 自动按机构 × 到期期间汇总 — 已到期未支取 | 当日到期 | 数据日期次日所在月起的 12 个月 | 12个月以后 | 合计;",
        "        金额 = SUMIFS(余额, 机构号, 本行机构, 到期月份, 本列月份, 剩余天数, \">0\") / 10000(万元), 笔数用 COUNTIFS。",
        "        表下方「未列入上表机构的金额」不为 0 时, 说明明细中有机构号没有写进机构清单。",
        "第 4 步 「到期分布」: 按剩余期限档(全部)和金额段(未来 12 个月内到期)的金额、笔数、占比和图表。",
        "",
        "口径与 bankxl 报告一致(剩余天数、期限档、金额段、到期月份的定义取自 bankxl D2 场景)。本模板不剔除销户/外币/零余额记录, 请只粘贴",
        "人民币、正常状态、余额大于 0 的定期存款; bankxl 报告会自动剔除并在「说明」中列出。",
        "",
        "完整报告: 在装有 bankxl 加载项的 Excel 中点击「银行数据应用」选项卡 → 「存款到期视图」按钮, 或在命令行运行",
        "        bankxl run deposit.maturity 存款到期视图模板.xlsx --params 存款到期视图模板.xlsx --out 报告.xlsx",
        "        报告含: 原生数据透视表(到期透视)、按分行/支行分层的到期结构与去重客户数、未来 60 天到期日历(遇节假日顺延)、",
        "        网点排班建议与大额客户名单、到期前 30/15/7/1 天提醒名单(含到期本息、建议产品、建议动作、原因)。",
        "        加载项与命令行都读取本工作簿的「参数」表(数据日期、金额段、剩余期限档等)和「机构」表(机构名称)。",
        "",
        "黄色 = 填写, 灰色 = 公式(请勿删除)。函数只用 Excel 2010 及以上与 WPS、LibreOffice 通用的 SUMIFS、COUNTIFS、LOOKUP、EDATE、DATE、",
        "YEAR、MONTH、ROUND、IF、OR、AND、SUM、COUNT、COUNTA、MIN、MAX。",
    ], st)
    ws_td.activate()
    wb.close()
    return path
