# registry.k8s.io/kube-proxy: the binary at /usr/local/bin/kube-proxy on a base with the programs
# kube-proxy runs (iptables, ip6tables, ipset, conntrack, kmod), as upstream's distroless-iptables has.
# Debian's iptables uses the nf_tables backend, which the Kind node selects on hosts that use it;
# upstream's base picks the backend at run time.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iptables ipset conntrack kmod \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/kube-proxy
