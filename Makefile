# SPDX-License-Identifier: Apache-2.0
# fabric: build, run, test, install. See README.md.
SWIFT ?= swift
PREFIX ?= /usr
DESTDIR ?=
HOOKS_DIR ?= /usr/libexec/vdsm/hooks
# No $ORIGIN run path: the binaries load only system libraries (rpmlint's binary-or-shlib-defines-rpath).
RELEASE_FLAGS = -c release --static-swift-stdlib --disable-local-rpath
# The one definition of the version is FabricRelease.swift; RELEASE is the RPM release.
VERSION := $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/FabricInventory/FabricRelease.swift)
RELEASE ?= 1

.PHONY: all build release show deps-build deps-test test fuzz sanitize install clean bench dist rpm

all: build

# System packages the build needs (libnl, libxml2 headers); quiet and idempotent.
deps-build:
	@scripts/install-packages.sh build

deps-test:
	@scripts/install-packages.sh test

build: deps-build
	$(SWIFT) build

release: deps-build
	@scripts/static-libstdcxx.sh
	$(SWIFT) build $(RELEASE_FLAGS)

# The main job: the fabric-aware host interface table of this host.
show: release
	"$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/fabric-agent" show

test: deps-test
	scripts/run-tests.sh

# Every libFuzzer target of Fuzz/ for SECONDS each (docs/RELIABILITY.md, "Fuzzing").
SECONDS ?= 60
fuzz: deps-build
	scripts/fuzz.sh "$(SECONDS)"

# The whole suite again under AddressSanitizer, then under ThreadSanitizer, each built in a scratch path of
# its own. Run after `make test`, which sets up what the tests need (docs/RELIABILITY.md, "Sanitizers").
sanitize: deps-test
	scripts/sanitize.sh

# BINDIR: lay down binaries built elsewhere instead of building them (scripts/run-tests.sh stages the ones the
# RPMs were built from).
install: $(if $(BINDIR),,release)
	scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(HOOKS_DIR)" "$(or $(BINDIR),$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path))"

bench: release
	@[ "$$(id -u)" -eq 0 ] || { echo "make bench: run as root (namespaces, users)" >&2; exit 1; }
	scripts/ovirt-host-setup.sh
	Benchmarks/run.sh

# A source tarball from git's HEAD, with the RPM spec made from its template.
dist:
	scripts/dist.sh "$(VERSION)" "$(RELEASE)"

# Binary RPMs for EL oVirt hosts, built from that tarball (README, "Install on an oVirt host").
rpm: deps-build dist
	scripts/rpm.sh ".build/dist/fabric-$(VERSION).tar.gz"

clean:
	rm -rf .build
