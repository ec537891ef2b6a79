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

mkdir -p "$dir/logs"
webhook_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "== registering the admission webhooks (served by aura-operator on 127.0.0.1:$webhook_port)"
python3 "$root/scripts/local-webhooks.py" "$webhook_port" | kubectl apply -f - >/dev/null

echo "== starting aura-operator (log: $dir/logs/operator.log)"
# Self-managed certificates: the operator makes its CA and serving certificate, keeps them in the
# Secret aura-system/aura-webhook-certs and writes the CA bundle into the configurations above.
# It runs as its own IAM user, aura-operator-scoped, which holds only the policy Aura ships
# (config/iam/aura-operator-policy.json): what it does here, that policy allows.
AWS_ACCESS_KEY_ID="$AURA_OPERATOR_AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AURA_OPERATOR_AWS_SECRET_ACCESS_KEY" \
  "$root/build/operator/aura-operator" --kubeconfig="$KUBECONFIG" --lease-namespace=aura-system \
  --probe-port=0 --webhook-address=127.0.0.1 --webhook-port="$webhook_port" \
  --webhook-cert-secret=aura-system/aura-webhook-certs --webhook-cert-hosts=127.0.0.1 \
  >"$dir/logs/operator.log" 2>&1 &
echo $! >"$dir/operator.pid"
bundle_written() {
  [ "$(kubectl get validatingwebhookconfiguration aura-validating -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" != "" ] &&
    [ "$(kubectl get mutatingwebhookconfiguration aura-mutating -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" != "" ]
}
for _ in $(seq 300); do
  bundle_written && break
  kill -0 "$(cat "$dir/operator.pid")" 2>/dev/null || break
  sleep 0.2
done
if ! bundle_written; then
  echo "!! the operator did not write the webhooks' CA bundle; its log:" >&2
  tail -n 30 "$dir/logs/operator.log" >&2
  exit 1
fi
echo "   CA bundle written by the operator; certificate in Secret aura-system/aura-webhook-certs"

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
echo "== deleting a cluster that still runs an AIJob is refused (server-side dry run):"
# As a user of its own: the operator shares this kubeconfig here, and its own deletions (of
# template clusters) are exempt from the protection.
kubectl delete ephemeralcluster ml-sandbox -n "$ns" --dry-run=server \
  --as=ml-engineer --as-group=system:masters 2>&1 | sed 's/^/   /' || true
echo
kubectl get aura -n "$ns"
echo
kubectl get ephemeralclusters -n "$ns" -o wide
echo
kubectl get events.events.k8s.io -n "$ns" --sort-by=.metadata.creationTimestamp | tail -n 10
echo
echo "Running. Try: source $dir/env.sh && kubectl describe ephemeralcluster -n $ns"
echo "Stop everything with: scripts/local-run.sh down"
