"""M1 checks (SCENARIOS.md §5 M1): rows that can be followed across months, 应发/实发 sums, one row per
employee and month, 个税 by 累计预扣法 with its unknown months, and the 缴费比例提示. Vectorised: rows and
employees are never looped over in Python; employees are grouped on integer codes (``emp``). Frames in and
out are described per function; money in 元."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .... import tax
from ....lists import format_values
from ....masking import mask_name
from ....scenario import RunContext
from ....tables import PAY_DEDUCTIONS, PAY_ITEMS
from .params import SOCIAL_ITEMS, SalaryParams, _zh

#: the 校验结果 table's columns (one frame per check is concatenated under them)
MISMATCH_COLUMNS = ["Excel 行号", "月份", "员工号", "姓名", "部门", "问题码", "核对项目", "表内值(元)", "应为(元)",
                    "差额(元)", "原因", "建议动作"]
MONEY_COLUMNS = (*PAY_ITEMS, "gross", *PAY_DEDUCTIONS, "special_additional", "net")


def _present(df: pd.DataFrame, cols) -> list[str]:
    """Columns of ``cols`` holding at least one value (a column the file lacks is all blank)."""
    return [c for c in cols if df[c].notna().any()]


def _month_label(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.strftime("%Y-%m").astype("string")


def _names(s: pd.Series, mask: bool) -> pd.Series:
    return mask_name(s) if mask else s.astype("string")


def _num_text(values: pd.Series, spec: str = ",.2f", plus: bool = False) -> pd.Series:
    """``values`` as text exactly as ``f"{v:{'+' if plus else ''}{spec}}"`` writes it (``spec`` ``,.2f`` or
    ``.1%``), vectorised: the magnitude (× 100 for %, in floating point as Python does) is rounded to the spec's
    digits like Python rounds it (the exact binary value to nearest, ties to even: :func:`_round_exact`), then
    written by :func:`bankxl.lists.format_values`;
    the sign comes from the sign bit (-0.001 -> -0.00, as in Python)."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    pct = 100.0 if spec.endswith("%") else 1.0  # Python's % multiplies by 100 in floating point first
    digits = int(spec.split(".")[1].rstrip("f%"))
    sign = np.where(np.signbit(v.to_numpy()), "-", "+" if plus else "")
    rounded = _round_exact(v.abs().to_numpy() * pct, digits) / pct
    return sign + format_values(pd.Series(rounded, index=v.index), spec)


def _round_exact(a: np.ndarray, digits: int) -> np.ndarray:
    """Non-negative ``a`` rounded to ``digits`` decimals as Python's ``format`` does: the exact binary value to
    the nearest, an exact tie to even (15174.005 is stored as 15174.00500000000102 -> 15174.01, 0.125 -> 0.12).
    ``a × 10^digits`` in floating point can land on a tie the exact product is not on; its rounding error,
    computed exactly (Dekker's two-product), decides. Vectorised; NaN stays NaN."""
    scale = float(10 ** digits)
    p = a * scale
    split = 134217729.0  # 2**27 + 1: splits a double into two halves whose products are exact
    t = split * a
    ah = t - (t - a)
    al = a - ah
    sh = split * scale - (split * scale - scale)
    sl = scale - sh
    err = ((ah * sh - p) + ah * sl + al * sh) + al * sl  # exact a × scale = p + err
    whole = np.floor(p)
    frac = p - whole
    up = (frac > 0.5) | ((frac == 0.5) & ((err > 0) | ((err == 0) & (np.fmod(whole, 2) == 1))))
    up = up & ~((frac == 0) & (err < 0))  # p is a whole number just above the exact value: stays
    return (whole + up) / scale


def _dept_of(pay: pd.DataFrame, orgs: pd.DataFrame | None) -> pd.Series:
    """部门/网点 of each row: ``dept``; else the org name from ``orgs``; else 机构 + 机构号; else 未填部门."""
    dept = pay["dept"].mask(pay["dept"] == "")
    org = pay["org_id"].astype("string")
    if orgs is not None and len(orgs):
        dept = dept.fillna(org.map(orgs.drop_duplicates("org_id").set_index("org_id")["org_name"]))
    dept = dept.fillna("机构 " + org)  # a blank 机构号 stays blank
    return dept.fillna("未填部门").astype("string")


