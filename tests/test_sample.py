"""bankxl.sample: the synthetic sample bank. Expected values are computed independently here."""

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from bankxl import sample
from bankxl.errors import ParameterError
from bankxl.sample import PLANTED_PAYROLL_ERRORS, make_sample_bank, write_sample_workbooks
from bankxl.tables import PAY_DEDUCTIONS, PAY_ITEMS, get_table

AS_OF = pd.Timestamp("2026-11-30")
TABLE_IDS = ("orgs", "customers", "time_deposits", "org_daily_balances", "deposit_targets", "payroll",
             "loans", "payment_orders", "transactions", "product_holdings", "customer_monthly", "npl_loans",
             "deposit_accounts", "merchants", "merchant_monthly", "etc_signups", "mobile_banking_monthly", "credit_lines", "external_lists", "credit_reports",
             "blacklist", "businesses", "student_loans", "market_share", "bank_aliases")
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


@pytest.fixture(scope="module")
def bank():
    return make_sample_bank(customers=2000, seed=20261130, as_of="2026-11-30")


def _check_char(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]


def _planted(check):
    return {(pd.Timestamp(2026, e.month, 1), e.emp_id) for e in PLANTED_PAYROLL_ERRORS if e.check == check}


def _keys(df, mask):
    return set(zip(df.loc[mask, "month"], df.loc[mask, "emp_id"]))


# --- shape, types, determinism ------------------------------------------------------------------


def test_tables_and_dtypes_match_specs(bank):
    assert set(bank) == set(TABLE_IDS)
    for tid in TABLE_IDS:
        empty = get_table(tid).empty().drop(columns="_row")
        df = bank[tid]
        assert list(df.columns) == list(empty.columns), tid
        assert df.dtypes.to_dict() == empty.dtypes.to_dict(), tid
        assert df.index.equals(pd.RangeIndex(len(df))), tid
        assert len(df) > 0, tid


def test_deterministic_per_seed(bank):
    again = make_sample_bank(customers=2000, seed=20261130, as_of="2026-11-30")
    for tid in TABLE_IDS:
        pd.testing.assert_frame_equal(bank[tid], again[tid])
    other = make_sample_bank(customers=2000, seed=1, as_of="2026-11-30")
    assert not bank["customers"]["id_no"].equals(other["customers"]["id_no"])
    assert not bank["time_deposits"]["balance"].equals(other["time_deposits"]["balance"])


def test_small_and_empty_banks_are_well_typed():
    for n in (0, 1, 7):
        t = make_sample_bank(customers=n, seed=3)
        assert len(t["customers"]) == n
        for tid in TABLE_IDS:
            empty = get_table(tid).empty().drop(columns="_row")
            assert t[tid].dtypes.to_dict() == empty.dtypes.to_dict(), (n, tid)
    with pytest.raises(ValueError):
        make_sample_bank(customers=-1)


def test_sizes_scale_with_customers(bank):
    assert len(bank["customers"]) == 2000
    assert 1.15 < len(bank["time_deposits"]) / 2000 < 1.45


# --- organisation ---------------------------------------------------------------------------


def test_org_hierarchy(bank):
    orgs = bank["orgs"]
    assert orgs["org_id"].is_unique
    ids = set(orgs["org_id"])
    root = orgs[orgs["level"] == "全行"]
    assert len(root) == 1 and pd.isna(root["parent_id"].iloc[0])
    child = orgs[orgs["level"] != "全行"]
    assert child["parent_id"].isin(ids).all()
    level_of = dict(zip(orgs["org_id"], orgs["level"]))
    branches = orgs[orgs["level"] == "分行"]
    assert 3 <= len(branches) <= 4
    assert (branches["parent_id"] == root["org_id"].iloc[0]).all()
    outlets = orgs[orgs["level"] == "支行"]
    assert outlets["parent_id"].map(level_of).eq("分行").all()
    per_branch = outlets.groupby("parent_id").size()
    assert per_branch.between(4, 6).all() and len(per_branch) == len(branches)
    assert outlets["org_name"].str.endswith("支行").all() and outlets["org_name"].is_unique
    assert (orgs["staff_count"] > 0).all()
    assert orgs["org_id"].str.fullmatch(r"\d{6}").all()


