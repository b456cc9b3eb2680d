# hardening.aws: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := build
COLLECTIONS := $(abspath $(BUILD)/collections)
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := $(BUILD)/hardening-aws-$(VERSION).tar.gz
LAB_DIR := $(abspath lab-state)
LAB := PYTHONPATH=tests/lab $(BIN)/python -m awslab
DEMO_ACCOUNTS ?= 3

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false

.PHONY: help
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(BIN)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

.PHONY: venv
venv: $(BIN)/.installed  ## create .venv with every Python dependency

.PHONY: collection
collection: venv  ## build the collection tarball and install it into build/collections
	rm -rf $(COLLECTIONS) $(TARBALL)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) .
	$(BIN)/ansible-galaxy collection install --force --collections-path $(COLLECTIONS) $(TARBALL)

.PHONY: lint
lint: collection  ## ruff and ansible-lint (production profile)
	$(BIN)/ruff check .
	$(BIN)/ansible-lint roles playbooks

.PHONY: sanity
sanity: venv  ## ansible-test sanity, offline except for the package index
	PATH=$(abspath $(BIN)):$$PATH bash scripts/sanity.sh

.PHONY: units
units: venv  ## unit tests
	$(BIN)/python -m pytest -q tests/unit

.PHONY: integration
integration: collection browser  ## integration tests: real playbooks against the local AWS lab
	$(BIN)/python -m pytest -q tests/integration

# The audit report's browser test (tests/integration/test_audit_report_browser.py) runs Debian's
# Chromium headless; about 80 s to install the first time, nothing when it is there.
CHROMIUM := /usr/bin/chromium
.PHONY: browser
browser:  ## install Debian's chromium (headless browser test of the audit report) when missing
	@if [ ! -x $(CHROMIUM) ]; then \
	  sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing chromium (apt-get)"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || { $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	fi
	@$(CHROMIUM) --version

# No containers: the default driver, the lab started and stopped by the scenario's create and
# destroy playbooks. Molecule's working files go under build/ so that two checkouts never share them.
.PHONY: molecule
molecule: collection  ## molecule scenario baseline: check, converge, idempotence, verify over 3 lab accounts
	PATH=$(abspath $(BIN)):$$PATH MOLECULE_EPHEMERAL_DIRECTORY=$(abspath $(BUILD))/molecule/baseline \
	  $(BIN)/molecule test -s baseline

.PHONY: ee-context
ee-context: collection  ## write the execution environment's build context to build/ee-context (no container engine needed)
	rm -rf $(BUILD)/ee $(BUILD)/ee-context
	mkdir -p $(BUILD)/ee
	cp $(TARBALL) $(BUILD)/ee/hardening-aws.tar.gz
	$(BIN)/ansible-builder create -f execution-environment.yml -c $(BUILD)/ee-context --output-filename Containerfile

.PHONY: role-docs
role-docs: venv  ## regenerate roles/<role>/README.md and the least-privilege policies (docs/least-privilege.md)
	$(BIN)/python scripts/role_readme.py
	$(BIN)/python scripts/automation_policy.py

.PHONY: test
test: lint sanity units integration molecule  ## everything CI runs

.PHONY: least-privilege-sweep
least-privilege-sweep: collection  ## slow: remove each action of the automation policy in turn; a run must fail naming it
	HARDENING_SWEEP=1 $(BIN)/python -m pytest -q tests/integration/test_least_privilege_sweep.py

.PHONY: demo
demo: collection  ## harden 3 simulated accounts in the local AWS lab and show before/after
	-$(LAB) stop --state-dir $(LAB_DIR) >/dev/null 2>&1
	$(LAB) start --accounts $(DEMO_ACCOUNTS) --seed --root 1:mfa --root 2:none --root 3:keys=1,password-used=2 --state-dir $(LAB_DIR)
	trap '$(LAB) stop --state-dir $(LAB_DIR)' EXIT; \
	$(LAB) show --state-dir $(LAB_DIR) --title "Before harden.yml"; \
	source $(LAB_DIR)/env.sh; \
	$(BIN)/ansible-playbook -i $(LAB_DIR)/inventory.yml playbooks/harden.yml -e @examples/baseline-vars.yml; \
	$(LAB) show --state-dir $(LAB_DIR) --title "After harden.yml"

.PHONY: lab-start lab-stop
lab-start: venv  ## start the local AWS lab in the background (lab-state/)
	$(LAB) start --accounts $(DEMO_ACCOUNTS) --seed --organization --state-dir $(LAB_DIR)
lab-stop: venv  ## stop it
	$(LAB) stop --state-dir $(LAB_DIR)

.PHONY: clean
clean:  ## remove build output and the lab state (keeps .venv)
	rm -rf $(BUILD) $(LAB_DIR) .pytest_cache .ruff_cache
