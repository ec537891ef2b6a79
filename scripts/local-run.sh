#!/usr/bin/env bash
# The main job, locally: starts the control plane and the AWS emulator (tests/env), installs the
# CRDs, runs aura-operator against them, applies the samples from config/samples/, waits until
# the operator has reconciled each one, and shows their status with kubectl.
#
#   scripts/local-run.sh          set up, run and show (the environment keeps running)
#   scripts/local-run.sh down     stop the operator and the environment
#
# Afterwards: source .local-env/env.sh, then kubectl get aura -n ml-team.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${AURA_LOCAL_DIR:-$root/.local-env}"
ns=ml-team  # the namespace the samples name

stop_operator() {
  if [[ -f "$dir/operator.pid" ]]; then
    kill -TERM "$(cat "$dir/operator.pid")" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$(cat "$dir/operator.pid")" 2>/dev/null || break; sleep 0.2; done
    rm -f "$dir/operator.pid"
  fi
}

if [[ "${1:-}" == "down" ]]; then
  stop_operator
  python3 "$root/tests/env/envctl.py" down --dir "$dir"
  exit 0
fi

"$root/scripts/install-deps.sh"
"$root/tests/env/build-binaries.sh"
"$root/tests/env/setup-moto.sh"
echo "== building aura-operator"
cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
cmake --build "$root/build" --target aura-operator -j"$(nproc)"

echo "== starting the local control plane and AWS emulator in $dir"
stop_operator
python3 "$root/tests/env/envctl.py" down --dir "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"  # a fresh control plane each run
python3 "$root/tests/env/envctl.py" up --dir "$dir"
# shellcheck disable=SC1091
source "$dir/env.sh"
kubectl() { "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["binaries"]["kubectl"])' "$dir/env.json")" "$@"; }

echo "== installing the CRDs"
kubectl apply --server-side -f "$root/crds/" >/dev/null
kubectl wait --for=condition=Established --timeout=60s \
  crd/ephemeralclusters.aura.io crd/nodepools.aura.io crd/aijobs.aura.io >/dev/null
kubectl create namespace aura-system --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

echo "== making a CA and a serving certificate for the admission webhooks"
mkdir -p "$dir/logs" "$dir/webhook"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=aura-local-ca" \
  -keyout "$dir/webhook/ca.key" -out "$dir/webhook/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$dir/webhook/tls.key" -out "$dir/webhook/tls.csr" 2>/dev/null
openssl x509 -req -in "$dir/webhook/tls.csr" -CA "$dir/webhook/ca.crt" -CAkey "$dir/webhook/ca.key" \
  -CAcreateserial -days 7 -extfile <(printf "subjectAltName=IP:127.0.0.1") -out "$dir/webhook/tls.crt" 2>/dev/null
webhook_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "== starting aura-operator (log: $dir/logs/operator.log)"
"$root/build/operator/aura-operator" --kubeconfig="$KUBECONFIG" --lease-namespace=aura-system \
  --probe-port=0 --webhook-address=127.0.0.1 --webhook-port="$webhook_port" \
  --webhook-cert-file="$dir/webhook/tls.crt" --webhook-key-file="$dir/webhook/tls.key" \
  >"$dir/logs/operator.log" 2>&1 &
echo $! >"$dir/operator.pid"
for _ in $(seq 100); do
  grep -q 'webhook server listening' "$dir/logs/operator.log" && break
  sleep 0.1
done
echo "== registering the admission webhooks (served by aura-operator on 127.0.0.1:$webhook_port)"
python3 "$root/scripts/local-webhooks.py" "$webhook_port" "$dir/webhook/ca.crt" | kubectl apply -f - >/dev/null

echo "== applying config/samples/ (namespace $ns)"
kubectl apply -f "$root/config/samples/"
echo "== waiting for the operator to reconcile every sample"
kubectl wait -n "$ns" --for=jsonpath='{.status.observedGeneration}'=1 --timeout=120s \
  ephemeralclusters,nodepools,aijobs --all >/dev/null

echo
echo "== a bad manifest is refused by the validating webhook, naming the field:"
cat <<'BAD' | kubectl apply -n "$ns" -f - 2>&1 | sed 's/^/   /' || true
apiVersion: aura.io/v1alpha1
kind: EphemeralCluster
metadata: {name: wrong-zones}
spec:
  region: us-east-1
  kubernetesVersion: "1.33"
  network: {vpcCIDR: 10.0.0.0/16, zones: [eu-west-1a, eu-west-1b]}
BAD
echo
kubectl get aura -n "$ns"
echo
kubectl get ephemeralclusters -n "$ns" -o wide
echo
kubectl get events.events.k8s.io -n "$ns" --sort-by=.metadata.creationTimestamp | tail -n 10
echo
echo "Running. Try: source $dir/env.sh && kubectl describe ephemeralcluster -n $ns"
echo "Stop everything with: scripts/local-run.sh down"
