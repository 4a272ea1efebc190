# Continuum: `make demo` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
export FLASK_APP := wsgi.py

.PHONY: demo test quick venv worker clean serve bench

venv: $(VENV)/.installed tests/idp/node_modules/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

## The test identity providers: oidc-provider from the npm registry (package-lock.json), and xmlsec1 for SAML.
tests/idp/node_modules/.installed: tests/idp/package.json tests/idp/package-lock.json
	command -v xmlsec1 >/dev/null || (apt-get update -qq && apt-get install -y -qq xmlsec1)
	cd tests/idp && npm ci --no-audit --no-fund --quiet
	touch $@

## Set up, migrate the SQLite database, seed the demo, print the logins and serve on :5000.
demo: venv
	$(BIN)/flask db upgrade
	$(BIN)/flask lms seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite (SQLite unless TEST_DATABASE_URL names PostgreSQL), two processes.
test: venv
	$(BIN)/python -m pytest -c tests/pytest.ini -n 2 --dist loadfile $(PYTEST_ARGS) tests

## The quick subset while working: no browser journeys, workers or migrations.
quick: venv
	$(BIN)/python -m pytest -c tests/pytest.ini -m "not slow" -q $(PYTEST_ARGS) tests

## An RQ worker for the queue named in RQ_QUEUE (REDIS_URL must be set).
worker: venv
	$(BIN)/rq worker --worker-class rq.worker.SimpleWorker --url "$$REDIS_URL" "$${RQ_QUEUE:-continuum}"

clean:
	rm -rf $(VENV) .pytest_cache

## gunicorn with lms/gunicorn_conf.py (set DATABASE_URL, REDIS_URL, SECRET_KEY, CONTINUUM_ENV=production).
serve: venv
	$(BIN)/gunicorn -c lms/gunicorn_conf.py wsgi:app

## Seed the benchmark databases if needed, then benchmark the key pages against the floor on both.
BENCH_PRESET ?= large
BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/bench
BENCH_SQLITE_URL ?= sqlite:///$(CURDIR)/instance/bench-$(BENCH_PRESET).db
BENCH_ARGS ?=
bench: venv
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.prepare --database-url "$(BENCH_POSTGRES_URL)" --preset $(BENCH_PRESET)
	$(BIN)/python -m bench.prepare --database-url "$(BENCH_SQLITE_URL)" --preset $(BENCH_PRESET)
	$(BIN)/python -m bench.web --database-url "$(BENCH_POSTGRES_URL)" --database-url "$(BENCH_SQLITE_URL)" $(BENCH_ARGS)
