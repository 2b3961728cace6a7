# Thin wrapper over meson: `make demo`, `make test`, `make bench`.
BUILD ?= build
SAN_BUILD ?= build-san
MESON_FLAGS ?=
DEMO_DB ?= $(or $(TMPDIR),/tmp)/assay-demo-$(shell id -u).db

.PHONY: all deps build demo test test-san bench clean

all: build

deps:
	@sh .ci/deps

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) $(MESON_FLAGS) >/dev/null
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@$(BUILD)/src/cli/assay --db $(DEMO_DB) import --batch demo sample-data/captions.jsonl sample-data/instructions.jsonl
	@if $(BUILD)/src/cli/assay --help | grep -q '^  review '; then \
		$(BUILD)/src/cli/assay --db $(DEMO_DB) review --annotator "$${ASSAY_ANNOTATOR:-$${USER:-demo}}"; \
	else \
		$(BUILD)/src/cli/assay --db $(DEMO_DB) info; \
	fi
	@echo "demo database: $(DEMO_DB)"

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

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
