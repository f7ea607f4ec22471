# credrotate.cloud: developer entry points. `make help` lists them.
# Every target installs what it needs itself (through `venv`); nothing is expected on the
# machine beyond `python3` (3.11), `git` and `make` (MariaDB and Redis for real-backend tests).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# One shell per recipe (multi-line scripts below); with -e it still stops at the first failure.
.ONESHELL:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PYTHON ?= python3
EMULATOR_PORT ?= 8787
EMULATOR_FIXTURES ?= tests/emulator/fixtures/demo.yml
DEMO_ARGS ?=
PYTEST_ARGS ?=
# pytest-xdist on 2 cores: it roughly halves the integration time (the full suite is the slow part). PYTEST_XDIST= turns it off.
PYTEST_XDIST ?= -n auto
SANITY_ARGS ?=

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt tests/requirements.txt tests/constraints.txt
COLLECTION_LINK := .collections/ansible_collections/credrotate/cloud
SANITY_ROOT := build/sanity/ansible_collections/credrotate/cloud

# The venv's tools (ansible-lint runs ansible-playbook, ansible-test runs ansible-*) come first.
export PATH := $(BIN):$(PATH)
export DEMO_ARGS
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv constraints test lint sanity unit integration molecule matrix demo emulator build clean distclean

help:
	@echo 'make venv         .venv from the pinned requirements, collection linked into .collections'
	@echo '                  (then: . .venv/bin/activate)'
	@echo 'make demo         the rotation against the embedded cloud emulator (DEMO_ARGS=...)'
	@echo 'make test         all the tests: lint, sanity, unit, integration, molecule and matrix (in that order)'
	@echo 'make lint         ansible-lint, production profile'
	@echo 'make matrix       the built tarball on ansible-core 2.17, 2.18 and 2.19: unit tests and an ad-hoc call'
	@echo 'make sanity       ansible-test sanity on a copy of the tracked files (build/sanity)'
	@echo 'make unit         pytest tests/unit (PYTEST_ARGS=..., PYTEST_XDIST=-n auto by default)'
	@echo 'make integration  pytest tests/integration (PYTEST_ARGS=..., PYTEST_XDIST=-n auto by default)'
	@echo 'make molecule     the rotation role scenario: converge, idempotence, verify against the emulator'
	@echo 'make emulator     the cloud emulator on 127.0.0.1:$(EMULATOR_PORT), on real MariaDB/Redis when they are there,'
	@echo '                  in memory otherwise, and says which (EMULATOR_PORT=..., EMULATOR_FIXTURES=...,'
	@echo '                  EMULATOR_BACKENDS=auto|memory|real; in memory: rotation_probe=never)'
	@echo 'make build        the collection tarball in build/'
	@echo 'make docsite      the docsite (modules, role and the docs/ guides) in build/docsite/build/html, offline'
	@echo 'make docsite-rst  regenerate docs/docsite/rst/ from the Markdown guides in docs/ (after editing one)'
	@echo 'make constraints  re-pin tests/constraints.txt from the requirement files'
	@echo 'make clean        remove build and test outputs; make distclean also removes .venv'

# --- environment ------------------------------------------------------------------------

venv: $(STAMP) $(COLLECTION_LINK)

# Rebuilt from scratch whenever a requirement file changes, so nothing stale survives.
$(STAMP): $(REQUIREMENTS)
	rm -rf $(VENV)
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "make venv: $(PYTHON) must be Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt -c tests/constraints.txt
	$(BIN)/python -m pip check
	touch $@

# `../../..` from .collections/ansible_collections/credrotate/ is the repository root.
$(COLLECTION_LINK):
	mkdir -p $(@D)
	ln -sfn ../../.. $@

# Re-pin every transitive dependency from a throwaway venv (review the diff, then commit).
constraints:
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT
	$(PYTHON) -m venv "$$tmp/venv"
	"$$tmp/venv/bin/python" -m pip install --quiet -r tests/requirements.txt
	{ sed -n '/^#/p' tests/constraints.txt; "$$tmp/venv/bin/python" -m pip freeze; } > "$$tmp/constraints.txt"
	cmp -s "$$tmp/constraints.txt" tests/constraints.txt || mv "$$tmp/constraints.txt" tests/constraints.txt

