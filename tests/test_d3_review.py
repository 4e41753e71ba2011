"""D3 review fixes: the flow direction comes from a public rule helper (no private names of another module),
and customers whose 客户状态 is 销户/身故 are left out of the churn judgement (已剔除) with counts in 说明."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from bankxl.rules.transactions import CREDIT_WORDS, DEBIT_WORDS, flow_direction

CHURN_DIR = Path(__file__).resolve().parents[1] / "bankxl" / "scenarios" / "deposit" / "churn"


def test_flow_direction_by_hand():
    """借贷 values as exports write them: D/借/借方/支出/转出/- -> D, C/贷/收入/+ -> C (case folded: d, c);
    blank, missing and an unknown word (冲) -> <NA>, never guessed."""
    dc = pd.Series(["D", "d", "借方", "支出", "转出", "-", "C", "c", "贷", "收入", "+", "", None, "冲"],
                   index=range(10, 24), dtype="string")
    got = flow_direction(dc)
    assert got.index.tolist() == list(range(10, 24)) and str(got.dtype) == "string"
    assert got.iloc[:6].tolist() == ["D"] * 6 and got.iloc[6:11].tolist() == ["C"] * 5
    assert got.iloc[11:].isna().all()
    assert "借" in DEBIT_WORDS and "贷" in CREDIT_WORDS and not DEBIT_WORDS & CREDIT_WORDS


def test_d3_imports_no_private_names_of_other_modules():
    """Every ``from … import`` in the D3 package names public objects only (it imported the classifier's
    private _D_WORDS/_C_WORDS before)."""
    private = []
    for path in CHURN_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


# ---------------------------------------------------------------------------------------------- 销户/身故
AS_OF = "2026-11-30"
MONTHS = pd.date_range("2026-02-01", "2026-11-01", freq="MS")  # base Mar–Aug, current Sep–Nov


def _bank(status: dict | None) -> dict:
    """S1 10,000 -> 8,000 (−20%: 轻度流失), S2 20,000 -> 10,000 (−50%: 重度流失, a 50,000 transfer to another
    bank), S3 100,000 -> 10,000 (−90%: 已流失), S4 10,000 flat (稳定); P1/P2: one person (the same ID,
    18 and 15 digits) 10,000 -> 0 each (together −100%: 已流失). ``status``: 客户状态 per 客户号 (None: no
    such column)."""
    dep = {"S1": (10_000, 8_000), "S2": (20_000, 10_000), "S3": (100_000, 10_000), "S4": (10_000, 10_000),
           "P1": (10_000, 0), "P2": (10_000, 0)}
    rows = [(c, m, a if i < 7 else b) for c, (a, b) in dep.items() for i, m in enumerate(MONTHS)]
    cm = pd.DataFrame(rows, columns=["cust_id", "month", "dep_avg"]).astype({"cust_id": "string"})
    cust = pd.DataFrame({"cust_id": list(dep), "cust_name": ["甲", "乙", "丙", "丁", "张三", "张三"],
                         "id_no": [None, None, None, None, "34052419800101001X", "340524800101001"]}).astype("string")
    if status is not None:
        cust["cust_status"] = pd.array([status.get(c) for c in dep], dtype="string")
    txn = pd.DataFrame({"cust_id": ["S2", "S2"], "txn_ts": pd.to_datetime(["2026-05-01", "2026-11-01"]),
                        "amount": [100.0, 50_000.0], "dc": ["C", "D"], "cpty_name": ["某公司", "李四"],
                        "cpty_bank": ["示例银行", "中国工商银行"], "memo": ["转账", "转账"]})  # flows reach back 90 days
    txn = txn.astype({c: "string" for c in ("cust_id", "dc", "cpty_name", "cpty_bank", "memo")})
    return {"customer_monthly": cm, "customers": cust, "transactions": txn}


def _run(status):
    from bankxl.runner import execute

    rep = execute("deposit.churn", _bank(status), as_of=AS_OF)
    return rep, rep.tables()["d3_detail"].df.set_index("客户号")["本月状态"].to_dict()


def test_closed_and_deceased_customers_are_excluded_and_counted():
    """S2 销户 and S3 身故 -> 已剔除 (not 重度流失/已流失), off 流失名单, no D3_BIG_OUT tag for S2's transfer;
    S1 冻结 is judged (轻度流失); S4 blank -> judged (稳定), said as unknown; P1 销户 + P2 正常: one person, not
    every 客户号 closed -> judged under P1 (已流失). 说明: 已剔除 2 户 (身故 1, 销户 1), 客户状态为空 1 户."""
    rep, states = _run({"S1": "冻结", "S2": "销户", "S3": "身故", "P1": "销户", "P2": "正常"})
    assert states == {"S1": "轻度流失", "S2": "已剔除", "S3": "已剔除", "S4": "稳定", "P1": "已流失"}
    lst = rep.tables()["d3_churn_list"].df
    assert lst["客户号"].tolist() == ["P1", "S1"]
    tags = rep.tables()["customer_tags"].df
    assert "D3_BIG_OUT" not in set(tags["标签代码"]) and "S2" not in set(tags["客户号"])
    summary = rep.tables()["d3_states"].df.set_index("状态")["客户数"]
    assert summary["已剔除"] == 2 and summary.sum() == 5
    note = next(n for n in rep.notes if n.startswith("已剔除"))
    assert note.startswith("已剔除 2 户: 客户状态匹配「销户|注销|身故|死亡|已故」(身故 1 户、销户 1 户)")
    assert "客户状态为空 1 户" in note
    # both 客户号 of the person closed -> the person is left out
    rep, both = _run({"P1": "销户", "P2": "已销户"})
    assert both["P1"] == "已剔除" and both["S2"] == "重度流失"
    assert ("S2", "D3_BIG_OUT") in set(zip(rep.tables()["customer_tags"].df["客户号"],
                                           rep.tables()["customer_tags"].df["标签代码"]))  # judged: tagged


def test_without_customer_status_nothing_is_excluded_and_it_is_said():
    """No 客户状态 column: S2/S3 are judged as their deposits say (重度流失/已流失), and 说明 says the status is
    unknown — not guessed from the deposits."""
    rep, states = _run(None)
    assert states["S2"] == "重度流失" and states["S3"] == "已流失" and "已剔除" not in states.values()
    assert any(n.startswith("客户表没有客户状态") for n in rep.notes)


def test_customer_status_header_aliases_load(tmp_path):
    """A 客户 sheet whose status column is headed 状态 (or 客户状态码) loads into cust_status; D3 run from the
    files excludes the 销户 customer S2."""
    from bankxl.runner import run_scenario

    bank = _bank(None)
    cm = bank["customer_monthly"].assign(month=bank["customer_monthly"]["month"].dt.strftime("%Y-%m"))
    cm.rename(columns={"cust_id": "客户号", "month": "月份", "dep_avg": "存款月日均"}).to_csv(
        tmp_path / "客户月度存款.csv", index=False)
    for header in ("状态", "客户状态码"):
        pd.DataFrame({"客户号": ["S1", "S2"], header: ["正常", "销户"]}).to_csv(tmp_path / "客户.csv", index=False)
        res = run_scenario("deposit.churn", [tmp_path / "客户月度存款.csv", tmp_path / "客户.csv"], as_of=AS_OF)
        det = res.report.tables()["d3_detail"].df.set_index("客户号")["本月状态"]
        assert det["S2"] == "已剔除" and det["S1"] == "轻度流失", header


# ---------------------------------------------------------------------------------------------- report reading
def test_unknown_behaviour_counts_are_blank_and_empty_state_columns_hidden():
    """行为标签客户数: 手机银行登录下降 has no data -> 客户数 blank (was 0); without flows 大额转他行 is unknown for
    everybody -> 客户数 and 涉及金额 blank, 到期未续存 (no 定期明细 either) likewise. 网点 × 状态: the sample of
    :func:`_bank` has no 新客/基数不足/数据不足/行内迁移 and (no 客户状态) no 已剔除 -> those columns are left out
    and the note names them; the 全行 table keeps all ten states."""
    from bankxl.runner import execute

    rep = execute("deposit.churn", _bank(None), as_of=AS_OF)
    counts = rep.tables()["d3_tag_counts"].df.set_index("行为标签")
    assert pd.isna(counts.loc["手机银行登录下降", "客户数"]) and counts.loc["大额转他行", "客户数"] == 1
    assert counts.loc["大额转他行", "可判断客户数"] == 1 and counts.loc["大额转他行", "涉及金额(万元)"] == 5.0
    assert pd.isna(counts.loc["到期未续存", "客户数"]) and pd.isna(counts.loc["到期未续存", "涉及金额(万元)"])
    bank = _bank(None)
    del bank["transactions"]
    none = execute("deposit.churn", bank, as_of=AS_OF).tables()["d3_tag_counts"].df.set_index("行为标签")
    assert pd.isna(none.loc["大额转他行", "客户数"]) and pd.isna(none.loc["大额转他行", "涉及金额(万元)"])
    org = rep.tables()["d3_by_org"].df
    assert list(org.columns[:6]) == ["机构号", "稳定", "轻度流失", "重度流失", "已流失", "沉睡"]
    assert not {"行内迁移", "新客不评", "基数不足", "数据不足", "已剔除"} & set(org.columns)
    assert any("各网点均为 0 户的状态未列出: 行内迁移、新客不评、基数不足、数据不足、已剔除。" in line
               for b in rep.sheet("状态分布").blocks for line in getattr(b, "lines", ()))
    assert len(rep.tables()["d3_states"].df) == 10


def test_churn_list_reads_as_a_warning():
    """流失名单: its top level (重度流失) is marked in the warning colour ('bad', was the marketing 'good' green)
    and the sheet carries one heading (the note's), the table its own short caption."""
    from bankxl.runner import execute

    rep = execute("deposit.churn", _bank(None), as_of=AS_OF)
    lst = rep.tables()["d3_churn_list"]
    assert [(list(c.columns), c.value, c.style) for c in lst.conditional if c.kind == "text"] == [(["等级"], "重度流失", "bad")]
    titles = [b.title for b in rep.sheet("流失名单").blocks]
    assert titles == ["存款流失名单(重度流失 / 已流失 / 轻度流失 / 沉睡)", "名单(按排名)"]
