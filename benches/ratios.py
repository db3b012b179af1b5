#!/usr/bin/env python3
"""Print the ratio table of the verify and mint benches from criterion's JSON output.

Reads every target/criterion/**/new/benchmark.json (the benchmark's id) with the
estimates.json beside it, and prints one markdown table: per group (verify/RS256-2048,
mint/ES256, ...) the median of each implementation and the ratios ours / raw, ours /
jsonwebtoken and ours / jwt-simple. Python 3 standard library only.

Usage (from the repository root):
    cargo bench --bench verify --bench mint -- --warm-up-time 1 --measurement-time 3
    python3 benches/ratios.py [target/criterion]
"""

import json
import os
import sys
from pathlib import Path

PEERS = ["raw", "jsonwebtoken", "jwt-simple"]


def medians(root):
    """{group_id: {function_id: median in ns}} for every benchmark under root."""
    found = {}
    for benchmark in Path(root).glob("**/new/benchmark.json"):
        estimates = benchmark.with_name("estimates.json")
        if not estimates.exists():
            continue
        ident = json.loads(benchmark.read_text())
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        group = ident.get("group_id")
        function = ident.get("function_id") or ""
        found.setdefault(group, {})[function] = median
    return found


def duration(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def ratio(ours, other):
    if ours is None or not other:
        return "—"
    return f"{ours / other:.2f}"


def main():
    default = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not root.is_dir():
        sys.exit(f"{root}: no criterion output; run the benches first")
    groups = medians(root)
    order = {"verify": 0, "mint": 1}
    algs = {"RS256-2048": 0, "ES256": 1, "ES384": 2}
    rows = sorted(
        (g for g in groups if g.split("/")[0] in order),
        key=lambda g: (order[g.split("/")[0]], algs.get(g.split("/", 1)[-1], 9), g),
    )
    if not rows:
        sys.exit(f"{root}: no verify/* or mint/* benchmarks found")
    print("| bench | ours | raw | jsonwebtoken | jwt-simple "
          "| ours ÷ raw | ours ÷ jsonwebtoken | ours ÷ jwt-simple |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for group in rows:
        m = groups[group]
        ours = m.get("ours")
        cells = [duration(m.get(name)) for name in ["ours"] + PEERS]
        ratios = [ratio(ours, m.get(name)) for name in PEERS]
        print(f"| {group} | " + " | ".join(cells + ratios) + " |")
    print()
    print("Medians of criterion's point estimates; a ratio below 1 means ours is faster.")


if __name__ == "__main__":
    main()
