# Stand-in for docker.io/grafana/grafana: Grafana (AGPL) is served by no registry here. grafana.py
# answers what stackwave's manifests and tests use (health, login, the provisioned dashboards and
# datasources, /metrics) with Grafana's settings variables, laid out as the official image: user
# grafana (472, group 0), the GF_PATHS_* defaults, port 3000, /run.sh as the entrypoint. It writes
# only below GF_PATHS_DATA (a health probe file), so the root filesystem can be read-only.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN useradd --system --uid 472 --gid 0 --home-dir /usr/share/grafana --no-create-home grafana \
    && apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-minimal python3-yaml \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /usr/share/grafana /var/lib/grafana /var/log/grafana /etc/grafana/provisioning/dashboards /etc/grafana/provisioning/datasources \
    && chown 472:0 /var/lib/grafana /var/log/grafana && chmod 0770 /var/lib/grafana /var/log/grafana
COPY --chmod=0755 grafana.py /run.sh
ENV GF_PATHS_CONFIG=/etc/grafana/grafana.ini \
    GF_PATHS_DATA=/var/lib/grafana \
    GF_PATHS_HOME=/usr/share/grafana \
    GF_PATHS_LOGS=/var/log/grafana \
    GF_PATHS_PLUGINS=/var/lib/grafana/plugins \
    GF_PATHS_PROVISIONING=/etc/grafana/provisioning
WORKDIR /usr/share/grafana
EXPOSE 3000
USER 472
ENTRYPOINT ["/run.sh"]
