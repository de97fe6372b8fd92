#!/usr/bin/env bash
# Benchmarks of keyadm on a PostgreSQL store: each read command on a 300-key
# store against psql running the same query on the same database (goal
# <= 1.5x), the same keyadm commands on a 300-key SQLite store for
# comparison, and generates per second into one tenant from 8 concurrent
# processes (PostgreSQL and SQLite).
#
#   scripts/bench-pg.sh                    # builds the release binary, runs everything
#   KEYADM_BIN=path scripts/bench-pg.sh    # benchmark another binary
#   BENCH_RUNS=100 scripts/bench-pg.sh     # more runs per command (default 50)
#   BENCH_PROCS=8 BENCH_EACH=30 scripts/bench-pg.sh   # the concurrent generates
#
# Runs as root: starts its own PostgreSQL 15 cluster (initdb and pg_ctl from
# /usr/lib/postgresql/15/bin, or PG_BIN, run as the `postgres` OS user) in a
# temporary folder, listening only on a Unix socket there, with the server's
# default settings otherwise (fsync and synchronous commits on). The cluster
# is stopped and the folder removed on exit. Needs hyperfine, psql, python3.
# Not run by CI.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${BENCH_RUNS:-50}
procs=${BENCH_PROCS:-8}
each=${BENCH_EACH:-30}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ "$(id -u)" = 0 ] || { echo "bench-pg.sh runs as root (it starts PostgreSQL as the postgres user)" >&2; exit 1; }
for tool in hyperfine psql python3 runuser; do
  command -v "$tool" >/dev/null || { echo "bench-pg.sh needs $tool" >&2; exit 1; }
done
[ -x "$PG_BIN/initdb" ] || { echo "no $PG_BIN/initdb: apt-get install -y postgresql-15, or set PG_BIN" >&2; exit 1; }

