# syntax=docker/dockerfile:1
#
# Runtime image of function-remote-eks, for
# `crossplane xpkg build --package-root=package --embed-runtime-image=...`.
# docs/packaging.md shows the whole flow; scripts/xpkg/build.sh builds the
# same layout without Docker.

ARG NODE_VERSION=20.20.2

# Compile with the dev dependencies, then drop them so that only the
# production node_modules reach the runtime stage.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts run: the dependencies need none to work.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# distroless has no shell or package manager. Its Node.js lives at
# /nodejs/bin/node.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production
EXPOSE 9443
# Crossplane runs function pods as uid and gid 2000 unless a
# DeploymentRuntimeConfig sets other ids. The files above are owned by root
# and only readable, and the server writes nothing outside /tmp.
USER 2000:2000
# The script is part of the ENTRYPOINT, so that arguments such as the
# --insecure that `crossplane render` passes go to the server.
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
