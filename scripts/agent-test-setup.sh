#!/usr/bin/env bash
# Installs what the agent's tests and benchmark use (idempotent; `make test` calls it before `swift test`):
# systemd-analyze (unit verification), chromium (the web page, headless), wrk (benchmark), openssl and curl
# (TLS test), and the Python checkers prometheus_client and schemathesis. Tests skip with a reason when
# something here is missing, so running without it is safe, just less thorough.
set -euo pipefail
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v chromium >/dev/null || missing+=(chromium)
command -v wrk >/dev/null || missing+=(wrk)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    else
        echo "agent-test-setup: not root; install ${missing[*]} yourself" >&2
    fi
fi
python3 -c 'import prometheus_client' 2>/dev/null || python3 -m pip install -q prometheus_client
command -v schemathesis >/dev/null 2>&1 || python3 -m pip install -q schemathesis
