#!/usr/bin/env python3
"""Turn the bench's results.tsv into the bench report: a table of every
figure (min / median / max over the reps) with the median as a ratio to
kernel VXLAN and to OpenVPN, the floors of the performance issue checked
from the medians, a JSON file of the raw and summarized figures, and an SVG
chart (gnuplot) of the ratios to VXLAN.

usage: report.py RESULTS.tsv OUT_PREFIX     (writes OUT_PREFIX.json and .svg)
"""
import json
import os
import statistics
import subprocess
import sys

# test name -> (label, unit, higher is better)
FIGURES = {
    "tcp": ("TCP", "Gbit/s", True),
    "tcp4": ("TCP 4 streams", "Gbit/s", True),
    "udp64": ("UDP-64 rx", "kpps", True),
    "udp64_fwd": ("UDP-64 delivered", "kpps", True),
    "ping": ("ping RTT", "us", False),
    "ping_cpu": ("tunnel CPU in ping test", "s", False),
    "cpu_per_gb": ("tunnel CPU per GB", "s/GB", False),
}


def load(path):
    header, rows = "", []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            header, rows = line.lstrip("# ").replace("\t", " "), []
            continue
        f = line.split("\t")
        if len(f) < 9 or f[2] == "FAILED":
            continue
        rows.append({"overlay": f[0], "rep": int(f[1]), "test": f[2], "value": float(f[3]),
                     "unit": f[4], "tunnel_cpu_s": float(f[5]), "seconds": float(f[8]),
                     **dict(x.split("=", 1) for x in f[9:] if "=" in x)})
    return header, rows


def summarize(rows):
    out = {}
    for r in rows:
        o = out.setdefault(r["overlay"], {})
        o.setdefault(r["test"], []).append(r["value"])
        if r["test"] == "tcp" and r["value"] > 0 and r["tunnel_cpu_s"] > 0:
            gb = r["value"] * r["seconds"] / 8
            o.setdefault("cpu_per_gb", []).append(r["tunnel_cpu_s"] / gb)
        if r["test"] == "udp64" and float(r.get("fwd_kpps", 0)) > 0:
            o.setdefault("udp64_fwd", []).append(float(r["fwd_kpps"]))
        if r["test"] == "ping":
            o.setdefault("ping_cpu", []).append(r["tunnel_cpu_s"])
    return {o: {t: {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v)}
                for t, v in tests.items()} for o, tests in out.items()}


def ratio(summary, overlay, test, base):
    a = summary.get(overlay, {}).get(test)
    b = summary.get(base, {}).get(test)
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def med(summary, overlay, test):
    f = summary.get(overlay, {}).get(test)
    return f["median"] if f else None


def per_rep(rows, a, b, test):
    """a / b of one test, rep by rep, where both have a value in that rep."""
    v = {}
    for r in rows:
        if r["test"] == test and r["overlay"] in (a, b):
            v.setdefault(r["rep"], {})[r["overlay"]] = r["value"]
    return [x[a] / x[b] for x in v.values() if a in x and x.get(b)]


def floors(s, rows, header=""):
    """The performance issue's floors, from this run: (what, value, floor,
    met). Medians but for UDP-64 against the naive forwarder, which holds in
    every rep (the worst rep's ratio is the value). Part 1, the kernel fast
    path (`pwire-fast`), against kernel VXLAN; with the underlay's tunnel
    segmentation off (UL_FEATURES in the run's header) its TCP floor is the
    issue's real-wire one, 0.95x. Part 2, the userspace engine (`pwire`, and
    `pwire-bp` for busy polling), against the naive forwarder and the gro3
    prototype. Then the earlier issues' floors that still hold."""
    out = []
    real_wire = "tx-udp_tnl-segmentation off" in header

    def check(what, a, b, floor, higher):
        if a is None or b is None or not b:
            out.append((what, None, floor, None))
            return
        v = a / b
        out.append((what, v, floor, v >= floor if higher else v <= floor))

    check("TCP: pwire-fast / vxlan" + (" (tunnel segmentation off)" if real_wire else ""),
          med(s, "pwire-fast", "tcp"), med(s, "vxlan", "tcp"), 0.95 if real_wire else 1.0, True)
    check("UDP-64 pps: pwire-fast / vxlan", med(s, "pwire-fast", "udp64"),
          med(s, "vxlan", "udp64"), 1.0, True)
    check("ping RTT: pwire-fast / vxlan", med(s, "pwire-fast", "ping"), med(s, "vxlan", "ping"),
          1.5, False)
    check("TCP: pwire / gro3", med(s, "pwire", "tcp"), med(s, "gro3", "tcp"), 1.15, True)
    cpu = med(s, "pwire", "cpu_per_gb")
    out.append(("tunnel CPU s per GB (pwire)", cpu, 0.5, cpu <= 0.5 if cpu else None))
    worst = per_rep(rows, "pwire", "naive", "udp64")
    check("UDP-64 pps: pwire / naive, worst rep", min(worst) if worst else None, 1.0, 2.5, True)
    check("ping RTT: pwire / naive", med(s, "pwire", "ping"), med(s, "naive", "ping"), 1.0, False)
    check("ping RTT: pwire-bp (busy_poll) / naive", med(s, "pwire-bp", "ping"),
          med(s, "naive", "ping"), 0.5, False)
    check("TCP: pwire / openvpn", med(s, "pwire", "tcp"), med(s, "openvpn", "tcp"), 5.0, True)
    check("TCP 4 streams: 2 queues / 1 queue", med(s, "pwire-q2", "tcp4"),
          med(s, "pwire", "tcp4"), 1.7, True)
    return out


