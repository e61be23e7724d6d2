# Benchmarks print their figures; they are not part of the test suite.
PYTHON ?= .venv/bin/python

.PHONY: bench bench-api
bench: bench-api

bench-api:
	$(PYTHON) -m tests.load.bench_api
