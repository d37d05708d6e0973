# The Strata service (Hono on Node 20, TypeScript run by tsx). Used by docker-compose.yml.
FROM node:20-slim

ENV NODE_ENV=production \
    # onnxruntime-node's install script otherwise tries to download CUDA libraries.
    ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
    STRATA_HOST=0.0.0.0 \
    STRATA_PORT=8787 \
    STRATA_CACHE_DIR=/var/lib/strata/cache \
    STRATA_MODELS_DIR=/var/lib/strata/models

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# Only what the service runs (no tests, no local node_modules, no plugin sources).
COPY tsconfig.json ./
COPY bin ./bin
COPY service ./service
COPY mappings ./mappings
# The CLI also registers the training and evaluation verbs (and `up` uses the demo catalog generator).
COPY training ./training

RUN mkdir -p /var/lib/strata/cache /var/lib/strata/models && chown -R node:node /var/lib/strata
USER node
EXPOSE 8787

HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.STRATA_PORT || 8787) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["npx", "tsx", "service/cli/main.ts", "serve"]
