#!/usr/bin/env bash
# tools/wine/exe.sh - run a Windows program (e.g. a peer built by
# build-peers.sh) under the Wine prefix deno.sh uses, from Linux:
#   bash tools/wine/exe.sh "$(bash tools/wine/build-peers.sh)/conformance_harness-<hash>.exe"
# stdin/stdout/stderr and the exit code are passed through (exec). The prefix
# must exist (setup.sh makes it).
set -euo pipefail
cache="${WINSOCK_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts}"
export WINEPREFIX="$cache/prefix" WINEARCH=win64
export WINEDEBUG="${WINEDEBUG:--all}" WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
if [ -x /usr/lib/wine/wine64 ]; then wine=/usr/lib/wine/wine64; else wine="$(command -v wine64 || command -v wine)"; fi
exec "$wine" "$@"
