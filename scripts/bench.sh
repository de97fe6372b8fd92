#!/usr/bin/env bash
# Benchmarks of keyadm against the floor: each read command on a 300-key
# store against sqlite3 doing the same read on the same file; rotate of 300
# keys in one call against one key; peak memory of `list --json` over
# 300,000 keys in 1,000 tenants; `show --value` against `pass show`.
#
#   scripts/bench.sh            # builds the release binary, runs everything
#   KEYADM_BIN=path scripts/bench.sh   # benchmark another binary
#   BENCH_RUNS=20 scripts/bench.sh     # fewer runs per command (default 50)
#   BENCH_SECTIONS=verify scripts/bench.sh   # only some sections
#
# Needs: hyperfine, sqlite3, python3, /usr/bin/time (Debian: apt-get install
# -y hyperfine sqlite3 time), and for the pass comparison gpg and pass.
# Prints one table per section: the two commands' median times, their ratio
# and the goal. Not run by CI.
#
# To add a section (e.g. verify), write a function `section_NAME` that calls
# `compare LABEL GOAL KEYADM_CMD OTHER_CMD` and add NAME to SECTIONS below.
set -euo pipefail

# BENCH_SECTIONS="verify" runs only the named sections (the store is always made).
read -r -a SECTIONS <<<"${BENCH_SECTIONS:-reads rotate memory pass verify}"

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${BENCH_RUNS:-50}
for tool in hyperfine sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "bench.sh needs $tool (apt-get install -y $tool)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench.sh needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }

