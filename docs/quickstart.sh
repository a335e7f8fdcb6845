# choreoctl quick start: from `npm start` to the OpenChoreo samples applied and inspected.
# test/cli/quickstart.test.ts runs every command below, in this order, as written (it starts the
# server itself, on a free port it puts in place of http://127.0.0.1:8080).
#
# In one terminal, start the control plane (it listens on http://127.0.0.1:8080):
#   npm start
# In another, in the repository:

# Point choreoctl at the control plane and check that it answers.
npx choreoctl config set-context local --server http://127.0.0.1:8080
npx choreoctl config use-context local
npx choreoctl version

# Platform configuration samples: two more environments and a four-stage pipeline for the
# embedded organization "default".
npx choreoctl apply -R -f ../shared/openchoreo-v0.3/samples/platform-config

# The configuration the greeter sample reads (a repository URL, and a token kept in a vault).
npx choreoctl apply -f docs/samples/github-configuration-group.yaml

# A service from a pre-built image: apply it and wait until every object is Ready, delivered to the
# embedded data plane by its agent.
npx choreoctl apply -f ../shared/openchoreo-v0.3/samples/from-image/go-greeter-service --wait --timeout 2m

# Inspect it: the component, its binding per environment and its events; then the organization at a glance.
npx choreoctl get components
npx choreoctl describe component greeter-service
npx choreoctl status
