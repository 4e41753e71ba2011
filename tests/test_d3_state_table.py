"""D3 全行状态分布: the decline columns read consistently (fresh-user finding).

Data date 2026-11-30, months Feb..Nov 2026: current = Sep–Nov, base = Mar–Aug (存款月日均, 元):

====  =====================  =====================================================================
S1    10,000 ×7, 8,100 ×3    drop 19% → 稳定, its decline 1,900
S2    10,000 ×7, 15,000 ×3   grew 50% → 稳定, its decline max(10,000 − 15,000, 0) = 0
L1    10,000 ×7, 8,000 ×3    drop 20% → 轻度流失, decline 2,000
B1    5,000 ×10              base < 10,000 → 基数不足: decline not assessed (blank, not 0)
N1    10,000 ×10, 开户 2026-09-01 → 新客不评: blank
====  =====================  =====================================================================

稳定: 基线 20,000, 当前 23,100 → 基线−当前 = −3,100 元 = −0.31 万元; 下降客户的下降金额 = 1,900 + 0 = 0.19 万元.
轻度流失: 1.0 − 0.8 = 0.2 万元 in both columns. 重度流失: no customer, judged → 0 (a sum over nobody).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.runner import execute

AS_OF = "2026-11-30"
MONTHS = pd.date_range("2026-02-01", "2026-11-01", freq="MS")
DEP = {"S1": [10_000.0] * 7 + [8_100.0] * 3, "S2": [10_000.0] * 7 + [15_000.0] * 3,
       "L1": [10_000.0] * 7 + [8_000.0] * 3, "B1": [5_000.0] * 10, "N1": [10_000.0] * 10}


def test_state_table_decline_columns_by_hand():
    cm = pd.DataFrame([(c, m, v) for c, vals in DEP.items() for m, v in zip(MONTHS, vals)],
                      columns=["cust_id", "month", "dep_avg"]).astype({"cust_id": "string"})
    cust = pd.DataFrame({"cust_id": pd.array(list(DEP), dtype="string"),
                         "open_date": pd.to_datetime(["2015-01-01"] * 4 + ["2026-09-01"])})
    rep = execute("deposit.churn", {"customer_monthly": cm, "customers": cust}, as_of=AS_OF)
    t = rep.tables()["d3_states"].df.set_index("状态")
    assert "下降金额(万元)" not in t.columns  # the old header said neither definition
    assert t.loc["稳定", "客户数"] == 2 and t.loc["轻度流失", "客户数"] == 1
    assert t.loc["基数不足", "客户数"] == 1 and t.loc["新客不评", "客户数"] == 1
    assert t.loc["稳定", "基线日均合计(万元)"] == pytest.approx(2.0)
    assert t.loc["稳定", "当前日均合计(万元)"] == pytest.approx(2.31)
    assert t.loc["稳定", "基线−当前(万元)"] == pytest.approx(-0.31)
    assert t.loc["稳定", "下降客户的下降金额(万元)"] == pytest.approx(0.19)
    assert t.loc["轻度流失", ["基线−当前(万元)", "下降客户的下降金额(万元)"]].tolist() == pytest.approx([0.2, 0.2])
    assert t.loc["重度流失", ["基线−当前(万元)", "下降客户的下降金额(万元)"]].tolist() == [0.0, 0.0]
    for state in ("新客不评", "基数不足", "数据不足", "已剔除"):  # not assessed: blank, never 0
        assert np.isnan(t.loc[state, "基线−当前(万元)"]) and np.isnan(t.loc[state, "下降客户的下降金额(万元)"])
    # every judged row: 基线−当前 is exactly the difference of the row's two sums
    judged = t["基线−当前(万元)"].notna()
    diff = t.loc[judged, "基线日均合计(万元)"] - t.loc[judged, "当前日均合计(万元)"]
    assert t.loc[judged, "基线−当前(万元)"].to_numpy() == pytest.approx(diff.to_numpy())
