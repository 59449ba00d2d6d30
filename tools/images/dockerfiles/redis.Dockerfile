# Stand-in for the argo-cd chart's redis:8.2-alpine: Redis 8.2 has no source or binary here, so this
# is Debian bookworm's redis-server 7.0 behind the official image's contract: docker-entrypoint.sh
# (flags as arguments mean redis-server), user redis (999, group 1000), /data as the working
# directory and volume, port 6379, protected mode off as the official build sets it. /bin/sh is bash:
# the chart's probe scripts use ${var:offset:length}, which Alpine's ash has and Debian's dash lacks.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN groupadd --system --gid 1000 redis \
    && useradd --system --uid 999 --gid 1000 --home-dir /data --no-create-home redis \
    && apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server redis-tools \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && mkdir /data && chown redis:redis /data \
    && ln -sf bash /bin/sh
COPY --chmod=0755 redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME ["/data"]
WORKDIR /data
EXPOSE 6379
USER 999:1000
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
