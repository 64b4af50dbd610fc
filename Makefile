# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PEERS_STAMP := $(VENV)/.installed-peers

.PHONY: demo test install peers clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hanami demo

# The tests check the peer codes' set-up too, so they install the peers.
test: $(PEERS_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

$(PEERS_STAMP): $(STAMP) requirements-peers.txt
	$(BIN)/python -m pip install --quiet -r requirements-peers.txt
	touch $(PEERS_STAMP)

peers: $(PEERS_STAMP)

clean:
	rm -rf $(VENV) runs .pytest_cache
