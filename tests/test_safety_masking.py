"""Issue 8, masking everywhere: with 脱敏 on, no report of any registered scenario shows a full ID number,
phone, personal name, address or account number of its inputs — the guard for future scenarios too."""
from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from bankxl.report.xlsx import write_report
from bankxl.runner import execute, run_scenario
from bankxl.scenario import RunContext, registry

AS_OF = "2026-11-30"
SPECS = list(registry().values())

#: personal columns of the canonical tables, by kind (the inputs a report must never show whole)
PERSONAL = {
    "id": ("id_no", "co_borrower_id"),
    "phone": ("phone",),
    "name": ("cust_name", "emp_name"),
    "address": ("address",),
    "account": ("acct_no", "repay_acct", "acct_to", "cpty_acct"),
}


def _personal_values(tables: dict, kinds=tuple(PERSONAL)) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {k: set() for k in kinds}
    for df in tables.values():
        for kind in kinds:
            for col in PERSONAL[kind]:
                if col in df.columns:
                    v = df[col].dropna().astype(str).str.strip()
                    # a value the source already masks (external lists: 138****5678) is no longer personal
                    v = v[~v.str.contains("*", regex=False)]
                    out[kind].update(x for x in v if len(x) >= 2)
    # the bank's own 借据号 (loans/npl_loans.loan_id) is an internal key shown whole like 客户号, also where a
    # repayment order or transfer names it as the counterparty account
    loan_ids = {str(x).strip() for t in ("loans", "npl_loans") if t in tables and "loan_id" in tables[t].columns
                for x in tables[t]["loan_id"].dropna()}
    if "account" in out:
        out["account"] -= loan_ids
    # a transaction counterparty that is one of the customers is a personal name too
    names = out.get("name", set())
    if "transactions" in tables and names:
        cp = tables["transactions"]["cpty_name"].dropna().astype(str)
        assert cp.isin(names).any(), "sample bank should hold person-to-person transfers"
    return out


def _cells(path) -> list[tuple[str, str]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            out.extend((ws.title, str(v)) for v in row if v is not None and not isinstance(v, (int, float)))
        # numbers: an account or ID written as a number would still be a leak
        for row in ws.iter_rows(values_only=True):
            out.extend((ws.title, str(int(v))) for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)
                       and float(v).is_integer() and abs(v) >= 1e7)
    wb.close()
    return out


def _leaks(cells, personal: dict[str, set[str]]) -> list[str]:
    found = []
    for kind, values in personal.items():
        if not values:
            continue
        # a two-character name may be part of an organisation's name (北京高新支行): whole cells only
        short = {v for v in values if kind == "name" and len(v) < 3}
        pat = re.compile("|".join(re.escape(v) for v in sorted(values - short, key=len, reverse=True)) or "(?!)")
        for sheet, text in cells:
            m = pat.search(text) or (re.match(".*", text) if text.strip() in short else None)
            if m:
                found.append(f"{kind} {m.group(0)!r} on {sheet}: {text[:80]!r}")
    return found


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_no_personal_data_in_any_report_when_masked(spec, sample_bank, tmp_path):
    tables = {t: sample_bank[t] for t in (*spec.inputs, *spec.optional_inputs) if t in sample_bank}
    assert set(spec.inputs) <= set(tables), f"sample bank lacks inputs of {spec.id}"
    ctx = RunContext(as_of=AS_OF, mask=True)
    assert ctx.mask_accounts, "账号脱敏 defaults to 是"
    path = write_report(execute(spec, tables, ctx=ctx), tmp_path / "r.xlsx")
    personal = _personal_values(sample_bank)  # every personal value of the bank, not only this scenario's
    assert all(personal.values())
    leaks = _leaks(_cells(path), personal)
    assert not leaks, f"{spec.id}: {len(leaks)} personal values shown whole, e.g. {leaks[:5]}"


def test_problem_values_masked_on_data_problem_sheet(tmp_path):
    """原值 of a problem in an ID / phone / name / account column is masked; the Excel row stays."""
    bad_id, bad_phone = "110105194912310021", "1381234567X"  # wrong check digit; not a number
    cust = pd.DataFrame({
        "客户号": ["C1", "C2", "C2"], "客户名称": ["张三丰", "李四", "王五"],
        "证件号码": [bad_id, "11010519491231002X", "11010519491231002X"],
        "手机号": ["13812345678", bad_phone, "13912345678"], "产品": ["a", "b", "c"],
    })
    prod = pd.DataFrame({"客户号": ["C1", "C2"], "产品": ["结算账户", "结算账户"], "持有": ["是", "是"]})
    src = tmp_path / "in.xlsx"
    with pd.ExcelWriter(src) as w:
        cust.to_excel(w, sheet_name="客户", index=False)
        prod.to_excel(w, sheet_name="产品持有", index=False)
    res = run_scenario("credit.mortgage_cross_sell", [src], tmp_path / "out.xlsx", as_of=AS_OF, mask=True)
    probs = next(b.df for s in res.report.sheets if s.name == "数据问题" for b in s.blocks
                 if getattr(b, "name", "") == "problems")
    by_code = dict(zip(probs["问题码"], zip(probs["原值"], probs["Excel 行号"])))
    assert by_code["ID_CHECKSUM"] == ("110105********0021", 2)
    # the duplicated 客户号 is not personal: shown as is
    assert by_code["DUP_KEY"][0] == "C2"
    text = " ".join(c for _s, c in _cells(res.path))
    assert bad_id not in text and "张三丰" not in text

    unmasked = run_scenario("credit.mortgage_cross_sell", [src], None, as_of=AS_OF, mask=False)
    shown = unmasked.problems.to_frame()
    assert bad_id in set(shown["原值"])


