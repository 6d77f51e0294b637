# syntax=docker/dockerfile:1.7
# The build stage of every image, written once: one install from the lockfile, one esbuild run
# bundling the six Node services, one Vite build of the web app. Each services/<name>/Dockerfile
# is the runtime stage of its image and takes its files from this one, passed to it as the
# build context `node-build` (docs/operations.md, Images). From the repository root:
#   docker build -f services/node-build.Dockerfile -t tlp/node-build .
#   docker build -f services/<name>/Dockerfile --build-context node-build=docker-image://tlp/node-build -t tlp/<name> .
# (infra/docker-compose.yml does both on its own.)
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE}
ARG NODE_SERVICES="gateway loyalty promotion voucher renewal partner-sync"
WORKDIR /src
RUN npm install -g pnpm@10.34.9
# The store is filled from the lockfile alone, so this layer survives source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile \
      $(for s in $NODE_SERVICES web; do printf -- '--filter @tlp/%s... ' "$s"; done)
# Nothing native is needed: esbuild inlines every module, so a service's image holds one file
# (and its source map), /bundles/<name>.js, and no node_modules.
RUN pnpm dlx esbuild@0.28.2 $(for s in $NODE_SERVICES; do printf '%s=services/%s/src/main.ts ' "$s" "$s"; done) \
      --bundle --platform=node --target=node20 --sourcemap --outdir=/bundles
# What every Node image runs with unless the pod says otherwise (node --env-file: the process's
# own environment wins): production mode, listening on all interfaces on the port it exposes.
RUN printf 'NODE_ENV=production\nHTTP_HOST=0.0.0.0\nHTTP_PORT=8080\n' > /bundles/image.env
# The package's own build script (vite build), which writes services/web/dist.
RUN pnpm --filter @tlp/web run build
