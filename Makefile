# Palermo: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PALERMO := $(BIN)/palermo
# Line coverage of palermo/ (tests, migrations and settings aside) that the whole SQLite run must
# reach (not measured when PYTEST_ARGS narrows the run): the figure measured when it was set
# (issue 10), raised as it rises, never lowered.
COVERAGE_FLOOR := 95
export PALERMO_DATA_DIR ?= $(CURDIR)/var
# Bytecode written once, not compiled again by each `palermo` process the tests start (under a
# shell that sets PYTHONDONTWRITEBYTECODE, each of them compiled the sources again: 0.2 s).
unexport PYTHONDONTWRITEBYTECODE
# `make run-pair`: a second demo node beside the first, to send requests between them.
PAIR_PORT ?= 8001
PAIR_DIR ?= $(CURDIR)/var-pair
PAIR := env PALERMO_DATA_DIR=$(PAIR_DIR) PALERMO_NODE_NAME=pair $(PALERMO)

.PHONY: messages run run-pair test test-sqlite test-sqlite-core test-sqlite-browser test-coverage test-clock test-postgres test-api-contract test-production test-image check lint bench bench-statistics bench-linkage bench-% install clean

$(VENV)/.installed: pyproject.toml requirements-nodeps.txt
	@scripts/ensure-packages
	@test -x $(BIN)/python || $$(scripts/find-python) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# pycanon pins exact versions of all its dependencies (typing_extensions among them, which
	@# breaks pydantic); it only needs numpy, pandas and scipy, which pyproject.toml names.
	@$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@touch $@

install: $(VENV)/.installed

# The translation catalogues: extract the marked strings, compile, check (README, Languages).
messages: $(VENV)/.installed
	$(BIN)/python scripts/messages update
	$(BIN)/python scripts/messages compile
	$(BIN)/python scripts/messages check

run: $(VENV)/.installed
	@mkdir -p "$(PALERMO_DATA_DIR)"
	@$(PALERMO) migrate --noinput -v0
	@$(PALERMO) load-reference
	@$(PALERMO) stats load-glotip
	@$(PALERMO) collectstatic --noinput -v0
	@echo
	@$(PALERMO) setup-demo
	@$(PALERMO) demo-data --cases 40 --org "Palermo demo shelter" --as caseworker
	@$(PALERMO) monitoring demo-2005 --as analyst
	@$(PALERMO) monitoring demo-plans --as analyst
	@$(PALERMO) intake hotline "Palermo demo shelter" --name "Demo anti-trafficking hotline" \
		--phone "+39 000 000 000 (demo)" --hours "Day and night" --as admin
	@$(PALERMO) activities import palermo/activities/data/example-activities.xml --as analyst
	@$(PALERMO) activities need NGA protocol-art-10 --profession judges --year 2026 --as analyst \
		--source "Demonstration: a need recorded to show a gap (not a State's statement)"
	@echo
	@echo "Palermo is at http://127.0.0.1:$(PORT)/  (API: http://127.0.0.1:$(PORT)/api/v1/docs)"
	@echo "Log in as any user above with the password above ('caseworker' holds 40 synthetic cases)."
	@echo "The whole node runs: web server, task worker, scheduler and outbox delivery (Ctrl-C stops it)."
	@$(PALERMO) serve --bind 127.0.0.1:$(PORT)

