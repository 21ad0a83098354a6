# motcua: `make run` serves the portal with demo data, `make test` runs every test.
# Both install the Debian packages they need first (scripts/deps.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PYTHON     ?= /usr/bin/python3
DATA       ?= ./var
LISTEN     ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60

.PHONY: all build run test unit fuzz bench clean deps-build deps-test

all: build

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps-build $(BUILD)/build.ninja
	@ninja -C $(BUILD)

run: build
	$(BUILD)/motcua --data $(DATA) --listen $(LISTEN) demo --dossiers 300
	@echo "motcua: open http://$(LISTEN) in a browser (Ctrl+C stops)"
	$(BUILD)/motcua --data $(DATA) --listen $(LISTEN) serve

test: deps-test build
	@$(PYTHON) scripts/run_tests.py --build $(BUILD) --asan-build $(ASAN_BUILD)

unit: build
	meson test -C $(BUILD) --print-errorlogs

fuzz:
	@scripts/deps.sh fuzz
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false
	@ninja -C $(FUZZ_BUILD)
	@for t in query form multipart cookie; do \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
		if ! $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
				$(FUZZ_BUILD)/corpus-$$t fuzz/corpus/$$t > $(FUZZ_BUILD)/fuzz_$$t.log 2>&1; then \
			tail -n 40 $(FUZZ_BUILD)/fuzz_$$t.log; echo "fuzz: $$t FAILED"; exit 1; \
		fi; \
		grep -E 'stat::number_of_executed_units|Done' $(FUZZ_BUILD)/fuzz_$$t.log | tail -n 2; \
	done

bench: build
	@scripts/deps.sh bench
	@bench/run.sh $(BUILD)/motcua

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
