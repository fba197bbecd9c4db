#!/usr/bin/env bash
# Load test: herald's cached feed (200 and 304) against feedbaseline, the
# tightest Go server returning the same status, headers and bytes from
# memory, side by side on loopback with wrk. Needs wrk (apt-get install wrk).
# Bounded: each measurement lasts DURATION seconds, RUNS times over, and only
# loopback addresses are used. Read the ratio, not the requests per second:
# on a shared machine both move together.
#
#   cmd/feedbaseline/load.sh            # defaults: 10s, 1 run, 2 threads, 32 connections
#   DURATION=5 RUNS=3 cmd/feedbaseline/load.sh
#   HERALD_FLAGS="--log-level warn" cmd/feedbaseline/load.sh
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
go build -o "$work/herald" ./cmd/herald
go build -o "$work/feedbaseline" ./cmd/feedbaseline
"$work/herald" serve --demo --db "$work/load.db" --addr "$HERALD" --feed-max-age 1h --stale-after 1h ${HERALD_FLAGS:-} >/dev/null 2>"$work/herald.log" &
for _ in $(seq 50); do curl -fs "http://$HERALD/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
"$work/feedbaseline" -from "http://$HERALD$FEED" -addr "$BASE" 2>/dev/null &
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

rps() { wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "$@" | awk '/Requests\/sec/{print $2}'; }
printf '%-4s %-6s %14s %14s %8s\n' run case herald baseline ratio
for run in $(seq "$RUNS"); do
	for c in 200 304; do
		hdr=()
		[ "$c" = 304 ] && hdr=(-H "If-None-Match: $etag")
		h=$(rps "${hdr[@]}" "http://$HERALD$FEED")
		b=$(rps "${hdr[@]}" "http://$BASE$FEED")
		printf '%-4s %-6s %14s %14s %8.2f\n' "$run" "$c" "$h" "$b" "$(echo "$h / $b" | bc -l)"
	done
done
