# Thin wrapper over meson: `make demo`, `make test`, `make bench`.
BUILD ?= build
SAN_BUILD ?= build-san
MESON_FLAGS ?=
DEMO_DB ?= $(or $(TMPDIR),/tmp)/assay-demo-$(shell id -u).db

.PHONY: all deps build demo demo-db demo-reset test test-san bench bench-10m clean

all: build

deps:
	@sh .ci/deps

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) $(MESON_FLAGS) >/dev/null
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

# The demo database is kept between runs, so a second `make demo` resumes
# where the first stopped; `make demo-reset` starts it afresh.
demo: build demo-db
	@if $(BUILD)/src/cli/assay --help | grep -q '^  review '; then \
		$(BUILD)/src/cli/assay --db $(DEMO_DB) review --annotator "$${ASSAY_ANNOTATOR:-$${USER:-demo}}"; \
	else \
		$(BUILD)/src/cli/assay --db $(DEMO_DB) info; \
	fi
	@echo "demo database: $(DEMO_DB) (kept; make demo resumes it, make demo-reset starts afresh)"

demo-db:
	@if [ -f $(DEMO_DB) ]; then \
		echo "resuming the demo database $(DEMO_DB) (make demo-reset starts afresh)"; \
	else \
		$(BUILD)/src/cli/assay --db $(DEMO_DB) import --batch demo --media-root sample-data sample-data/captions.jsonl sample-data/media-captions.jsonl sample-data/instructions.jsonl sample-data/tasks.jsonl sample-data/chat.jsonl; \
	fi

demo-reset:
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@$(MAKE) --no-print-directory demo

test:
	@sh .ci/deps test
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) $(MESON_FLAGS) >/dev/null
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)
	@python3 tests/run $(BUILD)

test-san:
	@sh .ci/deps test
	@[ -f $(SAN_BUILD)/build.ninja ] || CC=clang meson setup $(SAN_BUILD) \
		-Db_sanitize=address,undefined -Db_lundef=false $(MESON_FLAGS) >/dev/null
	@ninja -C $(SAN_BUILD) >/dev/null || ninja -C $(SAN_BUILD)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		python3 tests/run $(SAN_BUILD)

bench: build
	@sh .ci/deps bench
	@sh bench/run $(BUILD)

# Not part of `make bench`: ~6 GB of input, ~25 GB of disk, 20-30 minutes on two cores.
bench-10m: build
	@sh .ci/deps bench
	@sh bench/run $(BUILD) bench/RESULTS-10M.md bench/scale_10m.py

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
