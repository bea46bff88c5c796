#!/usr/bin/env bash
# Formats the whole tree with Biome once, after a merge round (docs/DESIGN.md §6), and checks what formatting
# can break: the house format and width (scripts/check-format.mjs), no function over 150 lines, no copy-paste
# over 10 lines, the package graph, and the types. Leaves the result uncommitted for review; prints the commit
# command when every check passes. Run from anywhere in the repository: `bash scripts/format-tree.sh`.
# `--no-typecheck` skips the type check (3–6 minutes on two busy cores) when it is run separately; `--again`
# reruns it over a tree a failed run left formatted (after fixing what it reported).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
biome=node_modules/.bin/biome
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

if [[ " $* " != *' --again '* ]] && [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "format-tree: the work tree has uncommitted changes; commit or stash them first, so that the format commit holds nothing else (--again after a failed run)." >&2
  exit 1
fi

step 'format (twice: Biome 2.6 settles a few chained calls only on a second pass)'
"$biome" format --write . >/dev/null 2>&1 || true
"$biome" format --write . >/dev/null

step 'wrap comment prose over the width (the formatter never rewraps comments), then format again'
node scripts/wrap-comments.mjs
"$biome" format --write . >/dev/null

step 'switch on the whole-tree check in tests/code/format.test.ts'
sed -i 's/^const WHOLE_TREE_FORMATTED = false;$/const WHOLE_TREE_FORMATTED = true;/' tests/code/format.test.ts
grep -q '^const WHOLE_TREE_FORMATTED = true;$' tests/code/format.test.ts

step 'format and width over every source'
node scripts/check-format.mjs

step 'rebuild the viewer and the CLI bundle from the formatted sources (the root postinstall)'
node apps/viewer/build.mjs
node packages/cli/build.mjs

step 'code checks: format, function length, copy-paste (jscpd), package graph'
node scripts/check-function-length.mjs >/dev/null
pnpm exec vitest run tests/code

if [[ " $* " != *' --no-typecheck '* ]]; then
  step 'type check'
  pnpm run typecheck
fi

step 'done'
git diff --shortstat
echo 'Every check passed. Review, then commit:'
echo '  git commit -am "Format the whole tree with Biome (120 columns); switch on the whole-tree format check"'
