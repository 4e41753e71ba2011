"""UCI Bank Marketing (Portuguese retail bank, phone campaigns May 2008 – Nov 2010) -> canonical tables.

Source: ``bank-full.csv`` (45,211 rows, ';'-separated, quoted strings), shipped gzip-compressed as
``bankxl/data/bank-full.csv.gz`` under CC BY 4.0 (citation and licence: ``bankxl/data/
UCI_BANK_MARKETING_LICENSE.md``; :data:`CITATION`). One row = one client contacted in a campaign.

**Currency: EUR.** ``balance`` is the client's *average yearly balance in euros*; nothing is converted.
Run scenarios on these tables with ``RunContext(currency="EUR")`` so headers read ``余额(EUR)`` / ``(万EUR)``.

**As-of date: 2010-11-30** (:data:`AS_OF`). The file carries no year: it is ordered by date from May 2008 to
November 2010 (bank-names.txt), so the end of the last campaign month is the latest date the data can
describe. Ages and holdings are taken as of that date.

Mapping (what maps to what)

=================  ===========================================================================================
UCI column         canonical
=================  ===========================================================================================
(row number)       ``customers.cust_id`` = ``"U"`` + 5-digit row number (``U00001`` = first data row);
                   ``_row`` = the CSV line (header is line 1)
age                ``customers.age`` (extra column, years at the campaign); ``birth_date`` stays empty
job                ``customers.job`` (extra): Chinese + English, e.g. ``蓝领(blue-collar)``
marital            ``customers.marital`` (extra): 已婚(married) / 未婚(single) / 离异或丧偶(divorced; UCI:
                   "divorced" means divorced or widowed)
education          ``customers.education`` (extra): 小学(primary) / 中学(secondary) / 高等(tertiary) / 未知
default            ``customers.credit_default`` (extra, boolean): has credit in default (a risk flag)
balance            ``product_holdings`` row 结算账户 (held for everyone, ``balance`` = average yearly balance,
                   EUR, may be negative) and ``customer_monthly.dep_avg`` (one row, month = 2010-11, the
                   *yearly* average placed in the as-of month; ``td_avg``/``dd_avg`` unknown)
housing            ``product_holdings`` row 个人住房贷款 (``held`` = housing == "yes")
loan               ``product_holdings`` row 个人消费贷款 (``held`` = loan == "yes"; UCI "personal loan")
contact, day,      ``customers`` extras ``contact``, ``last_contact_day``, ``last_contact_month``, ``campaign``,
month, campaign,   ``pdays``, ``previous``, ``poutcome`` (campaign history; usable as inputs)
pdays, previous,
poutcome
duration, y        **campaign outcomes**, ``customers.outcome_duration`` (seconds of the last call) and
                   ``customers.outcome_y`` (boolean: subscribed a term deposit in this campaign). They are
                   known only after the call: scenarios may *report* them but must never use them as inputs
                   to a score, grade or priority (that would leak the answer). :data:`OUTCOME_COLUMNS`.
=================  ===========================================================================================

Missing (not in the data): names, ID numbers, phones, sex, birth date, organisation/branch, relationship
manager, account-opening date, loan details (amount, balance, term, status), any time series. The term
deposit taken in the campaign is an outcome, not a holding: it is *not* a 定期存款 row in
``product_holdings``.
"""
from __future__ import annotations

import gzip
import importlib.resources
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import typed_frame

CURRENCY = "EUR"
AS_OF = pd.Timestamp("2010-11-30")
CITATION = ("Moro, S., Rita, P., & Cortez, P. (2014). Bank Marketing [Dataset]. UCI Machine Learning "
            "Repository. https://doi.org/10.24432/C5K306 (CC BY 4.0)")
SOURCE_NAME = "UCI Bank Marketing bank-full.csv (葡萄牙某零售银行电话营销, 2008-05 至 2010-11)"
#: outcome columns: report only, never a score input
OUTCOME_COLUMNS = ("outcome_y", "outcome_duration")

JOB_ZH = {"admin.": "行政文员", "blue-collar": "蓝领", "entrepreneur": "企业主", "housemaid": "家政",
          "management": "管理人员", "retired": "退休", "self-employed": "自雇", "services": "服务业",
          "student": "学生", "technician": "技术员", "unemployed": "失业", "unknown": "未知"}
MARITAL_ZH = {"married": "已婚", "single": "未婚", "divorced": "离异或丧偶", "unknown": "未知"}
EDUCATION_ZH = {"primary": "小学", "secondary": "中学", "tertiary": "高等", "unknown": "未知"}
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                      "oct", "nov", "dec"), start=1)}


