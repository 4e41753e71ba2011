"""One 「当前逾期账户状态」 parameter (rules.credit_report.RepaymentParams.overdue_status) for C1, C8 and C10.

Before, the three scenarios each kept their own words: C1 逾期|呆账|止付|代偿, C10 逾期|呆账|止付|冻结, C8 both.
The shared default is their union 逾期|呆账|止付|冻结|代偿, so C1 now reads a 冻结 account as overdue now and C10 a
代偿 one (by hand on the scenarios' own hand-made banks below); setting the parameter to a scenario's old words
gives its old result back, and a broken regular expression stops the run before any input is read.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import test_c1_online_whitelist as c1
import test_c8_credit_report as c8
import test_c10_limit_increase as c10

from bankxl.errors import ParameterError
from bankxl.rules.credit_report import OVERDUE_STATUS, RepaymentParams
from bankxl.runner import execute, run_scenario


def test_default_is_the_union_of_the_old_words():
    assert RepaymentParams().overdue_status == OVERDUE_STATUS == "逾期|呆账|止付|冻结|代偿"
    for sid in ("credit.online_whitelist", "credit.credit_report", "credit.limit_increase"):
        from bankxl.scenario import registry
        assert "overdue_status" in {f for f in registry()[sid].params.__dataclass_fields__}


def test_c1_frozen_account_is_overdue_now():
    """K1 (A, 86.7 on the golden bank) with its latest report's 账户状态 冻结: 当前无逾期 fails → K1 leaves the
    whitelist and is listed on 准入未通过 with 当前无逾期; with C1's old words (no 冻结) it is A again."""
    b = c1._bank()
    cr = b["credit_reports"]
    b["credit_reports"] = cr.assign(account_status=cr["account_status"].mask(
        (cr["id_no"] == c1.ID1) & (cr["report_date"] == "2026-11-01"), "冻结"))
    rep = execute("credit.online_whitelist", b, c1.P, as_of=c1.AS_OF)
    assert "K1" not in rep.tables()["whitelist"].df["客户号"].tolist()
    failed = rep.tables()["admission_failed"].df.set_index("客户号")["未通过规则"].to_dict()
    assert failed["K1"] == "当前无逾期"
    old = execute("credit.online_whitelist", b, {**c1.P, "overdue_status": "逾期|呆账|止付|代偿"}, as_of=c1.AS_OF)
    lst = old.tables()["whitelist"].df
    assert lst["客户号"].tolist()[0] == "K1" and lst["等级"].tolist()[0] == "A"


def test_c10_compensated_account_is_overdue_now():
    """P1 (A on the golden bank) with 账户状态 代偿 on its report: ② 征信 fails (当前逾期) → 不准入; with C10's old
    words (no 代偿) it is A again with 新额度 150,000."""
    b = c10.bank()
    cr = b["credit_reports"]
    p1 = c10.customers().set_index("cust_id").loc["P1", "id_no"]
    b["credit_reports"] = cr.assign(account_status=cr["account_status"].mask(cr["id_no"] == p1, "代偿"))
    det = execute("credit.limit_increase", b, as_of=c10.AS_OF).tables()["c10_detail"].df.set_index("客户号")
    assert det.loc["P1", "结果"] == "不准入" and det.loc["P1", "②征信"] == "否"
    old = execute("credit.limit_increase", b, {"overdue_status": "逾期|呆账|止付|冻结"}, as_of=c10.AS_OF)
    det = old.tables()["c10_detail"].df.set_index("客户号")
    assert det.loc["P1", "结果"] == "A" and det.loc["P1", "新额度(元)"] == 150_000


def test_c8_parameter_decides_which_words_exclude():
    """P7 (B on the golden bank: 浦发 汽车贷, 当前逾期总额 0, 23-character string) with 账户状态 止付: excluded for
    当前逾期 by the default; with overdue_status = 逾期 only, 止付 is not a sign and P7 stays B."""
    b = c8.bank()
    cr = b["credit_reports"]
    b["credit_reports"] = cr.assign(account_status=cr["account_status"].mask(cr["lender"] == "浦发银行", "止付"))
    rep = execute("credit.credit_report", b, as_of=c8.AS_OF, mask=False)
    assert "C7" not in rep.tables()["c8_list"].df["客户号"].tolist()
    assert "C7" in rep.tables()["c8_hold"].df["客户号"].tolist()
    rep = execute("credit.credit_report", b, {"overdue_status": "逾期"}, as_of=c8.AS_OF, mask=False)
    lst = rep.tables()["c8_list"].df.set_index("客户号")
    assert lst.loc["C7", "等级"] == "B"


@pytest.mark.parametrize("sid", ["credit.online_whitelist", "credit.credit_report", "credit.limit_increase"])
def test_bad_regex_stops_before_reading(sid):
    with pytest.raises(ParameterError, match="当前逾期账户状态"):
        run_scenario(sid, [Path("never_read.xlsx")], None, params={"overdue_status": "逾期|("}, as_of="2026-11-30")
