# Two commands: `make demo` (full conformance run against the bundled reference target)
# and `make test` (the harness's own tests). Both install what they need first.
PYTHON ?= python3
# every run starts processes (xdist workers, child runs in the tests): without cached bytecode each one
# compiles the harness and the suites again (~0.3 s CPU a process), so do not inherit the switch-off
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := fixtures/reference_target/node_modules/.package-lock.json
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test unit install chromium node lint typecheck check clean schema allure bench bench-faults dot-install dot glewlwyd-install glewlwyd keycloak-install keycloak interop interop-install

$(STAMP): pyproject.toml examples/org_policy/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	# the example suite plugin (examples/org_policy): shows how an installed package adds a suite
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e examples/org_policy
	# bytecode for the engine and the suites even where PYTHONDONTWRITEBYTECODE is set (CI images):
	# every run's xdist workers would otherwise compile ~190 modules each (~0.4 s CPU a process)
	$(PY) -m compileall -q harness suites examples/org_policy
	touch $(STAMP)

$(NODE_STAMP): fixtures/reference_target/package-lock.json
	cd fixtures/reference_target && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) node chromium

# the real servers of the interoperability runs (tests/interop, make interop)
interop-install: install dot-install glewlwyd-install keycloak-install

node: $(NODE_STAMP)

# django-oauth-toolkit (interoperability target) lives in its own venv: fixtures/dot_target/.venv
DOT_STAMP := fixtures/dot_target/.venv/.requirements.sha256
$(DOT_STAMP): fixtures/dot_target/requirements.txt $(STAMP)
	$(PY) -c "from harness.interop.dot import ensure_installed; ensure_installed()"
dot-install: $(DOT_STAMP)

# Glewlwyd (interoperability target): Debian package, preseeded; its system service is not used.
glewlwyd-install:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO sh fixtures/glewlwyd_target/install.sh

# Keycloak (interoperability target): the pinned org.keycloak:keycloak-quarkus-dist zip through Maven,
# SHA-256 checked, unpacked and built (kc.sh build) into .tools/keycloak; a second run does nothing.
keycloak-install: $(STAMP)
	$(PY) -c "from harness.interop.keycloak import ensure_installed; ensure_installed()"

# Debian's chromium for the browser login driver (Playwright cannot download its own here).
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian chromium for the browser login driver"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; }; }

demo: install
	$(VENV)/bin/oauth-harness run

# pytest-xdist workers: twice the cores, at most 8. `make unit` is CPU-bound (4 and 6 workers on 2 cores
# end it in the same time). `make test` ended 10-20% sooner on 6 workers (215 s against 242 s; 293 s
# against 359 s on a slower machine; no sooner on a third, 465 s against 448 s: CPU-bound), but its in-process runs of lifetime-bound checks (10 s device and
# CIBA lifetimes) then ran so slowly that a clean-clone run saw two codes expire before the harness
# polled: the proof stays on 4 (override with TEST_WORKERS=N)
UNIT_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); w=$$((n * 2)); [ $$w -gt 8 ] && w=8; echo $$w)
TEST_WORKERS ?= $(UNIT_WORKERS)

# The fast lane: every test that needs no server (spec functions, profile, reporting, redaction,
# registry, CLI usage, report rendering in Chromium). `make test` stays the full proof.
unit: $(STAMP) chromium
	$(PY) -m pytest -n $(UNIT_WORKERS) -p xdist --dist worksteal -m "not server" tests

# --dist worksteal: an idle worker takes the tests at the end of another's queue; tests/conftest.py
# (long_tests_first) starts every queue with the long tests, so no worker waits out another's last one
test: install interop-install allure
	$(VENV)/bin/ruff check harness suites tests bench examples
	$(VENV)/bin/mypy
	$(PY) -m pytest -n $(TEST_WORKERS) -p xdist --dist worksteal tests

# Interoperability: one full run per local server, then the matrix side by side.
dot: interop-install
	$(VENV)/bin/oauth-harness run --local dot --report-dir reports/interop/dot

glewlwyd: interop-install
	$(VENV)/bin/oauth-harness run --local glewlwyd --report-dir reports/interop/glewlwyd

keycloak: interop-install
	$(VENV)/bin/oauth-harness run --local keycloak --report-dir reports/interop/keycloak

INTEROP_TARGETS ?= reference dot glewlwyd keycloak
interop: interop-install
	@status=0; for t in $(INTEROP_TARGETS); do \
	  $(VENV)/bin/oauth-harness run --local $$t --report-dir reports/interop/$$t || status=1; done; \
	$(VENV)/bin/oauth-harness matrix $(addprefix reports/interop/,$(INTEROP_TARGETS)) --output reports/interop; \
	exit $$status

bench: install
	$(PY) bench/run_benchmark.py

bench-faults: install
	$(PY) bench/fault_matrix.py

lint:
	$(VENV)/bin/ruff check harness suites tests bench examples

typecheck:
	$(VENV)/bin/mypy

schema: $(STAMP)
	$(VENV)/bin/oauth-harness schema > fixtures/profile.schema.json
	$(PY) -c "import json; from harness.reporting.model import results_json_schema as s; print(json.dumps(s(), indent=2))" > harness/reporting/results.schema.json

clean:
	rm -rf $(VENV) fixtures/reference_target/node_modules fixtures/dot_target/.venv reports/2* reports/interop

# Allure 2 command line (npm package, runs on the system Java) for `oauth-harness report --allure`.
ALLURE_BIN := .tools/allure/node_modules/.bin/allure
allure: $(ALLURE_BIN)
$(ALLURE_BIN):
	mkdir -p .tools/allure && cd .tools/allure && npm install --no-audit --no-fund --loglevel=error allure-commandline@2.46.1
