# Makefile for github.com/ogplocal/ogp (GNU make).
#
#   make test           gofmt check, go vet, go test (PostgreSQL tests need OGP_TEST_DATABASE_URL)
#   make test-cluster   the production shape with faults: Temporal cluster on PostgreSQL, ogp server and
#                       two workers, kill -9 / Temporal / PostgreSQL restarts (scripts/cluster-test; restarts
#                       the local PostgreSQL: CI only, or a machine of your own)
#   make build          build bin/ogp
#   make dev            run the all-in-one dev server (embedded Temporal on SQLite)
#   make bench          ogp bench: the full benchmark on a fresh dev stack (BENCH_FLAGS="--smoke --json" ...)
#   make lint           golangci-lint
#   make workflowcheck  Temporal workflow determinism check on ./workflows/...
#   make fuzz           short fuzz runs over FUZZ_TARGETS
#   make screenshots    browser tests, saving screenshots of the main pages to docs/screenshots
#   make clean          remove build and coverage artifacts

GO ?= go

GOLANGCI_LINT_VERSION ?= v2.15.0
WORKFLOWCHECK_VERSION ?= v0.6.0

# Fuzzing: each target is "<package>:<FuzzFunc>", e.g. ./internal/plan:FuzzParsePlan
FUZZ_TIME ?= 10s
FUZZ_TARGETS ?= ./server:FuzzParseJSON ./server:FuzzParseDate

.DEFAULT_GOAL := build

.PHONY: build dev bench test test-cluster fmt-check vet lint workflowcheck fuzz clean screenshots

build:
	$(GO) build -o bin/ogp ./cmd/ogp

dev:
	$(GO) run ./cmd/ogp dev

bench:
	$(GO) run ./cmd/ogp bench $(BENCH_FLAGS)

fmt-check:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files are not formatted (run 'gofmt -w .'):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	@if [ -z "$$OGP_TEST_DATABASE_URL" ]; then \
		echo "PostgreSQL tests skipped: OGP_TEST_DATABASE_URL is not set"; \
	else \
		redacted="$$(printf '%s' "$$OGP_TEST_DATABASE_URL" | sed -E -e 's|(://[^:/@]*):[^@]*@|\1:xxxxx@|' -e 's/(password=)[^ &]*/\1xxxxx/g')"; \
		echo "PostgreSQL tests run against $$redacted"; \
	fi
	$(GO) test -count=1 -timeout 20m ./...

# The cluster test is behind the build tag "cluster": vet it here too.
test-cluster:
	$(GO) vet -tags cluster ./clustertest
	./scripts/cluster-test

lint:
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...

workflowcheck:
	$(GO) run go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION) ./workflows/...

fuzz:
	@if [ -z "$(strip $(FUZZ_TARGETS))" ]; then \
		echo "fuzz: FUZZ_TARGETS is empty, nothing to fuzz"; \
		exit 0; \
	fi; \
	set -e; \
	for t in $(FUZZ_TARGETS); do \
		pkg="$${t%%:*}"; fn="$${t##*:}"; \
		echo "==> fuzz $$fn in $$pkg for $(FUZZ_TIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZ_TIME) "$$pkg"; \
	done

# Runs the browser tests (web/browser_test.go, needs Chromium) and saves
# full-page screenshots of the main pages to docs/screenshots.
screenshots:
	OGP_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestBrowser$$' -v ./web

clean:
	rm -rf bin/
	rm -f coverage.out coverage.html cover.out *.coverprofile