# A second demo node "pair" (Spain) on port $(PAIR_PORT), data in var-pair/, registered both ways
# with the first node (`make run`, in another terminal): an investigator sends a request on one and
# sees it arrive on the other within seconds.
run-pair: $(VENV)/.installed
	@mkdir -p "$(PALERMO_DATA_DIR)" "$(PAIR_DIR)"
	@$(PALERMO) migrate --noinput -v0
	@$(PALERMO) load-reference > /dev/null
	@$(PAIR) migrate --noinput -v0
	@$(PAIR) load-reference
	@$(PAIR) collectstatic --noinput -v0
	@echo
	@$(PAIR) setup-demo --country ESP
	@first=$$($(PALERMO) node key | sed -n 's/^name: //p'); \
	$(PALERMO) nodes list --format csv | grep -q '^pair,' || \
		$(PALERMO) nodes add pair http://127.0.0.1:$(PAIR_PORT) --country ESP \
			--key "$$($(PAIR) node key | tail -1)"; \
	$(PAIR) nodes list --format csv | grep -q "^$$first," || \
		$(PAIR) nodes add "$$first" http://127.0.0.1:$(PORT) --country ITA \
			--key "$$($(PALERMO) node key | tail -1)"
	@echo
	@echo "The second node 'pair' is at http://127.0.0.1:$(PAIR_PORT)/ (the users above, with its own password)."
	@echo "Both nodes know each other. On the first (make run, http://127.0.0.1:$(PORT)/), log in as"
	@echo "'investigator', Cooperation > New request: type, requested state Spain (node 'pair' is then"
	@echo "preselected; with no authority of Spain in the directory its national coordinators assign it),"
	@echo "a legal basis (reciprocity if no treaty is suggested), Save as draft, Send the request. Log in"
	@echo "here as 'coordinator' (Spain's national coordinator): the request is in the list within"
	@echo "seconds, and its acknowledgement is back on the first node."
	@$(PAIR) serve --bind 127.0.0.1:$(PAIR_PORT)

check: $(VENV)/.installed
	$(BIN)/ruff check palermo bench
	$(BIN)/ruff format --check palermo bench
	DJANGO_SETTINGS_MODULE=palermo.settings.test $(BIN)/mypy palermo bench
	DJANGO_SETTINGS_MODULE=palermo.settings.test $(PALERMO) check
	DJANGO_SETTINGS_MODULE=palermo.settings.test $(PALERMO) makemigrations --check --dry-run

# The SQLite suite runs with the clock a year ahead, and the tests that pin their clock
# (`clock` marker) run again a year back (`test-clock`): a test that depends on today's date and
# does not pin it fails here, not on some later calendar day (see palermo/settings/test.py). The
# second run leaves out the browser tests and those that start other nodes (`browser`, `nodes`):
# they ran a year ahead with the rest. The suite runs in two parts, the browser tests apart
# (`make test` runs them side by side), each measuring line coverage; `test-coverage` adds the two
# up and fails under COVERAGE_FLOOR (not measured when PYTEST_ARGS narrows the run).
SQLITE_PYTEST := env -u DATABASE_URL PALERMO_TEST_SHIFT_DAYS=365 $(BIN)/pytest -p no:cacheprovider
COVERAGE_ARGS := $(if $(PYTEST_ARGS),,--cov --cov-report=)
# pytest's status 5 (no test selected: PYTEST_ARGS named only tests of the other part) is no failure.
NONE_SELECTED_OK := || test $$? -eq 5

test-sqlite: test-sqlite-core test-sqlite-browser test-coverage test-clock

test-sqlite-core: $(VENV)/.installed
	@echo "== tests on SQLite (all but the browser's), clock moved a year ahead, with line coverage"
	COVERAGE_FILE=.coverage.core $(SQLITE_PYTEST) -m "not browser" $(COVERAGE_ARGS) \
		$(PYTEST_ARGS) $(NONE_SELECTED_OK)

test-sqlite-browser: $(VENV)/.installed
	@echo "== browser tests on SQLite (headless Chromium), clock moved a year ahead, with line coverage"
	COVERAGE_FILE=.coverage.browser $(SQLITE_PYTEST) -m browser $(COVERAGE_ARGS) \
		$(PYTEST_ARGS) $(NONE_SELECTED_OK)

# The tests that read the public data sets beside the checkout (../shared, never copied into
# the repository) are skipped, with their reason, where it is absent (a clone elsewhere): the
# floor then does not apply, and the report says so.
SHARED_DIR := $(abspath $(CURDIR)/../shared)
test-coverage: $(VENV)/.installed
ifeq ($(PYTEST_ARGS),)
	@echo "== line coverage of palermo/ by the SQLite suite (both parts)"
	$(BIN)/coverage combine --quiet .coverage.core .coverage.browser
	@if [ -d "$(SHARED_DIR)/data" ]; then \
		$(BIN)/coverage report --fail-under=$(COVERAGE_FLOOR); \
	else \
		$(BIN)/coverage report; \
		echo "== the coverage floor ($(COVERAGE_FLOOR)%) is not applied: no shared data at $(SHARED_DIR) (the tests that read it were skipped)"; \
	fi
endif

