"""Berka / PKDD'99 "Financial" data (a Czech bank, 1993–1998) -> canonical tables.

Source files (not shipped: no explicit licence; ``bankxl demo --data DIR`` or ``load_berka(folder)`` picks
them up): ``account.csv client.csv disp.csv district.csv loan.csv order.csv card.csv``, ';'-separated,
strings in double quotes, dates ``YYMMDD`` (all 19xx; card.issued ``YYMMDD 00:00:00``). ``trans`` is not
used (not available). Cite: :data:`CITATION`.

**Currency: CZK** (Czech koruna); nothing is converted. Run scenarios with ``RunContext(currency="CZK")``.
**As-of date: 1998-12-31** (:data:`AS_OF`): the data end in December 1998.

Mapping (what maps to what)

=======================  =====================================================================================
Berka                    canonical
=======================  =====================================================================================
district A1/A2/A3        ``orgs``: ``org_id`` = district id (A1, as text), ``org_name`` = A2 (district name),
                         ``region`` = A3 in Chinese + original, e.g. ``南摩拉维亚(south Moravia)``; ``level``
                         网点, ``parent_id`` ``0`` (a 全行 row ``0`` 捷克某银行 is added). Extras
                         ``inhabitants`` (A4), ``avg_salary`` (A11, CZK), ``unemployment_96`` (A13, %).
                         The account's district is taken as the branch (网点) that keeps the account.
client                   ``customers``: ``cust_id`` = client_id; ``birth_number`` YYMMDD -> ``birth_date``
                         (19YY) and ``sex`` (女 when 50 was added to the month, else 男); ``org_id`` = district
                         of the account the client owns (disp OWNER; else the first account they may use);
                         ``open_date`` = that account's opening date; ``address`` = the client's home
                         district name (client.district_id). Extras ``home_district``, ``region``,
                         ``account_id``, ``disp_type`` (OWNER/DISPONENT).
loan                     ``loans``: ``loan_id``, ``acct_no`` = ``repay_acct`` = account_id, ``cust_id`` = the
                         account's OWNER, ``org_id`` = the account's district, ``start_date`` = date,
                         ``term_m`` = duration, ``maturity_date`` = start + duration months, ``amount``
                         (CZK; in every row amount = payments × duration), ``monthly_payment`` = payments,
                         ``repay_method`` 等额分期, ``status`` A/B/C/D unchanged (:data:`bankxl.tables.LOAN_STATUS`:
                         A finished OK, B finished unpaid, C running OK, D running in arrears), ``end_date`` left
                         empty: the data give no actual finish date (unknown, not guessed); C9 takes the
                         scheduled end ``maturity_date`` of a finished A/B loan and calls it 约定到期日 (those
                         of every A/B loan fall on or before 1998-12-28, of every C/D loan after 1998-12-31).
                         ``product`` 其他贷款 (the purpose is not given). Missing: ``balance`` (no balance
                         history; scenarios use the amount and say so), ``rate``, ``overdue_days``.
loan (status B/D)        ``npl_loans`` (R1): the 76 bad loans (31 B finished unpaid + 45 D running in arrears) with
                         ``loan_id``, ``cust_id`` (OWNER), ``org_id``, ``amount``, ``status``, ``start_date``,
                         ``maturity_date``. Unknown, left blank (never 0): ``principal`` (no balance), ``interest``,
                         ``classification``, ``overdue_days``, ``written_off``, guarantors. No ``deposit_accounts``:
                         the transaction/balance relation is not part of the files, so R1's coverage is unknown.
order                    ``payment_orders``: ``order_id``, ``acct_no`` = account_id, ``cust_id`` = the account's
                         OWNER, ``bank_to``, ``acct_to``, ``amount`` (CZK), ``purpose_code`` = k_symbol
                         (blank -> missing), ``purpose``: UVER 贷款还款 · SIPO 家庭费用 · POJISTNE 保险 · LEASING
                         租赁 · blank 其他; ``ccy`` CZK. Missing: ``start_date``. Bank codes are anonymised
                         two-letter codes: the bank's own code is unknown (a UVER order of an account with a
                         loan here, for the loan's instalment, is the repayment of that loan).
card + disp              ``product_holdings``: per client 结算账户 (every account they own or may use;
                         ``open_date`` = account date), 信用卡 (card.type classic/junior/gold in extra
                         ``card_type``; ``open_date`` = issued), 其他贷款 (held = loan status C/D, i.e.
                         running; ``balance`` unknown), 保险 (the client's account has a POJISTNE order).
=======================  =====================================================================================

Missing altogether: names, national ID numbers, phones, relationship managers, balances over time
(``trans`` not available), interest rates, collateral, loan purposes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._common import typed_frame

CURRENCY = "CZK"
AS_OF = pd.Timestamp("1998-12-31")
CITATION = ("Berka, P. (1999). Guide to the Financial Data Set. PKDD'99 Discovery Challenge, Prague "
            "(public research data, no explicit licence)")
SOURCE_NAME = "Berka PKDD'99 Financial (捷克某银行, 1993–1998)"
FILES = ("account.csv", "client.csv", "disp.csv", "district.csv", "loan.csv", "order.csv", "card.csv")

REGION_ZH = {"Prague": "布拉格", "central Bohemia": "中波希米亚", "south Bohemia": "南波希米亚",
             "west Bohemia": "西波希米亚", "north Bohemia": "北波希米亚", "east Bohemia": "东波希米亚",
             "south Moravia": "南摩拉维亚", "north Moravia": "北摩拉维亚"}
PURPOSE_ZH = {"UVER": "贷款还款", "SIPO": "家庭费用", "POJISTNE": "保险", "LEASING": "租赁"}
CARD_ZH = {"classic": "普卡", "junior": "青年卡", "gold": "金卡"}


def missing_files(folder: str | Path | None) -> list[str]:
    """The Berka files absent from ``folder`` (all of them when the folder is None or missing)."""
    if folder is None or not Path(folder).is_dir():
        return list(FILES)
    return [f for f in FILES if not (Path(folder) / f).is_file()]


def find_folder(data_dir: str | Path | None) -> Path | None:
    """``data_dir`` itself or its ``berka_pkdd99_financial`` subfolder, whichever holds the files."""
    if data_dir is None:
        return None
    for p in (Path(data_dir), Path(data_dir) / "berka_pkdd99_financial"):
        if not missing_files(p):
            return p
    return None


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, sep=";", quotechar='"', dtype=str, keep_default_na=False)


def berka_date(s: pd.Series) -> pd.Series:
    """``YYMMDD`` (optionally followed by `` 00:00:00``) -> datetime64, century 19xx; bad values -> NaT."""
    t = s.astype(str).str.strip().str[:6]
    return pd.to_datetime("19" + t, format="%Y%m%d", errors="coerce").astype("datetime64[ns]")


def birth_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """client.birth_number ``YYMMDD`` (women: MM + 50) -> (birth date, sex 男/女)."""
    t = s.astype(str).str.strip().str.zfill(6)
    mm = t.str[2:4].astype(int)
    female = mm > 50
    fixed = t.str[:2] + (mm - np.where(female, 50, 0)).astype(str).str.zfill(2) + t.str[4:6]
    birth = pd.to_datetime("19" + fixed, format="%Y%m%d", errors="coerce").astype("datetime64[ns]")
    sex = pd.Series(np.where(female, "女", "男"), index=s.index, dtype="string")
    return birth, sex


def _add_months(d: pd.Series, m: pd.Series) -> pd.Series:
    return pd.Series([x + pd.DateOffset(months=int(k)) if pd.notna(x) and pd.notna(k) else pd.NaT
                      for x, k in zip(d, m)], index=d.index, dtype="datetime64[ns]")


def load_berka(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Load the Berka files in ``folder`` as canonical tables (money in CZK).

    Returns ``{"orgs", "customers", "loans", "npl_loans", "payment_orders", "product_holdings"}`` typed as
    ``bankxl.tables.get_table(id).empty()`` plus the extras of the module docstring; ``_row`` is the CSV
    line of the source row (header = line 1). Raises ``FileNotFoundError`` naming the missing files.
    """
    folder = Path(folder)
    miss = missing_files(folder)
    if miss:
        raise FileNotFoundError(f"未找到 Berka 数据文件 {', '.join(miss)} (in {folder})")
    account = _read(folder, "account.csv")
    client = _read(folder, "client.csv")
    disp = _read(folder, "disp.csv")
    district = _read(folder, "district.csv")
    loan = _read(folder, "loan.csv")
    order = _read(folder, "order.csv")
    card = _read(folder, "card.csv")

    # orgs: one 网点 per district + a 全行 row
    num = lambda s: pd.to_numeric(s, errors="coerce")
    region = district["A3"].map(lambda r: f"{REGION_ZH.get(r, r)}({r})")
    orgs = typed_frame("orgs", {
        "org_id": pd.concat([pd.Series(["0"]), district["A1"]], ignore_index=True),
        "org_name": pd.concat([pd.Series(["捷克某银行(Berka)"]), district["A2"]], ignore_index=True),
        "parent_id": pd.Series([pd.NA] + ["0"] * len(district), dtype="string"),
        "level": pd.Series(["全行"] + ["网点"] * len(district), dtype="string"),
        "region": pd.concat([pd.Series(["全行"]), region], ignore_index=True),
    }, extras={
        "inhabitants": pd.concat([pd.Series([pd.NA]), num(district["A4"])], ignore_index=True).astype("Float64"),
        "avg_salary": pd.concat([pd.Series([pd.NA]), num(district["A11"])], ignore_index=True).astype("Float64"),
        "unemployment_96": pd.concat([pd.Series([pd.NA]), num(district["A13"])],
                                     ignore_index=True).astype("Float64"),
    }, rows=np.r_[pd.NA, np.arange(2, len(district) + 2)])
    dist_name = dict(zip(district["A1"], district["A2"]))
    dist_region = dict(zip(district["A1"], region))

    acc = account.assign(open=berka_date(account["date"]))
    acc_district = dict(zip(acc["account_id"], acc["district_id"]))
    acc_open = dict(zip(acc["account_id"], acc["open"]))
    owner = disp[disp["type"] == "OWNER"]
    acc_owner = dict(zip(owner["account_id"], owner["client_id"]))

    # customers: home account = the owned one, else the first they may use
    d_sorted = disp.assign(_o=(disp["type"] != "OWNER").astype(int), _a=num(disp["account_id"]))
    home = d_sorted.sort_values(["client_id", "_o", "_a"]).drop_duplicates("client_id").set_index("client_id")
    birth, sex = birth_number(client["birth_number"])
    home_acc = client["client_id"].map(home["account_id"])
    customers = typed_frame("customers", {
        "cust_id": client["client_id"], "sex": sex, "birth_date": birth,
        "org_id": home_acc.map(acc_district), "open_date": home_acc.map(acc_open),
        "address": client["district_id"].map(dist_name),
    }, extras={
        "home_district": client["district_id"].astype("string"),
        "region": home_acc.map(acc_district).map(dist_region).astype("string"),
        "account_id": home_acc.astype("string"),
        "disp_type": client["client_id"].map(home["type"]).astype("string"),
    }, rows=np.arange(2, len(client) + 2))

    # loans
    start = berka_date(loan["date"])
    term = num(loan["duration"]).astype("Int64")
    maturity = _add_months(start, term)
    status = loan["status"].str.strip()
    loans = typed_frame("loans", {
        "loan_id": loan["loan_id"], "cust_id": loan["account_id"].map(acc_owner),
        "org_id": loan["account_id"].map(acc_district), "acct_no": loan["account_id"],
        "product": pd.Series("其他贷款", index=loan.index), "start_date": start, "maturity_date": maturity,
        "amount": num(loan["amount"]).astype(float), "term_m": term,
        "repay_method": pd.Series("等额分期", index=loan.index),
        "monthly_payment": num(loan["payments"]).astype(float), "repay_acct": loan["account_id"],
        "status": status,  # end_date: unknown (loan.csv has no finish date), left empty
    }, rows=np.arange(2, len(loan) + 2))

    # NPL ledger (R1): the bad loans B/D; outstanding principal, interest, classification: not in the data
    bad = loans["status"].isin(["B", "D"]).to_numpy()
    npl = typed_frame("npl_loans", {c: loans.loc[bad, c] for c in ("loan_id", "cust_id", "org_id", "amount",
                                                                    "status", "start_date", "maturity_date")},
                      rows=loans.loc[bad, "_row"].to_numpy())

    # payment orders
    k = order["k_symbol"].str.strip()
    orders = typed_frame("payment_orders", {
        "order_id": order["order_id"], "cust_id": order["account_id"].map(acc_owner),
        "acct_no": order["account_id"], "bank_to": order["bank_to"].str.strip(),
        "acct_to": order["account_to"].str.strip(), "amount": num(order["amount"]).astype(float),
        "purpose": k.map(lambda v: PURPOSE_ZH.get(v, "其他")), "purpose_code": k.replace("", pd.NA),
        "ccy": pd.Series("CZK", index=order.index),
    }, rows=np.arange(2, len(order) + 2))

    # product holdings (long: client x product)
    parts = []
    acc_rows = disp.assign(open=disp["account_id"].map(acc_open))
    first_acc = acc_rows.groupby("client_id", sort=False)["open"].min()
    parts.append(pd.DataFrame({"cust_id": first_acc.index, "product": "结算账户", "held": True,
                               "open_date": first_acc.to_numpy(), "card_type": pd.NA}))
    cd = card.merge(disp[["disp_id", "client_id"]], on="disp_id", how="left")
    cd = cd.assign(issued=berka_date(cd["issued"])).sort_values("issued").drop_duplicates("client_id")
    parts.append(pd.DataFrame({"cust_id": cd["client_id"].to_numpy(), "product": "信用卡", "held": True,
                               "open_date": cd["issued"].to_numpy(),
                               "card_type": cd["type"].map(lambda t: f"{CARD_ZH.get(t, t)}({t})").to_numpy()}))
    lo = loans[["cust_id", "start_date", "status"]].dropna(subset=["cust_id"])
    parts.append(pd.DataFrame({"cust_id": lo["cust_id"].to_numpy(), "product": "其他贷款",
                               "held": lo["status"].isin(["C", "D"]).to_numpy(),
                               "open_date": lo["start_date"].to_numpy(), "card_type": pd.NA}))
    ins_acc = set(order.loc[k == "POJISTNE", "account_id"])
    ins = disp[disp["account_id"].isin(ins_acc)].drop_duplicates("client_id")
    parts.append(pd.DataFrame({"cust_id": ins["client_id"].to_numpy(), "product": "保险", "held": True,
                               "open_date": pd.NaT, "card_type": pd.NA}))
    h = pd.concat(parts, ignore_index=True)
    h["org_id"] = h["cust_id"].map(dict(zip(customers["cust_id"], customers["org_id"])))
    holdings = typed_frame("product_holdings", {c: h[c] for c in ("cust_id", "product", "held", "open_date",
                                                                  "org_id")},
                           extras={"card_type": h["card_type"].astype("string")})

    out = {"orgs": orgs, "customers": customers, "loans": loans, "npl_loans": npl, "payment_orders": orders,
           "product_holdings": holdings}
    srcs = {"orgs": "district.csv", "customers": "client.csv + disp.csv + account.csv",
            "loans": "loan.csv + disp.csv + account.csv", "npl_loans": "loan.csv (status B/D) + disp.csv + account.csv",
            "payment_orders": "order.csv + disp.csv",
            "product_holdings": "disp.csv + account.csv + card.csv + loan.csv + order.csv"}
    for kk, df in out.items():
        df.attrs.update({"source": srcs[kk], "currency": CURRENCY, "dataset": "Berka"})
    return out
