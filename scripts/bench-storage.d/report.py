#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scripts/bench-storage.d/report.py - the tables, JSON and chart of scripts/bench-storage.

Reads the guest's console (scripts/guest/bench-storage.sh: BENCH-INFO,
BENCH-STAT, BENCH-FIO-BEGIN/END) and the host's CPU samples (HOST-CPU begin|end
<tag> t <s> qemu <ticks> qemu_vcpu <ticks> vmbusd <ticks>), prints the tables
on stdout, writes the JSON and, with --png, a chart drawn by gnuplot.

Per job (one fio run of one row on one disk in one round):
  iops, mbs          fio's read + write figures (MB = 10^6 bytes)
  lat_mean_us, lat_p99_us   fio's total latency (submission to completion)
  ios                I/Os of fio's size in the guest's window, from the
                     disk's sectors moved (ramp included, unlike fio's count)
  guest_us_per_io    busy vCPU time (all vCPUs, /proc/stat) / ios
  irqs_per_io        interrupts of the disk's vectors / ios
  doorbells_per_io, chan_irqs_per_io   ours only: the channels' counters
  qemu_*_us_per_io, vmbusd_us_per_io   host CPU time / ios
A row's figure is the median over the rounds; a ratio is the median over the
rounds of that round's ours / virtio IOPS (the two ran back to back).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

DISKS = ("ours", "virtio-blk", "virtio-scsi")
USER_HZ = 100          # the guest's /proc/stat unit (Debian's kernels: 100)
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGETS = {"virtio-blk": 1.0, "virtio-scsi": 1.2}   # ours / virtio, 4k rows


def die(msg):
    sys.exit("bench-storage: report: " + msg)


def size_bytes(s):
    s = str(s).strip().lower()
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if s and s[-1] in mult:
        return int(s[:-1]) * mult[s[-1]]
    return int(s)


def parse_console(path):
    info = {"disk": {}}
    stats, fio = {}, {}
    cur, buf = None, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if cur is not None:
                if line == "BENCH-FIO-END " + " ".join(cur):
                    try:
                        fio[cur] = json.loads("\n".join(buf))
                    except ValueError as e:
                        die("fio JSON of %s does not parse: %s" % (" ".join(cur), e))
                    cur, buf = None, []
                else:
                    buf.append(line)
                continue
            w = line.split()
            if not w:
                continue
            if w[0] == "BENCH-INFO" and len(w) >= 3:
                if w[1] == "disk":
                    info["disk"][w[2]] = dict(zip(w[3::2], w[4::2]))
                else:
                    info[w[1]] = " ".join(w[2:])
            elif w[0] == "BENCH-STAT" and len(w) >= 4:
                stats[tuple(w[1:4])] = {k: int(v) for k, v in zip(w[4::2], w[5::2])}
            elif w[0] == "BENCH-FIO-BEGIN" and len(w) == 4:
                cur = tuple(w[1:4])
    if cur is not None:
        die("fio JSON of %s is cut short" % " ".join(cur))
    return info, stats, fio


def parse_host(path):
    samples = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.split()
            if len(w) < 5 or w[0] != "HOST-CPU":
                continue
            tag = tuple(w[2:5])
            samples.setdefault(tag, {})[w[1]] = {
                k: float(v) for k, v in zip(w[5::2], w[6::2])}
    return samples


