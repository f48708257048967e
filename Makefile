# The two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT_BUILD_FLAGS ?=

.PHONY: test demo demo-stop deps build bench

deps:
	@scripts/install-deps.sh

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

# Builds once, then runs the Swift tests and the bridge's Python tests against private servers.
test: deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/services.sh -- scripts/run-tests.sh $(SWIFT_BUILD_FLAGS)

demo: deps
	swift build $(SWIFT_BUILD_FLAGS) --product github-sidecar
	swift build $(SWIFT_BUILD_FLAGS) --product fake-github
	scripts/demo.sh

demo-stop:
	scripts/demo.sh stop

bench: deps
	swift build -c release --product StoreBenchmark
	swift build -c release --product SyncBenchmark
	swift build -c release --product WebhookBenchmark
	swift build -c release --product TemplateSyncBenchmark
	swift build -c release --product github-sidecar
	swift build -c release --product fake-github
	scripts/services.sh -- .build/release/StoreBenchmark
	scripts/services.sh -- .build/release/SyncBenchmark
	scripts/services.sh -- .build/release/WebhookBenchmark
	scripts/services.sh -- .build/release/TemplateSyncBenchmark
