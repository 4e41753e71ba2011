"""C8 additions to the sample ``credit_reports`` (征信明细; issue 14): rows *added* to the accounts of
:mod:`.credit_reports` (whose rows stay as they are), own random stream.

* **本行账户**: every running loan of the bank (``loans``, status C 正常 / D 逾期: 账户状态 逾期, 当前逾期总额 = 月供,
  latest month 1) of a person with a report appears in his
  latest report with 管理机构 = 示例银行 (业务种类 by product: 11 住房 / 91 消费 / 41 经营 / 21 汽车), so 他行占比
  has a denominator;
* **转贷窗口**: ≈25% of the persons with a report get one more other-bank 经营贷 (41) or 消费贷 (91), ≈60% of them
  maturing within the next 6 months (≈1/3 secured 抵押, the rest 信用/保证), the others in 1–5 years; a few 汽车贷
  (21), 循环贷 (R1), 准贷记卡 (R3) and closed (结清, string ending in C) accounts;
* **脏数据**: ≈6% of the added strings are dirty as exports are: lower case with spaces (readable after cleaning),
  a character short or long (REPAY_INVALID), a '?' or 'B' (REPAY_INVALID); ≈3% carry one '#' month.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import BANK_NAME

_OTHER = np.array(["中国农业银行", "中国银行", "交通银行", "中信银行", "光大银行", "民生银行", "华夏银行"], dtype=object)
_PRODUCT_KIND = {"个人住房贷款": "11", "个人消费贷款": "91", "个人经营贷款": "41", "个人汽车贷款": "21"}


def _plant_credit_poaching(rng, cr: dict, loans: pd.DataFrame, as_of: np.datetime64) -> dict:
    """``cr`` (column id -> array, as :func:`.credit_reports._make_credit_reports` returns it) with the C8 rows
    appended (same keys); see the module docstring."""
    base = pd.DataFrame({k: v for k, v in cr.items()})
    if not len(base):
        return cr
    last = base.sort_values("report_date", kind="stable").drop_duplicates("cust_id", keep="last")
    last = last[["id_no", "cust_id", "cust_name", "report_date", "hard_queries_3m"]].reset_index(drop=True)
    # 1. the bank's own running loans of these persons
    running = loans["status"].astype("string").isin(["C", "D"]).to_numpy()  # C 正常, D 逾期 (A/B: 结清)
    lo = loans[loans["cust_id"].isin(last["cust_id"]).to_numpy() & running]
    late = lo["status"].astype("string").eq("D").to_numpy()
    own = last.set_index("cust_id").loc[lo["cust_id"].to_numpy()].reset_index()
    own = own.assign(account_type="D1", lender=BANK_NAME,
                     business_type=lo["product"].map(_PRODUCT_KIND).fillna("99").to_numpy(),
                     open_date=lo["start_date"].to_numpy(), maturity_date=lo["maturity_date"].to_numpy(),
                     amount=lo["amount"].to_numpy(), balance=lo["balance"].to_numpy(),
                     account_status=np.where(late, "逾期", "正常"),
                     overdue_amount=np.where(late, lo["monthly_payment"].to_numpy(dtype="float64"), 0.0),
                     repay_24m=np.where(late, "N" * 23 + "1", "N" * 24), classification=np.where(late, "关注", "正常"),
                     guarantee=np.where(lo["product"].eq("个人住房贷款"), "抵押", "信用"))
    # 2. one more other-bank account for ≈25% (转贷窗口 for ≈60% of them)
    pick = last[rng.random(len(last)) < 0.25].reset_index(drop=True)
    k = len(pick)
    u = rng.random(k)
    kind = np.select([u < 0.45, u < 0.85, u < 0.92, u < 0.96], ["41", "91", "21", "R1"], "R3")
    in_win = rng.random(k) < 0.6
    mat_days = np.where(in_win, rng.integers(1, 182, k), rng.integers(365, 1826, k))
    maturity = pd.Timestamp(as_of) + pd.to_timedelta(mat_days, unit="D")
    amount = np.round(np.where(kind == "41", np.exp(np.log(400_000) + 0.5 * rng.normal(0, 1, k)),
                               np.exp(np.log(80_000) + 0.5 * rng.normal(0, 1, k))), -3)
    closed = rng.random(k) < 0.08
    mat = np.full((k, 24), "N", dtype="<U1")
    mat[closed, 20:] = "C"
    repay = np.ascontiguousarray(mat).view("<U24").ravel().astype(object)
    d = rng.random(k)
    repay = np.where(d < 0.02, np.char.add(" n n ", np.char.lower(repay.astype(str))).astype(object), repay)
    repay = np.where((d >= 0.02) & (d < 0.035), np.array([s[:23] for s in repay], dtype=object), repay)
    repay = np.where((d >= 0.035) & (d < 0.045), np.array([s + "N" for s in repay], dtype=object), repay)
    repay = np.where((d >= 0.045) & (d < 0.06), np.array(["NN?" + s[3:] for s in repay], dtype=object), repay)
    repay = np.where((d >= 0.06) & (d < 0.09), np.array([s[:12] + "#" + s[13:] for s in repay], dtype=object), repay)
    card = np.isin(kind, ["R1", "R3"])  # revolving: no maturity date
    extra = pick.assign(
        account_type=np.where(card, kind, "D1"), lender=_OTHER[rng.integers(0, len(_OTHER), k)],
        business_type=np.where(kind == "R3", None, np.where(kind == "R1", np.where(u < 0.98, "41", "91"), kind)
                               ).astype(object),
        open_date=(maturity - pd.to_timedelta(rng.integers(2, 6, k) * 365, unit="D")).to_numpy(),
        maturity_date=np.where(card, np.datetime64("NaT"), maturity.to_numpy()),
        amount=amount, balance=np.where(closed, 0.0, np.round(amount * rng.uniform(0.3, 0.95, k), 2)),
        account_status=np.where(closed, "结清", "正常"), overdue_amount=0.0, repay_24m=repay,
        classification="正常",
        guarantee=np.where(rng.random(k) < 0.35, "抵押", np.where(rng.random(k) < 0.5, "保证", "信用")))
    add = pd.concat([own, extra], ignore_index=True)
    add["as_of"] = np.datetime64(as_of, "D")
    out = {}
    for key, v in cr.items():
        col = add[key].to_numpy() if key in add.columns else np.full(len(add), None, dtype=object)
        out[key] = np.concatenate([np.asarray(v, dtype=object), np.asarray(col, dtype=object)]) \
            if np.asarray(v).dtype == object or np.asarray(col).dtype == object \
            else np.concatenate([np.asarray(v), np.asarray(col, dtype=np.asarray(v).dtype)])
    return out
