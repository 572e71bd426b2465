# Two commands matter: `make run` (set up, load demo data, serve) and `make test` (set up, run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := app

.PHONY: setup system ralph run test test-pg lint check-content clean bench

# System libraries installed from Debian when missing (root only; skipped elsewhere with a note).
# chromium: the real browser the end-to-end tests drive (Playwright cannot download its own here).
SYSTEM_PACKAGES := libharfbuzz-subset0 chromium fonts-dejavu-core
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "note: install these Debian packages for full speed:$$missing"; fi; fi

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The instance secret is part of setup, so `flask --app app lms ...` works after either command.
setup: system $(BIN)/.installed instance/config.py

# Ralph (openfun's LRS), the external LRS the forwarding tests send statements to, in its own venv.
# Its `lrs` extra misses `requests`, which ralph.api imports (OIDC auth); the filesystem backend needs no extra.
RALPH_VENV := .venv-ralph
RALPH_SPEC := ralph-malph[lrs]==5.1.0
$(RALPH_VENV)/.installed:
	test -x $(RALPH_VENV)/bin/python || $(PYTHON) -m venv $(RALPH_VENV)
	$(RALPH_VENV)/bin/pip install -q --upgrade pip
	$(RALPH_VENV)/bin/pip install -q '$(RALPH_SPEC)' 'requests>=2.31'
	touch $@

ralph: $(RALPH_VENV)/.installed

instance/config.py: | $(BIN)/.installed
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

# Links printed by the demo and in the QR codes point at the address being served, unless set.
run: export LMS_BASE_URL ?= http://$(HOST):$(PORT)
run: setup instance/config.py
	$(BIN)/flask lms init
	$(BIN)/flask lms demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: setup ralph
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-pg: setup ralph
	LMS_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench.run_all

check-content: setup instance/config.py
	$(BIN)/flask lms check-content

lint: setup
	$(BIN)/ruff check lms tests app.py

clean:
	rm -rf $(VENV) $(RALPH_VENV) build dist *.egg-info .pytest_cache
