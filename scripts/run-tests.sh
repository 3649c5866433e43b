#!/usr/bin/env bash
# The whole test suite with every real component the tests need. Called by `make test` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test
