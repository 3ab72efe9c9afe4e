# syntax=docker/dockerfile:1
# The Westward operator image: compiled JavaScript on the official Node 24 image, production
# dependencies only, running as an unprivileged user with a read-only root filesystem.
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" -t ghcr.io/<org>/westward:0.1.0 .
# Without a Docker engine: `npm run image:build` (buildah, a locally made base; docs/install.md).
# Debian slim rather than Alpine: the `node` devDependency installs a glibc Node binary that the
# build stage's `npm run build` puts first on PATH. The default base is pinned by digest (the
# node:24-bookworm-slim index of Node 24.18.0), so a rebuild never changes under the same tag;
# move it forward on purpose, with the digest `skopeo inspect docker://node:24-bookworm-slim` shows.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# Behind a TLS-inspecting proxy, give npm the proxy's CA as a build secret, which never lands in
# a layer: --secret id=npm-ca,src=<ca file>. Without it npm trusts Node's own CA list.
# Compile src/ to dist/ with the project's own TypeScript.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi && \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only; none of them needs an install script.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi && \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# The version is package.json's (a unit test keeps them equal); the revision is the commit built.
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="westward" \
      org.opencontainers.image.description="Kubernetes operator that places industrial AI inference in the computing hubs with the most renewable energy" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# The operator never runs a package manager; leave npm, corepack and yarn out of the image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
# Stack traces point at the TypeScript sources through the emitted source maps.
ENV NODE_ENV=production \
    WESTWARD_REVISION=${REVISION} \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# package.json carries "type": "module", which makes Node load dist/ as ES modules.
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# 65532 is the conventional "nonroot" uid; the files stay root-owned and read-only to it.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/src/main.js"]
