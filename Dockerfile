# One image for the API and the projection worker (docker-compose.yml picks the command).
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a source change does not reinstall them. `prepare` builds the project,
# which needs the sources: skip it here and build below.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --ignore-scripts

COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
