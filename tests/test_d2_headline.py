"""D2 存款到期视图, issue 10: the 概览 headline (figures by hand on the D2 test bank of test_d2_maturity), the
排班 / 大额到期客户 / 提醒名单 layout and the list notes that name their own strategy parameter."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from bankxl.lists import Rule, score_list
from bankxl.report.xlsx import write_report
from bankxl.scenario import RunContext

try:
    from test_d2_maturity import AS_OF, CUSTOMERS, ORGS, STAFF_ROWS, execute, make_td
except ImportError:  # run from the repository root as a package
    from tests.test_d2_maturity import AS_OF, CUSTOMERS, ORGS, STAFF_ROWS, execute, make_td


def _report(td=None, params=None):
    tables = {"time_deposits": make_td() if td is None else td, "orgs": ORGS, "customers": CUSTOMERS}
    return execute("deposit.maturity", tables, params or {}, as_of=AS_OF)


@pytest.fixture(scope="module")
def report():
    return _report()


def _figures(report) -> dict:
    return {f.label: f for f in report.headline.figures}


def test_headline_figures_by_hand(report):
    """Data date Wed 2026-09-09. Within 1–30 days (contractual 到期日): A05 09-10 (dtm 1) 12,000, A04 09-16 (7)
    49,999.99, A03 09-24 (15) 600,000, A13 09-30 (21) 50,000, A06 10-01 (22) 200,000, A01 10-09 (30) 100,000
    = 1,011,999.99 元 = 101.199999 万元, 6 笔, 4 户 (C1 A01+A06, C2, C3 A04+A13, C4). The next 30 days (31–60):
    A02 10-20 (41) 50,000 = 5 万元, 1 笔. 已到期未支取: A07 30,000 + A08 (no 到期日: 2024-02-29 + 12 月 =
    2025-02-28) 1,000,000 = 103 万元, 2 笔. 大额到期客户: C2 (600,000 ≥ 500,000; C1's 350,000 is below) = 1.
    提醒名单: A03 (70 分) is the only A of 4 rows. No 自动转存 column: the share is unknown, blank (not 0)."""
    f = _figures(report)
    assert list(f) == ["30天内到期金额", "30天内到期笔数", "已到期未支取", "大额到期客户", "今日提醒 A 级",
                       "30天内到期自动转存占比"]
    amt = f["30天内到期金额"]
    assert amt.value == pytest.approx(101.199999) and amt.unit == "万元"
    assert amt.compare_label == "其后30天" and amt.compare == pytest.approx(5.0)
    cnt = f["30天内到期笔数"]
    assert (cnt.value, cnt.compare) == (6, 1) and "4 户" in cnt.note
    od = f["已到期未支取"]
    assert od.value == pytest.approx(103.0) and od.note.startswith("2 笔")
    assert f["大额到期客户"].value == 1
    a = f["今日提醒 A 级"]
    # a part of the list is not compared with (subtracted from) the whole list: the list's size is in the note
    assert (a.value, a.compare_label, a.compare) == (1, None, None) and a.note.startswith("提醒名单共 4 笔")
    auto = f["30天内到期自动转存占比"]
    assert auto.value is None and "自动转存" in auto.note
    h = report.headline
    assert h.actions == "reminders" and h.chart.table == "by_month" and h.chart.series == ["到期金额(万元)"]


def test_headline_auto_renew_share_and_window_parameter():
    """自动转存: A01 and A05 是, A03 blank, every other deposit 否. Known within 30 days: A01 100,000 + A04
    49,999.99 + A05 12,000 + A06 200,000 + A13 50,000 = 411,999.99; 是: 112,000 -> 27.18%; A03 is left out of the
    denominator and said. 概览到期天数 7: dtm 1–7 = A05 + A04 = 6.199999 万元, 2 笔; dtm 8–14: none (0, not blank)."""
    td = make_td()
    td["auto_renew"] = pd.array([x in ("A01", "A05") for x in td["acct_no"]], dtype="boolean")
    td.loc[td["acct_no"].eq("A03"), "auto_renew"] = pd.NA
    r = _report(td)
    auto = _figures(r)["30天内到期自动转存占比"]
    assert auto.value == pytest.approx(112_000 / 411_999.99) and auto.note == "1 笔未填自动转存, 不计入分母"
    f = _figures(_report(params={"headline_days": 7}))
    assert f["7天内到期金额"].value == pytest.approx(6.199999) and f["7天内到期金额"].compare == 0
    assert (f["7天内到期笔数"].value, f["7天内到期笔数"].compare) == (2, 0)
    assert f["7天内到期金额"].compare_label == "其后7天"


def test_headline_sheet_written_first(report, tmp_path):
    wb = openpyxl.load_workbook(write_report(report, tmp_path / "d2.xlsx"))
    assert wb.sheetnames[0] == "概览"
    ws = wb["概览"]
    cells = {r[0].value: [c.value for c in r] for r in ws.iter_rows() if r[0].value}
    assert cells["30天内到期金额"][1] == pytest.approx(101.199999) and cells["30天内到期金额"][4] == pytest.approx(5.0)
    assert cells["30天内到期自动转存占比"][1] is None  # unknown: blank, never 0
    assert len(ws._charts) == 1
    # the top actions: 提醒名单 by rank, A03's customer C2 first
    header = next(r for r in ws.iter_rows() if r[0].value == "排名")
    assert ws.cell(header[0].row + 1, 2).value == "C2"


def test_large_customer_list_has_its_own_sheet_and_names_its_strategy():
    """K1 (550,000) is the one large customer of STAFF_ROWS. The list is on 大额到期客户, not under the 排班
    schedule; its note names 参数「大额名单策略表」 (score_list's strategy_label), never the 提醒名单's 「策略表」."""
    tables = {"time_deposits": make_td(STAFF_ROWS), "orgs": ORGS}
    r = execute("deposit.maturity", tables, as_of=AS_OF)
    large = r.sheet("大额到期客户")
    assert [b.name for b in large.blocks if hasattr(b, "df")] == ["large_customers"]
    assert large.table("large_customers").df["客户号"].tolist() == ["K1"]
    assert [b.name for b in r.sheet("排班").blocks if hasattr(b, "df")] == ["staffing"]
    lines = [x for b in large.blocks if hasattr(b, "lines") for x in b.lines]
    assert any("参数「大额名单策略表」: A 5 个工作日" in x for x in lines)
    assert not any("参数「策略表」" in x for x in lines)


def test_score_list_names_the_strategy_parameter_it_was_given():
    ctx = RunContext(as_of=pd.Timestamp("2026-09-09"))
    frame = pd.DataFrame({"cust_id": ["K1"], "big": [True]})
    rules = (Rule("big", "大额", points=60, when="big"),)
    plain = score_list(frame, rules, (("A", 0),), (("A", "面访", 5),), ctx)
    named = score_list(frame, rules, (("A", 0),), (("A", "面访", 5),), ctx, strategy_label="网贷名单策略表")
    assert any("参数「策略表」" in n for n in plain.note)
    assert any("参数「网贷名单策略表」: A 5 个工作日" in n for n in named.note)
    assert not any("「策略表」" in n for n in named.note)


def test_staffing_data_bar_only_when_staff_days_differ():
    """STAFF_ROWS on 2026-09-15 at O11: 3 customers. 人均日处理客户数 20: 所需人天 = 1 in the only row -> no data
    bar, the note says why; 人均 2 -> ceil(3 / 2) = 2 at O11 (and 1 at O12 for S5 on 09-14 in the full test
    bank) -> a data bar."""
    tables = {"time_deposits": make_td(STAFF_ROWS), "orgs": ORGS}
    sheet = execute("deposit.maturity", tables, as_of=AS_OF).sheet("排班")
    t = sheet.table("staffing")
    assert t.df["所需人天"].tolist() == [1] and t.conditional == []
    assert any("所需人天 在全部 1 行都是 1" in x and "不加数据条" in x for x in sheet.blocks[0].lines)
    rows = [*STAFF_ROWS, ("S5", "K4", "O12", "整存整取", "2025-09-13", "2026-09-13", 12, 0.015, 10_000.0)]
    sheet = execute("deposit.maturity", {"time_deposits": make_td(rows), "orgs": ORGS},
                    {"customers_per_staff_day": 2}, as_of=AS_OF).sheet("排班")
    t = sheet.table("staffing")
    assert t.df["所需人天"].tolist() == [1, 2] and [c.kind for c in t.conditional] == ["data_bar"]


def test_reminder_list_paper_columns_first_and_header_frozen(report, tmp_path):
    """The columns a 客户经理 needs on paper come first (§6 order kept), the deposit's particulars after 截止日;
    the list's own header row is frozen (it sat below 15 rows of notes, so nothing was frozen)."""
    rem = report.tables()["reminders"].df
    cols = list(rem.columns)
    assert cols[:3] == ["排名", "提醒节点", "客户号"]
    after = cols[cols.index("截止日") + 1:]
    assert after == ["账号", "证件号码(脱敏)", "支行/网点", "存期", "利率", "起息日", "距到期天数", "本息说明", "自动转存",
                     "理财经理跟进"]
    # a list longer than a screen (the sample bank's) freezes its own header row
    from bankxl import sample

    tables = sample.make_sample_bank(customers=2000, seed=3, as_of="2026-11-30")
    r = execute("deposit.maturity", {k: tables[k] for k in ("time_deposits", "orgs", "customers")}, as_of="2026-11-30")
    assert len(r.tables()["reminders"].df) > 30
    wb = openpyxl.load_workbook(write_report(r, tmp_path / "d2.xlsx"))
    ws = wb["提醒名单"]
    ref = ws.tables["reminders"].ref
    header_row = int("".join(ch for ch in ref.split(":")[0] if ch.isdigit()))
    assert ws.freeze_panes is not None and int("".join(ch for ch in ws.freeze_panes if ch.isdigit())) == header_row + 1


def test_screen_columns_are_collapsed_and_not_printed(report, tmp_path):
    """The deposit particulars after 截止日 are hidden in a collapsed column group (one click shows them) and lie
    outside the print area, which ends at 截止日; the 60-day calendar chart is a date axis labelled every 7
    days (60 daily labels overprinted each other in LibreOffice)."""
    import re
    import zipfile

    from openpyxl.utils import get_column_letter

    p = write_report(report, tmp_path / "d2.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["提醒名单"]
    ref = ws.tables["reminders"].ref
    header_row = int(re.sub(r"\D", "", ref.split(":")[0]))
    heads = [c.value for c in ws[header_row]]
    due = heads.index("截止日") + 1
    hidden = {j for d in ws.column_dimensions.values() if d.hidden and d.outline_level == 1
              for j in range(d.min, d.max + 1)}  # a <col> entry may cover a run of columns
    assert hidden == set(range(due + 1, len(heads) + 1))
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    assert re.search(r":\$?([A-Z]+)\$?\d+$", area).group(1) == get_column_letter(due)
    with zipfile.ZipFile(p) as z:
        xml = next(z.read(n).decode() for n in z.namelist()
                   if n.startswith("xl/charts/") and "每日实际可支取金额" in z.read(n).decode())
    assert "<c:dateAx>" in xml and '<c:majorUnit val="7"/>' in xml and 'formatCode="mm-dd"' in xml


def test_no_developer_words_on_user_sheets(report):
    """Notes, 说明 method lines and the headline speak Chinese: no 'SCENARIOS.md', module paths, Excel table ids
    or parameter choice ids (following / exclude …) — issue 10 item 7. The parameter choices are named by their
    中文 labels (到期日遇节假日 = 顺延, 通知存款处理 = 不计入)."""
    import re

    texts = [*report.method, *report.notes, *report.headline.lines]
    texts += [str(x) for s in report.sheets for b in s.blocks if hasattr(b, "lines") for x in b.lines]
    words = re.compile(r"SCENARIOS|bankxl\.|maturity_|\b(following|preceding|exclude|seven_days)\b")
    assert not [t for t in texts if words.search(t)]
    assert any("参数「到期日遇节假日」= 顺延" in t for t in report.method)
    assert any("参数「通知存款处理」= 不计入" in t for t in report.method)
