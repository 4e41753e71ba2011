"""bankxl.datasets: the UCI and Berka adapters against facts computed independently from the raw files
(csv module directly on the files, not via the adapters), the shipped UCI file, and demo_runs.

UCI facts come from the copy bundled in the package (bankxl/data/bank-full.csv.gz), so they run in a fresh
clone; only the comparison with ../shared/data's copy and the bank.csv sample need that folder."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from bankxl.datasets import berka as berka_mod
from bankxl.datasets import demo_runs, load_berka, load_uci_bank_marketing
from bankxl.tables import get_table

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BERKA = DATA / "berka_pkdd99_financial"
UCI = DATA / "uci_bank_marketing"

need_berka = pytest.mark.skipif(not (BERKA / "loan.csv").is_file(),
                                reason=f"Berka data not found at {BERKA} (present in CI)")
need_uci = pytest.mark.skipif(not (UCI / "bank-full.csv.gz").is_file(),
                              reason=f"UCI data not found at {UCI} (present in CI)")
#: the UCI file shipped inside the package: always there
BUNDLED_UCI = Path(__file__).resolve().parents[1] / "bankxl" / "data" / "bank-full.csv.gz"


def _rows(path: Path) -> list[dict]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter=";"))


@pytest.fixture(scope="module")
def berka():
    if not (BERKA / "loan.csv").is_file():
        pytest.skip(f"Berka data not found at {BERKA}")
    return load_berka(BERKA)


@pytest.fixture(scope="module")
def uci():
    return load_uci_bank_marketing()


def table_frame(ws, name: str) -> pd.DataFrame:
    """An Excel table (ListObject) of a worksheet read back as a DataFrame (header = first row of its ref)."""
    ref = ws.tables[name].ref
    rows = [[c.value for c in r] for r in ws[ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _check_canonical(table_id: str, df: pd.DataFrame):
    empty = get_table(table_id).empty()
    for c in empty.columns:
        assert c in df.columns, (table_id, c)
        assert df[c].dtype == empty[c].dtype, (table_id, c, df[c].dtype, empty[c].dtype)


# ---------------------------------------------------------------------------------------------- shipped UCI
def test_shipped_uci_file_is_the_published_one():
    from importlib.resources import files

    gz = files("bankxl").joinpath("data", "bank-full.csv.gz").read_bytes()
    assert hashlib.sha256(gz).hexdigest() == "a33820520e31d26b498e31003e99eb0e477690b699a38eade375acf3b3004dcd"
    lic = files("bankxl").joinpath("data", "UCI_BANK_MARKETING_LICENSE.md").read_text("utf-8")
    assert "CC BY 4.0" in lic and "10.24432/C5K306" in lic


def test_uci_tables_are_canonical_and_in_eur(uci):
    assert set(uci) == {"customers", "product_holdings", "customer_monthly"}
    for k, df in uci.items():
        _check_canonical(k, df)
        assert df.attrs["currency"] == "EUR"
    c = uci["customers"]
    assert len(c) == 45211 and c["cust_id"].is_unique
    # published summary statistics (PROVENANCE.md): age 18–95, y yes 5,289
    assert c["age"].min() == 18 and c["age"].max() == 95
    assert int(c["outcome_y"].sum()) == 5289
    # first data row: 58, management, married, tertiary, balance 2143, housing yes, loan no (CSV line 2)
    first = c.iloc[0]
    assert (first["cust_id"], int(first["age"]), first["job"], first["marital"], int(first["_row"])) == \
        ("U00001", 58, "管理人员(management)", "已婚(married)", 2)
    h = uci["product_holdings"]
    u1 = h[h["cust_id"] == "U00001"].set_index("product")
    assert u1.loc["结算账户", "balance"] == 2143.0
    assert bool(u1.loc["个人住房贷款", "held"]) and not bool(u1.loc["个人消费贷款", "held"])
    # the campaign outcome is not a holding
    assert "定期存款" not in set(h["product"])


def test_uci_housing_holders_and_personal_loan_coverage_from_raw(uci):
    raw = _rows(BUNDLED_UCI)  # the bundled file read with the csv module (independent of the adapter)
    assert len(raw) == 45211
    housing = [r for r in raw if r["housing"] == "yes"]
    both = [r for r in housing if r["loan"] == "yes"]
    bal = sum(float(r["balance"]) for r in raw)
    h = uci["product_holdings"]
    held = h[h["held"].astype(bool)]
    assert (held["product"] == "个人住房贷款").sum() == len(housing) == 25130
    mort = set(held.loc[held["product"] == "个人住房贷款", "cust_id"])
    pl = set(held.loc[held["product"] == "个人消费贷款", "cust_id"])
    assert len(mort & pl) == len(both)
    assert round(len(both) / len(housing), 6) == round(4367 / 25130, 6)
    assert h.loc[h["product"] == "结算账户", "balance"].sum() == pytest.approx(bal)
    c = uci["customers"]
    assert int(c["outcome_y"].sum()) == sum(r["y"] == "yes" for r in raw)
    assert c["age"].min() == min(int(r["age"]) for r in raw) and c["age"].max() == max(int(r["age"]) for r in raw)


@pytest.mark.realdata
@need_uci
def test_bundled_uci_equals_shared_data_copy():
    """The bundled file is byte-identical to ../shared/data's (skips where that folder is absent)."""
    assert BUNDLED_UCI.read_bytes() == (UCI / "bank-full.csv.gz").read_bytes()