def main():
    tsv, prefix = sys.argv[1], sys.argv[2]
    header, rows = load(tsv)
    s = summarize(rows)
    overlays = list(dict.fromkeys(r["overlay"] for r in rows))
    print(f"run: {header}")
    head = "| overlay |" + "".join(f" {FIGURES[t][0]} {FIGURES[t][1]} min/med/max | ÷ vxlan | ÷ openvpn |"
                                  for t in FIGURES)
    print(head)
    print("|---|" + "---|---|---|" * len(FIGURES))
    ratios = {}
    for o in overlays:
        cells = []
        for t in FIGURES:
            f = s[o].get(t)
            if not f:
                cells += ["-", "-", "-"]
                continue
            rv, ro = ratio(s, o, t, "vxlan"), ratio(s, o, t, "openvpn")
            ratios.setdefault(o, {})[t] = {"vxlan": rv, "openvpn": ro}
            cells += [f"{f['min']:.3g} / **{f['median']:.3g}** / {f['max']:.3g}",
                      f"{rv:.2f}" if rv is not None else "-",
                      f"{ro:.2f}" if ro is not None else "-"]
        print(f"| {o} | " + " | ".join(cells) + " |")
    fl = floors(s, rows, header)
    print()
    print("| floor (performance issue) | this run | floor | met |")
    print("|---|---|---|---|")
    for what, v, floor, met in fl:
        print(f"| {what} | {'-' if v is None else f'{v:.2f}'} | {floor} | "
              f"{'-' if met is None else 'yes' if met else 'NO'} |")
    json.dump({"run": header, "rows": rows, "summary": s, "ratios": ratios,
               "floors": [{"what": w, "value": v, "floor": f, "met": m} for w, v, f, m in fl]},
              open(prefix + ".json", "w"), indent=1)

    # Chart: the median of each figure as a ratio to kernel VXLAN (log
    # scale); figures VXLAN has no value for (tunnel CPU: it is the kernel)
    # are left out of the chart, not out of the table.
    charted = [t for t in FIGURES if any((ratios.get(o, {}).get(t, {}).get("vxlan") or 0) > 0
                                         for o in overlays)]
    if not charted:
        print(f"report: no {prefix}.svg: no figure has a kernel VXLAN value in this run")
        return
    dat = prefix + ".dat"
    with open(dat, "w") as f:
        f.write("overlay " + " ".join(FIGURES[t][0].replace(" ", "_") for t in charted) + "\n")
        for o in overlays:
            vals = [ratios.get(o, {}).get(t, {}).get("vxlan") for t in charted]
            f.write(o + " " + " ".join("%.4f" % v if v else "NaN" for v in vals) + "\n")
    plot = f"""
set terminal svg size 900,480 dynamic font ",11" background rgb "white"
set output "{prefix}.svg"
set title "median / kernel VXLAN in the same run (ping: lower is better)" noenhanced
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel "ratio to kernel VXLAN (log)"
set key top right
set grid ytics
set xtics noenhanced
set key noenhanced
plot for [i=2:{len(charted) + 1}] "{dat}" using i:xtic(1) title columnheader(i)
"""
    subprocess.run(["gnuplot"], input=plot, text=True, check=True)
    os.unlink(dat)


if __name__ == "__main__":
    main()
