"""bankxl benchmarks (issue 16): ``python -m bench.run`` (``make bench``) measures every registered scenario per stage
against references measured in the same run; the older single-purpose scripts (bench_load, bench_conform,
bench_idcard, d3_model_check) stay runnable as files."""
