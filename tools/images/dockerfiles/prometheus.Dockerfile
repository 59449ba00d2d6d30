# quay.io/prometheus/prometheus, as the module's own Dockerfile lays it out: prometheus and promtool in
# /bin, the example config, /prometheus as the working directory and volume, user nobody. Built without
# the builtinassets tag, so the web UI is not embedded (the API and /metrics are the same).
FROM quay.io/prometheus/busybox-linux-amd64:latest
COPY prometheus /bin/prometheus
COPY promtool /bin/promtool
COPY prometheus.yml /etc/prometheus/prometheus.yml
COPY LICENSE /LICENSE
COPY NOTICE /NOTICE
WORKDIR /prometheus
RUN chown -R nobody:nobody /etc/prometheus /prometheus && chmod g+w /prometheus
USER nobody
EXPOSE 9090
VOLUME ["/prometheus"]
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
