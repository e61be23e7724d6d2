# Benchmarks print their figures; they are not part of the test suite.
PYTHON ?= .venv/bin/python

.PHONY: bench bench-api bench-broadcast bench-dashboard bench-import bench-export
bench: bench-api bench-broadcast bench-dashboard bench-import bench-export

bench-api:
	$(PYTHON) -m tests.load.bench_api

bench-broadcast:
	$(PYTHON) -m tests.load.bench_broadcast

bench-dashboard:
	$(PYTHON) -m tests.load.bench_dashboard

bench-import:
	$(PYTHON) -m tests.load.bench_transfer import

bench-export:
	$(PYTHON) -m tests.load.bench_transfer export