def _zh(values: pd.Series, table: dict) -> pd.Series:
    return values.map(lambda v: f"{table[v]}({v})" if v in table and v != "unknown" else
                      ("未知(unknown)" if v == "unknown" else v)).astype("string")


def default_path():
    """The shipped ``bank-full.csv.gz`` (an importlib.resources Traversable)."""
    return importlib.resources.files("bankxl").joinpath("data", "bank-full.csv.gz")


def read_raw(path: str | Path | None = None) -> pd.DataFrame:
    """The UCI file as strings/ints exactly as given (``.csv`` or ``.csv.gz``; default: the shipped file)."""
    src = default_path() if path is None else Path(path)
    data = src.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return pd.read_csv(io.BytesIO(data), sep=";", quotechar='"', dtype=str, keep_default_na=False)


def load_uci_bank_marketing(path: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Load UCI Bank Marketing (``bank-full.csv[.gz]`` or ``bank.csv``) as canonical tables.

    Returns ``{"customers", "product_holdings", "customer_monthly"}`` typed as
    ``bankxl.tables.get_table(id).empty()`` plus the extra columns listed in the module docstring; money in
    EUR (:data:`CURRENCY`). ``path=None`` reads the shipped file. Raises ``ValueError`` when a UCI column is
    missing (the file is not bank-full/bank).
    """
    raw = read_raw(path)
    need = {"age", "job", "marital", "education", "default", "balance", "housing", "loan", "y", "duration"}
    missing = need - set(raw.columns)
    if missing:
        raise ValueError(f"不是 UCI Bank Marketing 文件: 缺少列 {sorted(missing)} (not a UCI bank file)")
    n = len(raw)
    cust_id = pd.Series([f"U{i:05d}" for i in range(1, n + 1)], dtype="string")
    line = np.arange(2, n + 2)
    yes = lambda c: (raw[c].str.strip().str.lower() == "yes").astype("boolean")
    num = lambda c: pd.to_numeric(raw[c], errors="coerce")
    customers = typed_frame("customers", {"cust_id": cust_id}, extras={
        "age": num("age").astype("Int64"),
        "job": _zh(raw["job"], JOB_ZH),
        "marital": _zh(raw["marital"], MARITAL_ZH),
        "education": _zh(raw["education"], EDUCATION_ZH),
        "credit_default": yes("default"),
        "contact": raw["contact"].astype("string") if "contact" in raw else pd.NA,
        "last_contact_day": num("day").astype("Int64") if "day" in raw else pd.NA,
        "last_contact_month": raw["month"].map(MONTHS).astype("Int64") if "month" in raw else pd.NA,
        "campaign": num("campaign").astype("Int64") if "campaign" in raw else pd.NA,
        "pdays": num("pdays").astype("Int64") if "pdays" in raw else pd.NA,
        "previous": num("previous").astype("Int64") if "previous" in raw else pd.NA,
        "poutcome": raw["poutcome"].astype("string") if "poutcome" in raw else pd.NA,
        "outcome_duration": num("duration").astype("Int64"),
        "outcome_y": yes("y"),
    }, rows=line)

    balance = num("balance").astype("float64")
    prods = [("结算账户", pd.Series(True, index=raw.index, dtype="boolean"), balance),
             ("个人住房贷款", yes("housing"), pd.Series(np.nan, index=raw.index)),
             ("个人消费贷款", yes("loan"), pd.Series(np.nan, index=raw.index))]
    holdings = typed_frame("product_holdings", {
        "cust_id": pd.concat([cust_id] * len(prods), ignore_index=True),
        "product": pd.Series(np.repeat([p for p, _, _ in prods], n), dtype="string"),
        "held": pd.concat([h for _, h, _ in prods], ignore_index=True),
        "balance": pd.concat([b for _, _, b in prods], ignore_index=True),
    }, rows=np.tile(line, len(prods)))

    monthly = typed_frame("customer_monthly", {
        "cust_id": cust_id,
        "month": pd.Series(AS_OF.to_period("M").to_timestamp(), index=raw.index),
        "dep_avg": balance,
    }, rows=line)
    for df in (customers, holdings, monthly):
        df.attrs.update({"source": "bank-full.csv.gz" if path is None else Path(path).name,
                         "currency": CURRENCY, "dataset": "UCI"})
    return {"customers": customers, "product_holdings": holdings, "customer_monthly": monthly}
