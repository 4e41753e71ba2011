"""M1 员工-月份: payroll rows added up per employee and month (every money column Σ, all blank stays blank;
first Excel row; last non-blank name, department and position; rows per group). bankxl:
``salary.checks.employee_months(pay)`` (grouped on the integer employee code), as the report module calls it."""
from __future__ import annotations

import pandas as pd

from bankxl.scenarios.management.salary.checks import MONEY_COLUMNS

from ..refs import Call, CoreRef

_LAST = ("emp_name", "dept", "position")


def _sql(call: Call) -> str:
    sums = ", ".join(f'SUM("{c}") AS "{c}"' for c in MONEY_COLUMNS)
    # pandas first / last skip blanks: the row order of the frame (_ord) decides among the others
    last = ", ".join(f'arg_max("{c}", CASE WHEN "{c}" IS NOT NULL THEN _ord END) AS "{c}"' for c in _LAST)
    return (f'SELECT emp_id, month, {sums}, arg_min(_row, CASE WHEN _row IS NOT NULL THEN _ord END) AS _row, '
            f'{last}, COUNT(*) AS n_rows FROM pay GROUP BY emp_id, month')


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    pay = call.args[0]
    x = pay[["emp_id", "month", *MONEY_COLUMNS, "_row", *_LAST]].reset_index(drop=True)
    x.insert(0, "_ord", range(len(x)))
    return {"pay": x}


def _bankxl(call: Call) -> pd.DataFrame:
    em = call.result[0].drop(columns=["emp"])
    return _norm(em)


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    for c in ("emp_id", *_LAST):
        f[c] = f[c].astype(object).where(f[c].notna(), None)
    f["month"] = pd.to_datetime(f["month"]).astype("datetime64[ns]")
    f["_row"] = f["_row"].astype("Int64")
    f["n_rows"] = f["n_rows"].astype("int64")
    return f


REF = CoreRef(code="M1", target="bankxl.scenarios.management.salary.report:employee_months",
              what=f"员工-月份合计 (Σ {len(MONEY_COLUMNS)} money columns, first row, last name/dept/position, rows)", sql=_sql,
              inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["emp_id", "month"],
              money=list(MONEY_COLUMNS))
