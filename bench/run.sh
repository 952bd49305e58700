#!/usr/bin/env bash
# bench/run.sh: roomgraph side by side with Tailcall v1.0.0, Hive Gateway and the direct REST baseline, every process on
# loopback of this machine, driven by wrk (bench/wrk/*.lua), upstream = the Telnyx simulator (cmd/telnyx-sim).
# Method, shapes and caveats: bench/README.md. `bench/run.sh -h` lists the flags.
#
# It builds into a temporary directory, installs Tailcall and Hive Gateway under bench/.cache (never committed) and wrk/jq with
# apt when missing, starts and stops every process it needs (trap on exit), and writes a Markdown report.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh [flags]

  -d, --duration SEC       length of each measured run (default 20)
  -w, --warmup SEC         length of the warm-up run before the measured runs (default 5; 0 = none)
  -r, --runs N             measured runs per contender and shape; the report shows the median (default 3)
  -c, --connections N      wrk connections (default 64)
  -t, --threads N          wrk threads (default 2)
      --shapes LIST        S1,S2,S3,S4 (default all)
      --contenders LIST    rest,roomgraph,tailcall,tailcall-dedupe (default), and roomgraph-nocoalesce
                           (ROOMGRAPH_COALESCE=false: no sharing of identical upstream calls in flight) and
                           hive (Hive Gateway over GraphQL Mesh's OpenAPI source, bench/hive)
      --sweep              concurrency sweep instead of one -c: every shape at each of --sweep-connections,
                           contenders rest,roomgraph,tailcall,hive unless --contenders is given; writes
                           bench/results/sweep.{md,tsv}, one SVG plot per variant (bench/plot) and the block
                           between the sweep markers of BENCHMARKS.md
      --sweep-connections LIST  wrk connections of the sweep (default 1,8,32,128,256)
      --variant V          shared | pinned | both (default both). pinned: gateway on CPU 0 (taskset -c 0),
                           wrk and the simulator on CPU 1
  -o, --out FILE           Markdown report (default bench/results/latest.md)
      --rooms N            simulator rooms per key (default 40)
      --sessions N         simulator sessions per room, average (default 25)
      --participants N     simulator participants per session, max (default 6)
      --ports A,B,C[,D]    simulator, roomgraph, Tailcall, Hive ports on 127.0.0.1 (default 4810,4811,4812,4813)
      --soak SEC           soak instead of the matrix: one wrk run of SEC seconds at --rate against the first
                           contender and shape given, RSS of the gateway sampled every 10 s (bench/README.md)
      --rate N             requests/s of the soak (default 200)
      --max-seconds N      kill everything after N seconds (default: estimated from the flags, x2)
      --keep               keep the temporary directory (logs, response bodies, raw wrk JSON)
  -h, --help
EOF
}

DURATION=20 WARMUP=5 RUNS=3 CONNS=64 THREADS=2
SHAPES=S1,S2,S3,S4
CONTENDERS=
VARIANT=both
OUT=
ROOMS=40 SESSIONS=25 PARTICIPANTS=6
PORTS=4810,4811,4812,4813
SOAK=0 RATE=200 MAX_SECONDS=0 KEEP=0
SWEEP=0 SWEEP_CONNS=1,8,32,128,256
ARGS="$*"

while [ $# -gt 0 ]; do
	case "$1" in
	-d | --duration) DURATION=$2; shift 2 ;;
	-w | --warmup) WARMUP=$2; shift 2 ;;
	-r | --runs) RUNS=$2; shift 2 ;;
	-c | --connections) CONNS=$2; shift 2 ;;
	-t | --threads) THREADS=$2; shift 2 ;;
	--shapes) SHAPES=$2; shift 2 ;;
	--contenders) CONTENDERS=$2; shift 2 ;;
	--variant) VARIANT=$2; shift 2 ;;
	-o | --out) OUT=$2; shift 2 ;;
	--rooms) ROOMS=$2; shift 2 ;;
	--sessions) SESSIONS=$2; shift 2 ;;
	--participants) PARTICIPANTS=$2; shift 2 ;;
	--ports) PORTS=$2; shift 2 ;;
	--soak) SOAK=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--max-seconds) MAX_SECONDS=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--sweep) SWEEP=1; shift ;;
	--sweep-connections) SWEEP_CONNS=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench: unknown flag $1" >&2; usage >&2; exit 2 ;;
	esac
done

for n in DURATION WARMUP RUNS CONNS THREADS ROOMS SESSIONS PARTICIPANTS SOAK RATE MAX_SECONDS; do
	[[ ${!n} =~ ^[0-9]+$ ]] || { echo "bench: $n must be a whole number, got '${!n}'" >&2; exit 2; }
done
if [ "$RUNS" -lt 1 ] || [ "$DURATION" -lt 1 ] || [ "$CONNS" -lt 1 ] || [ "$THREADS" -lt 1 ]; then
	echo "bench: runs, duration, connections and threads must be >= 1" >&2
	exit 2
fi
[ "$SWEEP" = 1 ] || [ "$CONNS" -ge "$THREADS" ] || { echo "bench: wrk needs connections >= threads" >&2; exit 2; }
case "$VARIANT" in shared | pinned | both) ;; *) echo "bench: --variant shared|pinned|both" >&2; exit 2 ;; esac
if [ -z "$CONTENDERS" ]; then
	if [ "$SWEEP" = 1 ]; then CONTENDERS=rest,roomgraph,tailcall,hive; else CONTENDERS=rest,roomgraph,tailcall,tailcall-dedupe; fi
fi
IFS=, read -r SIM_PORT RG_PORT TC_PORT HV_PORT <<<"$PORTS"
HV_PORT=${HV_PORT:-4813}
# The connections of each measured point: -c, or every value of --sweep-connections.
if [ "$SWEEP" = 1 ]; then IFS=, read -r -a CONN_LIST <<<"$SWEEP_CONNS"; else CONN_LIST=("$CONNS"); fi
for c in "${CONN_LIST[@]}"; do
	[[ $c =~ ^[0-9]+$ ]] && [ "$c" -ge 1 ] || { echo "bench: connections must be whole numbers >= 1, got '$c'" >&2; exit 2; }
