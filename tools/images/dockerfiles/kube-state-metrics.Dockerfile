# registry.k8s.io/kube-state-metrics/kube-state-metrics, as the module's Dockerfile: /kube-state-metrics
# on an otherwise empty image (upstream: distroless/static, which adds only CA certs, passwd and tzdata;
# the CA bundle and passwd are copied here), user nobody, ports 8080 and 8081.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE} AS build
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /etc/passwd /etc/group /etc/
COPY kube-state-metrics /kube-state-metrics
USER nobody
ENTRYPOINT ["/kube-state-metrics", "--port=8080", "--telemetry-port=8081"]
EXPOSE 8080 8081
