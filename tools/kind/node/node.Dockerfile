# kindest/node, assembled the way `kind build node-image` (kind v0.30.0 pkg/build/nodeimage) does it in
# a build container: kubeadm, kubelet and kubectl in /usr/bin, /kind/version, kind's default CNI and
# storage manifests in /kind/manifests, and every image the node runs imported into containerd's
# k8s.io namespace so nothing is pulled. kind then `docker commit`s; a Dockerfile does the same.
# Its pull step is replaced by images built here (tools/images/list.ts), saved into images/.
ARG BASE_IMAGE=localhost/stackwave/kind-base:v0.30.0
FROM $BASE_IMAGE
ARG KUBERNETES_VERSION
COPY --chmod=0755 kubeadm kubelet kubectl /usr/bin/
RUN echo "$KUBERNETES_VERSION" > /kind/version
COPY --chmod=0644 manifests/ /kind/manifests/
# kind's containerd importer: start containerd, wait for its socket, import without unpacking (the
# snapshotter unpacks at run time), pin the images so the kubelet's image GC keeps them, stop it.
RUN --mount=type=bind,source=images,target=/kind/images \
    set -e; \
    containerd >/tmp/containerd.log 2>&1 & pid=$!; \
    until ctr version >/dev/null 2>&1; do kill -0 "$pid" || { cat /tmp/containerd.log; exit 1; }; sleep 0.2; done; \
    for archive in /kind/images/*.tar; do \
      ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests "$archive"; \
    done; \
    for image in $(ctr --namespace=k8s.io images list -q); do \
      ctr --namespace=k8s.io images label "$image" io.cri-containerd.pinned=pinned >/dev/null; \
    done; \
    ctr --namespace=k8s.io images list -q; \
    kill "$pid"; wait "$pid" || true; rm -f /tmp/containerd.log
ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]
