#!/usr/bin/env bash
# Load test: herald's cached feed (200 and 304) against feedbaseline, the
# tightest Go server returning the same status, headers and bytes from
# memory, side by side on loopback with wrk. Needs wrk (apt-get install wrk).
# Bounded: each measurement lasts DURATION seconds, RUNS times over, and only
# loopback addresses are used. Read the ratios, not the requests per second:
# on a shared machine both move together. Each line also gives the CPU time
# each server spent per request; with RUNS > 1 the median ratios close.
#
#   cmd/feedbaseline/load.sh            # defaults: 10s, 1 run, 2 threads, 32 connections
#   DURATION=5 RUNS=3 cmd/feedbaseline/load.sh
#   HERALD_FLAGS="--log-level warn" cmd/feedbaseline/load.sh
#   HERALD_BIN=/tmp/herald-old cmd/feedbaseline/load.sh   # another build of herald
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}
RUNS=${RUNS:-1}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
HERALD=127.0.0.1:18090
BASE=127.0.0.1:18091
FEED=/tags/cyber-diplomacy/feed.atom

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -n "${HERALD_BIN:-}" ]; then
	cp "$HERALD_BIN" "$work/herald"
else
	go build -o "$work/herald" ./cmd/herald
fi
go build -o "$work/feedbaseline" ./cmd/feedbaseline
"$work/herald" serve --demo --db "$work/load.db" --addr "$HERALD" --feed-max-age 1h --stale-after 1h ${HERALD_FLAGS:-} >/dev/null 2>"$work/herald.log" &
herald_pid=$!
for _ in $(seq 50); do curl -fs "http://$HERALD/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$work/feedbaseline" -from "http://$HERALD$FEED" -addr "$BASE" 2>/dev/null &
base_pid=$!
for _ in $(seq 50); do curl -fs "http://$BASE$FEED" >/dev/null 2>&1 && break; sleep 0.1; done
etag=$(curl -fsI "http://$HERALD$FEED" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

# Both must give the same answers, or the comparison means nothing.
headers() { curl -s -D - -o "$work/body" "$@" | tr -d '\r' | grep -vi '^date:' | sort; cat "$work/body" | cksum; }
for hdr in "" "If-None-Match: $etag"; do
	if ! diff <(headers ${hdr:+-H "$hdr"} "http://$HERALD$FEED") <(headers ${hdr:+-H "$hdr"} "http://$BASE$FEED") >"$work/diff"; then
		echo "load.sh: herald and feedbaseline answer differently${hdr:+ with $hdr}:" >&2
		cat "$work/diff" >&2
		exit 1
	fi
done

# One measurement: requests per second, and the server's CPU time per
# request (user and system, from /proc), which moves less than the rate
# when other work shares the machine.
ticks() { [ -r "/proc/$1/stat" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
hz=$(getconf CLK_TCK)
measure() { # pid wrk-arguments...
	local pid=$1 t0 t1 out
	shift
	t0=$(ticks "$pid")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "$@")
	t1=$(ticks "$pid")
	echo "$out" | awk -v t=$((t1 - t0)) -v hz="$hz" '/requests in/{n=$1} /Requests\/sec/{r=$2} END{printf "%s %.1f\n", r, (n ? t * 1e6 / hz / n : 0)}'
}
printf '%-4s %-5s %12s %12s %6s   %s\n' run case herald/s baseline/s ratio "CPU us/request: herald baseline ratio"
for run in $(seq "$RUNS"); do
	for c in 200 304; do
		hdr=()
		[ "$c" = 304 ] && hdr=(-H "If-None-Match: $etag")
		read -r h hc < <(measure "$herald_pid" "${hdr[@]}" "http://$HERALD$FEED")
		read -r b bc < <(measure "$base_pid" "${hdr[@]}" "http://$BASE$FEED")
		printf '%-4s %-5s %12s %12s %6.2f   %5s %5s %6.2f\n' "$run" "$c" "$h" "$b" "$(echo "$h / $b" | bc -l)" \
			"$hc" "$bc" "$(echo "$bc / $hc" | bc -l 2>/dev/null || echo 0)"
	done
done | tee "$work/results"
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
if [ "$RUNS" -gt 1 ]; then
	for c in 200 304; do
		printf 'median %-5s %31.2f   %18.2f\n' "$c" "$(awk -v c=$c '$2 == c {print $5}' "$work/results" | median)" \
			"$(awk -v c=$c '$2 == c {print $8}' "$work/results" | median)"
	done
fi
