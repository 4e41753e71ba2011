"""bankxl.sample: the synthetic sample bank. Expected values are computed independently here."""

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from bankxl import sample
from bankxl.sample import PLANTED_PAYROLL_ERRORS, make_sample_bank, write_sample_workbooks
from bankxl.tables import PAY_DEDUCTIONS, PAY_ITEMS, get_table

AS_OF = pd.Timestamp("2026-11-30")
TABLE_IDS = ("orgs", "customers", "time_deposits", "org_daily_balances", "deposit_targets", "payroll")
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
        k: (v.head(300) if k in ("time_deposits", "customers", "org_daily_balances", "payroll") else v)
        for k, v in bank.items()
    }
    paths = write_sample_workbooks(small, tmp_path / "out")
    assert [p.name for p in paths] == ["样例_定期存款.xlsx", "样例_存款目标.xlsx", "样例_员工工资.xlsx"]
    assert sorted(x.name for x in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in paths
    )  # no temp files
    sheets = {
        "样例_定期存款.xlsx": ["定期存款明细", "客户", "机构"],
        "样例_存款目标.xlsx": ["存款目标", "机构日余额", "机构"],
        "样例_员工工资.xlsx": ["员工工资"],
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
    with pytest.raises(ValueError, match="CSV"):
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
