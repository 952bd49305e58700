#!/usr/bin/env bash
# bench/replicas.sh: several roomgraph replicas sharing one Redis, on this machine (docs/deployment.md).
#
#   bench/replicas.sh                 the simulator, Redis and three replicas on loopback; prints their URLs and
#                                     runs until Ctrl-C, then stops everything it started
#   bench/replicas.sh --bench         S3 against one replica without Redis, three without Redis, three
#                                     sharing Redis (wrk spreading its threads over them): req/s and CPU
#
# Needs go, curl, jq, redis-server (apt-get install redis-server), and wrk for --bench. `-h` lists the flags.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/replicas.sh [flags]

  -n, --replicas N      replicas (default 3)
  -p, --base-port P     simulator on P, replicas on P+1 … P+N, Redis on P+N+1 (default 4820)
      --no-redis        run the replicas without Redis (each keeps its own state: to see the difference)
      --live RATE       the simulator's live mode: busy rooms change on their own and their webhooks go to
                        replica 1 (default 1/s; 0 = off). Without --bench only
      --bench           measure S3 (bench/wrk/s3.lua) instead of serving: one replica without Redis, N replicas
                        without Redis, N replicas sharing Redis; with the read cache off, then on
                        (ROOMGRAPH_READ_CACHE_TTL=1s)
  -d, --duration SEC    --bench: length of each measured run (default 10)
  -w, --warmup SEC      --bench: warm-up before the measured runs (default 3)
  -r, --runs N          --bench: measured runs per setup; the report shows each and the median (default 3)
  -c, --connections N   --bench: wrk connections in all (default 63)
  -t, --threads N       --bench: wrk threads, spread round-robin over the replicas (default 3)
  -o, --out FILE        --bench: Markdown report (default bench/results/replicas.md)
      --keep            keep the temporary directory (binaries, logs)
  -h, --help
EOF
}

N=3 BASE=4820 REDIS=1 LIVE=1/s BENCH=0 DURATION=10 WARMUP=3 RUNS=3 CONNS=63 THREADS=3 OUT= KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	-n | --replicas) N=$2; shift 2 ;;
	-p | --base-port) BASE=$2; shift 2 ;;
	--no-redis) REDIS=0; shift ;;
	--live) LIVE=$2; shift 2 ;;
	--bench) BENCH=1; shift ;;
	-d | --duration) DURATION=$2; shift 2 ;;
	-w | --warmup) WARMUP=$2; shift 2 ;;
	-r | --runs) RUNS=$2; shift 2 ;;
	-c | --connections) CONNS=$2; shift 2 ;;
	-t | --threads) THREADS=$2; shift 2 ;;
	-o | --out) OUT=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "replicas: unknown flag $1" >&2; usage >&2; exit 2 ;;
	esac
done
for v in N BASE DURATION WARMUP RUNS CONNS THREADS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "replicas: $v must be a whole number, got '${!v}'" >&2; exit 2; }
done
[ "$N" -ge 1 ] || { echo "replicas: --replicas must be >= 1" >&2; exit 2; }
[ "$CONNS" -ge "$THREADS" ] || { echo "replicas: wrk needs connections >= threads" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/results/replicas.md}
need() { command -v "$1" >/dev/null 2>&1 || { echo "replicas: $1 is required ($2)" >&2; exit 1; }; }
need go "https://go.dev/dl"
need curl "apt-get install curl"
need jq "apt-get install jq"
[ "$REDIS" = 0 ] && [ "$BENCH" = 0 ] || need redis-server "apt-get install redis-server"
[ "$BENCH" = 0 ] || need wrk "apt-get install wrk"

