#!/usr/bin/env bash
# Two replicas of the workbench behind HAProxy, all on loopback:
#
#   http://127.0.0.1:8600  HAProxy (deploy/haproxy.cfg), sticky by the WBREPLICA cookie
#   127.0.0.1:8601, :8602  streamlit run app.py, from the repository's .venv
#
# Usage: deploy/run_local.sh            (Ctrl-C stops all three processes)
#
# Environment:
#   WB_PROXY_PORT   port of the proxy            (default 8600)
#   WB_APP_PORTS    ports of the two replicas    (default "8601 8602")
#   WB_BIND         address everything binds to  (default 127.0.0.1)
#   WORKBENCH_MEMORY_BUDGET, WORKBENCH_IDLE_EXPIRY, WORKBENCH_WORKERS and every
#   other variable reach the replicas unchanged (each replica has its own budget).
#
# Needs haproxy on the path (Debian: apt-get install haproxy) and .venv set up
# (make run, once). Logs go to a temporary folder, printed at start; it is kept.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

PROXY_PORT="${WB_PROXY_PORT:-8600}"
read -r -a APP_PORTS <<<"${WB_APP_PORTS:-8601 8602}"
BIND="${WB_BIND:-127.0.0.1}"
PYTHON="$REPO/.venv/bin/python"
STARTUP_TIMEOUT_S=90

die() {
    echo "run_local: $*" >&2
    exit 1
}

[[ ${#APP_PORTS[@]} -eq 2 ]] || die "WB_APP_PORTS must name two ports (deploy/haproxy.cfg has two servers)"
[[ -x "$PYTHON" ]] || die "no $PYTHON: set up the virtual environment first (make run)"
command -v haproxy >/dev/null || die "haproxy is not installed (Debian: apt-get install haproxy)"

listening() { (exec 3<>"/dev/tcp/$BIND/$1") 2>/dev/null; }
for port in "$PROXY_PORT" "${APP_PORTS[@]}"; do
    if listening "$port"; then
        die "port $port on $BIND is already in use"
    fi
done

LOGS="$(mktemp -d -t workbench-replicas.XXXXXX)"
PIDS=()
NAMES=()

cleanup() {
    trap - EXIT INT TERM
    local i pid
    for i in "${!PIDS[@]}"; do
        pid="${PIDS[$i]}"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "${PIDS[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        [[ $alive -eq 0 ]] && break
        sleep 0.2
    done
    for i in "${!PIDS[@]}"; do
        pid="${PIDS[$i]}"
        if kill -0 "$pid" 2>/dev/null; then
            echo "run_local: ${NAMES[$i]} (pid $pid) did not stop, killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    echo "run_local: stopped (logs in $LOGS)"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() {
    local name="$1"
    shift
    "$@" >"$LOGS/$name.log" 2>&1 &
    PIDS+=("$!")
    NAMES+=("$name")
    echo "run_local: started $name (pid $!), log $LOGS/$name.log"
}

for i in 0 1; do
    start "app$((i + 1))" "$PYTHON" serve.py app.py \
        --server.address "$BIND" --server.port "${APP_PORTS[$i]}" --server.headless true
done
WB_LISTEN="$BIND:$PROXY_PORT" \
    WB_REPLICA1="$BIND:${APP_PORTS[0]}" \
    WB_REPLICA2="$BIND:${APP_PORTS[1]}" \
    start haproxy haproxy -db -f "$REPO/deploy/haproxy.cfg"

healthy() { curl --silent --fail --max-time 2 --output /dev/null "http://$BIND:$1/_stcore/health"; }
# Through the proxy, with the cookie of one replica: answered by that replica
# only once the proxy's health check has marked it up.
in_rotation() {
    curl --silent --fail --max-time 2 --output /dev/null --dump-header - \
        --cookie "WBREPLICA=$1" "http://$BIND:$PROXY_PORT/_stcore/health" |
        grep -qi "^x-workbench-replica: $1"
}

fail_if_exited() {
    local i
    for i in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
            tail -n 20 "$LOGS/${NAMES[$i]}.log" >&2 || true
            die "${NAMES[$i]} exited during start-up"
        fi
    done
}

deadline=$((SECONDS + STARTUP_TIMEOUT_S))
for port in "${APP_PORTS[@]}" "$PROXY_PORT"; do
    until healthy "$port"; do
        fail_if_exited
        ((SECONDS < deadline)) || die "port $port not healthy after ${STARTUP_TIMEOUT_S} s (logs in $LOGS)"
        sleep 0.5
    done
done
for name in app1 app2; do
    until in_rotation "$name"; do
        fail_if_exited
        ((SECONDS < deadline)) || die "the proxy did not take $name into rotation (logs in $LOGS)"
        sleep 0.5
    done
done

echo "run_local: ready at http://$BIND:$PROXY_PORT (replicas on ports ${APP_PORTS[*]}; Ctrl-C stops)"

# Runs until the proxy stops or this script is interrupted. A replica that dies
# is taken out by the proxy's health check; its browsers move to the other one.
wait "${PIDS[-1]}"
