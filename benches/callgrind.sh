#!/usr/bin/env bash
# Instructions per verification (callgrind), per algorithm and bench id of `benches/verify.rs`:
# `ours/{aws-lc,rust-crypto}`, `raw/{aws-lc,rust-crypto}`, `cache-hit/aws-lc`,
# `jsonwebtoken/aws-lc` and `jwt-simple`. Each id runs in a process of its own (several ids
# share one closure, so one process could not tell them apart) for one `--profile-time`
# run; its count is the inclusive instructions of the measured closure under criterion's
# `Bencher::iter`, divided by the closure's calls. Every process is given the same issue
# time (`PLAYBACK_AUTH_BENCH_IAT`) and the benches mint with RustCrypto (deterministic
# ECDSA), so all of them verify the same token bytes. Writes target/criterion/callgrind.json
# for benches/ratios.py and prints it.
#
#   benches/callgrind.sh [ALG...]        # default: RS256-2048 ES256 ES384
#   IDS="ours/aws-lc raw/aws-lc" benches/callgrind.sh RS256-2048    # a subset of the ids
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

bin="$(cargo bench --bench verify --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "verify" and msg.get("executable"):
        print(msg["executable"])')"
[ -x "${bin}" ] || { echo "callgrind.sh: verify bench not built" >&2; exit 1; }

out_dir="${CARGO_TARGET_DIR:-target}/criterion"
mkdir -p "${out_dir}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

algs=("$@")
[ "${#algs[@]}" -gt 0 ] || algs=(RS256-2048 ES256 ES384)
read -r -a ids <<<"${IDS:-ours/aws-lc raw/aws-lc ours/rust-crypto raw/rust-crypto cache-hit/aws-lc jsonwebtoken/aws-lc jwt-simple}"
# The peers check `exp` against the system clock: the token is valid for an hour from here.
export PLAYBACK_AUTH_BENCH_IAT="${PLAYBACK_AUTH_BENCH_IAT:-$(date +%s)}"
export JSONWEBTOKEN_BACKEND=aws-lc

for alg in "${algs[@]}"; do
    for id in "${ids[@]}"; do
        file="${work}/${alg}__${id//\//_}"
        nice -n 10 valgrind --tool=callgrind --callgrind-out-file="${file}.out" \
            "${bin}" --bench --profile-time 1 "^verify/${alg}/${id}\$" >/dev/null 2>&1 ||
            { echo "callgrind.sh: valgrind failed on verify/${alg}/${id}" >&2; exit 1; }
        callgrind_annotate --inclusive=yes --tree=calling "${file}.out" >"${file}.txt" 2>/dev/null
    done
done

python3 - "${work}" "${out_dir}/callgrind.json" "${algs[@]}" -- "${ids[@]}" <<'PY'
import json, re, sys
from pathlib import Path

args = sys.argv[3:]
split = args.index("--")
work, out, algs, ids = Path(sys.argv[1]), Path(sys.argv[2]), args[:split], args[split + 1:]
result = json.loads(out.read_text()) if out.exists() else {}
for alg in algs:
    counts = result.get(f"verify/{alg}", {})
    for bench_id in ids:
        text = (work / f"{alg}__{bench_id.replace('/', '_')}.txt").read_text()
        found, in_iter = None, False
        for line in text.splitlines():
            if re.search(r"\*  \?\?\?:criterion::bencher::Bencher<M>::iter", line):
                in_iter = True
                continue
            if in_iter and not line.strip():
                in_iter = False
            # The one closure of benches/verify.rs that `iter` calls in this process.
            match = re.search(r"^\s*([\d,]+) .*>\s+\?\?\?:verify::(?:\w+::)+\{\{closure\}\} \(([\d,]+)x\)", line)
            if in_iter and match:
                total, calls = (int(group.replace(",", "")) for group in match.groups())
                found = round(total / calls)
                break
        if found is None:
            sys.exit(f"callgrind.sh: no measured closure for verify/{alg}/{bench_id}")
        counts[bench_id] = found
    result[f"verify/{alg}"] = counts
out.write_text(json.dumps(result, indent=2) + "\n")
print(json.dumps(result, indent=2))
PY
