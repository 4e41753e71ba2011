-- C1 线上贷款白名单's monthly income and spending per person (bankxl.scenarios.credit.online_whitelist.compute.
-- monthly_flows). The flows of the window (start, as_of] over the covered months: from the month of the window's
-- first flow (any flow of the window; that month counts when the flow is on day <= 15, else the next month) to
-- as_of's month (counted when as_of is on day >= 15, else the month before). A flow counts when its 客户号 is not
-- NULL, its 借贷 is one of dc_words (D/C) and the classifier did not leave it out (dropped: the _row of its 本人互转 /
-- 冲正 rows, bankxl.rules.transactions.classify_exclusions over the same window); each 客户号 counts under its person
-- (persons: a merged 客户号 -> the one standing for its person, bankxl.rules.identity; others as they are).
--   level 0, one row per person with a counted flow: income / spend = Σ |amount| of the credits / debits (a blank
--     amount adds 0) ÷ the covered months; ratio = spend / income (NULL when income is 0); income_months = months
--     with a credit > 0; pay_run = consecutive months with a 代发 credit (PAYROLL_CREDIT: the rule of
--     bankxl.rules.payroll) ending at the last covered month, or at the month before when the last has none yet
--     (one month of grace); 0 without one.
--   level 1, one row for the window (cust_id NULL, sums 0): first_month / last_month, the covered months as
--     year × 12 + month − 1 — first_month NULL when no flow lies in the window, no month when first > last.
-- Input txn: 交易流水 as conformed (客户号 trimmed) with a _row unique per row (the key of dropped). The sums are
-- exact — each |amount| as DECIMAL(38, 6) (to the micro-yuan), added without rounding — so they do not depend on
-- the order the engine adds in: every engine, thread count and input path (a pandas frame, a CSV or Parquet file
-- read into DuckDB) gives the same bits; they may differ from a float sum in the last bits.
-- input txn: _row int, cust_id text, txn_ts date, amount money, dc text, cpty_name text, memo text
-- input dropped: _row int
-- input persons: cust_id text, person text
-- input dc_words: word text, dir text
-- param start: date
-- param as_of: date
-- param payroll_memo: text
-- output: level level, cust_id text, first_month int, last_month int, income money, spend money, ratio float, income_months count, pay_run count
-- order: level, cust_id
WITH w AS (
    SELECT t._row, t.cust_id, CAST(t.txn_ts AS DATE) AS ts, dw.dir AS dir, COALESCE(ABS(t.amount), 0.0) AS amount,
           CAST(COALESCE(ABS(t.amount), 0.0) AS DECIMAL(38, 6)) AS exact,
           COALESCE(t.cpty_name, '') || ' ' || COALESCE(t.memo, '') AS text
    FROM txn AS t
    LEFT JOIN dc_words AS dw ON dw.word = UPPER(COALESCE(CAST(t.dc AS VARCHAR), ''))
    WHERE CAST(t.txn_ts AS DATE) > $start AND CAST(t.txn_ts AS DATE) <= $as_of
),
b AS (
    SELECT YEAR(f) * 12 + MONTH(f) - 1 + CASE WHEN DAY(f) <= 15 THEN 0 ELSE 1 END AS m0,
           YEAR($as_of) * 12 + MONTH($as_of) - 1 - CASE WHEN DAY($as_of) >= 15 THEN 0 ELSE 1 END AS m1
    FROM (SELECT MIN(ts) AS f FROM w) AS x
),
n AS (SELECT m1 - m0 + 1 AS nm FROM b),
k AS (
    SELECT COALESCE(ps.person, w.cust_id) AS person, YEAR(w.ts) * 12 + MONTH(w.ts) - 1 - b.m0 AS m, w.dir, w.amount,
           w.exact, w.text
    FROM w
    CROSS JOIN b
    LEFT JOIN (SELECT DISTINCT _row FROM dropped) AS x ON x._row = w._row
    LEFT JOIN persons AS ps ON ps.cust_id = w.cust_id
    WHERE x._row IS NULL AND w.dir IS NOT NULL AND w.cust_id IS NOT NULL
      AND YEAR(w.ts) * 12 + MONTH(w.ts) - 1 BETWEEN b.m0 AND b.m1
),
g AS (
    SELECT person,
           CAST(SUM(CASE WHEN dir = 'C' THEN exact ELSE 0 END) AS DOUBLE) AS inc,
           CAST(SUM(CASE WHEN dir = 'C' THEN 0 ELSE exact END) AS DOUBLE) AS spent,
           COUNT(DISTINCT CASE WHEN dir = 'C' AND amount > 0 THEN m END) AS income_months
    FROM k
    GROUP BY person
),
pay AS (SELECT DISTINCT person, m FROM k WHERE PAYROLL_CREDIT(dir, text)),
isl AS (SELECT person, m, m - ROW_NUMBER() OVER (PARTITION BY person ORDER BY m) AS island FROM pay),
runs AS (
    SELECT r.person,
           CASE WHEN MAX(r.m) >= MAX(n.nm) - 2 THEN SUM(CASE WHEN r.island = r.last_island THEN 1 ELSE 0 END)
                ELSE 0 END AS pay_run
    FROM (SELECT isl.*, MAX(island) OVER (PARTITION BY person) AS last_island FROM isl) AS r
    CROSS JOIN n
    GROUP BY r.person
)
SELECT 0 AS level, g.person AS cust_id, b.m0 AS first_month, b.m1 AS last_month, g.inc / n.nm AS income,
       g.spent / n.nm AS spend, CASE WHEN g.inc > 0 THEN (g.spent / n.nm) / (g.inc / n.nm) END AS ratio,
       g.income_months, COALESCE(runs.pay_run, 0) AS pay_run
FROM g
CROSS JOIN b
CROSS JOIN n
LEFT JOIN runs ON runs.person = g.person
UNION ALL
SELECT 1 AS level, CAST(NULL AS VARCHAR) AS cust_id, m0 AS first_month, m1 AS last_month, 0.0 AS income,
       0.0 AS spend, CAST(NULL AS DOUBLE) AS ratio, 0 AS income_months, 0 AS pay_run
FROM b
