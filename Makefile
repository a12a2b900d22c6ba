# Every target runs in one virtualenv, .venv/, rebuilt only when pyproject.toml changes.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV := $(shell command -v uv 2>/dev/null)
PY_PATHS := $(wildcard src tests benchmarks examples)

.PHONY: install lint format test bench demo clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(UV)" ]; then python3 -m pip install --quiet uv; fi
	uv venv --allow-existing --python python3 $(VENV)
	uv pip install --python $(PY) -e ".[all,dev,bench]"
	touch $(STAMP)

format: install
	$(VENV)/bin/ruff format $(PY_PATHS)
	$(VENV)/bin/ruff check --fix $(PY_PATHS)

lint: install
	$(VENV)/bin/ruff format --check $(PY_PATHS)
	$(VENV)/bin/ruff check $(PY_PATHS)
	$(VENV)/bin/mypy

test: lint
	SPANSCOPE_STRICT=1 $(VENV)/bin/pytest

bench: install
	$(PY) benchmarks/import_time.py
	$(PY) benchmarks/overhead.py

demo: install
	$(PY) examples/quickstart.py
	$(PY) examples/openai_agent.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
