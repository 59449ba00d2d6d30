# quay.io/argoproj/argocd, as the module's Dockerfile lays it out: the argocd binary with one symlink
# per component in /usr/local/bin, git, git-lfs, gpg, ssh, tini and tzdata from the distribution, helm
# and kustomize beside it, the module's entrypoint and git/gpg wrappers, /app/config for TLS, SSH and
# GPG, and user argocd (999) in /home/argocd. Debian bookworm instead of Ubuntu 25.04 as the base.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
USER root
ENV ARGOCD_USER_ID=999 DEBIAN_FRONTEND=noninteractive
RUN groupadd -g $ARGOCD_USER_ID argocd \
    && useradd -r -u $ARGOCD_USER_ID -g argocd argocd \
    && mkdir -p /home/argocd \
    && chown argocd:0 /home/argocd \
    && chmod g=u /home/argocd \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends ca-certificates git git-lfs tini gpg gpg-agent tzdata connect-proxy openssh-client \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*
COPY gpg-wrapper.sh git-verify-wrapper.sh entrypoint.sh /usr/local/bin/
COPY helm kustomize /usr/local/bin/
RUN chmod 0755 /usr/local/bin/gpg-wrapper.sh /usr/local/bin/git-verify-wrapper.sh /usr/local/bin/entrypoint.sh \
    && ln -s /usr/local/bin/entrypoint.sh /usr/local/bin/uid_entrypoint.sh
WORKDIR /app/config/ssh
RUN touch ssh_known_hosts && ln -s /app/config/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts
WORKDIR /app/config
RUN mkdir -p tls gpg/source gpg/keys && chown argocd gpg/keys && chmod 0700 gpg/keys
ENV USER=argocd
WORKDIR /home/argocd
ENTRYPOINT ["/usr/bin/tini", "--"]
COPY argocd /usr/local/bin/argocd
RUN for c in server repo-server cmp-server application-controller dex notifications applicationset-controller k8s-auth commit-server; do \
      ln -s /usr/local/bin/argocd "/usr/local/bin/argocd-$c"; \
    done
USER $ARGOCD_USER_ID
