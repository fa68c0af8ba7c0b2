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
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist dist
COPY schemas schemas
COPY sink/sql sink/sql
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
