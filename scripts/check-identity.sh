#!/usr/bin/env bash
# Behaviour unchanged (issue #17 point 6): runs every command (scripts/identity/commands.sh) with the
# build of BASE (a git revision, built in a temporary worktree) and with this checkout's build, into
# the same folder name so that paths written into outputs agree, then compares every output file
# (scripts/identity/compare.mjs). Needs `npm install` and a built dist/ here.
# Usage: scripts/check-identity.sh BASE [WORKDIR]     e.g. scripts/check-identity.sh b715718
set -euo pipefail
base="${1:?usage: check-identity.sh BASE [WORKDIR]}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${2:-$(mktemp -d /tmp/buried-identity.XXXX)}"
tree="$work/base-tree"
rm -rf "$work/out" "$work/base" "$work/head"
if [ ! -d "$tree" ]; then
  git -C "$repo" worktree add --detach "$tree" "$base" >/dev/null
  ln -s "$repo/node_modules" "$tree/node_modules"
fi
(cd "$tree" && npx tsc -p tsconfig.json && npx vite build viewer --logLevel error)
echo "identity: base $(git -C "$tree" rev-parse --short HEAD)" >&2
bash "$repo/scripts/identity/commands.sh" "$tree/bin/buried.js" "$work/out" && mv "$work/out" "$work/base"
echo "identity: head $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo ' + uncommitted changes')" >&2
bash "$repo/scripts/identity/commands.sh" "$repo/bin/buried.js" "$work/out" && mv "$work/out" "$work/head"
git -C "$repo" worktree remove --force "$tree"
node "$repo/scripts/identity/compare.mjs" "$work/base" "$work/head"
