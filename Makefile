# SPDX-License-Identifier: Apache-2.0
# fabric: build, run, test, install. See README.md.
SWIFT ?= swift
PREFIX ?= /usr
DESTDIR ?=
HOOKS_DIR ?= /usr/libexec/vdsm/hooks
RELEASE_FLAGS = -c release --static-swift-stdlib

.PHONY: all build release show deps-build deps-test test install clean bench

all: build

# System packages the build needs (libnl, libxml2 headers); quiet and idempotent.
deps-build:
	@scripts/install-packages.sh build

deps-test:
	@scripts/install-packages.sh test

build: deps-build
	$(SWIFT) build

release: deps-build
	$(SWIFT) build $(RELEASE_FLAGS)

# The main job: the fabric-aware host interface table of this host.
show: release
	"$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/fabric-agent" show

test: deps-test
	scripts/run-tests.sh

install: release
	scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(HOOKS_DIR)" "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)"

bench: release
	@[ "$$(id -u)" -eq 0 ] || { echo "make bench: run as root (namespaces, users)" >&2; exit 1; }
	scripts/ovirt-host-setup.sh
	Benchmarks/run.sh

clean:
	rm -rf .build
