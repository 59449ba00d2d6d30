# registry.k8s.io/etcd:<version>-0, as cluster/images/etcd of the Kubernetes module lays it out: etcd
# and etcdctl in /usr/local/bin, a static shell at /bin/sh, the etcd ports. Upstream's migrate helper
# is left out: kubeadm runs etcd directly.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE} AS shell
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends bash-static \
    && cp /bin/bash-static /sh

FROM scratch
WORKDIR /
COPY --from=shell /sh /bin/
EXPOSE 2379 2380 4001 7001
COPY etcd etcdctl /usr/local/bin/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