if [ -z "${KEYADM_BIN:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
  KEYADM_BIN=$root/target/release/keyadm
fi
BIN=$KEYADM_BIN

work=$(mktemp -d /tmp/keyadm-benchpg.XXXXXX)
chmod 711 "$work"
pg=$work/pg
mkdir "$pg"
chown postgres:postgres "$pg"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
  if [ -f "$pg/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" stop -D "$pg/data" -m fast -w >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$pg/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PG_BIN/pg_ctl" start -w -D "$pg/data" -l "$pg/log" \
  -o "-c listen_addresses='' -c unix_socket_directories='$pg'" >/dev/null

export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data NO_COLOR=1 TZ=UTC
unset KEYADM_DB KEYADM_MASTER_KEY KEYADM_MASTER_KEY_FILE KEYADM_ACTOR KEYADM_ORG KEYADM_NOW KEYADM_DATE_FORMAT KEYADM_KEY
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE

host_enc=${pg//\//%2F}
pg_url() { echo "postgresql://postgres@$host_enc/$1"; }
PSQL="psql -X -q -A -h $pg -U postgres"
createdb() { $PSQL -d postgres -c "CREATE DATABASE $1" >/dev/null; }

# make_store DB MASTERKEY: init and 300 keys, one after another.
make_store() {
  local db=$1 mk=$2
  "$BIN" --db "$db" --master-key-file "$mk" init >/dev/null 2>&1
  for i in $(seq 1 300); do
    "$BIN" --db "$db" --master-key-file "$mk" generate "key-$i" -q --description "benchmark key $i" --tag bench >/dev/null
  done
}

createdb bench
PGDB=$(pg_url bench)
PGMK=$work/pg-master.key
SQDB=$work/keys.db
SQMK=$work/sqlite-master.key
echo "making the 300-key stores..." >&2
make_store "$PGDB" "$PGMK"
make_store "$SQDB" "$SQMK"
KP="$BIN --db $PGDB --master-key-file $PGMK"
KS="$BIN --db $SQDB --master-key-file $SQMK"
$KP show key-150 --value >"$work/pg-value"
$KS show key-150 --value >"$work/sq-value"
HASH=$($PSQL -d bench -t -c "SELECT encode(value_hash, 'hex') FROM keys WHERE name = 'key-150'")
[ -n "$HASH" ] || { echo "no key-150 in the PostgreSQL store" >&2; exit 1; }
# psql's verify query finds the key as keyadm's does.
[ "$($PSQL -d bench -t -c "SELECT count(*) FROM keys WHERE value_hash = '\\x$HASH' OR prev_hash = '\\x$HASH'")" = 1 ] ||
  { echo "psql's verify query does not find key-150" >&2; exit 1; }

# bench LABEL SHELLMODE PG_KEYADM PSQL SQLITE_KEYADM: one hyperfine run of
# the three commands, one row of medians.
ROWS=()
bench() {
  local label=$1 shell=$2
  shift 2
  hyperfine "$shell" --style none --warmup 5 --runs "$runs" --export-json "$work/h.json" "$@" >/dev/null 2>&1 ||
    { echo "hyperfine failed for: $label" >&2; hyperfine "$shell" --runs 2 "$@" >&2; exit 1; }
  ROWS+=("$(python3 - "$work/h.json" "$label" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
k, p, s = (x["median"] * 1000 for x in r)
print(f"| `{sys.argv[2]}` | {k:.2f} ms | {p:.2f} ms | {k / p:.2f}x {'ok' if k / p <= 1.5 else 'MISSED'} | {s:.2f} ms |")
PY
)")
}

echo "timing the reads ($runs runs each)..." >&2
Q="$PSQL -d bench"
bench "list" -N "$KP list" "$Q -c 'SELECT * FROM keys ORDER BY name'" "$KS list"
bench "list --json" -N "$KP list --json" "$Q -c 'SELECT * FROM keys ORDER BY name'" "$KS list --json"
bench "show key-150" -N "$KP show key-150" "$Q -c \"SELECT * FROM keys WHERE name = 'key-150'\"" "$KS show key-150"
bench "config get key-prefix" -N "$KP config get key-prefix" "$Q -c 'SELECT name, value FROM settings'" "$KS config get key-prefix"
# verify reads the key from stdin: all three through sh (hyperfine subtracts the shell's start).
bench "verify (key on stdin)" --shell=sh "$KP verify < $work/pg-value" \
  "$Q -c \"SELECT * FROM keys WHERE value_hash = '\\\\x$HASH' OR prev_hash = '\\\\x$HASH'\" < $work/pg-value" \
  "$KS verify < $work/sq-value"

# psql's own start and connection: the floor under its column.
hyperfine -N --style none --warmup 5 --runs "$runs" --export-json "$work/h.json" "$Q -c 'SELECT 1'" >/dev/null 2>&1
FLOOR=$(python3 -c "import json, sys; print(f'{json.load(open(sys.argv[1]))[\"results\"][0][\"median\"] * 1000:.2f} ms')" "$work/h.json")

# generates per second: PROCS processes, EACH generates each, into one
# tenant of a fresh store; the wall time from the first start to the last end.
concurrent() {
  local db=$1 mk=$2 t0 t1 p
  "$BIN" --db "$db" --master-key-file "$mk" init >/dev/null 2>&1
  t0=$(date +%s.%N)
  for p in $(seq 1 "$procs"); do
    (for i in $(seq 1 "$each"); do
      "$BIN" --db "$db" --master-key-file "$mk" generate "c$p-$i" -q >/dev/null
    done) &
  done
  wait
  t1=$(date +%s.%N)
  python3 -c "import sys; w = float(sys.argv[2]) - float(sys.argv[1]); n = int(sys.argv[3]); print(f'{n} generates in {w:.2f} s: {n / w:.0f}/s')" "$t0" "$t1" $((procs * each))
}
echo "timing $procs x $each concurrent generates..." >&2
createdb conc
CP=$(concurrent "$(pg_url conc)" "$work/conc-pg.key")
CS=$(concurrent "$work/conc.db" "$work/conc-sq.key")
n_pg=$($PSQL -d conc -t -c "SELECT count(*) FROM keys")

printf 'keyadm %s, PostgreSQL %s, %s, %s CPUs, load %s; %s runs per command (hyperfine medians)\n\n' \
  "$("$BIN" --version | cut -d' ' -f2)" "$("$PG_BIN/postgres" --version | awk '{print $3}')" \
  "$(date -u +%Y-%m-%d)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$runs"
echo "| 300-key store | keyadm on PostgreSQL | psql, same query | ratio (goal <= 1.5x) | keyadm on SQLite |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "psql -c 'SELECT 1' (its start and connection alone): $FLOOR"
echo
echo "$procs processes x $each generates into one tenant:"
echo "- PostgreSQL: $CP ($n_pg keys in the store)"
echo "- SQLite:     $CS"
