#!/usr/bin/env bash
# tools/wine/build-peers.sh - cross-compile the tutorial C peers
# (tests/peers/tutorial_{server,client}.c) to Windows .exe files, each in two
# execution charsets, so tests can check how the Chinese text travels:
#   $CACHE/peers/tutorial_server-utf-8.exe   tutorial_server-gbk.exe
#   $CACHE/peers/tutorial_client-utf-8.exe   tutorial_client-gbk.exe
# and the conformance suite's C harness (tests/conformance/harness.c):
#   $CACHE/peers/conformance_harness-<first 16 hex digits of its SHA-256>.exe
# ($CACHE = ${WINSOCK_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts})
# An .exe is rebuilt only when its .c is newer. Prints the peers directory
# on stdout (progress goes to stderr). Run them with wine (see deno.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${WINSOCK_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts}"
out="$cache/peers"
cc=x86_64-w64-mingw32-gcc

if ! command -v "$cc" >/dev/null; then
  echo "build-peers: installing gcc-mingw-w64-x86-64" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq)  # env: sudo drops vars
  { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends \
      gcc-mingw-w64-x86-64 >/dev/null; } \
    || { echo "build-peers: ERROR: cannot install gcc-mingw-w64-x86-64" >&2; exit 1; }
fi

mkdir -p "$out"
for name in tutorial_server tutorial_client event_select_trace; do
  src="$root/tests/peers/$name.c"
  [ -f "$src" ] || { echo "build-peers: ERROR: missing $src" >&2; exit 1; }
  for cs in UTF-8 GBK; do
    lc="$(echo "$cs" | tr 'A-Z' 'a-z')"        # utf-8 / gbk
    exe="$out/$name-$lc.exe"
    if [ ! -s "$exe" ] || [ "$src" -nt "$exe" ]; then
      echo "build-peers: $name-$lc.exe" >&2
      # Source is UTF-8; -fexec-charset re-encodes string literals (GBK:
      # "服务器链接成功" = 14 bytes + NUL). Static libgcc: no extra DLLs needed.
      "$cc" -O2 -s -static-libgcc -finput-charset=UTF-8 -fexec-charset="$cs" \
        -o "$exe.tmp" "$src" -lws2_32 \
        || { echo "build-peers: ERROR: compiling $src ($cs) failed" >&2; exit 1; }
      mv "$exe.tmp" "$exe"
    fi
  done
done
src="$root/tests/conformance/harness.c"
[ -f "$src" ] || { echo "build-peers: ERROR: missing $src" >&2; exit 1; }
# Named by a hash of its source (as tests/conformance/c.ts looks for it): checkouts
# with different harnesses share the cache without mixing them up.
exe="$out/conformance_harness-$(sha256sum "$src" | cut -c1-16).exe"
if [ ! -s "$exe" ] || [ "$src" -nt "$exe" ]; then
  echo "build-peers: $(basename "$exe")" >&2
  "$cc" -O2 -s -static-libgcc -o "$exe.tmp" "$src" -lws2_32 \
    || { echo "build-peers: ERROR: compiling $src failed" >&2; exit 1; }
  mv "$exe.tmp" "$exe"
fi
# The overlapped-I/O step programs (tests/peers/*_steps.c): one build each.
for src in "$root"/tests/peers/*_steps.c; do
  [ -f "$src" ] || continue
  exe="$out/$(basename "$src" .c).exe"
  if [ ! -s "$exe" ] || [ "$src" -nt "$exe" ]; then
    echo "build-peers: $(basename "$exe")" >&2
    "$cc" -O2 -s -static-libgcc -o "$exe.tmp" "$src" -lws2_32 -lmswsock \
      || { echo "build-peers: ERROR: compiling $src failed" >&2; exit 1; }
    mv "$exe.tmp" "$exe"
  fi
done
echo "$out"
