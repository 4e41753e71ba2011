"""客户画像: the stacked §6 tags of every scenario that ran, one row per person, per-branch counts (issue 18 item 2).

Input: the 客户标签 table of each report (``Table.role == "tags"``, :data:`bankxl.tags.TAG_HEADERS` columns) and the
conformed 客户 table. Customers are merged by the kit's one identity rule, :func:`bankxl.rules.identity.persons`
(客户号 holding the same valid 证件号 — a 15- and an 18-digit number of one person — are one person under the
smallest 客户号; conflicts are listed, never merged). Sheets:

* 运行情况 — which scenarios ran, which were skipped and why (from :mod:`.runall`).
* 客户视图 — one row per person: 客户号 (the person's), masked identity, 机构号/客户经理 (客户 table), 标签数,
  并入客户号数, then one column per tag family (场景 + 标签名称): its 标签等级 where the family has levels, else its
  标签值 (number), else 是. A person with two rows of one family (two 客户号 merged) shows the higher 标签值.
* 机构标签分布 — persons per 机构号 (the person's 客户表 机构号; 未知机构 when blank) for each tag
  (场景 标签名称·标签等级), with 合计.
* 标签组合 — the ``pair_top`` most frequent pairs of tags held by one person (e.g. D3 存款流失·重度流失 × C3 他行贷款),
  persons per pair in total and per 机构号.
* 客户标签 — the long table, every scenario's tag rows stacked (§6 columns, :func:`bankxl.tags.tag_sheet`).
* 身份合并 — 客户号 merged into another (客户号 → 代表客户号) and the identity conflicts not merged.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..frames import customer_columns
from ..report import Note, Report, Sheet, Table
from ..rules.identity import Persons, by_cust_id, persons
from ..scenario import RunContext
from ..tags import TAG_COLUMNS, TAG_HEADERS, empty_tags, tag_sheet, tag_table
from .params import CrossParams

UNKNOWN_ORG = "(未知机构)"


def from_credit_reports(report: Report) -> bool:
    """True when a list of ``report`` derives from 征信明细 (``ListTable.credit_report``, e.g. C8): its tags do too."""
    return any(getattr(t, "credit_report", False) for t in report.tables().values())


def stacked_tags(runs: Sequence, credit: bool = False) -> pd.DataFrame:
    """Every tags table (``role == "tags"``) of the reports of ``runs`` as one §6 tag table (English ids,
    :data:`bankxl.tags.TAG_COLUMNS`, :func:`bankxl.tags.tag_table` order). The tags of a report with a list
    derived from 征信明细 (:func:`from_credit_reports`; authorised use only) are left out unless ``credit``
    (parameter ``credit_lists``), and then carry no 标签值 (credit-report figures such as 他行余额): their level,
    else 是, shows."""
    back = {v: k for k, v in TAG_HEADERS.items()}
    parts = []
    for r in runs:
        if r.spec.subject != "customer":  # merchant tags are keyed by 商户号, not a customer
            continue
        restricted = from_credit_reports(r.report)
        if restricted and not credit:
            continue
        for t in r.report.tables().values():
            if t.role == "tags" and len(t.df):
                df = t.df.rename(columns=back).loc[:, list(TAG_COLUMNS)]
                parts.append(df.assign(value=np.nan) if restricted else df)
    return tag_table(*parts) if parts else empty_tags()


def tag_labels(tags: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(family, label) per tag row: family = ``场景 标签名称``; label = family + ``·标签等级`` when a level is given."""
    family = tags["scenario"].astype("string") + " " + tags["tag_name"].astype("string")
    label = (family + "·" + tags["level"].astype("string")).fillna(family)
    return family, label


