# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

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

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

peers: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-peers.txt

clean:
	rm -rf $(VENV) runs .pytest_cache
