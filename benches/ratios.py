#!/usr/bin/env python3
"""Print the ratio tables of the benches from one run's criterion output.

Reads every target/criterion/**/new/benchmark.json (the benchmark's id) with the
estimates.json beside it, target/criterion/authorize_redis/latency.json (written by the
authorize_redis bench) and, when present, target/criterion/callgrind.json (written by
benches/callgrind.sh), and prints markdown tables:

- verify/<alg> and mint/<alg>: the median of each implementation on each signature provider
  (ours/<provider>, raw/<provider>, jsonwebtoken/<backend>, jwt-simple, cache-hit/aws-lc) and
  the ratios ours ÷ raw and ours ÷ jsonwebtoken per provider, ours(aws-lc) ÷ jwt-simple, cache
  hit ÷ cold verify, (with callgrind.json) the instruction ratios ours / raw per provider and
  (with paired.json, written by the verify_paired bench) the paired wall-clock ratios;
- authorize_memory/<alg>: authorize / verify and the store operation alone;
- rights/<alg>: a rights evaluation (1,000 CIDR entries) and a geo lookup against one
  verification on aws-lc, and their ratio (target ≤ 5 %);
- authorize_redis/<alg>: decision latency p50/p99 with 1 and 16 requests in flight (whole
  authorize, and the store path alone), and
  the commands per decision.

Python 3 standard library only. Usage (from the repository root):
    nice -n 10 cargo bench --bench verify --bench mint --bench authorize_memory -- \\
        --warm-up-time 1 --measurement-time 3
    # jsonwebtoken's backend is process-global: its rust-crypto rows in a second process
    JSONWEBTOKEN_BACKEND=rust-crypto nice -n 10 cargo bench --bench verify --bench mint -- \\
        --warm-up-time 1 --measurement-time 3 jsonwebtoken
    nice -n 10 scripts/with-redis.sh cargo bench --bench authorize_redis -- \\
        --warm-up-time 1 --measurement-time 3
    nice -n 10 cargo bench --bench verify_paired      # paired ours ÷ raw
    benches/callgrind.sh                 # optional: instruction counts
    python3 benches/ratios.py [target/criterion]
"""

import json
import os
import sys
from pathlib import Path

PROVIDERS = ["aws-lc", "rust-crypto"]
ALGS = {"RS256-2048": 0, "ES256": 1, "ES384": 2}


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


def ratio(ours, other, digits=2):
    if ours is None or not other:
        return "—"
    return f"{ours / other:.{digits}f}"


def load_json(path):
    return json.loads(path.read_text()) if path.exists() else None


def rows_of(groups, kind):
    return sorted(
        (g for g in groups if g.split("/")[0] == kind),
        key=lambda g: (ALGS.get(g.split("/", 1)[-1], 9), g),
    )


def peer_table(groups, callgrind, paired):
    """One row per verify/mint group: every implementation on each provider and the ratios."""
    names = [f"{who}/{p}" for p in PROVIDERS for who in ["ours", "raw", "jsonwebtoken"]]
    names += ["jwt-simple", "cache-hit/aws-lc"]
    print("| bench | " + " | ".join(names) + " | ours(aws-lc) ÷ raw aws-lc "
          "| ours(aws-lc) ÷ jsonwebtoken(aws-lc) | ours(rust-crypto) ÷ raw rust-crypto "
          "| ours(rust-crypto) ÷ jsonwebtoken(rust-crypto) | ours(aws-lc) ÷ jwt-simple "
          "| cache hit ÷ ours(aws-lc) | instructions ours ÷ raw (aws-lc) "
          "| instructions ours ÷ raw (rust-crypto) | paired ours ÷ raw (aws-lc) "
          "| paired ours ÷ raw (rust-crypto) |")
    print("|---|" + "---:|" * (len(names) + 10))
    for kind in ["verify", "mint"]:
        for group in rows_of(groups, kind):
            m = groups[group]
            cells = [duration(m.get(name)) for name in names]
            ratios = [
                ratio(m.get("ours/aws-lc"), m.get("raw/aws-lc")),
                ratio(m.get("ours/aws-lc"), m.get("jsonwebtoken/aws-lc")),
                ratio(m.get("ours/rust-crypto"), m.get("raw/rust-crypto")),
                ratio(m.get("ours/rust-crypto"), m.get("jsonwebtoken/rust-crypto")),
                ratio(m.get("ours/aws-lc"), m.get("jwt-simple")),
                ratio(m.get("cache-hit/aws-lc"), m.get("ours/aws-lc"), 3),
            ]
            counts = (callgrind or {}).get(group, {})
            ratios.append(ratio(counts.get("ours/aws-lc"), counts.get("raw/aws-lc"), 3))
            ratios.append(ratio(counts.get("ours/rust-crypto"), counts.get("raw/rust-crypto"), 3))
            pairs = (paired or {}).get(group, {})
            ratios += [f"{pairs[k]:.3f}" if k in pairs else "—"
                       for k in ("ours÷raw/aws-lc", "ours÷raw/rust-crypto")]
            print(f"| {group} | " + " | ".join(cells + ratios) + " |")


