# Benchmarks print their figures; they are not part of the test suite.
PYTHON ?= .venv/bin/python

.PHONY: bench bench-api bench-broadcast bench-import bench-export
bench: bench-api bench-broadcast bench-import bench-export

bench-api:
	$(PYTHON) -m tests.load.bench_api

bench-broadcast:
	$(PYTHON) -m tests.load.bench_broadcast

bench-import:
	$(PYTHON) -m tests.load.bench_transfer import

bench-export:
	$(PYTHON) -m tests.load.bench_transfer export
