# bankxl — make demo (set-up + main job), make test (set-up + whole suite)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# public datasets that are not shipped (Berka): used by the demo when the folder exists
DATA   ?= $(wildcard ../shared/data)

.PHONY: setup demo test fuzz bench bench-quick bench-scale clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/bankxl demo --out demo_output $(if $(DATA),--data $(DATA))

# the suite runs on two worker processes (pytest-xdist): ~2,300 tests, most of them whole-scenario runs; tests
# marked slow/network/spark are deselected (pyproject addopts) and run by .ci/run's later steps, as is the fuzz
# test's full breadth (make test: 20 generated examples per fuzz test)
TEST_WORKERS ?= 2
test: $(STAMP)
	$(VENV)/bin/ruff check -q bankxl tests
	$(PY) -m pytest -q -n $(TEST_WORKERS)

# the fuzz test with many more examples (tests/test_fuzz.py); every input and outcome -> build/fuzz_outcomes.jsonl
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	mkdir -p build && rm -f build/fuzz_outcomes.jsonl
	BANKXL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) BANKXL_FUZZ_LOG=build/fuzz_outcomes.jsonl $(PY) -m pytest -q tests/test_fuzz.py; \
	  rc=$$?; $(PY) tests/fuzz_util.py build/fuzz_outcomes.jsonl; exit $$rc

# every scenario per stage (load/run/write) at 10k, 100k, 1M beside references measured in the same run (issue 16);
# prints a markdown report for bench/RESULTS.md. BENCH_ARGS e.g. --data DIR --lock /tmp/h/big.lock --json out.json
# the references' parsers/writers (fastexcel, rustpy-xlsxwriter) are the bench extra, pyspark the spark extra
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@
SPARK_STAMP := $(VENV)/.spark-installed
$(SPARK_STAMP): $(BENCH_STAMP)
	$(PY) -m pip install -q -e '.[test,bench,spark]'
	touch $@

bench: $(BENCH_STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

# smoke run: 10k customers only, no run all
bench-quick: $(BENCH_STAMP)
	$(PY) -m bench.run --sizes 10k --parquet-sizes 10k --xlsx-sizes 10k --runall-sizes "" $(BENCH_ARGS)

# issue 17 item 4: 10M customers / 100M transactions generated as Parquet in chunks (build/scale_data, ~1.5 GB,
# reused; each generate call stops after 9 minutes and is called again), then the engine stages on DuckDB
# (memory limit 1GB) at 100k/1m/10m customers — the classifier at 10m in batches of 100k customers (in one query it
# would spill ~58 GB) — and on Spark local[2] at 1m; each step holds SCALE_LOCK (e.g. /tmp/h/big.lock) < ~10 min.
# SCALE_ARGS e.g. --data DIR --json build/scale.jsonl (then: python -m bench.bench_scale table --json build/scale.jsonl)
SCALE_LOCK ?=
SCALE_RUN  := $(if $(SCALE_LOCK),flock $(SCALE_LOCK)) $(PY) -m bench.bench_scale
bench-scale: $(SPARK_STAMP)
	until $(SCALE_RUN) generate --customers 10m $(SCALE_ARGS); do test $$? -eq 3 || exit 1; done
	$(SCALE_RUN) duckdb --sizes 100k,1m $(SCALE_ARGS)
	$(SCALE_RUN) duckdb --sizes 10m --stages maturity $(SCALE_ARGS)
	$(SCALE_RUN) duckdb --sizes 10m --stages classify --batch 100k --batch-range 0:50 $(SCALE_ARGS)
	$(SCALE_RUN) duckdb --sizes 10m --stages classify --batch 100k --batch-range 50:100 $(SCALE_ARGS)
	$(SCALE_RUN) spark --sizes 1m --stages maturity $(SCALE_ARGS)
	$(SCALE_RUN) spark --sizes 1m --stages classify $(SCALE_ARGS)

clean:
	rm -rf $(VENV) demo_output .pytest_cache
