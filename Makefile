# The two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
DATA ?= data
PORT ?= 8080
JOBS ?= $(shell nproc)

.PHONY: deps build run test bench format clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Starts the server on 127.0.0.1:$(PORT) with the embedded store in ./$(DATA)/,
# loading the demo population the first time.
run: build
	@$(BUILD)/unisono demo --data $(DATA) --if-empty
	@exec $(BUILD)/unisono serve --data $(DATA) --host 127.0.0.1 --port $(PORT) --dry-run

test: build
	@cd tests/sdk && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; }
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# HTTP benchmarks against nginx and raw SQLite, identity resolution at 1M profiles,
# attribution on 1M paths, segments on 1M profiles (~20M events) against SQLite, journeys
# for 1M profiles against the same writes in plain SQLite, delivery (email to aiosmtpd, SMS
# to a stub provider) against libcurl alone.
bench: build
	@bash bench/install_deps.sh
	@bash bench/run.sh
	@$(BUILD)/bench/identity_bench --profiles 1000000 --events 2000000 --data $(BUILD)/identity-bench-data
	@bash bench/attribution_bench.sh
	@$(BUILD)/bench/segment_bench --profiles 1000000 --data $(BUILD)/segment-bench-data
	@$(BUILD)/bench/journey_bench --profiles 1000000 --data $(BUILD)/journey-bench-data
	@$(BUILD)/bench/delivery_bench --messages 5000 --runs 3 --data $(BUILD)/delivery-bench-data

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	@rm -rf $(BUILD)
