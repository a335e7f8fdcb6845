# choreoctl quick start: from `npm start` to the repository's own samples applied, Ready and inspected.
# test/cli/quickstart.test.ts runs every command below, in this order, as written (it starts the
# server itself, on a free port it puts in place of http://127.0.0.1:8080, with its own data
# directory in place of .choreo/).
#
# In one terminal, start the control plane (it listens on http://127.0.0.1:8080 and keeps its data
# in .choreo/):
#   npm start
# In another, in the repository:

# Point choreoctl at the control plane and check that it answers.
npx choreoctl config set-context local --server http://127.0.0.1:8080 --token-file .choreo/admin.token
npx choreoctl config use-context local
npx choreoctl version

# Platform configuration: a QA environment and the default pipeline reconfigured to
# development → qa → staging → production (production needs an approval).
npx choreoctl apply -f samples/platform

# A service from a pre-built image, with settings from a configuration group: apply it and wait until
# every object is Ready, delivered to the embedded data plane by its agent.
npx choreoctl apply -f samples/hello-service --wait --timeout 2m

# Inspect it: the component, its binding per environment with its URL, and its events.
npx choreoctl get components
npx choreoctl describe component hello-service

# What it runs, through the data plane's agent (simulated here, and marked so): its pods' recent log
# lines (add -f to follow them), and its objects with what the cluster made of them.
npx choreoctl logs hello-service --env development --tail 3
npx choreoctl tree hello-service --env development

# A web application, a nightly scheduled task, and a service whose four APIs use the four policy
# classes (JWT, CORS, rate limit, circuit breaker).
npx choreoctl apply -f samples/welcome-page --wait --timeout 2m
npx choreoctl apply -f samples/nightly-report --wait --timeout 2m
npx choreoctl apply -f samples/api-policies --wait --timeout 2m

# A service built from source: the Build runs on the embedded build plane (its steps simulated) and
# writes the Workload the Service runs.
npx choreoctl apply -f samples/quotes-from-source --wait --timeout 3m

# The organization at a glance: environments, components and their state.
npx choreoctl status
