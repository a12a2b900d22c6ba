# Every target runs in one virtualenv, .venv/, rebuilt only when pyproject.toml changes.
# The web UI (ui/) and the TypeScript SDK (libs/typescript/) are npm projects; their targets
# reinstall node_modules only when a package-lock.json changes.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV := $(shell command -v uv 2>/dev/null)
PY_PATHS := $(wildcard src tests benchmarks examples scripts docs/notebooks)

.PHONY: install lint format keys docs-index docs docs-serve test test-py test-ui test-ts ts-deps ui bench demo clean

install: $(STAMP) ui

$(STAMP): pyproject.toml
	@if [ -z "$(UV)" ]; then python3 -m pip install --quiet uv; fi
	uv venv --allow-existing --python python3 $(VENV)
	uv pip install --python $(PY) -e ".[all,dev,bench]"
	touch $(STAMP)

# Builds the web UI into src/spanscope/server/static (served by `spanscope server` at /).
ui: $(STAMP)
	@if [ ! -f ui/node_modules/.lock-stamp ] || ! cmp -s ui/package-lock.json ui/node_modules/.lock-stamp; then \
		cd ui && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.lock-stamp; \
	fi
	@if [ ! -f src/spanscope/server/static/index.html ] || [ ! -f src/spanscope/server/static/docs-assets/swagger-ui-bundle.js ] || [ -n "$$(find ui/src ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package-lock.json ui/scripts -newer src/spanscope/server/static/index.html -print -quit)" ]; then \
		cd ui && npm run build; \
	else echo "ui: build is up to date"; fi

format: install
	$(VENV)/bin/ruff format $(PY_PATHS)
	$(VENV)/bin/ruff check --fix $(PY_PATHS)

lint: install
	$(VENV)/bin/ruff format --check $(PY_PATHS)
	$(VENV)/bin/ruff check $(PY_PATHS)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo
	$(PY) scripts/generate_keys.py --check
	$(PY) scripts/generate_integrations_index.py --check
	$(PY) scripts/strip_notebooks.py --check
	cd ui && npm run lint
	@if [ -f libs/typescript/package.json ]; then $(MAKE) --no-print-directory ts-deps && cd libs/typescript && npm run build && npm run lint; fi

# The UI's and the TypeScript SDK's reserved keys are generated from spanscope/constants.py.
keys: $(STAMP)
	$(PY) scripts/generate_keys.py

# docs/integrations/README.md is generated from the integration registry.
docs-index: $(STAMP)
	$(PY) scripts/generate_integrations_index.py

# The documentation site (mkdocs.yml over docs/): a strict build into site/ (a broken link or
# anchor fails it; tests/test_docs_site.py builds it too), and a live preview. The variable
# mutes a banner MkDocs prints on every run.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

test: lint test-py test-ui test-ts

# Two worker processes, a test file each at a time: its module fixtures (servers, browsers) are
# made once. Most tests wait on servers and subprocesses, so two workers suit two cores.
test-py: install
	SPANSCOPE_STRICT=1 $(VENV)/bin/pytest -n 2 --dist loadfile

# UI unit tests (vitest); the browser tests run inside pytest (tests/ui/).
test-ui: install
	$(PY) ui/scripts/dump_openapi.py --check
	cd ui && npm run lint && npm test

# The TypeScript SDK's node_modules, and its linter's (libs/typescript/lint: ESLint with its own
# TypeScript 5, apart from the TypeScript 7 that builds the SDK).
ts-deps:
	@cd libs/typescript && \
	if ! cmp -s package-lock.json node_modules/.lock-stamp; then \
		npm ci --no-audit --no-fund && cp package-lock.json node_modules/.lock-stamp; \
	fi && \
	if ! cmp -s lint/package-lock.json lint/node_modules/.lock-stamp; then \
		npm ci --prefix lint --no-audit --no-fund && cp lint/package-lock.json lint/node_modules/.lock-stamp; \
	fi

# The TypeScript SDK: build, lint and test (its integration tests start a real spanscope server).
test-ts: install
	@if [ -f libs/typescript/package.json ]; then \
		$(MAKE) --no-print-directory ts-deps && \
		cd libs/typescript && \
		npm run build && npm run lint && \
		SPANSCOPE_PYTHON=$(abspath $(PY)) npm run test; \
	fi

# Headline figures of every benchmark, beside the peers, as one table (`--full`: at 1M traces).
bench: install
	$(PY) benchmarks/bench.py

# Fills a "demo" experiment (a fresh .spanscope-home/demo.db) by running every example, then
# serves it on 127.0.0.1:5000 (the next free port if taken) and prints the traces page's URL.
demo: install
	$(PY) examples/demo.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
