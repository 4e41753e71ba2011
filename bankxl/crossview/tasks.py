"""营销任务清单: every customer on any list once, under one owning manager, with one priority (issue 18 item 3).

Input: the §6 lists (``Table.role == "list"`` with a 客户号 column) of the reports that ran — a
:class:`bankxl.lists.ListTable` also gives its level order (best first), the money it declares it is about per row (``amount``, None when undeclared) and
``risk_only`` — the conformed input tables (客户 for identity and 客户经理; 定期存款明细 / 贷款 / 客户月度存款 for
the largest balance), and two optional constraint tables (:data:`CONSTRAINT_SPECS`: 免打扰名单, 接触记录).

Rules (parameters of :class:`~.params.CrossParams`; shown on 说明):

* **One person, one row.** 客户号 are merged by :func:`bankxl.rules.identity.persons` (the smallest 客户号 stands
  for the person); all list rows of the person's 客户号 count for him.
* **Never marketed** (sheet 暂不联系, with the reason): a person on a risk-only list — a list flagged
  ``risk_only`` (C3 多头风险名单 once C3 sets the flag) or any per-customer table (list or detail: R1's borrowers
  and their guarantors) of a scenario of the 风险管理 group; a person on the 免打扰名单; a person whose latest
  contact in 接触记录 is at most ``recontact_days`` days before the data date.
* **Owner** (``owner_rule``): ``customers`` — the 客户表's 客户经理 (the person's own 客户号 first, then his merged
  ones), else the manager with the largest balance (per table — 定期存款明细 余额, 贷款 余额, 客户月度存款 latest
  month's 存款月日均 — summed per manager; the largest sum wins, ties to the smaller manager id), else the 客户经理
  of the person's best list row; ``balance`` — the largest balance first, then the 客户表, then the list. 其他服务经理
  names every other manager seen for the person (客户表, balances, list rows). 机构号: the 客户表's, else the best
  list row's.
* **Priority** (``priority``, default level, lists, money): 最好等级 = the best level over the person's lists,
  as its place in its own list (1 = the list's top level; a blank level comes after the list's last one); 名单数 =
  distinct lists; 涉及金额 = per list the sum of its declared money over the person's rows (``ListTable.amount``:
  the money column the scenario declares with ``score_list(amount=…)``, 元 — a list ranked by 积分, a flag or a
  monthly flow declares none), then the largest over his lists (lists measure overlapping money, so no sum
  across lists; blank — unknown, never 0 — when none of his lists declares money). Sorted by the keys in the given order, then 客户号 ascending.
* **Credit reports** (``credit_lists``, default 否): the rows of a list derived from 征信明细
  (``ListTable.credit_report``, C8) are left out — neither marketed nor held — since credit data are for
  authorised use only; 是: used, their 原因 only :data:`CREDIT_REASON`, 建议动作 :data:`CREDIT_ACTION`, amount
  unknown (no credit-report detail leaves the scenario's report).
* **Reasons**: every list row as 【场景 名单·等级】原因, best row first; **建议动作** from the best row (best level,
  then higher 得分, then larger amount, then list key); **截止日** the earliest of the person's rows.

Sheets: 营销任务 (role list; 来源名单 names the lists in Chinese, ``<场景代码> <名单表>`` such as ``D2 提醒名单``),
经理汇总 (counts per owning manager), 任务明细 (one row per person and list row: 名单 (the same Chinese name), and the
stable 名单键 ``<scenario id>:<table>`` in a grouped, collapsed screen-only column — with 客户号 and 数据日期 the keys
a returned list is matched on, :func:`.feedback.match_rows`), 暂不联系. ``--by manager`` / ``--by outlet``:
:func:`split_tasks`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ProblemLog
from ..frames import customer_columns, join_values, per_distinct
from ..report import Note, Report, Sheet, Table
from ..rules.identity import Persons, by_cust_id, persons
from ..scenario import RunContext
from ..tables import CUST_ID, ID_NO, MGR_ID, Column, TableSpec
from .params import PRIORITY_KEYS, CrossParams

RISK_GROUP = "风险管理"
#: columns of the 营销任务 sheet shown on screen only (besides the masked 证件号码 and 涉及金额): the paper copy a
#: 客户经理 calls from holds 排名, 客户号, masked name/phone, 机构号, 最好等级, 原因, 建议动作, 截止日 and the feedback
SCREEN_ONLY = ("客户经理", "归属依据", "其他服务经理", "名单数", "来源名单", "数据日期")
#: what a task shows for a row of a list derived from 征信明细 (``ListTable.credit_report``), instead of its 原因 and
#: 建议动作: credit data are for authorised use only (SCENARIOS.md §0.9); the detail stays in the scenario's report
CREDIT_REASON = "征信数据(已授权)"
CREDIT_ACTION = "按征信名单跟进(明细限授权人员在原报告查看)"

#: the optional constraint tables (not canonical tables of a scenario: read only by ``run all``)
CONSTRAINT_SPECS = {
    "do_not_disturb": TableSpec("do_not_disturb", "免打扰名单", (
        CUST_ID, ID_NO,
        Column("reason", "原因", "text", aliases=("免打扰原因", "备注", "说明")),
    ), aliases=("免打扰", "勿扰名单", "拒绝营销名单"), meaning="客户要求不再营销的客户号"),
    "contacts": TableSpec("contacts", "接触记录", (
        CUST_ID,
        Column("contact_date", "联系日期", "date", True, aliases=("接触日期", "跟进日期", "联系时间", "日期")),
        MGR_ID,
        Column("channel", "联系方式", "text", aliases=("跟进方式", "方式", "渠道")),
    ), aliases=("联系记录", "跟进记录"), meaning="客户经理与客户的每次联系: 客户号, 联系日期"),
}


def read_constraint(kind: str, source: Any, problems: ProblemLog | None = None) -> pd.DataFrame | None:
    """The optional constraint table ``kind`` (:data:`CONSTRAINT_SPECS`) from a DataFrame (headers as columns),
    an .xlsx (its sheet named after the table, else the first sheet) or a .csv; None when ``source`` is None.
    Headers, dates and 客户号 are read by the loader's rules (:func:`bankxl.io.load_frame`); row problems go to
    ``problems``. Raises DataValidationError (the file, sheet and missing column) like any input."""
    if source is None:
        return None
    from .. import io as bio

    spec = CONSTRAINT_SPECS[kind]
    sheet = None
    if isinstance(source, pd.DataFrame):
        raw, first, where = bio.frame_to_raw(source), 1, "<DataFrame>"
    elif str(source).lower().endswith((".csv", ".txt", ".tsv")):
        raw, first, where = bio.read_raw_csv(source), 1, str(source)
    else:
        book = bio._Book(Path(source))
        names = [n for n in book.sheets if n in spec.names]
        sheet = names[0] if names else book.sheets[0]
        raw, first = book.sheet(sheet)
        where = str(source)
    return bio.load_frame(raw, spec, sheet=sheet, first_excel_row=first, problems=problems, source=where).df


def _join(keys: np.ndarray, texts: pd.Series, sep: str, n_keys: int) -> pd.Series:
    """Per integer key 0…n_keys-1, the non-missing ``texts`` of its rows joined with ``sep`` in row order
    (``string`` on 0…n_keys-1, <NA> for a key without text; :func:`bankxl.frames.join_values`)."""
    k = pd.Series(np.asarray(keys, dtype="int64"))
    got = join_values(k.where(k >= 0), pd.Series(texts.to_numpy(dtype=object), dtype="string"), sep=sep,
                      order="first", distinct=False)
    return pd.Series(got.reindex(range(n_keys)).to_numpy(), index=range(n_keys), dtype="string")


def list_rows(runs: Sequence, credit: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """(list rows, risk rows, left out) of the reports of ``runs``.

    ``credit``: use the lists derived from 征信明细 (``ListTable.credit_report``; parameter ``credit_lists``).
    False: their rows are left out entirely — neither marketed nor held — and counted in *left out* (list title
    -> rows); True: used, with 原因 = :data:`CREDIT_REASON`, 建议动作 = :data:`CREDIT_ACTION` and amount unknown
    (the list's money is credit-report detail), so no credit detail reaches the task list.

    list rows: one per row of every list table — cust_id, scenario (code), list_key (``<scenario id>:<table>``,
    stable), list_title (``<code> <sheet name>``, e.g. ``D3 挽留名单``), level, level_rank (1 = the list's best level), score, reason,
    action, due, amount (元, NaN unknown), org, mgr, as_of, risk (a risk-only list, or a 风险管理 scenario), credit
    (a list derived from 征信明细, used).
    risk rows: cust_id, source (the list or table title) of every per-customer table of a 风险管理 scenario and
    of every ``risk_only`` list."""
    parts, risk, left_out = [], [], {}
    for r in runs:
        spec, report = r.spec, r.report
        if spec.subject != "customer":  # e.g. E1: its lists are merchants (商户号), not customers to call
            continue
        blocks = [(sh.name, b) for sh in report.sheets for b in sh.blocks if isinstance(b, Table)]
        for sheet, t in blocks:
            if "客户号" not in t.df.columns or t.role not in ("list", "detail"):
                continue
            df = t.df
            title = f"{spec.code} {sheet}"
            from_credit = bool(getattr(t, "credit_report", False))
            if from_credit and not credit:
                left_out[title] = left_out.get(title, 0) + len(df)
                continue
            is_risk = bool(getattr(t, "risk_only", False)) or spec.group == RISK_GROUP
            hold = tuple(getattr(t, "hold_levels", ()) or ())
            if is_risk:
                risk.append(pd.DataFrame({"cust_id": df["客户号"].astype("string").to_numpy(), "source": title}))
            elif hold and "等级" in df.columns:  # a mixed list: its risk tiers are held, the rest marketed
                at = df["等级"].isin(hold).to_numpy()
                risk.append(pd.DataFrame({"cust_id": df.loc[at, "客户号"].astype("string").to_numpy(),
                                          "source": title + "(" + df.loc[at, "等级"].astype("string") + ")"}))
            if t.role != "list":
                continue
            n = len(df)
            col = (lambda c, dtype="string": df[c] if c in df.columns else pd.Series(pd.NA, index=df.index, dtype=dtype))
            level = col("等级").astype("string")
            levels = tuple(getattr(t, "levels", ()) or ())
            if levels:
                rank = level.map({lv: i + 1 for i, lv in enumerate(levels)}).astype("float64")
                rank = rank.fillna(len(levels) + 1)
            else:  # a list built without score_list: its levels in the order of its ranks
                by_rank = level.iloc[np.argsort(pd.to_numeric(col("排名", "float64"), errors="coerce")
                                                .fillna(np.inf).to_numpy(), kind="stable")]
                codes, uniq = pd.factorize(by_rank)
                order = {lv: i + 1 for i, lv in enumerate(uniq)}
                rank = level.map(order).astype("float64").fillna(len(uniq) + 1)
            amount = getattr(t, "amount", None)
            amount = (amount.reindex(df.index).to_numpy(dtype="float64") if amount is not None and not from_credit
                      else np.full(n, np.nan))
            reason, action = col("原因").astype("string"), col("建议动作").astype("string")
            if from_credit:  # authorised use only: no credit-report detail beyond the list's name and level
                reason = pd.Series(CREDIT_REASON, index=df.index, dtype="string")
                action = pd.Series(CREDIT_ACTION, index=df.index, dtype="string")
            parts.append(pd.DataFrame({
                "cust_id": df["客户号"].astype("string").str.strip().to_numpy(), "scenario": spec.code,
                "list_key": f"{spec.id}:{t.name}", "list_title": title, "level": level.to_numpy(),
                "level_rank": rank.to_numpy(dtype="int64"),
                "score": pd.to_numeric(col("得分", "float64"), errors="coerce").to_numpy(dtype="float64"),
                "reason": reason.to_numpy(), "action": action.to_numpy(),
                "due": pd.to_datetime(col("截止日", "datetime64[ns]")).to_numpy(), "amount": amount,
                "org": col("机构号").astype("string").to_numpy(), "mgr": col("客户经理").astype("string").to_numpy(),
                "as_of": pd.Timestamp(report.meta.get("as_of")),
                "risk": level.isin(hold).fillna(False).to_numpy(dtype=bool) | is_risk, "credit": from_credit}))
    cols = {"cust_id": "string", "scenario": "string", "list_key": "string", "list_title": "string",
            "level": "string", "level_rank": "int64", "score": "float64", "reason": "string", "action": "string",
            "due": "datetime64[ns]", "amount": "float64", "org": "string", "mgr": "string",
            "as_of": "datetime64[ns]", "risk": "bool", "credit": "bool"}
    rows = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(cols))).astype(cols)
    rows = rows[rows["cust_id"].notna() & rows["cust_id"].ne("")].reset_index(drop=True)
    rk = (pd.concat(risk, ignore_index=True) if risk else pd.DataFrame(columns=["cust_id", "source"]))
    rk = rk.astype({"cust_id": "string", "source": "string"})
    return rows, rk[rk["cust_id"].notna()].drop_duplicates().reset_index(drop=True), left_out


#: the balance tables the owner rule reads (table, balance column); with 客户 the only inputs the task list reads
BALANCE_TABLES = (("time_deposits", "balance"), ("loans", "balance"), ("customer_monthly", "dep_avg"))
#: every input table :func:`build_tasks` reads (``run all`` conforms only these again)
TASK_TABLES = ("customers", *(t for t, _c in BALANCE_TABLES))


def _code_text(s: pd.Series) -> pd.Series:
    """A 客户经理/机构号 column trimmed, "" as <NA> (``string``, same index): trimmed once per distinct value (a few
    hundred managers over a million rows, :func:`bankxl.frames.per_distinct`)."""
    return per_distinct(s.astype("string"), lambda u: u.str.strip().replace("", pd.NA))


def _balances(tables: dict[str, pd.DataFrame], ps: Persons) -> pd.DataFrame:
    """person, mgr, balance: per balance table (定期存款明细 余额, 贷款 余额, 客户月度存款 latest month 存款月日均)
    the sum per person and manager (rows with both known)."""
    parts = []
    for name, col in BALANCE_TABLES:
        df = tables.get(name)
        if df is None or not {"cust_id", "mgr_id", col} <= set(df.columns) or not len(df):
            continue
        if name == "customer_monthly" and "month" in df.columns:
            df = df[df["month"] == df["month"].max()]
        f = pd.DataFrame({"person": ps.of(df["cust_id"].astype("string").str.strip()).to_numpy(),
                          "mgr": _code_text(df["mgr_id"]).to_numpy(),
                          "balance": df[col].to_numpy(dtype="float64", na_value=np.nan)}).dropna()
        parts.append(f.groupby(["person", "mgr"], as_index=False)["balance"].sum())
    if not parts:
        return pd.DataFrame({"person": pd.Series(dtype="string"), "mgr": pd.Series(dtype="string"),
                             "balance": pd.Series(dtype="float64")})
    return pd.concat(parts, ignore_index=True).astype({"person": "string", "mgr": "string"})


def build_tasks(runs: Sequence, tables: dict[str, pd.DataFrame], p: CrossParams, ctx: RunContext, *,
                do_not_disturb: pd.DataFrame | None = None, contacts: pd.DataFrame | None = None,
                refused: pd.DataFrame | None = None, ps: Persons | None = None) -> Report:
    """The 营销任务清单 report (rules and sheets in the module docstring) over the :class:`~.runall.ScenarioRun` s
    that ran. ``tables``: conformed input tables by id (客户 for identity and owner; balance tables).
    ``do_not_disturb`` / ``contacts``: typed constraint tables (:func:`read_constraint`) or None; ``refused``:
    the 拒绝 of returned lists (:func:`.feedback.refusals`: cust_id, date, basis) or None. Returns a
    Report without 说明/数据问题; ``report.meta['crossview_tasks']`` holds the frames :func:`split_tasks` uses."""
    customers = tables.get("customers")
    ps = persons(customers) if ps is None else ps  # run all passes the one merge it made for both reports
    rows, risk, left_out = list_rows(runs, p.credit_lists)
    rows["person"] = ps.of(rows["cust_id"]).astype("string")
    risk["person"] = ps.of(risk["cust_id"]).astype("string")
    market = rows[~rows["risk"].to_numpy()].reset_index(drop=True)

    # one row per person: the best row first (best level, higher score, larger amount, list key)
    market = market.sort_values(["person", "level_rank", "score", "amount", "list_key"],
                                ascending=[True, True, False, False, True], na_position="last",
                                kind="stable").reset_index(drop=True)
    pcode, people = pd.factorize(market["person"])
    n = len(people)
    best = market.drop_duplicates("person").reset_index(drop=True)  # aligned with ``people``
    per_list = market.groupby(["person", "list_key"], sort=False)["amount"].sum(min_count=1)
    money = per_list.groupby(level=0).max().reindex(people).to_numpy(dtype="float64")
    n_lists = market.groupby("person", sort=False)["list_key"].nunique().reindex(people).to_numpy(dtype="int64")
    due = market.groupby("person", sort=False)["due"].min().reindex(people).to_numpy()
    tag = "【" + market["list_title"] + ("·" + market["level"]).fillna("") + "】"
    reasons = _join(pcode, tag + market["reason"].fillna(""), "；", n)
    lk = market.drop_duplicates(["person", "list_key"])
    sources = _join(pd.Index(people).get_indexer(lk["person"]), lk["list_title"], "、", n)  # users see 中文名单名

    owner, basis, org, others = _owners(people, best, market, tables, ps, p.owner_rule)
    ident = customer_columns(pd.Series(people, dtype="string"), customers, ctx)
    ident = ident.drop(columns=[c for c in ("机构号", "客户经理") if c in ident.columns])
    tasks = ident.copy()
    tasks["机构号"] = org
    tasks["客户经理"] = owner
    tasks["归属依据"] = basis
    tasks["其他服务经理"] = others
    tasks["最好等级"] = pd.array(best["list_title"] + ("·" + best["level"]).fillna(""), dtype="string")
    tasks["_rank"] = best["level_rank"].to_numpy()
    tasks["名单数"] = n_lists
    tasks[ctx.base_label("涉及金额")] = money
    tasks["原因"] = reasons.to_numpy()
    tasks["建议动作"] = best["action"].to_numpy()
    tasks["截止日"] = due
    tasks["来源名单"] = sources.to_numpy()
    tasks["数据日期"] = ctx.as_of

    held = _constraints(pd.Series(people, dtype="string"), risk, ps, ctx, p, do_not_disturb, contacts, refused)
    keep = held.isna().to_numpy()
    keys = {"level": ("_rank", True), "lists": ("名单数", False), "money": (ctx.base_label("涉及金额"), False)}
    by = [keys[k][0] for k in p.priority] + ["客户号"]
    asc = [keys[k][1] for k in p.priority] + [True]
    out = tasks[keep].sort_values(by, ascending=asc, na_position="last", kind="stable").reset_index(drop=True)
    out.insert(0, "排名", np.arange(1, len(out) + 1, dtype="int64"))
    out = out.drop(columns="_rank")
    stop = tasks[~keep].assign(限制=held[~keep].to_numpy()).sort_values("客户号", kind="stable")
    stop = stop.drop(columns=["_rank"]).reset_index(drop=True)
    risk_only = risk[~risk["person"].isin(people)]  # on a risk table only: never marketed, listed for the record
    if len(risk_only):
        rp, rpeople = pd.factorize(risk_only["person"])
        extra = customer_columns(pd.Series(rpeople, dtype="string"), customers, ctx, extra=("org_id", "mgr_id"))
        extra["限制"] = ("风险名单: " + _join(rp, risk_only["source"], "、", len(rpeople))).to_numpy()
        extra["数据日期"] = ctx.as_of
        stop = pd.concat([stop, extra], ignore_index=True)

    detail = market.assign(客户号=market["person"]).loc[:, [
        "客户号", "cust_id", "scenario", "list_key", "list_title", "level", "level_rank", "score", "amount",
        "reason", "action", "due", "as_of"]].rename(columns={
            "cust_id": "原客户号", "scenario": "场景", "list_key": "名单键", "list_title": "名单", "level": "等级",
            "level_rank": "档位", "score": "得分", "amount": ctx.base_label("涉及金额"), "reason": "原因",
            "action": "建议动作", "due": "截止日", "as_of": "数据日期"})
    detail = detail[detail["客户号"].isin(out["客户号"])].reset_index(drop=True)
    report = Report("营销任务清单", method=_method(p, ctx), notes=[
        f"营销任务 {len(out):,} 位客户(来自 {market['list_key'].nunique()} 张名单); 暂不联系 {len(stop):,} 位。",
        "同一客户的多个名单合并为一行: 原因逐条列出并注明来源场景与名单, 建议动作取最优名单行, 截止日取最早。",
        *_credit_notes(left_out, rows, p)])
    report.sheets = task_sheets(out, detail, stop, ctx, protect=p.protect_tasks)
    report.meta["crossview_tasks"] = {"tasks": out, "detail": detail, "held": stop}
    report.meta["crossview_params"] = p
    report.meta["crossview_ctx"] = ctx
    return report


def _credit_notes(left_out: dict[str, int], rows: pd.DataFrame, p: CrossParams) -> list[str]:
    """说明 lines on the lists derived from 征信明细: how many rows were left out (``credit_lists`` 否), or that
    they were used without credit detail (是)."""
    if left_out:
        lists = "、".join(f"{k} {v:,} 行" for k, v in left_out.items())
        return [f"由征信明细得出的名单未使用({lists}): 征信数据仅限授权用途, 参数「使用征信名单」为否; 这些客户既不据此营销, "
                "也不据此暂不联系。"]
    used = rows.loc[rows["credit"], "list_title"].unique().tolist()
    if p.credit_lists and used:
        return [f"由征信明细得出的名单已按参数「使用征信名单」使用({'、'.join(used)}): 原因只显示「{CREDIT_REASON}」, "
                f"建议动作为「{CREDIT_ACTION}」, 涉及金额不取其金额; 征信明细只在原报告中、限授权人员查看。"]
    return []


def _method(p: CrossParams, ctx: RunContext) -> list[str]:
    rule = {"customers": "客户表的客户经理 → 余额最大的经理 → 最优名单行的客户经理",
            "balance": "余额最大的经理 → 客户表的客户经理 → 最优名单行的客户经理"}[p.owner_rule]
    order = " → ".join(PRIORITY_KEYS[k] for k in p.priority)
    return [
        "汇总本次运行的全部名单(各场景 role=list 的表), 每位客户(按统一身份规则合并客户号)只出现一次。",
        f"归属客户经理({p.owner_rule}): {rule}; 其余服务过该客户的经理列在「其他服务经理」。",
        f"优先级: {order} → 客户号升序。等级按各名单自身的档位比较(第 1 档最好); 涉及金额取各名单声明的金额列(如余额、本金、未用额度, "
        f"{ctx.base_unit})的最大值, 不跨名单相加; 按积分、标志或月度流水排名的名单不声明金额, 只在这些名单上的客户涉及金额为空(未知, 不是 0)。",
        "不营销: 风险名单(risk_only 标记的名单, 以及风险管理类场景的全部客户表: 如 R1 的借款人与保证人)、免打扰名单、"
        f"{p.recontact_days} 天内已联系的客户(接触记录)、{p.refusal_days} 天内在退回的营销任务清单中「拒绝」的客户"
        "(run all --feedback; 按跟进日期, 未填时按该名单的数据日期), 列于「暂不联系」。",
        "征信数据仅限授权用途: 由征信明细得出的名单" + (
            f"按参数「使用征信名单」使用, 原因只显示「{CREDIT_REASON}」, 不显示征信明细与金额。" if p.credit_lists
            else "不使用(参数「使用征信名单」为否)。"),
    ]


def _owners(people: pd.Index, best: pd.DataFrame, market: pd.DataFrame, tables: dict[str, pd.DataFrame],
            ps: Persons, rule: str) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(客户经理, 归属依据, 机构号, 其他服务经理) per person of ``people`` (rule: module docstring)."""
    n = len(people)
    idx = pd.Index(people)
    customers = tables.get("customers")
    c = by_cust_id(customers)
    cust_mgr = pd.Series(pd.NA, index=range(n), dtype="string")
    cust_org = pd.Series(pd.NA, index=range(n), dtype="string")
    seen = []
    if len(c):
        cc = pd.DataFrame({"cust": c.index.astype("string"),
                           "mgr": (_code_text(c["mgr_id"]).to_numpy()
                                   if "mgr_id" in c.columns else pd.NA),
                           "org": (_code_text(c["org_id"]).to_numpy()
                                   if "org_id" in c.columns else pd.NA)}).astype("string")
        cc["person"] = ps.of(cc["cust"]).to_numpy()
        cc["own"] = cc["cust"] == cc["person"]
        cc = cc[cc["person"].isin(idx)].sort_values(["person", "own", "cust"], ascending=[True, False, True],
                                                   kind="stable")
        for col, target in (("mgr", cust_mgr), ("org", cust_org)):
            first = cc.dropna(subset=[col]).drop_duplicates("person")
            target.iloc[idx.get_indexer(first["person"])] = first[col].to_numpy()
        seen.append(cc[["person", "mgr"]])
    bal = _balances(tables, ps)
    bal = bal[bal["person"].isin(idx)]
    top = bal.sort_values(["person", "balance", "mgr"], ascending=[True, False, True], kind="stable")
    top = top.drop_duplicates("person")
    bal_mgr = pd.Series(pd.NA, index=range(n), dtype="string")
    bal_mgr.iloc[idx.get_indexer(top["person"])] = top["mgr"].to_numpy()
    seen.append(bal[["person", "mgr"]])
    list_mgr = pd.Series(best["mgr"].str.strip().replace("", pd.NA).to_numpy(), dtype="string")
    seen.append(market[["person", "mgr"]])
    order = ([("客户表", cust_mgr), ("最大余额", bal_mgr)] if rule == "customers"
             else [("最大余额", bal_mgr), ("客户表", cust_mgr)]) + [("名单", list_mgr)]
    owner = pd.Series(pd.NA, index=range(n), dtype="string")
    basis = pd.Series(pd.NA, index=range(n), dtype="string")
    for name, cand in order:
        take = owner.isna() & cand.notna()
        owner[take] = cand[take]
        basis[take] = name
    basis = basis.fillna("未知(数据中没有客户经理)")
    org = cust_org.fillna(pd.Series(best["org"].str.strip().replace("", pd.NA).to_numpy(), dtype="string"))
    allm = pd.concat(seen, ignore_index=True).astype("string")
    allm["mgr"] = _code_text(allm["mgr"])
    allm = allm.dropna().drop_duplicates().sort_values(["person", "mgr"], kind="stable")
    code = idx.get_indexer(allm["person"])
    other = allm["mgr"].to_numpy(dtype=object) != owner.to_numpy(dtype=object)[code]
    others = _join(code[other], allm["mgr"][other], "、", n)
    return owner, basis, org, others


def _constraints(people: pd.Series, risk: pd.DataFrame, ps: Persons, ctx: RunContext, p: CrossParams,
                 dnd: pd.DataFrame | None, contacts: pd.DataFrame | None,
                 refused: pd.DataFrame | None = None) -> pd.Series:
    """Per person (aligned with ``people``) why he is not marketed now (<NA> = marketed): 风险名单: <sources>,
    免打扰名单, 近 N 天内已联系(最近 yyyy-mm-dd), 近 N 天内拒绝(yyyy-mm-dd, 按跟进日期|名单数据日期) — a 拒绝
    at most ``refusal_days`` days before the data date, or after it; several joined with ；."""
    idx = pd.Index(people)
    n = len(people)
    parts = []
    r = risk[risk["person"].isin(idx)]
    if len(r):
        parts.append(pd.Series("风险名单: ", index=range(n), dtype="string")
                     + _join(idx.get_indexer(r["person"]), r["source"], "、", n))
    if dnd is not None and len(dnd):
        on = people.isin(set(ps.of(dnd["cust_id"].astype("string").str.strip()).dropna())).to_numpy()
        parts.append(pd.Series(np.where(on, "免打扰名单", None), dtype="string"))
    if contacts is not None and len(contacts) and p.recontact_days > 0:
        c = pd.DataFrame({"person": ps.of(contacts["cust_id"].astype("string").str.strip()).to_numpy(),
                          "date": pd.to_datetime(contacts["contact_date"]).to_numpy()}).dropna()
        c = c[c["date"] <= ctx.as_of]
        last = c.groupby("person")["date"].max().reindex(people.to_numpy())
        days = (ctx.as_of - last).dt.days
        recent = (days <= p.recontact_days).fillna(False).to_numpy(dtype=bool)
        text = (f"近 {p.recontact_days} 天内已联系(最近 " + last.dt.strftime("%Y-%m-%d").astype("string") + ")")
        parts.append(pd.Series(np.where(recent, text.to_numpy(dtype=object), None), dtype="string"))
    if refused is not None and len(refused) and p.refusal_days > 0:
        r = pd.DataFrame({"person": ps.of(refused["cust_id"].astype("string").str.strip()).to_numpy(),
                          "date": pd.to_datetime(refused["date"]).to_numpy(),
                          "basis": refused["basis"].astype("string").to_numpy()}).dropna(subset=["person", "date"])
        r = r.sort_values(["person", "date"], kind="stable").drop_duplicates("person", keep="last")
        r = r.set_index("person").reindex(people.to_numpy())
        near = ((ctx.as_of - r["date"]).dt.days <= p.refusal_days).fillna(False).to_numpy(dtype=bool)
        text = (f"近 {p.refusal_days} 天内拒绝(" + r["date"].dt.strftime("%Y-%m-%d").astype("string")
                + ", 按" + r["basis"] + ")")
        parts.append(pd.Series(np.where(near, text.to_numpy(dtype=object), None), dtype="string"))
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    for part in parts:
        out = out.where(part.isna(), (out + "；" + part).fillna(part))
    return out


def manager_summary(tasks: pd.DataFrame, held: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """经理汇总: per owning 客户经理 ((未分配) when unknown): 任务客户数,
    多名单客户数 (≥ 2 lists), 涉及金额 (display unit, known amounts summed), 最早截止日, 暂不联系客户数."""
    money = ctx.base_label("涉及金额")
    t = tasks.assign(m=tasks["客户经理"].fillna("(未分配)"), multi=tasks["名单数"].ge(2))
    g = t.groupby("m", sort=True)
    out = pd.DataFrame({"任务客户数": g.size(), "多名单客户数": g["multi"].sum(),
                        ctx.money_label("涉及金额"): ctx.money(g[money].sum(min_count=1)),
                        "最早截止日": g["截止日"].min()})
    h = held.assign(m=held["客户经理"].fillna("(未分配)")).groupby("m").size() if len(held) else pd.Series(dtype="int64")
    out = out.reindex(out.index.union(h.index))
    out["暂不联系客户数"] = h.reindex(out.index).fillna(0).astype("int64")
    out["任务客户数"] = out["任务客户数"].fillna(0).astype("int64")
    out["多名单客户数"] = out["多名单客户数"].fillna(0).astype("int64")
    out = out.rename_axis("客户经理").reset_index()
    out["客户经理"] = out["客户经理"].astype("string")
    return out


def task_sheets(tasks: pd.DataFrame, detail: pd.DataFrame, held: pd.DataFrame, ctx: RunContext, *,
                protect: bool = False) -> list[Sheet]:
    """The sheets of a task report (whole or one manager's / outlet's part). The 营销任务 table ends with the
    feedback columns a manager fills in (:mod:`.feedback`: 跟进日期, 跟进方式, 结果, 金额(元), 备注 — data
    validation, unlocked); ``protect``: protect that sheet with :data:`.feedback.PROTECT_OPTIONS`."""
    from .feedback import PROTECT_OPTIONS, FEEDBACK_HELP, feedback_frame, feedback_validations, protection_note

    money = ctx.base_label("涉及金额")
    summary = manager_summary(tasks, held, ctx)
    fb = feedback_frame(len(tasks), ctx)
    shown = pd.concat([tasks.reset_index(drop=True), fb], axis=1)
    # paper: what a 客户经理 calls from (排名, 客户号, masked name/phone, 机构号, 最好等级, 原因 wrapped, 建议动作,
    # 截止日, the feedback columns); the rest on screen only (grouped, collapsed; still read back by feedback)
    screen = [c for c in shown.columns if c in SCREEN_ONLY or str(c).startswith("证件号码") or c == money]
    return [
        Sheet("营销任务", [
            Note(title="营销任务清单", lines=[
                f"{len(tasks):,} 位客户, 每位只出现一次, 归属一位客户经理; 按优先级排名(规则见说明页)。",
                "客户号不脱敏, 姓名/证件/手机脱敏; 原因逐条注明来源场景与名单。", FEEDBACK_HELP,
                protection_note(protect)]),
            Table(shown, name="tasks", title="营销任务", role="list",
                  text_columns=("客户号", "机构号", "客户经理", "其他服务经理", "来源名单", "跟进方式", "结果", "备注"),
                  formats={"排名": "int", "名单数": "int", money: "money0", "截止日": "date", "数据日期": "date",
                           "跟进日期": "date", ctx.base_label("金额"): "money0"},
                  widths={"原因": 60, "建议动作": 30, "最好等级": 16, "来源名单": 30, "跟进日期": 11,
                          "跟进方式": 9, "结果": 8, ctx.base_label("金额"): 11, "备注": 16},
                  screen_columns=tuple(screen),
                  input_columns=tuple(fb.columns), validations=feedback_validations(ctx),
                  empty_note="没有可营销的名单客户")],
              protection=PROTECT_OPTIONS if protect else None),
        Sheet("经理汇总", [Table(summary, name="manager_summary", title="各客户经理任务数",
                                 text_columns=("客户经理",), total_row=True,
                                 formats={"最早截止日": "date", ctx.money_label("涉及金额"): "money"})],
              print_role="summary"),
        Sheet("任务明细", [Table(detail, name="task_detail", title="任务明细(每位客户每条名单一行)", role="detail",
                                 text_columns=("客户号", "原客户号", "名单键"), screen_columns=("名单键",),
                                 formats={"截止日": "date", "数据日期": "date", money: "money0", "档位": "int"},
                                 widths={"原因": 60, "建议动作": 40}, empty_note="没有名单行")]),
        Sheet("暂不联系", [Table(held, name="held", title="暂不联系的客户(风险名单、免打扰、近期已联系)", role="detail",
                                 text_columns=("客户号", "机构号", "客户经理"),
                                 formats={"截止日": "date", "数据日期": "date", money: "money0"},
                                 widths={"限制": 40, "原因": 60}, empty_note="没有需要暂不联系的客户")]),
    ]


def split_tasks(report: Report, by: str, out_dir: Path, sources: Sequence[Any] = ()) -> list[tuple[Path, Report]]:
    """One task report per owning 客户经理 (``by="manager"``) or 机构号 (``"outlet"``) — its tasks, their detail
    rows and its 暂不联系 customers, with its own 经理汇总 — and the path of each, in
    ``out_dir/营销任务清单_按客户经理`` (or ``_按机构``) with safe, distinct names (:func:`bankxl.split.outlet_paths`;
    no 客户经理 -> ``(未分配客户经理)``, no 机构号 -> ``(未分配机构)``). Nothing is written here."""
    from ..split import outlet_paths

    data = report.meta["crossview_tasks"]
    col = "客户经理" if by == "manager" else "机构号"
    folder = Path(out_dir) / f"营销任务清单_按{'客户经理' if by == 'manager' else '机构'}"
    blank = "(未分配客户经理)" if by == "manager" else None

    def key(df: pd.DataFrame) -> pd.Series:
        k = df[col].astype("string") if col in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
        return k.str.strip().replace("", pd.NA)

    tk, hk = key(data["tasks"]), key(data["held"])
    found = sorted(set(tk.dropna()) | set(hk.dropna()))
    parts: list[str | None] = list(found) + ([blank] if tk.isna().any() or hk.isna().any() else [])
    if blank is not None:
        tk, hk = tk.fillna(blank), hk.fillna(blank)
    paths = outlet_paths("营销任务清单", parts, folder, sources)
    ctx_like = report.meta.get("crossview_ctx")
    out = []
    for part in parts:
        t_on = (tk.isna() if part is None else tk.eq(part)).fillna(False).to_numpy()
        h_on = (hk.isna() if part is None else hk.eq(part)).fillna(False).to_numpy()
        tasks = data["tasks"][t_on].reset_index(drop=True)
        tasks["排名"] = np.arange(1, len(tasks) + 1, dtype="int64")
        detail = data["detail"][data["detail"]["客户号"].isin(tasks["客户号"])].reset_index(drop=True)
        held = data["held"][h_on].reset_index(drop=True)
        label = part if part is not None else "(未分配机构)"
        sub = Report(f"营销任务清单 {label}", method=list(report.method),
                     notes=[f"本文件只含{col}「{label}」的任务 (--by {by}); 排名为本文件内的顺序。", *report.notes])
        p = report.meta.get("crossview_params")
        sub.sheets = task_sheets(tasks, detail, held, ctx_like, protect=bool(p and p.protect_tasks))
        out.append((paths[part], sub))
    return out
