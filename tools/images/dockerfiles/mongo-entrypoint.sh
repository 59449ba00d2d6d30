#!/bin/sh
# The mongo stand-in's entrypoint, with the official image's contract: arguments that start with "-"
# are mongod flags; MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD (or their *_FILE forms)
# create the root user in admin on first start (when no admin database exists yet) and turn
# authentication on; mongod listens on every interface unless a --bind_ip flag says otherwise.
set -e
case "$1" in
  -*) set -- mongod "$@" ;;
esac
if [ "$1" = "mongod" ]; then
  for name in MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD; do
    file=$(printenv "${name}_FILE" || true)
    if [ -n "$file" ]; then
      if [ -n "$(printenv "$name" || true)" ]; then
        echo "error: both $name and ${name}_FILE are set; expected one of them" >&2
        exit 1
      fi
      export "$name=$(cat "$file")"
    fi
  done
  user="${MONGO_INITDB_ROOT_USERNAME:-}"
  pass="${MONGO_INITDB_ROOT_PASSWORD:-}"
  unset MONGO_INITDB_ROOT_USERNAME MONGO_INITDB_ROOT_PASSWORD MONGO_INITDB_ROOT_USERNAME_FILE MONGO_INITDB_ROOT_PASSWORD_FILE
  if [ -n "$user" ] || [ -n "$pass" ]; then
    if [ -z "$user" ] || [ -z "$pass" ]; then
      echo "error: MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD: expected both or neither" >&2
      exit 1
    fi
    # FerretDB reads its flags from FERRETDB_* variables too: the password stays out of `ps`.
    export FERRETDB_SETUP_DATABASE=admin FERRETDB_SETUP_USERNAME="$user" FERRETDB_SETUP_PASSWORD="$pass"
    set -- "$@" --auth
  fi
  case " $* " in
    *" --bind_ip"*) ;;
    *) set -- "$@" --bind_ip_all ;;
  esac
fi
exec "$@"
