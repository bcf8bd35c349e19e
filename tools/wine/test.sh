#!/usr/bin/env bash
# tools/wine/test.sh - run the test suite with the Windows Deno under Wine,
# i.e. against Wine's real ws2_32.dll (Winsock). Extra args go to `deno test`
# (e.g. a file list or --filter). Used by `deno task test:windows`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."   # repo root
echo "== test suite on Windows Deno under Wine (winsock backend) =="
exec bash tools/wine/deno.sh test --allow-net --allow-ffi --allow-run \
  --allow-read --allow-write --allow-env "$@"
