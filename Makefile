# AutoPaspoort developer commands. `make run` and `make test` are all a new developer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make run PORT=8300` serves on 8300, and the links in its emails point there too.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)

.DEFAULT_GOAL := help
.PHONY: help install run test test-faults bench bench-quick bench-tools lint format messages worker beat clean browser e2e screenshots

help: ## Show the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# The passport PDF (WeasyPrint) needs Pango from the system: install it when missing.
	@$(BIN)/python -c 'import weasyprint' >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core || true; }
	@$(BIN)/python -c 'import weasyprint' >/dev/null 2>&1 || { echo "WeasyPrint cannot load Pango:" \
	  "install libpango-1.0-0 and libpangoft2-1.0-0 (Debian/Ubuntu) or pango (Homebrew)," \
	  "then run make install again. See README."; exit 1; }
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

run: install ## Migrate, seed the demo garage and serve on http://127.0.0.1:8000 (PORT=8300 for another port)
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  AutoPaspoort runs on http://127.0.0.1:$(PORT)/ (links in emails: $(SITE_URL))"
	@echo "  Log in as garage@example.com (garage admin) or monteur@example.com (mechanic),"
	@echo "  password autopaspoort-demo. Support admin: create one with"
	@echo "  '$(BIN)/python manage.py createsuperuser'."
	@echo "  Emails are written to var/mail/ (a .log file per mail connection, see README)."
	@echo ""
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install ## Run the whole test suite (PostgreSQL and Redis when available)
	$(BIN)/python -m pytest

test-faults: install ## Only the fault-injection, concurrency and security suites (docs/reliability.md)
	$(BIN)/python -m pytest tests/reliability tests/security

bench-tools: install ## wrk (Debian) and matplotlib for the benchmark
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"

bench: bench-tools ## Benchmark with 200k and 2M passports (PostgreSQL, Redis; see bench/results.md)
	$(BIN)/python -m bench.run

bench-quick: bench-tools ## The benchmark with 200k passports and short rounds (< 5 minutes)
	$(BIN)/python -m bench.run --quick

browser: ## Debian's Chromium and npm (root or sudo), and axe-core pinned by package-lock.json
	@# Only what is missing: Debian's npm conflicts with a Node.js that brings its own npm.
	@MISSING=$$(for tool in chromium npm; do command -v $$tool >/dev/null 2>&1 || echo $$tool; done); \
	if [ -n "$$MISSING" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$MISSING; \
	fi
	npm ci --no-audit --no-fund

e2e: install browser ## Only the browser journeys (screenshots in e2e-screenshots/)
	$(BIN)/python -m pytest tests/e2e

screenshots: e2e ## Run the journeys and keep a screenshot of every step in e2e-screenshots/
	@echo "Screenshots: e2e-screenshots/<journey>/<nn>-<step>.png"

lint: install ## Ruff lint and format check, and migrations in sync with the models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install ## Update the Dutch catalogue from the code, then compile it (needs gettext)
	$(BIN)/python manage.py makemessages -l nl --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l nl --ignore=.venv

worker: install ## A Celery worker (needs REDIS_URL)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install ## The Celery beat scheduler (needs REDIS_URL)
	$(BIN)/celery -A config beat --loglevel=INFO

clean: ## Remove the virtualenv and everything the app wrote locally
	rm -rf $(VENV) var .pytest_cache .ruff_cache
