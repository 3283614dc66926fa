# One image for every role: `start` (the monolith, the default), `serve <auth|links|redirector|
# analytics|gateway>`, `up`, `autopilot`, and the admin commands (`user create …`).
#   docker build -t morphlink .
#   docker run -p 8000:8000 -v morphlink-data:/data morphlink            # monolith, SQLite in /data
#   docker run morphlink serve links                                      # one service (see compose.yaml)

# --- build: every dependency, the compiled server and the dashboard -------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles itself when no prebuilt binary fits the platform: a toolchain, in this stage only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# `npm ci` runs `prepare`, which is `npm run build` (tsc into dist/, vite into dist/web/): the
# same step .ci/run proves on every commit. Then only the production dependencies are kept.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies, the build, no sources, no toolchain, not root ------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    DATABASE_URL=sqlite:/data/morphlink.db
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# SQLite, the click journal, spools and the visitor secret live in /data: a volume, owned by the
# image's unprivileged user (uid 1000, "node"), so a read-only root filesystem works.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8000
# /health of the monolith or the gateway ($PORT); a service's container passes its own URL (compose.yaml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["node", "bin/morphlink.js"]
CMD ["start"]
