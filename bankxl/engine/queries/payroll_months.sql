-- C10 信用卡/消费贷提额's 代发 income (bankxl.scenarios.credit.limit_increase.compute.payroll_income): per customer,
-- the 代发 credits (PAYROLL_CREDIT: the rule of bankxl.rules.payroll) of the window (start, as_of] whose amount is
-- not blank — pay_months: the calendar months holding one; pay_total: Σ of their amounts (元, as given). A customer
-- without such a credit has no row. Input txn: 交易流水 as conformed (客户号 trimmed); 借贷 read through dc_words.
-- The sum is exact (amounts as DECIMAL(38, 6), to the micro-yuan, added without rounding): the same bits on every
-- engine and input path, whatever order the engine adds in; it may differ from a float sum in the last bits.
-- input txn: cust_id text, txn_ts date, amount money, dc text, cpty_name text, memo text
-- input dc_words: word text, dir text
-- param start: date
-- param as_of: date
-- param payroll_memo: text
-- output: cust_id text, pay_months count, pay_total money
-- order: cust_id
WITH w AS (
    SELECT t.cust_id, CAST(t.txn_ts AS DATE) AS ts, t.amount, dw.dir AS dir,
           COALESCE(t.cpty_name, '') || ' ' || COALESCE(t.memo, '') AS text
    FROM txn AS t
    JOIN dc_words AS dw ON dw.word = UPPER(COALESCE(CAST(t.dc AS VARCHAR), ''))
    WHERE t.cust_id IS NOT NULL AND t.amount IS NOT NULL
      AND CAST(t.txn_ts AS DATE) > $start AND CAST(t.txn_ts AS DATE) <= $as_of
)
SELECT cust_id, COUNT(DISTINCT YEAR(ts) * 12 + MONTH(ts)) AS pay_months, CAST(SUM(CAST(amount AS DECIMAL(38, 6))) AS DOUBLE) AS pay_total
FROM w
WHERE PAYROLL_CREDIT(dir, text)
GROUP BY cust_id
