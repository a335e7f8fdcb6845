#!/bin/sh
# Installs the product into a local kind or k3d cluster and checks it end to end, as a user would:
# builds the image from the Dockerfile and loads it into the cluster, applies the default install
# (deploy/install), registers the cluster as the DataPlane "default" and starts its agent with the
# credential in a Secret, applies a sample service and waits until it is Ready.
# Run `npm ci` first: choreoctl runs from this clone.
#
#   scripts/install-on-kind.sh            # kind (default), cluster "openchoreo", created when missing
#   CLUSTER_TOOL=k3d scripts/install-on-kind.sh
#
# Needs docker, kubectl, node, curl, and kind or k3d. Not part of `npm test`: no container engine or cluster
# runs on the development machines. Leaves the cluster running (delete it with
# `kind delete cluster --name openchoreo` or `k3d cluster delete openchoreo`).
set -eu
cd "$(dirname "$0")/.."

tool="${CLUSTER_TOOL:-kind}"
cluster="${CLUSTER_NAME:-openchoreo}"
image="openchoreo-ts:$(node -p 'require("./package.json").version')"
port="${LOCAL_PORT:-18080}"
timeout="${TIMEOUT:-5m}"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'install-on-kind: %s\n' "$*" >&2; exit 1; }
for command in docker kubectl node curl "$tool"; do
  command -v "$command" >/dev/null 2>&1 || fail "$command not found"
done
[ -d node_modules ] || fail "run npm ci first"
# choreoctl below runs the compiled CLI when dist/ is current.
node scripts/build.mjs --if-stale

step "Building $image"
docker build -t "$image" .

step "Cluster $cluster ($tool)"
case "$tool" in
  kind)
    kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait "$timeout"
    kubectl config use-context "kind-$cluster"
    kind load docker-image "$image" --name "$cluster"
    ;;
  k3d)
    k3d cluster list "$cluster" >/dev/null 2>&1 || k3d cluster create "$cluster" --wait
    kubectl config use-context "k3d-$cluster"
    k3d image import "$image" --cluster "$cluster"
    ;;
  *) fail "CLUSTER_TOOL must be kind or k3d, not $tool" ;;
esac

step "Applying deploy/install"
# Server-side apply, as the agent applies what it is sent: the API server tracks who owns each field, and
# no object carries the kubectl.kubernetes.io/last-applied-configuration annotation that client-side
# apply writes (a copy of the whole object, within the 256 KiB all annotations of an object may take;
# our largest CRD is about 18 KB, so `kubectl apply -k` works too).
kubectl apply --server-side -k deploy/install
kubectl kustomize deploy/crds | kubectl wait --for=condition=Established --timeout="$timeout" -f - >/dev/null
kubectl -n openchoreo-system rollout status deploy/openchoreo-control-plane --timeout="$timeout"

step "Reaching the control plane on 127.0.0.1:$port"
kubectl -n openchoreo-system port-forward svc/openchoreo-control-plane "$port:8080" >/dev/null 2>&1 &
forward=$!
scratch="$(mktemp -d)"
cleanup() { kill "$forward" 2>/dev/null || true; rm -rf "$scratch"; }
# EXIT covers every way out; a signal exits through it (a trapped INT alone would carry on).
trap cleanup EXIT
trap 'exit 130' INT TERM
server="http://127.0.0.1:$port"
# '"SERVING"' with its quotes: NOT_SERVING must not match.
until curl -fsS --http1.1 -H 'content-type: application/json' -d '{"service":""}' "$server/grpc.health.v1.Health/Check" 2>/dev/null | grep -q '"SERVING"'; do
  kill -0 "$forward" 2>/dev/null || fail "kubectl port-forward ended"
  sleep 1
done
export CHOREOCONFIG="$scratch/choreo-config.yaml"
token_file="$scratch/admin.token"
# Every call needs a token: Kubernetes mode keeps the bootstrap admin token in this Secret, written by
# the replica whose bootstrap won (the other may listen a moment before it is there). It goes from
# the Secret through a pipe into a file of mode 600 that choreoctl reads: never on a command line,
# where ps would show it.
waited=0
until (umask 077 && kubectl -n openchoreo-system get secret openchoreo-admin-token -o jsonpath='{.data.token}' 2>/dev/null | base64 -d > "$token_file") && [ -s "$token_file" ]; do
  [ "$waited" -lt 60 ] || fail "no admin token in the Secret openchoreo-system/openchoreo-admin-token after 60 s"
  waited=$((waited + 1))
  sleep 1
done
choreoctl() { node bin/choreoctl.js --server "$server" --token-file "$token_file" "$@"; }

step "Creating the DataPlane default/default (this cluster), registering it and starting its agent"
choreoctl apply -f deploy/data-plane.yaml
# The credential (the last line of stdout, shown once) goes into a file of mode 600, and from there into
# the agent's Secret. --replace: a second run registers again and rotates it.
(umask 077 && choreoctl plane register dataplane default --replace > "$scratch/credential")
[ -s "$scratch/credential" ] || fail "plane register returned no credential"
kubectl -n openchoreo-agent create secret generic openchoreo-agent-credential --from-file=token="$scratch/credential" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n openchoreo-agent rollout status deploy/openchoreo-agent --timeout="$timeout"

step "Installing the CiliumNetworkPolicy CRD, then applying a sample service and waiting until it is Ready"
# Every cell's Release holds a CiliumNetworkPolicy (the data plane's network policy API, as in
# OpenChoreo), which a cluster without Cilium refuses for want of its CRD. The CRD alone lets it apply;
# kind's own network does not enforce it. Server-side, as above: this CRD is several times the size of
# our largest.
kubectl apply --server-side -f "https://raw.githubusercontent.com/cilium/cilium/v1.16.5/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml"
kubectl wait --for=condition=Established --timeout="$timeout" crd/ciliumnetworkpolicies.cilium.io >/dev/null
# No API exposed: a route would stay unaccepted (never Ready) without a Gateway API implementation.
sample="$scratch/hello.yaml"
cat > "$sample" <<'YAML'
apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: hello
spec:
  owner:
    projectName: default
  type: Service
---
apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata:
  name: hello
spec:
  owner:
    componentName: hello
    projectName: default
  containers:
    main:
      image: nginxinc/nginx-unprivileged:1.27-alpine
  endpoints:
    http:
      type: REST
      port: 8080
---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata:
  name: hello
spec:
  owner:
    componentName: hello
    projectName: default
  workloadName: hello
  overrides: {}
YAML
choreoctl apply -f "$sample" --wait --timeout "$timeout"
choreoctl describe component hello
kubectl get deployments -A -l openchoreo.dev/agent
step "Installed: the sample is Ready and its Deployment runs in this cluster"
