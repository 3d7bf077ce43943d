# A 3-node RabbitMQ cluster on this machine, for the cluster tests and the chaos run.
# Sourced by scripts/services.sh (`services.sh cluster ...`), which provides STATE, log, die and
# record_start. Node N is exchanger-cN@localhost (RABBITMQ_CLUSTER_PREFIX renames them), with
# AMQP on RABBITMQ_CLUSTER_PORT+N-1 (5681..5683), management on that +10000 (15681..) and Erlang
# distribution on that +20000 (25681..); its config, Mnesia data, logs and pid file live in
# $STATE/cluster/nodeN. Everything listens on loopback.
#
# The nodes run as the calling user (root in CI), straight from the package's scripts: Debian's
# wrappers in /usr/sbin switch to the rabbitmq user as root and refuse anyone else, and that
# user could neither read our cookie nor write our state folder. The three share one Erlang
# cookie through one HOME ($STATE/cluster/home/.erlang.cookie), which our rabbitmqctl calls use
# too; RABBITMQ_ERLANG_COOKIE is deprecated in 3.10.

CLUSTER_DIR=$STATE/cluster
CLUSTER_SIZE=3
CLUSTER_PORT=${RABBITMQ_CLUSTER_PORT:-5681}
# Node names are unique per machine: a second cluster (another user or checkout) needs its own.
CLUSTER_PREFIX=${RABBITMQ_CLUSTER_PREFIX:-exchanger-c}
RABBIT_BIN=${RABBITMQ_BIN_DIR:-/usr/lib/rabbitmq/bin}
CLUSTER_WAIT_S=${RABBITMQ_CLUSTER_WAIT_S:-180}

c_node() { echo "$CLUSTER_PREFIX$1@localhost"; }
c_port() { echo $((CLUSTER_PORT + $1 - 1)); }
c_dir() { echo "$CLUSTER_DIR/node$1"; }
c_ctl() { local n=$1; shift; HOME=$CLUSTER_DIR/home "$RABBIT_BIN/rabbitmqctl" -q -n "$(c_node "$n")" "$@"; }
# The rabbit application runs (a node whose VM is up but app stopped does not count).
c_up() { HOME=$CLUSTER_DIR/home "$RABBIT_BIN/rabbitmq-diagnostics" -q -n "$(c_node "$1")" check_running >/dev/null 2>&1; }
c_pid() { c_ctl "$1" eval 'os:getpid().' 2>/dev/null | tr -dc '0-9'; }

# The nodes node N sees running, one per line (nothing when N does not answer).
c_running() {
  c_ctl "$1" cluster_status --formatter json 2>/dev/null \
    | sed -n 's/.*"running_nodes":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' '\n'
}

# Node N is a member in node 1's view (disk nodes, running or not).
c_member() {
  c_ctl 1 cluster_status --formatter json 2>/dev/null \
    | sed -n 's/.*"disk_nodes":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' '\n' | grep -qx "$(c_node "$1")"
}

c_urls() {
  local n urls=""
  for n in $(seq 1 "$CLUSTER_SIZE"); do urls+="${urls:+,}amqp://guest:guest@127.0.0.1:$(c_port "$n")/%2F"; done
  echo "$urls"
}

c_prepare() {
  mkdir -p "$CLUSTER_DIR/home"
  chmod 700 "$CLUSTER_DIR/home"
  if [ ! -s "$CLUSTER_DIR/home/.erlang.cookie" ]; then
    (umask 077 && od -An -N20 -tx1 /dev/urandom | tr -d ' \n' >"$CLUSTER_DIR/home/.erlang.cookie")
  fi
  chmod 400 "$CLUSTER_DIR/home/.erlang.cookie"
  echo "[rabbitmq_management]." >"$CLUSTER_DIR/enabled_plugins"
}

