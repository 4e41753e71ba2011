"""Second breaker round (issue 8): D5 reversed 考核期, M1 unknown taxable income in the cumulative tax check,
C6 blank 代发标志 / 手机银行签约 (unknown is not zero). Values computed by hand in the comments."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.errors import DataValidationError
from bankxl.runner import execute

WAN = 1e4


# ------------------------------------------------------------------ D5: 考核期起 > 考核期止
def _d5_bank():
    from tests.test_d5_targets import _bank
    return _bank()


def test_d5_reversed_period_of_one_outlet_is_date_order_and_excluded():
    """Outlet B (Excel row 4) has 考核期 2026-12-31 ~ 2026-01-01: DATE_ORDER on row 4, B left out of the
    decomposition. A and C share ΔT = 230.01e6 − (100e6 + 40e6) = 9001 万元: shares 存量 5/7, 2/7; 增量 .5/.5;
    潜力 5/7, 2/7; 人数 5/7, 2/7 -> combined .4·5/7 + .3·.5 + .2·5/7 + .1·5/7 = .65 and .35 -> 5850.65 /
    3150.35 -> largest remainder gives A the spare 万元: 5851 / 3150."""
    tables = _d5_bank()
    t = tables["deposit_targets"].copy()
    t.loc[2, "period_start"] = pd.Timestamp("2026-12-31")
    t.loc[2, "period_end"] = pd.Timestamp("2026-01-01")
    tables["deposit_targets"] = t
    rep = execute("deposit.targets", tables, as_of="2026-11-20")
    probs = rep.problems.to_frame()
    bad = probs[probs["问题码"] == "DATE_ORDER"]
    assert bad[["表名", "Excel 行号", "字段"]].values.tolist() == [["存款目标(deposit_targets)", 4, "考核期起(period_start)"]]
    assert "2026-12-31" in str(bad["原值"].iloc[0]) and "2026-01-01" in str(bad["原值"].iloc[0])
    assert "未参与" in bad["处理"].iloc[0]
    dec = rep.tables()["decomposition"].df.set_index("机构号")
    assert list(dec.index) == ["A", "C"]
    assert dec["综合占比"].tolist() == pytest.approx([0.65, 0.35])
    assert dec["增量任务ΔT_i(万元)"].tolist() == [5851, 3150]


@pytest.mark.parametrize("mode", ["decompose", "tracking"])
def test_d5_no_usable_period_stops_cleanly(mode):
    """Every target row reversed (the bank row of a decomposition, or every org of tracking mode): no
    report can be built -> DataValidationError naming 考核期起(period_start) and the first Excel row."""
    tables = _d5_bank()
    t = tables["deposit_targets"].copy()
    if mode == "tracking":
        t = pd.DataFrame({"org_id": ["A", "B"], "target": [110e6, 70e6], "base": [100e6, 60e6],
                          "period_start": pd.to_datetime(["2026-12-31"] * 2),
                          "period_end": pd.to_datetime(["2026-01-01"] * 2),
                          "_row": pd.array([3, 4], dtype="Int64")})
        first = 3
    else:
        t.loc[0, "period_start"], t.loc[0, "period_end"] = pd.Timestamp("2026-12-31"), pd.Timestamp("2026-01-01")
        first = 2
    t.attrs["sheet"] = "存款目标"
    tables["deposit_targets"] = t
    with pytest.raises(DataValidationError) as e:
        execute("deposit.targets", tables, as_of="2026-11-20")
    err = e.value
    assert (err.table, err.sheet, err.column, err.excel_row) == ("deposit_targets", "存款目标", "period_start", first)
    msg = str(err)
    assert "考核期起" in msg and "考核期止" in msg and "2026-12-31" in msg and "period" in err.message_en
