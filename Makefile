# Benchmarks print their figures; they are not part of the test suite.
PYTHON ?= .venv/bin/python

.PHONY: bench bench-api bench-broadcast bench-dashboard
bench: bench-api bench-broadcast bench-dashboard

bench-api:
	$(PYTHON) -m tests.load.bench_api

bench-broadcast:
	$(PYTHON) -m tests.load.bench_broadcast

bench-dashboard:
	$(PYTHON) -m tests.load.bench_dashboard
