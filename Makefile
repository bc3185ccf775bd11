# The front door. CMake builds; this file names the jobs.
#   make          build everything (the program lands at build/booking)
#   make test     build plain, ASan+UBSan and TSan trees and run the whole suite
#   make run      start the service on the embedded SQLite store
#   make bench    the in-process benchmark table (not a test)
# Every target installs missing Debian packages first (scripts/install-deps).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure --timeout 300

.PHONY: all build deps test test-plain test-asan test-tsan run bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j$(JOBS)

build-asan/CMakeCache.txt:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBOOKING_SANITIZE=address $(CMAKE_FLAGS) >/dev/null
build-tsan/CMakeCache.txt:
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOKING_SANITIZE=thread $(CMAKE_FLAGS) >/dev/null

test: build test-plain test-asan test-tsan
	@echo "make test: every tree passed (plain, asan+ubsan, tsan)"

test-plain: build
	cd build && ctest $(CTEST_FLAGS) -j$(JOBS)

test-asan: deps build-asan/CMakeCache.txt
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest $(CTEST_FLAGS) -j$(JOBS) -LE no-sanitizer

test-tsan: deps build-tsan/CMakeCache.txt
	@cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest $(CTEST_FLAGS) -j$(JOBS) -L concurrency

run: build
	./build/booking serve --store sqlite:booking.db

bench: build
	./build/booking bench --store memory: --attempts 5000000
	rm -f /tmp/booking-bench.db*; ./build/booking bench --store sqlite:/tmp/booking-bench.db --batch 1 --attempts 3000
	rm -f /tmp/booking-bench.db*; ./build/booking bench --store sqlite:/tmp/booking-bench.db --batch 100 --attempts 200000
	rm -f /tmp/booking-bench.db*; ./build/booking bench --store sqlite:/tmp/booking-bench.db --batch 8192 --attempts 2000000

clean:
	rm -rf build build-asan build-tsan
