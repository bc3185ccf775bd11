# The front door. CMake builds; this file names the jobs.
#   make          build everything (the program lands at build/booking)
#   make test     build plain, ASan+UBSan and TSan trees and run the whole suite; build
#                 the tree with clang too (build-clang, no tests run there)
#   make run      start the service on the embedded SQLite store
#   make install  install under PREFIX (default /usr/local), staged under DESTDIR if set
#   make bench    the in-process benchmark table (not a test)
#   make fuzz     libFuzzer targets (clang, build-fuzz), SECONDS=N each (default 60)
#   make soak     the deterministic simulation on random seeds for SECONDS=N
#   make coverage line and branch coverage per folder (build-coverage)
#   make test-fresh  the README's test command in a clean minimal Debian 12 root (slow; root)
#   make test-systemd  booking.service under a real systemd, booted with systemd-nspawn (root)
# Every target installs missing Debian packages first (scripts/install-deps).

# The build tree's own make says nothing about directories: only its progress.
MAKEFLAGS += --no-print-directory

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure --timeout 300
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all build build-program deps install test test-plain test-clang test-asan test-tsan test-ha test-fresh test-systemd run bench clean fuzz soak coverage

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j$(JOBS)

# Only the program (and the libraries it links): what `make run` needs.
build-program: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j$(JOBS) --target booking

build-asan/CMakeCache.txt:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBOOKING_SANITIZE=address $(CMAKE_FLAGS) >/dev/null
build-tsan/CMakeCache.txt:
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOKING_SANITIZE=thread $(CMAKE_FLAGS) >/dev/null
# Debug: clang's warnings come from its front end, which sees the same code at any -O, and
# a build without the optimizer takes about a third less CPU.
build-clang/CMakeCache.txt:
	@cmake -S . -B build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null

test: build test-clang test-plain test-asan test-tsan
	@echo "make test: every tree passed (plain, asan+ubsan, tsan) and the clang tree built"

test-plain: build
	cd build && ctest $(CTEST_FLAGS) -j$(JOBS) -LE '^(ha|long)$$'

# Only a build, with -Werror as every tree: clang warns where gcc does not
# (-Wstring-concatenation, -Wmissing-field-initializers in nested braces, ...),
# and the tree is to stay clean under both. Its tests would repeat the plain tree's.
test-clang: deps build-clang/CMakeCache.txt
	@cmake --build build-clang -j$(JOBS)

test-asan: deps build-asan/CMakeCache.txt
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest $(CTEST_FLAGS) -j$(JOBS) -LE 'no-sanitizer|^(ha|long)$$'

test-tsan: deps build-tsan/CMakeCache.txt
	@cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest $(CTEST_FLAGS) -j$(JOBS) -L concurrency

# Not part of `make test`: failover under load on Patroni, etcd, pgbouncer and nginx
# (tests/ha), three runs of a few minutes together.
test-ha: build
	cd build && ctest $(CTEST_FLAGS) -L '^ha$$'

# Not part of `make test`: it downloads a Debian root and installs every package anew.
test-fresh:
	scripts/test-fresh-root

# Not part of `make test` either: it boots a Debian root (the cache of test-fresh, plus
# systemd) in a container; about half a minute once the roots are cached.
test-systemd: build
	scripts/test-systemd-unit build

run: build-program
	@printf 'Starting booking serve on http://127.0.0.1:8080 (store sqlite:booking.db); Ctrl-C stops it.\n'
	@printf 'Try, from another terminal:\n'
	@printf '  curl -X PUT http://127.0.0.1:8080/v1/resources/room-1 --json \047{"capacity":10}\047\n'
	@printf '  curl http://127.0.0.1:8080/v1/bookings --json \047{"booking_id":"b-1","resource_id":"room-1","units":2}\047\n'
	@printf '  curl http://127.0.0.1:8080/v1/resources/room-1\n\n'
	./build/booking serve --store sqlite:booking.db

# The prefix is applied at install time (cmake/Install.cmake), so one build installs anywhere.
install: build
	DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)"

bench: build
	./build/booking bench --store memory: --attempts 5000000
	rm -f /tmp/booking-bench.db*; ./build/booking bench --store sqlite:/tmp/booking-bench.db --batch 1 --attempts 3000
	rm -f /tmp/booking-bench.db*; ./build/booking bench --store sqlite:/tmp/booking-bench.db --batch 100 --attempts 200000
	rm -f /tmp/booking-bench.db*; ./build/booking bench --store sqlite:/tmp/booking-bench.db --batch 8192 --attempts 2000000

# Fuzzing, simulation soak and coverage (docs/checking.md).
SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOKING_FUZZ=ON \
	  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(FUZZ_SAN)" $(CMAKE_FLAGS) >/dev/null
	@for t in $(FUZZ_TARGETS); do cmake --build build-fuzz -j$(JOBS) --target fuzz_$$t || exit 1; done
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t build-fuzz/crashes/$$t; \
	  echo "fuzz_$$t: $(SECONDS) s"; \
	  if ./build-fuzz/tests/fuzz/fuzz_$$t -max_total_time=$(SECONDS) -timeout=10 -print_final_stats=1 \
	       -artifact_prefix=build-fuzz/crashes/$$t/ build-fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	       2>build-fuzz/fuzz_$$t.log; then \
	    grep -E "^stat::number_of_executed_units|^stat::new_units_added" build-fuzz/fuzz_$$t.log; \
	  else \
	    grep -E "property broken|ERROR: |SUMMARY|Test unit written" build-fuzz/fuzz_$$t.log; \
	    failed="$$failed $$t"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: failed:$$failed (inputs in build-fuzz/crashes/)"; exit 1; fi

soak: build
	SIM_SOAK_SECONDS=$(SECONDS) ./build/tests/sim/booking_sim

coverage: deps
	@cmake -S . -B build-coverage -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="--coverage -fprofile-update=atomic" \
	  -DCMAKE_EXE_LINKER_FLAGS="--coverage" $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-coverage -j$(JOBS)
	@find build-coverage -name '*.gcda' -delete
	-cd build-coverage && ctest $(CTEST_FLAGS) -j$(JOBS) -LE install
	@gcovr -r . --object-directory build-coverage --exclude-directories 'build-coverage/CMakeFiles' --filter 'src/' --exclude-unreachable-branches \
	  --exclude-throw-branches --json-summary build-coverage/coverage.json >/dev/null
	@scripts/coverage-report build-coverage/coverage.json

clean:
	rm -rf build build-asan build-tsan build-clang build-fuzz build-coverage
