"""电子银行 scenarios (E1 商户四级预警 …)."""
