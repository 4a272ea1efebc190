# Continuum: `make demo` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
export FLASK_APP := wsgi.py

.PHONY: demo test quick venv worker clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
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
	$(BIN)/rq worker --url "$$REDIS_URL" "$${RQ_QUEUE:-continuum}"

clean:
	rm -rf $(VENV) .pytest_cache