# --- tests --------------------------------------------------------------------------------

test: lint sanity unit integration molecule matrix

lint: venv
	ansible-lint --offline
	antsibull-changelog lint
	cd $(COLLECTION_LINK) && antsibull-docs lint-collection-docs --plugin-docs .

# ansible-test wants the collection under ansible_collections/<namespace>/<name>/: test a fresh
# copy of what git would commit (tracked plus untracked-not-ignored files). It runs on the venv's
# Python and builds a pinned virtualenv per sanity test (cached in ~/.ansible/test/venv; no
# docker). Those start without pip, and the pip bootstrap script ansible-test downloads is not
# reachable from here, so an offline stand-in goes into its cache unless a real one is there.
GET_PIP_VERSION = python -c 'from ansible_test._internal.python_requirements import get_venv_packages as p; \
	from ansible_test._internal.host_configs import NativePythonConfig as c; print(p(c(version="3.11", path=""))["pip"])'

sanity: venv
	get_pip="$$HOME/.ansible/test/cache/get_pip_$$($(GET_PIP_VERSION) | tr . _).py"
	if [ ! -e "$$get_pip" ] || grep -q 'credrotate.cloud offline get-pip stand-in' "$$get_pip"; then
	  install -D -m 0644 tests/tools/ansible_test_get_pip.py "$$get_pip"
	fi
	rm -rf build/sanity
	mkdir -p $(SANITY_ROOT)
	git ls-files -z -co --exclude-standard \
	  | while IFS= read -r -d '' f; do if [ -e "$$f" ] || [ -L "$$f" ]; then printf '%s\0' "$$f"; fi; done \
	  | xargs -0 -r cp -a --parents -t $(SANITY_ROOT)
	git -C $(SANITY_ROOT) init --quiet
	cd $(SANITY_ROOT)
	ansible-test sanity --python 3.11 --color no $(SANITY_ARGS)

# pytest exits 5 when it collects nothing: that is success only while the directory holds no
# test files at all; once it does, collecting nothing is a failure.
define run_pytest
	@if [ ! -d $(1) ]; then echo "make $(2): no $(1) yet: nothing to run"; exit 0; fi
	tests=$$(find $(1) -name 'test_*.py' -o -name '*_test.py')
	echo "python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS) $(1)"
	rc=0; python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS) $(1) || rc=$$?
	if [ "$$rc" -eq 5 ] && [ -z "$$tests" ]; then echo "make $(2): no test files under $(1) yet"; rc=0; fi
	exit "$$rc"
endef

unit: venv
	$(call run_pytest,tests/unit,unit)

integration: venv
	$(call run_pytest,tests/integration,integration)

# One venv per supported ansible-core under build/matrix (MATRIX_VERSIONS="2.18.19" narrows it).
matrix: venv
	tests/tools/matrix.sh

# --- running ------------------------------------------------------------------------------

# The role's scenario (molecule/default): it starts and stops its own emulator.
molecule: venv
	molecule test

demo: venv
	@playbooks/demo/run

# The real MariaDB and Redis backends when they are there (as make demo), in memory otherwise;
# tests/tools/serve-emulator says which (EMULATOR_BACKENDS=auto|memory|real).
emulator: venv
	@EMULATOR_PORT='$(EMULATOR_PORT)' EMULATOR_FIXTURES='$(EMULATOR_FIXTURES)' tests/tools/serve-emulator

build: venv
	mkdir -p build
	ansible-galaxy collection build --force --output-path build .

clean:
	rm -rf build tests/output .pytest_cache
	find . -path ./.venv -prune -o -path ./.collections -prune -o -path ./.git -prune \
	  -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .collections .ansible

# --- docsite ------------------------------------------------------------------------------

# The guides are written in Markdown (docs/); antsibull-docs reads their RST form in
# docs/docsite/rst (listed in docs/docsite/extra-docs.yml), which tests/tools/md2rst.py writes.
.PHONY: docsite docsite-rst
docsite-rst: venv
	python tests/tools/md2rst.py

docsite: venv
	python tests/tools/md2rst.py --check
	python tests/tools/build_docsite.py --dest build/docsite