test-clock: $(VENV)/.installed
	@echo "== tests that pin their clock, on SQLite, clock moved a year back (in-process ones)"
	env -u DATABASE_URL PALERMO_TEST_SHIFT_DAYS=-365 $(BIN)/pytest -p no:cacheprovider -q \
		-m "clock and not browser and not nodes"

# What the SQLite suite would only repeat is left out on PostgreSQL: the tests that take no
# database, the browser tests and those that start other nodes (palermo/conftest.py, README
# "Tests").
test-postgres: $(VENV)/.installed
	@echo "== tests on PostgreSQL"
	scripts/with-postgres $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

# Two lanes side by side (each line prefixed with its lane's name); the machine has two cores
# and each lane uses about one: the lint and type checks, the SQLite suite but its browser tests,
# the API contract and the clock run; the browser tests, the PostgreSQL suite, the production
# checks and the image's steps (each lane about 11 minutes; 17 to 18 on a slow day); then the
# coverage of both SQLite parts. A lane stops at its first failure; TEST_SERIAL=1 runs everything in turn.
test: $(VENV)/.installed
	@scripts/ensure-chromium
ifeq ($(TEST_SERIAL),1)
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory test-api-contract
	@$(MAKE) --no-print-directory test-production
	@$(MAKE) --no-print-directory test-image
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres
else
	@scripts/side-by-side \
		"sqlite" "$(MAKE) --no-print-directory check test-sqlite-core test-api-contract test-clock" \
		"browser+pg" "$(MAKE) --no-print-directory test-sqlite-browser test-postgres \
			test-production test-image"
	@$(MAKE) --no-print-directory test-coverage
endif

# The API contract over real HTTP: a demo node in a temporary directory, then schemathesis over
# the whole OpenAPI schema as a case worker and as an administrator (0 server errors, 0 answers
# the schema does not declare). Bounded: a fixed seed, deterministic generation, a few examples
# per operation (about 2 minutes). API_CONTRACT_ARGS="--phases examples,coverage,fuzzing
# --max-examples 10" runs the thorough version (about 10 minutes).
test-api-contract: $(VENV)/.installed
	@echo "== the API contract: schemathesis over the OpenAPI schema"
	@$(BIN)/python scripts/api-contract $(API_CONTRACT_ARGS)

# README "Running in production", followed as written: the deployment files checked
# (scripts/deploy-validate), then a production node started with production settings in a
# temporary directory, `palermo check --deploy` (clean), and a smoke test over real HTTP
# (scripts/production-smoke; SMOKE_SERVER="CMD {bind}" runs another server).
test-production: $(VENV)/.installed
	@echo "== deployment files, and a production node over HTTP"
	@$(BIN)/python scripts/deploy-validate
	@$(BIN)/python scripts/production-smoke $(if $(SMOKE_SERVER),--server "$(SMOKE_SERVER)")

# The container image's Python steps (deploy/image-install.sh, as deploy/Dockerfile runs them)
# into a scratch venv, and the systemd units verified against that venv. No container engine
# runs in CI; see README "Running in production".
test-image: $(VENV)/.installed
	@echo "== the container image's Python steps, in a scratch venv"
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		$(BIN)/python scripts/deploy-validate --venv "$$tmp/venv"

bench: $(VENV)/.installed
	@for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# The statistics benchmark has two parts: the disclosure library and plain SQL next to DuckDB,
# and the statistics app's own derivation from Palermo's case tables next to DuckDB.
bench-statistics: $(VENV)/.installed
	$(BIN)/python bench/bench_statistics.py
	$(BIN)/python bench/bench_derivation.py

# clkhash and anonlink, the reference of privacy-preserving linkage, in their own environment
# (they pin older cryptography and numpy than Palermo takes).
.venv-anonlink/.installed:
	python3 -m venv .venv-anonlink
	.venv-anonlink/bin/pip install -q anonlink==0.15.3 clkhash==0.18.3
	touch $@

bench-linkage: $(VENV)/.installed .venv-anonlink/.installed
	$(BIN)/python bench/bench_linkage.py

bench-%: $(VENV)/.installed
	$(BIN)/python bench/bench_$*.py

clean:
	rm -rf $(VENV) var var-pair .pytest_cache .mypy_cache .ruff_cache
