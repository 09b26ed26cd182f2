# kassa: thin wrappers around meson/ninja, pytest and the scripts.
#
#   make deps         install what `make test` needs (scripts/deps.sh; the browser test's
#                     chromium, node, npm and playwright-core, the OpenAPI linter included)
#   make deps-run     install what building and running kassad needs (scripts/deps.sh run)
#   make deps-all     also the benchmark tools (wrk, nginx)
#   make check-deps   fail unless every package the scripts may install installs together here
#   make build        build/kassad and build/kassa
#   make run          deps-run + build, then a local kassad with a demo shop (scripts/run.sh)
#   make test         check-deps + deps + format check + the OpenAPI lint (test-openapi)
#                     + build, unit tests, the clang build
#                     (test-clang), end-to-end tests (SQLite, PostgreSQL), then unit and
#                     end-to-end tests again with ASan + UBSan (test-asan), then unit tests and
#                     the concurrency slice of the end-to-end tests with TSan (test-tsan)
#   make test-openapi lint docs/openapi/*.json with @redocly/cli (tests/openapi/lint.sh)
#   make test-clang   build everything with clang (-Werror, as gcc) and run the unit tests
#   make test-tsan    ThreadSanitizer: unit tests and TSAN_E2E (below) on SQLite and PostgreSQL
#   make test-fuzz    each libFuzzer target of fuzz/ for FUZZ_SHORT seconds (30)
#   make fuzz         each target for FUZZ_SECONDS (600), building on earlier runs (var/fuzz/)
#   make soak         the crash loops (tests/e2e/test_crash.py) with SOAK_ROUNDS (200) kills,
#                     on SQLite and PostgreSQL (make test runs 6)
#   make screenshots  regenerate docs/img/console-*.png, the console screenshots README.md
#                     shows (scripts/screenshots.py: a demo day in a kassad of its own)
#   make clean        remove the build directories
#   make format       clang-format our sources in place
#   make format-check fail when a source is not formatted

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

BUILD ?= build
ASAN_BUILD ?= build-asan
CLANG_BUILD ?= build-clang
TSAN_BUILD ?= build-tsan
PYTHON ?= /usr/bin/python3
MESON_TEST ?= meson test --suite unit --print-errorlogs

# Our C sources (no generated files; build directories are not under these).
FORMAT_FILES = $(shell find include src tests examples bench fuzz -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)

.PHONY: all deps deps-run deps-all check-deps build run test test-unit test-clang test-e2e \
	test-asan test-tsan test-fuzz fuzz soak clean format format-check check-layers test-openapi \
	screenshots

all: build

deps:
	scripts/deps.sh test
	tests/browser/setup.sh
	tests/openapi/setup.sh

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
	$(MAKE) --no-print-directory test-openapi
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-clang
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory test-fuzz

# The OpenAPI documents kassad serves (docs/openapi/), linted; the end-to-end
# suite checks kassad's answers against them (tests/e2e/openapi_check.py).
test-openapi:
	tests/openapi/lint.sh

FUZZ_SHORT ?= 30
FUZZ_SECONDS ?= 600
test-fuzz:
	scripts/fuzz.sh $(FUZZ_SHORT)

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

screenshots: build
	tests/browser/setup.sh
	KASSAD=$(CURDIR)/$(BUILD)/src/server/kassad $(PYTHON) scripts/screenshots.py

SOAK_ROUNDS ?= 200
soak: build
	@for db in $(E2E_DBS); do \
	    echo "==== soak on $$db"; \
	    if [ $$db = sqlite ]; then env="-u KASSA_TEST_DB"; else env="KASSA_TEST_DB=$$db"; fi; \
	    env $$env KASSA_CRASH_ROUNDS=$(SOAK_ROUNDS) $(PYTHON) -m pytest -q -s tests/e2e/test_crash.py; \
	done

test-unit:
	$(MESON_TEST) -C $(BUILD)