@pytest.mark.realdata
@pytest.mark.skipif(not (UCI / "bank.csv").is_file(), reason=f"UCI bank.csv not found at {UCI}")
def test_uci_small_sample_loads_through_the_same_path():
    # bank.csv (the 10% sample, not bundled) loads through the same path
    small = load_uci_bank_marketing(UCI / "bank.csv")
    assert len(small["customers"]) == len(_rows(UCI / "bank.csv")) == 4521


# ---------------------------------------------------------------------------------------------- Berka
@pytest.mark.realdata
@need_berka
def test_berka_loan_status_counts(berka):
    raw = Counter(r["status"] for r in _rows(BERKA / "loan.csv"))
    assert raw == {"A": 203, "B": 31, "C": 403, "D": 45}
    assert dict(berka["loans"]["status"].value_counts()) == {"C": 403, "A": 203, "D": 45, "B": 31}
    assert berka["loans"]["amount"].sum() == 103_261_740


@pytest.mark.realdata
@need_berka
def test_berka_loan_dates_and_finish(berka):
    lo = berka["loans"].set_index("loan_id")
    # loan.csv line 2: 5314;1787;930705;96396;12;8033.00;"B"
    r = lo.loc["5314"]
    assert (r["start_date"], r["maturity_date"]) == (pd.Timestamp("1993-07-05"), pd.Timestamp("1994-07-05"))
    assert pd.isna(r["end_date"])  # loan.csv has no finish date: unknown, not start + term
    assert (r["term_m"], r["monthly_payment"], r["status"], r["acct_no"]) == (12, 8033.0, "B", "1787")
    fin = lo["status"].isin(["A", "B"])
    assert lo["end_date"].isna().all()
    assert lo.loc[fin, "maturity_date"].max() <= pd.Timestamp("1998-12-31") < lo.loc[~fin, "maturity_date"].min()
    # the borrower is the account's OWNER (disp.csv)
    owner = {r["account_id"]: r["client_id"] for r in _rows(BERKA / "disp.csv") if r["type"] == "OWNER"}
    assert lo.loc["5314", "cust_id"] == owner["1787"]
    assert lo["cust_id"].notna().all() and lo["cust_id"].is_unique  # no client has a second loan


@pytest.mark.realdata
@need_berka
def test_berka_uver_orders_and_other_bank(berka):
    orders = _rows(BERKA / "order.csv")
    loans = {r["account_id"]: float(r["payments"]) for r in _rows(BERKA / "loan.csv")}
    uver = [o for o in orders if o["k_symbol"] == "UVER"]
    own = [o for o in uver if o["account_id"] in loans and abs(float(o["amount"]) - loans[o["account_id"]]) <= 1]
    other = [o for o in uver if o["account_id"] not in loans]
    assert (len(uver), len(own), len(other)) == (717, 682, 35)
    po = berka["payment_orders"]
    assert (po["purpose_code"] == "UVER").sum() == 717 and (po["purpose"] == "贷款还款").sum() == 717
    assert dict(po["purpose_code"].value_counts(dropna=False).rename(index=lambda k: "" if pd.isna(k) else k)) == \
        {"SIPO": 3502, "": 1379, "UVER": 717, "POJISTNE": 532, "LEASING": 341}
    # the same other-bank count from the canonical tables: UVER orders of accounts without a loan here
    lo_acc = set(berka["loans"]["acct_no"])
    assert ((po["purpose_code"] == "UVER") & ~po["acct_no"].isin(lo_acc)).sum() == 35
    assert (po["ccy"] == "CZK").all()


