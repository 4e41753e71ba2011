"""C3 other_bank_loans._per_institution on a hand-built classified detail (issue 16: rewritten on integer
codes; every value below is by hand from its docstring)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from bankxl.scenarios.credit.other_bank_loans import _per_institution

K = "他行贷款还款"


def det() -> pd.DataFrame:
    rows = [  # cust_id, institution, kind, ts, amount, loan_type, confidence, rules, source
        ("C1", "A行", K, "2026-09-03", 100.0, "房贷", "中", "摘要关键词", None),
        ("C1", "B行", K, None, 50.0, "车贷", None, None, "代扣指令"),  # an order: no date, a month of its own
        ("C1", "A行", K, "2026-10-03", 100.0, "房贷", "高", "等额月供", "交易流水"),
        ("C1", "A行", K, "2026-10-20", 20.0, "经营贷", None, "摘要关键词", "交易流水"),
        ("C0", "A行", K, "2026-10-01", np.nan, None, None, None, None),
        ("C1", "A行", K, "2026-11-03", 110.0, None, "中", None, "交易流水"),
        ("C1", "B行", K, "2026-11-05", 30.0, "经营贷", "低", "摘要关键词", "交易流水"),
        ("C1", "A行", "网贷还款", "2026-11-09", 999.0, "网贷", "高", "网贷字典", "交易流水"),  # another kind
        (None, "A行", K, "2026-11-09", 999.0, "房贷", "高", "x", "交易流水"),  # no customer
        ("C1", None, K, "2026-11-09", 999.0, "房贷", "高", "x", "交易流水"),  # no institution
    ]
    d = pd.DataFrame(rows, columns=["cust_id", "institution", "kind", "ts", "amount", "loan_type", "confidence",
                                    "rules", "source"])
    for c in ("cust_id", "institution", "kind", "loan_type", "confidence", "rules", "source"):
        d[c] = d[c].astype("string")
    d["ts"] = pd.to_datetime(d["ts"]).astype("datetime64[ns]")  # as the classifier gives it
    return d


def test_per_institution_by_hand():
    """C0/A行: one flow of unknown amount (sum 0, median 0, nothing else known). C1/A行: months 09 (100), 10
    (100 + 20), 11 (110) -> median 110; 房贷 twice beats 经营贷; best confidence 高; rules in order of first
    appearance, each once; first known source. C1/B行: the order (50) and 11 (30) -> 2 months, median 40;
    车贷 and 经营贷 once each -> the smaller text (经 U+7ECF < 车 U+8F66); first/last from the dated flow only.
    Rows by 客户号, then estimated payment descending."""
    got = _per_institution(det(), (K,))
    assert got["cust_id"].tolist() == ["C0", "C1", "C1"] and got["institution"].tolist() == ["A行", "A行", "B行"]
    assert got["n"].tolist() == [1, 4, 2] and got["months"].tolist() == [1, 3, 2]
    assert got["m_est"].tolist() == [0.0, 110.0, 40.0]
    assert got["first"].tolist() == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-09-03"), pd.Timestamp("2026-11-05")]
    assert got["last"].tolist() == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-03"), pd.Timestamp("2026-11-05")]
    assert got["loan_type"].tolist() == [pd.NA, "房贷", "经营贷"]
    assert got["confidence"].tolist() == [pd.NA, "高", "低"]
    assert got["rules"].tolist() == ["", "摘要关键词、等额月供", "摘要关键词"]
    assert got["source"].tolist() == [pd.NA, "交易流水", "代扣指令"]
    assert str(got["first"].dtype) == "datetime64[ns]" and got["n"].dtype == "int64"


def test_no_row_of_the_kinds_gives_the_empty_frame():
    got = _per_institution(det(), ("网贷放款",))
    assert len(got) == 0 and list(got.columns)[:3] == ["cust_id", "institution", "n"]
