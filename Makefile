# gisportal — two commands: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
export WEB_PORT ?= 8000

.PHONY: help run test setup lint format stop bench backup restore

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: ## Install what is missing, start PostGIS, Redis and a worker, load the demo ward, serve :8000
	@bash scripts/run.sh

test: ## Same set-up (with Chromium), then the whole test suite, browser tests included
	@bash scripts/test.sh $(ARGS)

setup: ## Only the set-up: packages, venv, npm assets, database, Redis, migrations
	@bash scripts/setup.sh

stop: ## Stop the local PostGIS cluster, Redis and the worker
	@bash scripts/worker.sh stop; bash scripts/redis.sh stop; bash scripts/pg.sh stop

lint: ## ruff, mypy (every app), pip-audit of the runtime lock (docs/operations.md)
	@bash scripts/venv.sh
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .
	@$(PY) -m mypy
	@.venv/bin/pip-audit -r requirements/runtime.txt --disable-pip --require-hashes --progress-spinner off

format: ## ruff fix and format
	@$(PY) -m ruff check --fix . ; $(PY) -m ruff format .

bench: ## Benchmarks at scale in their own database (gisportal_bench): radius scan and name check
	@bash scripts/setup.sh
	@bash scripts/bench.sh

backup: ## Database + media + COGs into one archive: var/backups/gisportal-<date>.tar (or TO=path)
	@bash scripts/backup.sh $(TO)

restore: ## Restore FROM=archive; refuses to overwrite data unless FORCE=1 (docs/operations.md)
	@bash scripts/restore.sh $(FROM) $(if $(filter 1,$(FORCE)),--force)
