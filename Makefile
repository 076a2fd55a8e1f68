# hwcloud.bandwidth: every task a developer or CI runs. Each target sets up what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# ansible-test runs only from inside ansible_collections/<namespace>/<name>, resolved through
# symlinks: the collection is copied there, never linked. The copy lives outside this git
# checkout, or ansible-test would ask git for the files and find the copy ignored.
BUILD_DIR ?= /tmp/hwcloud.bandwidth-$(shell printf '%s' "$(CURDIR)" | md5sum | cut -c1-8)
COLLECTIONS := $(BUILD_DIR)/collections
COLL := $(COLLECTIONS)/ansible_collections/hwcloud/bandwidth
PIP_STANDIN := $(HOME)/.ansible/test/cache/get_pip_24_2.py
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONDONTWRITEBYTECODE := 1

DOCS_VENV := $(BUILD_DIR)/docs-venv
DOCS_STAMP := $(DOCS_VENV)/.installed

.PHONY: help venv collection units examples sanity integration reliability soak molecule lint release-check test demo bench docs clean

help:
	@echo "make demo   - set up and resize bandwidths on the local simulator (check mode, then for real)"
	@echo "make test   - set up and run every test (units, simulator, sanity, integration, lint)"
	@echo "make units | examples | reliability | sanity | integration | molecule | lint | release-check"
	@echo "make bench | soak | docs | clean"

$(STAMP): requirements-test.txt requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==24.2
	$(BIN)/python -m pip install --quiet -r requirements-test.txt -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

# A fresh copy of the working tree (tracked and new, not ignored files) where ansible-test wants it.
collection: $(STAMP)
	rm -rf $(COLL)
	mkdir -p $(COLL)
	git ls-files -z --cached --others --exclude-standard | \
	  while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done | \
	  tar --null -T - -cf - | tar -xf - -C $(COLL)

units: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit tests/simulator_tests tests/workflow

# Every module's EXAMPLES, as written, in one playbook per module against a fresh simulator seeded for the demo.
examples: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/examples

# Bad input, secret scans, auth and permissions, targeted faults and a short seeded fault campaign.
reliability: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability

# The long campaign: SOAK_RUNS (default 504), SOAK_SEED, SOAK_WORKERS; writes its figures to docs/reliability.md.
soak: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m tests.reliability.campaign --figures $(CURDIR)/docs/reliability.md

$(PIP_STANDIN): tests/utils/get_pip_standin.py
	mkdir -p $(dir $@)
	cp $< $@

sanity: collection $(PIP_STANDIN)
	cd $(COLL) && $(BIN)/ansible-test sanity --local --python 3.11 --requirements --color no

integration: collection
	cd $(COLL) && $(BIN)/python tests/utils/with_simulator.py -- \
	  $(BIN)/ansible-test integration --local --python 3.11 --color no

lint: collection
	cd $(COLL) && $(BIN)/ansible-lint --profile production roles playbooks

test: units examples reliability sanity integration molecule lint release-check
	@echo "make test: all suites passed"

release-check: collection
	cd $(COLL) && tests/utils/release_check.sh

# The docs toolchain needs another docutils than the test set: it gets a venv of its own.
$(DOCS_STAMP): requirements-docs.txt
	test -x $(DOCS_VENV)/bin/python || $(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet --upgrade pip==24.2
	$(DOCS_VENV)/bin/python -m pip install --quiet -r requirements-docs.txt
	touch $@

docs: collection $(DOCS_STAMP)
	cd $(COLL) && PATH=$(DOCS_VENV)/bin:$$PATH tests/utils/build_docs.sh $(CURDIR)/build/docs

# The role's scenario on localhost against a fresh simulator (converge, idempotence, verify).
# Molecule keeps its inventory (group_vars, host_vars) in an ephemeral directory named after the
# project directory, ~/.ansible/tmp/molecule.<hash of "bandwidth">.default by default: every checkout
# would share it, and a run that rewrites or prunes it removes the group_vars of another run under
# way ("'molecule_targets' is undefined"). Each run gets its own temporary directory for that state
# and for ANSIBLE_HOME, removed afterwards; nothing is written to ~/.ansible (prerun is off in
# molecule.yml: the collection is already on ANSIBLE_COLLECTIONS_PATH).
molecule: collection
	mkdir -p $(BUILD_DIR)
	run=$$(mktemp -d $(BUILD_DIR)/molecule.XXXXXX); trap 'rm -rf "$$run"' EXIT; \
	  cd $(COLL) && ANSIBLE_HOME=$$run/ansible-home MOLECULE_EPHEMERAL_DIRECTORY=$$run/state \
	  $(BIN)/python tests/utils/with_simulator.py -- $(BIN)/molecule test -s default

# Plan in check mode, apply, rerun: on a fresh local simulator seeded for the demo.
demo: collection
	cd $(COLL) && PYTHON=$(BIN)/python bash tests/utils/demo.sh

# Figures only, never assertions: printed and written to docs/benchmarks.md.
bench: collection
	cd $(COLL) && $(BIN)/python tests/bench/bench.py --output $(CURDIR)/docs/benchmarks.md

clean:
	rm -rf $(VENV) $(BUILD_DIR) tests/output