done
[ "$SWEEP" = 0 ] || [ "$SOAK" = 0 ] || { echo "bench: --sweep and --soak exclude each other" >&2; exit 2; }
IFS=, read -r -a SHAPE_LIST <<<"$SHAPES"
IFS=, read -r -a CONTENDER_LIST <<<"$CONTENDERS"
for s in "${SHAPE_LIST[@]}"; do
	case "$s" in S1 | S2 | S3 | S4) ;; *) echo "bench: unknown shape $s" >&2; exit 2 ;; esac
done
for c in "${CONTENDER_LIST[@]}"; do
	case "$c" in rest | roomgraph | roomgraph-nocoalesce | tailcall | tailcall-dedupe | hive) ;; *) echo "bench: unknown contender $c" >&2; exit 2 ;; esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
cd "$ROOT"
OUT_DEFAULT=0
if [ -z "$OUT" ]; then
	OUT_DEFAULT=1
	if [ "$SOAK" -gt 0 ]; then
		OUT=$BENCH/results/soak.md
	elif [ "$SWEEP" = 1 ]; then
		OUT=$BENCH/results/sweep.md
	else
		OUT=$BENCH/results/latest.md
	fi
fi

# The two accounts of the simulator: S1–S3 use K1 (the gateway's server key), S4 alternates K1 and K2.
K1=KEY_bench_one
K2=KEY_bench_two
TC_VERSION=1.0.0
TC_DIR=$BENCH/.cache/tailcall
TC_BIN=$TC_DIR/node_modules/@tailcallhq/core-linux-x64-gnu/bin/tailcall
# Hive Gateway and the GraphQL Mesh composition tools, from npm into bench/.cache/hive; bench/hive holds the
# OpenAPI description, the composition config (run at install time) and the gateway config.
HIVE_VERSION=2.15.1
HIVE_PACKAGES=("@graphql-hive/gateway@$HIVE_VERSION" "@graphql-mesh/compose-cli@1.8.2" "@omnigraph/openapi@0.112.4" "graphql@16.11.0")
HIVE_DIR=$BENCH/.cache/hive
HIVE_BIN=$HIVE_DIR/node_modules/@graphql-hive/gateway/dist/bin.js
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	log "FAILED: $*"
	exit 1
}

# ---- processes: everything started here is recorded and stopped on exit, by pid -------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/roomgraph-bench.XXXXXX")
PIDS=()
STATUS=1
cleanup() {
	local pid _
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ "$KEEP" = 1 ] || [ "$STATUS" != 0 ]; then
		log "logs and raw results kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# stop_pid PID: TERM, up to 10 s for a graceful exit, then KILL.
stop_pid() {
	local _
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget_pid "$1"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http URL: until anything answers over HTTP (any status), at most 30 s.
wait_http() {
	local _
	for _ in $(seq 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)" != 000 ] && return 0
		sleep 0.1
	done
	return 1
}

cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
peak_rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# reset_peak PID: VmHWM starts again from the current RSS (Linux clear_refs 5), so each run has its own peak.
reset_peak() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || log "cannot reset VmHWM of $1; the peak is since start"; }

# ---- tools --------------------------------------------------------------------------------------------------------

estimate_seconds() {
	local variants=1 shapes=${#SHAPE_LIST[@]} contenders=${#CONTENDER_LIST[@]} points=${#CONN_LIST[@]}
	[ "$VARIANT" = both ] && variants=2
	if [ "$SOAK" -gt 0 ]; then
		echo $((SOAK + 900))
	else
		echo $(((variants * contenders * shapes * (points * (WARMUP + RUNS * (DURATION + 4) + 4) + 20) + 900) * 2))
	fi
}
[ "$MAX_SECONDS" -gt 0 ] || MAX_SECONDS=$(estimate_seconds)
# The watchdog ends a run that hangs anyway: TERM reaches the trap, which stops everything (after the command in
# the foreground, itself under `timeout`). Its own sleep dies with it.
(
	trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
	sleep "$MAX_SECONDS" &
	sleeper=$!
	wait "$sleeper"
	echo "bench: --max-seconds $MAX_SECONDS reached, stopping" >&2
	kill -TERM $$ 2>/dev/null
) &
PIDS+=($!)

apt_install() {
	local runner=()
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || die "$* missing and not root: install it (apt-get install -y $*)"
		runner=(sudo)
	fi
	log "installing $* with apt"
	timeout 600 "${runner[@]}" apt-get update -qq >"$WORK/apt.log" 2>&1 || die "apt-get update (see $WORK/apt.log)"
	DEBIAN_FRONTEND=noninteractive timeout 600 "${runner[@]}" apt-get install -y -qq "$@" >>"$WORK/apt.log" 2>&1 ||
		die "apt-get install $* (see $WORK/apt.log)"
}

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v jq >/dev/null || missing+=(jq)
command -v taskset >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
command -v go >/dev/null || die "go is required"

need_tailcall=0
for c in "${CONTENDER_LIST[@]}"; do case "$c" in tailcall*) need_tailcall=1 ;; esac; done
if [ "$need_tailcall" = 1 ]; then
	if ! [ -x "$TC_BIN" ] || [ "$("$TC_BIN" --version 2>/dev/null)" != "tailcall v$TC_VERSION" ]; then
		command -v npm >/dev/null || die "npm is required to install Tailcall"
		log "installing @tailcallhq/core-linux-x64-gnu@$TC_VERSION into $TC_DIR"
		mkdir -p "$TC_DIR"
		timeout 600 npm install --prefix "$TC_DIR" --no-save --no-package-lock --no-audit --no-fund \
			"@tailcallhq/core-linux-x64-gnu@$TC_VERSION" >"$WORK/npm.log" 2>&1 || die "npm install (see $WORK/npm.log)"
	fi
	[ "$("$TC_BIN" --version 2>&1)" = "tailcall v$TC_VERSION" ] ||
		die "$TC_BIN does not run as tailcall v$TC_VERSION: $("$TC_BIN" --version 2>&1 | head -1)"
fi

