#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Wall-clock medians of whole processes, run in turn (A, B, …, reference; A, B, …) rather than in blocks.

On a shared VM the machine's speed drifts by tens of percent within minutes, so hyperfine's blocks of 300 runs
of one command, then 300 of the next, can compare two different machines. Here every round runs each command
once (posix_spawn, stdout to /dev/null, after 5 warm-up rounds), and each median is also given as a ratio to
the last command's, the reference.

    Benchmarks/interleaved.py ROUNDS [--copy SRC DST] 'name=command line' … 'reference=command line'

--copy copies SRC over DST before every run, outside the timing (a hook's fresh data file, as hyperfine's
--prepare "cp …" gives it, without timing or spawning the cp).

Command lines are split like a shell's words (no pipes or redirections; wrap those in `sh -c '…'`).
Example (docs/BENCHMARKS.md, "Loading less at start"):

    Benchmarks/interleaved.py 300 \\
        "old=ip netns exec NS /tmp/old/fabric-agent show --no-rates --ovsdb unix:/nonexistent" \\
        "new=ip netns exec NS .build/release/fabric-agent show --no-rates --ovsdb unix:/nonexistent" \\
        "ip=ip netns exec NS sh -c 'ip -d -j link show >/dev/null; ip -j addr show >/dev/null'"
"""
import os
import shlex
import shutil
import statistics
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    arguments = sys.argv[2:]
    copy = None
    if arguments[:1] == ["--copy"]:
        copy, arguments = (arguments[1], arguments[2]), arguments[3:]
    commands = []
    for argument in arguments:
        name, _, line = argument.partition("=")
        commands.append((name, shlex.split(line)))
    devnull = os.open(os.devnull, os.O_WRONLY)
    times = {name: [] for name, _ in commands}
    warmup = 5
    for round_number in range(rounds + warmup):
        for name, argv in commands:
            if copy:
                shutil.copyfile(*copy)
            start = time.perf_counter()
            pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
            _, status = os.waitpid(pid, 0)
            if round_number >= warmup:
                times[name].append(time.perf_counter() - start)
            if status != 0 and round_number == 0:
                print(f"{name}: exit status {os.waitstatus_to_exitcode(status)}", file=sys.stderr)
    reference = statistics.median(times[commands[-1][0]])
    for name, _ in commands:
        median = statistics.median(times[name])
        quartile = statistics.quantiles(times[name], n=4)[0]
        print(f"{name:<14} median {median * 1e3:.2f} ms  p25 {quartile * 1e3:.2f} ms  {median / reference:.2f}x")


if __name__ == "__main__":
    main()
