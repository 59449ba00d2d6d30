#!/bin/sh
# Entrypoint of the node base image, with the official image's behaviour: a first argument that is a
# flag, is not a command on PATH, or is a file that is not executable is handed to node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ] || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