def job_figures(tag, st, fj, host, vcpus):
    job = fj["jobs"][0]
    opts = job.get("job options", {})
    bs = size_bytes(opts.get("bs", "4k"))
    rd, wr = job["read"], job["write"]
    d = rd if rd["total_ios"] >= wr["total_ios"] else wr
    if job.get("error"):
        die("fio reported error %s for %s" % (job["error"], " ".join(tag)))
    r = {
        "round": int(tag[0]), "row": tag[1], "disk": tag[2],
        "rw": opts.get("rw"), "bs": bs, "iodepth": int(opts.get("iodepth", 1)),
        "iops": rd["iops"] + wr["iops"],
        "mbs": (rd["bw_bytes"] + wr["bw_bytes"]) / 1e6,
        "lat_mean_us": d["lat_ns"]["mean"] / 1e3,
        "lat_p99_us": d["lat_ns"].get("percentile", {}).get("99.000000", 0) / 1e3,
        "fio_ios": rd["total_ios"] + wr["total_ios"],
    }
    ios = st["sectors"] * 512 / bs if st else 0
    r["ios"] = ios
    if st and ios > 0:
        r["guest_us_per_io"] = st["busy_jiffies"] * (1e6 / USER_HZ) / ios
        r["guest_busy_vcpus"] = (st["busy_jiffies"] / st["total_jiffies"] *
                                 vcpus if st["total_jiffies"] else 0)
        for k in ("user", "system", "irq", "softirq"):
            if k + "_jiffies" in st:
                r["guest_%s_us_per_io" % k] = st[k + "_jiffies"] * (1e6 / USER_HZ) / ios
        r["ctxt_per_io"] = st.get("ctxt", 0) / ios
        r["irqs_per_io"] = st["irqs"] / ios
        if tag[2] == "ours":
            r["doorbells_per_io"] = st["doorbells"] / ios
            r["chan_irqs_per_io"] = st["chan_irqs"] / ios
    h = host.get(tag, {})
    if ios > 0 and "begin" in h and "end" in h:
        b, e = h["begin"], h["end"]
        us = 1e6 / CLK_TCK / ios
        r["host_window_s"] = e["t"] - b["t"]
        r["qemu_vcpu_us_per_io"] = (e["qemu_vcpu"] - b["qemu_vcpu"]) * us
        r["qemu_other_us_per_io"] = ((e["qemu"] - b["qemu"]) -
                                     (e["qemu_vcpu"] - b["qemu_vcpu"])) * us
        r["vmbusd_us_per_io"] = (e["vmbusd"] - b["vmbusd"]) * us
        r["host_us_per_io"] = (r["qemu_vcpu_us_per_io"] + r["qemu_other_us_per_io"] +
                               r["vmbusd_us_per_io"])
    return r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, d, w):
    if v is None:
        return "%*s" % (w, "-")
    return "%*.*f" % (w, d, v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--png")
    ap.add_argument("--date", default="")
    ap.add_argument("--qemu", default="")
    ap.add_argument("--host-cpu", default="")
    ap.add_argument("--nproc", default="")
    ap.add_argument("--load", nargs=2, default=["", ""])
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--runtime", type=int, required=True)
    ap.add_argument("--ramp", type=int, required=True)
    ap.add_argument("--size-mb", type=int, required=True)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--mem", default="")
    a = ap.parse_args()

    info, stats, fio = parse_console(a.console)
    host = parse_host(a.host)
    if not fio:
        die("no fio results in the console log")
    vcpus = int(info.get("vcpus", "2"))
    jobs = [job_figures(t, stats.get(t), fio[t], host, vcpus) for t in sorted(fio)]

    rows = []
    for j in jobs:
        if j["row"] not in rows:
            rows.append(j["row"])
    rounds = sorted({j["round"] for j in jobs})
    by = {(j["round"], j["row"], j["disk"]): j for j in jobs}
    for r in rounds:
        for row in rows:
            for d in DISKS:
                if (r, row, d) not in by:
                    die("round %d row %s has no result for %s" % (r, row, d))

    keys = ["iops", "mbs", "lat_mean_us", "lat_p99_us", "guest_us_per_io",
            "guest_busy_vcpus", "guest_user_us_per_io", "guest_system_us_per_io",
            "guest_irq_us_per_io", "guest_softirq_us_per_io", "ctxt_per_io", "irqs_per_io", "doorbells_per_io",
            "chan_irqs_per_io", "qemu_vcpu_us_per_io", "qemu_other_us_per_io",
            "vmbusd_us_per_io", "host_us_per_io", "host_window_s"]
    summary = []
    for row in rows:
        first = by[(rounds[0], row, "ours")]
        for d in DISKS:
            s = {"row": row, "disk": d, "rw": first["rw"], "bs": first["bs"],
                 "iodepth": first["iodepth"]}
            for k in keys:
                s[k] = median([by[(r, row, d)].get(k) for r in rounds])
            if d == "ours":
                for v in ("virtio-blk", "virtio-scsi"):
                    s["vs_" + v] = median([by[(r, row, "ours")]["iops"] /
                                           by[(r, row, v)]["iops"]
                                           for r in rounds
                                           if by[(r, row, v)]["iops"] > 0])
            summary.append(s)

    dinfo = info.get("disk", {})

    def disk_line(d):
        x = dinfo.get(d, {})
        return "%s %s (%s hw queues, device depth %s, max %s KiB, scheduler %s)" % (
            d, x.get("dev", "?"), x.get("hw_queues", "?"),
            x.get("device_depth", "-"), x.get("max_sectors_kb", "?"),
            x.get("scheduler", "?"))

    out = []
    out.append("storage benchmark, %s" % a.date)
    out.append("guest:  Linux %s, %s vCPUs, %s, QEMU %s, TCG; %s, libaio, O_DIRECT, 1 job" % (
        info.get("kernel", "?"), info.get("vcpus", "?"), a.mem, a.qemu,
        info.get("fio", "fio")))
    out.append("host:   %s, nproc %s, 1-minute load average %s before, %s after" % (
        a.host_cpu, a.nproc, a.load[0], a.load[1]))
    out.append("disks:  %d MiB raw images on tmpfs, same bytes; ours: vmbusd, io_uring, O_DIRECT;" % a.size_mb)
    out.append("        virtio: QEMU cache=none, aio=threads")
    for d in DISKS:
        out.append("        " + disk_line(d))
    out.append("runs:   %d round(s), disks interleaved per row, order rotated per round;" % len(rounds))
    out.append("        %d s per job after %d s ramp; medians over the rounds; %d s in all" % (
        a.runtime, a.ramp, a.elapsed))
    out.append("")
    hdr = "%-18s %-11s %8s %8s %9s %9s %7s %7s %8s" % (
        "row", "disk", "IOPS", "MB/s", "mean us", "p99 us", "/v-blk", "/v-scsi",
        "guest us/IO")
    out.append(hdr)
    for s in summary:
        out.append("%-18s %-11s %8.0f %8.1f %9.1f %9.1f %7s %7s %8s" % (
            s["row"] if s["disk"] == "ours" else "", s["disk"], s["iops"], s["mbs"],
            s["lat_mean_us"], s["lat_p99_us"],
            fmt(s.get("vs_virtio-blk"), 2, 7) if s["disk"] == "ours" else "",
            fmt(s.get("vs_virtio-scsi"), 2, 7) if s["disk"] == "ours" else "",
            fmt(s["guest_us_per_io"], 1, 8)))
    out.append("")
    out.append("guest, per I/O: vCPU time (us, both vCPUs) as user, system, hard irq, softirq;")
    out.append("busy vCPUs; context switches; interrupts of the disk's vectors; our")
    out.append("doorbells (guest-to-host signals).  Medians over the rounds.")
    out.append("%-18s %-11s %7s %6s %6s %6s %6s %6s %6s %6s %6s" % (
        "row", "disk", "busy", "user", "sys", "irq", "sirq", "vCPUs", "ctxt", "irqs",
        "dbell"))
    for s in summary:
        out.append("%-18s %-11s %7s %6s %6s %6s %6s %6s %6s %6s %6s" % (
            s["row"] if s["disk"] == "ours" else "", s["disk"],
            fmt(s["guest_us_per_io"], 1, 7), fmt(s["guest_user_us_per_io"], 1, 6),
            fmt(s["guest_system_us_per_io"], 1, 6), fmt(s["guest_irq_us_per_io"], 1, 6),
            fmt(s["guest_softirq_us_per_io"], 1, 6), fmt(s["guest_busy_vcpus"], 2, 6),
            fmt(s["ctxt_per_io"], 2, 6), fmt(s["irqs_per_io"], 3, 6),
            fmt(s["doorbells_per_io"], 3, 6)))
    out.append("")
    out.append("host, per I/O: CPU time (us) of QEMU's vCPU threads (guest code and the device")
    out.append("emulation of its MMIO), QEMU's other threads (main loop, aio=threads workers),")
    out.append("vmbusd (its thread and io_uring workers); sampled around each job (window")
    out.append("includes the guest's 1 s pause before the job)")
    out.append("%-18s %-11s %9s %9s %9s %9s" % (
        "row", "disk", "qemu vCPU", "qemu rest", "vmbusd", "host all"))
    for s in summary:
        out.append("%-18s %-11s %9s %9s %9s %9s" % (
            s["row"] if s["disk"] == "ours" else "", s["disk"],
            fmt(s["qemu_vcpu_us_per_io"], 1, 9), fmt(s["qemu_other_us_per_io"], 1, 9),
            fmt(s["vmbusd_us_per_io"], 1, 9), fmt(s["host_us_per_io"], 1, 9)))
    out.append("")
    out.append("targets (4k rows): ours/virtio-blk >= %.1f, ours/virtio-scsi >= %.1f" % (
        TARGETS["virtio-blk"], TARGETS["virtio-scsi"]))
    for s in summary:
        if s["disk"] != "ours" or s["bs"] != 4096:
            continue
        parts = []
        for v, t in TARGETS.items():
            x = s.get("vs_" + v)
            parts.append("%s %s (%s)" % (v, fmt(x, 2, 0),
                                         "met" if x is not None and x >= t else "missed"))
        out.append("  %-18s %s" % (s["row"], ", ".join(parts)))
    out.append("")
    out.append("note: the guest runs under TCG (software emulation): absolute figures are far")
    out.append("below hardware; compare only disks measured in the same run.")
    print("\n" + "\n".join(out))

    doc = {
        "tool": "scripts/bench-storage",
        "date": a.date,
        "guest": {"kernel": info.get("kernel"), "vcpus": info.get("vcpus"),
                  "mem": a.mem, "fio": info.get("fio"), "disks": dinfo},
        "host": {"cpu": a.host_cpu, "nproc": a.nproc, "qemu": a.qemu,
                 "load_before": a.load[0], "load_after": a.load[1]},
        "settings": {"rounds": a.rounds, "runtime_s": a.runtime, "ramp_s": a.ramp,
                     "image_mb": a.size_mb, "elapsed_s": a.elapsed},
        "targets": TARGETS,
        "summary": summary,
        "jobs": jobs,
    }
    with open(a.json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    if a.png:
        chart(a.png, summary, rows, doc)


def chart(png, summary, rows, doc):
    get = {(s["row"], s["disk"]): s for s in summary}
    with tempfile.TemporaryDirectory() as tmp:
        def table(name, keep, key):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                for row in rows:
                    if keep(get[(row, "ours")]):
                        f.write('"%s" %s\n' % (row, " ".join(
                            "%.3f" % (get[(row, d)][key] or 0) for d in DISKS)))
            return path
        iops = table("iops.dat", lambda s: s["bs"] <= 4096, "iops")
        mbs = table("mbs.dat", lambda s: s["bs"] > 4096, "mbs")
        cpu = table("cpu.dat", lambda s: True, "guest_us_per_io")
        title = "storage: ours vs virtio, Linux %s, TCG, %s" % (
            doc["guest"]["kernel"], doc["date"])
        plot = """
set terminal pngcairo size 1500,520 font ",10"
set output '%(png)s'
set multiplot layout 1,3 title '%(title)s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key inside top right
set offsets 0, 0, graph 0.3, 0
set xtics rotate by -20
set title '4 KiB: IOPS (higher is better)'
plot '%(iops)s' using 2:xtic(1) title 'ours', '' using 3 title 'virtio-blk', '' using 4 title 'virtio-scsi'
set title '1 MiB sequential: MB/s (higher is better)'
plot '%(mbs)s' using 2:xtic(1) title 'ours', '' using 3 title 'virtio-blk', '' using 4 title 'virtio-scsi'
set title 'guest vCPU time per I/O, us (lower is better)'
set logscale y
set yrange [*:*]
plot '%(cpu)s' using 2:xtic(1) title 'ours', '' using 3 title 'virtio-blk', '' using 4 title 'virtio-scsi'
unset multiplot
""" % {"png": png, "title": title, "iops": iops, "mbs": mbs, "cpu": cpu}
        r = subprocess.run(["gnuplot"], input=plot, text=True,
                           capture_output=True, check=False)
        if r.returncode != 0:
            die("gnuplot failed: " + r.stderr.strip())


if __name__ == "__main__":
    main()
