#!/bin/sh
# The registry image's entrypoint: a config file argument means `registry serve FILE`; `sh` opens a
# shell; anything else is a registry subcommand (garbage-collect, --version).
set -e
if [ -f "$1" ]; then
  exec /bin/registry serve "$@"
fi
if [ "$1" = "sh" ]; then
  shift
  exec /bin/sh "$@"
fi
exec /bin/registry "$@"
