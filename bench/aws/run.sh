#!/usr/bin/env bash
# AWS client benchmarks: signatures per second (Google Benchmark), then requests per second
# against moto through AwsClient next to curl signing the same requests (--aws-sigv4) on one
# connection, in the same run. Usage: bench/aws/run.sh [COUNT]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
count="${1:-500}"
build="${AURA_BUILD_DIR:-$root/build}"
cmake --build "$build" --target aws_sigv4_bench aws_requests_bench -j2 >/dev/null
"$build/bench/aws_sigv4_bench" --benchmark_min_time=1

dir="$(mktemp -d)"
trap 'python3 "$root/tests/env/envctl.py" down --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
python3 "$root/tests/env/envctl.py" up --dir "$dir" --no-controller-manager >/dev/null
read -r ep ak sk < <(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["aws"]; print(a["endpoint"], a["access_key_id"], a["secret_access_key"])' "$dir/env.json")

"$build/bench/aws_requests_bench" "$ep" "$ak" "$sk" "$count"
# curl: the same signed POST, COUNT times on one connection (one process, --next per request).
args=()
for _ in $(seq "$count"); do
  args+=(--next -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:sts" --user "$ak:$sk"
         -H "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
         -H "x-amz-content-sha256: $(printf 'Action=GetCallerIdentity&Version=2011-06-15' | sha256sum | cut -d' ' -f1)"
         --data "Action=GetCallerIdentity&Version=2011-06-15" "$ep/")
done
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:sts" --user "$ak:$sk" \
  --data "Action=GetCallerIdentity&Version=2011-06-15" -w '%{http_code}\n' "$ep/" | grep -q 200 ||
  { echo "curl's signed request was refused by moto" >&2; exit 1; }
start=$(date +%s.%N)
curl "${args[@]:1}"
end=$(date +%s.%N)
python3 -c "import sys; n=int(sys.argv[1]); s=float(sys.argv[3])-float(sys.argv[2]); print(f'curl_one_connection requests={n} seconds={s:.3f} rps={n/s:.1f}')" "$count" "$start" "$end"
