"""C5 产品持有矩阵: the shared holding rule (``rules.holdings.holding_matrix``) and C6's DuckDB query
(bench/references/c6.py), wrapped where C5 looks it up (on the persons' 客户号)."""
from __future__ import annotations

import dataclasses

from .c6 import REF as C6

REF = dataclasses.replace(C6, code="C5", target="bankxl.scenarios.credit.etc_customers.compute:holding_matrix")
