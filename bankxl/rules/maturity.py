"""Maturity renewal rule: which time deposits matured and were not renewed (SCENARIOS.md D2 续存 / D3 到期未续存).

D2 defines 续存 as a new 定期/大额存单 of the same customer within ``renew_days`` (7) days after a maturity;
D3 tags a customer whose deposit matured in its window and was not renewed. The rule, vectorised (a merge
on cust_id, no per-row Python):

* a deposit **matured in the window** when its 到期日 lies in (as_of − ``window_days``, as_of −
  ``renew_days``] — a deposit that matured in the last ``renew_days`` days may still be renewed, so it is not
  judged yet;
* it was **renewed** when it is set to 自动转存 (``auto_renew`` true: the bank rolls it over), or when the
  same customer has another time deposit whose 起息日 lies in [到期日 − ``renew_days``, 到期日 +
  ``renew_days``] (a new deposit made around the maturity: the money stayed);
* deposits in another currency (``ccy``, blank = the data's currency, compared as ISO codes) are left out;
  the status and balance are not read: a matured deposit that was withdrawn (balance 0, 已支取) is exactly
  the case the rule looks for.

A deposit without 到期日 (通知存款, 定活两便) never matures. Without 起息日 in the data the "new deposit"
half cannot be checked: only 自动转存 counts as renewal and :func:`matured_not_renewed` says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..coerce import currency_codes
from ..errors import ParameterError
from ..scenario import param


@dataclass(frozen=True)
class RenewalRuleParams:
    """Parameters of the renewal rule; a scenario using it derives its params from this class and calls
    :meth:`check` from its own ``check``."""

    renew_days: int = param(7, "续存判断天数", "天",
                            "到期日前后该天数内同客户新做定期/大额存单, 或设自动转存, 即视为续存(D2 续存率口径)", min=0, max=90)
    maturity_window: int = param(90, "到期观察天数", "天", "到期日在数据日期前该天数内的定期存款参与判断", min=1, max=730)

    def check(self) -> None:
        """``renew_days`` < ``maturity_window`` (else no deposit can be judged). Raises ParameterError."""
        if self.renew_days >= self.maturity_window:
            raise ParameterError(
                f"参数「续存判断天数(renew_days)」{self.renew_days} 天应小于「到期观察天数(maturity_window)」"
                f"{self.maturity_window} 天, 否则没有可判断的到期存款。",
                f"Parameter renew_days ({self.renew_days}) must be less than maturity_window "
                f"({self.maturity_window}).")


def matured_not_renewed(td: pd.DataFrame | None, p: RenewalRuleParams, as_of: pd.Timestamp,
                        currency: str = "CNY") -> tuple[pd.DataFrame, dict]:
    """The time deposits that matured in the window, each with whether it was renewed.

    In: ``td`` — ``time_deposits`` (cust_id, acct_no, maturity_date, balance 元; optional value_date,
    auto_renew, ccy), conformed; ``p`` the caller's params (:class:`RenewalRuleParams` or a subclass).
    Out: (frame, info). Frame: one row per matured deposit — cust_id, acct_no, maturity_date, balance
    (float, data currency), renewed (bool), how (续存方式: 自动转存 / 新做定期 / ``<NA>``); sorted by cust_id,
    maturity_date. Info: ``window`` (start, end) of the judged maturities, ``value_date_known`` (bool: the
    new-deposit half was checked), ``foreign`` (deposits left out for another currency). Pure.
    """
    start = as_of - pd.Timedelta(days=p.maturity_window)
    end = as_of - pd.Timedelta(days=p.renew_days)
    cols = {"cust_id": "string", "acct_no": "string", "maturity_date": "datetime64[ns]", "balance": "float64",
            "renewed": "bool", "how": "string"}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    info = {"window": (start, end), "value_date_known": False, "foreign": 0}
    if td is None or len(td) == 0:
        return empty, info
    cust = td["cust_id"].astype("string").str.strip()
    ok = cust.notna() & cust.ne("")
    if "ccy" in td.columns:
        ccy = pd.Series(currency_codes(td["ccy"].astype("string").str.strip().replace("", pd.NA)),
                        index=td.index).fillna(currency)
        foreign = ccy.ne(currency.upper())
        info["foreign"] = int((foreign & ok).sum())
        ok &= ~foreign
    mat = td["maturity_date"]
    judged = ok & mat.gt(start).fillna(False) & mat.le(end).fillna(False)
    m = pd.DataFrame({"cust_id": cust[judged], "acct_no": td.loc[judged, "acct_no"].astype("string"),
                      "maturity_date": mat[judged], "balance": pd.to_numeric(td.loc[judged, "balance"],
                                                                              errors="coerce").astype("float64")})
    auto = (td.loc[judged, "auto_renew"].fillna(False).astype(bool) if "auto_renew" in td.columns
            else pd.Series(False, index=m.index))
    new = pd.Series(False, index=m.index)
    if "value_date" in td.columns and td["value_date"].notna().any():
        info["value_date_known"] = True
        others = pd.DataFrame({"cust_id": cust[ok], "acct_o": td.loc[ok, "acct_no"].astype("string"),
                               "value_date": td.loc[ok, "value_date"]}).dropna(subset=["value_date"])
        pairs = m.reset_index().merge(others, on="cust_id", how="inner")
        near = (pairs["acct_o"].ne(pairs["acct_no"]).fillna(True)
                & (pairs["value_date"] - pairs["maturity_date"]).abs().le(pd.Timedelta(days=p.renew_days)))
        hit = pairs.loc[near.to_numpy(), "index"].unique()
        new.loc[hit] = True
    m["renewed"] = (auto | new).to_numpy(dtype=bool)
    m["how"] = pd.Series(np.select([auto.to_numpy(dtype=bool), new.to_numpy(dtype=bool)], ["自动转存", "新做定期"],
                                   default=""), index=m.index, dtype="string").replace("", pd.NA)
    return m.sort_values(["cust_id", "maturity_date"], kind="stable").reset_index(drop=True).astype(cols), info
