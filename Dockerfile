# syntax=docker/dockerfile:1
# Cairn's container image: `cairn serve` by default; `cairn worker`, `cairn db migrate` and every other
# command through the same entrypoint (docker run IMAGE worker). The build context is the repository root:
#   docker build -t cairn .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/cairn:0.1.0 --push .
# Nothing here names an architecture: the native addons compile in the build stage for the portable
# baseline of whichever platform builds them. deploy/compose.yaml and deploy/k8s/ run this image;
# docs/decisions/0022-deployment.md says why each line is here, test/deploy/dockerfile.test.ts checks it.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# node-gyp's toolchain: better-sqlite3 and hnswlib-node are C++ compiled here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# CAIRN_PORTABLE_BUILD=1 keeps node-gyp's portable flags for hnswlib-node (scripts/tune-native.mjs
# would otherwise tune it for the build machine's CPU, and the image runs on others).
# npm_config_build_from_source: better-sqlite3 compiles instead of fetching a prebuilt binary.
# npm_config_nodedir: node-gyp uses the headers shipped with this Node instead of downloading them.
# ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's CPU binaries (x64 and arm64) are in its npm
# package; its installer would only fetch CUDA ones.
ENV CAIRN_PORTABLE_BUILD=1 \
    npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    ONNXRUNTIME_NODE_INSTALL=skip
# Dependencies first, so a source change reuses this layer. Install scripts run for the two addons
# only; then the project's own postinstall, which the switch above makes keep the portable build.
COPY package.json package-lock.json ./
COPY scripts/tune-native.mjs scripts/
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 hnswlib-node \
 && node scripts/tune-native.mjs
COPY tsconfig.json tsconfig.build.json ./
COPY bin/ bin/
COPY src/ src/
COPY web/ web/
# dist/ (server) and web/dist (UI), then only the runtime dependencies stay.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="cairn" \
      org.opencontainers.image.description="Self-hosted retrieval-augmented generation: ingest documents and code, search them, ask them." \
      org.opencontainers.image.licenses="MIT"
# git clones repositories named as sources; ca-certificates for its HTTPS; tini as PID 1 forwards
# SIGTERM to Cairn (which finishes in-flight work) and reaps the git processes it spawns.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 cairn \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin cairn \
 && mkdir -p /data \
 && chown 10001:10001 /data
# CAIRN_HOST=0.0.0.0: inside a container every process listens on all interfaces (serve and worker).
ENV NODE_ENV=production \
    CAIRN_HOME=/data \
    CAIRN_HOST=0.0.0.0 \
    CAIRN_PORT=7700 \
    CAIRN_WORKER_PORT=7701
WORKDIR /app
# Owned by root and read-only for the cairn user: the process can change its data, not itself.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/bin/ bin/
COPY --from=build /app/dist/ dist/
COPY --from=build /app/web/dist/ web/dist/
COPY scripts/healthcheck.mjs scripts/
RUN ln -s /app/bin/cairn.js /usr/local/bin/cairn
USER 10001:10001
VOLUME /data
# 7700: cairn serve (API, web UI, /mcp, /metrics); 7701: cairn worker (/healthz, /readyz, /metrics).
EXPOSE 7700 7701
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/scripts/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "cairn"]
CMD ["serve", "--host", "0.0.0.0"]
