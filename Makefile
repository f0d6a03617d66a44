# Targets a new user and CI need. `make demo` runs the main job on the local
# provider; `make test` runs the whole test suite (building the test tools first).
SHELL := /bin/bash
GO ?= go
BIN := bin
LDFLAGS := -s -w -X github.com/auracognitive/aurak8s/internal/cli.Version=$(shell git describe --tags --always --dirty 2>/dev/null || echo dev) \
	-X github.com/auracognitive/aurak8s/internal/cli.Commit=$(shell git rev-parse HEAD 2>/dev/null)

.PHONY: build tools test vet demo generate clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/aura ./cmd/aura

tools:
	bash hack/tools/build.sh

vet:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

test: tools vet
	$(GO) test -count=1 -timeout 25m ./...

demo: build tools
	bash hack/demo.sh

clean:
	rm -rf $(BIN) output_install