def memory_table(groups):
    rows = rows_of(groups, "authorize_memory")
    if not rows:
        return
    print()
    print("| authorizer (in memory) | verify | authorize | store op | authorize ÷ verify |")
    print("|---|---:|---:|---:|---:|")
    for group in rows:
        m = groups[group]
        print(f"| {group} | {duration(m.get('verify'))} | {duration(m.get('authorize'))} "
              f"| {duration(m.get('store_op'))} | {ratio(m.get('authorize'), m.get('verify'))} |")


def rights_table(groups):
    rows = rows_of(groups, "rights")
    if not rows:
        return
    print()
    print("| playback rights | verify (aws-lc) | geo lookup | evaluate (1,000 CIDR) "
          "| lookup + evaluate | (lookup + evaluate) ÷ verify |")
    print("|---|---:|---:|---:|---:|---:|")
    for group in rows:
        m = groups[group]
        both, verify = m.get("lookup+evaluate"), m.get("verify/aws-lc")
        share = "—" if both is None or not verify else f"{100 * both / verify:.1f} %"
        print(f"| {group} | {duration(verify)} | {duration(m.get('geo_lookup'))} "
              f"| {duration(m.get('evaluate'))} | {duration(both)} | {share} |")


def redis_table(groups, latency):
    if not latency:
        return
    print()
    print("| authorizer on Redis | authorize (criterion) | p50, 1 in flight | p99, 1 in flight "
          "| p50, 16 in flight | p99, 16 in flight | decisions/s, 16 in flight |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    us = lambda v: f"{v:.0f} µs" if v < 1e3 else f"{v / 1e3:.2f} ms"  # noqa: E731
    for alg in sorted((a for a in latency if a in ALGS), key=ALGS.get):
        one, many = latency[alg].get("in_flight_1", {}), latency[alg].get("in_flight_16", {})
        criterion = groups.get(f"authorize_redis/{alg}", {}).get("authorize")
        print(f"| authorize_redis/{alg} | {duration(criterion)} | {us(one['p50_us'])} "
              f"| {us(one['p99_us'])} | {us(many['p50_us'])} | {us(many['p99_us'])} "
              f"| {many['decisions_per_s']:.0f} |")
    print()
    print("| store path on Redis (decide on a verified token) | p50, 1 in flight "
          "| p99, 1 in flight | p50, 16 in flight | p99, 16 in flight | decisions/s, 16 in flight |")
    print("|---|---:|---:|---:|---:|---:|")
    for alg in sorted((a for a in latency if a in ALGS), key=ALGS.get):
        one = latency[alg].get("store_path_in_flight_1")
        many = latency[alg].get("store_path_in_flight_16")
        if one and many:
            print(f"| authorize_redis/{alg} | {us(one['p50_us'])} | {us(one['p99_us'])} "
                  f"| {us(many['p50_us'])} | {us(many['p99_us'])} "
                  f"| {many['decisions_per_s']:.0f} |")
    trips = latency.get("round_trips")
    if trips:
        print()
        print(f"Per decision (ES256, {trips['decisions']} decisions): "
              f"{trips['script_calls_per_decision']:.2f} decision-script calls (EVALSHA), "
              f"{trips['client_commands_per_decision']:.2f} commands sent by the client, "
              f"{trips['redis_commands_per_decision']:.2f} commands run by Redis "
              "(in-script ones included).")
        print(f"Sent by the client: {trips['client_commands']}")


def main():
    default = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not root.is_dir():
        sys.exit(f"{root}: no criterion output; run the benches first")
    groups = medians(root)
    kinds = ["verify", "mint", "authorize_memory", "rights"]
    if not any(rows_of(groups, kind) for kind in kinds):
        sys.exit(f"{root}: no verify/*, mint/*, authorize_memory/* or rights/* benchmarks found")
    if rows_of(groups, "verify") or rows_of(groups, "mint"):
        peer_table(groups, load_json(root / "callgrind.json"), load_json(root / "paired.json"))
    memory_table(groups)
    rights_table(groups)
    redis_table(groups, load_json(root / "authorize_redis" / "latency.json"))
    print()
    print("Medians of criterion's point estimates; a ratio below 1 means ours is faster.")


if __name__ == "__main__":
    main()
