# Targets a new user and CI need. `make demo` runs the main job on the local
# provider; `make test` runs the whole test suite (building the test tools first).
SHELL := /bin/bash
GO ?= go
BIN := bin
LDFLAGS := -s -w -X github.com/auracognitive/aurak8s/internal/cli.Version=$(shell git describe --tags --always --dirty 2>/dev/null || echo dev) \
	-X github.com/auracognitive/aurak8s/internal/cli.Commit=$(shell git rev-parse HEAD 2>/dev/null)

# `make dist` names the bundle auradeploy-$(COMMIT)-$(OB)-$(VERSION).zip as the
# guide's download step lists it. OB (environment_profile) defaults to the one
# examples/config.yml is set to, VERSION to the release manifest's (the only
# one this tree can install). PUSH=1 also pushes the aura-operator image where
# the release manifest says (credentials: AURA_REGISTRY_USERNAME and
# AURA_REGISTRY_PASSWORD); ARCH=amd64 builds one architecture only. Plain `=`
# so that a VERSION or ARCH in the environment does not leak in.
OB =
VERSION =
COMMIT = $(shell git rev-parse --short HEAD 2>/dev/null)
ARCH = amd64,arm64
DIST = dist
PUSH =
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)

.PHONY: build tools test vet demo generate clean dist

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/aura ./cmd/aura

dist:
	$(GO) run ./hack/dist --out '$(DIST)' --ob '$(OB)' --version '$(VERSION)' --commit '$(COMMIT)' \
		--arch '$(ARCH)' --ldflags '$(LDFLAGS)' $(if $(PUSH),--push)

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
	rm -rf $(BIN) output_install $(DIST)
