# Two commands do all the set-up: `make run` serves the store, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test test-sqlite test-postgres test-node test-peers chromium bench fuzz lint clean

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Serve the store on http://127.0.0.1:5000 (offline emulator unless STRIPE_SECRET_KEY is set).
run: $(STAMP)
	$(BIN)/python scripts/run_local.py

## Run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set (without the
## browser tests and the peer tests, which use no store database).
test: test-sqlite test-postgres

## Two pytest workers (pytest-xdist), one test file per worker at a time; each worker has
## its own emulator, SQLite file and PostgreSQL database. PYTEST_WORKERS=0 runs in one.
PYTEST_WORKERS ?= 2
XDIST = -n $(PYTEST_WORKERS) --dist loadfile

test-sqlite: $(STAMP) chromium
	env -u TEST_DATABASE_URL -u TEST_MIGRATION_DATABASE_URL $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
		$(BIN)/python -m pytest $(XDIST) -m "not browser and not peer" $(PYTEST_ARGS); \
	else echo "TEST_DATABASE_URL not set: skipping the PostgreSQL run"; fi

## Only the stripe-node suite (tests/node; part of `make test`; needs Node.js 20+ and npm).
test-node: $(STAMP)
	$(BIN)/python -m pytest -q tests/emulator/test_stripe_node.py

## Only the peer tests (tests/peers: dj-stripe in its own venv, built under .peers-cache/).
test-peers: $(STAMP)
	$(BIN)/python -m pytest -q tests/peers

## The browser tests drive Debian's Chromium (never a downloaded browser).
chromium:
	@if [ ! -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "The browser tests need Chromium: sudo apt-get install chromium (or set CHROMIUM_PATH)"; \
			exit 1; \
		fi; \
	fi

## Every benchmark, each figure a ratio against a baseline measured in the same run:
## pages vs bare Flask, checkout per flow vs its Stripe calls, 100 buyers at once vs 100
## direct charges (bench/serving.py); the emulator vs localstripe (installed under
## .bench-cache/ the first time); the emulator at 50k charges vs empty; the admin list
## and the CSV export at 100k purchases. BENCH_QUICK=1 runs shorter rounds.
bench: $(STAMP)
	$(BIN)/python bench/serving.py $${BENCH_QUICK:+--quick}
	$(BIN)/python bench/emulator_vs_localstripe.py
	$(BIN)/python bench/emulator_charges.py
	$(BIN)/python bench/emulator_scale.py
	$(BIN)/python bench/admin_purchases.py --rows $${BENCH_ROWS:-100000}

## 10,000+ generated requests against a real server (gunicorn) per payment flow; counts by
## status, goal zero 5xx. On SQLite, then on FUZZ_DATABASE_URL (a throwaway PostgreSQL
## database) when set. FUZZ_FLOWS picks the flows (default all three).
FUZZ_FLOWS ?= charges payment_intents checkout
fuzz: $(STAMP)
	@for flow in $(FUZZ_FLOWS); do \
		$(BIN)/python scripts/fuzz.py --requests $${FUZZ_REQUESTS:-10000} --flow $$flow || exit 1; \
		if [ -n "$$FUZZ_DATABASE_URL" ]; then \
			$(BIN)/python scripts/fuzz.py --requests $${FUZZ_REQUESTS:-10000} --flow $$flow \
				--database-url "$$FUZZ_DATABASE_URL" || exit 1; \
		else echo "FUZZ_DATABASE_URL not set: skipping the PostgreSQL fuzz"; fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache tests/node/node_modules .peers-cache
