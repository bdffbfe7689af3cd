# Two commands do everything on a machine that has only python3 and make:
#   make run   - start the bot (says what to set when no token is configured)
#   make test  - install what the tests need and run them
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/.run-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(BIN)/.dev-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(BIN)/.run-installed $@

run: $(BIN)/.run-installed
	$(BIN)/squadline run

test: $(BIN)/.dev-installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check bot handlers data tests bench
	$(BIN)/ruff format --check bot handlers data tests bench
	$(BIN)/mypy

bench: $(BIN)/.dev-installed
	$(BIN)/python -m bench.dispatch_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
