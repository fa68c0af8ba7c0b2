# Build stage: compile TypeScript with the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts
COPY lib lib
COPY connector connector
COPY processor processor
COPY sink sink
COPY schemas schemas
COPY cli cli
COPY stack stack
COPY bench bench
COPY test test
RUN npx tsc -p .

# Runtime stage: production dependencies, the compiled code, schemas and SQL.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
# The V8 heap sized for a container, not for the machine (Node's default old space follows the
# host's memory, up to 4 GiB, so a heap could grow with a backlog until the pod was OOM-killed). This is
# for `run`, all three services in one process; the Kubernetes manifests give each service its own
# (docs/operations.md#memory). Small semi-spaces and two malloc arenas keep garbage and freed
# Buffers from piling up while a backlog drains (lib/runtime/container-memory.ts).
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=4" \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=65536 \
    MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist dist
COPY schemas schemas
COPY sink/sql sink/sql
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
