#!/bin/sh
# `mongod` of the mongo stand-in: translates the mongod flags the stand-in honours into FerretDB's
# (SQLite backend) and execs it. Storage-engine tuning has no SQLite counterpart and is accepted and
# ignored; any other flag is refused by name, so a manifest never relies on one silently dropped.
set -e
port=27017
bind=127.0.0.1
dbpath=/data/db
auth=false
while [ $# -gt 0 ]; do
  arg="$1"
  shift
  case "$arg" in
    --*=*) set -- "${arg#*=}" "$@"; arg="${arg%%=*}" ;;
  esac
  case "$arg" in
    --port) port="$1"; shift ;;
    --bind_ip) bind="$1"; shift ;;
    --bind_ip_all) bind="" ;;
    --dbpath) dbpath="$1"; shift ;;
    --auth) auth=true ;;
    --noauth) auth=false ;;
    --wiredTigerCacheSizeGB | --oplogSize) echo "mongod stand-in: $arg $1 has no SQLite counterpart; ignored" >&2; shift ;;
    --quiet | --nounixsocket) ;;
    --version)
      echo "db version v8.0.12 (stand-in: $(/usr/bin/ferretdb --version | head -n 1 | sed 's/^version: /FerretDB /'))"
      exit 0 ;;
    *)
      echo "error: mongod stand-in: unsupported flag \"$arg\"; expected --port, --bind_ip, --bind_ip_all, --dbpath, --auth, --noauth, --wiredTigerCacheSizeGB, --oplogSize, --quiet, --nounixsocket or --version" >&2
      exit 2 ;;
  esac
done
case "$bind" in
  *,*) echo "error: mongod stand-in: --bind_ip \"$bind\": expected one address" >&2; exit 2 ;;
  localhost) bind=127.0.0.1 ;;
esac
set -- --handler=sqlite "--sqlite-url=file:${dbpath%/}/" "--listen-addr=${bind}:${port}" \
  --state-dir=/data/configdb --debug-addr=- --telemetry=disable --log-format=json
if [ "$auth" = true ]; then
  set -- "$@" --test-enable-new-auth
else
  unset FERRETDB_SETUP_DATABASE FERRETDB_SETUP_USERNAME FERRETDB_SETUP_PASSWORD
fi
exec /usr/bin/ferretdb "$@"
