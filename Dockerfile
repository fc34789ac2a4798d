# One image for every role; WORKERS chooses what a container runs (fetch,extract,classify,store,dashboard).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: see .ci/run (the lock lacks optional packages some mirrors do not serve).
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY models ./models
COPY fixtures ./fixtures
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Health: the dashboard answers /healthz on 3000; worker-only containers answer /healthz, /readyz
# and /metrics on METRICS_PORT (docker-compose.yml sets 9100 and checks it).
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start"]