# --- customers --------------------------------------------------------------------------------


def test_customer_ids_and_contacts(bank):
    c = bank["customers"]
    assert c["cust_id"].is_unique
    assert c["cust_id"].str.fullmatch(r"0\d{9}").all()  # text with leading zeros
    assert c["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    names = c["cust_name"]
    assert names.str.fullmatch(r"[\u4e00-\u9fff]{2,4}").all()
    outlets = set(bank["orgs"].query("level == '支行'")["org_id"])
    assert c["org_id"].isin(outlets).all()


def test_customer_ids_valid_by_independent_check(bank):
    c = bank["customers"]
    ids = c["id_no"].tolist()
    assert all(re.fullmatch(r"\d{17}[\dX]", s) for s in ids)
    assert all(_check_char(s[:17]) == s[17] for s in ids)
    # birth date and sex agree with the ID; ages 18–85 at as_of
    birth = pd.to_datetime(c["id_no"].str.slice(6, 14), format="%Y%m%d")
    assert (birth == c["birth_date"]).all()
    male = c["id_no"].str.slice(16, 17).astype(int) % 2 == 1
    assert ((c["sex"] == "男") == male).all()
    age = (
        AS_OF.year
        - birth.dt.year
        - ((birth.dt.month > AS_OF.month) | ((birth.dt.month == AS_OF.month) & (birth.dt.day > AS_OF.day)))
    )
    assert age.between(18, 85).all()
    # about 1 in 11 end in X
    share_x = c["id_no"].str.endswith("X").mean()
    assert 0.06 < share_x < 0.125
    # real region prefixes from several provinces
    prefixes = set(c["id_no"].str.slice(0, 6))
    assert {"340524", "360426"} & prefixes
    assert len({p[:2] for p in prefixes}) >= 8


def test_customer_managers_are_outlet_staff(bank):
    c, pay = bank["customers"], bank["payroll"]
    mgr = pay.loc[pay["position"] == "客户经理", ["emp_id", "org_id"]].drop_duplicates()
    pairs = set(zip(mgr["emp_id"], mgr["org_id"]))
    assert all(p in pairs for p in zip(c["mgr_id"], c["org_id"]))
    assert (c.groupby("org_id")["mgr_id"].nunique() >= 2).all()


# --- time deposits ----------------------------------------------------------------------------


def test_time_deposit_products_amounts_rates(bank):
    td, c = bank["time_deposits"], bank["customers"]
    assert td["acct_no"].is_unique and td["acct_no"].str.fullmatch(r"0\d{17}").all()
    assert td["cust_id"].isin(set(c["cust_id"])).all()
    joined = td.merge(c[["cust_id", "id_no", "org_id"]], on="cust_id", suffixes=("", "_c"))
    assert (joined["id_no"] == joined["id_no_c"]).all()
    share = td["product"].value_counts(normalize=True)
    assert set(share.index) <= {"整存整取", "大额存单", "零存整取", "通知存款", "定活两便"}
    assert share["整存整取"] > 0.6
    assert share.get("通知存款", 0) < 0.06 and share.get("定活两便", 0) < 0.06
    assert (td["balance"] > 0).all()
    assert (td.loc[td["product"] == "大额存单", "balance"] >= 200_000).all()
    assert 30_000 <= td.loc[td["product"] == "整存整取", "balance"].median() <= 100_000
    assert td["balance"].max() >= 1_000_000
    assert set(td["term_m"].dropna().unique()) <= {3, 6, 12, 24, 36, 60}
    assert set(td.loc[td["product"] == "大额存单", "term_m"].unique()) <= {3, 6, 12, 24, 36}
    assert td["rate"].between(0.003, 0.04).all()
    # rates rise with the term among this year's 整存整取
    new = td[(td["product"] == "整存整取") & (td["value_date"].dt.year == 2026)]
    by_term = new.groupby("term_m")["rate"].median()
    assert by_term.is_monotonic_increasing and by_term.loc[3] < by_term.loc[12]
    assert (td["ccy"] == "CNY").all() and (td["status"] == "正常").all() and (td["as_of"] == AS_OF).all()


def test_maturity_dates(bank):
    td = bank["time_deposits"]
    untermed = td["product"].isin(["通知存款", "定活两便"])
    assert td.loc[untermed, "maturity_date"].isna().all() and td.loc[untermed, "term_m"].isna().all()
    t = td[~untermed]
    assert t["maturity_date"].notna().all()
    # maturity = value date + term months, clamped to the month's end (pandas DateOffset does the same)
    expect = [v + pd.DateOffset(months=int(m)) for v, m in zip(t["value_date"], t["term_m"])]
    assert (t["maturity_date"].to_numpy() == pd.DatetimeIndex(expect).to_numpy()).all()
    assert (td["value_date"] <= AS_OF).all()
    leap = t[(t["value_date"] == "2024-02-29") & (t["term_m"] == 12)]
    assert len(leap) >= 1 and (leap["maturity_date"] == pd.Timestamp("2025-02-28")).all()
    matured = t["maturity_date"] <= AS_OF
    assert 0.01 < matured.mean() < 0.06
    assert not t.loc[matured, "auto_renew"].any()
    live = t.loc[~matured, "maturity_date"]
    horizon = AS_OF + pd.DateOffset(months=13)
    assert (live <= horizon).mean() > 0.99
    assert (live <= AS_OF + pd.DateOffset(months=60)).all()
    # customers' relationship starts no later than their first deposit
    first = td.groupby("cust_id")["value_date"].min()
    opened = bank["customers"].set_index("cust_id")["open_date"]
    assert (opened.loc[first.index] <= first).all()


def test_maturity_bumps(bank):
    live = bank["time_deposits"]["maturity_date"]
    live = live[(live > AS_OF) & (live <= AS_OF + pd.DateOffset(months=13))]
    counts = live.value_counts().reindex(
        pd.date_range(AS_OF + pd.Timedelta(days=1), live.max()), fill_value=0
    )
    days = counts.index
    qend = days.month.isin([3, 6, 9, 12]) & (days.days_in_month - days.day < 5)
    assert counts[qend].mean() > 1.5 * counts[~qend].mean()
    eve = pd.Timestamp("2027-02-05")  # 除夕
    before = counts[(days >= eve - pd.Timedelta(days=30)) & (days < eve)].mean()
    after = counts[(days > eve + pd.Timedelta(days=30)) & (days <= eve + pd.Timedelta(days=60))]
    assert before > 1.3 * after.mean()


# --- daily balances and targets ---------------------------------------------------------------


def test_daily_balances(bank):
    b, orgs = bank["org_daily_balances"], bank["orgs"]
    outlets = set(orgs.loc[orgs["level"] == "支行", "org_id"])
    assert set(b["org_id"]) == outlets
    days = pd.date_range("2026-01-01", AS_OF)
    for _, g in b.groupby("org_id"):
        assert g["date"].tolist() == list(days)
    assert (b["balance"] > 0).all() and (b["metric"] == "各项存款").all()
    month_end = b["date"].dt.is_month_end
    assert b.loc[month_end, "balance"].mean() > b.loc[~month_end, "balance"].mean()
    # per outlet: the month-end balance beats the next day in (almost) every month
    w = b.pivot(index="date", columns="org_id", values="balance")
    me = [d for d in w.index if d.is_month_end and d < AS_OF]
    nxt = [d + pd.Timedelta(days=1) for d in me]
    assert (w.loc[me].to_numpy() > w.loc[nxt].to_numpy()).mean() > 0.95


def test_deposit_targets(bank):
    t, orgs = bank["deposit_targets"], bank["orgs"]
    root_id = orgs.loc[orgs["level"] == "全行", "org_id"].iloc[0]
    root = t[t["org_id"] == root_id]
    rest = t[t["org_id"] != root_id]
    assert len(root) == 1
    assert set(rest["org_id"]) == set(orgs.loc[orgs["level"] == "支行", "org_id"])
    assert (t["metric"] == "各项存款日均").all()
    assert (t["period_start"] == "2026-01-01").all() and (t["period_end"] == "2026-12-31").all()
    total = rest["prior_avg"].sum()
    assert root["target"].iloc[0] == pytest.approx(round(total * 1.08, -4))
    assert root["base"].iloc[0] == pytest.approx(total)
    assert rest["target"].isna().all() and (rest["base"] == rest["prior_avg"]).all()
    assert (rest["prior_increment"] < 0).sum() >= 2 and (rest["prior_increment"] > 0).any()
    assert (rest["potential"] > 0).all()
    staff = orgs.set_index("org_id")["staff_count"]
    assert (rest.set_index("org_id")["staff_count"] == staff.loc[rest["org_id"]]).all()
    # the year's average so far is in the neighbourhood of the target
    avg = bank["org_daily_balances"].groupby("date")["balance"].sum().mean()
    assert 0.85 < avg / root["target"].iloc[0] < 1.15


# --- payroll ----------------------------------------------------------------------------------


def test_payroll_months_and_staff(bank):
    p, orgs = bank["payroll"], bank["orgs"]
    assert sorted(p["month"].unique()) == list(pd.date_range("2026-01-01", "2026-11-01", freq="MS"))
    assert not p.duplicated(["month", "emp_id"]).any()
    per_org = p.groupby("org_id")["emp_id"].nunique()
    assert per_org.to_dict() == orgs.set_index("org_id")["staff_count"].astype(int).to_dict()


def test_payroll_gross_equals_items_except_planted(bank):
    p = bank["payroll"]
    diff = p[list(PAY_ITEMS)].sum(axis=1) - p["gross"]
    bad = diff.abs() > 0.005
    assert _keys(p, bad) == _planted("gross")
    assert sorted(diff[bad].round(2)) == [-100.0, 100.0]


def test_payroll_net_equals_gross_minus_deductions_except_planted(bank):
    p = bank["payroll"]
    diff = p["gross"] - p[list(PAY_DEDUCTIONS)].sum(axis=1) - p["net"]
    bad = diff.abs() > 0.005
    assert _keys(p, bad) == _planted("net")
    assert diff[bad].round(2).tolist() == [200.0]


def test_payroll_social_deductions(bank):
    p = bank["payroll"]
    base = p["gross"].clip(7_200, 36_000)
    for col, rate in (("pension", 0.08), ("medical", 0.02), ("unemployment", 0.005), ("housing_fund", 0.12)):
        assert np.allclose(p[col], base * rate, atol=0.0051), col
    assert ((p["annuity"] == 0) | np.isclose(p["annuity"], base * 0.02, atol=0.0051)).all()
    cents = (p[list(PAY_ITEMS) + ["gross"] + list(PAY_DEDUCTIONS) + ["net"]] * 100).round(6)
    assert (cents == cents.round()).all().all()  # every amount in whole 分
    assert (p["other_pay"] < 0).sum() == 1  # the one 扣回
    assert set(p["special_additional"].unique()) <= {0, 1000, 1500, 2000, 3000, 4000, 5000}


def _independent_iit(p: pd.DataFrame) -> pd.Series:
    """累计预扣法, written out per employee (special = 4 social items, other = annuity)."""
    uppers = [36_000, 144_000, 300_000, 420_000, 660_000, 960_000, float("inf")]
    rates = [0.03, 0.10, 0.20, 0.25, 0.30, 0.35, 0.45]
    quick = [0, 2_520, 16_920, 31_920, 52_920, 85_920, 181_920]
    out = pd.Series(0.0, index=p.index)
    for _, g in p.sort_values("month").groupby("emp_id"):
        cum, paid, first = 0.0, 0.0, g["month"].iloc[0].month
        for i, r in g.iterrows():
            special = r["pension"] + r["medical"] + r["unemployment"] + r["housing_fund"]
            cum += r["gross"] - special - r["special_additional"] - r["annuity"]
            taxable = cum - 5_000 * (r["month"].month - first + 1)
            k = next(j for j, u in enumerate(uppers) if taxable <= u)
            due = max(taxable * rates[k] - quick[k], 0.0) if taxable > 0 else 0.0
            due = float(np.floor(due * 100 + 0.5 + 1e-6) / 100)
            out[i] = max(due - paid, 0.0)
            paid = max(paid, due)
    return out


def test_payroll_iit_is_cumulative_method_except_planted(bank):
    p = bank["payroll"]
    expect = _independent_iit(p)
    bad = (p["iit"] - expect).abs() > 0.011
    assert _keys(p, bad) == _planted("iit")
    assert (p.loc[bad, "iit"] - expect[bad]).round(2).tolist() == [88.0]
    assert (p["iit"] >= 0).all() and p["iit"].sum() > 0


def test_payroll_tax_helper_reproduces_payroll(bank):
    from bankxl.tax import cumulative_iit_long

    p = bank["payroll"]
    special = p["pension"] + p["medical"] + p["unemployment"] + p["housing_fund"]
    tax = cumulative_iit_long(
        p["emp_id"], p["month"], p["gross"], special, p["special_additional"], p["annuity"]
    )
    bad = (tax - p["iit"]).abs() > 0.005
    assert _keys(p, bad) == _planted("iit")


# --- workbooks --------------------------------------------------------------------------------


def test_workbooks_read_back(bank, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    small = {
        k: (v.head(300) if k in ("time_deposits", "customers", "org_daily_balances", "payroll", "loans",
                                 "payment_orders", "transactions", "product_holdings", "customer_monthly") else v)
        for k, v in bank.items() if k not in ("market_share", "bank_aliases")  # D1's two layouts: test_d1_*
    }
    paths = write_sample_workbooks(small, tmp_path / "out")
    assert [p.name for p in paths] == ["样例_定期存款.xlsx", "样例_存款目标.xlsx", "样例_员工工资.xlsx",
                                       "样例_贷款与流水.xlsx", "样例_不良贷款与存款账户.xlsx", "样例_收单商户.xlsx",
                                       "样例_ETC签约.xlsx", "样例_外部名单与征信.xlsx", "样例_个体工商户.xlsx", "样例_手机银行与授信.xlsx", "样例_助学贷款.xlsx"]
    assert sorted(x.name for x in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in paths
    )  # no temp files
    sheets = {
        "样例_定期存款.xlsx": ["定期存款明细", "客户", "机构"],
        "样例_存款目标.xlsx": ["存款目标", "机构日余额", "机构"],
        "样例_员工工资.xlsx": ["员工工资"],
        "样例_贷款与流水.xlsx": ["交易流水", "代扣指令", "贷款", "产品持有", "客户月度存款", "客户"],
        "样例_不良贷款与存款账户.xlsx": ["不良贷款", "存款账户", "客户", "机构"],
        "样例_收单商户.xlsx": ["收单商户月度", "收单商户", "机构"],
        "样例_ETC签约.xlsx": ["ETC签约", "客户", "机构"],
        "样例_手机银行与授信.xlsx": ["手机银行月度", "授信", "客户月度存款", "客户"],
        "样例_外部名单与征信.xlsx": ["外部名单", "征信明细", "黑名单"],
        "样例_个体工商户.xlsx": ["个体工商户", "客户", "机构"],
        "样例_助学贷款.xlsx": ["助学贷款", "客户"],
    }
    for path in paths:
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == sheets[path.name]
        for ws in wb.worksheets:
            spec = get_table(ws.title)
            df = small[spec.id]
            headers = [c.value for c in ws[1]]
            assert headers == [c.label for c in spec.columns]
            assert ws.freeze_panes == "A2"
            assert list(ws.tables.keys()) == [spec.zh]
            assert ws.max_row == len(df) + 1
            for j, col in enumerate(spec.columns, start=1):
                cell = ws.cell(row=2, column=j)
                v = df[col.id].iloc[0]
                if pd.isna(v):
                    assert cell.value is None
                elif col.kind in ("code", "id_card"):
                    assert cell.data_type == "s" and cell.value == v
                elif col.kind in ("date", "month"):
                    assert isinstance(cell.value, dt.datetime) and pd.Timestamp(cell.value) == v
                elif col.kind == "bool":
                    assert cell.value == ("是" if v else "否")
                elif col.kind in ("money", "rate", "int", "number"):
                    assert cell.value == pytest.approx(float(v))
    wb = openpyxl.load_workbook(paths[0])
    ids = [c.value for c in wb["客户"]["C"][1:]]
    assert all(isinstance(s, str) and len(s) == 18 for s in ids)
    assert ids == small["customers"]["id_no"].tolist()
    assert wb["客户"]["A2"].value.startswith("0")
    assert "余额(元)" in [c.value for c in wb["定期存款明细"][1]]


def test_workbooks_refuse_too_many_rows(bank, tmp_path, monkeypatch):
    monkeypatch.setattr(sample, "_EXCEL_MAX_ROWS", 100)
    with pytest.raises(ParameterError, match="CSV"):
        write_sample_workbooks(bank, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("as_of", ["2024-01-10", "2025-06-15", "2026-12-31"])
def test_other_as_of_dates(as_of):
    t = make_sample_bank(customers=300, seed=11, as_of=as_of)
    a = pd.Timestamp(as_of)
    td = t["time_deposits"]
    assert (td["value_date"] <= a).all() and (td["as_of"] == a).all()
    assert t["payroll"]["month"].max() == pd.Timestamp(a.year, a.month, 1)
    assert t["org_daily_balances"]["date"].min() == pd.Timestamp(a.year, 1, 1)
    assert t["org_daily_balances"]["date"].max() == a
    assert (t["deposit_targets"]["period_end"] == pd.Timestamp(a.year, 12, 31)).all()
    planted = {
        (pd.Timestamp(a.year, e.month, 1), e.emp_id) for e in PLANTED_PAYROLL_ERRORS if e.month <= a.month
    }
    p = t["payroll"]
    off = (p[list(PAY_ITEMS)].sum(axis=1) - p["gross"]).abs() > 0.005
    off |= (p["gross"] - p[list(PAY_DEDUCTIONS)].sum(axis=1) - p["net"]).abs() > 0.005
    assert _keys(p, off) <= planted


# --- issue 3: loans, payment orders, transactions, product holdings, customer monthly -------------------


def test_loans_annuity_and_consistency(bank):
    lo, cu = bank["loans"], bank["customers"].set_index("cust_id")
    assert lo["loan_id"].is_unique and set(lo["status"]) <= {"A", "B", "C", "D"}
    assert {"C", "D", "A"} <= set(lo["status"])
    assert (lo.groupby("cust_id").size() > 1).any()  # some customers hold several loans
    r = lo["rate"].to_numpy() / 12
    n = lo["term_m"].to_numpy(dtype=float)
    hand = lo["amount"].to_numpy() * r / (1 - (1 + r) ** -n)
    assert np.abs(hand - lo["monthly_payment"].to_numpy()).max() <= 0.005 + 1e-9
    running = lo["status"].isin(["C", "D"])
    assert (lo.loc[~running, "balance"] == 0).all() and lo.loc[~running, "end_date"].notna().all()
    assert (lo.loc[running, "balance"] > 0).all() and (lo["balance"] <= lo["amount"]).all()
    assert ((lo["overdue_days"] > 0) == (lo["status"] == "D")).all()
    assert (lo["start_date"] >= lo["cust_id"].map(cu["open_date"])).all()
    assert (lo["start_date"] < AS_OF).all()
    assert (lo["org_id"] == lo["cust_id"].map(cu["org_id"])).all()
    assert set(lo["product"]) <= {"个人住房贷款", "个人消费贷款", "个人经营贷款", "个人汽车贷款"}


def test_transactions_window_and_own_loan_repayments(bank):
    tx, lo = bank["transactions"], bank["loans"]
    assert set(tx["cust_id"]) <= set(bank["customers"]["cust_id"])
    assert (tx["txn_ts"] > AS_OF - pd.DateOffset(months=6)).all() and (tx["txn_ts"] <= AS_OF).all()
    assert (tx["amount"] > 0).all() and set(tx["dc"]) == {"D", "C"} and tx["txn_id"].is_unique
    assert 0.1 < tx["cust_id"].nunique() / len(bank["customers"]) <= 0.16
    own = tx[tx["cpty_bank"].eq("示例银行").fillna(False) & tx["memo"].eq("贷款还款").fillna(False)]
    assert len(own)
    run = lo[lo["status"].isin(["C", "D"])]
    pairs = set(zip(run["cust_id"], run["monthly_payment"]))
    assert all((c, a) in pairs for c, a in zip(own["cust_id"], own["amount"]))
    memo = tx["memo"].fillna("")
    for word in ("信用卡还款", "房租", "冲正", "借呗还款", "代发工资", "美团外卖"):
        assert memo.str.contains(word).any(), word


def test_planted_flow_profiles(bank):
    truth = sample.sample_truth(customers=2000, seed=20261130, as_of="2026-11-30")
    assert set(truth["cust_id"]) == set(bank["transactions"]["cust_id"])
    counts = truth["profile"].value_counts()
    for p, _ in sample.FLOW_PROFILES:
        assert counts.get(p, 0) >= 1, p
    tx = bank["transactions"]
    for row in truth[truth["profile"].str.startswith("他行")].itertuples():
        mine = tx[(tx["cust_id"] == row.cust_id) & (tx["cpty_bank"] == row.institution) & (tx["dc"] == "D")]
        assert len(mine) >= 3 and (mine["amount"] == row.monthly_payment).all()
        gaps = mine["txn_ts"].diff().dropna().dt.days
        assert gaps.between(28, 31).all()
    # 本人互转 goes to the customer's own name
    names = bank["customers"].set_index("cust_id")["cust_name"]
    for c in truth.loc[truth["profile"] == "本人互转", "cust_id"]:
        mine = tx[(tx["cust_id"] == c) & (tx["memo"] == "转账") & (tx["dc"] == "D") & tx["cpty_bank"].notna()]
        assert (mine["cpty_name"] == names[c]).any()


def test_payment_orders_match_loans(bank):
    po, lo = bank["payment_orders"], bank["loans"]
    assert po["order_id"].is_unique and set(po["purpose"]) <= {"贷款还款", "家庭费用", "保险"}
    own = po[po["bank_to"] == "示例银行"]
    own = own[own["purpose"] == "贷款还款"].set_index("acct_to")
    run = lo[lo["status"].isin(["C", "D"])].set_index("loan_id")
    assert set(own.index) == set(run.index)
    assert (own["amount"] == run.loc[own.index, "monthly_payment"]).all()
    assert (own["cust_id"] == run.loc[own.index, "cust_id"]).all()


def test_product_holdings_consistent(bank):
    h, cu, td = bank["product_holdings"], bank["customers"], bank["time_deposits"]
    assert not h.duplicated(["cust_id", "product"]).any()
    by = {p: g.set_index("cust_id") for p, g in h.groupby("product")}
    assert set(by["结算账户"].index) == set(cu["cust_id"])
    assert set(by["代发"].index) == set(cu.loc[cu["payroll_flag"], "cust_id"])
    assert set(by["手机银行"].index) == set(cu.loc[cu["mobile_banking"], "cust_id"])
    tot = td.groupby("cust_id")["balance"].sum()
    assert np.allclose(by["定期存款"]["balance"].sort_index(), tot[tot > 0].sort_index())
    lo = bank["loans"]
    mort = lo[lo["product"] == "个人住房贷款"].groupby("cust_id")["status"].agg(lambda s: s.isin(["C", "D"]).any())
    assert (by["个人住房贷款"]["held"].sort_index() == mort.sort_index()).all()
    assert (h["open_date"] <= AS_OF).all()


def test_customer_monthly_consistent_with_time_deposits(bank):
    cm, td = bank["customer_monthly"], bank["time_deposits"]
    assert (cm.groupby("cust_id").size() == 12).all() and len(cm) == 12 * len(bank["customers"])
    assert cm["month"].min() == pd.Timestamp("2025-12-01") and cm["month"].max() == pd.Timestamp("2026-11-01")
    # 定期日均 of November 2026, by hand: balance × days held in November / 30
    start = td["value_date"].clip(lower=pd.Timestamp("2026-11-01"))
    days = (pd.Timestamp("2026-12-01") - start).dt.days.clip(lower=0)
    hand = (td["balance"] * days / 30).groupby(td["cust_id"]).sum()
    nov = cm[cm["month"] == pd.Timestamp("2026-11-01")].set_index("cust_id")
    assert np.allclose(nov["td_avg"], hand.reindex(nov.index).fillna(0.0), atol=0.006)
    # and of June 2026 (30 days), deposits valued later count from their value date
    start = td["value_date"].clip(lower=pd.Timestamp("2026-06-01"))
    days = (pd.Timestamp("2026-07-01") - start).dt.days.clip(lower=0, upper=30)
    hand = (td["balance"] * days / 30).groupby(td["cust_id"]).sum()
    jun = cm[cm["month"] == pd.Timestamp("2026-06-01")].set_index("cust_id")
    assert np.allclose(jun["td_avg"], hand.reindex(jun.index).fillna(0.0), atol=0.006)
    assert np.allclose(cm["dep_avg"], cm["td_avg"] + cm["dd_avg"], atol=0.011)
    # flows: inflow − outflow = change of the month-end balance (from the second month on)
    s = cm.sort_values(["cust_id", "month"])
    d = s.groupby("cust_id")["dep_eom"].diff()
    ok = d.notna()
    assert np.allclose((s["inflow"] - s["outflow"])[ok], d[ok], atol=0.011)
    assert (s["inflow"] >= 0).all() and (s["outflow"] >= 0).all()
    assert (cm["mgr_id"] == cm["cust_id"].map(bank["customers"].set_index("cust_id")["mgr_id"])).all()


def test_bundled_sample_workbooks_are_current(tmp_path):
    """workbooks/样例_*.xlsx (what `bankxl sample` writes by default) equal a fresh build, byte for byte."""
    from pathlib import Path

    from bankxl.sample import make_sample_bank, write_sample_workbooks

    bundled = Path(__file__).resolve().parents[1] / "workbooks"
    fresh = write_sample_workbooks(make_sample_bank(), tmp_path)
    assert fresh
    for p in fresh:
        assert (bundled / p.name).read_bytes() == p.read_bytes(), f"{p.name}: run `bankxl sample` to refresh"
