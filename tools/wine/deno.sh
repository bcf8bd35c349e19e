#!/usr/bin/env bash
# tools/wine/deno.sh - run the Windows build of Deno under Wine, e.g.
#   bash tools/wine/deno.sh eval 'console.log(Deno.build.os)'   # -> windows
# All arguments go to deno.exe; stdin/stdout/stderr and the exit code are
# passed through (exec). setup.sh runs first and is silent when cached.
#
# Inside, the Windows Deno sees: the current directory as Z:\..., Unix
# absolute paths ("/tmp/x") resolve on Z: too, and
#   WINSOCK_TS_PEERS = Z:/.../peers  (the tutorial peer .exe files)
# Overridable: WINSOCK_TS_CACHE, DENO_WIN_VERSION, WINEDEBUG (e.g.
# WINEDEBUG=+winsock for Wine's socket trace).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh" || exit 1

cache="${WINSOCK_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts}"
cache="$(cd "$cache" && pwd)"   # absolute, for the Z: path below
exe="$cache/deno-${DENO_WIN_VERSION:-2.9.6}/deno.exe"

export WINEPREFIX="$cache/prefix" WINEARCH=win64
export WINEDEBUG="${WINEDEBUG:--all}"                            # quiet Wine
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"   # no Mono/Gecko
export WINSOCK_TS_PEERS="Z:$cache/peers"
export WINSOCK_TS_UNDER_WINE=1   # tests note the few places where Wine differs from Windows
export DENO_NO_UPDATE_CHECK=1
# Deno 2.9 links/copies itself to %LOCALAPPDATA%\deno\node_compat_bin\node.exe
# on each run; under Wine the final rename fails and every run leaves a
# 93 MB node.exe.tmp-<pid> behind. We don't need the `node` shim.
export DENO_DISABLE_NODE_SHIM=1
# A Linux DENO_DIR would be shared with (and mangled by) the Windows Deno;
# without it Deno uses its own cache inside the prefix (%LOCALAPPDATA%\deno).
unset DENO_DIR

if [ -x /usr/lib/wine/wine64 ]; then wine=/usr/lib/wine/wine64; else wine="$(command -v wine64 || command -v wine)"; fi
if [ -x /usr/lib/wine/wineserver ]; then wineserver=/usr/lib/wine/wineserver; else wineserver=wineserver; fi
# Start the wineserver here (unless one runs for the prefix already: it then exits 2), its output
# in a log: started by Wine itself it would inherit our stderr and, exiting after the last
# program, could print its object dump after the test run's last line, where it reads as a
# failure. -p1: it stays a second after the last Windows program ends.
"$wineserver" -p1 >>"$cache/wineserver.log" 2>&1 || true
exec "$wine" "$exe" "$@"
