"""Statlog (German Credit Data), UCI (Hofmann 1994) -> canonical ``loans`` + ``customers`` (for C10's admission rules).

Source: ``german.data`` (1,000 applicants, 20 attributes + class, space-separated, coded values A11…A202; meanings in
``german.doc``); *not* shipped with the package — give its folder (``bankxl demo --data DIR``). CC BY 4.0,
:data:`CITATION`. One row = one applicant and the credit applied for.

**Currency: DEM** (Deutsche Mark); nothing is converted. **As-of date: 1994-11-17** (:data:`AS_OF`), the date of the
UCI archive's ``Index``: the data carry no dates at all, so the data date is nominal and only places the maturity
(数据日期 + 期限); ages are stated in years and do not depend on it.

Mapping (what maps to what; :func:`load_german`)

=================================  ==================================================================================
german.data attribute              canonical
=================================  ==================================================================================
(row number)                       ``customers.cust_id`` = ``"G"`` + 4-digit row number; ``loans.loan_id`` = ``"GL"`` + the
                                   same; ``_row`` = the file line
13 age in years                    ``customers.age`` (extra column; C10: 年龄 + 剩余期限 > 60 排除)
2 duration in months               ``loans.term_m``; the credit is read as running from the data date: ``maturity_date``
                                   = 数据日期 + 期限 (剩余期限 = the whole term; C10: 剩余 < 6 个月 排除)
5 credit amount                    ``loans.amount`` (DEM); 授信额度 blank (C10 uses 贷款金额 and says so)
4 purpose                          ``loans.product``: A40/A41 车 → 个人汽车贷款; A42–A45, A46 education, A48
                                   retraining → 个人消费贷款; A49 business → 个人经营贷款; A410 others (and A47) → 其他贷款
3 credit history                   ``loans.overdue_24m`` (近24月逾期): A33 "delay in paying off in the past" → 是;
                                   A30 "no credits / all paid back duly", A31 "all credits at this bank paid back duly",
                                   A32 "existing credits paid back duly till now" → 否; A34 "critical account / other
                                   credits existing (not at this bank)" → blank (it states no delay: unknown)
class (1 good / 2 bad)             ``customers.outcome_good`` (extra, boolean) — the outcome: report only, never an input
=================================  ==================================================================================

Not mapped (bands are not amounts; no number is invented): 8 installment rate "in percentage of disposable income" is
a band 1–4 of one instalment, not a DTI of all payments with an income → 月供, 月收入 and DTI unknown; 1 checking
account and 6 savings are DM bands (A13 mixes "≥ 200 DM" with "salary assignments") → 本行日均 and 代发 unknown;
10 guarantors, 12 property, 7 employment, 9 personal status, 11 residence, 14–20: not used by C10. No start date
(已还期数 unknown), no 五级分类, no 重组标志, no credit report: those admission facts are unknown, so on this data
C10 can decide only 排除 (剩余期限, 年龄 + 剩余期限) and 不准入 (A33); everyone else is 待核实, never passed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._common import typed_frame

CURRENCY = "DEM"
AS_OF = pd.Timestamp("1994-11-17")
CITATION = ("Hofmann, H. (1994). Statlog (German Credit Data) [Dataset]. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5NC77 (CC BY 4.0)")
SOURCE_NAME = "Statlog German Credit german.data (德国某银行 1,000 名贷款申请人)"
FILE = "german.data"
FOLDER = "uci_statlog_german_credit"
#: purpose code (attribute 4) -> 贷款品种
PURPOSE = {"A40": "个人汽车贷款", "A41": "个人汽车贷款", "A42": "个人消费贷款", "A43": "个人消费贷款",
           "A44": "个人消费贷款", "A45": "个人消费贷款", "A46": "个人消费贷款", "A47": "其他贷款", "A48": "个人消费贷款",
           "A49": "个人经营贷款", "A410": "其他贷款"}
#: credit history (attribute 3) -> 近24月逾期 (None = unknown)
HISTORY = {"A30": False, "A31": False, "A32": False, "A33": True, "A34": None}
#: 说明 lines of a report run on this data (bankxl.datasets._run_one): what maps and what cannot
MAPPING_NOTES = (
    "German Credit 映射: 年龄(属性 13, 岁) → 年龄; 期限(属性 2, 月) → 剩余期限(到期日 = 名义数据日期 + 期限); 贷款金额(属性 5, DEM) "
    "→ 现额度(无授信额度); 用途(属性 4) → 贷款品种; 信用历史(属性 3) A33 过去有拖欠 → 近24月逾期 是, A30/A31/A32 → 否, "
    "A34 关键账户/他行有贷款 → 未知。",
    "未映射(不编造数字): 分期占可支配收入比(属性 8)只是 1–4 档, 不是全部月供与收入 → 月供、月收入、DTI 未知; 支票账户与储蓄"
    "(属性 1、6)是 DM 分档, A13 把「≥ 200 DM」与「工资转入」合在一起 → 本行日均、代发未知; 无放款日(已还期数)、五级分类、"
    "重组标志、征信报告 → 相关准入为待核实; 好/坏标签(class)是结果, 不作为输入。",
)
#: the outcome column: report only, never a score or admission input
OUTCOME_COLUMNS = ("outcome_good",)


def find_folder(data_dir: str | Path | None) -> Path | None:
    """``data_dir`` itself or its ``uci_statlog_german_credit`` subfolder, whichever holds ``german.data``."""
    if data_dir is None:
        return None
    for p in (Path(data_dir), Path(data_dir) / FOLDER):
        if (p / FILE).is_file():
            return p
    return None


def load_german(folder: str | Path) -> dict[str, pd.DataFrame]:
    """``{"customers", "loans"}`` from ``folder/german.data`` (mapping: module docstring). Raises FileNotFoundError
    when the file is absent, ValueError for a line without 21 fields (naming the line)."""
    path = Path(folder) / FILE
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, engine="python")
    if raw.shape[1] != 21 or raw.isna().any().any():
        bad = int(np.flatnonzero(raw.isna().any(axis=1).to_numpy())[0]) + 1 if raw.isna().any().any() else 1
        raise ValueError(f"{path}: 第 {bad} 行不是 21 个字段 (line {bad} does not have 21 fields)")
    n = len(raw)
    line = np.arange(1, n + 1)
    num = np.char.zfill(line.astype(str), 4)
    cust = pd.Series(np.char.add("G", num), dtype="string")
    term = pd.to_numeric(raw[1]).astype("int64")
    maturity = _add_months(AS_OF, term)
    customers = typed_frame("customers", {"cust_id": cust},
                            extras={"age": pd.to_numeric(raw[12]).astype("float64"),
                                    "outcome_good": pd.array(raw[20].eq("1").to_numpy(), dtype="boolean")}, rows=line)
    loans = typed_frame("loans", {
        "loan_id": pd.Series(np.char.add("GL", num), dtype="string"), "cust_id": cust,
        "product": raw[3].map(PURPOSE), "maturity_date": maturity, "amount": pd.to_numeric(raw[4]).astype("float64"),
        "term_m": term, "overdue_24m": pd.array(raw[2].map(HISTORY).to_numpy(dtype=object), dtype="boolean"),
        "as_of": pd.Series([AS_OF] * n)}, rows=line)
    for t in (customers, loans):
        t.attrs["source"] = f"{FILE} ({n:,} 行)"
    return {"customers": customers, "loans": loans}


def _add_months(day: pd.Timestamp, months: pd.Series) -> pd.Series:
    """``day`` + ``months`` calendar months (the day of month capped at the month's end), vectorised."""
    m = day.year * 12 + day.month - 1 + months.to_numpy()
    first = pd.to_datetime({"year": m // 12, "month": m % 12 + 1, "day": 1})
    last = (first + pd.offsets.MonthEnd(0)).dt.day.to_numpy()
    return first + pd.to_timedelta(np.minimum(day.day, last) - 1, "D")
