# quay.io/prometheus-operator/prometheus-operator, as the module's Dockerfile: /bin/operator, uid 65534.
FROM quay.io/prometheus/busybox-linux-amd64:latest
COPY prometheus-operator /bin/operator
USER 65534
ENTRYPOINT ["/bin/operator"]
