"""Product holdings: who holds which product, from every table that tells (SCENARIOS.md C6 产品缺口矩阵; used by
C6 按揭客户交叉营销, C2 个体工商户 and C5 ETC 客户).

* :func:`running_loans` — the loans running on the data date (disbursed by then, and status C/D, or no
  status and no 结清日, or settled after it), mortgage products named 个人住房贷款 (:data:`MORTGAGE`) by the
  regex ``mortgage_pattern`` (:class:`HoldingParams`, default :data:`MORTGAGE_PATTERN`).
* :func:`holding_matrix` — customer × product: True held / False not held / <NA> unknown, and the products the
  data show at all. **Unknown is not zero**: a value the loader could not read, or a blank 代发标志 /
  手机银行签约 flag, is <NA> — neither held nor a gap — unless another source says the customer holds the
  product. A product no table names is not in the matrix at all (the caller says 数据未提供, not 0 or 否).

The evidence of one customer and product is combined by its code (:data:`HELD` > :data:`NOT_HELD` >
:data:`UNKNOWN`, the maximum over the sources): held anywhere beats not held beats unknown. Vectorised: one
long frame of (cust_id, product, code) rows, one ``groupby().max()`` on it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scenario import param
from ..tables import loan_status_code
from .transactions import check_regex, has_pattern

#: the product name of a mortgage (贷款.品种 / 产品持有.产品)
MORTGAGE = "个人住房贷款"
#: default regex naming a loan product a mortgage (C6 parameter 按揭贷款品种 ``mortgage_pattern``)
MORTGAGE_PATTERN = "住房|按揭|房贷"
#: codes of the evidence for one customer and product; the maximum over the sources wins
HELD, NOT_HELD, UNKNOWN = 2.0, 1.0, 0.5


@dataclass(frozen=True)
class HoldingParams:
    """Parameters of the holding rule (one id, one meaning, one 参数 row in every scenario that carries it):
    which 贷款 products are mortgages. C6 derives its params from this class and calls :meth:`check` from its
    own ``check``; a scenario that does not read mortgages (C2, C5) does not carry it."""

    mortgage_pattern: str = param(MORTGAGE_PATTERN, "按揭贷款品种(正则)",
                                  help="贷款表中品种名称含该正则匹配的未结清贷款记为「个人住房贷款」(按揭客户)",
                                  pattern=r"(?s).*\S.*")

    def check(self) -> None:
        """按揭贷款品种 compiles as a regular expression. Raises :class:`ParameterError` (Chinese + English)."""
        check_regex(self, "mortgage_pattern")


def holding_code(v: pd.Series) -> np.ndarray:
    """``float64`` array (same length as ``v``) of :data:`HELD` / :data:`NOT_HELD` / :data:`UNKNOWN` for a
    boolean-like Series (True / False / <NA> or None = unknown)."""
    b = v.astype("boolean")
    return np.where(b.isna(), UNKNOWN, np.where(b.fillna(False), HELD, NOT_HELD))


def holding_of(code):
    """The inverse of :func:`holding_code`: a ``boolean`` Series / DataFrame (same shape, index and columns)
    of a float code Series / DataFrame — :data:`HELD` -> True, :data:`NOT_HELD` -> False, anything else
    (:data:`UNKNOWN`, NaN: no evidence) -> <NA>."""
    return (code == HELD).astype("boolean").mask(~((code == HELD) | (code == NOT_HELD)))


def running_loans(loans: pd.DataFrame, as_of, mortgage_pattern: str = MORTGAGE_PATTERN) -> pd.DataFrame:
    """The rows of ``loans`` running on the data date ``as_of``, with their product normalised.

    In: the conformed 贷款 table (``bankxl.tables`` ``loans``: at least cust_id, product, status, start_date,
    end_date) and the data date. The table holds the state of its export; on ``as_of`` a loan is running when
    it was disbursed by then (放款日 ≤ as_of; a blank 放款日 is not read as later) and either its status
    (A/B/C/D or their Chinese words, :func:`bankxl.tables.loan_status_code`) is C or D, or it has no status
    and no 结清日, or its 结清日 (end_date) is after ``as_of`` (settled later: still running on the data date,
    whatever the status says now). Not running: A/B (settled) or any other status with a 结清日 on or before
    ``as_of`` or none, a blank status with a 结清日 on or before ``as_of``, a loan disbursed after ``as_of``.
    Out: those rows (same columns and index) with ``product`` blank -> 其他贷款, a product named 个人住房贷款
    or matching the regex ``mortgage_pattern`` (:class:`HoldingParams`; an empty pattern matches nothing) ->
    :data:`MORTGAGE`, and an extra column ``_code`` (the status code, <NA> when blank). Amounts are not read."""
    day = pd.Timestamp(as_of).normalize()
    code = loan_status_code(loans["status"])
    end = loans["end_date"]
    started = ~(loans["start_date"] > day).fillna(False).astype(bool)
    later = (end > day).fillna(False).astype(bool)
    run = started & (code.isin(["C", "D"]).fillna(False).astype(bool) | (code.isna() & end.isna()).astype(bool)
                     | later)
    lo = loans[run.to_numpy()]
    prod = lo["product"].fillna("其他贷款")
    prod = prod.mask(prod.eq(MORTGAGE) | has_pattern(prod, mortgage_pattern), MORTGAGE)
    return lo.assign(product=prod, _code=code[run.to_numpy()])


def holding_matrix(holdings: pd.DataFrame, customers: pd.DataFrame, loans: pd.DataFrame | None,
                   as_of, mortgage_pattern: str = MORTGAGE_PATTERN) -> tuple[pd.DataFrame, set[str]]:
    """Customer × product holding matrix and the set of products the data show (``evaluated``).

    In (conformed canonical tables, ``bankxl.tables``):

    * ``holdings`` 产品持有 — cust_id, product, held (``boolean`` as the loader types it: True held — a blank
      cell is True already, the column's blank rule —, False not held (the product is still evaluated),
      <NA> a value the loader could not read: unknown);
    * ``customers`` 客户 — cust_id, payroll_flag -> 代发, mobile_banking -> 手机银行 (True / False / blank =
      unknown; a flag column blank for everybody is no evidence: the product is not evaluated from it);
    * ``loans`` 贷款 or None — its loans running on ``as_of`` (:func:`running_loans`, ``mortgage_pattern``)
      hold their product (个人住房贷款, 个人消费贷款 …);
    * ``as_of`` — the data date (read for the loans only: 产品持有 and the 客户 flags have no dates).

    Out: (``m``, ``evaluated``). ``m``: ``boolean`` DataFrame, index ``cust_id`` = every customer of
    ``customers`` then the others of ``holdings`` / ``loans`` (first appearance), columns = the evaluated
    products (``str``, sorted). Per customer and product: held by any source -> True, else known not held by
    one -> False, else (only unknown evidence) <NA>; a customer without any record of an evaluated product ->
    False (the tables list what a customer holds). Rows with a blank cust_id or product are ignored. Counts,
    not amounts: no 元 are read. Raises nothing beyond pandas' errors on missing columns (the runner checks
    the required ones)."""
    h = holdings
    rows = [pd.DataFrame({"cust_id": h["cust_id"].to_numpy(), "product": h["product"].to_numpy(),
                          "v": holding_code(h["held"])})]
    for col, name in (("payroll_flag", "代发"), ("mobile_banking", "手机银行")):
        if customers[col].notna().any():
            rows.append(pd.DataFrame({"cust_id": customers["cust_id"].to_numpy(), "product": name,
                                      "v": holding_code(customers[col])}))
    if loans is not None and len(loans):
        lo = running_loans(loans, as_of, mortgage_pattern)
        rows.append(pd.DataFrame({"cust_id": lo["cust_id"].to_numpy(), "product": lo["product"].to_numpy(),
                                  "v": HELD}))
    long = pd.concat(rows, ignore_index=True).dropna(subset=["cust_id", "product"])
    long["product"] = long["product"].astype(str)
    evaluated = set(long["product"].unique())  # distinct first: iterating every row is per-element Python
    ids = pd.Index(pd.concat([customers["cust_id"], long["cust_id"].astype("string")]).dropna().unique(),
                   name="cust_id")
    cols = sorted(evaluated)
    # the maximum code per (customer, product) into a customers × products matrix, by integer positions
    r = ids.get_indexer(long["cust_id"].astype("string"))
    c = pd.Index(cols).get_indexer(long["product"])
    best = np.full((len(ids), len(cols)), -np.inf)
    np.maximum.at(best, (r, c), long["v"].to_numpy(dtype="float64"))
    best[np.isneginf(best)] = NOT_HELD  # no record of an evaluated product: not held
    m = holding_of(pd.DataFrame(best, index=ids, columns=[str(x) for x in cols]))
    return m, evaluated
