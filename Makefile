# pinpipe: two commands do everything. `make demo` runs the main job, `make test` every test.
# Both set up what is missing first (Python venv, Maven jars, npm packages); a second run
# finds everything in place and skips straight to the work.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STATE  := .local
JARS   := $(STATE)/jars

.DEFAULT_GOAL := help
.PHONY: help setup system-deps demo test test-fast lint airflow screenshots clean clean-all

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(JARS)/spark/.resolved $(JARS)/kafka/.resolved node_modules/.installed profiles.yml ## install everything the project needs (idempotent)

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@# `source .venv/bin/activate` also exports the settings dbt's profile reads, unless set
	@grep -q PINPIPE_STATE_DIR $(BIN)/activate || printf '\nexport PINPIPE_STATE_DIR="$${PINPIPE_STATE_DIR:-%s}"\nexport DBT_PROFILES_DIR="$${DBT_PROFILES_DIR:-%s}"\n' "$(CURDIR)/$(STATE)" "$(CURDIR)" >> $(BIN)/activate
	@touch $@

$(JARS)/spark/.resolved: jvm/spark/pom.xml
	rm -rf $(JARS)/spark
	mvn --quiet --batch-mode -f jvm/spark/pom.xml dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/$(JARS)/spark
	@touch $@

$(JARS)/kafka/.resolved: jvm/kafka/pom.xml
	rm -rf $(JARS)/kafka
	mvn --quiet --batch-mode -f jvm/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(JARS)/kafka
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages: $(1) the packages, $(2) what needs them. Installs only what is missing, and
# only as root; otherwise says what to run.
define apt-install
@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
if [ -z "$$missing" ]; then echo "system packages present: $(1)"; \
elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
else echo "missing system packages for $(2): $$missing (run \`sudo make $@\` or \`sudo apt-get install $$missing\`)" >&2; exit 1; fi
endef

# System packages the tests need: a PostgreSQL server (the source-database dialect tests start
# their own throw-away instance).
SYSTEM_PACKAGES := postgresql
system-deps: ## apt-install missing system packages (PostgreSQL server for the tests; as root)
	$(call apt-install,$(SYSTEM_PACKAGES),the tests)

profiles.yml:
	cp profiles.example.yml profiles.yml

demo: setup ## set up, then run the main job end to end and print the answers
	$(BIN)/pinpipe demo

airflow: setup ## run Airflow 3 (SQLite, LocalExecutor) with the pinpipe DAGs, on the local stack
	$(BIN)/pinpipe airflow

screenshots: setup ## PNGs of the dbt lineage and the Airflow DAGs in docs/images (after a demo; installs Chromium as root)
	$(call apt-install,chromium,the screenshots)
	$(BIN)/pinpipe screenshots

test: setup ## set up, then run every test (Python, dbt, Airflow, lint)
	$(BIN)/ruff check ingestion airflow
	$(BIN)/pytest

lint: setup ## ruff and sqlfluff
	$(BIN)/ruff check ingestion airflow
	$(BIN)/sqlfluff lint models macros tests

clean: ## stop the stack, remove local data (lake, warehouse, checkpoints, logs, service data, source replica); keeps installs
	@if [ -x $(BIN)/pinpipe ]; then $(BIN)/pinpipe stack down; fi
	rm -rf $(STATE)/lake $(STATE)/spark $(STATE)/checkpoints $(STATE)/run $(STATE)/logs \
		$(STATE)/kafka $(STATE)/kinesis $(STATE)/chaos $(STATE)/source.db target logs

clean-all: clean ## also remove the venv, jars and node_modules
	rm -rf $(VENV) $(STATE) node_modules
