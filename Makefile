# Meriter — the README's commands. Everything a fresh machine needs is
# installed by these targets: uv (into .meriter/tools when not on PATH), the
# Python workspace with the Tansu broker and pgserver, and the Node packages
# the interoperability tests compare against.

SHELL := /bin/bash
.DEFAULT_GOAL := help
UV_VERSION := 0.9.8
UV ?= $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.meriter/tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
PYTEST_ARGS ?=
STATE_DIR ?= .meriter

.PHONY: help install browser up test test-apache-kafka lint format bench clean

help:
	@echo "make up     run the platform on this machine (Postgres, Tansu, four services)"
	@echo "make test   install everything and run lint and the whole test suite"
	@echo "make lint   ruff and mypy --strict"
	@echo "make test-apache-kafka   integration tests on Apache Kafka (needs a Docker engine)"
	@echo "make bench  benchmarks; figures printed and kept in bench/results/"
	@echo "then: .venv/bin/meriter results template|upload, vc ...   (the meriter command, not on PATH)"

$(CURDIR)/.meriter/tools/bin/uv:
	python3 -m venv $(CURDIR)/.meriter/tools
	$(CURDIR)/.meriter/tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(if $(shell command -v uv 2>/dev/null),,$(CURDIR)/.meriter/tools/bin/uv)
	$(UV) sync --frozen --all-packages --quiet

tests/interop/node/node_modules/.package-lock.json: tests/interop/node/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd tests/interop/node && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the interoperability tests will skip"; fi

# The verifier's page is tested in Debian's chromium (Playwright's own browser
# download does not work here): installed when missing and apt-get exists.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the verifier's browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not found and no apt-get: the browser test will fail"; fi; \
	fi

up: install
	$(UV) run --frozen meriter-local up --state-dir $(STATE_DIR)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

test: install tests/interop/node/node_modules/.package-lock.json browser lint
	$(UV) run --frozen pytest $(PYTEST_ARGS)

# Opt-in, where a Docker engine exists: the integration and end-to-end tiers
# on Apache Kafka (KRaft) in a container instead of Tansu.
test-apache-kafka: install
	MERITER_TEST_KAFKA=testcontainers $(UV) run --frozen pytest tests/shared tests/e2e $(PYTEST_ARGS)

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: install
	@mkdir -p bench/results
	$(UV) run --frozen python -m bench.run $(BENCH)

clean:
	rm -rf .meriter/pg .meriter/logs
