"""Issue 8, currency of the input: ``bankxl run --currency`` / 参数 通用 币种 / a currency in a header
(``余额(EUR)``) label every money column in that currency (千EUR or EUR, never 元/万元), 说明 says it; an
unknown code or two currencies in one run is a clean error (exit 2)."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import DataValidationError, ParameterError
from bankxl.runner import merge_settings, run_scenario
from bankxl.scenario import RunContext, parse_currency
from bankxl.tables import get_table


def _csv(td: pd.DataFrame, path, balance_header: str | None = None, rate_header: str | None = None):
    """time deposits as a UTF-8 CSV with Chinese headers; the balance header is ``balance_header`` (default
    余额, no unit: a 元 header would say CNY)."""
    spec = get_table("time_deposits")
    cols = [c for c in spec.columns if c.id in td.columns and c.id not in ("ccy",)]
    out = pd.DataFrame({c.label: td[c.id] for c in cols})
    for c in cols:
        if c.kind == "date":
            out[c.label] = td[c.id].dt.strftime("%Y-%m-%d")
    out = out.rename(columns={spec.column("balance").label: balance_header or "余额"})
    out.to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.fixture
def td(sample_bank):
    return sample_bank["time_deposits"].head(60).copy()


def _money_headers(path) -> list[str]:
    """Every header cell of every sheet that names a unit in brackets."""
    found = []
    for name, df in pd.read_excel(path, sheet_name=None, header=None, engine="calamine").items():
        for v in map(str, df.to_numpy().ravel()):
            if "(" in v and v.endswith(")") and any(u in v for u in ("元", "EUR", "CZK", "USD")):
                found.append(v)
    return found


def _about(path) -> dict:
    df = pd.read_excel(path, sheet_name="说明", header=None, engine="calamine")
    return {str(k): str(v) for k, v in zip(df[0], df[1]) if pd.notna(k) and pd.notna(v)}


def test_currency_option_labels_money_in_that_currency(td, tmp_path):
    src = _csv(td, tmp_path / "x.csv")
    out = tmp_path / "eur.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--currency", "eur"]) == 0
    heads = _money_headers(out)
    assert heads and not [h for h in heads if "元" in h], heads
    assert any(h.endswith("(千EUR)") for h in heads) and any(h.endswith("(EUR)") for h in heads)
    assert _about(out)["金额单位"].startswith("千EUR(原始数据币种 EUR")
    # thresholds are in the data's currency too: 说明's parameter units and the D2 notes say EUR, not 元
    about = pd.read_excel(out, sheet_name="说明", header=None, engine="calamine").astype(object)
    row = about[about[0].eq("large_customer")].iloc[0].tolist()
    # 说明 shows values as a bank user reads them (scenario._fmt_value: 500000.0 -> 500,000)
    assert row[:4] == ["large_customer", "大额客户门槛", "500,000", "EUR"], row
    cells = [str(v) for df in pd.read_excel(out, sheet_name=None, header=None, engine="calamine").values()
             for v in df.to_numpy().ravel()]
    assert any("≥ 500,000 EUR" in c for c in cells) and not any("500,000 元" in c for c in cells)
    # the amounts: 千EUR = balance / 1000 (the 到期明细 detail carries one money column, 金额(千EUR))
    det = pd.read_excel(out, sheet_name="到期明细", header=None, engine="calamine")
    hdr = det.index[det.eq("金额(千EUR)").any(axis=1)][0]
    det.columns = det.iloc[hdr]
    det = det.iloc[hdr + 1:]
    amounts = pd.to_numeric(det["金额(千EUR)"], errors="coerce").dropna()
    assert len(amounts) > 10
    assert (amounts * 1000).round(2).isin(td["balance"].round(2)).all()


def test_currency_in_a_header_is_honoured_without_option(td, tmp_path):
    src = _csv(td, tmp_path / "x.csv", balance_header="余额(EUR)")
    res = run_scenario("D2", [src], tmp_path / "h.xlsx")
    assert res.report.meta["currency"] == "EUR" and res.report.meta["unit"] == "千EUR"
    assert _about(tmp_path / "h.xlsx")["金额单位"].startswith("千EUR")


def test_two_currencies_in_one_run_is_an_error(td, tmp_path, capsys):
    src = _csv(td, tmp_path / "x.csv", balance_header="余额(USD)")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--currency", "EUR"]) == 2
    err = capsys.readouterr().err
    assert "USD" in err and "EUR" in err and "余额" in err and "内部错误" not in err
    # a 元 header is CNY: EUR data cannot be labelled so
    src2 = _csv(td, tmp_path / "y.csv", balance_header="余额(元)")
    with pytest.raises(DataValidationError, match="CNY"):
        run_scenario("D2", [src2], None, currency="EUR")
    assert not (tmp_path / "o.xlsx").exists()


def test_unknown_currency_code_fails_before_loading(tmp_path, capsys, monkeypatch):
    from bankxl import io as bio

    monkeypatch.setattr(bio, "read_tables", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    src = tmp_path / "x.csv"
    src.write_text("账号\n1\n", encoding="utf-8")
    for bad in ("XYZ", "EURO", "12", "€€"):
        assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--currency", bad]) == 2
        err = capsys.readouterr().err
        assert "币种" in err and "ISO 4217" in err and bad in err, err


def test_parse_currency_forms():
    assert [parse_currency(x) for x in ("EUR", "eur", " CZK ", "人民币", "欧元", "¥", "€", "USD")] == [
        "EUR", "EUR", "CZK", "CNY", "EUR", "CNY", "EUR", "USD"]
    with pytest.raises(ParameterError):
        parse_currency("ABC")


def test_param_table_currency_row_reaches_the_run(td, tmp_path):
    """参数 通用 币种 (CLI --params, and the ribbon through the same read_settings/merge_settings)."""
    from bankxl.paramsheet import COMMON, read_settings
    from bankxl.scenario import get_scenario

    assert "币种" in set(COMMON["名称"])  # the 参数 sheet offers it
    spec = get_scenario("D2")
    _, common = read_settings(pd.DataFrame([{"场景": "通用", "参数": "", "名称": "币种", "取值": "czk"}]), spec)
    assert merge_settings({}, common)["currency"] == "CZK"
    assert merge_settings({"currency": "EUR"}, common)["currency"] == "EUR"  # explicit beats the table
    prm = tmp_path / "p.csv"
    prm.write_text("场景,参数,名称,取值\n通用,currency,币种,CZK\n通用,scale,金额单位,元\n", encoding="utf-8")
    src = _csv(td, tmp_path / "x.csv")
    out = tmp_path / "czk.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out), "--params", str(prm)]) == 0
    assert _about(out)["金额单位"].startswith("CZK(原始数据币种 CZK")
    bad = tmp_path / "bad.csv"
    bad.write_text("场景,参数,名称,取值\n通用,currency,币种,XYZ\n", encoding="utf-8")
    assert main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "b.xlsx"), "--params", str(bad)]) == 2


def test_run_context_units_never_say_yuan_for_foreign_money():
    assert (RunContext("2026-11-30").unit, RunContext("2026-11-30", scale=1).unit) == ("万元", "元")
    eur = RunContext("2026-11-30", currency="EUR")
    assert (eur.unit, eur.base_unit, eur.money_label("余额"), eur.base_label("余额")) == (
        "千EUR", "EUR", "余额(千EUR)", "余额(EUR)")
    assert eur.money(pd.Series([12_345.0])).tolist() == [12.345]
    assert RunContext("2026-11-30", currency="USD", scale=1).unit == "USD"


def test_cny_default_unchanged(td, tmp_path):
    src = _csv(td, tmp_path / "x.csv", balance_header="余额(元)")
    res = run_scenario("D2", [src], None)
    assert (res.report.meta["currency"], res.report.meta["unit"]) == ("CNY", "万元")


def test_ribbon_param_sheet_offers_and_uses_currency(tmp_path):
    """The ribbon reaches what --currency does through the 参数 sheet: an existing sheet made before 币种 existed
    gains the row, and 币种 EUR labels the report in EUR."""
    import openpyxl
    from test_xl_ribbon import FileBridge, _set_common, write_export

    from bankxl.sample import make_sample_bank
    from bankxl.xl import ribbon

    td = make_sample_bank(customers=40, seed=7, as_of="2026-11-30")["time_deposits"].head(8)
    p = write_export(tmp_path / "s.xlsx", td)
    wb = openpyxl.load_workbook(p)
    for row in wb["导出"].iter_rows():
        for c in row:
            if c.value == "余额(元)":
                c.value = "余额"  # no 元 in the header: the 参数 sheet says the currency
            elif c.value == "CNY":
                c.value = None  # nor the 币种 column (CNY there contradicts 币种 EUR: test_safety_followups)
    ws = wb.create_sheet("参数")  # an old 参数 sheet: no 币种 row
    ws.append(["场景", "参数", "名称", "取值", "单位", "说明"])
    ws.append(["通用", "scale", "金额单位", "万元", "", ""])
    wb.save(p)
    fb = FileBridge(p, "导出", "A5")
    assert ribbon.on_action("deposit.maturity", bridge=fb).ok
    names = [fb.wb["参数"].cell(r, 3).value for r in range(1, fb.wb["参数"].max_row + 1)]
    assert "币种" in names and names.count("金额单位") == 1
    _set_common(fb, "currency", "EUR")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok, res.message
    assert _about(res.report_path)["金额单位"].startswith("千EUR(原始数据币种 EUR")
