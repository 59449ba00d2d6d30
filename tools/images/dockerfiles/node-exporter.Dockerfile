# quay.io/prometheus/node-exporter, as the module's Dockerfile: /bin/node_exporter, port 9100, nobody.
FROM quay.io/prometheus/busybox-linux-amd64:latest
COPY node_exporter /bin/node_exporter
EXPOSE 9100
USER nobody
ENTRYPOINT ["/bin/node_exporter"]
