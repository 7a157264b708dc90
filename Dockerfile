# syntax=docker/dockerfile:1.7
# Every service image, from this one file: SERVICE names the service (a folder of services/) and PORT the port it
# listens on, its config default (tools/dev/services.ts lists both). Build from the repository root (the context
# holds libs/ and the lockfile):
#   docker build --build-arg SERVICE=users --build-arg PORT=3001 -t shipshape/users:dev .
# Every image also runs the migrations, the seed and the acceptance suite:
#   node tools/db/migrate.ts && node tools/db/seed.ts
#   node tools/acceptance/main.ts --base-url http://gateway:3000

# The official Node image, pinned by digest. Where no registry is reachable, pass a local stand-in (Debian and the
# same Node release, built by tools/containers/base-image.ts): --build-arg NODE_BASE=localhost/shipshape/node-base:<tag>.
ARG NODE_BASE=node:24.13.0-bookworm-slim@sha256:4660b1ca8b28d6d1906fd644abe34b2ed81d15434d26d845ef0aced307cf4b6f

# Production dependencies of the service and the libraries it uses. npm ci checks the lockfile against every
# workspace manifest, so all of them come in, but only these two workspaces are installed.
FROM ${NODE_BASE} AS deps
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY libs/platform/package.json libs/platform/
COPY services/conduit/package.json services/conduit/
COPY services/gateway/package.json services/gateway/
COPY services/orders/package.json services/orders/
COPY services/products/package.json services/products/
COPY services/users/package.json services/users/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    test -f "services/${SERVICE}/package.json" || { echo "build with --build-arg SERVICE=<a folder of services/>" >&2; exit 1; }; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace "services/${SERVICE}" --workspace libs/platform

# tini as PID 1 forwards SIGTERM to node (graceful drain) and reaps zombies; its static build needs nothing else.
FROM ${NODE_BASE} AS init
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/*

# Node 24 runs the TypeScript sources directly: no compile step, no dev dependencies, nothing written outside /tmp.
FROM ${NODE_BASE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SERVICE
ARG PORT
LABEL org.opencontainers.image.title="shipshape-${SERVICE}" \
      org.opencontainers.image.description="Shipshape ${SERVICE} service (services/${SERVICE}); the image also runs the database migrations and the acceptance suite." \
      org.opencontainers.image.vendor="Shipshape" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24.13.0-bookworm-slim"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=init /usr/bin/tini-static /usr/bin/tini
# Manifests and node_modules (root and nested), with the workspace links into libs/ and services/.
COPY --from=deps /app/ ./
COPY libs/ libs/
# The migrate job runs from any image: tools/db walks every service that owns a schema, listed in tools/dev/services.ts,
# which reads every service's config schema, so each one's config.ts (and, where it has a schema, its migrations and
# migrations.ts) come along.
COPY services/gateway/src/config.ts services/gateway/src/
COPY services/conduit/src/config.ts services/conduit/src/migrations.ts services/conduit/src/
COPY services/conduit/migrations/ services/conduit/migrations/
COPY services/orders/src/config.ts services/orders/src/migrations.ts services/orders/src/
COPY services/orders/migrations/ services/orders/migrations/
COPY services/products/src/config.ts services/products/src/migrations.ts services/products/src/
COPY services/products/migrations/ services/products/migrations/
COPY services/users/src/config.ts services/users/src/migrations.ts services/users/src/
COPY services/users/migrations/ services/users/migrations/
COPY tools/db/ tools/db/
COPY tools/acceptance/ tools/acceptance/
# The list of the services (read by tools/db), and the development issuer: the suite mints tokens with it only next
# to `npm start`; in an image it is given them.
COPY tools/dev/services.ts tools/dev/issuer.ts tools/dev/compile-cache.ts tools/dev/
COPY services/${SERVICE}/ services/${SERVICE}/
# CMD cannot expand ${SERVICE}, so /app/server.ts links to the service's entry point. Node runs the file the link
# points to, so its relative imports and its package.json ("type": "module") are found as in the repository.
RUN test -n "${PORT}" || { echo "build with --build-arg PORT=<the port ${SERVICE} listens on>" >&2; exit 1; }; \
    ln -s "services/${SERVICE}/src/server.ts" server.ts \
 && test -f server.ts
# V8 sized for the chart's 256 Mi memory limit: a bounded old space and a small young generation keep RSS near
# 150 MB under load (npm run bench) instead of growing toward the host's memory. tools/dev/stack.ts uses the same.
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=4"
# Node's compile cache: every module of the service, stripped of its types and compiled, so the process never loads
# Node's TypeScript stripper, about 20 MB of RSS (docs/decisions/0009). Node keeps the cache apart by user and by V8
# flags, so it is filled as user 10001 with the service's flags, then handed to root like the rest of /app.
ENV NODE_COMPILE_CACHE=/app/.cache/compile
RUN mkdir -p "${NODE_COMPILE_CACHE}" && chown 10001:10001 "${NODE_COMPILE_CACHE}" \
 && setpriv --reuid=10001 --regid=10001 --clear-groups \
      node --no-allocation-site-pretenuring tools/dev/compile-cache.ts "${NODE_COMPILE_CACHE}" "${SERVICE}" \
 && chown -R root:root .cache && chmod -R a+rX,go-w .cache
USER 10001:10001
# The port is the service's own default, set here so the HEALTHCHECK knows it too; a deployment may override it.
ENV PORT=${PORT}
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# Flags Node refuses in NODE_OPTIONS (SERVICE_NODE_FLAGS in tools/dev/stack.ts says why).
CMD ["node", "--no-allocation-site-pretenuring", "server.ts"]
