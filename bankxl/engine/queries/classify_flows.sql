-- The flow classifier of bankxl.rules.transactions (C3 他行贷款, D3 流失, D4 他行资金迹象, C1, C7): the flows of
-- the window (start, as_of] classified as 网贷还款/网贷放款/他行贷款还款/他行放款/本行贷款还款/信用卡还款/本人互转/冲正
-- (rules: that module's docstring). Called through bankxl.rules.transactions.classify_transactions, which binds
-- the parameters (regexes already made portable by bankxl.engine.regex) and replaces the lender line below with
-- the lender dictionary's CASE (first lender in dictionary order whose regex matches 对手户名 + 摘要).
-- full = FALSE: the exclusions only (classify_exclusions): every loan rule is constant-false, DuckDB folds it away.
-- Output: the classified flows (kind not NULL) and the flows of the window whose 借贷 is neither D nor C (dir
-- NULL, for VALUE_INVALID; kind NULL); _i = the flow's position in the input (stable order, tie-break).
-- input txn: _i count, _row int, cust_id text, txn_ts date, amount money, dc text, cpty_name text, cpty_acct text, cpty_bank text, memo text
-- input names: cust_id text, cust_name text
-- input own: cust_id text, mp money
-- input dc_words: word text, dir text
-- param start: date
-- param as_of: date
-- param full: bool
-- param own_bank: text
-- param card_memo: text
-- param self_memo: text
-- param reversal_memo: text
-- param reversal_days: int
-- param lender_repay_memo: text
-- param loan_memo: text
-- param mortgage_memo: text
-- param business_memo: text
-- param car_memo: text
-- param non_loan_memo: text
-- param channel_memo: text
-- param disburse_memo: text
-- param same_amount_tol: float
-- param interval_min: int
-- param interval_max: int
-- param min_repeats: int
-- param own_loan_tol: float
-- param reversal_rule: text
-- output: _i count, _row int, cust_id text, ts date, dir text, dc text, amount money, cpty_name text, cpty_bank text, memo text, kind text, institution text, loan_type text, rules text, confidence text
-- order: cust_id, ts, _i
-- An empty regex parameter switches its rule off ($p <> '' AND ...), as has_pattern does.
-- cents: round-half-even of amount x 100 written with FLOOR (numpy's rint; ROUND_EVEN has no Spark twin).
WITH w AS (
    SELECT t._i, t._row, COALESCE(t.cust_id, '') AS cust_id, CAST(t.txn_ts AS DATE) AS ts,
           CAST(t.dc AS VARCHAR) AS dc, dw.dir AS dir, ABS(t.amount) AS amount,
           COALESCE(t.cpty_name, '') AS cpty_name, COALESCE(t.cpty_bank, '') AS cpty_bank,
           COALESCE(t.memo, '') AS memo,
           CASE WHEN COALESCE(t.cpty_acct, '') <> '' THEN t.cpty_acct ELSE COALESCE(t.cpty_name, '') END AS ckey
    FROM txn AS t
    LEFT JOIN dc_words AS dw ON dw.word = UPPER(COALESCE(CAST(t.dc AS VARCHAR), ''))
    WHERE CAST(t.txn_ts AS DATE) > $start AND CAST(t.txn_ts AS DATE) <= $as_of
),
f AS (
    SELECT w.*, w.cpty_name || ' ' || w.memo AS text, COALESCE(n.cust_name, '') AS own_name,
           w.amount * 100 - FLOOR(w.amount * 100) AS frac100, FLOOR(w.amount * 100) AS floor100
    FROM w LEFT JOIN names AS n ON n.cust_id = w.cust_id
    WHERE w.dir IS NOT NULL
),
c AS (
    SELECT _i, cust_id, dir, ts, ckey,
           CAST(CASE WHEN frac100 < 0.5 THEN floor100 WHEN frac100 > 0.5 THEN floor100 + 1
                     WHEN floor100 % 2 = 0 THEN floor100 ELSE floor100 + 1 END AS BIGINT) AS cents
    FROM f
),
rp AS (
    SELECT d._i AS i_d, k._i AS i_c
    FROM c AS d JOIN c AS k ON d.cust_id = k.cust_id AND d.cents = k.cents
    WHERE d.dir = 'D' AND k.dir = 'C' AND ABS(DATE_DIFF('day', k.ts, d.ts)) <= $reversal_days
      AND (d.ckey = '' OR k.ckey = '' OR d.ckey = k.ckey)
),
rev AS (SELECT i_d AS _i FROM rp UNION SELECT i_c AS _i FROM rp),
inst AS (
    SELECT DISTINCT f._i
    FROM f JOIN own AS o ON o.cust_id = f.cust_id
    WHERE $full AND f.cust_id <> '' AND ABS(f.amount - o.mp) <= $own_loan_tol * o.mp
),
s1 AS (
    SELECT f.*,
           f.dir = 'D' AS is_d, f.dir = 'C' AS is_c,
           ($card_memo <> '' AND REGEXP_MATCHES(f.text, $card_memo)) AS card,
           (f.own_name <> '' AND f.cpty_name = f.own_name)
               OR ($self_memo <> '' AND REGEXP_MATCHES(f.memo, $self_memo)) AS self_tr,
           ($reversal_memo <> '' AND REGEXP_MATCHES(f.memo, $reversal_memo)) OR rev._i IS NOT NULL AS reversal,
           f.cpty_bank <> '' AS bank_known,
           (f.cpty_bank <> '' AND $own_bank <> '' AND REGEXP_MATCHES(f.cpty_bank, $own_bank)) AS own_bank,
           CAST(NULL AS VARCHAR) AS lender,
           ($full AND $lender_repay_memo <> '' AND REGEXP_MATCHES(f.text, $lender_repay_memo)) AS lender_kw,
           inst._i IS NOT NULL AS inst_any,
           ($full AND $loan_memo <> '' AND REGEXP_MATCHES(f.text, $loan_memo)) AS loan_kw,
           ($full AND $non_loan_memo <> '' AND REGEXP_MATCHES(f.text, $non_loan_memo)) AS non_loan,
           ($full AND $disburse_memo <> '' AND REGEXP_MATCHES(f.text, $disburse_memo)) AS disburse
    FROM f
    LEFT JOIN rev ON rev._i = f._i
    LEFT JOIN inst ON inst._i = f._i
),
s2 AS (
    SELECT s1.*, bank_known AND NOT own_bank AS other_bank, card OR self_tr OR reversal AS excluded,
           $full AND lender IS NOT NULL AND lender_kw AND NOT (card OR self_tr OR reversal) AS lender_ok
    FROM s1
),
s3 AS (
    SELECT s2.*, inst_any AND NOT other_bank AS inst,
           $full AND is_d AND NOT excluded AND NOT lender_ok AS cand
    FROM s2
),
s4 AS (
    SELECT s3.*,
           cand AND ((own_bank AND loan_kw) OR inst) AS own_repay,
           cand AND loan_kw AND NOT own_bank AND NOT inst AS memo_rule,
           cand AND NOT own_bank AND NOT inst AND NOT non_loan AND ckey <> '' AND COALESCE(amount > 0, FALSE)
               AS pat_cand,
           is_c AND NOT excluded AND NOT lender_ok AND other_bank AND disburse AS other_lend
    FROM s3
),
-- 等额月供: runs of the same customer and counterparty, each amount within same_amount_tol of the previous one,
-- interval_min..interval_max days apart, min_repeats or more in a row (ties in order of input)
pl AS (
    SELECT _i, cust_id, ckey, ts, amount,
           LAG(ts) OVER (PARTITION BY cust_id, ckey ORDER BY ts, amount, _i) AS prev_ts,
           LAG(amount) OVER (PARTITION BY cust_id, ckey ORDER BY ts, amount, _i) AS prev_amount
    FROM s4 WHERE pat_cand
),
pr AS (
    SELECT _i, cust_id, ckey,
           SUM(CASE WHEN prev_ts IS NOT NULL AND DATE_DIFF('day', prev_ts, ts) BETWEEN $interval_min AND $interval_max
                         AND ABS(amount - prev_amount) <= $same_amount_tol * prev_amount THEN 0 ELSE 1 END)
               OVER (PARTITION BY cust_id, ckey ORDER BY ts, amount, _i
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
    FROM pl
),
pat AS (
    SELECT _i FROM (
        SELECT _i, COUNT(*) OVER (PARTITION BY cust_id, ckey, run) AS n FROM pr
    ) AS sized WHERE n >= $min_repeats
),
s5 AS (
    SELECT s4.*, pat._i IS NOT NULL AS pattern, memo_rule OR pat._i IS NOT NULL AS other_repay
    FROM s4 LEFT JOIN pat ON pat._i = s4._i
),
s6 AS (
    SELECT s5.*,
           CASE WHEN reversal THEN '冲正' WHEN card AND is_d THEN '信用卡还款' WHEN self_tr THEN '本人互转'
                WHEN lender_ok AND is_d THEN '网贷还款' WHEN lender_ok AND is_c THEN '网贷放款'
                WHEN own_repay THEN '本行贷款还款' WHEN other_repay THEN '他行贷款还款'
                WHEN other_lend THEN '他行放款' END AS kind
    FROM s5
)
SELECT _i, _row, cust_id, ts, dir, dc, amount, cpty_name, cpty_bank, memo, kind,
       CASE WHEN lender_ok THEN lender WHEN cpty_bank <> '' THEN cpty_bank WHEN cpty_name <> '' THEN cpty_name
            ELSE '(对手未知)' END AS institution,
       CASE WHEN lender_ok THEN '网贷'
            WHEN other_repay OR other_lend THEN
                CASE WHEN $mortgage_memo <> '' AND REGEXP_MATCHES(text, $mortgage_memo) THEN '房贷'
                     WHEN $business_memo <> '' AND REGEXP_MATCHES(text, $business_memo) THEN '经营贷'
                     WHEN $car_memo <> '' AND REGEXP_MATCHES(text, $car_memo) THEN '车贷'
                     ELSE '其他贷款' END END AS loan_type,
       CASE WHEN reversal THEN $reversal_rule
            WHEN card AND is_d THEN '信用卡还款关键词'
            WHEN self_tr THEN '本人互转(对手为本人或摘要)'
            WHEN own_repay THEN CASE WHEN own_bank AND loan_kw THEN '对手行为本行' ELSE '与本行贷款月供相同' END
            WHEN other_lend THEN '他行来账 + 放款关键词'
            WHEN pattern AND NOT memo_rule THEN '等额月供'
            WHEN memo_rule AND NOT pattern THEN '摘要关键词'
            WHEN memo_rule AND pattern THEN '摘要关键词 + 等额月供'
            WHEN lender_ok THEN '网贷字典: ' || lender
            ELSE '' END AS rules,
       CASE WHEN lender_ok THEN '高'
            WHEN other_repay AND $channel_memo <> '' AND REGEXP_MATCHES(text, $channel_memo) THEN '低'
            WHEN other_repay AND NOT bank_known THEN CASE WHEN memo_rule AND pattern THEN '中' ELSE '低' END
            WHEN other_repay AND other_bank AND memo_rule THEN '高'
            WHEN other_repay AND other_bank THEN '中' END AS confidence
FROM s6 WHERE kind IS NOT NULL
UNION ALL
SELECT _i, _row, cust_id, ts, dir, dc, amount, cpty_name, cpty_bank, memo, CAST(NULL AS VARCHAR) AS kind,
       CAST(NULL AS VARCHAR) AS institution, CAST(NULL AS VARCHAR) AS loan_type, CAST(NULL AS VARCHAR) AS rules,
       CAST(NULL AS VARCHAR) AS confidence
FROM w WHERE dir IS NULL
