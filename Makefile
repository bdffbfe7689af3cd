# Two commands do everything on a machine that has only python3 and make:
#   make run   - start the bot (with no token: says what to set, and starts the local sandbox)
#   make test  - install what the tests need and run them
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean translations image browser bytecode

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

# The project's own modules compiled to bytecode (__pycache__), as `pip install .` leaves
# them in the Docker image: where PYTHONDONTWRITEBYTECODE is set, Python would otherwise
# compile all of them again at every start.
# Up to date, it only compares times; a module changed since is compiled again at its import.
bytecode: $(BIN)/.run-installed
	$(BIN)/python -m compileall -q bot handlers data

# With no token set, `make run` starts the local sandbox (a page on 127.0.0.1) instead;
# `squadline run` alone still stops there (exit 2), so production never falls into it.
run: $(BIN)/.run-installed $(COMPILED) bytecode
	$(BIN)/squadline run --sandbox-if-no-token

# The sandbox's browser test drives Debian's Chromium (and an emoji font, for its picture).
# On a clean machine `make test` installs them with apt-get, as root: without a question,
# within BROWSER_INSTALL_TIMEOUT seconds (timeout stops apt-get and dpkg with it), and not
# at all once Chromium is there. Where that cannot be done, `make test` goes on and the
# browser test is reported as skipped with the reason (-rs prints it).
BROWSER_PACKAGES := chromium fonts-liberation fonts-noto-color-emoji
BROWSER_INSTALL_TIMEOUT ?= 600
CHROMIUM ?= chromium
browser:
	@if command -v $(CHROMIUM) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  timeout -k 10 $(BROWSER_INSTALL_TIMEOUT) sh -c 'export DEBIAN_FRONTEND=noninteractive; \
	    dpkg --configure -a && apt-get update -qq && \
	    apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES)' \
	    </dev/null >/dev/null 2>&1 \
	  || echo "Chromium could not be installed (apt-get failed, or took over $(BROWSER_INSTALL_TIMEOUT)s): the browser test will be skipped."; \
	else echo "Chromium is not installed and apt-get cannot run here (it needs root): the browser test will be skipped."; fi

test: $(BIN)/.dev-installed $(COMPILED) bytecode browser
	$(BIN)/python -m pytest -q -rs

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check bot handlers data tests bench
	$(BIN)/ruff format --check bot handlers data tests bench
	$(BIN)/mypy

# All of them: the ranking, waves and HTTP client benches (seconds), then the seven load
# scenarios of bench/load_bench.py (about 9 minutes; --quick for a tiny version of each).
bench: $(BIN)/.dev-installed $(COMPILED) bytecode
	$(BIN)/python -m bench.dispatch_bench
	$(BIN)/python -m bench.waves
	$(BIN)/python -m bench.http_calls
	$(BIN)/python -m bench.load_bench

# The Docker image, built with podman where there is no Docker engine (docker/build_image.sh
# says how); `make test` builds and checks it too (tests/image).
image:
	bash docker/build_image.sh localhost/squadline:latest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
