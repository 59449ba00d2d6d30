# Stand-in for docker.io/percona/mongodb_exporter: the Go proxy refuses its module (403), so
# mongodb-exporter.py serves the metrics stackwave's rules and dashboards read, from a real
# connection to the server, with percona's flags and environment. Laid out as percona's image:
# /mongodb_exporter as the entrypoint, port 9216, a non-root user.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-minimal python3-pymongo \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --chmod=0755 mongodb-exporter.py /mongodb_exporter
EXPOSE 9216
USER 65534:65534
ENTRYPOINT ["/mongodb_exporter"]
