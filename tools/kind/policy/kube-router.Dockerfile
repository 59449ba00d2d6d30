# docker.io/cloudnativelabs/kube-router for its firewall alone: the binary at /usr/local/bin/kube-router
# with the programs its network policy controller runs (iptables-save/-restore, ipset, conntrack) and the
# upstream entrypoint and working directory. Debian instead of Alpine, and Debian's iptables selects the
# nf_tables backend, as the harness's kube-proxy does, so both write the same tables; upstream's wrapper
# picks the backend at run time. No gobgp, CNI plugins or shell niceties: the router and proxy stay off.
# nft is added for the harness's service guard (controller.ts).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iptables ipset conntrack iproute2 nftables \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY kube-router /usr/local/bin/kube-router
WORKDIR /root
ENTRYPOINT ["/usr/local/bin/kube-router"]
