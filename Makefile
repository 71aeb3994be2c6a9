# Two commands matter: `make run` (the app on this machine) and `make test` (every check).
# Both bootstrap a project venv with Python 3.13 from the pinned requirements-dev.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt src/layers/common/requirements.txt | cksum | cut -d' ' -f1)
# checkov gets a venv of its own: its pins clash with SAM CLI's.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cksum < requirements-checkov.txt | cut -d' ' -f1)
# Lambda runs python3.13: use python3.13 from PATH if it really is 3.13, else pyenv's newest 3.13.
PYTHON313 := $(shell for c in python3.13 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -n 1); do \
	$$c -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo $$c; break; }; done)

# SAM CLI offline: no telemetry, dummy credentials for `sam validate`, the venv's python3.13 on PATH.
export SAM_CLI_TELEMETRY := 0
export PATH := $(CURDIR)/$(BIN):$(PATH)
AWS_OFFLINE := AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_DEFAULT_REGION=us-east-1

ENV ?= dev
FUNCTION ?= RedirectLinkFunction
EVENT ?= events/redirect_link.json
PORT ?= 3000
AUTH ?= none
EMULATOR_PORT ?= 0
# The functions' CPU, the template's Architecture parameter: unset, its default (arm64, as
# deployed). `make invoke` and `make sam-local` default to this machine's CPU, which Docker runs
# without emulation. SAM CLI tells the build Makefiles nothing of it: LAMBDA_ARCHITECTURE does.
HOST_ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)
invoke sam-local: ARCH ?= $(HOST_ARCH)


.PHONY: help venv test test-slow test-sam-local lint format typecheck validate build deploy invoke run sam-local lock clean browser checkov

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

venv: $(STAMP) ## create .venv with Python 3.13 and the pinned dev requirements

$(STAMP): requirements-dev.txt src/layers/common/requirements.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it (e.g. 'pyenv install 3.13') and retry" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON313) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

# The tests spread over the machine's cores (pytest-xdist), each core taking the next test as it
# frees up: most of the time goes to waiting on servers and subprocesses. TEST_WORKERS=0 runs them
# in this one process.
TEST_WORKERS ?= auto

test: lint browser checkov ## every check: lint, types, template, handler, end-to-end and browser tests
	$(BIN)/python -m pytest -m "not slow and not docker" -n $(TEST_WORKERS) --dist worksteal

test-slow: venv ## the slow reliability tests: the schemathesis fuzz run, AWS timeouts, failing uploads
	$(BIN)/python -m pytest -m slow -n $(TEST_WORKERS) --dist worksteal

test-sam-local: venv ## the Docker path: sam local invoke of every function, make run against sam local start-api
	@if reason=$$(tests/docker/engine.sh check 2>&1); then \
	  echo "$(AWS_OFFLINE) $(BIN)/python -m pytest -m docker tests/docker"; \
	  $(AWS_OFFLINE) $(BIN)/python -m pytest -m docker tests/docker; \
	else echo "Skipped the Docker tests: $$reason"; fi

lint: venv ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

browser: ## Debian's Chromium for the browser tests (apt-get, as root); never a downloaded browser
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	    || echo "apt-get could not install chromium: browser tests will be skipped" >&2; \
	else echo "No /usr/bin/chromium and no way to install it (needs apt-get as root): browser tests will be skipped" >&2; fi

checkov: $(CHECKOV_STAMP) ## checkov (template security checks) in its own venv

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it (e.g. 'pyenv install 3.13') and retry" >&2; exit 1; }
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

format: venv ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: venv checkov ## sam validate (with and without --lint), cfn-lint and checkov
	$(AWS_OFFLINE) $(BIN)/sam validate --lint
	$(AWS_OFFLINE) $(BIN)/sam validate
	$(BIN)/cfn-lint template.yaml
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --config-file .checkov.yaml

build: venv ## sam build: every function and the layer (with compiled .pyc) into .aws-sam/ [ARCH=x86_64]
	$(if $(ARCH),LAMBDA_ARCHITECTURE=$(ARCH)) $(AWS_OFFLINE) $(BIN)/sam build --parallel \
	  $(if $(ARCH),--parameter-overrides Architecture=$(ARCH))

# Checked before the build, so a missing setting costs a second, not a build: boto3 looks where
# sam deploy will (variables, profiles, SSO, instance roles).
define CHECK_AWS
import sys, boto3
session = boto3.session.Session()
found = {"credentials": session.get_credentials(), "region": session.region_name}
missing = [name for name, value in found.items() if not value]
if missing:
    sys.exit("make deploy needs AWS " + " and a ".join(missing) + ": run 'aws configure', or set AWS_PROFILE "
             "(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_DEFAULT_REGION. See docs/deploy.md.")
print(f"Deploying with AWS credentials from {found['credentials'].method}, region {session.region_name}")
endef
export CHECK_AWS

deploy: venv ## deploy to your AWS account: make deploy ENV=dev|prod (needs AWS credentials and a region)
	@$(BIN)/python -c "$$CHECK_AWS"
	$(BIN)/sam build --parallel
	$(BIN)/sam deploy --config-env $(ENV)

invoke: build ## one function in Docker, on the emulator: make invoke FUNCTION=RedirectLinkFunction EVENT=events/redirect_link.json
	$(AWS_OFFLINE) $(BIN)/python -m devserver.sam_local --architecture $(ARCH) invoke $(FUNCTION) --event $(EVENT)

run: venv ## the API on http://127.0.0.1:3000, no Docker or AWS, data kept in .local-data/: make run [PORT=8080] [SEED=1] [FRESH=1] [AUTH=cognito] [EMULATOR_PORT=4566]
	$(BIN)/python -m devserver --port $(PORT) $(if $(filter 1,$(SEED)),--seed) $(if $(filter 1,$(FRESH)),--fresh) --auth $(AUTH) --emulator-port $(EMULATOR_PORT)

sam-local: build ## needs Docker: the emulator plus sam local start-api pointed at it: make sam-local [PORT=3000]
	$(AWS_OFFLINE) $(BIN)/python -m devserver.sam_local --architecture $(ARCH) start-api --port $(PORT)

.PHONY: bench
bench: build ## cold starts, AWS calls, warm overhead, cost, thumbnail, sizes, make run: docs/performance.md
	$(AWS_OFFLINE) $(BIN)/python -m bench

lock: ## re-pin requirements-dev.txt and requirements-checkov.txt from their .in files
	@rm -rf /tmp/lock-venv && $(PYTHON313) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements-dev.in
	{ echo "# Generated by 'make lock' from requirements-dev.in: do not edit by hand."; \
	  /tmp/lock-venv/bin/pip freeze --all | grep -v '^pip=='; } > requirements-dev.txt
	@rm -rf /tmp/lock-venv && $(PYTHON313) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements-checkov.in
	{ echo "# Generated by 'make lock' from requirements-checkov.in: do not edit by hand."; \
	  /tmp/lock-venv/bin/pip freeze --all | grep -v '^pip=='; } > requirements-checkov.txt

clean: ## remove build output and caches (keeps the venv)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache test-output
