# The kind base image (kind v0.30.0 images/base/Dockerfile), with only the sources swapped: kind builds
# containerd, runc, crictl and the CNI plugins from git; here containerd, runc and the CNI plugins are
# Debian 12's packages and crictl is built from its Go module into the tool cache. The build context's
# files/ is images/base/files of the pinned kind module (tools/images stages it; nothing is committed).
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM $BASE_IMAGE AS base

# Static files, with kind's modes: scripts and folders 0755, the rest 0644.
COPY --chmod=0755 files/usr/local/bin/* /usr/local/bin/
COPY --chmod=0644 files/kind/ /kind/
COPY --chmod=0755 files/kind/bin/ /kind/bin/
COPY --chmod=0644 files/LICENSES/* /LICENSES/
COPY --chmod=0644 files/etc/* /etc/
COPY --chmod=0644 files/etc/containerd/* /etc/containerd/
COPY --chmod=0644 files/etc/default/* /etc/default/
COPY --chmod=0644 files/etc/sysctl.d/* /etc/sysctl.d/
COPY --chmod=0644 files/etc/systemd/system/* /etc/systemd/system/
COPY --chmod=0644 files/etc/systemd/system/kubelet.service.d/* /etc/systemd/system/kubelet.service.d/

# kind's package list, plus the swapped sources on the last line. Debian's containerd ships its own
# /etc/containerd/config.toml; kind's (copied above) must stay, hence --force-confold.
RUN chmod 755 /kind/bin \
    && echo 'Dpkg::Options { "--force-confold"; };' > /etc/apt/apt.conf.d/90stackwave-keep-kind-config \
    && DEBIAN_FRONTEND=noninteractive clean-install \
      systemd \
      conntrack iptables nftables iproute2 ethtool util-linux mount kmod \
      libseccomp2 pigz fuse-overlayfs \
      nfs-common open-iscsi \
      bash ca-certificates curl jq procps \
      containerd runc containernetworking-plugins \
    && rm /etc/apt/apt.conf.d/90stackwave-keep-kind-config \
    && find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \
    && rm -f /lib/systemd/system/multi-user.target.wants/* \
    && rm -f /etc/systemd/system/*.wants/* \
    && rm -f /lib/systemd/system/local-fs.target.wants/* \
    && rm -f /lib/systemd/system/sockets.target.wants/*udev* \
    && rm -f /lib/systemd/system/sockets.target.wants/*initctl* \
    && rm -f /lib/systemd/system/basic.target.wants/* \
    && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \
    && ln -s "$(which systemd)" /sbin/init

RUN systemctl enable kubelet.service \
    && systemctl enable containerd.service \
    && systemctl enable undo-mount-hacks.service \
    && systemctl mask systemd-binfmt.service

RUN mkdir -p /etc/kubernetes/manifests

# Where kind's files expect the runtime: its containerd unit starts /usr/local/bin/containerd, and
# containerd looks for CNI plugins in /opt/cni/bin (kind installs host-local, loopback, ptp, portmap).
FROM base AS build
RUN ln -s /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2 /usr/local/bin/ \
    && mkdir -p /opt/cni/bin \
    && for plugin in host-local loopback ptp portmap; do ln -s "/usr/lib/cni/$plugin" /opt/cni/bin/; done \
    && ctr oci spec \
        | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
        | jq 'del(.process.rlimits)' \
        > /etc/containerd/cri-base.json \
    && containerd --version && runc --version
COPY --chmod=0755 crictl /usr/local/bin/crictl

# One layer, without whiteouts, as kind squashes it; then kind's metadata.
FROM scratch
COPY --from=build / /
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]
