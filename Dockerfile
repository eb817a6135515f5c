# syntax=docker/dockerfile:1
# Multi-stage image for the booking service. The build stage runs the same `npm ci` and `npm run build` as CI
# (.ci/run); `docker build --target ci .` runs the whole CI script, tests included.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# better-sqlite3 is a native module: when no prebuilt binary matches, npm compiles it with these tools.
FROM base AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Every dependency, dev ones included, then the TypeScript build (`prepare`, which `npm ci` runs last, builds too:
# scripts wait until the sources are in).
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
RUN npm rebuild && npm run build

# The CI script in the image (not built by default): `docker build --target ci .`
FROM build AS ci
COPY . .
RUN .ci/run

# Production dependencies only, compiled in the same base image as the runtime so the native module matches it.
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
# No scripts but the native module's own: `prepare` would need the TypeScript compiler, a dev dependency.
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/app/data/booking.db
COPY --chown=node:node package.json ./
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/src ./dist/src
COPY --from=build --chown=node:node /app/dist/migrations ./dist/migrations
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Slim images have no curl: ask /health with Node's own fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/cli.js", "serve"]
