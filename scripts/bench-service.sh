#!/usr/bin/env bash
# The service-side benchmark (not run by CI; scripts/bench.sh runs the rest). Needs hyperfine, sqlite3,
# openssl and taskset (apt-get install hyperfine sqlite3 openssl util-linux).
#   1. verify --batch decisions/s with 300 and 300,000 keys (benches/service.rs)
#   2. whole-process `keyadm verify` against `sqlite3` doing the same indexed lookup
#   3. `keyadm sign` on a 1 GiB body against `openssl dgst -sha256 -hmac`
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-$(mktemp -d)}"
export BENCH_DIR="$dir"
cargo build --release --quiet
bin="$PWD/target/release/keyadm"

echo "== 1. verify --batch"
cargo bench --quiet --bench service

echo "== 2. one verify, whole process, 300,000 keys in the store"
db="$dir/keys-300000.db"
keyfile="$dir/key-300000.txt"
hash=$(tr -d '\n' < "$keyfile" | sha256sum | cut -d' ' -f1)
KEYADM_DB="$db" "$bin" verify --key-file "$keyfile"   # records the use once; later runs only read
hyperfine -N --warmup 20 --runs 300 \
  "$bin --db $db verify --key-file $keyfile" \
  "sqlite3 $db \"SELECT id, name, enabled FROM keys WHERE value_hash = x'$hash'\""

echo "== 3. sign a 1 GiB body"
export KEYADM_DB="$dir/sign.db" KEYADM_MASTER_KEY_FILE="$dir/master.key"
[ -e "$KEYADM_DB" ] || "$bin" generate bench -q >/dev/null 2>&1
value=$("$bin" show bench --value 2>/dev/null)
[ -e "$dir/body.bin" ] || head -c 1073741824 /dev/urandom > "$dir/body.bin"
hyperfine -N --warmup 1 --runs 5 \
  "$bin sign bench --method POST --url https://bench.example/upload --body-file $dir/body.bin" \
  "openssl dgst -sha256 -hmac $value $dir/body.bin"
echo "(files kept in $dir)"
