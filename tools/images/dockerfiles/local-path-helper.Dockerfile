# docker.io/kindest/local-path-helper: what the provisioner's helper pods run (`sh -c` with mkdir, rm
# and chmod on the volume folder). kind stages just those binaries on distroless/static; this takes
# them from Debian's coreutils and dash with their libraries, which is larger but the same contract.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN rm -rf /usr/share/doc /usr/share/man /var/lib/apt/lists/* /var/cache/apt/*
