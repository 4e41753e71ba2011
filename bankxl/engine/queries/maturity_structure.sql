-- D2 到期结构 (bankxl.scenarios.deposit.maturity.aggregate.structure_tables): amount, deposits and distinct
-- customers of the time deposits per org level x 到期期间, every level computed from the detail (distinct
-- customers are distinct at that level, never the sum of the children).
-- input deposits: branch_id key, branch text, outlet_id key, outlet text, period key, balance money, ckey int
-- output: level level, branch_id text, branch text, outlet_id text, outlet text, period text, amount money, count count, customers count
-- order: level, branch_id, outlet_id, period
-- level = GROUPING_ID(branch_id, outlet_id, period), bit 1 = period rolled up, 2 = outlet_id, 4 = branch_id:
--   7 = total (全行/合计), 6 = total per period, 3 = 分行, 2 = 分行 per period, 1 = 支行/网点, 0 = 支行/网点 per period.
-- An org's name is a function of its id in the prepared detail: ANY_VALUE, shown only on the level that
-- groups its id (blank on the rolled-up rows). Grouping on 3 keys instead of ids and names: half the CPU.
-- Spark: GROUPING_ID's arguments must be the grouping columns in their order of first appearance in the
-- GROUPING SETS (the full set first), else GROUPING_ID_COLUMN_MISMATCH.
-- amount: an empty sum is 0 as in pandas (COALESCE), never NULL.
SELECT
    GROUPING_ID(branch_id, outlet_id, period) AS level,
    branch_id,
    CASE WHEN GROUPING(branch_id) = 0 THEN ANY_VALUE(branch) END AS branch,
    outlet_id,
    CASE WHEN GROUPING(outlet_id) = 0 THEN ANY_VALUE(outlet) END AS outlet,
    period,
    COALESCE(SUM(balance), 0.0) AS amount,
    COUNT(*) AS count,
    COUNT(DISTINCT ckey) AS customers
FROM deposits
GROUP BY GROUPING SETS (
    (branch_id, outlet_id, period), (branch_id, outlet_id),
    (branch_id, period), (branch_id),
    (period), ()
)