# The whole tree with clang, warnings as errors as with gcc (meson.build's
# werror), so code clang refuses cannot land; its unit tests cost seconds.
test-clang:
	@test -f $(CLANG_BUILD)/build.ninja || CC=clang meson setup $(CLANG_BUILD) -Dwerror=true
	ninja -C $(CLANG_BUILD)
	$(MESON_TEST) -C $(CLANG_BUILD)

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

# ThreadSanitizer: the unit tests, then the end-to-end tests that drive
# threads against each other, with kassad built with TSan (a report makes
# kassad exit 66, and the harness fails any test whose kassad log holds one).
# The slice, on SQLite and on PostgreSQL (where kassad runs two writer
# threads): about 1.5 minutes on a 2-core machine, where the whole suite
# under TSan takes 5 (2 on SQLite, 3 on PostgreSQL):
#   test_panda: creates raced on one idempotency key, 60 and 80 concurrent
#     creates in group-commit batches (suspend, writer, resumer), and 16
#     threads creating while SIGTERM or SIGKILL stops kassad;
#   test_money: 60 operator decisions raced over 10 withdrawals, concurrent
#     tegro withdrawals over one balance (nonces recorded by both writer
#     threads on PostgreSQL);
#   test_lifecycle: the sweeper expiring orders while the clock moves, and 32
#     operators completing one order at once;
#   test_callbacks: the dispatcher thread (curl multi, retries, kill -9,
#     resends through the admin API, many callbacks to one receiver);
#   test_server: SIGTERM with requests in flight, the WAL checkpointer thread;
#   test_tls: certificate reloads (SIGHUP) under traffic;
#   test_pg_writers, test_pg_nodes (PostgreSQL only): four writer threads,
#     two nodes on one database, and test_store_pg (two writers in one
#     process) run from KASSA_BUILD, so under TSan too.
TSAN_E2E = \
	tests/e2e/test_panda.py::test_idempotency_concurrent_duplicates_one_order \
	tests/e2e/test_panda.py::test_concurrent_distinct_orders_all_committed \
	tests/e2e/test_panda.py::test_countries_concurrent_creates_never_other_countries \
	tests/e2e/test_panda.py::test_answered_orders_survive_stop_under_load \
	tests/e2e/test_money.py::test_concurrent_operator_decisions \
	tests/e2e/test_money.py::test_tegro_concurrent_withdrawals_http \
	tests/e2e/test_lifecycle.py \
	tests/e2e/test_callbacks.py \
	tests/e2e/test_metrics.py \
	tests/e2e/test_server.py::test_sigterm_answers_request_in_flight \
	tests/e2e/test_server.py::test_sigterm_refuses_new_connections_then_exits \
	tests/e2e/test_server.py::test_wal_is_checkpointed_into_the_database_file \
	tests/e2e/test_tls.py::test_reload_under_traffic \
	tests/e2e/test_pg_writers.py \
	tests/e2e/test_pg_nodes.py
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1
test-tsan:
	@test -f $(TSAN_BUILD)/build.ninja || \
	    meson setup $(TSAN_BUILD) -Db_sanitize=thread -Db_lundef=false
	ninja -C $(TSAN_BUILD)
	$(TSAN_ENV) $(MESON_TEST) -C $(TSAN_BUILD)
	@for db in sqlite postgres; do \
	    echo "==== e2e concurrency slice on $$db with kassad built with TSan"; \
	    if [ $$db = sqlite ]; then env="-u KASSA_TEST_DB"; else env="KASSA_TEST_DB=$$db"; fi; \
	    env $$env $(TSAN_ENV) KASSA_BUILD=$(CURDIR)/$(TSAN_BUILD) \
	        KASSAD=$(CURDIR)/$(TSAN_BUILD)/src/server/kassad $(PYTHON) -m pytest -q $(TSAN_E2E); \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(TSAN_BUILD) build-fuzz

format:
	clang-format -i $(FORMAT_FILES)

# The layer rules of docs/ARCHITECTURE.md: a forbidden include, a dialect
# named in a neutral layer or a source over 1,000 lines fails, except those
# listed in scripts/layers-baseline.txt (which may only shrink).
check-layers:
	scripts/check-layers.py --baseline scripts/layers-baseline.txt

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
