# santa-stack - a thin Makefile for workshop users. The real build is CMake
# (CMakeLists.txt); every target here is a short, readable recipe around it,
# so `make -n TARGET` shows exactly what a step runs.
#
#   make            list the targets
#   make test       what CI runs (.ci/run)

# bash with errexit/pipefail for every recipe line: a failing command in the
# middle of a pipeline or a compound line must fail the target, loudly.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# A failed recipe must not leave a half-written target behind.
.DELETE_ON_ERROR:

STAGE ?= 02-sqlite
PORT ?=
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Directories: the normal build lands binaries in build/bin (CMakeLists.txt
# sets CMAKE_RUNTIME_OUTPUT_DIRECTORY); sanitizer builds get their own trees
# so switching between them never forces a full rebuild of the others.
BUILD := build
BUILD_ASAN := build-asan
BUILD_TSAN := build-tsan

# ctest runs at most two tests at a time: the project's machine has 2 cores
# and the e2e tests start servers of their own.
CTEST := ctest --output-on-failure -j2 --no-tests=error
# Under TSan only the tests with threads in them are worth the 5-15x slowdown:
# the store conformance suites (concurrent writers) and the end-to-end suites
# (CivetWeb worker threads, concurrent joins and draws), and libinstrument's
# tests (per-thread shards, exporter and statsd threads), and the reminder
# workers with four sender threads each (SANTA_WORKER_THREADS below): twenty
# mails through a worker, and a worker killed mid-batch.
TSAN_TESTS := ^(test_store_.*|e2e_.*|test_inst_.*|remind_twenty_.*|remind_kill_.*)$$

# Sanitizer runtime options: fail on the first report, keep the stack traces
# useful. halt_on_error makes a TSan race fail the test instead of only
# printing a warning.
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
# tools/tsan.supp names the races inside third-party libraries (CivetWeb's
# gmtime) that we cannot fix, each with its reason; our own code has none.
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tools/tsan.supp

.PHONY: help deps build test test-unit test-asan test-tsan test-docs test-docs-quick test-docker demo walk loadtest \
	sweep saturate run stop bench bench-load bench-scale bench-remind bench-remind-post clean

help: ## list the targets
	@echo "santa-stack: make TARGET"
	@echo
	@echo "  deps     install the Debian packages (deploy/install-deps)"
	@echo "  build    configure and build into $(BUILD)/ (binaries in $(BUILD)/bin)"
	@echo "  test     every test; then again under ASan+UBSan; threaded tests under TSan"
	@echo "  test-docs  run every shell block docs/ and the READMEs mark runnable (tools/doc-check, ~60 min)"
	@echo "  test-docs-quick  the same but for the five long pages (Makefile DOCS_LONG); .ci/run runs it"
	@echo "  test-docker  every stage in containers (podman or docker): up, e2e suite, down -v"
	@echo "  demo     build, load-test every stage (read-mostly), reports in $(BUILD)/reports/"
	@echo "           DEPLOY=docker: every stage in containers instead (deploy/docker/up)"
	@echo "  walk     build, start stage 02 and walk one exchange with curl"
	@echo "  loadtest one stage under a scenario: make loadtest STAGE=02-sqlite [SCENARIO=...]"
	@echo "  sweep    one stage at 1k and 10k participants: make sweep STAGE=02-sqlite"
	@echo "  saturate how much a stage takes (p99 <= 50 ms): make saturate STAGE=02-sqlite"
	@echo "  run      build and start one stage: make run STAGE=01-csv [PORT=8080]"
	@echo "  stop     stop it again:             make stop STAGE=01-csv"
	@echo "  bench    build and run bench/run-bench: every stage, the instrument bench, the issue's numbers"
	@echo "  bench-load  santa-load against wrk on the baseline (about 1 minute)"
	@echo "  bench-remind  the slow e-mail script, --index, threads and processes (bench/run-bench-remind)"
	@echo "  bench-remind-post  POST .../reminders for 10,000 on stages 02-05 against the 50 ms goal"
	@echo "  clean    stop running stages; remove $(BUILD)/, $(BUILD_ASAN)/, $(BUILD_TSAN)/"
	@echo
	@echo "stages: $$(cd stages && ls -d [0-9]* | tr '\n' ' ')"

deps:
	deploy/install-deps

# configure every time: cmake only rewrites what changed, and a fresh checkout
# or a new stage directory is picked up without a separate step.
build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD) -j$(JOBS)

