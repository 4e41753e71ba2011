-- The 代发 rule (bankxl.rules.payroll), written once for every query that applies it (customer_flows: D3 代发中断;
-- monthly_flows: C1 代发连续月数; payroll_months: C10 代发月均): a flow is a 代发 credit when its direction is C
-- (收入: 借贷 read through dc_words) and its text — 对手户名 || ' ' || 摘要, a blank one as '' — matches the regex
-- payroll_memo (made portable, bankxl.engine.regex); an empty payroll_memo switches the rule off. A query calls
-- PAYROLL_CREDIT(<direction>, <text>); bankxl.engine.query.expand_rules puts this expression in its place.
-- rule payroll_credit(dir, text)
-- param payroll_memo: text
dir = 'C' AND $payroll_memo <> '' AND REGEXP_MATCHES(text, $payroll_memo)