def payroll_rows(raw: pd.DataFrame, orgs: pd.DataFrame | None) -> pd.DataFrame:
    """The columns M1 uses, one row per payroll row: month, emp_id, emp_name, dept (:func:`_dept_of`),
    position, :data:`MONEY_COLUMNS` (元), _row."""
    pay = pd.DataFrame(index=raw.index)
    pay[["month", "emp_id", "emp_name"]] = raw[["month", "emp_id", "emp_name"]]
    pay["dept"] = _dept_of(raw, orgs)
    for c in ("position", *MONEY_COLUMNS, "_row"):
        pay[c] = raw[c]
    return pay


def _followable(pay: pd.DataFrame, p: SalaryParams, ctx: RunContext, notes: list[str]
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Keep the rows that can be followed across months: a usable 月份 (within ``p.month_range`` years of the
    as-of month) and a 员工号. Returns (kept rows, ``lost`` = rows (emp_id, _row) of a known employee whose
    month is blank, unreadable or implausible, months that hold rows without 员工号).

    An implausible month (e.g. 1900-01, 2099-12) is DATE_INVALID on 月份 (the loader records blank and
    unreadable ones); rows without 员工号 are reported once (REQUIRED_EMPTY, 员工号, naming their Excel rows).
    Neither kind enters the checks or the statistics, and they are never pooled into one pseudo-employee."""
    as_of_m = ctx.as_of.to_period("M").to_timestamp()
    back, ahead = p.month_range
    lo = as_of_m - pd.DateOffset(months=round(float(back) * 12))
    hi = as_of_m + pd.DateOffset(months=round(float(ahead) * 12))
    mon = pay["month"]
    early, late = (mon < lo).to_numpy(dtype=bool), (mon > hi).to_numpy(dtype=bool)
    odd = early | late
    if odd.any():
        o = pay[odd]
        ctx.problem("payroll", o["_row"], "month", "DATE_INVALID", _month_label(o["month"]),
                    np.where(early[odd], f"月份早于数据日期 {ctx.as_of:%Y-%m-%d} 前 {back:g} 年({lo:%Y-%m}), 不合理",
                             f"月份晚于数据日期 {ctx.as_of:%Y-%m-%d} 后 {ahead:g} 年({hi:%Y-%m}), 不合理"),
                    "该行未参与核对与统计; 该员工个税不核对, 请更正月份")
    no_month = mon.isna().to_numpy(dtype=bool) | odd
    no_id = pay["emp_id"].isna().to_numpy(dtype=bool)
    lost = pay.loc[no_month & ~no_id, ["emp_id", "_row"]]
    if no_id.any():
        known = pay.loc[no_id, "_row"].dropna()
        r = known.head(10).astype(int).tolist()  # the first ten are named, the rest counted
        shown = "、".join(map(str, r)) + (" 等" if len(known) > 10 else "")
        ctx.problem("payroll", [None], "emp_id", "REQUIRED_EMPTY", f"{int(no_id.sum())} 行",
                    f"{int(no_id.sum())} 行员工号为空" + (f"(第 {shown} 行)" if r else "")
                    + ": 无法跨月跟踪该员工", "这些行未参与实发/个税核对与统计; 当月无记录的员工自该月起不核对个税")
        notes.append(f"{int(no_id.sum())} 行员工号为空, 未参与核对与统计(不合并为一名员工); 这些行所在月份无记录的员工, "
                     "个税自该月起不核对。")
    return pay[~no_month & ~no_id], lost, pay.loc[~no_month & no_id, "month"]


def _mismatch_frame(b: pd.DataFrame, code: str, item: str, actual, expected, diff, reason, action,
                    ctx: RunContext) -> pd.DataFrame:
    """Rows of the 校验结果 table (:data:`MISMATCH_COLUMNS`) for the flagged pay rows ``b``."""
    return pd.DataFrame({
        "Excel 行号": b["_row"].astype("Int64"), "月份": _month_label(b["month"]), "员工号": b["emp_id"],
        "姓名": _names(b["emp_name"], ctx.mask), "部门": b["dept"], "问题码": code, "核对项目": item,
        "表内值(元)": actual, "应为(元)": expected, "差额(元)": diff, "原因": reason, "建议动作": action})


def sum_checks(pay: pd.DataFrame, raw: pd.DataFrame, tol: float, ctx: RunContext
               ) -> tuple[list[pd.DataFrame], int, list[str]]:
    """应发合计 = Σ 应发项目 and 实发合计 = 应发合计 − Σ 扣款项目 within ``tol`` (元) on the followable rows
    ``pay`` (:func:`payroll_rows`); ``raw`` = the whole file (which item columns it has). A blank deduction
    or 应发合计 is unknown: that row's 实发 is not checked (MISSING_ITEM); a blank 应发 item counts 0.
    Records SUM_MISMATCH / MISSING_ITEM in ``ctx.problems``. Returns (校验结果 frames, rows not checked,
    notes)."""
    notes: list[str] = []
    items = _present(raw, PAY_ITEMS)
    deds = _present(raw, PAY_DEDUCTIONS)
    mism = []
    sum_items = pay[list(PAY_ITEMS)].fillna(0.0).sum(axis=1)
    sum_deds = pay[list(PAY_DEDUCTIONS)].fillna(0.0).sum(axis=1)
    checks = []
    if items:
        checks.append(("gross", pay["gross"], sum_items, "应发合计", "各应发项目之和",
                       "应发合计与各应发项目之和不符", "核对应发项目是否漏计/重复, 更正应发合计"))
    else:
        notes.append("文件中没有任何应发项目列, 未校验 应发合计 = Σ应发项目。")
    if deds:
        checks.append(("net", pay["net"], pay["gross"].fillna(0.0) - sum_deds, "实发合计", "应发 − 各扣款之和",
                       "实发合计与 应发合计 − 扣款合计 不符", "核对扣款项目与实发金额, 必要时补发或扣回"))
    else:
        notes.append("文件中没有任何扣款项目列, 未校验 实发合计 = 应发合计 − Σ扣款。")
    n_unchecked = 0
    for col, actual, expected, zh, how, reason, action in checks:  # the two checks, not rows
        # a blank deduction (or 应发合计) is unknown, not 0: that row's 实发 cannot be checked; a blank 应发
        # item is an item not paid that month (exports leave unpaid items blank), so it counts 0
        parts = ["gross", *deds] if col == "net" else []
        blank = _blank_names(pay, parts) if parts else pd.Series("", index=pay.index)
        unknown = actual.notna() & (blank != "")
        if unknown.any():
            b = pay[unknown]
            n_unchecked += int(unknown.sum())
            ctx.problem("payroll", b["_row"], f"{zh}({col})", "MISSING_ITEM", actual[unknown],
                        blank[unknown] + f" 为空(金额未知), 无法核对 {zh} = {how}; 员工 " + b["emp_id"] + " "
                        + _month_label(b["month"]), "保留; 未核对该行, 请补全空白项目(无此项请填 0)")
            mism.append(_mismatch_frame(b, "MISSING_ITEM", zh, actual[unknown], np.nan, np.nan,
                                        blank[unknown] + " 为空, 无法核对", "补全空白项目(无此项请填 0)后重新核对", ctx))
        raw_diff = actual - expected
        bad = actual.notna() & ~unknown & (raw_diff.abs() > tol + 1e-9)
        diff = raw_diff.round(4)
        if bad.any():
            b = pay[bad]
            ctx.problem("payroll", b["_row"], f"{zh}({col})", "SUM_MISMATCH", actual[bad],
                        f"{zh} " + _num_text(actual[bad]) + f" 元 ≠ {how} " + _num_text(expected[bad]) + " 元(差 "
                        + _num_text(diff[bad], plus=True) + "); 员工 " + b["emp_id"] + " " + _month_label(b["month"]),
                        "保留; 统计按表内金额, 请核对工资表")
            mism.append(_mismatch_frame(b, "SUM_MISMATCH", zh, actual[bad], expected[bad].round(2), diff[bad],
                                        reason, action, ctx))
    if n_unchecked:
        notes.append(f"{n_unchecked} 行扣款项目为空(见校验结果 MISSING_ITEM): 空白扣款视为金额未知, 这些行未核对实发合计, "
                     "不按 0 计; 空白应发项目视为当月未发放, 按 0 计。")
    return mism, n_unchecked, notes


def employee_months(pay: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per employee and month (一月多次发放 added up), grouped on the integer employee code.

    ``pay``: followable rows (:func:`payroll_rows`, no blank 员工号 or 月份). Returns (``em``: emp_id, month,
    :data:`MONEY_COLUMNS` (Σ with min_count=1: all blank stays blank), _row (first), emp_name, dept, position
    (last), n_rows, emp (int64 code, in emp_id order); sorted by emp_id then month; notes)."""
    codes, uniques = pd.factorize(pay["emp_id"], sort=True)
    grp = pay.groupby([codes, pay["month"]], sort=True)
    em = grp[list(MONEY_COLUMNS)].sum(min_count=1).join(
        grp.agg(_row=("_row", "first"), emp_name=("emp_name", "last"), dept=("dept", "last"),
                position=("position", "last"), n_rows=("emp_id", "size")))
    key = em.index.get_level_values(0).to_numpy()
    em = em.reset_index(level=1).reset_index(drop=True)
    em.insert(0, "emp_id", pd.array(uniques, dtype=pay["emp_id"].dtype).take(key))
    em["emp"] = key
    notes = []
    if (em["n_rows"] > 1).any():
        notes.append(f"{int((em['n_rows'] > 1).sum())} 个「员工-月份」有多条发放记录(补发/一月多次发放), "
                     "已按员工和月份合计后统计和计税。")
    return em, notes


@dataclass
class TaxCheck:
    """What the 个税 check found: ``mism`` (校验结果 frames), ``lines`` (个税核对 notes), ``skipped`` (lines also
    on 校验结果: employees not checked), ``notes`` (说明), ``detail`` (个税重算明细 of the mismatches),
    ``late_start`` (one row per mid-year joiner: emp_id, emp_name, dept, year, month), ``checked``."""

    mism: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)
    late_start: pd.DataFrame = field(default_factory=pd.DataFrame)
    checked: bool = False


