#!/bin/sh
# Refreshes the GraphiQL assets the server embeds (assets/) from the
# release pinned in package.json and package-lock.json:
#   sh internal/graphiql/refresh.sh
# Needs npm and its registry; the server itself never fetches anything.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp package.json package-lock.json "$tmp"/
(cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error)
m="$tmp/node_modules"
cp "$m/graphiql/graphiql.min.js" "$m/graphiql/graphiql.min.css" assets/
cp "$m/react/umd/react.production.min.js" "$m/react-dom/umd/react-dom.production.min.js" assets/
cp "$m/@graphiql/plugin-explorer/dist/index.umd.js" assets/plugin-explorer.umd.js
cp "$m/@graphiql/plugin-explorer/dist/style.css" assets/plugin-explorer.css
# The licences of everything above, with the versions they came from.
{
  for p in graphiql react react-dom @graphiql/plugin-explorer @graphiql/plugin-explorer/node_modules/graphiql-explorer; do
    dir="$m/$p"
    v=$(node -p "require('$dir/package.json').version")
    l=$(node -p "require('$dir/package.json').license")
    printf '%s\n' "================================================================"
    printf '%s %s (%s)\n' "${p##*/node_modules/}" "$v" "$l"
    printf '%s\n\n' "================================================================"
    if [ -f "$dir/LICENSE" ]; then
      cat "$dir/LICENSE"
    else
      # @graphiql/plugin-explorer ships no LICENSE file; its package.json
      # says MIT, by the same authors as graphiql.
      printf 'MIT License. Copyright (c) GraphQL Contributors (see graphiql above for the terms).\n'
    fi
    printf '\n'
  done
} > assets/LICENSES.txt
echo "assets refreshed:"
ls -l assets
# start.js and page.css in assets/ are Rapport's own, not from npm.