# Launch node N's VM in the background (no waiting).
c_launch() {
  local n=$1 d port
  d=$(c_dir "$n")
  port=$(c_port "$n")
  # Its VM runs but not the application (a join that failed half-way): start just that.
  if c_ctl "$n" ping >/dev/null 2>&1; then
    log "cluster node $n runs with its application stopped: starting it"
    c_ctl "$n" start_app >/dev/null
    return 0
  fi
  # Registered but not answering us: a node of that name runs with another cookie.
  if epmd -names 2>/dev/null | grep -q "^name $CLUSTER_PREFIX$n at "; then
    die "a node named $(c_node "$n") already runs for another user or state folder; set RABBITMQ_CLUSTER_PREFIX (and RABBITMQ_CLUSTER_PORT)"
  fi
  mkdir -p "$d/mnesia" "$d/log"
  cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
management.tcp.ip = 127.0.0.1
management.tcp.port = $((port + 10000))
loopback_users.guest = true
CONF
  # Every path is the node's own: the package defaults (/var/lib/rabbitmq, /etc/rabbitmq)
  # belong to the system's broker. The distribution port is bound to loopback too.
  HOME=$CLUSTER_DIR/home RABBITMQ_NODENAME=$(c_node "$n") RABBITMQ_DIST_PORT=$((port + 20000)) \
    RABBITMQ_CONFIG_FILE=$d/rabbitmq RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config \
    RABBITMQ_CONF_ENV_FILE=$d/rabbitmq-env.conf RABBITMQ_ENABLED_PLUGINS_FILE=$CLUSTER_DIR/enabled_plugins \
    RABBITMQ_MNESIA_BASE=$d RABBITMQ_MNESIA_DIR=$d/mnesia RABBITMQ_LOG_BASE=$d/log \
    RABBITMQ_PID_FILE=$d/rabbitmq.pid ERL_CRASH_DUMP=$d/erl_crash.dump \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    nohup "$RABBIT_BIN/rabbitmq-server" >"$d/stdout.log" 2>&1 </dev/null &
  echo $! >"$d/launch.pid"
}

# Wait until node N's application runs; fail with its log when the VM exits or time is up.
c_await() {
  local n=$1 d deadline
  d=$(c_dir "$n")
  deadline=$((SECONDS + CLUSTER_WAIT_S))
  until c_up "$n"; do
    if ! kill -0 "$(cat "$d/launch.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
      tail -20 "$d/stdout.log" >&2
      die "cluster node $n exited during start-up; logs: $d/stdout.log, $d/log"
    fi
    [ $SECONDS -lt $deadline ] || die "cluster node $n did not start within ${CLUSTER_WAIT_S} s; logs: $d/log"
    sleep 1
  done
}

# Join node N (N > 1) to node 1 unless node 1 already counts it as a member. join_cluster
# resets the joining node, which is only ever one that is not part of the cluster (a fresh
# one), so no data is lost. The CLI's chatter goes to join.log.
c_join() {
  local n=$1
  c_member "$n" && return 0
  log "cluster: node $n joins $(c_node 1)"
  { c_ctl "$n" stop_app && c_ctl "$n" join_cluster "$(c_node 1)" && c_ctl "$n" start_app; } \
    >>"$CLUSTER_DIR/join.log" 2>&1 || die "node $n could not join the cluster; see $CLUSTER_DIR/join.log"
}

# Node M sees every node in NODES... running.
c_sees() {
  local view n
  view=$(c_running "$1")
  shift
  for n in "$@"; do grep -qx "$(c_node "$n")" <<<"$view" || return 1; done
}

c_await_view() {
  local m=$1 deadline=$((SECONDS + CLUSTER_WAIT_S))
  shift
  until c_sees "$m" "$@"; do
    [ $SECONDS -lt $deadline ] || die "node $m does not see cluster nodes $* running after ${CLUSTER_WAIT_S} s"
    sleep 1
  done
}

c_pids() {
  local n pids=""
  for n in $(seq 1 "$CLUSTER_SIZE"); do pids+="${pids:+,}$(c_pid "$n")"; done
  echo "$pids"
}

