# The locally built image of the Kind test: an HTTP server (busybox httpd) with a known page, and curl
# for requests from inside the cluster. Runs as nobody on a read-only root.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends busybox curl ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && mkdir /srv/www && echo "stackwave kind probe" > /srv/www/index.html
USER 65534:65534
EXPOSE 8080
CMD ["busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www"]
