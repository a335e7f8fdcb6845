#!/bin/sh
# Installs the product into a local kind or k3d cluster and checks it end to end, as a user would:
# builds the image from the Dockerfile and loads it into the cluster, applies the default install
# (deploy/install), registers the cluster as the DataPlane "default" and starts its agent with the
# credential in a Secret, applies a sample service and waits until it is Ready.
#
#   scripts/install-on-kind.sh            # kind (default), cluster "openchoreo", created when missing
#   CLUSTER_TOOL=k3d scripts/install-on-kind.sh
#
# Needs docker, kubectl, node, and kind or k3d. Not part of `npm test`: no container engine or cluster
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
for command in docker kubectl node "$tool"; do
  command -v "$command" >/dev/null 2>&1 || fail "$command not found"
done

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
# Server-side apply: the CRDs' schemas are too large for the last-applied annotation of client-side apply.
kubectl apply --server-side -k deploy/install
kubectl kustomize deploy/crds | kubectl wait --for=condition=Established --timeout="$timeout" -f - >/dev/null
kubectl -n openchoreo-system rollout status deploy/openchoreo-control-plane --timeout="$timeout"

step "Reaching the control plane on 127.0.0.1:$port"
kubectl -n openchoreo-system port-forward svc/openchoreo-control-plane "$port:8080" >/dev/null 2>&1 &
forward=$!
trap 'kill "$forward" 2>/dev/null || true' EXIT INT TERM
server="http://127.0.0.1:$port"
until curl -fsS --http1.1 -H 'content-type: application/json' -d '{"service":""}' "$server/grpc.health.v1.Health/Check" 2>/dev/null | grep -q SERVING; do
  kill -0 "$forward" 2>/dev/null || fail "kubectl port-forward ended"
  sleep 1
done
# Every call needs a token: Kubernetes mode keeps the bootstrap admin token in this Secret.
token="$(kubectl -n openchoreo-system get secret openchoreo-admin-token -o jsonpath='{.data.token}' 2>/dev/null | base64 -d || true)"
[ -n "$token" ] || fail "no admin token in the Secret openchoreo-system/openchoreo-admin-token"
scratch="$(mktemp -d)"
trap 'kill "$forward" 2>/dev/null || true; rm -rf "$scratch"' EXIT INT TERM
export CHOREOCONFIG="$scratch/choreo-config.yaml"
token_file="$scratch/admin.token"
# The token goes to curl and choreoctl in files of mode 600, never on a command line (ps shows those).
(umask 077 && printf '%s\n' "$token" > "$token_file" && printf 'authorization: Bearer %s\n' "$token" > "$scratch/authorization.header")
choreoctl() { node bin/choreoctl.js --server "$server" --token-file "$token_file" "$@"; }

step "Creating the DataPlane default/default (this cluster), registering it and starting its agent"
choreoctl apply -f deploy/data-plane.yaml
answer="$(curl -fsS --http1.1 -H 'content-type: application/json' -H @"$scratch/authorization.header" \
  -d '{"namespace":"default","name":"default","replace":true}' "$server/openchoreo.api.v1alpha1.DataPlaneService/RegisterDataPlane")"
credential="$(printf '%s' "$answer" | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>process.stdout.write(JSON.parse(s).credential))')"
[ -n "$credential" ] || fail "RegisterDataPlane returned no credential: $answer"
(umask 077 && printf '%s' "$credential" > "$scratch/credential")
kubectl -n openchoreo-agent create secret generic openchoreo-agent-credential --from-file=token="$scratch/credential" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n openchoreo-agent rollout status deploy/openchoreo-agent --timeout="$timeout"

step "Applying a sample service and waiting until it is Ready"
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
  apis:
    http:
      type: REST
      rest:
        backend:
          port: 8080
          basePath: /
        exposeLevels: ["Organization"]
YAML
choreoctl apply -f "$sample" --wait --timeout "$timeout"
choreoctl describe component hello
kubectl get deployments -A -l openchoreo.dev/agent
step "Installed: the sample is Ready and its Deployment runs in this cluster"
