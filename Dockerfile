# syntax=docker/dockerfile:1
# One image for the control plane (the entry point), the plane agent (node dist/agent/main.js) and
# choreoctl (on PATH). Build: docker build -t openchoreo-ts:0.1.0 .
# Node 20 as on the development machines; better-sqlite3 is compiled from source in the build stage.
# Both stages run the same Node.js image: the build starts the server once to write its V8 code
# cache (dist/main/server.cjs.cache), which V8 accepts only from the Node.js that made it.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 has no prebuilt binary reachable offline: it compiles with node-gyp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is reused until package.json or the lock file change. Without
# scripts, since the package's own prepare step (the console build) needs sources not copied yet;
# better-sqlite3's install step (the native build) runs right after.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/build-console.mjs scripts/
COPY gen gen
COPY src src
# Read at build time: the bundle holds the build templates as JSON.
COPY deploy/build-templates deploy/build-templates
COPY console console
# dist/ (server, agent, choreoctl, the server's code cache) and console/dist (the web console the
# server serves at "/").
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    CHOREO_HOST=0.0.0.0 \
    CHOREO_PORT=8080 \
    CHOREO_DATA_DIR=/var/lib/openchoreo
WORKDIR /app
# Owned by root and read-only to the process: only the data directory and /tmp are written, so the
# container runs with a read-only root file system (mount volumes there).
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY --from=build /src/console/dist console/dist
COPY bin bin
RUN ln -s /app/bin/choreoctl.js /usr/local/bin/choreoctl \
 && mkdir -p /var/lib/openchoreo \
 && chown node:node /var/lib/openchoreo
# The image's own unprivileged user (uid and gid 1000), as the Kubernetes manifests expect.
USER 1000:1000
VOLUME ["/var/lib/openchoreo"]
EXPOSE 8080
ENTRYPOINT ["node", "dist/main/server.js"]
