#!/usr/bin/env bash
# bench/wine.sh - the benchmark with the Windows build of Deno under Wine: the
# winsock contenders call Wine's real ws2_32.dll. Builds the C contender with
# mingw (bench/peer.c -> $CACHE/bench/peer-<hash of the source>.exe)
# and runs bench/run.ts with Windows Deno, which runs that .exe directly. Wine
# adds its own costs (wineserver round trips), so only the ratios mean much.
#   bash bench/wine.sh [--quick] [--json FILE] [other bench/run.ts flags]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."   # repo root
bash tools/wine/setup.sh                 # Wine, Windows Deno, mingw (silent when cached)
cache="${WINSOCK_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts}"
cache="$(cd "$cache" && pwd)"
exe="$cache/bench/peer-$(sha256sum bench/peer.c | cut -c1-12).exe" # one per version of peer.c
if [ ! -s "$exe" ]; then
  mkdir -p "${exe%/*}"
  x86_64-w64-mingw32-gcc -O2 -s -static-libgcc -o "$exe.tmp" bench/peer.c -lws2_32 -lpsapi
  mv "$exe.tmp" "$exe"
fi
if [ -x /usr/lib/wine/wine64 ]; then wine=/usr/lib/wine/wine64; else wine="$(command -v wine64 || command -v wine)"; fi
# --conns 200 unless given: Deno's own sockets under Wine slow to a crawl from a few hundred
# connections on (deno-net: ~2,500 msgs/s at 50, ~70 at 500, nothing within 60 s at 1,000).
BENCH_WINE_VERSION="$("$wine" --version 2>/dev/null || echo Wine)" \
  exec bash tools/wine/deno.sh run -A bench/run.ts --c-exe "Z:$exe" --conns 200 "$@"
