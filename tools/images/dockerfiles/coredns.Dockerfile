# registry.k8s.io/coredns/coredns, as the CoreDNS module's own Dockerfile: /coredns with the
# capability to bind port 53 as a non-root user, the CA bundle, user nonroot (65532).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE} AS build
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates libcap2-bin
COPY coredns /coredns
RUN setcap cap_net_bind_service=+ep /coredns

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /coredns /coredns
USER 65532:65532
EXPOSE 53 53/udp
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT ["/coredns"]
