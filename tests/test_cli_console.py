"""What ``bankxl run`` prints (fresh-user trial, part H3 item 4): the 读取输入 line named every table a scenario may
read — D4's 交易流水 too when the input had none — without saying which are optional, and the report's path came twice
(stdout, and again in 完成 done on stderr). Now the tables are named 中文名 + id, optional ones marked, the line after
the load names the optional tables not provided, and the path is printed once."""
from __future__ import annotations

import pandas as pd

from bankxl.cli import main

AS_OF = "2026-11-30"
READING = ("读取输入 reading inputs: 客户月度存款 customer_monthly; 可选 optional: 客户 customers, 定期存款明细 time_deposits, "
           "交易流水 transactions …")


def _csv(df: pd.DataFrame, path) -> None:
    df.drop(columns=[c for c in df.columns if c.startswith("_")]).to_csv(path, index=False, encoding="utf-8-sig")


def test_run_console_marks_tables_not_provided_and_prints_the_path_once(sample_bank, tmp_path, capsys):
    folder = tmp_path / "导出"
    folder.mkdir()
    monthly = sample_bank["customer_monthly"]
    _csv(monthly, folder / "客户月度存款.csv")
    out = tmp_path / "核心客户.xlsx"
    assert main(["run", "D4", "-i", str(folder), "-o", str(out), "--as-of", AS_OF]) == 0
    cap = capsys.readouterr()
    lines = cap.err.splitlines()
    read = (f"读取 read: customer_monthly ← 文件 客户月度存款.csv ({len(monthly)} 行); 未提供 not provided (可选 optional): "
            "客户 customers, 定期存款明细 time_deposits, 交易流水 transactions")
    assert lines[1:3] == [READING, read]
    assert lines[3].startswith("运行 running D4 ") and lines[4] == "写出报告 writing 核心客户.xlsx …"
    assert lines[-1].startswith("完成 done (") and lines[-1].endswith("s)")
    assert cap.out == f"{out}\n" and str(out) not in cap.err  # the path once: stdout, for scripts

    # 客户 given (read) and 定期存款明细 header-only (left out, treated as not provided): named as such
    customers = sample_bank["customers"]
    _csv(customers, folder / "客户.csv")
    _csv(sample_bank["time_deposits"].head(0), folder / "定期存款明细.csv")
    assert main(["run", "D4", "-i", str(folder), "-o", str(out), "--as-of", AS_OF]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[1] == READING
    assert err[2] == (f"读取 read: customer_monthly ← 文件 客户月度存款.csv ({len(monthly)} 行); customers ← 文件 客户.csv "
                      f"({len(customers)} 行); 未提供 not provided (可选 optional): 定期存款明细 time_deposits, "
                      "交易流水 transactions")


def test_run_console_without_optional_tables_names_none_missing(sample_bank, tmp_path, capsys):
    """D5 reads 存款目标 + 机构日余额 and may read 机构: all three given, no 未提供 part."""
    folder = tmp_path / "d5"
    folder.mkdir()
    for t in ("deposit_targets", "org_daily_balances", "orgs"):
        _csv(sample_bank[t], folder / f"{t}.csv")
    assert main(["run", "D5", "-i", str(folder), "-o", str(tmp_path / "d5.xlsx"), "--as-of", AS_OF]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[1] == "读取输入 reading inputs: 存款目标 deposit_targets, 机构日余额 org_daily_balances; 可选 optional: 机构 orgs …"
    assert err[2].startswith("读取 read: deposit_targets ← 文件 deposit_targets.csv (") and "未提供" not in err[2]
    assert [t for t in ("deposit_targets", "org_daily_balances", "orgs") if f"{t} ← 文件 {t}.csv" in err[2]] == [
        "deposit_targets", "org_daily_balances", "orgs"]