need_hive=0
for c in "${CONTENDER_LIST[@]}"; do [ "$c" = hive ] && need_hive=1; done
if [ "$need_hive" = 1 ]; then
	command -v node >/dev/null || die "node is required for Hive Gateway"
	if [ "$(jq -r .version "$HIVE_DIR/node_modules/@graphql-hive/gateway/package.json" 2>/dev/null)" != "$HIVE_VERSION" ]; then
		command -v npm >/dev/null || die "npm is required to install Hive Gateway"
		log "installing ${HIVE_PACKAGES[*]} into $HIVE_DIR"
		mkdir -p "$HIVE_DIR"
		timeout 900 npm install --prefix "$HIVE_DIR" --no-save --no-package-lock --no-audit --no-fund \
			"${HIVE_PACKAGES[@]}" >"$WORK/npm-hive.log" 2>&1 || die "npm install (see $WORK/npm-hive.log)"
	fi
	# Composed on every run from the committed files, so an edit of bench/hive never meets a stale supergraph.
	cp "$BENCH/hive/openapi.yaml" "$BENCH/hive/mesh.config.ts" "$BENCH/hive/gateway.config.ts" "$HIVE_DIR/"
	rm -f "$HIVE_DIR/supergraph.graphql"
	log "composing the Hive supergraph (mesh-compose, bench/hive/mesh.config.ts)"
	(cd "$HIVE_DIR" && timeout 300 node node_modules/@graphql-mesh/compose-cli/esm/bin.js -o supergraph.graphql) \
		>"$WORK/mesh-compose.log" 2>&1 || die "mesh-compose (see $WORK/mesh-compose.log)"
	[ -s "$HIVE_DIR/supergraph.graphql" ] || die "mesh-compose wrote no supergraph (see $WORK/mesh-compose.log)"
fi

# The commit measured, taken before the build (what is built is the tree as it is now).
GIT_DESC="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([ -n "$(git status --porcelain -- . ':!bench/results' ':!BENCHMARKS.md' 2>/dev/null)" ] && echo ' (uncommitted changes)' || true)"
log "building roomgraph and the simulator into $WORK"
timeout 600 go build -o "$WORK/roomgraph" . || die "go build ."
timeout 600 go build -o "$WORK/telnyx-sim" ./cmd/telnyx-sim || die "go build ./cmd/telnyx-sim"

for p in "$SIM_PORT" "$RG_PORT" "$TC_PORT" "$HV_PORT"; do
	port_busy "$p" && die "port $p on 127.0.0.1 is in use (choose others with --ports)"
done

NPROC=$(nproc)
VARIANTS=()
case "$VARIANT" in
shared) VARIANTS=(shared) ;;
pinned) VARIANTS=(pinned) ;;
both) VARIANTS=(shared pinned) ;;
esac
if [ "$NPROC" -lt 2 ] && [[ " ${VARIANTS[*]} " == *" pinned "* ]]; then
	log "only $NPROC CPU: no pinned variant"
	VARIANTS=(shared)
fi

# ---- simulator -----------------------------------------------------------------------------------------------------

SIM_PID=
SIM=http://127.0.0.1:$SIM_PORT
start_sim() { # $1: taskset prefix words (may be empty)
	# shellcheck disable=SC2086
	$1 "$WORK/telnyx-sim" -addr "127.0.0.1:$SIM_PORT" -keys "$K1,$K2" -seed 1 -rooms "$ROOMS" \
		-sessions-per-room "$SESSIONS" -participants-per-session "$PARTICIPANTS" >"$WORK/sim.log" 2>&1 &
	SIM_PID=$!
	PIDS+=("$SIM_PID")
	wait_http "$SIM/_sim/stats" || die "the simulator did not start (see $WORK/sim.log)"
}
sim_total() { curl -sf "$SIM/_sim/stats" | jq '.total'; }
# sim_reset zeroes the counters once the upstream is quiet: a gateway may still finish upstream calls of
# requests wrk cut off at the end of the previous run, and those must not count for the next one.
sim_reset() {
	local _ a b
	a=$(sim_total)
	for _ in $(seq 40); do
		sleep 0.25
		b=$(sim_total)
		[ "$a" = "$b" ] && break
		a=$b
	done
	curl -sf -X DELETE "$SIM/_sim/stats" >/dev/null || die "DELETE /_sim/stats"
}

# room_ids KEY FILE: every room id of the account in API order (newest first).
room_ids() {
	curl -sf -H "Authorization: Bearer $1" "$SIM/v2/rooms?page%5Bsize%5D=250" | jq -r '.data[].id' >"$2"
	[ "$(wc -l <"$2")" -ge 10 ] || die "the simulator has fewer than 10 rooms for a key (--rooms)"
}

# busiest_room KEY FILE: the room with the most sessions (S1 needs 25).
busiest_room() {
	local room best="" best_n=-1 n
	while read -r room; do
		n=$(curl -sf -H "Authorization: Bearer $1" "$SIM/v2/rooms/$room/sessions?page%5Bsize%5D=1" | jq '.meta.total_results')
		if [ "$n" -gt "$best_n" ]; then best=$room best_n=$n; fi
	done <"$2"
	[ "$best_n" -ge 25 ] || die "no room has 25 sessions (raise --sessions)"
	echo "$best"
}

# ---- gateways -----------------------------------------------------------------------------------------------------

