-- D2 到期结构 (bankxl.scenarios.deposit.maturity.aggregate.structure_tables): amount, deposits and distinct
-- customers of the time deposits per org level x 到期期间, every level computed from the detail (distinct
-- customers are distinct at that level, never the sum of the children).
-- input deposits: branch_id text, branch text, outlet_id text, outlet text, period text, balance money, ckey int
-- output: level level, branch_id text, branch text, outlet_id text, outlet text, period text, amount money, count count, customers count
-- order: level, branch_id, branch, outlet_id, outlet, period
-- level = GROUPING_ID over (branch_id, branch, outlet_id, outlet, period), bit 1 = the rightmost key rolled up:
--   31 = total (全行/合计), 30 = total per period, 7 = 分行, 6 = 分行 per period, 1 = 支行/网点, 0 = 支行/网点 per period.
-- Names ride along with their ids (an org's name is a function of its id in the prepared detail).
-- Spark: GROUPING_ID's arguments must be the grouping columns in their order of first appearance in the
-- GROUPING SETS (the full set first), else GROUPING_ID_COLUMN_MISMATCH.
-- amount: an empty sum is 0 as in pandas (COALESCE), never NULL.
SELECT
    GROUPING_ID(branch_id, branch, outlet_id, outlet, period) AS level,
    branch_id, branch, outlet_id, outlet, period,
    COALESCE(SUM(balance), 0.0) AS amount,
    COUNT(*) AS count,
    COUNT(DISTINCT ckey) AS customers
FROM deposits
GROUP BY GROUPING SETS (
    (branch_id, branch, outlet_id, outlet, period), (branch_id, branch, outlet_id, outlet),
    (branch_id, branch, period), (branch_id, branch),
    (period), ()
)
