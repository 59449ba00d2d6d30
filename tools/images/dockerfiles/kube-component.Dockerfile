# registry.k8s.io/kube-apiserver, -controller-manager, -scheduler: the static binary at
# /usr/local/bin/<name>, as build/server-image does. Upstream's base adds go-runner (a log wrapper from
# kubernetes/release, not in any module served here); kubeadm's static pods name the command
# themselves, so nothing runs it.
FROM scratch
ARG BINARY
COPY ${BINARY} /usr/local/bin/${BINARY}
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