GW_PID='' GW_URL=''
# start_gateway CONTENDER AUTH(key|forward) PIN(taskset prefix or empty) LOGNAME
start_gateway() {
	local contender=$1 auth=$2 pin=$3 logf="$WORK/$4.log" cfg coalesce=true
	# Logs at warn on both sides: neither pays for a log line per request (roomgraph logs each operation at info).
	case "$contender" in
	roomgraph | roomgraph-nocoalesce)
		GW_URL=http://127.0.0.1:$RG_PORT
		[ "$contender" = roomgraph-nocoalesce ] && coalesce=false
		if [ "$auth" = forward ]; then
			# shellcheck disable=SC2086
			env -u TELNYX_API_KEY TELNYX_BASE_URL="$SIM/v2" ROOMGRAPH_AUTH=forward ROOMGRAPH_LISTEN="127.0.0.1:$RG_PORT" \
				ROOMGRAPH_COALESCE=$coalesce ROOMGRAPH_LOG_LEVEL="${ROOMGRAPH_LOG_LEVEL:-warn}" \
				$pin "$WORK/roomgraph" >"$logf" 2>&1 &
		else
			# shellcheck disable=SC2086
			env -u ROOMGRAPH_AUTH TELNYX_BASE_URL="$SIM/v2" TELNYX_API_KEY="$K1" ROOMGRAPH_LISTEN="127.0.0.1:$RG_PORT" \
				ROOMGRAPH_COALESCE=$coalesce ROOMGRAPH_LOG_LEVEL="${ROOMGRAPH_LOG_LEVEL:-warn}" $pin "$WORK/roomgraph" >"$logf" 2>&1 &
		fi
		;;
	tailcall | tailcall-dedupe)
		GW_URL=http://127.0.0.1:$TC_PORT
		cfg=$auth
		# tailcall-dedupe is the same config with `dedupe: true` on every @http (after its url).
		dedupe='s/^\( *\)url: .*/&/'
		if [ "$contender" = tailcall-dedupe ]; then
			cfg=$cfg-dedupe
			dedupe='s/^\( *\)url: .*/&\n\1dedupe: true/'
		fi
		sed -e "s/port: 4812/port: $TC_PORT/" -e "$dedupe" "$BENCH/tailcall/$auth.graphql" >"$WORK/$cfg.graphql"
		if [ "$auth" = forward ]; then
			# shellcheck disable=SC2086
			env -u TELNYX_API_KEY TELNYX_BASE_URL="$SIM/v2" TAILCALL_TRACKER=false TC_TRACKER=false \
				TAILCALL_LOG_LEVEL=warn $pin "$TC_BIN" start "$WORK/$cfg.graphql" >"$logf" 2>&1 &
		else
			# shellcheck disable=SC2086
			env TELNYX_BASE_URL="$SIM/v2" TELNYX_API_KEY="$K1" TAILCALL_TRACKER=false TC_TRACKER=false \
				TAILCALL_LOG_LEVEL=warn $pin "$TC_BIN" start "$WORK/$cfg.graphql" >"$logf" 2>&1 &
		fi
		;;
	hive)
		GW_URL=http://127.0.0.1:$HV_PORT
		# exec: the pid recorded is node's own (through taskset, which execs too). NODE_ENV=production as deployed.
		# shellcheck disable=SC2086
		(cd "$HIVE_DIR" && exec env TELNYX_BASE_URL="$SIM/v2" TELNYX_API_KEY="$K1" BENCH_AUTH="$auth" PORT="$HV_PORT" \
			NODE_ENV=production $pin node "$HIVE_BIN" supergraph) >"$logf" 2>&1 &
		;;
	esac
	GW_PID=$!
	PIDS+=("$GW_PID")
	wait_http "$GW_URL/graphql" || die "$contender did not start (see $logf)"
}

# ---- one wrk invocation ---------------------------------------------------------------------------------------------

ROOM_S1='' ROOMS_K1="$WORK/rooms-k1.txt" ROOMS_K2="$WORK/rooms-k2.txt"

# run_wrk CONTENDER SHAPE JSON PIN CONNS THREADS SECONDS [extra env assignments...]
run_wrk() {
	local contender=$1 shape=$2 json=$3 pin=$4 conns=$5 threads=$6 secs=$7 url mode=graphql key=""
	shift 7
	url=$GW_URL
	if [ "$contender" = rest ]; then mode=rest url=$SIM key=$K1; fi
	local script
	script="$BENCH/wrk/$(tr '[:upper:]' '[:lower:]' <<<"$shape").lua"
	rm -f "$json"
	# shellcheck disable=SC2086
	env BENCH_MODE=$mode BENCH_KEY="$key" BENCH_ROOM="$ROOM_S1" BENCH_ROOMS_FILE="$ROOMS_K1" \
		BENCH_KEYS="$K1,$K2" BENCH_ROOMS_FILES="$ROOMS_K1,$ROOMS_K2" BENCH_JSON="$json" "$@" \
		timeout $((secs + 60)) $pin wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s "$script" "$url" \
		>"$json.out" 2>&1 || die "wrk $contender $shape (see $json.out)"
	[ -s "$json" ] || die "wrk $contender $shape wrote no result (see $json.out)"
}

# ---- correctness check before measuring --------------------------------------------------------------------------

# expected_calls SHAPE: upstream calls per request of roomgraph (docs/query-plans.md), which Tailcall's configs
# mirror. The REST baseline makes them itself, one per HTTP request.
expected_calls() { case "$1" in S2) echo 11 ;; *) echo 1 ;; esac; }

declare -A CHECKED REF_BODY
# check CONTENDER SHAPE VARIANT PIN: one connection for 2 s with every response inspected (status 200, no
# "errors"), the first body kept and compared, the simulator's counters checked against the expected calls.
check() {
	local contender=$1 shape=$2 variant=$3 pin=$4 json="$WORK/check-$3-$1-$2.json" body="$WORK/body-$3-$1-$2.json"
	local req bad errs total k units per jqok
	sim_reset
	run_wrk "$contender" "$shape" "$json" "$pin" 1 1 2 BENCH_CHECK=1 BENCH_CHECK_BODY="$body"
	total=$(sim_total)
	read -r req bad errs < <(jq -r '[.requests, .check_bad, (.errors | add)] | @tsv' "$json")
	[ "$req" -gt 0 ] || die "check $contender $shape: no request completed"
	if [ "$bad" != 0 ] || [ "$errs" != 0 ]; then
		die "check $contender $shape: $bad bad bodies, $errs wrk errors (body: $body)"
	fi
	# S3 and S4 draw rooms at random, and some rooms have no sessions: there an empty list is the right answer.
	if [ "$contender" = rest ]; then
		case "$shape" in
		S1 | S2) jqok=$(jq '.data | type == "array" and length > 0' "$body") ;;
		*) jqok=$(jq '.data | type == "array"' "$body") ;;
		esac
	else
		case "$shape" in
		S2) jqok=$(jq '(.errors == null) and (.data.rooms.nodes | length == 10)
			and all(.data.rooms.nodes[]; .sessions.nodes | type == "array")
			and ([.data.rooms.nodes[].sessions.nodes[]] | length > 0)' "$body") ;;
		S1) jqok=$(jq '(.errors == null) and (.data.room.sessions.nodes | length == 25)
			and all(.data.room.sessions.nodes[]; .participants | type == "array")' "$body") ;;
		*) jqok=$(jq '(.errors == null) and (.data.room.sessions.nodes | type == "array")
			and all(.data.room.sessions.nodes[]; .participants | type == "array")' "$body") ;;
		esac
	fi
	[ "$jqok" = true ] || die "check $contender $shape: unexpected body ($body)"
	# S1 and S2 ask for the same data every time: every gateway must answer the same JSON.
	if [ "$contender" != rest ] && { [ "$shape" = S1 ] || [ "$shape" = S2 ]; }; then
		jq -S -c . "$body" >"$body.canon"
		local refkey=$variant-$shape
		if [ -z "${REF_BODY[$refkey]:-}" ]; then
			REF_BODY[$refkey]=$contender:$body.canon
		elif ! cmp -s "${REF_BODY[$refkey]#*:}" "$body.canon"; then
			die "check $contender $shape: body differs from ${REF_BODY[$refkey]%%:*}'s ($body)"
		fi
	fi
	# One connection, so one request at a time: the total is req*k, plus k for the request wrk cut off (and
	# we allow k more for a stray retry). Still exact enough: k+1 calls per request would exceed it.
	k=$(expected_calls "$shape")
	[ "$req" -gt $((2 * k + 2)) ] || die "check $contender $shape: too few requests ($req) to count calls"
	if [ "$contender" = rest ]; then
		units=$(jq -r '.requests / .calls_per_unit' "$json")
		if [ "$total" -lt "$req" ] || [ "$total" -gt $((req + 2)) ]; then
			die "check rest $shape: $total upstream calls for $req HTTP requests"
		fi
	else
		units=$req
		if [ "$total" -lt $((req * k)) ] || [ "$total" -gt $(((req + 2) * k)) ]; then
			die "check $contender $shape: $total upstream calls for $req requests, expected $k each"
		fi
	fi
	per=$(awk -v t="$total" -v u="$units" 'BEGIN { printf "%.2f", t / u }')
	CHECKED[$variant-$contender-$shape]=$per
	log "check ok: $variant $contender $shape: $req requests, $per upstream calls each (expected $k), body ok"
}