def tax_check(raw: pd.DataFrame, pay: pd.DataFrame, em: pd.DataFrame, lost: pd.DataFrame,
              blank_id_months: pd.Series, params: SalaryParams, ctx: RunContext) -> TaxCheck:
    """个税 recomputed by 累计预扣法 (:func:`bankxl.tax.cumulative_iit_long`, per employee and calendar year) and
    compared with 个人所得税 per employee and month (``em``, :func:`employee_months`) within ``tolerance``.
    Skipped (said in the lines) without 专项附加扣除 or 个人所得税 in ``raw``. Employees paid in a year's
    first month m > 1 of the file are not checked that year; from an unknown month on (:func:`_untaxable`)
    an employee is not checked (MISSING_ITEM). Records TAX_MISMATCH / MISSING_ITEM in ``ctx.problems``."""
    out = TaxCheck()
    tol = float(params.tolerance)
    if not len(em):
        out.lines.append("没有工资数据, 未校验个税。")
        return out
    if raw.get("special_additional") is None or not raw["special_additional"].notna().any():
        out.lines.append("缺少专项附加扣除, 未校验个税 (文件中「专项附加扣除」列为空, 无法按累计预扣法重算)。")
        return out
    if raw.get("iit") is None or not raw["iit"].notna().any():
        out.lines.append("缺少个人所得税, 未校验个税 (文件中「个人所得税」列为空)。")
        return out
    out.checked = True
    nsa = int(pay["special_additional"].isna().sum())
    if nsa:
        out.notes.append(f"{nsa} 行专项附加扣除为空, 按 0 计算个税。")
    # an export that starts mid-year: whoever is paid in the file's first month of that year may have
    # been paid in January..(m−1) too — unknown, so the cumulative tax cannot be checked for them
    yr = em["month"].dt.year
    file_first = em.groupby(yr)["month"].transform("min")
    emp_first = em.groupby([em["emp"], yr])["month"].transform("min")
    unknown = (file_first.dt.month > 1) & (emp_first == file_first)
    if unknown.any():
        per_year = (em[unknown].assign(year=yr[unknown], m0=file_first[unknown].dt.month)
                    .groupby(["year", "m0"], sort=True).agg(n_emp=("emp_id", "nunique"), n_em=("emp_id", "size")))
        for (y, m0), n_emp, n_em in zip(per_year.index, per_year["n_emp"], per_year["n_em"]):  # one per year
            missing = "1 月" if m0 == 2 else f"1–{m0 - 1} 月"
            out.skipped.append(
                f"{y} 年: 文件从 {m0} 月开始, 文件缺少 {missing}工资, 无法按累计预扣法核对这些员工的个税 — "
                f"{y}-{m0:02d} 已在册的 {n_emp:,} 名员工({n_em:,} 个员工月)未核对个税, 不列为不符; "
                f"此后入职的员工从其首个月份起算。")
    out.notes.extend(out.skipped)
    em_tax = em[~unknown]
    need = ["gross", *_present(raw, SOCIAL_ITEMS)]
    unknown_rows = pay.assign(why=_blank_names(pay, need))
    unknown_rows = unknown_rows[unknown_rows["why"] != ""]
    unchecked, untaxed = _untaxable(em, unknown_rows, lost, blank_id_months)
    income = em_tax["gross"].fillna(0.0)
    rows = pd.DataFrame({
        "emp_id": em_tax["emp_id"], "month": em_tax["month"], "income": income,
        "special": em_tax[list(SOCIAL_ITEMS)].fillna(0.0).sum(axis=1),
        "special_additional": em_tax["special_additional"].fillna(0.0),
        "other": np.minimum(em_tax["annuity"].fillna(0.0), params.annuity_cap_rate * income.clip(lower=0.0)),
    })
    cum = rows.join(tax.cumulative_iit_long(
        rows["emp_id"], rows["month"], rows["income"], rows["special"], rows["special_additional"],
        rows["other"], basic_deduction=params.basic_deduction, brackets=params.tax_brackets, detail=True))
    cum["expected_iit"] = cum["tax"]
    if tuple(map(tuple, params.tax_brackets)) != tuple(map(tuple, tax.BRACKETS)):
        out.notes.append("个税预扣率表为自定义参数, 按该表计算。")
    cum = cum.join(em[["iit", "_row", "emp_name", "dept"]])
    cum["diff"] = (cum["iit"].fillna(0.0) - cum["expected_iit"]).round(2)
    bad = cum["iit"].notna() & (cum["diff"].abs() > tol + 1e-9) & ~unchecked.loc[cum.index]
    n_unk = int(unchecked.loc[cum.index].sum())
    if len(untaxed):
        u = untaxed
        ctx.problem("payroll", u["_row"], f"{_zh('iit')}(iit)", "MISSING_ITEM", u["iit"], u["reason"],
                    "保留; 该员工此后各月个税未核对, 请补全后重新核对")
        out.mism.append(_mismatch_frame(u, "MISSING_ITEM", "个人所得税", u["iit"], np.nan, np.nan,
                                        u["why"] + ", 该月起个税无法核对", "补全该月收入/扣除或员工号、月份后重新核对",
                                        ctx))
        out.skipped.append(
            f"{u['emp_id'].nunique():,} 名员工的 {n_unk:,} 个员工月应纳税所得额未知(应发合计或三险一金为空、员工号为空的行、"
            "月份无法识别的行): 累计预扣法依赖此前各月, 这些员工自首个未知月份起不核对个税, 不列为不符 (MISSING_ITEM)。")
        out.notes.append(out.skipped[-1])
    out.lines += out.skipped + [
        f"已按累计预扣法重算 {len(cum):,} 个员工月的个税, 核对 {len(cum) - n_unk:,} 个, "
        f"{int(bad.sum())} 个与表内个税相差超过 {tol:g} 元。",
        ("收入 = 应发合计; 专项扣除 = 养老 + 医疗 + 失业 + 住房公积金; 专项附加扣除取自文件; "
         f"其他扣除 = 企业年金个人缴费(以当月应发的 {params.annuity_cap_rate:.0%} 为限)。"),
        "年终奖若按全年一次性奖金单独计税, 该月会显示不符; 免税收入(如符合规定的补贴)未单独识别。"]
    first = cum.drop_duplicates(["emp_id", "year"])
    out.late_start = first[first["first_month"] > 1]
    if len(out.late_start):
        out.notes.append(f"{len(out.late_start)} 名员工晚于文件当年首个月份出现(年中入职): 累计个税从该员工当年首个月份起算, "
                         "见 个税核对。")
    if bad.any():
        b = cum[bad]
        ctx.problem("payroll", b["_row"], f"{_zh('iit')}(iit)", "TAX_MISMATCH", b["iit"],
                    "个税 " + _num_text(b["iit"]) + " 元, 累计预扣法重算 " + _num_text(b["expected_iit"]) + " 元(差 "
                    + _num_text(b["diff"], plus=True) + "); 员工 " + b["emp_id"] + " " + _month_label(b["month"]),
                    "保留; 请核对专项附加扣除、免税收入、年终奖是否单独计税")
        out.mism.append(_mismatch_frame(b, "TAX_MISMATCH", "个人所得税", b["iit"], b["expected_iit"], b["diff"],
                                        "个税与累计预扣法重算结果不符",
                                        "核对专项附加扣除、免税收入与年终奖计税方式, 多扣退还/少扣补扣", ctx))
        out.detail = pd.DataFrame({
            "Excel 行号": b["_row"].astype("Int64"), "月份": _month_label(b["month"]), "员工号": b["emp_id"],
            "起算月份": b["year"].astype(str) + "-" + b["first_month"].astype(str).str.zfill(2),
            "累计收入(元)": b["cum_income"], "累计减除费用(元)": b["cum_basic"],
            "累计专项扣除(元)": b["cum_special"], "累计专项附加扣除(元)": b["cum_special_additional"],
            "累计其他扣除(元)": b["cum_other"], "累计应纳税所得额(元)": b["cum_taxable"],
            "预扣率": b["rate"], "速算扣除数(元)": b["quick_deduction"],
            "累计应预扣税额(元)": b["cum_tax_due"], "累计已预扣(元)": b["withheld_before"],
            "本月应预扣(元)": b["expected_iit"],
            "本月实扣(元)": b["iit"], "差额(元)": b["diff"]})
    return out


