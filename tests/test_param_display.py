"""Parameter values on 说明 and the 参数 sheet as a bank user reads them (fresh-user trial): 1,000,000 (说明) /
1000000 (参数 sheet) not 1000000.0, 30、7 not [30, 7], 是/否 — and every shown value reads back to the same value
(the 参数 sheet is read back with --params)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bankxl.runner import run_scenario
from bankxl.scenario import params_table, parse_param_value, registry


def test_values_shown_as_a_bank_user_reads_them():
    from bankxl.scenario import _fmt_value

    assert [_fmt_value(v) for v in (1_000_000.0, 500_000, 123_456.78, 0.035, 2026, 30, 5000.5, -20_000.0)] == \
        ["1,000,000", "500,000", "123,456.78", "0.035", "2026", "30", "5000.5", "-20,000"]
    assert _fmt_value([30, 7]) == "30、7" and _fmt_value((50_000.0, 200_000.0)) == "50000、200000"
    assert _fmt_value(True) == "是" and _fmt_value(False) == "否"
    # forms the 参数 sheet needs JSON for stay JSON
    assert _fmt_value((("A", 60), ("B", 30))) == '[["A", 60], ["B", 30]]' and _fmt_value(()) == "[]"
    assert _fmt_value(("a", "b c")) == '["a", "b c"]'


def test_shuoming_params_of_a_run(tmp_path):
    """D2 with 大额客户门槛 1000000.0 and 提醒天数 [30, 7] (as --params hands them over): 说明's 参数 table
    shows 1,000,000 and 30、7 (before: 1000000.0 and [30, 7])."""
    td = pd.DataFrame({"账号": ["A1"], "客户号": ["C1"], "机构号": ["001"], "余额": [10_000.0],
                       "到期日": ["2026-12-10"], "数据日期": ["2026-11-30"]})
    res = run_scenario("D2", {"定期存款明细": td}, params={"large_customer": 1_000_000.0, "reminder_days": [30, 7]})
    shown = res.report.tables()["params"].df.set_index("参数")["取值"]
    assert shown["large_customer"] == "1,000,000" and shown["reminder_days"] == "30、7"
    assert shown["headline_days"] == "30"


@pytest.mark.parametrize("spec", sorted(registry().values(), key=lambda s: s.code), ids=lambda s: s.code)
def test_every_shown_default_reads_back(spec):
    """What params_table shows for each default parameter of every scenario parses back (parse_param_value, the
    reader of --param / the 参数 sheet) to the default itself."""
    p = spec.default_params()
    for grouped in (False, True):
        shown = params_table(p, grouped=grouped).set_index("参数")["取值"]
        for f in dataclasses.fields(p):
            if f.metadata.get("choices"):
                continue
            assert parse_param_value(f, shown[f.name]) == getattr(p, f.name), (spec.code, f.name, shown[f.name])


def test_parameter_sheet_numbers_stay_plain():
    """The 参数 sheet (params_table without ``grouped``) shows 500000 — the Excel front end writes it as a number
    cell — while 说明 groups it; lists read 、-joined in both."""
    p = registry()["deposit.maturity"].default_params()
    plain = params_table(p).set_index("参数")["取值"]
    people = params_table(p, grouped=True).set_index("参数")["取值"]
    assert (plain["large_customer"], people["large_customer"]) == ("500000", "500,000")
    assert plain["reminder_days"] == people["reminder_days"] == "30、15、7、1"
