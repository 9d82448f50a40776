# The platform image for sites with a registry: controller and workers of the reference platform and
# faultline's fault proxy, on the official node image, dependencies from the npm registry. Build and push it,
# then point the containers backend at it:
#   docker build -f scripts/images/platform.Dockerfile -t registry.example/faultline-platform:1 .
#   FAULTLINE_PLATFORM_IMAGE=registry.example/faultline-platform:1 npx cucumber-js
# (Without FAULTLINE_PLATFORM_IMAGE the backend makes the same image itself from this checkout, on
# FAULTLINE_NODE_IMAGE or a node image assembled from this machine's node; see support/env/containers.)
# `npm install`, not `npm ci`: npm 11 leaves other platforms' optional builds out of the lock, which ci rejects.
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production NODE_COMPILE_CACHE=/app/.node-compile-cache
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p .node-compile-cache && chown 1000:1000 .node-compile-cache
COPY bin/ bin/
COPY support/ support/
COPY fixtures/ fixtures/
USER 1000:1000
ENTRYPOINT ["node"]
