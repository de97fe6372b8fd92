#!/usr/bin/env bash
# Two builds of keyadm side by side: each read command of scripts/bench.sh
# (and a write or two) on a 300-key store of each build's own making, run
# interleaved (old, new, new, old, …) so that the machine's load falls on
# both alike; prints the median of each and the ratio new/old.
#
#   scripts/bench-compare.sh OLD_BIN NEW_BIN      # 100 rounds each
#   ROUNDS=200 scripts/bench-compare.sh OLD NEW
#
# Needs python3. Not run by CI.
set -euo pipefail
old=$1 new=$2
rounds=${ROUNDS:-100}
work=$(mktemp -d /tmp/keyadm-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
export KEYADM_ACTOR=bench NO_COLOR=1 TZ=UTC
unset KEYADM_ORG KEYADM_NOW KEYADM_DATE_FORMAT KEYADM_MASTER_KEY

make_store() { # BIN DIR
  local bin=$1 dir=$2
  mkdir -p "$dir"
  for i in $(seq 1 300); do
    KEYADM_DB=$dir/keys.db KEYADM_MASTER_KEY_FILE=$dir/master.key \
      "$bin" generate "key-$i" --tag "t$((i % 7))" --description "service $i" -q >/dev/null
  done
  KEYADM_DB=$dir/keys.db KEYADM_MASTER_KEY_FILE=$dir/master.key \
    "$bin" show key-150 --value >"$dir/value"
}
make_store "$old" "$work/old" 2>/dev/null
make_store "$new" "$work/new" 2>/dev/null

python3 - "$old" "$new" "$work" "$rounds" <<'PY'
import os, statistics, subprocess, sys, time
old, new, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
commands = [
    ("list", ["list"]),
    ("list --json", ["list", "--json"]),
    ("list -q", ["list", "-q"]),
    ("show KEY", ["show", "key-150"]),
    ("show KEY --json", ["show", "key-150", "--json"]),
    ("show KEY --value", ["show", "key-150", "--value"]),
    ("config get", ["config", "get", "key-prefix"]),
    ("verify", ["verify"]),
    ("edit KEY --description", ["edit", "key-151", "--description", "x"]),
    ("rotate KEY", ["rotate", "key-152", "-q"]),
]
def env(side):
    e = dict(os.environ)
    e["KEYADM_DB"] = f"{work}/{side}/keys.db"
    e["KEYADM_MASTER_KEY_FILE"] = f"{work}/{side}/master.key"
    return e
envs = {"old": env("old"), "new": env("new")}
values = {s: open(f"{work}/{s}/value", "rb").read() for s in ("old", "new")}
bins = {"old": old, "new": new}
def run(side, args):
    stdin = values[side] if args == ["verify"] else None
    t = time.perf_counter()
    subprocess.run([bins[side]] + args, env=envs[side], input=stdin,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t
print(f"{'command':<26} {'old (ms)':>9} {'new (ms)':>9} {'new/old':>8}   (median of {rounds} interleaved runs each)")
for label, args in commands:
    times = {"old": [], "new": []}
    for side in ("old", "new"):  # warm-up
        for _ in range(3):
            run(side, args)
    for i in range(rounds):
        order = ("old", "new") if i % 2 == 0 else ("new", "old")
        for side in order:
            times[side].append(run(side, args))
    a, b = statistics.median(times["old"]) * 1000, statistics.median(times["new"]) * 1000
    print(f"{label:<26} {a:9.2f} {b:9.2f} {b / a:8.3f}")
PY
