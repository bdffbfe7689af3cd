# Two commands do everything on a machine that has only python3 and make:
#   make run   - start the bot (says what to set when no token is configured)
#   make test  - install what the tests need and run them
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean translations image

# The gettext catalogues (bot/locale/<lang>/LC_MESSAGES/squadline.po) are compiled to .mo
# before the bot runs or is tested; `make translations` also brings every .po up to date
# with the English source in bot/messages.py (new keys come in empty, changed ones fuzzy).
CATALOGUES := $(wildcard bot/locale/*/LC_MESSAGES/squadline.po)
COMPILED := $(CATALOGUES:.po=.mo)

$(BIN)/.run-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(BIN)/.dev-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(BIN)/.run-installed $@

%.mo: %.po $(BIN)/.run-installed
	$(BIN)/pybabel compile --domain squadline -i $< -o $@

translations: $(BIN)/.run-installed
	$(BIN)/python -m bot.catalogues update
	$(BIN)/python -m bot.catalogues compile

run: $(BIN)/.run-installed $(COMPILED)
	$(BIN)/squadline run

test: $(BIN)/.dev-installed $(COMPILED)
	$(BIN)/python -m pytest -q -rs

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check bot handlers data tests bench
	$(BIN)/ruff format --check bot handlers data tests bench
	$(BIN)/mypy

# All of them: the ranking and waves benches (seconds), then the seven load scenarios of
# bench/load_bench.py (about 9 minutes; --quick for a tiny version of each).
bench: $(BIN)/.dev-installed $(COMPILED)
	$(BIN)/python -m bench.dispatch_bench
	$(BIN)/python -m bench.waves
	$(BIN)/python -m bench.load_bench

# The Docker image, built with podman where there is no Docker engine (docker/build_image.sh
# says how); `make test` builds and checks it too (tests/image).
image:
	bash docker/build_image.sh localhost/squadline:latest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
