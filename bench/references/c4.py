"""C4 商户 × 月 matrices: the same shared rule and aggregation as E1 (``rules.merchant_data.merchant_months(mm, mch,
ctx)``, merchant_monthly per merchant and month over the window, a repeated 商户号+月份 keeping its last row),
compared per merchant with E1's DuckDB query (bench/references/e1.py), wrapped where C4 looks it up."""
from __future__ import annotations

import dataclasses

from .e1 import REF as E1

REF = dataclasses.replace(E1, code="C4", target="bankxl.scenarios.credit.merchant_credit:merchant_months")
