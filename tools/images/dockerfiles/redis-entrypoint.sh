#!/bin/sh
# The redis stand-in's entrypoint, with the official image's contract: a first argument that is a flag
# or a *.conf file means redis-server. Protected mode is off unless the arguments turn it on, as the
# official image builds Redis (Debian's default is on).
set -e
case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = "redis-server" ]; then
  shift
  conf=""
  case "$1" in
    *.conf) conf="$1"; shift ;;
  esac
  set -- redis-server ${conf:+"$conf"} --protected-mode no "$@"
fi
exec "$@"
