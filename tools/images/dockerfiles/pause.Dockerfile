# registry.k8s.io/pause, as build/pause/Dockerfile of the Kubernetes module lays it out: the static
# pause binary (compiled from that module's build/pause/linux/pause.c by tools/images) at /pause.
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
