# kassa: thin wrappers around meson/ninja, pytest and the scripts.
#
#   make deps         install what `make test` needs (scripts/deps.sh; the browser test's
#                     chromium, node, npm and playwright-core included)
#   make deps-run     install what building and running kassad needs (scripts/deps.sh run)
#   make deps-all     also the benchmark tools (wrk, nginx)
#   make check-deps   fail unless every package the scripts may install installs together here
#   make build        build/kassad and build/kassa
#   make run          deps-run + build, then a local kassad with a demo shop (scripts/run.sh)
#   make test         check-deps + deps + format check + build, unit tests, end-to-end tests
#                     (SQLite, PostgreSQL), then unit and end-to-end tests again with ASan + UBSan
#   make clean        remove the build directories
#   make format       clang-format our sources in place
#   make format-check fail when a source is not formatted

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

BUILD ?= build
ASAN_BUILD ?= build-asan
PYTHON ?= /usr/bin/python3
MESON_TEST ?= meson test --suite unit --print-errorlogs

# Our C sources (no generated files; build directories are not under these).
FORMAT_FILES = $(shell find include src tests examples bench -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)

.PHONY: all deps deps-run deps-all check-deps build run test test-unit test-e2e test-asan clean \
	format format-check check-layers

all: build

deps:
	scripts/deps.sh test
	tests/browser/setup.sh

deps-run:
	scripts/deps.sh run

deps-all: deps
	scripts/deps.sh --all

# `apt-get install -s` of the whole set scripts/deps.sh may ever ask for (the
# benchmark's tools included), computed by deps.sh itself from its own lists:
# a package that conflicts with an installed one fails here, not on a user's
# first `make run`.
check-deps:
	scripts/deps.sh --check

build:
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD)
	ninja -C $(BUILD)
	@for pair in kassad:src/server/kassad kassa:src/cli/kassa; do \
	    name=$${pair%%:*}; target=$${pair#*:}; \
	    if [ -x "$(BUILD)/$$target" ]; then ln -sfn "$$target" "$(BUILD)/$$name"; \
	    else rm -f "$(BUILD)/$$name"; fi; \
	done

run: deps-run
	$(MAKE) --no-print-directory build
	KASSA_BUILD=$(BUILD) KASSAD=$(BUILD)/kassad scripts/run.sh

test:
	$(MAKE) --no-print-directory check-deps
	$(MAKE) --no-print-directory deps
	$(MAKE) --no-print-directory format-check
	$(MAKE) --no-print-directory check-layers
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-asan

test-unit:
	$(MESON_TEST) -C $(BUILD)

# pytest exits 5 when it collected nothing; that is fine only while there
# are no test files at all. The suite runs twice: on SQLite, then on a
# throwaway PostgreSQL (tests/e2e/pg.py; KASSA_TEST_DB=postgres). Set
# E2E_DBS=sqlite (or postgres) to run one pass only.
E2E_DBS ?= sqlite postgres
test-e2e:
	@for db in $(E2E_DBS); do \
	    echo "==== e2e on $$db"; \
	    if [ $$db = sqlite ]; then env="-u KASSA_TEST_DB"; else env="KASSA_TEST_DB=$$db"; fi; \
	    rc=0; env $$env $(PYTHON) -m pytest -q tests/e2e || rc=$$?; \
	    if [ $$rc -eq 5 ] && [ -z "$$(find tests/e2e -name 'test_*.py' -o -name '*_test.py')" ]; then \
	        echo "e2e: no tests yet"; rc=0; fi; \
	    if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	done

test-asan:
	@test -f $(ASAN_BUILD)/build.ninja || \
	    meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	    $(MESON_TEST) -C $(ASAN_BUILD)
	@echo "==== e2e on sqlite with kassad built with ASan + UBSan"
	env -u KASSA_TEST_DB UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	    KASSAD=$(CURDIR)/$(ASAN_BUILD)/src/server/kassad $(PYTHON) -m pytest -q tests/e2e

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

format:
	clang-format -i $(FORMAT_FILES)

# The layer rules of docs/ARCHITECTURE.md: a forbidden include, a dialect
# named in a neutral layer or a source over 1,000 lines fails, except those
# listed in scripts/layers-baseline.txt (which may only shrink).
check-layers:
	scripts/check-layers.py --baseline scripts/layers-baseline.txt

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
