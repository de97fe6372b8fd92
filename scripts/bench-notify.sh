#!/usr/bin/env bash
# Times one `keyadm -q notify` sending N notices to aiosmtpd on loopback.
set -euo pipefail
N=${N:-50}
BIN=${BIN:-target/release/keyadm}
D=$(mktemp -d)
export KEYADM_DB=$D/keys.db KEYADM_MASTER_KEY_FILE=$D/master.key KEYADM_NOW=2026-01-01T00:00:00Z KEYADM_ACTOR=bench
PORT=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
sed -n '/^const SMTP_SINK/,/^"#;/p' tests/it/notify_channels.rs | sed '1d;$d' > $D/sink.py
mkdir $D/out
/usr/bin/python3 $D/sink.py $D/out $PORT & SINK=$!
trap 'kill $SINK' EXIT
while [ ! -e $D/out/ready ]; do sleep 0.05; done
$BIN init -q >/dev/null
$BIN user add ann --role admin --email ann@example.com -q >/dev/null
$BIN config set notify-smtp smtp://127.0.0.1:$PORT --insecure-smtp -q
$BIN config set notify-from keyadm@example.com -q
for i in $(seq $N); do $BIN generate k$i --expires 20d -q >/dev/null; done
s=$(date +%s.%N)
$BIN -q notify >/dev/null
e=$(date +%s.%N)
echo "N=$N notices: $(echo "$e - $s" | bc) s; messages received: $(ls $D/out/*.json | wc -l)"
