#!/usr/bin/env python3
"""Where one worker's time goes per request, from scheduler and system-call tracepoints.

Record a benchmark run system-wide, then read one worker's threads out of it:

    perf record -a -e syscalls:sys_exit_recvfrom,syscalls:sys_enter_sendto,\\
    syscalls:sys_enter_recvfrom,sched:sched_switch,sched:sched_wakeup -o run.data -- sleep 30
    perf script -i run.data -F comm,pid,tid,cpu,time,event,trace > run.txt
    bench/tools/critical_path.py run.txt TID[,TID...]

It prints the median and mean of each step of a request at one in flight, in microseconds:
woken → running, running → the read, the read itself, the frame read → the answer's write
(the worker's own part of the round trip: user space only, no system call in between), the
write → asleep, and the whole cycle from one frame to the next. The tracepoints cost time
themselves; compare workers recorded in the same run, not absolute figures.
"""

import re
import statistics
import sys

LINE = re.compile(r"^\s*(\S.*?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$")


def events(path, tids):
    """(time in µs, kind) of the threads `tids`, in time order."""
    found = []
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            m = LINE.match(line)
            if not m:
                continue
            tid, ts, name, rest = int(m.group(3)), float(m.group(5)) * 1e6, m.group(6), m.group(7)
            if name.startswith("sched:sched_wakeup"):
                woken = re.search(r" pid=(\d+)", rest)
                if woken and int(woken.group(1)) in tids:
                    found.append((ts, "wake"))
            elif name.startswith("sched:sched_switch"):
                prev = re.search(r"prev_pid=(\d+)", rest)
                nxt = re.search(r"next_pid=(\d+)", rest)
                if prev and int(prev.group(1)) in tids:
                    found.append((ts, "out"))
                if nxt and int(nxt.group(1)) in tids:
                    found.append((ts, "in"))
            elif tid in tids:
                if name.startswith("syscalls:sys_enter_recvfrom"):
                    found.append((ts, "read"))
                elif name.startswith("syscalls:sys_exit_recvfrom"):
                    ret = int(rest.strip().split()[-1], 0)
                    found.append((ts, "frame" if 0 < ret < 1 << 63 else "empty"))
                elif name.startswith("syscalls:sys_enter_sendto"):
                    found.append((ts, "write"))
    found.sort()
    return found


STEPS = [
    ("woken -> running", "wake", "in", False),
    ("running -> read", "in", "read", True),
    ("read (system call)", "read", "frame", True),
    ("frame -> write", "frame", "write", True),
    ("write -> asleep", "write", "out", True),
]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tids = {int(t) for t in sys.argv[2].split(",") if t}
    spans = {name: [] for name, *_ in STEPS}
    spans["cycle (frame -> frame)"] = []
    last, previous, previous_frame = {}, None, None
    for ts, kind in events(sys.argv[1], tids):
        for name, start, end, adjacent in STEPS:
            if kind == end and start in last and (not adjacent or previous == start):
                spans[name].append(ts - last.pop(start))
        if kind == "frame":
            if previous_frame is not None:
                spans["cycle (frame -> frame)"].append(ts - previous_frame)
            previous_frame = ts
        last[kind], previous = ts, kind
    for name, values in spans.items():
        if values:
            print(
                f"{name:24s} n={len(values):7d}  median {statistics.median(values):7.1f}"
                f"  mean {statistics.fmean(values):7.1f} µs"
            )


if __name__ == "__main__":
    main()
