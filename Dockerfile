# The call router as a container image:
#   docker build -t call-router .
#   docker run --rm -p 3000:3000 -e WEBHOOK_AUTH='Bearer change-me' call-router
# Rules baked in from ./rules; mount your own over /app/rules (or set RULES_DIR) to change them.

# 1. build: every dependency, then TypeScript -> dist/. The full bookworm image has python3, make
#    and g++ for native modules that build from source.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY schema ./schema
COPY src ./src
RUN npm run build

# 2. prod-deps: production dependencies only. --ignore-scripts skips our own `prepare` (a build
#    that needs the dev dependencies left out here); `npm rebuild` then runs the dependencies'
#    install scripts, which compile native modules for this platform.
FROM node:20-bookworm AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild

# 3. runtime: what the built server reads at run time, nothing else.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json \
    CALL_LOG=/app/data/calls.sqlite
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json says "type": "module" (dist/ is ES modules); schema/ is read at start-up.
COPY package.json ./
COPY schema ./schema
COPY rules ./rules
# The decision log is the only thing written: give the unprivileged `node` user its folder.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# No curl in the slim image: node asks /healthz itself (liveness; /readyz is for load balancers).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM itself (docker stop, Kubernetes), drains and exits 0.
# Never `npm start` here: npm does not pass SIGTERM on, and the router would be killed mid-call.
CMD ["node", "dist/cli/main.js", "serve"]