def build_profile(runs: Sequence, customers: pd.DataFrame | None, p: CrossParams, ctx: RunContext, *,
                  status: pd.DataFrame | None = None, ps: Persons | None = None) -> Report:
    """The 客户画像 report (sheets in the module docstring) over the :class:`~.runall.ScenarioRun` s that ran.

    ``customers``: the conformed 客户 table or None (then no merging, no identity or 机构号 columns). Money is
    not shown (标签值 as each scenario gave it). Returns a :class:`~bankxl.report.Report` without 说明/数据问题
    (the caller adds them). Vectorised: pivots and merges on integer codes, no per-customer Python.
    """
    tags = stacked_tags(runs, p.credit_lists)
    ps = persons(customers) if ps is None else ps  # run all passes the one merge it made for both reports
    tags = tags.assign(person=ps.of(tags["cust_id"]))
    family, label = tag_labels(tags)
    tags = tags.assign(family=family, label=label)
    order = {r.spec.code: i for i, r in enumerate(runs)}
    tags["_s"] = tags["scenario"].map(order).fillna(len(order)).astype("int64")

    wide = _wide(tags, ps, customers, ctx)
    org = _person_org(tags["person"], customers)
    counts = _org_counts(tags, org)
    pairs = _pairs(tags, org, p.pair_top)
    n_persons = tags["person"].nunique()

    rep = Report("客户画像", method=[
        "各场景报告的「客户标签」表上下拼接(§6 标签长表); 客户按统一的客户身份规则(rules.identity.persons: 同一有效证件号, "
        "15 位升 18 位后相同)合并为一人, 以最小客户号代表; 身份冲突只列出, 不合并。",
        "客户视图每人一行, 每个标签族(场景 + 标签名称)一列: 有等级的显示等级, 否则显示标签值, 都没有显示「是」; 没有该标签为空。",
        "机构分布按客户表的机构号计人数; 标签组合为同一客户同时带有的两个标签(含等级), 取最常见的若干对。",
        "征信数据仅限授权用途: 有征信明细名单的场景(如 C8)的标签" + (
            "按参数「使用征信名单」列入, 不显示标签值(征信金额)。" if p.credit_lists
            else "不列入(参数「使用征信名单」为否)。")],
        notes=[f"共 {len(tags):,} 条标签, {n_persons:,} 位客户, 来自 {tags['scenario'].nunique()} 个场景。"])
    if status is not None:
        rep.sheets.append(Sheet("运行情况", [
            Note(title="运行情况", lines=["bankxl run all: 运行了输入数据足够的全部场景; 跳过的场景说明缺少的表或列。"]),
            Table(status, name="run_status", title="各场景运行情况", widths={"原因/说明": 80})], print_role="summary"))
    rep.sheets += [
        Sheet("客户视图", [Note(title="客户视图(每位客户一行)", lines=[
            f"{len(wide):,} 位客户; 列为各场景的标签族, 单元格为该客户的标签等级/标签值。客户号不脱敏, 姓名/证件/手机脱敏。"]),
            Table(wide, name="customer_view", title="客户视图", text_columns=("客户号", "机构号", "客户经理"),
                  formats={"标签数": "int", "并入客户号数": "int"}, role="detail",
                  empty_note="没有场景输出客户标签")]),
        Sheet("机构标签分布", [Table(counts, name="org_tag_counts", title="各机构带各标签的客户数",
                                    formats={c: "int" for c in counts.columns if c not in ("场景", "标签")},
                                    empty_note="没有客户标签")]),
        Sheet("标签组合", [Note(title="标签组合", lines=[
            f"同一客户同时带有的两个标签, 按客户数取前 {p.pair_top} 对(如 重度流失 × 他行贷款), 并按机构列出人数。"]),
            Table(pairs, name="tag_pairs", title="最常见的标签组合",
                  formats={c: "int" for c in pairs.columns if c not in ("标签A", "标签B")},
                  empty_note="没有客户同时带有两个标签")]),
        tag_sheet(tags.loc[:, list(TAG_COLUMNS)]),
        _identity_sheet(ps),
    ]
    rep.meta["crossview_tags"] = tags
    return rep


def _person_org(person: pd.Series, customers: pd.DataFrame | None) -> pd.Series:
    """机构号 of each person (the 客户 table row of the person's 客户号), :data:`UNKNOWN_ORG` when unknown."""
    c = by_cust_id(customers)
    if "org_id" not in c.columns:
        return pd.Series(UNKNOWN_ORG, index=person.index, dtype="string")
    org = person.map(c["org_id"].astype("string").str.strip().replace("", pd.NA))
    return org.fillna(UNKNOWN_ORG).astype("string")