test: deps
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	@echo "make test: all passed (plain, ASan+UBSan, TSan)"

# The three parts of `make test`, also usable one by one while iterating.
test-unit: build
	$(CTEST) --test-dir $(BUILD)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSANTA_SANITIZE=address
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	$(CTEST) --test-dir $(BUILD_ASAN)

test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSANTA_SANITIZE=thread
	cmake --build $(BUILD_TSAN) -j$(JOBS)
	SANTA_WORKER_THREADS=4 $(CTEST) --test-dir $(BUILD_TSAN) -R '$(TSAN_TESTS)'

# Every command the docs mark runnable, in order, on loopback, bounded in time
# (tools/doc-check; docs/README.md says how blocks are marked).
test-docs: build
	tools/doc-check

# What .ci/run affords of it: every page but the five whose blocks run the
# long demos, sweeps, load tests and the callgrind profile (instructor.md,
# measuring.md, reminders-profiling.md, 02-sqlite.md and 04-cache.md: most of
# test-docs' hour). Those run in `make test-docs` before a workshop.
DOCS_LONG := docs/instructor.md docs/measuring.md docs/reminders-profiling.md \
             docs/02-sqlite.md docs/04-cache.md
test-docs-quick: build
	DOC_CHECK_EXCLUDE="$(DOCS_LONG)" tools/doc-check

# The container deployment (deploy/docker/README.md): its own packages
# (install-deps --docker: podman, podman-compose, docker-compose, debootstrap),
# which `make test` does not need. Bounded: 25 minutes at most, under 15 on
# a warm image cache.
test-docker: build
	deploy/install-deps --docker
	timeout 1800 deploy/docker/tests/test-docker

# The main job: every stage under the same load test, then the comparison
# (loadtests/demo; a few minutes). The curl walk of one exchange is `make walk`.
# DEPLOY=docker runs every stage in containers (deploy/docker/up) instead.
DEPLOY ?= local
export DEPLOY
demo: build
	$(if $(filter docker,$(DEPLOY)),deploy/install-deps --docker)
	loadtests/demo

walk: build
	deploy/demo

SCENARIO ?= loadtests/scenarios/read-mostly.cfg
loadtest: build
	loadtests/run-stage $(STAGE) $(SCENARIO)

sweep: build
	loadtests/sweep $(STAGE)

# The saturation search: the highest rate STAGE sustains within the SLO
# (loadtests/saturate; SLO_P99=50 ms, SATURATE_SECONDS=4 per step).
saturate: build
	loadtests/saturate $(STAGE)

# `make run` starts the stage in the background through deploy/local/up (the
# same path the workshop scripts use, so the env file and log are where
# everyone expects them), prints the URL, then follows the log; Ctrl-C stops
# the server. Without a terminal (scripts, CI) it returns right after `up`
# and `make stop` stops the server.
run: build
	deploy/local/up $(STAGE) $(if $(PORT),--port $(PORT))
	@if [ -t 0 ] && [ -t 1 ]; then \
	  trap 'echo; deploy/local/down $(STAGE)' EXIT; \
	  trap 'exit 0' INT TERM; \
	  echo "following $(BUILD)/run/$(STAGE)/santa.log; Ctrl-C stops the server"; \
	  tail -n 0 -f $(BUILD)/run/$(STAGE)/santa.log; \
	else \
	  echo "running in the background; stop it with: make stop STAGE=$(STAGE)"; \
	fi

stop:
	deploy/local/down $(STAGE)

bench: build
	bench/run-bench

bench-load: build
	bench/run-bench-load

bench-remind: build
	bench/run-bench-remind

bench-remind-post: build
	bench/run-bench-remind-post

# Stop running stages first: their env files (the only record of their PIDs)
# live in build/run and are about to be deleted.
clean:
	for envfile in $(BUILD)/run/*/env; do \
	  if [ -e "$$envfile" ]; then deploy/local/down "$$(basename "$$(dirname "$$envfile")")"; fi; \
	done
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN)
