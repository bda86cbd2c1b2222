SHELL := /bin/bash
GO ?= go

.PHONY: test build bench chaos fmt

# vet, then every test with the race detector. Verbose output is filtered to
# failures, skips and the per-dialect store suites, so the log shows which
# databases the tests really ran on.
test:
	$(GO) vet ./...
	@set -o pipefail; $(GO) test -race -v ./... 2>&1 | awk -f .ci/testfilter.awk

build:
	$(GO) build -o bin/icpdesk ./cmd/icpdesk

# Performance targets of docs/architecture.md, each printed beside its limit.
# -benchtime 1x: every benchmark takes its own samples (ICPDESK_BENCH_SAMPLES,
# at least 5) and prints their minimum and median (internal/benchrun).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# The crash test: serve killed with SIGKILL 20 times, with one replica and
# with three, against PostgreSQL, Dovecot and an SMTP sink (chaos/run.sh).
chaos:
	bash chaos/run.sh

fmt:
	gofmt -w $$(git ls-files '*.go')
