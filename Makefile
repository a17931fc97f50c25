# cutover: `make demo` and `make test` are the quick start; both install what
# they need (MariaDB through apt-get when root or sudo is available).
GO        ?= go
REVISION  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
VERSION   ?= 0.1.0-dev
LDFLAGS   := -X main.version=$(VERSION) -X main.revision=$(REVISION)
BIN       := bin/cutover
ROWS      ?= 1000000
BENCH_ROWS ?= 2000000
SHAPE_ROWS ?= 3000000

.PHONY: build test test-faults test-oracle demo bench bench-shapes vet fmt check clean mariadb

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cutover

mariadb:
	@scripts/ensure-mariadb

# Every test but the fault tests (test-faults), against real servers, under the
# race detector.
test: mariadb
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m $$($(GO) list ./... | grep -v '/faults$$')

# The fault tests (README, Reliability): two throwaway servers per test, one
# killed, restarted, stalled or starved of disk while cutover runs; about 3 min.
test-faults: mariadb
	$(GO) vet ./faults/
	$(GO) test -race -count=1 -timeout 15m -parallel 4 ./faults/

# The Oracle conformance suite and a copy into MariaDB against a real Oracle
# Free in docker/podman; one SKIP line where neither (or no Instant Client).
test-oracle:
	@scripts/test-oracle

# The whole flow on a throwaway local server with a skewed generated dataset.
demo: mariadb build
	$(GO) run ./cmd/cutover-demo -bin $(BIN) -rows $(ROWS)

# Throughput side by side with the ceiling and the peers (see README).
bench: mariadb build
	$(GO) run ./cmd/cutover-bench -bin $(BIN) -rows $(BENCH_ROWS)

# The deferred-index shapes (README, "Shapes"): one server and two, median of 3 rounds.
bench-shapes: mariadb build
	$(GO) run ./cmd/cutover-bench -bin $(BIN) -rows $(SHAPE_ROWS) -shapes one,two -repeat 3 -workers 4

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

clean:
	rm -rf bin .demo

# The container image (Dockerfile), with docker or podman (CONTAINER_ENGINE to
# choose); INSTANTCLIENT_ZIP names the Oracle Instant Client zip placed in
# deploy/docker/instantclient/ (see its README). Without an engine that
# answers it says so in one line and succeeds, so it can sit in any script.
IMAGE             ?= cutover:$(VERSION)
INSTANTCLIENT_ZIP ?=
CONTAINER_ENGINE  ?=

.PHONY: image
image:
	@engine="$(CONTAINER_ENGINE)"; \
	if [ -z "$$engine" ]; then engine=$$(command -v docker || command -v podman || true); fi; \
	if [ -z "$$engine" ]; then echo "make image: neither docker nor podman is installed; $(IMAGE) not built"; exit 0; fi; \
	if ! "$$engine" info >/dev/null 2>&1; then echo "make image: $$engine is installed but its engine does not answer; $(IMAGE) not built"; exit 0; fi; \
	"$$engine" build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
	  --build-arg INSTANTCLIENT_ZIP=$(INSTANTCLIENT_ZIP) -t $(IMAGE) .
