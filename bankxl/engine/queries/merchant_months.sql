-- The rows of 收单商户月度 that make the merchants x months table of bankxl.rules.merchant_data.merchant_months
-- (C4 收单商户信贷营销, E1 商户四级预警, E2 商户五星级分层): rows with a 商户号 (not blank after stripping
-- whitespace: has_text = a portable regex "contains a non-whitespace character") and a 月份; each gets
--   state 'future' — its month is after the data date's month (end_ym; counted, not used),
--   state 'dup'    — an earlier row of the same 商户号 + 月份 (DUP_KEY: the last row in input order is kept),
--   state 'kept'   — the row the table holds;
-- Only the positions (_i) and states come back: the caller takes the rows' values from its input.
-- input mm: _i count, mch_id text, month date
-- param end_ym: int
-- param has_text: text
-- output: _i count, state text
-- order: _i
WITH v AS (
    SELECT mm._i, mm.mch_id, mm.month, YEAR(mm.month) * 12 + MONTH(mm.month) AS ym
    FROM mm
    WHERE mm.mch_id IS NOT NULL AND REGEXP_MATCHES(mm.mch_id, $has_text) AND mm.month IS NOT NULL
),
k AS (
    SELECT _i, ROW_NUMBER() OVER (PARTITION BY mch_id, month ORDER BY _i DESC) AS rn
    FROM v WHERE ym <= $end_ym
)
SELECT _i, CASE WHEN rn = 1 THEN 'kept' ELSE 'dup' END AS state FROM k
UNION ALL
SELECT _i, 'future' AS state FROM v WHERE ym > $end_ym
