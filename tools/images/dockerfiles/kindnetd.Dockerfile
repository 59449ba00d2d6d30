# Stand-in for docker.io/kindest/kindnetd: its source (github.com/aojea/kindnet and kind's
# images/kindnetd) is served by no registry reachable here. kindnetd.sh does what a single-node Kind
# cluster needs from it, in kind's own DaemonSet (its env, mounts and capabilities): write the CNI
# config for the node's pod CIDR and masquerade traffic that leaves the pod network.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iptables curl jq ca-certificates iproute2 \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --chmod=0755 kindnetd.sh /bin/kindnetd
ENTRYPOINT ["/bin/kindnetd"]
