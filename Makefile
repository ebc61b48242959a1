# The README's quick start: `make run` serves the demo, `make test` runs the whole suite.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 5000
STAMP  := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# pytest-xdist workers for `make test` (one per core; each has its own database, see conftest).
TEST_WORKERS ?= auto
# The slowest tests (setup included) are listed after each run: where the suite's time goes.
PYTEST_ARGS ?= -q -n $(TEST_WORKERS) --durations=15
# Let Python keep compiled modules (pytest's assertion-rewritten tests included) between the
# workers and the two runs, where the environment says not to write them: each process would
# otherwise compile every test module again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test lint test-sqlite test-postgres bench bench-data bench-observations load clean chromium

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
	$(PY) -m pytest $(PYTEST_ARGS)

# Runs the same suite on PostgreSQL when one answers (every machine here has one at 127.0.0.1).
test-postgres: install
	@if $(PY) -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest $(PYTEST_ARGS); \
	else echo "PostgreSQL not reachable at 127.0.0.1:5432: skipping the PostgreSQL run"; fi

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
chromium:
	command -v chromium || (apt-get update && apt-get install -y chromium)

test: lint chromium test-sqlite test-postgres

# Benchmarks (issue 7). Data under bench/data/ (git-ignored); PostgreSQL in BENCH_PG_URL.
SCALE       ?= S
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale
BENCH_REQUESTS ?= 40

bench-data: install
	$(PY) -m bench.generate --scale $(SCALE) $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

# Every scale on SQLite, then on PostgreSQL: generate, then time every page (bench/results.json).
bench: install
	@for scale in S M L; do \
		$(PY) -m bench.generate --scale $$scale --database-url sqlite:///$(CURDIR)/bench/data/$$scale.db && \
		$(PY) -m bench.pages --scale $$scale --requests $(BENCH_REQUESTS) \
			--database-url sqlite:///$(CURDIR)/bench/data/$$scale.db || exit 1; \
	done
	@for scale in S M L; do \
		$(PY) -m bench.generate --scale $$scale --database-url $(BENCH_PG_URL) && \
		$(PY) -m bench.pages --scale $$scale --requests $(BENCH_REQUESTS) \
			--database-url $(BENCH_PG_URL) || exit 1; \
	done
	$(PY) -m bench.pages --table
	$(MAKE) bench-observations

# Observations a second through POST /api/v1/orgs/<slug>/observations (issue 16: >= 1,000),
# on SQLite, then on PostgreSQL in a database of its own (created if missing, then emptied).
BENCH_OBS_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_observations
bench-observations: install
	$(PY) -m bench.observations_bench
	$(PY) -m bench.observations_bench --database-url $(BENCH_OBS_PG_URL)

# 60 s, 16 clients against gunicorn (4 workers) on SQLite (WAL), then on PostgreSQL.
load: install
	$(PY) -m bench.load --database-url sqlite:///$(CURDIR)/bench/data/load.db
	$(PY) -m bench.load --database-url $(BENCH_PG_URL)

clean:
	rm -rf $(VENV) instance/governance.db
