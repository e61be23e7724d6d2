# Benchmarks print their figures; they are not part of the test suite.
PYTHON ?= .venv/bin/python

.PHONY: bench bench-api bench-broadcast
bench: bench-api bench-broadcast

bench-api:
	$(PYTHON) -m tests.load.bench_api

bench-broadcast:
	$(PYTHON) -m tests.load.bench_broadcast
