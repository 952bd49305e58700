#!/usr/bin/env bash
# update-assets.sh — re-vendor the GraphiQL page's third-party assets from the npm registry.
#
# Usage (from anywhere):
#   internal/edge/playground/update-assets.sh [GRAPHIQL_VERSION] [REACT_VERSION]
#   internal/edge/playground/update-assets.sh 4.1.2 18.2.0        # the versions committed today
#
# What it does:
#   1. `npm pack`s graphiql, react and react-dom at the given versions in a throw-away temp dir
#      (nothing is installed, nothing touches the repo's node_modules);
#   2. replaces internal/edge/playground/assets/<name>-<version>/ with only the files the page loads
#      (graphiql.min.js, graphiql.min.css, the two React UMD production builds) and each package's LICENSE;
#   3. rewrites internal/edge/playground/assets/VERSIONS with name@version, the npm tarball integrity
#      (sha512, what `npm view <pkg>@<v> dist.integrity` prints) and the sha256 of every copied file.
#
# The Go code finds the files by glob (assets/graphiql-*/graphiql.min.js, ...), so no Go edit is needed;
# `go test ./internal/edge/playground/` fails if two versions of a package are left side by side. The SRI
# hashes in the page are computed from the embedded bytes when the handler is built, so they cannot drift.
#
# Constraints: graphiql 5.x ships no UMD build (it is ESM + Monaco workers), so this page needs graphiql 4.x;
# react/react-dom must be 18.x (19 dropped the umd/ directory). Files in assets/roomgraph/ are ours and are
# left alone.
set -euo pipefail

graphiql_version="${1:-4.1.2}"
react_version="${2:-18.2.0}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

versions="$tmp/VERSIONS"
{
	echo "# Vendored by internal/edge/playground/update-assets.sh from registry.npmjs.org; do not edit by hand."
	echo "# name@version  tarball-integrity  (then: sha256 of each copied file)"
} >"$versions"

# vendor NAME VERSION SRC:DST...  — pack NAME@VERSION and copy each SRC (path inside the tarball's
# package/ dir) to assets/NAME-VERSION/DST.
vendor() {
	local name="$1" version="$2"
	shift 2
	local dir="$assets/$name-$version" integrity
	(cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
	integrity="$(cd "$tmp" && npm view "$name@$version" dist.integrity)"
	# Verify the tarball we got is the one the registry vouches for.
	local got
	got="sha512-$(openssl dgst -sha512 -binary "$tmp/$name-$version.tgz" | base64 -w0)"
	if [[ "$got" != "$integrity" ]]; then
		echo "integrity mismatch for $name@$version: registry $integrity, tarball $got" >&2
		exit 1
	fi
	mkdir -p "$tmp/$name"
	tar -xzf "$tmp/$name-$version.tgz" -C "$tmp/$name"

	rm -rf "$assets/$name"-[0-9]*
	mkdir -p "$dir"
	echo "$name@$version  $integrity" >>"$versions"
	local pair src dst
	for pair in "$@" LICENSE:LICENSE; do
		src="${pair%%:*}" dst="${pair#*:}"
		cp "$tmp/$name/package/$src" "$dir/$dst"
		echo "    $name-$version/$dst  sha256-$(openssl dgst -sha256 -binary "$dir/$dst" | base64 -w0)" >>"$versions"
	done
}

vendor graphiql "$graphiql_version" graphiql.min.js:graphiql.min.js graphiql.min.css:graphiql.min.css
vendor react "$react_version" umd/react.production.min.js:react.production.min.js
vendor react-dom "$react_version" umd/react-dom.production.min.js:react-dom.production.min.js

cp "$versions" "$assets/VERSIONS"
echo "vendored into $assets:"
cat "$assets/VERSIONS"