@pytest.mark.realdata
@need_berka
def test_berka_clients_sex_and_birth_date(berka):
    raw = _rows(BERKA / "client.csv")
    women = sum(int(r["birth_number"][2:4]) > 50 for r in raw)
    c = berka["customers"]
    assert (c["sex"] == "女").sum() == women and (c["sex"] == "男").sum() == len(raw) - women
    assert c["birth_date"].notna().all()
    # client 1: birth_number 706213 -> woman born 1970-12-13; client 2: 450204 -> man born 1945-02-04
    one = c.set_index("cust_id")
    assert (one.loc["1", "sex"], one.loc["1", "birth_date"]) == ("女", pd.Timestamp("1970-12-13"))
    assert (one.loc["2", "sex"], one.loc["2", "birth_date"]) == ("男", pd.Timestamp("1945-02-04"))


@pytest.mark.realdata
@need_berka
def test_berka_orgs_regions_and_holdings(berka):
    d = _rows(BERKA / "district.csv")
    o = berka["orgs"].set_index("org_id")
    assert len(o) == len(d) + 1 == 78
    assert o.loc["1", "org_name"] == "Hl.m. Praha" and o.loc["1", "region"] == "布拉格(Prague)"
    assert o.loc[o["level"] == "网点", "region"].nunique() == len({r["A3"] for r in d}) == 8
    cards = _rows(BERKA / "card.csv")
    h = berka["product_holdings"]
    assert (h["product"] == "信用卡").sum() == len(cards) == 892
    assert dict(h["card_type"].value_counts()) == {"普卡(classic)": 659, "青年卡(junior)": 145, "金卡(gold)": 88}
    assert (h["product"] == "结算账户").sum() == len(_rows(BERKA / "client.csv"))
    for k, df in berka.items():
        _check_canonical(k, df)


def test_berka_date_and_birth_number_helpers():
    s = pd.Series(["930705", "981231 00:00:00"])
    assert list(berka_mod.berka_date(s)) == [pd.Timestamp("1993-07-05"), pd.Timestamp("1998-12-31")]
    b, sex = berka_mod.birth_number(pd.Series(["706213", "450204", "005101"]))
    assert list(b) == [pd.Timestamp("1970-12-13"), pd.Timestamp("1945-02-04"), pd.Timestamp("1900-01-01")]
    assert list(sex) == ["女", "男", "女"]


def test_load_berka_missing_folder_names_files(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        load_berka(tmp_path)
    assert "loan.csv" in str(e.value)


# ---------------------------------------------------------------------------------------------- demo
def test_demo_runs_without_berka_says_so(tmp_path):
    msgs = []
    rows = demo_runs(tmp_path, None, msgs.append)
    assert any("未找到 Berka 数据" in m and "跳过" in m for m in msgs)
    assert not any(r["数据集"].startswith("Berka") for r in rows)
    c6 = [r for r in rows if r["场景"].startswith("C6")]
    assert c6 and Path(c6[0]["文件"]).name == "UCI_C6_按揭客户交叉营销.xlsx"
    sizes = {r["工作表"]: r["行数"] for r in c6}
    assert sizes["营销名单"] == 1000 and sizes["按婚姻状况"] == 3
    wb = openpyxl.load_workbook(c6[0]["文件"])
    lst = table_frame(wb["营销名单"], "cross_sell_list")
    assert "存款(EUR)" in lst.columns and len(lst) == 1000
    assert list(lst["排名"][:3]) == [1, 2, 3]
    every = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows(max_row=60) for c in row if c.value]
    assert not any("(元)" in v or "(万元)" in v for v in every)
    about = " ".join(every)
    assert "10.24432/C5K306" in about and "2010-11-30" in about


@pytest.mark.realdata
@need_berka
def test_demo_runs_with_berka(tmp_path):
    rows = demo_runs(tmp_path, DATA, lambda m: None)
    files = {Path(r["文件"]).name for r in rows}
    assert "Berka_C9_贷款流失客户.xlsx" in files
    c9 = {r["工作表"]: r["行数"] for r in rows if r["场景"].startswith("C9")}
    assert c9["挽回名单"] == 203 and c9["不良结清"] == 31
    wb = openpyxl.load_workbook(tmp_path / "Berka_C9_贷款流失客户.xlsx")
    by_year = table_frame(wb["流失概览"], "churn_by_year")
    assert "年初余额(千CZK)" in by_year.columns
    assert by_year["流失客户数"].sum() == 203 and by_year["不良结清客户数"].sum() == 31
    assert wb["流失概览"]._charts and wb["区域热力"].conditional_formatting
