#!/usr/bin/env bash
# `keyadm scan TREE` against `rg -c PATTERN TREE` on the same tree, with the
# pattern of a key value that keyadm looks for (src/scan.rs: a prefix of 2 to
# 10 lowercase letters or digits, `_`, the type letter i/e/c/d, `_`, 38
# letters or digits, not followed by another letter or digit; keyadm also
# checks the checksum, which rg cannot). A few real keys are planted in a
# folder scanned beside the tree. The page cache is warmed first.
#
#   scripts/bench-scan.sh                 # builds the release binary, scans /usr/share
#   TREE=~/src scripts/bench-scan.sh      # another tree
#   KEYADM_BIN=path RUNS=5 scripts/bench-scan.sh
#
# rg is told to do the same walk as keyadm: hidden files too, no ignore
# files, .git skipped, symlinks not followed, binary files skipped (rg's
# default). Wall time and CPU time (user+sys) are both printed: on a busy
# machine the CPU time is the steadier figure. keyadm scans with one thread, so rg is timed both with its
# default threads and with -j1. Needs: hyperfine, ripgrep (apt-get install
# -y hyperfine ripgrep). Not run by CI.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TREE=${TREE:-/usr/share}
RUNS=${RUNS:-10}
for tool in hyperfine rg python3; do
  command -v "$tool" >/dev/null || { echo "bench-scan.sh needs $tool (apt-get install -y ${tool/rg/ripgrep})" >&2; exit 1; }
done
if [ -z "${KEYADM_BIN:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
  KEYADM_BIN=$root/target/release/keyadm
fi
BIN=$KEYADM_BIN

work=$(mktemp -d /tmp/keyadm-bench-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KEYADM_DB=$work/keys.db KEYADM_MASTER_KEY_FILE=$work/master.key KEYADM_ACTOR=bench
"$BIN" init -q >/dev/null 2>&1
mkdir "$work/planted"
for i in 1 2 3 4 5; do
  value=$("$BIN" generate "planted-$i" -q)
  printf 'config line\nAPI_KEY=%s\nmore text\n' "$value" >"$work/planted/file$i.env"
done

PATTERN='[a-z0-9]{2,10}_[iecd]_[A-Za-z0-9]{38}([^A-Za-z0-9]|$)'
RG="rg -c --hidden --no-ignore --no-follow -g !.git"

echo "tree: $TREE ($(du -sh "$TREE" 2>/dev/null | cut -f1), $(find "$TREE" -type f 2>/dev/null | wc -l) files) + 5 planted keys"
echo "keyadm finds: $("$BIN" scan --json "$TREE" "$work/planted" 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r["findings"]), "values,", r["files"], "files read")' || true)"
echo "rg finds:     $($RG -e "$PATTERN" "$TREE" "$work/planted" 2>/dev/null | awk -F: '{n+=$NF} END {print n+0, "lines"}')"

out=$work/scan.json
# keyadm scan exits 1 when it finds an active key (the planted ones), rg -c
# exits 0 on a match: -i lets hyperfine time both.
hyperfine -N -i --warmup 2 --runs "$RUNS" --export-json "$out" \
  -n keyadm "$BIN scan $TREE $work/planted" \
  -n rg "$RG -e '$PATTERN' $TREE $work/planted" \
  -n "rg -j1" "$RG -j1 -e '$PATTERN' $TREE $work/planted" 2>/dev/null

python3 - "$out" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
k = r["keyadm"]["median"]
for other in ("rg", "rg -j1"):
    o = r[other]["median"]
    kc = r["keyadm"]["user"] + r["keyadm"]["system"]
    oc = r[other]["user"] + r[other]["system"]
    print(f"keyadm scan {k*1000:.0f} ms vs {other} {o*1000:.0f} ms (wall, medians): ratio {k/o:.2f}; "
          f"CPU (user+sys, means) {kc*1000:.0f} ms vs {oc*1000:.0f} ms: ratio {kc/oc:.2f}")
EOF