def _untaxable(em: pd.DataFrame, unknown_rows: pd.DataFrame, lost: pd.DataFrame, blank_id_months: pd.Series
               ) -> tuple[pd.Series, pd.DataFrame]:
    """Employee-months whose cumulative tax cannot be checked: from an employee's first month in a year
    whose taxable income is unknown, every later month of that year (累计预扣法 depends on all earlier
    months). Unknown months: ``unknown_rows`` (pay rows with a blank 应发合计 / 三险一金 item, ``why`` naming
    them); every month of an employee with a ``lost`` row (its month is unknown); a month holding rows
    without 员工号 (``blank_id_months``) in which the employee has no row, up to the employee's last month.

    ``em``: one row per emp_id and month (columns emp_id, month, _row, iit, emp_name, dept). Returns (a bool
    Series aligned with ``em``: not checkable; one row per employee and year: emp_id, month (the first
    unknown month), _row, iit, emp_name, dept, why, reason)."""
    e = em[["emp_id", "month", "_row"]].assign(year=em["month"].dt.year)
    cands = [unknown_rows[["emp_id", "month", "_row", "why"]]]
    if len(lost):
        first = lost.drop_duplicates("emp_id").set_index("emp_id")["_row"]
        f = e[e["emp_id"].isin(first.index)].sort_values("month").drop_duplicates(["emp_id", "year"])
        cands.append(f.assign(_row=f["emp_id"].map(first),
                              why="第 " + f["emp_id"].map(first).astype("string").fillna("?")
                              + " 行月份无法识别或不合理(该行属于哪个月未知)"))
    if len(blank_id_months):
        bm = pd.DataFrame({"month": pd.unique(blank_id_months)})
        span = e.groupby(["emp_id", "year"], as_index=False)["month"].max().rename(columns={"month": "last"})
        pairs = span.merge(bm.assign(year=bm["month"].dt.year), on="year")
        pairs = pairs[pairs["month"] <= pairs["last"]]
        miss = pairs.merge(e[["emp_id", "month"]], on=["emp_id", "month"], how="left", indicator=True)
        miss = miss[miss["_merge"] == "left_only"]
        nxt = miss[["emp_id", "month"]].merge(e, on="emp_id", suffixes=("", "_e"))
        nxt = nxt[nxt["month_e"] >= nxt["month"]].sort_values("month_e").drop_duplicates(["emp_id", "month"])
        cands.append(nxt.assign(why=nxt["month"].dt.strftime("%Y-%m") + " 有员工号为空的工资行, 该员工该月无记录"
                                "(可能即为其中一行)")[["emp_id", "month", "_row", "why"]])
    c = pd.concat(cands, ignore_index=True)
    c = c.assign(year=c["month"].dt.year).sort_values(["month", "_row"], kind="mergesort")
    c = c.drop_duplicates(["emp_id", "year"])
    fu = e.merge(c[["emp_id", "year", "month"]].rename(columns={"month": "from"}), on=["emp_id", "year"],
                 how="left")["from"].to_numpy()
    unchecked = pd.Series(e["month"].to_numpy() >= fu, index=em.index)
    n = unchecked.groupby([e["emp_id"], e["year"]]).sum().rename("n").reset_index()
    out = c.merge(n, on=["emp_id", "year"], how="left").merge(
        em[["emp_id", "month", "iit", "emp_name", "dept"]], on=["emp_id", "month"], how="left")
    out["reason"] = (out["why"] + "(员工 " + out["emp_id"] + " " + out["month"].dt.strftime("%Y-%m")
                     + "): 累计预扣法依赖此前各月, 该月起 " + out["n"].astype(str) + " 个员工月的个税无法核对")
    return unchecked, out.sort_values("_row", kind="mergesort").reset_index(drop=True)


