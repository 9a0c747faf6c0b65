#!/usr/bin/env bash
# Runs a command with a Node >= 22.12 first on PATH (see ensure-node.sh).
source "$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh" || exit 1
exec "$@"
