# quay.io/prometheus/blackbox-exporter, as the module's Dockerfile: /bin/blackbox_exporter with the
# module's blackbox.yml as the default config, port 9115.
FROM quay.io/prometheus/busybox-linux-amd64:latest
COPY blackbox_exporter /bin/blackbox_exporter
COPY blackbox.yml /etc/blackbox_exporter/config.yml
EXPOSE 9115
ENTRYPOINT ["/bin/blackbox_exporter"]
CMD ["--config.file=/etc/blackbox_exporter/config.yml"]
