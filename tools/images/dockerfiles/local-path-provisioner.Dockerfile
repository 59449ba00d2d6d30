# docker.io/kindest/local-path-provisioner, as kind's images/local-path-provisioner lays it out: the
# binary at /usr/local/bin/local-path-provisioner. Upstream's base is distroless/base; the binary is
# static (CGO off), so the CA bundle is all it needs from a base.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE} AS certs
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates

FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY local-path-provisioner /usr/local/bin/local-path-provisioner
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT ["/usr/local/bin/local-path-provisioner"]
