# docker.io/library/registry:2.8.3, laid out as the official image (distribution-library-image):
# /bin/registry, the CA bundle, /etc/docker/registry/config.yml, the /var/lib/registry volume, port
# 5000, /entrypoint.sh, which runs `registry serve` for a config file argument. Upstream's base is
# Alpine 3.18; this is Debian bookworm-slim (the binary is static, so only the CA bundle matters).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY registry /bin/registry
COPY config.yml /etc/docker/registry/config.yml
COPY --chmod=0755 entrypoint.sh /entrypoint.sh
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/entrypoint.sh"]
CMD ["/etc/docker/registry/config.yml"]
