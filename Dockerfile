# syntax=docker/dockerfile:1
# Caracal Core: one image for the gateway, the projector and the CLI (docs/deploy.md).
#   docker build -t caracal-core:0.1.0 .
# Entry points (the k8s/ manifests pick one with `command`):
#   node dist/apps/gateway/src/main.js      (default)
#   node dist/apps/projector/src/main.js    (CARACAL_PROCESSORS=...)
#   caracal ...                             (the CLI: node bin/caracal.js)

# Build: the full Debian image has python3, make and g++, which re2's native addon needs.
FROM node:20-bookworm AS build
WORKDIR /app
# The libraries are npm workspaces (libs/*, test/support): npm ci links them, so their
# manifests come before it.
COPY package.json package-lock.json ./
COPY libs ./libs
# tsc follows the libraries' testing entries into test/support (what .ci/run builds, too).
COPY test ./test
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY bench ./bench
COPY bin ./bin
COPY build ./build
COPY schemas ./schemas
COPY pricebook ./pricebook
# The build links dist/node_modules/@caracal/* to the compiled libraries (build/link-dist-packages.mjs).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime: the same Node and Debian release (the native addons built above load as they are),
# production dependencies only, pg_dump/psql of the PostgreSQL major version the StatefulSet
# runs (15: `caracal backup create` needs the server's major version), a non-root user.
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 caracal \
 && useradd --system --uid 10001 --gid caracal --home-dir /var/lib/caracal --no-create-home caracal \
 && mkdir -p /var/lib/caracal \
 && chown caracal:caracal /var/lib/caracal
WORKDIR /app
ENV CARACAL_PG_BIN_DIR=/usr/lib/postgresql/15/bin
COPY --from=build /app/package.json /app/package-lock.json /app/oclif.manifest.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/pricebook ./pricebook
RUN ln -s /app/bin/caracal.js /usr/local/bin/caracal
USER 10001:10001
EXPOSE 8443 9090
# V8's heap sized for a proxy, not for the machine (docs/benchmarks.md, "Peak RSS", issue 9):
# without a limit V8 sizes the heap from the host's memory and lets the old generation grow to
# ~4x the live data between full collections, and the young generation to 2 x 16 MB; undici's
# HTTP parser is WebAssembly whose optimizing compile takes ~35 MB for a moment (--liftoff-only:
# its baseline code only). The live heap is ~40-60 MB. A 2 x 8 MB young generation saved CPU
# only in a gateway's first seconds under load, not once warm, for 5-10 MB more RSS. One V8
# worker thread (--v8-pool-size=1): each keeps its own malloc arena, and one was 2-3 MB of RSS
# less at the same throughput.
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=512", "--liftoff-only", "--v8-pool-size=1", "dist/apps/gateway/src/main.js"]
