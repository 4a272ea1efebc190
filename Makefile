# Continuum: `make demo` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LRS_VENV := tests/lrs/.venv
PYTEST_ARGS ?=
export FLASK_APP := wsgi.py

.PHONY: demo test quick venv lock lrs-lock worker clean serve bench assets fonts conformance

venv: $(VENV)/.installed assets tests/idp/node_modules/.installed

## Front-end packages served locally (package-lock.json pins them): Swagger UI for /api/v1/docs,
## scorm-again for SCORM and EasyMDE (the Markdown editor). npm, never a CDN, never a browser download.
node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

assets: static/vendor/scorm-again/.installed static/vendor/easymde/.installed fonts

## The OFL fonts certificates are set in, from @fontsource (latin, regular/italic/bold, woff, which
## weasyprint reads) with each family's licence. They are committed under static/fonts so a checkout
## renders certificates without npm; this target refreshes them after a version change.
CERT_FONTS := eb-garamond source-sans-3 libre-baskerville lato
fonts: node_modules/.installed
	for f in $(CERT_FONTS); do \
	  mkdir -p static/fonts/$$f; \
	  for w in 400-normal 400-italic 700-normal; do \
	    cp node_modules/@fontsource/$$f/files/$$f-latin-$$w.woff static/fonts/$$f/; \
	  done; \
	  cp node_modules/@fontsource/$$f/LICENSE static/fonts/$$f/OFL.txt; \
	done

static/vendor/scorm-again/.installed: node_modules/.installed
	mkdir -p static/vendor/scorm-again
	cp node_modules/scorm-again/dist/scorm12.min.js node_modules/scorm-again/dist/scorm2004.min.js \
	   node_modules/scorm-again/dist/cross-frame-lms.min.js node_modules/scorm-again/dist/cross-frame-api.min.js \
	   node_modules/scorm-again/LICENSE static/vendor/scorm-again/
	touch $@

# EasyMDE's bundle carries CodeMirror 5 and marked; icons and the spell checker's dictionaries are
# not used (they would come from a CDN), the page configures text buttons and the server's preview.
static/vendor/easymde/.installed: node_modules/.installed
	mkdir -p static/vendor/easymde
	cp node_modules/easymde/dist/easymde.min.js node_modules/easymde/dist/easymde.min.css \
	   node_modules/easymde/LICENSE static/vendor/easymde/
	touch $@

# Installs exactly what requirements.lock names (every package, direct and transitive, pinned with its
# hashes); a package missing from the lock or a download whose hash differs stops the install.
$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip check
	touch $@

## Regenerate requirements.lock from the direct pins in requirements.txt (after adding or changing one).
UV_VERSION ?= 0.13.9
LOCK_PYTHON ?= 3.11
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) --python-platform x86_64-manylinux_2_28 \
		--no-header --annotation-style line --index-url https://pypi.org/simple \
		--output-file requirements.lock requirements.txt
	@echo "requirements.lock regenerated; commit it with requirements.txt"

## Ralph (France Université Numérique's LRS) for the LRS forwarding tests, in a virtualenv of its own:
## its pins (cachetools, FastAPI, uvicorn…) differ from the app's lock, and it runs as its own process
## anyway. tests/lrs/requirements.txt pins every package with its hashes (`make lrs-lock` regenerates it).
$(LRS_VENV)/.installed: tests/lrs/requirements.txt
	test -x $(LRS_VENV)/bin/python || $(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LRS_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r tests/lrs/requirements.txt
	$(LRS_VENV)/bin/python -m pip check
	touch $@

lrs-lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) --python-platform x86_64-manylinux_2_28 \
		--no-header --annotation-style line --index-url https://pypi.org/simple \
		--output-file tests/lrs/requirements.txt tests/lrs/requirements.in

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
test: venv $(LRS_VENV)/.installed
	$(BIN)/python -m pytest -c tests/pytest.ini -n 2 --dist loadfile $(PYTEST_ARGS) tests

## The quick subset while working, two processes: no browser journeys, workers, drills or heavy checks.
quick: venv
	$(BIN)/python -m pytest -c tests/pytest.ini -n 2 --dist loadfile -m "not slow" -q $(PYTEST_ARGS) tests

## An RQ worker (with the scheduler, which runs retries) for the queue named in RQ_QUEUE (REDIS_URL must be set).
worker: venv
	$(BIN)/rq worker --with-scheduler --worker-ttl 30 --maintenance-interval 10 --worker-class lms.job_lease.LeasedWorker --url "$$REDIS_URL" "$${RQ_QUEUE:-continuum}"

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

## ADL's cmi5 LMS Test Suite against Continuum: its npm dependencies installed in a copy (no browser
## download), the app served on a loopback port, Debian's Chromium; ends with the JUnit summary.
conformance: venv
	PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 $(BIN)/python tests/conformance/run.py
