# syntax=docker/dockerfile:1
# Carousel services image. Services run their TypeScript sources through tsx (no build step), so the
# image is the repository plus node_modules. One stage per service sets its command and port:
#   docker build --target worker -t carousel/worker .     (also: gateway, simulator)
# docker-compose.yml builds these targets; test/deploy/compose.test.ts checks they exist and that
# every command's entry file is in the repository.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app

# Only the package manifests, at their paths, so `npm ci` below stays cached until one of them
# (or the lockfile) changes. This stage re-runs on any source change, but its output does not.
FROM base AS manifests
COPY . /src
RUN mkdir /out \
 && cd /src \
 && find . -name node_modules -prune -o \( -name package.json -o -name package-lock.json -o -name .npmrc \) -print \
    | xargs cp --parents -t /out

FROM base AS deps
COPY --from=manifests /out/ ./
# --ignore-scripts: no install script is needed at run time (esbuild and msgpackr-extract ship
# prebuilt platform packages as optional dependencies; `gl` is only used by the benchmarks and
# would need a compiler toolchain). Dev dependencies stay: tsx runs the services.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS runtime
COPY . .
ENV NODE_ENV=production
USER node
# Services read their configuration from environment variables only (docs/deployment.md).

# The dashboard page, a static vite bundle that the gateway serves (dist/ is not in the context).
FROM deps AS dashboard
COPY . .
RUN npm run build --workspace @carousel/dashboard

FROM runtime AS worker
EXPOSE 9464
# The worker's node flags (WORKER_NODE_FLAGS, services/worker/src/node-flags.ts): a larger young generation.
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "services/worker/src/main.ts"]

FROM runtime AS gateway
COPY --from=dashboard /app/services/dashboard/dist services/dashboard/dist
EXPOSE 8080
CMD ["node", "--import", "tsx", "services/gateway/src/main.ts"]

FROM runtime AS simulator
EXPOSE 9465
CMD ["node", "packages/cli/bin/carousel.mjs", "simulate"]
