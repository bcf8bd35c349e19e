#!/usr/bin/env bash
# tools/wine/setup.sh - prepare the Windows build of Deno to run under Wine.
#
# Idempotent; silent and fast (a few stat calls) when everything is cached.
# Everything lives OUTSIDE the repo, in
#   $WINSOCK_TS_CACHE  (default: ${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts)
# with this layout:
#   deno-<ver>/deno.exe        Windows Deno from npm @deno/win32-x64, patched
#   bcryptprimitives.dll       built from tools/wine/processprng.c
#   prefix/                    the WINEPREFIX (64-bit)
#   peers/                     tutorial C peers (see build-peers.sh)
#
# Two work-arounds make Deno 2.x start under Wine 8.0:
#  1. Wine 8 has no bcryptprimitives.dll (deno.exe imports ProcessPrng from
#     it): we build a tiny one and drop it into the prefix's system32.
#  2. V8 looks up kernelbase!VirtualAlloc2 with GetProcAddress and, if found,
#     relies on placeholder reservations, which Wine 8 lacks -> "Fatal process
#     out of memory: SegmentedTable::InitializeTable". Renaming that string in
#     the exe (VirtualAlloc2 -> VirtualAllocX, same length) makes the lookup
#     fail, so V8 falls back to its emulated address space.
#
# Env: DENO_WIN_VERSION (default 2.9.6; 2.9.5 also exists on npm).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${WINSOCK_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/winsock-ts}"
ver="${DENO_WIN_VERSION:-2.9.6}"
exe="$cache/deno-$ver/deno.exe"
dll="$cache/bcryptprimitives.dll"
prefix="$cache/prefix"

say() { echo "wine-setup: $*" >&2; }
die() { echo "wine-setup: ERROR: $*" >&2; exit 1; }

mkdir -p "$cache"
# Serialise concurrent first runs (flock is in util-linux, always on Debian).
exec 9>"$cache/.lock"
flock 9

# --- 1. apt packages, only if a tool is missing -----------------------------
# wine64 = 64-bit loader (/usr/lib/wine/wine64); wine = launcher scripts;
# gcc-mingw-w64-x86-64 = cross compiler for the DLL and the C peers.
# Recommends are skipped (they pull in X/GL/gstreamer; we're console-only).
missing=()
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null || missing+=(wine64 wine)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
[ -s "$exe" ] || command -v npm >/dev/null || missing+=(npm)  # only to download
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq)  # env: sudo drops vars
  { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends \
      "${missing[@]}" >/dev/null; } || die "apt-get install ${missing[*]} failed"
fi

# Pick the 64-bit loader directly (the /usr/bin/wine script would nag about
# wine32 unless WINEDEBUG contains -all). deno.sh uses the same logic.
if [ -x /usr/lib/wine/wine64 ]; then wine=/usr/lib/wine/wine64; else wine="$(command -v wine64 || command -v wine)"; fi
if [ -x /usr/lib/wine/wineserver ]; then wineserver=/usr/lib/wine/wineserver; else wineserver=wineserver; fi

export WINEPREFIX="$prefix" WINEARCH=win64 WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"  # no Mono/Gecko prompts

# --- 2. Windows deno.exe from npm, patched ----------------------------------
if [ ! -s "$exe" ]; then
  say "fetching @deno/win32-x64@$ver from npm"
  tmp="$(mktemp -d "$cache/.dl.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --loglevel=error "@deno/win32-x64@$ver" >/dev/null 2>npm.log) \
    || { tail -n 20 "$tmp/npm.log" >&2; die "npm pack @deno/win32-x64@$ver failed"; }
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/deno.exe || die "deno.exe not in the npm tarball"
  # Exactly one NUL-terminated "VirtualAlloc2" must exist (the GetProcAddress
  # name; deno.exe does not import it by name). Overwrite its last byte.
  offs="$(grep -aob 'VirtualAlloc2[[:alnum:]]*' "$tmp/package/deno.exe" | grep ':VirtualAlloc2$' | cut -d: -f1 || true)"
  [ "$(echo "$offs" | grep -c .)" = 1 ] \
    || die "expected exactly 1 'VirtualAlloc2' string in deno.exe $ver, found offsets: ${offs:-none}"
  printf 'X' | dd of="$tmp/package/deno.exe" bs=1 seek=$((offs + 12)) conv=notrunc status=none
  mkdir -p "${exe%/*}" && mv "$tmp/package/deno.exe" "$exe"
  rm -rf "$tmp"; trap - EXIT
  say "patched VirtualAlloc2 -> VirtualAllocX at offset $offs: $exe"
fi

# --- 3. bcryptprimitives.dll (ProcessPrng -> RtlGenRandom) ------------------
if [ ! -s "$dll" ] || [ "$here/processprng.c" -nt "$dll" ]; then
  say "building bcryptprimitives.dll"
  # No CRT: the DLL only needs advapi32 (SystemFunction036 = RtlGenRandom).
  x86_64-w64-mingw32-gcc -shared -O2 -s -nostdlib -Wl,--entry,DllMain \
    -o "$dll.tmp" "$here/processprng.c" -ladvapi32 || die "building the DLL failed"
  mv "$dll.tmp" "$dll"
fi

# --- 4. Wine prefix ---------------------------------------------------------
if [ ! -f "$prefix/.winsock-ts-ready" ]; then
  say "creating Wine prefix $prefix (takes ~10-20 s)"
  rm -rf "$prefix"
  # wineboot prints a harmless "failed to open ...syswow64\rundll32.exe"
  # (no 32-bit Wine installed): keep its output in a log, show it on failure.
  # 9>&-: the wineserver daemon forked here must not inherit our lock fd.
  "$wine" wineboot -i >"$cache/wineboot.log" 2>&1 9>&- || { cat "$cache/wineboot.log" >&2; die "wineboot -i failed"; }
  # wineboot returns before wineserver has flushed the registry; wait for it.
  "$wineserver" -w
  [ -f "$prefix/system.reg" ] || die "wineboot did not create $prefix/system.reg"
  touch "$prefix/.winsock-ts-ready"
fi
sys32="$prefix/drive_c/windows/system32"
cmp -s "$dll" "$sys32/bcryptprimitives.dll" || cp "$dll" "$sys32/bcryptprimitives.dll"

# --- 5. C peers (rebuilt only when their sources change) --------------------
bash "$here/build-peers.sh" >/dev/null
