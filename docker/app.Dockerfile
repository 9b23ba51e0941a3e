# The sms-monitor application image: the CLI, the notifier daemon and the HTTP server, from the
# compiled JavaScript. docker-compose.yml builds it (context: the repository root, see
# .dockerignore). Nothing from the host's node_modules or dist/ goes in: the build stage installs
# with the lock file and compiles, the runtime stage installs the production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations/committed ./migrations/committed
COPY sql/functions ./sql/functions
COPY sql/views ./sql/views
COPY docker/entrypoint.sh docker/database-url.mjs ./docker/
USER node
ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]
CMD ["--help"]
