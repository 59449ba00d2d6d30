# quay.io/prometheus/alertmanager, as the module's own Dockerfile lays it out: alertmanager and amtool
# in /bin, the example HA config, /alertmanager as working directory and volume, user nobody.
FROM quay.io/prometheus/busybox-linux-amd64:latest
COPY amtool /bin/amtool
COPY alertmanager /bin/alertmanager
COPY alertmanager.yml /etc/alertmanager/alertmanager.yml
RUN mkdir -p /alertmanager && chown -R nobody:nobody /etc/alertmanager /alertmanager
USER nobody
EXPOSE 9093
VOLUME ["/alertmanager"]
WORKDIR /alertmanager
ENTRYPOINT ["/bin/alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
