#!/usr/bin/env bash
# Instructions per verification (callgrind), per algorithm: ours, raw, jsonwebtoken and
# jwt-simple, each the inclusive count of one call of the closure criterion measures,
# averaged over the calls of one `--profile-time` run. All four run in one process, so they
# verify the same token (ECDSA counts move by a percent or two from token to token; RSA's
# do not). Writes target/criterion/callgrind.json for benches/ratios.py and prints it.
#
#   benches/callgrind.sh [ALG...]        # default: RS256-2048 ES256 ES384
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
for alg in "${algs[@]}"; do
    nice -n 10 valgrind --tool=callgrind --callgrind-out-file="${work}/${alg}.out" \
        "${bin}" --bench --profile-time 1 "^verify/${alg}/(ours|raw|jsonwebtoken|jwt-simple)\$" \
        >/dev/null 2>&1
    callgrind_annotate --inclusive=yes --tree=calling "${work}/${alg}.out" \
        >"${work}/${alg}.txt" 2>/dev/null
done

python3 - "${work}" "${out_dir}/callgrind.json" "${algs[@]}" <<'PY'
import json, re, sys
from pathlib import Path

work, out, algs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
closures = {"ours": "ours", "raw": "raw", "jsonwebtoken": "jsonwebtoken", "jwt_simple": "jwt-simple"}
result = json.loads(out.read_text()) if out.exists() else {}
for alg in algs:
    counts, in_iter = {}, False
    for line in (work / f"{alg}.txt").read_text().splitlines():
        if re.search(r"\*  \?\?\?:criterion::bencher::Bencher<M>::iter", line):
            in_iter = True
            continue
        if in_iter and not line.strip():
            in_iter = False
        match = re.search(r"^\s*([\d,]+) .*>\s+\?\?\?:verify::(\w+)::\{\{closure\}\} \((\d+)x\)", line)
        if in_iter and match and match.group(2) in closures:
            name = closures[match.group(2)]
            total, calls = int(match.group(1).replace(",", "")), int(match.group(3))
            counts[name] = round(total / calls)
    result[f"verify/{alg}"] = counts
out.write_text(json.dumps(result, indent=2) + "\n")
print(json.dumps(result, indent=2))
PY
