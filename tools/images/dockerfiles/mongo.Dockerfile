# Stand-in for docker.io/library/mongo: no MongoDB server source or binary is served by any registry
# here. FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend) runs behind the mongo image's
# contract: docker-entrypoint.sh (mongod flags as arguments, MONGO_INITDB_ROOT_USERNAME/PASSWORD create
# the root user and turn authentication on), port 27017, data in /data/db, /data/configdb, user
# mongodb (999), and a `mongosh` for the probes that exec it (mongosh.py: --eval of db commands).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
RUN groupadd --system --gid 999 mongodb \
    && useradd --system --uid 999 --gid 999 --home-dir /data/db --no-create-home mongodb \
    && apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-minimal python3-pymongo \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data/db /data/configdb && chown mongodb:mongodb /data/db /data/configdb
COPY ferretdb /usr/bin/ferretdb
COPY --chmod=0755 mongod.sh /usr/bin/mongod
COPY --chmod=0755 mongosh.py /usr/bin/mongosh
COPY --chmod=0755 mongo-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME ["/data/db", "/data/configdb"]
EXPOSE 27017
# Upstream starts as root and drops to mongodb with gosu; the stand-in starts as mongodb.
USER 999:999
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mongod"]
