-- The rows of 收单商户月度 that make the merchants x months table of bankxl.rules.merchant_data.merchant_months
-- (C4 收单商户信贷营销, E1 商户四级预警, E2 商户五星级分层). Only the rows the table does NOT hold come back,
-- each with why (the table holds every other row, in input order: the result stays small however large the
-- input; issue 16):
--   state 'blank'  — no 商户号 (missing, or only whitespace: has_text = a portable regex "contains a
--                    non-whitespace character") or no 月份 (not used, not counted);
--   state 'future' — its month is after the data date's month (end_ym; counted, not used);
--   state 'dup'    — an earlier row of the same 商户号 + 月份 (DUP_KEY: the last row in input order is kept).
-- A future row never shares a 商户号 + 月份 with a row up to the data date, so one numbering over the usable rows
-- gives the same 'dup' rows as a numbering of the rows up to the data date only.
-- input mm: _i count, mch_id text, month date
-- param end_ym: int
-- param has_text: text
-- output: _i count, state text
-- order: _i
WITH a AS (
    SELECT mm._i, mm.mch_id, mm.month, YEAR(mm.month) * 12 + MONTH(mm.month) AS ym,
           COALESCE(mm.mch_id IS NOT NULL AND REGEXP_MATCHES(mm.mch_id, $has_text) AND mm.month IS NOT NULL,
                    FALSE) AS ok
    FROM mm
),
k AS (
    SELECT _i, ok, ym, ROW_NUMBER() OVER (PARTITION BY ok, mch_id, month ORDER BY _i DESC) AS rn FROM a
)
SELECT _i, CASE WHEN NOT ok THEN 'blank' WHEN ym > $end_ym THEN 'future' ELSE 'dup' END AS state
FROM k WHERE NOT ok OR ym > $end_ym OR rn > 1