if [ -z "${KEYADM_BIN:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
  KEYADM_BIN=$root/target/release/keyadm
fi
BIN=$KEYADM_BIN

work=$(mktemp -d /tmp/keyadm-bench.XXXXXX)
cleanup() {
  if [ -n "${GNUPGHOME:-}" ] && command -v gpgconf >/dev/null; then gpgconf --kill gpg-agent 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export KEYADM_DB=$work/keys.db KEYADM_MASTER_KEY_FILE=$work/master.key
export KEYADM_ACTOR=bench NO_COLOR=1 TZ=UTC
unset KEYADM_ORG KEYADM_NOW KEYADM_DATE_FORMAT KEYADM_MASTER_KEY
DB=$KEYADM_DB

# compare LABEL GOAL KEYADM_CMD OTHER_CMD: times both with hyperfine (no
# shell in between) and prints one row. GOAL is "<=1.5" (keyadm/other at
# most) or ">=10" (other/keyadm at least).
ROWS=()
compare() {
  local label=$1 goal=$2 a=$3 b=$4 shell=${SHELL_MODE:--N}
  hyperfine $shell --style none --warmup 3 --runs "$runs" --export-json "$work/h.json" "$a" "$b" >/dev/null 2>&1 ||
    { echo "hyperfine failed for: $label" >&2; hyperfine $shell --runs 2 "$a" "$b" >&2; exit 1; }
  ROWS+=("$(python3 - "$work/h.json" "$label" "$goal" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
label, goal = sys.argv[2], sys.argv[3]
# Medians: the machine may be shared, and a few slow runs should not decide.
a, b = r[0]["median"] * 1000, r[1]["median"] * 1000
if goal.startswith("<="):
    ratio, ok = a / b, a / b <= float(goal[2:])
    shown = f"{ratio:5.2f}x slower"
else:
    ratio, ok = b / a, b / a >= float(goal[2:])
    shown = f"{ratio:5.1f}x faster"
print(f"{label:<34} {a:8.2f} ms {b:8.2f} ms   {shown:<14} goal {goal:<6} {'ok' if ok else 'MISSED'}")
PY
)")
}

table() {
  printf '\n== %s\n%-34s %11s %11s   %-14s %s\n' "$1" "(median of $runs runs)" "keyadm" "$2" "ratio" "goal"
  printf '%s\n' "${ROWS[@]}"
  ROWS=()
}

# The 300-key store: one tenant's limit, four writers at a time.
make_store() {
  "$BIN" init >/dev/null 2>&1
  "$BIN" config set scoped-api on >/dev/null 2>&1
  seq 1 300 | xargs -P 4 -I{} "$BIN" generate "key-{}" -q --description "benchmark key {}" --tag bench >/dev/null
  ID=$(sqlite3 "$DB" "SELECT id FROM keys WHERE name = 'key-150'")
}

section_reads() {
  local cols="id, name, type, enabled, org, description, created_at, expires_at, created_by, display, last_used_at"
  compare "list (table)" "<=1.5" "$BIN list" "sqlite3 -box $DB 'SELECT $cols FROM keys ORDER BY name'"
  compare "list --json" "<=1.5" "$BIN list --json" "sqlite3 -json $DB 'SELECT $cols, rules, origins, ips, tags FROM keys ORDER BY name'"
  compare "list -q (IDs)" "<=1.5" "$BIN list -q" "sqlite3 $DB 'SELECT id FROM keys ORDER BY name'"
  compare "show KEY" "<=1.5" "$BIN show $ID" "sqlite3 -line $DB \"SELECT $cols, rules, origins, ips, tags FROM keys WHERE id = '$ID'\""
  compare "show KEY --json" "<=1.5" "$BIN show $ID --json" "sqlite3 -json $DB \"SELECT $cols, rules, origins, ips, tags FROM keys WHERE id = '$ID'\""
  # show --value opens the sealed value and appends an audit entry (one
  # write transaction, synchronous=FULL): sqlite3 does the same read and
  # write, on a copy so that keyadm's audit chain stays whole.
  sqlite3 "$DB" ".backup '$work/copy.db'"   # keys.db with its WAL (cp would miss the WAL)
  compare "show KEY --value (audited)" "<=1.5" "$BIN show $ID --value" \
    "sqlite3 $work/copy.db \"PRAGMA synchronous=FULL; BEGIN IMMEDIATE; SELECT hex(sealed) FROM keys WHERE id = '$ID'; INSERT INTO audit (at, actor, action, key_id, details, hash) VALUES ('t', 'bench', 'reveal', '$ID', '{}', x'00'); COMMIT;\""
  compare "config get key-prefix" "<=1.5" "$BIN config get key-prefix" "sqlite3 $DB \"SELECT value FROM settings WHERE name = 'key-prefix'\""
  table "read commands, 300-key store: keyadm vs sqlite3 doing the same read" "sqlite3"
}

section_rotate() {
  local ids
  ids=$(sqlite3 "$DB" "SELECT id FROM keys ORDER BY name" | tr '\n' ' ')
  compare "rotate 300 keys vs 1 key" "<=5" "$BIN rotate -q --grace 1h $ids" "$BIN rotate -q --grace 1h $ID"
  table "rotate: 300 keys in one call vs one key" "1 key"
}

# 300,000 keys in 1,000 tenants: the 300 rows copied under 999 more tenants
# with fresh IDs and hashes (the sealed values do not open on the copies,
# which list never does).
make_big_store() {
  sqlite3 "$DB" ".backup '$work/big.db'"
  sqlite3 "$work/big.db" >/dev/null <<'SQL'
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
INSERT INTO orgs (path, tenant, created_at)
  SELECT printf('t%04d', i), printf('t%04d', i), '2026-01-01T00:00:00Z' FROM n;
INSERT INTO keys (id, name, tenant, org, type, description, enabled, disabled_reason, created_at,
  created_by, expires_at, value_hash, sealed, display, rotate_every, user_name, rules, origins, ips, tags)
  SELECT upper(hex(randomblob(6))), k.name, o.tenant, o.path, k.type, k.description, k.enabled,
    k.disabled_reason, k.created_at, k.created_by, k.expires_at, randomblob(32), k.sealed, k.display,
    k.rotate_every, k.user_name, k.rules, k.origins, k.ips, k.tags
  FROM keys k, orgs o WHERE k.tenant = 'default' AND o.path <> 'default';
COMMIT;
SQL
}

section_memory() {
  make_big_store
  local n rss secs
  n=$(sqlite3 "$work/big.db" "SELECT count(*) FROM keys")
  /usr/bin/time -f '%M %e' -o "$work/time.txt" "$BIN" --db "$work/big.db" list --json >"$work/big.json" 2>/dev/null
  read -r rss secs <"$work/time.txt"
  local listed
  listed=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$work/big.json")
  /usr/bin/time -f '%M %e' -o "$work/time2.txt" "$BIN" --db "$work/big.db" list >/dev/null 2>&1
  local trss tsecs
  read -r trss tsecs <"$work/time2.txt"
  printf '\n== peak memory over %s keys in 1000 tenants (goal <= 32 MiB)\n' "$n"
  printf '%-34s %8.1f MiB  %6.2f s  (%s keys printed)  %s\n' "list --json" "$(awk "BEGIN{print $rss/1024}")" "$secs" "$listed" \
    "$([ "$rss" -le 32768 ] && echo ok || echo MISSED)"
  printf '%-34s %8.1f MiB  %6.2f s  (table, not a goal)\n' "list" "$(awk "BEGIN{print $trss/1024}")" "$tsecs"
}

section_pass() {
  if ! command -v pass >/dev/null || ! command -v gpg >/dev/null; then
    printf '\n== show --value vs pass show: skipped (apt-get install -y pass)\n'
    return
  fi
  export GNUPGHOME=$work/gnupg PASSWORD_STORE_DIR=$work/pass
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key bench@keyadm.invalid default default never 2>/dev/null
  pass init bench@keyadm.invalid >/dev/null
  "$BIN" show "$ID" --value | pass insert -m bench/key >/dev/null
  compare "show --value vs pass show" ">=10" "$BIN show $ID --value" "pass show bench/key"
  table "reveal a secret: keyadm show --value vs pass show (gpg, no passphrase)" "pass"
}

# verify (issue 6): 300 vs 300,000 keys, goal <= 1.1x. Runs only when this
# build has the command; the presented key comes on stdin.
section_verify() {
  if ! "$BIN" verify --help >/dev/null 2>&1; then
    printf '\n== verify: not in this build\n'
    return
  fi
  [ -f "$work/big.db" ] || make_big_store
  "$BIN" show "$ID" --value >"$work/value"
  SHELL_MODE="--shell=sh" compare "verify, 300 vs 300,000 keys" "<=1.1" \
    "$BIN --db $work/big.db verify < $work/value" "$BIN verify < $work/value"
  table "verify: 300,000-key store vs 300-key store" "300 keys"
}

printf 'keyadm %s on %s, %s CPUs, %s; %s runs per command\n' \
  "$("$BIN" --version | cut -d' ' -f2)" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" "$(uname -sr)" "$runs"
make_store
for s in "${SECTIONS[@]}"; do "section_$s"; done
