"""What every comparison benchmark shares: the machine it ran on, whether the machine was quiet
while a tool ran, and interleaved rounds reported as medians.

A comparison is only as good as the machine was quiet: another process on one of two cores
moves an epoch by tens of percent. Before each run this samples how many tasks are runnable
(the kernel's procs_running, less this script) for half a second; a run that started while
something else wanted a core is flagged, and with --strict the table is refused.
"""
import os, platform, re, statistics, subprocess, sys, time


def cpu_model():
    """The CPU's model name, as lscpu and /proc/cpuinfo give it."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        if m:
            return m.group(1).strip()
    except OSError:
        pass
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def others_running(samples=10, interval=0.05):
    """The median number of runnable tasks besides this one over samples x interval seconds."""
    counts = []
    for _ in range(samples):
        try:
            stat = open("/proc/stat").read()
            counts.append(int(re.search(r"^procs_running (\d+)", stat, re.M).group(1)) - 1)
        except (OSError, AttributeError):
            return 0
        time.sleep(interval)
    return max(statistics.median(counts), 0)


def kernel_parameters(nnc):
    """The GEMM parameters nnc runs with here and where they come from (`nnc tune --show`)."""
    try:
        out = subprocess.run([nnc, "tune", "--show"], capture_output=True, text=True).stdout
    except OSError:
        return "nnc's kernel parameters unknown (no nnc binary)"
    m = re.search(r"^in use: (.+)$", out, re.M)
    return m.group(1) if m else "nnc's kernel parameters unknown (an nnc without `tune`)"


def header(title, nnc=None):
    load = os.getloadavg()
    text = (f"{title}\nCPU: {cpu_model()}, {os.cpu_count()} cores; "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start")
    return text + (f"\nnnc kernels: {kernel_parameters(nnc)}" if nnc else "")


class Rounds:
    """Interleaved rounds of every tool: each tool's value is the median over rounds, and a
    tool is flagged when any of its runs started on a busy machine."""

    def __init__(self):
        self.values = {}
        self.busy = {}

    def run(self, key, measure):
        """Runs measure() after checking the machine; keeps its first value (seconds)."""
        others = others_running()
        result = measure()
        self.values.setdefault(key, []).append(result)
        if others >= 1:
            self.busy[key] = max(self.busy.get(key, 0), others)
        return result

    def interleave(self, count, threads, ours, peers):
        """count rounds of, per thread count t, ours(t) then each peer's measure(t), stored
        under (t, "nnc") and (t, name). A peer that fails is noted once and skipped after."""
        skipped = set()
        for _ in range(max(count, 1)):
            for t in threads:
                self.run((t, "nnc"), lambda: ours(t))
                for name, measure in peers:
                    if (t, name) in skipped:
                        continue
                    try:
                        self.run((t, name), lambda: measure(t))
                    except Exception as e:  # a missing peer is reported, not fatal
                        skipped.add((t, name))
                        print(f"note: {name} on {t} thread(s) skipped: {str(e).splitlines()[0]}", file=sys.stderr)

    def median(self, key, index=0):
        return statistics.median(v[index] for v in self.values[key])

    def spread(self, key, index=0):
        xs = [v[index] for v in self.values[key]]
        return min(xs), max(xs)

    def last(self, key):
        return self.values[key][-1]

    def flag(self, key):
        return "*" if key in self.busy else " "

    def footer(self):
        if not self.busy:
            return "every run started on a quiet machine (no other runnable task)"
        worst = max(self.busy.values())
        return (f"* started while {worst:g} other task(s) wanted a core: those figures carry other "
                "processes' time; rerun on a quiet machine")
