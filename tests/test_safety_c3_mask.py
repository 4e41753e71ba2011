"""Issue 8, masking leaks a breaker found in C3: personal data inside free text (摘要/用途), a person behind a
payment-platform counterparty (支付宝-董国志), free text on the 数据问题 sheet and in header errors."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bankxl.errors import ProblemLog, RowProblem
from bankxl.masking import counterparty_person, mask_counterparty, mask_free_text
from bankxl.runner import execute
from bankxl.scenario import RunContext, get_scenario

MEMO = "转账 董国志 13912345678 身份证110101199003071237"


def test_free_text_masks_id_phone_card_by_pattern():
    s = pd.Series([MEMO, "卡号6222020200112233445 电话+86 139-1234-5678", "老证340524800101001/11010519900307123x",
                   "卡 6222 0202 0011 2233 445 于20260608 还 5800.00 元 借据LN0005000013", None, ""])
    assert mask_free_text(s).tolist() == [
        "转账 董国志 139****5678 身份证110101********1237",
        "卡号6222***********3445 电话+86 139-****-5678",
        "老证340524*****1001/110105********123x",
        "卡 6222 **** **** ***3 445 于20260608 还 5800.00 元 借据LN0005000013",  # dates, amounts, 10 digits: kept
        pd.NA, ""]
    assert str(mask_free_text(s).dtype) == "string"
    assert mask_free_text(MEMO, names="董国志") == "转账 董** 139****5678 身份证110101********1237"


def test_free_text_masks_the_names_known_from_its_row():
    s = pd.Series(["张三还款给欧阳娜娜, 张三", "张三 收款", "还款人上官婉儿 姓名：诸葛孔明", "王"], index=[7, 3, 5, 1])
    own = pd.Series(["张三", "李四", None, "王"], index=[7, 3, 5, 1])
    cpty = pd.Series(["财付通-欧阳娜娜", "支付宝-淘宝", "某公司", "王"], index=[7, 3, 5, 1])
    out = mask_free_text(s, names=[own, counterparty_person(cpty)])
    # row 3: 张三 is not this row's customer (李四) nor counterparty; one-character names are not searched
    assert out.tolist() == ["张*还款给欧阳**, 张*", "张三 收款", "还款人上官** 姓名：诸葛**", "王"]
    assert out.index.tolist() == [7, 3, 5, 1]


def test_platform_counterparty_is_a_person():
    s = pd.Series(["支付宝-董国志", "财付通-欧阳娜娜", "微信转账-张三", "京东-李四", "美团 - 王五", "张三(个人)",
                   "董国志（个人）", "财付通-中国石化加油站诸葛孔明", "财付通-微信支付", "支付宝-花呗",
                   "北京三快在线科技有限公司", "支付宝（中国）网络技术有限公司", "赵英婷", None])
    assert mask_counterparty(s).tolist() == [
        "支付宝-董**", "财付通-欧阳**", "微信转账-张*", "京东-李*", "美团 - 王*", "张*(个人)", "董**（个人）",
        "财付通-中**********", "财付通-微信支付", "支付宝-花呗", "北京三快在线科技有限公司",
        "支付宝（中国）网络技术有限公司", "赵**", pd.NA]
    assert counterparty_person(s).tolist()[:8] == ["董国志", "欧阳娜娜", "张三", "李四", "王五", "张三", "董国志",
                                                   "中国石化加油站诸葛孔明"]
    assert counterparty_person(s).iloc[8:].tolist() == [pd.NA] * 4 + ["赵英婷", pd.NA]  # organisations: none


def test_memo_on_data_problem_sheet_is_masked():
    log = ProblemLog()
    log.add(RowProblem("transactions", "交易流水", 4, "摘要(memo)", "VALUE_INVALID", MEMO, "x", "保留"))
    assert log.to_frame(mask=True)["原值"].tolist() == ["转账 董国志 139****5678 身份证110101********1237"]
    assert log.problems[0].shown_value(True) == "转账 董国志 139****5678 身份证110101********1237"
    assert log.to_frame()["原值"].tolist() == [MEMO]


def _c3_tables():
    cust = pd.DataFrame({"cust_id": ["C1", "C2"], "cust_name": ["董国志", "欧阳娜娜"],
                         "id_no": ["610113196506159034", "110105194912310021"],
                         "phone": ["17869692953", "13812345678"], "org_id": ["010001"] * 2})
    rows = []
    for m in range(6, 12):  # C1: 6 monthly loan repayments to 招商银行 via 支付宝-董国志, memo with PII
        rows.append(("C1", f"2026-{m:02d}-08", 5800.0, "D", "支付宝-董国志", "招商银行", f"贷款还款 {MEMO}"))
        rows.append(("C2", f"2026-{m:02d}-09", 900.0, "D", "重庆蚂蚁消费金融有限公司", "",
                     "借呗还款 欧阳娜娜 13812345678"))
    t = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "amount", "dc", "cpty_name", "cpty_bank", "memo"])
    t["txn_ts"] = pd.to_datetime(t["txn_ts"])
    t["_row"] = pd.array(range(2, len(t) + 2), dtype="Int64")
    for c in ("cust_id", "dc", "cpty_name", "cpty_bank", "memo"):
        t[c] = t[c].astype("string")
    cust = cust.astype("string")
    return {"customers": cust, "transactions": t}


def _sheet(report, name):
    return next(b.df for s in report.sheets if s.name == name for b in s.blocks if hasattr(b, "df"))


def test_c3_detail_masks_memo_and_platform_person():
    rep = execute(get_scenario("credit.other_bank_loans"), _c3_tables(), ctx=RunContext(as_of="2026-11-30", mask=True))
    det = _sheet(rep, "识别明细").set_index("客户号")
    assert set(det.loc["C1", "摘要/用途"]) == {"贷款还款 转账 董** 139****5678 身份证110101********1237"}
    assert set(det.loc["C1", "对手户名/账号"]) == {"支付宝-董**"}
    assert set(det.loc["C2", "摘要/用途"]) == {"借呗还款 欧阳** 138****5678"}
    repl = _sheet(rep, "他行贷款置换名单")
    assert repl["他行机构"].tolist() == ["招商银行"]
    unmasked = execute(get_scenario("credit.other_bank_loans"), _c3_tables(),
                       ctx=RunContext(as_of="2026-11-30", mask=False))
    assert set(_sheet(unmasked, "识别明细").set_index("客户号").loc["C1", "摘要/用途"]) == {f"贷款还款 {MEMO}"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), st.sampled_from(["110101199003071237", "13912345678",
                                                                   "6222020200112233445", "11010519900307123X"]),
                          st.text(alphabet="元转账 /-：,。abc", max_size=5)), min_size=1, max_size=5))
def test_free_text_never_shows_a_number_whole(parts):
    """Whatever text surrounds them (except more digits, which make another number), the numbers are starred,
    and the text keeps its length."""
    texts = ["".join(f"{a}|{num}|{b}" for a, num, b in parts)]
    out = mask_free_text(pd.Series(texts)).iloc[0]
    assert len(out) == len(texts[0])
    assert not any(num in out for _a, num, _b in parts)
