# Two commands on a fresh machine: `make demo` and `make test` (the quick suite);
# `make test-slow` runs the long validations and tutorials, `make test-all` everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PEERS_STAMP := $(VENV)/.installed-peers
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo test test-slow test-all install peers browser clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hanami demo

# The tests check the peer codes' set-up too, so they install the peers, and the
# report page is tested in a real browser (Debian's chromium). Tests marked `slow`
# (long validations and tutorials) run only in `test-slow` and `test-all`.
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadgroup

test: $(PEERS_STAMP) browser
	$(PYTEST) -m "not slow"

test-slow: $(PEERS_STAMP) browser
	$(PYTEST) -m slow

test-all: $(PEERS_STAMP) browser
	$(PYTEST)

browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing Debian's chromium for the report's browser test"; \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null || \
	    echo "could not install chromium: tests/report/test_browser.py will fail, the rest runs"; }

$(PEERS_STAMP): $(STAMP) requirements-peers.txt
	$(BIN)/python -m pip install --quiet -r requirements-peers.txt
	touch $(PEERS_STAMP)

peers: $(PEERS_STAMP)

clean:
	rm -rf $(VENV) runs .pytest_cache