def _wide(tags: pd.DataFrame, ps: Persons, customers: pd.DataFrame | None, ctx: RunContext) -> pd.DataFrame:
    """客户视图: one row per person (客户号 ascending), identity, 标签数, 并入客户号数, one column per family."""
    if not len(tags):
        return pd.DataFrame({"客户号": pd.Series(dtype="string"), "标签数": pd.Series(dtype="int64")})
    t = tags.sort_values(["person", "_s", "tag_code", "value"], ascending=[True, True, True, False],
                         na_position="last", kind="stable")
    t = t.drop_duplicates(["person", "family"])
    fam_order = (t.drop_duplicates("family").sort_values(["_s", "tag_code"], kind="stable")["family"].tolist())
    has_level = t.groupby("family")["level"].count() > 0
    has_value = t.groupby("family")["value"].count() > 0
    lev = t["family"].map(has_level).to_numpy(dtype=bool)
    val = t["family"].map(has_value).to_numpy(dtype=bool) & ~lev
    # person × family grids on integer codes (one row per pair after the drop_duplicates above): persons in
    # 客户号 order, a cell without the tag blank
    pc, people = pd.factorize(t["person"].astype("string"), sort=True)
    fc, fams = pd.factorize(t["family"].astype("string"))
    ok = (pc >= 0) & (fc >= 0)  # a tag without 客户号 or family has no cell (tag rows always carry both)
    t, pc, fc, lev, val = t[ok], pc[ok], fc[ok], lev[ok], val[ok]
    col_of = {f: i for i, f in enumerate(fams)}
    grids = {"level": np.full((len(people), len(fams)), None, dtype=object),
             "value": np.full((len(people), len(fams)), np.nan),
             "yes": np.full((len(people), len(fams)), None, dtype=object)}
    grids["level"][pc, fc] = t["level"].astype("object").to_numpy()
    grids["value"][pc, fc] = t["value"].to_numpy(dtype="float64")
    grids["yes"][pc, fc] = np.where(lev | val, None, "是").astype(object)
    grid = pd.Index(people, dtype="string", name="person")
    ids = pd.Series(grid, dtype="string")
    out = customer_columns(ids, customers, ctx, extra=("org_id", "mgr_id"))
    out["标签数"] = tags.groupby("person")["tag_code"].size().reindex(grid).to_numpy(dtype="int64")
    merged = ps.person.value_counts() if len(ps.person) else pd.Series(dtype="int64")
    out["并入客户号数"] = ids.map(merged).fillna(0).astype("int64").to_numpy()
    for f in fam_order:
        j = col_of[f]
        if has_level[f]:
            out[f] = pd.array(grids["level"][:, j], dtype="string")
        elif has_value[f]:
            out[f] = grids["value"][:, j]
        else:
            out[f] = pd.array(grids["yes"][:, j], dtype="string")
    return out


def _org_counts(tags: pd.DataFrame, org: pd.Series) -> pd.DataFrame:
    """场景, 标签 × 机构号: persons holding the tag (label), 合计 last; rows in scenario/tag order."""
    if not len(tags):
        return pd.DataFrame({"场景": pd.Series(dtype="string"), "标签": pd.Series(dtype="string"),
                             "合计": pd.Series(dtype="int64")})
    u = pd.DataFrame({"label": tags["label"], "person": tags["person"], "org": org, "_s": tags["_s"],
                      "code": tags["tag_code"], "scenario": tags["scenario"]}).drop_duplicates(["label", "person"])
    tab = pd.crosstab(u["label"], u["org"])
    first = u.drop_duplicates("label").set_index("label")
    rows = first.sort_values(["_s", "code", "label"], kind="stable").index
    tab = tab.reindex(rows)
    cols = sorted(c for c in tab.columns if c != UNKNOWN_ORG) + ([UNKNOWN_ORG] if UNKNOWN_ORG in tab.columns else [])
    tab = tab[cols].astype("int64")
    out = pd.DataFrame({"场景": first.loc[rows, "scenario"].astype("string").to_numpy(),
                        "标签": pd.Series(rows, dtype="string").str.split(" ", n=1).str[1].to_numpy()})
    for c in cols:
        out[str(c)] = tab[c].to_numpy()
    out["合计"] = u.groupby("label")["person"].nunique().reindex(rows).to_numpy(dtype="int64")
    return out