def _blank_names(pay: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Per row, the 中文 names of the blank cells among ``cols`` joined by 、 ("" when none); only the rows
    with a blank cell are joined."""
    names = pd.Series([_zh(c) + "、" for c in cols], index=cols, dtype=object)
    isna = pay[cols].isna()
    anyb = isna.any(axis=1).to_numpy()
    out = pd.Series("", index=pay.index, dtype=object)
    if anyb.any():
        out[anyb] = (isna[anyb].astype(object) * names).sum(axis=1).astype(str).str.rstrip("、")
    return out.astype(str)


def _contribution_hints(em: pd.DataFrame, p: SalaryParams, ctx: RunContext) -> pd.DataFrame:
    """Rows whose 医疗/失业/公积金 or base do not fit the pension-implied contribution base (information).

    ``em``: one row per employee and month (:func:`employee_months`). Base = 养老保险 ÷ ``pension_rate`` (元);
    医疗/失业 off by more than ``contribution_tolerance`` from base × rate, 公积金 ÷ base outside
    ``housing_fund_range`` ± ``housing_fund_slack``, base outside ``base_limits`` (0 = not checked). Returns
    Excel 行号, 月份, 员工号, 姓名, 推算缴费基数(元), 提示 (the hints of a row joined by "; "), 建议动作."""
    cols = ["Excel 行号", "月份", "员工号", "姓名", "推算缴费基数(元)", "提示", "建议动作"]
    if not len(em) or not em["pension"].notna().any() or p.pension_rate <= 0:
        return pd.DataFrame(columns=cols)
    d = em[em["pension"] > 0]
    base = d["pension"] / p.pension_rate
    msgs = pd.Series("", index=d.index, dtype=object)

    def add(mask: pd.Series, text) -> None:
        """Append ``text`` (a str, or a function of the flagged rows giving their texts) to the flagged rows."""
        m = mask.fillna(False).to_numpy(dtype=bool)
        if m.any():
            cur = msgs[m]
            msgs[m] = (cur + np.where(cur == "", "", "; ") + (text(m) if callable(text) else text)).astype(object)

    for col, rate, zh in (("medical", p.medical_rate, "医疗保险"), ("unemployment", p.unemployment_rate, "失业保险")):
        if col in d and d[col].notna().any():
            exp = base * rate
            off = d[col].notna() & ((d[col] - exp).abs() > p.contribution_tolerance)
            add(off, lambda m, col=col, rate=rate, zh=zh, exp=exp:
                f"{zh} " + _num_text(d[col][m]) + f" ≠ 基数×{rate:g} = " + _num_text(exp[m]))
    lo, hi = p.housing_fund_range
    hf_rate = d["housing_fund"] / base
    off = d["housing_fund"].notna() & ((hf_rate < lo - p.housing_fund_slack) | (hf_rate > hi + p.housing_fund_slack))
    add(off, lambda m: "公积金比例 " + _num_text(hf_rate[m], ".1%") + f" 不在 {lo:.0%}–{hi:.0%}")
    bmin, bmax = p.base_limits
    if bmin:
        add(base < bmin - p.contribution_tolerance, f"缴费基数低于下限 {bmin:,.0f}")
    if bmax:
        add(base > bmax + p.contribution_tolerance, f"缴费基数高于上限 {bmax:,.0f}")
    hit = msgs != ""
    h = d[hit]
    return pd.DataFrame({
        "Excel 行号": h["_row"].astype("Int64"), "月份": _month_label(h["month"]), "员工号": h["emp_id"],
        "姓名": _names(h["emp_name"], ctx.mask), "推算缴费基数(元)": base[hit].round(2), "提示": msgs[hit].astype(str),
        "建议动作": "核对缴费基数与当地比例(各地取整、大病医疗附加规则不同)"}).reset_index(drop=True)


def group_quartiles(keys: pd.Series, values: pd.Series) -> pd.DataFrame:
    """min, P25, median, P75 and max of ``values`` per group of ``keys`` (sorted groups), vectorised; NaN
    values are left out (a group without values gives NaN). Quantiles by linear interpolation (Excel
    PERCENTILE.INC), computed exactly as :meth:`pandas.Series.quantile` / numpy's ``linear`` method does per
    group — index h = (n − 1)·q, a + (b − a)·t, or b − (b − a)·(1 − t) when t ≥ 0.5 — so the values equal the
    per-group results to the last bit (``groupby().quantile`` interpolates differently in the last bit).
    Returns a frame indexed by the group keys with columns n (group size incl. NaN), min, p25, median, p75,
    max."""
    g = values.groupby(keys, sort=True)
    out = pd.DataFrame({"n": g.size(), "min": g.min(), "median": g.median(), "max": g.max()})
    codes = pd.Categorical(keys, categories=out.index).codes
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(v)
    c, v = codes[ok], v[ok]
    order = np.lexsort((v, c))
    c, v = c[order], v[order]
    cnt = np.bincount(c, minlength=len(out))
    start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    has = cnt > 0
    for name, q in (("p25", 0.25), ("p75", 0.75)):
        h = (cnt - 1) * q
        lo = np.floor(h)
        t = h - lo
        i = start + lo.astype(np.int64)
        j = start + np.minimum(lo + 1, cnt - 1).astype(np.int64)
        a = v[np.where(has, i, 0)] if len(v) else np.zeros(len(cnt))
        b = v[np.where(has, j, 0)] if len(v) else np.zeros(len(cnt))
        diff = b - a
        res = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
        out[name] = np.where(has, res, np.nan)
    return out[["n", "min", "p25", "median", "p75", "max"]]
