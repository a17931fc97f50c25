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

.PHONY: build test demo bench bench-shapes vet fmt check clean mariadb

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cutover

mariadb:
	@scripts/ensure-mariadb

# Every test, against real servers, under the race detector.
test: mariadb
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

# The whole flow on a throwaway local server with a skewed generated dataset.
demo: mariadb build
	$(GO) run ./internal/demo -bin $(BIN) -rows $(ROWS)

# Throughput side by side with the ceiling and the peers (see README).
bench: mariadb build
	$(GO) run ./internal/bench -bin $(BIN) -rows $(BENCH_ROWS)

# The deferred-index shapes (README, "Shapes"): one server and two, median of 3 rounds.
bench-shapes: mariadb build
	$(GO) run ./internal/bench -bin $(BIN) -rows $(SHAPE_ROWS) -shapes one,two -repeat 3 -workers 4

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

clean:
	rm -rf bin .demo