cluster_start() {
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || need_root_apt
  c_prepare
  local n t0 started=()
  t0=$(date +%s.%N)
  # Launch every stopped node at once: a node restarting from its data waits for the peer
  # that stopped last, so starting them one after another could stall.
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    c_up "$n" && continue
    c_launch "$n"
    started+=("$n")
  done
  for n in "${started[@]}"; do c_await "$n"; done
  for n in $(seq 2 "$CLUSTER_SIZE"); do c_join "$n"; done
  c_await_view 1 $(seq 1 "$CLUSTER_SIZE")
  if [ ${#started[@]} -gt 0 ]; then
    record_start rabbitmq-cluster "$t0" "$(c_pids)"
  else
    log "rabbitmq cluster already running"
  fi
  echo "RABBITMQ_URL=$(c_urls)"
}

cluster_stop_node() {
  local n=$1
  if c_ctl "$n" ping >/dev/null 2>&1; then
    c_ctl "$n" shutdown >/dev/null || die "cluster node $n did not shut down; logs: $(c_dir "$n")/log"
  elif epmd -names 2>/dev/null | grep -q "^name $CLUSTER_PREFIX$n at "; then
    # Not answering our cookie yet registered: someone else's node, which "stopped" would misreport.
    die "a node named $(c_node "$n") runs for another user or state folder: not stopped"
  fi
  log "cluster node $n ($(c_node "$n")) stopped"
}

# All nodes at once (start launches them together too, so the order they stop in is moot).
cluster_stop() {
  local n pids=() rc=0
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    cluster_stop_node "$n" &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || rc=1; done
  return $rc
}

cluster_start_node() {
  local n=$1 m t0
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || need_root_apt
  c_prepare
  if c_up "$n"; then log "cluster node $n already running"; else
    t0=$(date +%s.%N)
    c_launch "$n"
    c_await "$n"
    [ "$n" = 1 ] || c_join "$n"
    # Back in the cluster: every running node sees it again.
    for m in $(seq 1 "$CLUSTER_SIZE"); do
      [ "$m" = "$n" ] || ! c_up "$m" || c_await_view "$m" "$n"
    done
    record_start "rabbitmq-cluster-node$n" "$t0" "$(c_pid "$n")"
  fi
}

cluster_status() {
  local n up rc=0 pid rss first=""
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    up=down pid="" rss=""
    if c_up "$n"; then up=up; pid=$(c_pid "$n"); first=${first:-$n}; else rc=1; fi
    [ -n "$pid" ] && rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
    printf 'node%s %-23s %-5s amqp=%s mgmt=%s pid=%-8s rss_mb=%s\n' "$n" "$(c_node "$n")" "$up" \
      "$(c_port "$n")" "$(($(c_port "$n") + 10000))" "${pid:--}" "$(( ${rss:-0} / 1024 ))"
  done
  if [ -n "$first" ]; then
    echo "running nodes: $(c_running "$first" | paste -sd, -)"
  else
    echo "running nodes: none"
  fi
  return $rc
}

# Node numbers 1..CLUSTER_SIZE only.
c_check_n() { [[ ${1:-} =~ ^[1-9]$ ]] && [ "$1" -le "$CLUSTER_SIZE" ] || die "node must be 1..$CLUSTER_SIZE, got '${1:-}'"; }

cluster_main() {
  local sub=${1:-status} n
  case $sub in
    start) cluster_start ;;
    stop) cluster_stop ;;
    status) cluster_status ;;
    stop-node) c_check_n "${2:-}"; cluster_stop_node "$2" ;;
    start-node) c_check_n "${2:-}"; cluster_start_node "$2" ;;
    urls) echo "RABBITMQ_URL=$(c_urls)" ;;
    *) die "usage: $0 cluster {start|stop|status|stop-node N|start-node N|urls}" ;;
  esac
}
