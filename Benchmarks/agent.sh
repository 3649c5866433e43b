#!/usr/bin/env bash
# Benchmark of `fabric-agent serve` in a network namespace with many links (root; iproute2, curl, wrk,
# python3). Prints figures; asserts nothing.
#   Benchmarks/agent.sh [LINKS=4096] [CPU_SECONDS=120]
# 1. steady-state CPU (utime+stime from /proc/PID/stat over CPU_SECONDS) and RSS, default 5 s sampling;
# 2. latency from `ip link add` to the event on /v1/events that contains the new link (median of 21), read
#    the way `ip monitor link` (the reference) is read: each line stamped as it arrives,
#    after a GET /v1/interfaces (so the agent also encodes each new version of the document ahead);
# 3. GET /v1/interfaces latency with 32 concurrent clients (wrk, loopback inside the namespace).
set -euo pipefail
links=${1:-4096} seconds=${2:-120}
cd "$(dirname "$0")/.."
agent=${FABRIC_AGENT:-.build/release/fabric-agent}
[ -x "$agent" ] || agent=.build/debug/fabric-agent
[ -x "$agent" ] || { echo "build fabric-agent first (swift build -c release)" >&2; exit 1; }
ns=fabric-bench-$$ dir=$(mktemp -d /tmp/fabric-bench.XXXXXX) pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
for ((i = 0; i < links / 2; i++)); do echo "link add b$i type veth peer name c$i"; done > "$dir/batch"
ip -n "$ns" -batch "$dir/batch"
echo "links in namespace: $(ip -n "$ns" -o link | wc -l)  agent: $agent"

MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-262144} ip netns exec "$ns" "$agent" serve --listen 127.0.0.1:0 --ready-file "$dir/ready" --ovsdb unix:/nonexistent.sock \
    --log-level warning 2>"$dir/agent.log" &
pid=$!
for _ in $(seq 200); do [ -s "$dir/ready" ] && break; sleep 0.1; done
url=$(cat "$dir/ready")
echo "serving at $url (pid $pid)"
sleep 10  # first dumps and two counter samples

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); sleep "$seconds"; t1=$(ticks)
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }')
rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")
peak=$(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")
echo "steady state over ${seconds}s: CPU ${cpu}% of one core, RSS $rss (peak so far $peak)"
bytes=$(ip netns exec "$ns" curl -s "$url/v1/interfaces" | wc -c)
echo "/v1/interfaces document: $bytes bytes"

ip netns exec "$ns" python3 - "$url" "$ns" <<'PY'
import http.client, re, statistics, subprocess, sys, threading, time, urllib.parse
url, ns = sys.argv[1], sys.argv[2]
parsed = urllib.parse.urlparse(url)
connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
connection.request("GET", "/v1/events")
response = connection.getresponse()
# Both consumers are read the same way: a thread per stream stamps each line as it arrives, so neither waits
# for the `ip link add` process to exit before it is read. The reference is `ip monitor link`, the kernel's
# notification printed by iproute2, timed in the same run.
monitor = subprocess.Popen(["ip", "monitor", "link"], stdout=subprocess.PIPE)
seen, events, sizes = {}, {}, {}
current_ready = threading.Event()
def read_monitor():
    for line in monitor.stdout:
        now = time.monotonic()
        for word in line.split():
            name = word.rstrip(b":").split(b"@")[0]
            if name.startswith(b"lat"):
                seen.setdefault(name, now)
def read_events():
    while True:
        line = response.readline()
        now = time.monotonic()
        if not line:
            return
        if line.startswith(b"data: "):
            current_ready.set()
            for name in re.findall(rb'"name":"(lat[0-9]+)"', line):
                if name not in events:
                    events[name] = now
                    sizes[name] = len(line)
threading.Thread(target=read_monitor, daemon=True).start()
threading.Thread(target=read_events, daemon=True).start()
current_ready.wait(30)  # the current table
time.sleep(0.5)  # ip monitor subscribed
latencies, references = [], []
for i in range(21):
    name = "lat%d" % i
    start = time.monotonic()
    subprocess.run(["ip", "link", "add", name, "type", "veth", "peer", "name", "lap%d" % i], check=True)
    key = name.encode()
    while (key not in seen or key not in events) and time.monotonic() - start < 5:
        time.sleep(0.001)
    if key not in events:
        raise SystemExit("no event named %s within 5 s" % name)
    latencies.append((events[key] - start) * 1000)
    references.append((seen[key] - start) * 1000)
    time.sleep(0.3)
monitor.kill()
print("ip link add -> /v1/events: median %.1f ms, min %.1f, max %.1f (n=%d); event %d bytes (median)" % (
    statistics.median(latencies), min(latencies), max(latencies), len(latencies), statistics.median(sizes.values())))
print("ip link add -> ip monitor link (reference): median %.1f ms, min %.1f, max %.1f; ratio %.1fx" % (
    statistics.median(references), min(references), max(references),
    statistics.median(latencies) / statistics.median(references)))
PY

echo "agent peak RSS after the event phase (VmHWM): $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
if command -v wrk >/dev/null; then
    ip netns exec "$ns" wrk -t2 -c32 -d20s --latency "$url/v1/interfaces" | sed -n '/Latency Distribution/,/Transfer/p'
else
    echo "wrk missing: apt-get install -y wrk"
fi
echo "agent peak RSS over the whole run (VmHWM): $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
