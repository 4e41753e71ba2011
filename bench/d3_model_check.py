"""D3: does a logistic model beat the rule states on a held-out split of the sample bank? (the measurement quoted in
D3's 说明, MODEL_NOTE). Run: .venv/bin/python bench/d3_model_check.py"""
import numpy as np, pandas as pd
from bankxl.sample import make_sample_bank
from bankxl.scenario import RunContext, make_params
from bankxl.conform import conform
from bankxl.scenarios.deposit.churn import compute, ChurnParams
def auc(score, y):
    r = pd.Series(score).rank().to_numpy(); pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return (r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0) if n1 and n0 else np.nan
res = []
for seed in (20261130, 1, 2):
    b = make_sample_bank(customers=2000, seed=seed)
    t = {k: conform(k, b[k]) for k in ("customer_monthly", "customers", "transactions", "time_deposits")}
    p = make_params(ChurnParams)
    f0, _ = compute(t, p, RunContext(as_of="2026-08-31"))
    f1, _ = compute(t, p, RunContext(as_of="2026-11-30"))
    judged = ~f0["state"].isin(["新客不评", "基数不足", "数据不足", "已剔除", "已流失"])
    f0 = f0[judged]; y = (f1.loc[f0.index, "state"] == "已流失").to_numpy().astype(int)
    X = np.column_stack([np.ones(len(f0)), f0["drop"].fillna(0), np.log1p(f0["base"].fillna(0)), f0["aum_drop"].fillna(0),
                         *(f0[c].fillna(False).astype(float) for c in ("big_out", "invest", "matured", "payroll_stop"))])
    rule = f0["state"].map({"重度流失": 3, "轻度流失": 2, "沉睡": 1}).fillna(0).to_numpy()
    rng = np.random.default_rng(0); test = rng.random(len(y)) < 0.3
    w = np.zeros(X.shape[1])
    for _ in range(50):  # Newton-Raphson with a small ridge
        pr = 1 / (1 + np.exp(-X[~test] @ w)); W = pr * (1 - pr)
        H = X[~test].T @ (X[~test] * W[:, None]) + 1e-3 * np.eye(X.shape[1])
        w -= np.linalg.solve(H, X[~test].T @ (pr - y[~test]) + 1e-3 * w)
    prob = 1 / (1 + np.exp(-X[test] @ w))
    res.append((seed, int(y.sum()), int(y[test].sum()), round(auc(rule[test], y[test]), 3), round(auc(prob, y[test]), 3)))
print("seed, positives, test positives, AUC rule, AUC logistic"); print(*res, sep="\n")