def test_c3_free_text_and_platform_counterparty_masked(tmp_path):
    """Sample-independent: C3 on flows whose 摘要 carries a phone, an ID, a card number and names, paid via
    支付宝-<customer name> — no cell of the report shows any of them whole (识别明细 copied 摘要 and 对手户名 as is)."""
    secrets = {"id": "110101199003071237", "phone": "13912345678", "card": "6222020200112233445",
               "name": "董国志", "labelled": "上官婉儿", "cust_id_no": "610113196506159034"}
    cust = pd.DataFrame({"客户号": ["C1"], "客户名称": [secrets["name"]], "证件号码": [secrets["cust_id_no"]],
                         "手机号": ["17869692953"]})
    memo = (f"贷款还款 {secrets['name']} {secrets['phone']} 身份证{secrets['id']} 卡号{secrets['card']} "
            f"还款人{secrets['labelled']}")
    txn = pd.DataFrame({"客户号": ["C1"] * 6, "交易时间": [f"2026-{m:02d}-08" for m in range(6, 12)],
                        "交易金额": [5800.0] * 6, "借贷标志": ["D"] * 6, "对手户名": [f"支付宝-{secrets['name']}"] * 6,
                        "对手行名": ["招商银行"] * 6, "摘要": [memo] * 6})
    src = tmp_path / "in.xlsx"
    with pd.ExcelWriter(src) as w:
        cust.to_excel(w, sheet_name="客户", index=False)
        txn.to_excel(w, sheet_name="交易流水", index=False)
    res = run_scenario("credit.other_bank_loans", [src], tmp_path / "out.xlsx", as_of=AS_OF, mask=True)
    cells = [c for _s, c in _cells(res.path)]
    assert any("支付宝-董**" in c for c in cells) and any("139****5678" in c for c in cells)  # 识别明细 is there
    shown = [f"{k} on {c!r}" for c in cells for k, v in secrets.items() if v in c]
    assert not shown, shown


def test_problem_log_masks_by_column():
    from bankxl.errors import ProblemLog, RowProblem

    log = ProblemLog()
    log.add(RowProblem("customers", "客户", 5, "证件号码(id_no)", "ID_CHECKSUM", "110105194912310021", "校验位错", "保留"))
    log.add(RowProblem("customers", "客户", 6, "手机号(phone)", "VALUE_INVALID", "13812345678", "x", "保留"))
    log.add(RowProblem("transactions", "流水", 7, "账号(acct_no)", "REQUIRED_EMPTY", "6217800000001128", "x", "保留"))
    log.add(RowProblem("customers", "客户", 8, "客户名称(cust_name)", "VALUE_INVALID", "欧阳娜娜", "x", "保留"))
    log.add(RowProblem("customers", "客户", 9, "客户号(cust_id)", "DUP_KEY", "0000001128", "x", "剔除"))
    log.add(RowProblem("time_deposits", "定期", 10, "账号(acct_no)、客户号(cust_id)", "DUP_KEY",
                       "6217800000001128 / 0000001128", "x", "剔除"))
    log.add(RowProblem("customers", "客户", 11, "地址(address)", "VALUE_INVALID", "北京市海淀区中关村大街27号", "x", "保留"))
    masked = log.to_frame(mask=True, mask_accounts=True)["原值"].tolist()
    assert masked == ["110105********0021", "138****5678", "6217********1128", "欧阳**", "0000001128",
                      "6217********1128 / 0000001128", "北京市海淀区********"]
    assert log.to_frame(mask=True, mask_accounts=False)["原值"].tolist()[2] == "6217800000001128"
    assert log.to_frame()["原值"].tolist()[0] == "110105194912310021"


def test_mask_accounts_setting_from_param_table_and_cli_default():
    """账号脱敏 is a shared 通用 setting: 否 in the 参数 table turns it off; the default is 是."""
    from bankxl.paramsheet import COMMON, read_settings
    from bankxl.runner import merge_settings
    from bankxl.scenario import get_scenario

    assert COMMON.set_index("名称").loc["账号脱敏", "取值"] == "是"
    spec = get_scenario("deposit.maturity")
    _, common = read_settings(pd.DataFrame([{"场景": "通用", "名称": "账号脱敏", "取值": "否"}]), spec)
    assert merge_settings({}, common)["mask_accounts"] is False
    assert merge_settings({}, {})["mask_accounts"] is True


def test_cli_no_mask_accounts_shows_own_accounts(tmp_path, sample_bank):
    """D2's 到期明细 shows 6217********1128 by default and the account in full with --no-mask-accounts."""
    from bankxl.cli import main

    td = sample_bank["time_deposits"].head(40)
    src = tmp_path / "td.xlsx"
    td.drop(columns=["cust_name", "id_no"]).to_excel(src, index=False, sheet_name="定期存款明细")
    acct = str(td["acct_no"].iloc[0])
    for flag, shown in (([], acct[:4] + "*" * (len(acct) - 8) + acct[-4:]), (["--no-mask-accounts"], acct)):
        out = tmp_path / f"r{len(flag)}.xlsx"
        assert main(["run", "deposit.maturity", "--input", str(src), "--out", str(out), "--as-of", AS_OF,
                     *flag]) == 0
        text = {c for _s, c in _cells(out)}
        assert shown in text and (acct in text) == bool(flag)
