# quay.io/prometheus-operator/prometheus-config-reloader, as cmd/prometheus-config-reloader/Dockerfile:
# /bin/prometheus-config-reloader, user nobody.
FROM quay.io/prometheus/busybox-linux-amd64:latest
COPY prometheus-config-reloader /bin/prometheus-config-reloader
USER nobody
ENTRYPOINT ["/bin/prometheus-config-reloader"]
