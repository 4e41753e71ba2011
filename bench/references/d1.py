"""D1 月 × 机构 余额 of one 指标: the market-share rows of that 指标 summed per (统计月份, 标准机构名称) — a merger sums
its parts, blank balances stay unknown (Σ of none = unknown). Compared per (month, bank) cell that holds a value
(元). bankxl: ``market_share.compute.balances(ms, bank, item)`` (6 calls per run: 存款 / 对公 / 储蓄 …; the heaviest is
compared). D1's input (月报) grows with months and banks, not with customers."""
from __future__ import annotations

import pandas as pd

from ..refs import Call, CoreRef

SQL = """
SELECT month, bank, SUM(bal) AS bal
FROM ms
WHERE trim(item) = (SELECT item FROM prm) AND month IS NOT NULL AND bank IS NOT NULL
GROUP BY month, bank
HAVING COUNT(bal) > 0
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    ms, bank, item = call.args[:3]
    x = pd.DataFrame({"item": ms["item"].astype("string"),
                      "month": ms["stat_date"].dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]"),
                      "bank": pd.array(bank.to_numpy(), dtype="string"),
                      "bal": pd.to_numeric(ms["balance"], errors="coerce").astype("float64")})
    return {"ms": x, "prm": pd.DataFrame({"item": [str(item)]})}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["month"] = pd.to_datetime(f["month"]).astype("datetime64[ns]")
    f["bank"] = f["bank"].astype(object)
    f["bal"] = f["bal"].astype("float64")
    return f


def _bankxl(call: Call) -> pd.DataFrame:
    w = call.result
    long = w.stack(future_stack=True).dropna() if len(w.columns) else pd.Series(dtype="float64")
    if not len(long):
        return _norm(pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "bank": pd.Series(dtype=object),
                                   "bal": pd.Series(dtype="float64")}))
    months = long.index.get_level_values(0)
    return _norm(pd.DataFrame({"month": pd.PeriodIndex(months, freq="M").to_timestamp(),
                               "bank": long.index.get_level_values(1).to_numpy(dtype=object),
                               "bal": long.to_numpy()}))


REF = CoreRef(code="D1", target="bankxl.scenarios.deposit.market_share.report:balances",
              what="月 × 机构 余额 (Σ per month and canonical bank, blank stays unknown; the heaviest of 6 calls)",
              sql=SQL, inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["month", "bank"],
              money=["bal"])
