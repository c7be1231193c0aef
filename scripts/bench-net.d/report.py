#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scripts/bench-net.d/report.py - the table, JSON and chart of scripts/bench-net.

Reads the guest's console (scripts/guest/bench-net.sh: BENCH-INFO and
BENCH-ROW <round> <row> <nic> <value> <unit> lines), prints the table on
stdout, writes the JSON and, with --png, a bar chart of the ratios drawn by
gnuplot.  A row's figure per NIC is the median over the rounds; its ratio is
the median over the rounds of that round's ours / virtio (the two ran back to
back), inverted for the latency rows so that above 1 always favours ours.
"""
import argparse
import json
import statistics
import subprocess
import sys

ROWS = (
    ("tcp-g2h-1", "TCP guest->host, 1 stream", False),
    ("tcp-g2h-2", "TCP guest->host, 2 streams", False),
    ("tcp-h2g-1", "TCP host->guest, 1 stream", False),
    ("tcp-h2g-2", "TCP host->guest, 2 streams", False),
    ("udp64-g2h", "UDP 64 B guest->host", False),
    ("ping-mean", "ping RTT mean", True),
    ("ping-p99", "ping RTT p99", True),
)
NICS = ("ours", "virtio")
TARGET = 1.0   # ours / virtio-net on every row (docs/performance.md)


def die(msg):
    sys.exit("bench-net: report: " + msg)


def parse_console(path):
    info, res = {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[0] == "BENCH-INFO" and w[1] == "nic":
                kv = w[3:]
                info[w[2]] = dict(zip(kv[0::2], kv[1::2]))
            elif len(w) == 6 and w[0] == "BENCH-ROW":
                rnd, row, nic, val, unit = int(w[1]), w[2], w[3], float(w[4]), w[5]
                res.setdefault(row, {}).setdefault(nic, {})[rnd] = val
                res[row]["unit"] = unit
    return info, res


def fmt(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    return "%.1f" % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--png")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--date", default="")
    ap.add_argument("--qemu", default="")
    ap.add_argument("--host-cpu", default="")
    ap.add_argument("--nproc", type=int, default=0)
    ap.add_argument("--load", nargs=2, default=["", ""])
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--time", type=int, required=True)
    ap.add_argument("--pings", type=int, required=True)
    ap.add_argument("--queues", type=int, required=True)
    ap.add_argument("--elapsed", type=int, default=0)
    a = ap.parse_args()

    info, res = parse_console(a.console)
    if not res:
        die("no BENCH-ROW lines in " + a.console)
    rows = []
    for name, title, lower_better in ROWS:
        r = res.get(name)
        if not r:
            continue
        unit = r["unit"]
        med = {n: statistics.median(r[n].values()) if n in r else None for n in NICS}
        ratio = None
        if "ours" in r and "virtio" in r:
            per = []
            for rnd in sorted(set(r["ours"]) & set(r["virtio"])):
                o, v = r["ours"][rnd], r["virtio"][rnd]
                if lower_better:
                    if o > 0:
                        per.append(v / o)
                elif v > 0:
                    per.append(o / v)
            if per:
                ratio = statistics.median(per)
        rows.append({"row": name, "title": title, "unit": unit,
                     "lower_is_better": lower_better,
                     "ours": med["ours"], "virtio": med["virtio"],
                     "ratio": ratio,
                     "rounds": {n: [r[n][k] for k in sorted(r[n])]
                                for n in NICS if n in r}})

    print()
    print("%s, %s, QEMU %s, %d rounds of %d s (%d pings), %d queues per NIC"
          % (a.kernel, a.date, a.qemu, a.rounds, a.time, a.pings, a.queues))
    for n in NICS:
        if n in info:
            i = info[n]
            print("  %-7s %s (%s), %s queues, mtu %s" % (n, i.get("iface", "?"),
                  i.get("driver", "?"), i.get("queues", "?"), i.get("mtu", "?")))
    print()
    hdr = "%-28s %-7s %10s %10s %8s %s" % ("row", "unit", "ours", "virtio", "ratio", "")
    print(hdr)
    print("-" * len(hdr))
    below = []
    for r in rows:
        mark = ""
        if r["ratio"] is not None and r["ratio"] < TARGET:
            mark = "below %.1f" % TARGET
            below.append(r["row"])
        print("%-28s %-7s %10s %10s %8s %s" % (r["title"], r["unit"], fmt(r["ours"]),
              fmt(r["virtio"]), "-" if r["ratio"] is None else "%.2f" % r["ratio"], mark))
    print()
    print("ratio: median over rounds of ours / virtio-net (latency: virtio-net / ours);"
          " above 1 favours ours")
    print("host: %s, %d CPUs, load %s before, %s after; %d s in all"
          % (a.host_cpu, a.nproc, a.load[0], a.load[1], a.elapsed))

    out = {"kernel": a.kernel, "date": a.date, "qemu": a.qemu, "host_cpu": a.host_cpu,
           "nproc": a.nproc, "load_before": a.load[0], "load_after": a.load[1],
           "rounds": a.rounds, "time_s": a.time, "pings": a.pings,
           "queues": a.queues, "elapsed_s": a.elapsed, "nics": info,
           "target_ratio": TARGET, "below_target": below, "rows": rows}
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")

    if a.png:
        data = "".join('"%s" %.3f\n' % (r["title"], r["ratio"])
                       for r in rows if r["ratio"] is not None)
        if not data:
            return
        plot = """set terminal pngcairo size 900,500
set output '%s'
set title 'netvsc / virtio-net, %s (above 1: ours ahead)'
set style data histograms
set style fill solid 0.8
set boxwidth 0.7
set yrange [0:*]
set xtics rotate by -30
set grid ytics
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot '-' using 2:xtic(1) title 'ratio'
%se
""" % (a.png, a.kernel, data)
        r = subprocess.run(["gnuplot"], input=plot, text=True,
                           capture_output=True, check=False)
        if r.returncode != 0:
            die("gnuplot failed: " + r.stderr.strip())


if __name__ == "__main__":
    main()
