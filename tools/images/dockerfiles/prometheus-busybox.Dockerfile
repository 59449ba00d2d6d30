# quay.io/prometheus/busybox-linux-amd64, the base of the Prometheus projects' images: busybox and its
# applets in /bin, the CA bundle, and /etc/passwd with nobody (65534). Debian's static busybox stands in
# for upstream's glibc build of it; the applets are the same program.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE} AS build
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends busybox-static ca-certificates
RUN mkdir -p /rootfs/bin /rootfs/etc/ssl/certs /rootfs/home /rootfs/root /rootfs/tmp /rootfs/var \
    && chmod 1777 /rootfs/tmp \
    && cp /bin/busybox /rootfs/bin/busybox \
    && for applet in $(/bin/busybox --list); do [ -e "/rootfs/bin/$applet" ] || ln -s busybox "/rootfs/bin/$applet"; done \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
    && printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > /rootfs/etc/passwd \
    && printf 'root:x:0:\nnobody:x:65534:\n' > /rootfs/etc/group

FROM scratch
COPY --from=build /rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