def _pairs(tags: pd.DataFrame, org: pd.Series, top: int) -> pd.DataFrame:
    """The ``top`` most frequent (label A, label B) pairs one person holds (A before B in tag order), with
    persons per pair in total (客户数) and per 机构号. Self-merge on integer person codes."""
    empty = pd.DataFrame({"标签A": pd.Series(dtype="string"), "标签B": pd.Series(dtype="string"),
                          "客户数": pd.Series(dtype="int64")})
    if not len(tags):
        return empty
    first = (pd.DataFrame({"label": tags["label"], "_s": tags["_s"], "code": tags["tag_code"]})
             .drop_duplicates("label").sort_values(["_s", "code", "label"], kind="stable"))
    lab_code = pd.Series(np.arange(len(first)), index=first["label"].to_numpy())
    pcode, puniq = pd.factorize(tags["person"])
    u = pd.DataFrame({"p": pcode, "l": tags["label"].map(lab_code).to_numpy(dtype=np.int64),
                      "org": org.to_numpy()}).drop_duplicates(["p", "l"])
    m = u.merge(u[["p", "l"]], on="p", suffixes=("", "_b"))
    m = m[m["l"] < m["l_b"]]
    if not len(m):
        return empty
    n = m.groupby(["l", "l_b"]).size().rename("n").reset_index()
    n = n.sort_values(["n", "l", "l_b"], ascending=[False, True, True], kind="stable").head(top)
    labels = np.asarray(first["label"].to_numpy(), dtype=object)
    out = pd.DataFrame({"标签A": pd.array(labels[n["l"].to_numpy()], dtype="string"),
                        "标签B": pd.array(labels[n["l_b"].to_numpy()], dtype="string"),
                        "客户数": n["n"].to_numpy(dtype="int64")})
    keep = m.merge(n[["l", "l_b"]], on=["l", "l_b"])
    by_org = pd.crosstab([keep["l"], keep["l_b"]], keep["org"])
    cols = sorted(c for c in by_org.columns if c != UNKNOWN_ORG) + (
        [UNKNOWN_ORG] if UNKNOWN_ORG in by_org.columns else [])
    idx = pd.MultiIndex.from_arrays([n["l"].to_numpy(), n["l_b"].to_numpy()])
    by_org = by_org.reindex(idx).fillna(0)
    for c in cols:
        out[str(c)] = by_org[c].to_numpy(dtype="int64")
    return out


def _identity_sheet(ps: Persons) -> Sheet:
    """身份合并: merged 客户号 and the conflicts (listed, not merged)."""
    merged = pd.DataFrame({"客户号": pd.Series(ps.person.index, dtype="string"),
                           "并入(代表客户号)": pd.Series(ps.person.to_numpy(), dtype="string")})
    conf = pd.DataFrame({"客户号": ps.conflicts["cust_id"].astype("string"),
                         "另一客户号": ps.conflicts["other"].astype("string"),
                         "冲突": ps.conflicts["reason"].astype("string")})
    lines = ps.notes() or ["客户表中没有需要合并的客户号, 也没有身份冲突。"]
    return Sheet("身份合并", [
        Note(title="客户身份合并(rules.identity.persons)", lines=lines),
        Table(merged, name="identity_merged", title="合并的客户号", text_columns=("客户号", "并入(代表客户号)"),
              role="detail", empty_note="没有合并的客户号"),
        Table(conf, name="identity_conflicts", title="身份冲突(未合并, 请核对客户表)",
              text_columns=("客户号", "另一客户号"), role="detail", empty_note="没有身份冲突")])
