# The README's quick start: `make run` serves the demo, `make test` runs the whole suite.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000
STAMP  := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test lint test-sqlite test-postgres bench bench-data load clean chromium

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/flask --app governance db upgrade
	$(VENV)/bin/flask --app governance seed --if-empty
	$(VENV)/bin/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:$(PORT) \
		--access-logfile - 'governance:create_app()'

lint: install
	$(VENV)/bin/ruff format --check governance tests bench
	$(VENV)/bin/ruff check governance tests bench
	$(VENV)/bin/mypy

test-sqlite: install
	$(PY) -m pytest -q

# Runs the same suite on PostgreSQL when one answers (every machine here has one at 127.0.0.1).
test-postgres: install
	@if $(PY) -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q; \
	else echo "PostgreSQL not reachable at 127.0.0.1:5432: skipping the PostgreSQL run"; fi

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
chromium:
	command -v chromium || (apt-get update && apt-get install -y chromium)

test: lint chromium test-sqlite test-postgres

clean:
	rm -rf $(VENV) instance/governance.db