# ---- measurement ---------------------------------------------------------------------------------------------------

RUNS_TSV=$WORK/runs.tsv
printf 'variant\tcontender\tshape\tconnections\trun\trps\tp50_ms\tp99_ms\tupstream_per_req\tgw_cpu_s\tgw_cpu_us_per_req\tsim_cpu_s\tgw_peak_rss_mib\terrors\n' >"$RUNS_TSV"

# measure CONTENDER SHAPE VARIANT LOADPIN CONNS: warm-up, then the measured runs, one line each in runs.tsv.
# wrk threads: --threads, at most one per connection.
measure() {
	local contender=$1 shape=$2 variant=$3 loadpin=$4 conns=$5 run json threads=$THREADS
	local gw0=0 gw1=0 sim0 sim1 total rss="" line
	[ "$threads" -le "$conns" ] || threads=$conns
	if [ "$WARMUP" -gt 0 ]; then
		log "warm-up: $variant $contender $shape c$conns (${WARMUP}s)"
		run_wrk "$contender" "$shape" "$WORK/warmup-$variant-$contender-$shape-c$conns.json" "$loadpin" "$conns" "$threads" "$WARMUP"
	fi
	for run in $(seq "$RUNS"); do
		json="$WORK/run-$variant-$contender-$shape-c$conns-$run.json"
		sim_reset
		if [ "$contender" != rest ]; then
			reset_peak "$GW_PID"
			gw0=$(cpu_ticks "$GW_PID")
		fi
		sim0=$(cpu_ticks "$SIM_PID")
		run_wrk "$contender" "$shape" "$json" "$loadpin" "$conns" "$threads" "$DURATION"
		sim1=$(cpu_ticks "$SIM_PID")
		if [ "$contender" != rest ]; then
			gw1=$(cpu_ticks "$GW_PID")
			rss=$(peak_rss_kb "$GW_PID")
		fi
		total=$(sim_total)
		line=$(jq -r --arg v "$variant" --arg c "$contender" --arg s "$shape" --argjson n "$conns" --argjson run "$run" \
			--argjson total "$total" --argjson gw "$((gw1 - gw0))" --argjson sim "$((sim1 - sim0))" \
			--argjson hz "$CLK_TCK" --arg rss "$rss" --arg rest "$([ "$contender" = rest ] && echo 1)" '
			(.requests / .calls_per_unit) as $units
			| [$v, $c, $s, $n, $run,
			   ($units / (.duration_us / 1e6) | . * 10 | round / 10),
			   (.latency_us.p50 / 1000), (.latency_us.p99 / 1000),
			   (if $units > 0 then ($total / $units * 100 | round / 100) else "" end),
			   (if $rest == "1" then "" else $gw / $hz end),
			   (if $rest == "1" or $units == 0 then "" else ($gw / $hz / $units * 1e6 | round) end),
			   ($sim / $hz),
			   (if $rss == "" then "" else ($rss | tonumber / 1024 | . * 10 | round / 10) end),
			   (.errors | add)]
			| @tsv' "$json")
		printf '%s\n' "$line" >>"$RUNS_TSV"
		cut -d' ' -f1 /proc/loadavg >>"$WORK/loadavg.txt"
		log "run $run/$RUNS: $(cut -f2-14 <<<"$line" | tr '\t' ' ')"
	done
}

# ---- soak ------------------------------------------------------------------------------------------------------------

soak() {
	local contender=${CONTENDER_LIST[0]} shape=${SHAPE_LIST[0]} auth=key pin="" conns
	[ "$contender" != rest ] || die "--soak needs a gateway contender"
	[ "$shape" = S4 ] && auth=forward
	conns=$((RATE / 10))
	[ "$conns" -ge 4 ] || conns=4
	[ "$conns" -le 64 ] || conns=64
	start_sim ""
	room_ids "$K1" "$ROOMS_K1"
	room_ids "$K2" "$ROOMS_K2"
	ROOM_S1=$(busiest_room "$K1" "$ROOMS_K1")
	start_gateway "$contender" "$auth" "" "soak-$contender"
	check "$contender" "$shape" soak ""
	local samples="$WORK/soak-rss.tsv" json="$WORK/soak.json" t=0 wrk_pid
	printf 'seconds\trss_mib\n' >"$samples"
	log "soak: $contender $shape at $RATE req/s for ${SOAK}s ($conns connections), RSS every 10 s"
	sim_reset
	run_wrk "$contender" "$shape" "$json" "" "$conns" 1 "$SOAK" BENCH_RATE="$RATE" BENCH_CONNECTIONS="$conns" &
	wrk_pid=$!
	while kill -0 "$wrk_pid" 2>/dev/null; do
		printf '%d\t%s\n' "$t" "$(awk -v k="$(rss_kb "$GW_PID")" 'BEGIN { printf "%.1f", k / 1024 }')" >>"$samples"
		sleep 10 & wait $! || true
		t=$((t + 10))
	done
	wait "$wrk_pid" || die "soak wrk failed"
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# Soak: $contender, $shape, $RATE req/s, ${SOAK}s"
		echo
		echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $NPROC CPUs, $(cpu_model); command: \`bench/run.sh $ARGS\`"
		jq -r '"- Requests: \(.requests) (\(.requests / (.duration_us / 1e6) | round) req/s), errors: \(.errors | add), p50 \(.latency_us.p50 / 1000) ms, p99 \(.latency_us.p99 / 1000) ms, max \(.latency_us.max / 1000) ms"' "$json"
		awk -F'\t' 'NR > 1 { n++; if (n == 1) first = $2; last = $2; if ($2 > max) max = $2 }
			END { printf "- RSS (MiB): first %s, last %s, max %s over %d samples\n", first, last, max, n }' "$samples"
		echo
		echo "| seconds | RSS MiB |"
		echo "|---:|---:|"
		awk -F'\t' 'NR > 1 { printf "| %s | %s |\n", $1, $2 }' "$samples"
	} >"$OUT"
	log "soak report: $OUT"
}

cpu_model() { awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo; }

# ---- report ---------------------------------------------------------------------------------------------------------

median() { # values on stdin, one a line (blank lines ignored)
	{ grep -v '^$' || true; } | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print ""; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
column_of() { # VARIANT CONTENDER SHAPE COLUMN-NUMBER [CONNECTIONS]
	awk -F'\t' -v v="$1" -v c="$2" -v s="$3" -v col="$4" -v n="${5:-}" \
		'NR > 1 && $1 == v && $2 == c && $3 == s && (n == "" || $4 == n) { print $col }' "$RUNS_TSV"
}
fmt() { # NUMBER DECIMALS: "—" when empty
	if [ -z "$1" ]; then echo "—"; else awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f\n", d, x }'; fi
}

versions() {
	local hive="not run"
	[ "$need_hive" = 1 ] && hive="$HIVE_VERSION (npm ${HIVE_PACKAGES[*]}; node $(node --version))"
	echo "$(go version | awk '{print $3}'); roomgraph $GIT_DESC; Tailcall $([ "$need_tailcall" = 1 ] && "$TC_BIN" --version | awk '{print $2}' || echo 'not run') (npm @tailcallhq/core-linux-x64-gnu@$TC_VERSION); Hive Gateway $hive; $(wrk -v 2>&1 | awk 'NR == 1 {print $1, $2}')"
}

report() {
	local variant shape contender rps p50 p99 up gwcpu gwus simcpu rss errs ratio rg_rps label
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# roomgraph vs Tailcall v$TC_VERSION vs direct REST (bench/run.sh)"
		echo
		echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "- Machine: $NPROC CPUs ($(cpu_model)), $(uname -sr), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
		echo "- Versions: $(versions)"
		echo "- Load: wrk -t$THREADS -c$CONNS, ${DURATION}s per run, warm-up ${WARMUP}s, median of $RUNS runs; simulator: $ROOMS rooms per key, $SESSIONS sessions per room (average), up to $PARTICIPANTS participants per session, seed 1"
		echo "- Command: \`bench/run.sh $ARGS\`"
		echo
		echo "Shapes: S1 one room's 25 sessions with participants (same room every request); S2 10 rooms with 5"
		echo "sessions each (1 + 10 upstream calls); S3 S1 with a random room per request; S4 S3 with two API keys"
		echo "taking turns (forward mode). \"checked calls/req\" is the simulator's count per request with one"
		echo "connection (the check before measuring); \"upstream calls/req\" is the same under load (dedupe lowers it)."
		echo "REST rows: wrk calling the simulator directly for the same upstream requests; for S2 one request = the"
		echo "11 calls made one after another on one connection, and p50/p99 are per HTTP call."
		echo "Compare ratios within one table: absolute numbers move with the machine's load (bench/README.md)."
		for variant in "${VARIANTS[@]}"; do
			echo
			if [ "$variant" = shared ]; then
				echo "## Shared CPUs (no pinning: gateway, simulator and wrk on all $NPROC CPUs)"
			else
				echo "## Pinned (gateway on CPU 0 with taskset -c 0; wrk and the simulator on CPU 1)"
			fi
			echo
			echo "| shape | contender | req/s | vs roomgraph | p50 ms | p99 ms | checked calls/req | upstream calls/req | gateway CPU s | gateway CPU µs/req | simulator CPU s | gateway peak RSS MiB | errors |"
			echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
			for shape in "${SHAPE_LIST[@]}"; do
				rg_rps=$(column_of "$variant" roomgraph "$shape" 6 | median)
				for contender in "${CONTENDER_LIST[@]}"; do
					rps=$(column_of "$variant" "$contender" "$shape" 6 | median)
					[ -n "$rps" ] || continue
					p50=$(column_of "$variant" "$contender" "$shape" 7 | median)
					p99=$(column_of "$variant" "$contender" "$shape" 8 | median)
					up=$(column_of "$variant" "$contender" "$shape" 9 | median)
					gwcpu=$(column_of "$variant" "$contender" "$shape" 10 | median)
					gwus=$(column_of "$variant" "$contender" "$shape" 11 | median)
					simcpu=$(column_of "$variant" "$contender" "$shape" 12 | median)
					rss=$(column_of "$variant" "$contender" "$shape" 13 | sort -g | tail -1)
					errs=$(column_of "$variant" "$contender" "$shape" 14 | awk '{ s += $1 } END { print s + 0 }')
					ratio=—
					[ -n "$rg_rps" ] && ratio=$(awk -v a="$rps" -v b="$rg_rps" 'BEGIN { printf "%.2f×", a / b }')
					label=$contender
					[ "$shape" = S4 ] && [ "$contender" != rest ] && label="$contender (forward)"
					echo "| $shape | $label | $(fmt "$rps" 0) | $ratio | $(fmt "$p50" 2) | $(fmt "$p99" 2) | ${CHECKED[$variant-$contender-$shape]:-—} | $(fmt "$up" 2) | $(fmt "$gwcpu" 2) | $(fmt "$gwus" 0) | $(fmt "$simcpu" 2) | $(fmt "$rss" 1) | $errs |"
				done
			done
		done
		echo
		echo "<details><summary>Every measured run</summary>"
		echo
		echo "| variant | contender | shape | connections | run | req/s | p50 ms | p99 ms | upstream calls/req | gateway CPU s | gateway CPU µs/req | simulator CPU s | gateway peak RSS MiB | errors |"
		echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		awk -F'\t' 'NR > 1 { line = "|"; for (i = 1; i <= NF; i++) line = line " " ($i == "" ? "—" : $i) " |"; print line }' "$RUNS_TSV"
		echo
		echo "</details>"
	} >"$OUT"
}

# ---- sweep report -------------------------------------------------------------------------------------------------

# sweep_points: the median of each point (variant, contender, shape, connections) as TSV: rps p50 p99 and the peak
# RSS (maximum over the runs), in the order of the runs.
sweep_points() {
	awk -F'\t' 'NR > 1 { k = $1 "\t" $2 "\t" $3 "\t" $4; if (!(k in seen)) { seen[k] = 1; print k } }' "$RUNS_TSV" |
		while IFS=$'\t' read -r v c s n; do
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$c" "$s" "$n" \
				"$(column_of "$v" "$c" "$s" 6 "$n" | median)" "$(column_of "$v" "$c" "$s" 7 "$n" | median)" \
				"$(column_of "$v" "$c" "$s" 8 "$n" | median)" "$(column_of "$v" "$c" "$s" 13 "$n" | sort -g | tail -1)"
		done
}

# sweep_targets POINTS VARIANT: issue 21's targets over the medians of one variant, one Markdown bullet each.
sweep_targets() {
	awk -F'\t' -v variant="$2" '
	$1 == variant { k = $3 " c" $4; rps[$2, k] = $5; p99[$2, k] = $7; rss[$2, $3] = ($8 > rss[$2, $3] ? $8 : rss[$2, $3])
		if ($2 == "roomgraph") { order[++n] = k; shape[k] = $3; conns[k] = $4 } }
	function pct(a, b) { return sprintf("%.0f", (a / b - 1) * 100) }
	END {
		if (n == 0) exit
		# 1. roomgraph req/s >= Tailcall and p99 <= Tailcall at every point.
		if (("tailcall", order[1]) in rps) {
			met = 0; miss = ""
			for (i = 1; i <= n; i++) { k = order[i]
				ok = rps["roomgraph", k] >= rps["tailcall", k] && p99["roomgraph", k] <= p99["tailcall", k]
				if (ok) met++
				else miss = miss sprintf("%s%s: %.0f vs %.0f req/s, p99 %.2f vs %.2f ms", (miss == "" ? "" : "; "), k,
					rps["roomgraph", k], rps["tailcall", k], p99["roomgraph", k], p99["tailcall", k])
			}
			printf "- **req/s ≥ Tailcall and p99 ≤ Tailcall at every point: %s** (%d of %d points)%s\n",
				(met == n ? "met" : "missed"), met, n, (miss == "" ? "" : ". Missed at " miss ".")
		}
		# 2. roomgraph req/s >= 3 x Hive Gateway at every point.
		if (("hive", order[1]) in rps) {
			met = 0; miss = ""; cnt = 0
			for (i = 1; i <= n; i++) { k = order[i]
				if (!(("hive", k) in rps)) continue
				cnt++
				r = rps["roomgraph", k] / rps["hive", k]
				if (r >= 3) met++
				else miss = miss sprintf("%s%s: %.2f× (%.0f vs %.0f req/s)", (miss == "" ? "" : "; "), k, r, rps["roomgraph", k], rps["hive", k])
			}
			printf "- **req/s ≥ 3 × Hive Gateway at every point: %s** (%d of %d points)%s\n",
				(met == cnt ? "met" : "missed"), met, cnt, (miss == "" ? "" : ". Missed at " miss ".")
		}
		# 3. S1 >= 0.5 x direct REST at 32 and 128 connections.
		line = ""; met = 0; cnt = 0
		for (i = 1; i <= n; i++) { k = order[i]
			if (shape[k] != "S1" || (conns[k] != 32 && conns[k] != 128) || !(("rest", k) in rps)) continue
			cnt++; r = rps["roomgraph", k] / rps["rest", k]; if (r >= 0.5) met++
			line = line sprintf("%s%s %.2f× (%.0f vs %.0f req/s)", (line == "" ? "" : ", "), k, r, rps["roomgraph", k], rps["rest", k])
		}
		if (cnt > 0) printf "- **S1 ≥ 0.5 × direct REST at 32 and 128 connections: %s**: %s\n", (met == cnt ? "met" : "missed"), line
		# 4. peak RSS <= 48 MB (45.8 MiB) on every shape.
		line = ""; met = 0; cnt = 0
		for (i = 1; i <= n; i++) { s = shape[order[i]]; if (s in done) continue; done[s] = 1
			cnt++; v = rss["roomgraph", s]; if (v * 1048576 <= 48e6) met++
			line = line sprintf("%s%s %.1f MiB (%.1f MB)", (line == "" ? "" : ", "), s, v, v * 1048576 / 1e6)
		}
		printf "- **peak RSS ≤ 48 MB on every shape: %s**: %s (the maximum over the points)\n", (met == cnt ? "met" : "missed"), line
	}' "$1"
}

# sweep_body IMGDIR: the sweep's Markdown (no title), the plots referenced under IMGDIR.
sweep_body() {
	local points="$WORK/points.tsv" variant shape n c cols sep load
	load=$(sort -g "$WORK/loadavg.txt" | awk '{ v[NR] = $1 } END { if (NR) printf "%s (median %s, max %s)", v[1], v[int((NR + 1) / 2)], v[NR] }')
	echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); machine: $NPROC CPUs ($(cpu_model)), $(uname -sr); load average (1 min) after each run: min $load"
	echo "- Versions: $(versions)"
	echo "- Load: wrk ${DURATION}s per run, warm-up ${WARMUP}s, median of $RUNS run(s) per point, -t$THREADS (at most one thread per connection), connections ${CONN_LIST[*]}; command: \`bench/run.sh $ARGS\`"
	echo
	echo "Cells: req/s, then p50 / p99 latency in ms (wrk's histogram); RSS is roomgraph's peak (VmHWM, MiB)."
	echo "REST: wrk calling the simulator directly (S2: 11 calls in a row = one request, latencies per call)."
	for variant in "${VARIANTS[@]}"; do
		echo
		if [ "$variant" = shared ]; then
			echo "### Shared CPUs (gateway, simulator and wrk on all $NPROC CPUs)"
		else
			echo "### Pinned (gateway on CPU 0 with taskset -c 0; wrk and the simulator on CPU 1)"
		fi
		echo
		echo "![req/s and p99 against connections, $variant]($1sweep-$variant.svg)"
		echo
		cols="| shape | conns |" sep="|---|---:|"
		for c in "${CONTENDER_LIST[@]}"; do cols="$cols $c |"; sep="$sep---:|"; done
		echo "$cols roomgraph RSS |"
		echo "$sep---:|"
		for shape in "${SHAPE_LIST[@]}"; do
			for n in "${CONN_LIST[@]}"; do
				awk -F'\t' -v v="$variant" -v s="$shape" -v n="$n" -v list="${CONTENDER_LIST[*]}" '
					$1 == v && $3 == s && $4 == n { cell[$2] = sprintf("%.0f — %.2f / %.2f", $5, $6, $7); if ($2 == "roomgraph") rss = $8 }
					END { m = split(list, cs, " "); line = "| " s " | " n " |"
						for (i = 1; i <= m; i++) line = line " " ((cs[i] in cell) ? cell[cs[i]] : "—") " |"
						print line " " (rss == "" ? "—" : rss) " |" }' "$points"
			done
		done
		echo
		echo "Targets of issue 21, $variant:"
		echo
		sweep_targets "$points" "$variant"
	done
}

report_sweep() {
	local variant svgdir
	svgdir=$(dirname "$OUT")
	mkdir -p "$svgdir"
	sweep_points >"$WORK/points.tsv"
	timeout 600 go build -o "$WORK/plot" ./bench/plot || die "go build ./bench/plot"
	for variant in "${VARIANTS[@]}"; do
		"$WORK/plot" -in "$RUNS_TSV" -variant "$variant" -o "$svgdir/sweep-$variant.svg" \
			-title "roomgraph vs Tailcall vs Hive Gateway vs REST, $variant CPUs" || die "bench/plot $variant"
	done
	# Rendered once (versions, date and load asked once), the plots' folder left as a placeholder: the report
	# references them beside it, BENCHMARKS.md from the repository's root.
	sweep_body "@IMGDIR@" >"$WORK/sweep-body.tmpl"
	{
		echo "# Concurrency sweep: roomgraph vs Tailcall v$TC_VERSION vs Hive Gateway vs direct REST (bench/run.sh --sweep)"
		echo
		sed 's|@IMGDIR@||' "$WORK/sweep-body.tmpl"
	} >"$OUT"
	# BENCHMARKS.md keeps the latest sweep between its markers (only for the default output path).
	if [ "$OUT_DEFAULT" = 1 ] && grep -q '^<!-- sweep:begin -->$' "$ROOT/BENCHMARKS.md"; then
		local rel=${svgdir#"$ROOT"/}
		sed "s|@IMGDIR@|$rel/|" "$WORK/sweep-body.tmpl" >"$WORK/sweep-body.md"
		awk -v body="$WORK/sweep-body.md" '
			/^<!-- sweep:begin -->$/ { print; print ""; while ((getline l < body) > 0) print l; print ""; skip = 1; next }
			/^<!-- sweep:end -->$/ { skip = 0 }
			!skip { print }' "$ROOT/BENCHMARKS.md" >"$WORK/BENCHMARKS.md" && cp "$WORK/BENCHMARKS.md" "$ROOT/BENCHMARKS.md"
		log "BENCHMARKS.md: the sweep block is updated"
	fi
}

# ---- main ---------------------------------------------------------------------------------------------------------------

if [ "$SOAK" -gt 0 ]; then
	soak
	STATUS=0
	exit 0
fi

for variant in "${VARIANTS[@]}"; do
	GWPIN="" LOADPIN=""
	if [ "$variant" = pinned ]; then GWPIN="taskset -c 0" LOADPIN="taskset -c 1"; fi
	log "== variant $variant"
	start_sim "$LOADPIN"
	room_ids "$K1" "$ROOMS_K1"
	room_ids "$K2" "$ROOMS_K2"
	ROOM_S1=$(busiest_room "$K1" "$ROOMS_K1")
	for contender in "${CONTENDER_LIST[@]}"; do
		for auth in key forward; do
			shapes=()
			for shape in "${SHAPE_LIST[@]}"; do
				if [ "$shape" = S4 ]; then [ "$auth" = forward ] && shapes+=("$shape"); else [ "$auth" = key ] && shapes+=("$shape"); fi
			done
			[ ${#shapes[@]} -gt 0 ] || continue
			for shape in "${shapes[@]}"; do
				# A fresh gateway per shape: a slow contender still works through the requests wrk cut off at
				# the end of the previous shape's last (largest) run, which would count as this shape's upstream
				# calls; and the peak RSS of a shape is then its own, not what the previous shape left resident.
				GW_PID=""
				if [ "$contender" != rest ]; then
					start_gateway "$contender" "$auth" "$GWPIN" "$variant-$contender-$auth-$shape"
					log "$contender ($auth mode) started for $shape, pid $GW_PID"
				fi
				check "$contender" "$shape" "$variant" "$LOADPIN"
				for conns in "${CONN_LIST[@]}"; do
					measure "$contender" "$shape" "$variant" "$LOADPIN" "$conns"
				done
				[ -z "$GW_PID" ] || stop_pid "$GW_PID"
			done
		done
	done
	stop_pid "$SIM_PID"
done

if [ "$SWEEP" = 1 ]; then
	report_sweep
else
	report
fi
cp "$RUNS_TSV" "${OUT%.md}.tsv"
log "report: $OUT (every run: ${OUT%.md}.tsv)"
cat "$OUT"
STATUS=0