WORK=$(mktemp -d -t roomgraph-replicas.XXXXXX)
PIDS=()
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# stop_pids PID...: TERM them all, then KILL those still running after 10 s.
stop_pids() {
	local pid alive _
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
	for _ in $(seq 100); do
		alive=0
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# stop_all stops every process this script started, by pid.
stop_all() {
	stop_pids "${PIDS[@]}"
	PIDS=()
}
cleanup() {
	trap - EXIT INT TERM
	stop_all
	if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo; log "stopping"; exit 130' INT TERM

# wait_line FILE REGEX: until FILE has a line matching REGEX, at most 30 s.
wait_line() {
	for _ in $(seq 300); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	die "no line matching '$2' in $1 after 30 s: $(tail -5 "$1" 2>/dev/null)"
}

log "building roomgraph and the simulator into $WORK"
(cd "$ROOT" && timeout 600 go build -o "$WORK/" . ./cmd/telnyx-sim) || die "go build"

SIM_PORT=$BASE
REDIS_PORT=$((BASE + N + 1))
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
replica_port() { echo $((BASE + $1)); }

# start_sim [flags…]: the simulator on SIM_PORT; sets TELNYX_BASE_URL, TELNYX_API_KEY, TELNYX_PUBLIC_KEY.
start_sim() {
	"$WORK/telnyx-sim" -addr "127.0.0.1:$SIM_PORT" -keys KEY_replicas "$@" >"$WORK/sim.out" 2>"$WORK/sim.log" &
	PIDS+=($!)
	wait_line "$WORK/sim.out" '^TELNYX_PUBLIC_KEY='
	TELNYX_BASE_URL=$(sed -n 's/^TELNYX_BASE_URL=//p' "$WORK/sim.out")
	TELNYX_API_KEY=$(sed -n 's/^TELNYX_API_KEY=//p' "$WORK/sim.out")
	TELNYX_PUBLIC_KEY=$(sed -n 's/^TELNYX_PUBLIC_KEY=//p' "$WORK/sim.out")
}

start_redis() {
	mkdir -p "$WORK/redis"
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" \
		--maxmemory 256mb --maxmemory-policy volatile-lru --logfile "$WORK/redis.log" &
	PIDS+=($!)
	REDIS_PID=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	die "redis-server did not listen on $REDIS_PORT"
}

# The values every replica must share (docs/deployment.md): one cursor secret for the whole deployment.
CURSOR_SECRET=$(head -c 32 /dev/urandom | base64)
REPLICA_PIDS=()

# start_replica I [VAR=value…]: replica I (1-based) on its port, with Redis unless REDIS=0.
start_replica() {
	local i=$1 port
	shift
	port=$(replica_port "$i")
	local env=(
		"PATH=$PATH"
		"TELNYX_BASE_URL=$TELNYX_BASE_URL" "TELNYX_API_KEY=$TELNYX_API_KEY" "TELNYX_PUBLIC_KEY=$TELNYX_PUBLIC_KEY"
		"ROOMGRAPH_CURSOR_SECRET=$CURSOR_SECRET" "ROOMGRAPH_LISTEN=127.0.0.1:$port"
		"ROOMGRAPH_LOG_LEVEL=${ROOMGRAPH_LOG_LEVEL:-warn}"
	)
	[ "$REDIS" = 1 ] && env+=("ROOMGRAPH_REDIS_URL=$REDIS_URL" "ROOMGRAPH_REDIS_PREFIX=roomgraph:")
	rm -f "$WORK/replica$i.out" # wait_line must not find the line of an earlier start
	env -i "${env[@]}" "$@" "$WORK/roomgraph" >"$WORK/replica$i.out" 2>"$WORK/replica$i.log" &
	PIDS+=($!)
	REPLICA_PIDS+=($!)
	wait_line "$WORK/replica$i.out" '^roomgraph listening on '
}

stop_replicas() {
	stop_pids "${REPLICA_PIDS[@]}"
	REPLICA_PIDS=()
}

if [ "$BENCH" = 0 ]; then
	[ "$LIVE" = 0 ] && live=() || live=(-live "$LIVE")
	# Telnyx's webhooks would go to the load balancer; there is none here, so they go to replica 1 (any
	# replica will do: with Redis, each event reaches the subscribers of every replica).
	start_sim -webhook-url "http://127.0.0.1:$(replica_port 1)/webhooks/telnyx" "${live[@]}"
	[ "$REDIS" = 1 ] && start_redis
	for i in $(seq "$N"); do
		start_replica "$i" ROOMGRAPH_PLAYGROUND=true ROOMGRAPH_INTROSPECTION=true
	done
	echo
	echo "simulator   $TELNYX_BASE_URL   (key $TELNYX_API_KEY; live: $LIVE; its webhooks go to replica 1)"
	[ "$REDIS" = 1 ] && echo "redis       $REDIS_URL" || echo "redis       (none: --no-redis)"
	for i in $(seq "$N"); do
		port=$(replica_port "$i")
		echo "replica $i   http://127.0.0.1:$port/graphql   (playground http://127.0.0.1:$port/, /readyz, /metrics)"
	done
	echo
	echo "logs in $WORK; Ctrl-C stops everything"
	wait -n "${PIDS[@]}" || true
	KEEP=1
	die "a process exited; see the logs in $WORK (kept)"
fi

# ---- --bench ----
ROOMS=40 SESSIONS=25 PARTICIPANTS=6
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
sum_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }

start_sim -rooms "$ROOMS" -sessions-per-room "$SESSIONS" -participants-per-session "$PARTICIPANTS"
SIM_PID=${PIDS[0]}
curl -sf -H "Authorization: Bearer $TELNYX_API_KEY" "$TELNYX_BASE_URL/rooms?page%5Bsize%5D=250" |
	jq -r '.data[].id' >"$WORK/rooms.txt"
[ -s "$WORK/rooms.txt" ] || die "no rooms from the simulator"
start_redis

TSV=$WORK/runs.tsv
printf 'setup\trun\treq_s\tgateway_cpu_s\tredis_cpu_s\tsim_cpu_s\treq_per_gateway_cpu_s\treq_per_gateway_redis_cpu_s\terrors\n' >"$TSV"

# measure SETUP: check, warm up and measure S3 against the running replicas (round-robin over them).
measure() {
	local setup=$1 addrs="" i pid
	for i in $(seq "${#REPLICA_PIDS[@]}"); do addrs+="${addrs:+,}127.0.0.1:$(replica_port "$i")"; done
	local url="http://127.0.0.1:$(replica_port 1)"
	local wrkenv=(BENCH_ROOMS_FILE="$WORK/rooms.txt" BENCH_ADDRS="$addrs")
	log "$setup: check"
	env "${wrkenv[@]}" BENCH_CHECK=1 BENCH_CHECK_BODY="$WORK/check.json" BENCH_JSON="$WORK/check.out" \
		timeout 60 wrk -t "${#REPLICA_PIDS[@]}" -c "${#REPLICA_PIDS[@]}" -d 2s -s "$ROOT/bench/wrk/s3.lua" "$url" >/dev/null || die "$setup: the check's wrk failed"
	[ "$(jq .check_bad "$WORK/check.out")" = 0 ] || die "$setup: wrong answers in the check ($(head -c 300 "$WORK/check.json"))"
	# The check's first answer is of a room drawn at random, which may have no session yet.
	jq -e '.errors == null and (.data.room.sessions.nodes | type == "array" and (length == 0 or (.[0].participants | type == "array")))' \
		"$WORK/check.json" >/dev/null || die "$setup: unexpected answer"
	if [ "$WARMUP" -gt 0 ]; then
		log "$setup: warm-up ${WARMUP}s"
		env "${wrkenv[@]}" BENCH_JSON="$WORK/warm.out" timeout $((WARMUP + 60)) \
			wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" -s "$ROOT/bench/wrk/s3.lua" "$url" >/dev/null
	fi
	for run in $(seq "$RUNS"); do
		local g0 r0 s0 g1 r1 s1 out=$WORK/$setup.$run.json
		g0=$(sum_ticks "${REPLICA_PIDS[@]}") r0=$(cpu_ticks "$REDIS_PID") s0=$(cpu_ticks "$SIM_PID")
		env "${wrkenv[@]}" BENCH_JSON="$out" timeout $((DURATION + 60)) \
			wrk -t "$THREADS" -c "$CONNS" -d "${DURATION}s" --timeout 10s -s "$ROOT/bench/wrk/s3.lua" "$url" >/dev/null
		g1=$(sum_ticks "${REPLICA_PIDS[@]}") r1=$(cpu_ticks "$REDIS_PID") s1=$(cpu_ticks "$SIM_PID")
		jq -r --arg setup "$setup" --arg run "$run" --argjson g $((g1 - g0)) --argjson r $((r1 - r0)) \
			--argjson s $((s1 - s0)) --argjson hz "$CLK_TCK" '
			(.requests / (.duration_us / 1e6)) as $rps | ($g / $hz) as $gc | ($r / $hz) as $rc |
			[$setup, $run, ($rps | floor), $gc, $rc, ($s / $hz),
			 (if $gc > 0 then .requests / $gc | floor else 0 end),
			 (if $gc + $rc > 0 then .requests / ($gc + $rc) | floor else 0 end),
			 (.errors.connect + .errors.read + .errors.write + .errors.status + .errors.timeout)] | @tsv' \
			"$out" >>"$TSV"
		log "$setup run $run: $(tail -1 "$TSV" | cut -f3) req/s"
	done
}

for cache in off 1s; do
	extra=()
	[ "$cache" = off ] || extra=("ROOMGRAPH_READ_CACHE_TTL=$cache")
	REDIS=0
	start_replica 1 "${extra[@]}"
	measure "1-replica-no-redis-cache-$cache"
	stop_replicas
	# N replicas, each on its own: what N processes on these CPUs cost, apart from Redis.
	for i in $(seq "$N"); do start_replica "$i" "${extra[@]}"; done
	measure "$N-replicas-no-redis-cache-$cache"
	stop_replicas
	REDIS=1
	for i in $(seq "$N"); do start_replica "$i" "${extra[@]}"; done
	measure "$N-replicas-redis-cache-$cache"
	stop_replicas
done

mkdir -p "$(dirname "$OUT")"
{
	echo "# S3: one replica without Redis vs $N replicas sharing Redis"
	echo
	echo "$(date -u +%FT%TZ), $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (modified)'),"
	echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average before: $LOAD_BEFORE,"
	echo "after: $(cut -d' ' -f1-3 /proc/loadavg). wrk -t $THREADS -c $CONNS (threads round-robin over the replicas), ${DURATION}s runs × $RUNS after ${WARMUP}s warm-up."
	echo
	echo "| setup | req/s (median) | gateway CPU s | Redis CPU s | req per gateway CPU-s | req per (gateway + Redis) CPU-s | errors |"
	echo "|---|---|---|---|---|---|---|"
	tail -n +2 "$TSV" | sort -t$'\t' -k1,1 -k3,3n | awk -F'\t' -v runs="$RUNS" '
		{ key=$1; n[key]++; row[key, n[key]]=$0 }
		END { for (k in n) { split(row[k, int((n[k] + 1) / 2)], f, "\t");
			printf "| %s | %s | %.2f | %.2f | %s | %s | %s |\n", f[1], f[3], f[4], f[5], f[7], f[8], f[9] } }' | sort
	echo
	echo "Every run:"
	echo
	echo '```'
	column -t -s$'\t' "$TSV"
	echo '```'
} >"$OUT"
cat "$OUT"
