#!/bin/sh
# Runs the kubernetes driver's scenarios against the cluster KUBECONFIG (or --kubeconfig FILE) points at.
set -eu
cd "$(dirname "$0")/.."
exec npx tsx scripts/run-against-cluster.ts "$@"
