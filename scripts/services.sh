#!/usr/bin/env bash
# Local services for the demo and the tests: RabbitMQ (Debian package), PostgreSQL (Debian
# package, a cluster of our own on :55432 for the multi-host ledger) and the process engines
# (scripts/engine: Camunda 7.24 on :8080, Operaton on :8081), all on loopback.
#
#   scripts/services.sh install            Debian packages and the engine builds (cached)
#   scripts/services.sh start [NAME...]    start what is not running and wait until it answers
#   scripts/services.sh stop  [NAME...]
#   scripts/services.sh status
#   scripts/services.sh cluster [start|stop|status|stop-node N|start-node N|urls]
#
# NAME is rabbitmq, postgres, camunda or operaton; default: all four. Re-running is harmless.
# `cluster` is a separate 3-node RabbitMQ cluster (scripts/rabbitmq-cluster.sh: nodes
# exchanger-c1..c3@localhost on :5681-5683); start, stop and status without it leave it alone.
# Logs, pid files and start-up measurements live in $EXCHANGER_STATE_DIR/services
# (default: .state/services in the checkout); PostgreSQL's data folder is services/postgres.
# CAMUNDA_PORT / OPERATON_PORT move the engines (e.g. a second copy beside running ones).
# RABBITMQ_NODENAME / RABBITMQ_PORT / RABBITMQ_MANAGEMENT_PORT do the same for RabbitMQ
# (default rabbit@localhost, 5672, 15672); its Erlang distribution port is RABBITMQ_PORT + 20000.
#
# Each engine also serves its webapps; start and status print the Cockpit URL
# (http://127.0.0.1:8080/camunda/app/cockpit/default/, Operaton: :8081/operaton/app/...).
# Their admin user is created at start from ENGINE_ADMIN_USER / ENGINE_ADMIN_PASSWORD
# (default demo / demo: loopback only; set both anywhere else). /engine-rest has no login.
#
# PostgreSQL: database and user `exchanger` (password $POSTGRES_PASSWORD, a local default),
# port $POSTGRES_PORT (55432). Point the services at it with
#   LEDGER_DSN=postgresql://exchanger:PASSWORD@127.0.0.1:55432/exchanger
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${EXCHANGER_STATE_DIR:-$ROOT/.state}/services
ENGINE_DIR=$ROOT/scripts/engine
RABBIT_NODE=${RABBITMQ_NODENAME:-rabbit@localhost}
RABBIT_PORT=${RABBITMQ_PORT:-5672}
RABBIT_MGMT_PORT=${RABBITMQ_MANAGEMENT_PORT:-15672}
# Another node's files get its name, so a second node in the same state folder keeps its own.
RABBIT_FILE=rabbitmq
[ "$RABBIT_NODE" = rabbit@localhost ] || RABBIT_FILE=rabbitmq-${RABBIT_NODE%%@*}
ALL=(rabbitmq postgres camunda operaton)
# The newest PostgreSQL Debian installed (15 on Debian 12); PG_BIN picks another.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# $STATE/postgres, or a link to where it had to go (see pg_place)
PG_DATA=$STATE/postgres
[ -L "$PG_DATA" ] && PG_DATA=$(readlink -f "$PG_DATA")
PG_PORT=${POSTGRES_PORT:-55432}
# A loopback-only development cluster, like RabbitMQ's guest user: a fixed local default that
# another checkout's tests can share; set POSTGRES_PASSWORD before the first start to change it.
PG_USER=exchanger
PG_PASSWORD=${POSTGRES_PASSWORD:-exchanger-local}
mkdir -p "$STATE"

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

engine_port() { case $1 in camunda) echo "${CAMUNDA_PORT:-8080}" ;; operaton) echo "${OPERATON_PORT:-8081}" ;; esac; }
engine_jar() { echo "$ENGINE_DIR/target/$1/exchanger-engine.jar"; }
# Each flavour serves its webapps under its own name: /camunda/app/... or /operaton/app/...
cockpit_url() { echo "http://127.0.0.1:$(engine_port "$1")/$1/app/cockpit/default/"; }
cockpit_up() { curl -fs -o /dev/null --max-time 3 "$(cockpit_url "$1")"; }
# An engine started from an older build (before the webapps) answers REST but has no Cockpit.
cockpit_note() {
  if cockpit_up "$1"; then cockpit_url "$1"
  else echo "none (this engine was built without the webapps: stop and start it)"; fi
}

need_root_apt() {
  local missing=()
  command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  command -v chromium >/dev/null || missing+=(chromium)      # the web pages' browser tests
  command -v prometheus >/dev/null || missing+=(prometheus)  # the scrape-config e2e test
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)            # the ledger on several hosts
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_engine() {
  local flavour=$1 jar
  jar=$(engine_jar "$flavour")
  if [ -f "$jar" ] && [ -z "$(find "$ENGINE_DIR/pom.xml" "$ENGINE_DIR/src" -newer "$jar" -type f 2>/dev/null)" ]; then
    return 0
  fi
  log "building the $flavour engine (Maven; the first build downloads dependencies)"
  if [ "$flavour" = operaton ]; then "$ENGINE_DIR/prepare-operaton.sh" >"$STATE/build-$flavour.log" 2>&1; fi
  (cd "$ENGINE_DIR" && mvn -B -q -P "$flavour" package -DskipTests) >>"$STATE/build-$flavour.log" 2>&1 \
    || { tail -30 "$STATE/build-$flavour.log" >&2; die "engine build failed ($flavour); log: $STATE/build-$flavour.log"; }
}

rabbit_up() { rabbitmqctl -q -n "$RABBIT_NODE" status >/dev/null 2>&1; }
# The node's own OS pid: every node's command line looks alike (3.10 names the node after boot).
rabbit_pid() { rabbitmqctl -q -n "$RABBIT_NODE" eval 'os:getpid().' 2>/dev/null | tr -dc '0-9'; }

start_rabbitmq() {
  if rabbit_up; then log "rabbitmq already running"; return 0; fi
  command -v rabbitmq-server >/dev/null || need_root_apt
  cat >"$STATE/$RABBIT_FILE.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_MGMT_PORT
loopback_users.guest = true
CONF
  echo "[rabbitmq_management]." >"$STATE/enabled_plugins"
  local t0; t0=$(date +%s.%N)
  # The distribution port follows the AMQP port, as RabbitMQ's own default does (5672 -> 25672).
  RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_CONFIG_FILE=$STATE/$RABBIT_FILE \
    RABBITMQ_DIST_PORT=$((RABBIT_PORT + 20000)) RABBITMQ_ENABLED_PLUGINS_FILE=$STATE/enabled_plugins \
    nohup rabbitmq-server >"$STATE/$RABBIT_FILE.log" 2>&1 &
  echo $! >"$STATE/$RABBIT_FILE.pid"
  for _ in $(seq 1 120); do
    if rabbit_up; then
      record_start "$RABBIT_FILE" "$t0" "$(rabbit_pid)"
      return 0
    fi
    sleep 1
  done
  tail -20 "$STATE/$RABBIT_FILE.log" >&2
  die "rabbitmq did not answer within 120 s; log: $STATE/$RABBIT_FILE.log"
}

# PostgreSQL runs as the `postgres` OS user when we are root (it refuses to run as root), as
# ourselves otherwise; its data folder, log and socket belong to whoever runs it.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
pg_sql() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres "$@"; }

# The data folder: $STATE/postgres when the postgres user can reach it. A checkout it cannot
# enter (root's home, mode 700) gets a folder under /var/lib/postgresql instead, with
# $STATE/postgres a link to it, so later calls find it the same way.
pg_place() {
  [ "$(id -u)" = 0 ] || return 0
  runuser -u postgres -- test -x "$STATE" && return 0
  PG_DATA=/var/lib/postgresql/exchanger-$(printf '%s' "$STATE" | sha1sum | cut -c1-12)
  log "the postgres user cannot enter $STATE: its cluster goes to $PG_DATA"
  ln -sfn "$PG_DATA" "$STATE/postgres"
}

init_postgres() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  pg_place
  # The server's socket lives in the data folder; a socket path has at most 107 bytes.
  [ $(( ${#PG_DATA} + 18 )) -le 107 ] || die "$PG_DATA is too long a path for PostgreSQL's socket; set EXCHANGER_STATE_DIR"
  mkdir -p "$PG_DATA"
  chmod 700 "$PG_DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DATA"; fi
  as_pg test -w "$PG_DATA" || die "cannot write $PG_DATA as the user PostgreSQL runs as"
  log "creating the PostgreSQL cluster in $PG_DATA"
  # Local connections only through the socket in the data folder (mode 700: its owner alone);
  # TCP always with a password.
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$STATE/postgres-initdb.log" 2>&1 \
    || { tail -20 "$STATE/postgres-initdb.log" >&2; die "initdb failed; log: $STATE/postgres-initdb.log"; }
}

start_postgres() {
  if pg_up; then log "postgres already running on :$PG_PORT"; return 0; fi
  [ -x "$PG_BIN/initdb" ] || need_root_apt
  init_postgres
  local t0 logfile=$PG_DATA.log  # beside the data folder: a place the server's user can write
  t0=$(date +%s.%N)
  touch "$logfile"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$logfile"; fi
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$logfile" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c unix_socket_permissions=0700" start >/dev/null \
    || { tail -20 "$logfile" >&2; die "postgres did not start; log: $logfile"; }
  # The role and database, created once; the password is set again so POSTGRES_PASSWORD rules.
  pg_sql -v user="$PG_USER" -v password="$PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\gexec
ALTER ROLE :"user" PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'user', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'user')\gexec
SQL
  record_start postgres "$t0" "$(head -1 "$PG_DATA/postmaster.pid")"
  log "postgres: LEDGER_DSN=postgresql://$PG_USER:***@127.0.0.1:$PG_PORT/$PG_USER"
}

engine_up() { curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$(engine_port "$1")/engine-rest/version"; }

start_engine() {
  local flavour=$1 port db_url t0 pid
  port=$(engine_port "$flavour")
  if engine_up "$flavour"; then log "$flavour already running on :$port; Cockpit: $(cockpit_note "$flavour")"; return 0; fi
  build_engine "$flavour"
  db_url="jdbc:h2:mem:$flavour;DB_CLOSE_DELAY=-1"
  if [ "${ENGINE_DB:-memory}" = file ]; then db_url="jdbc:h2:file:$STATE/$flavour-db;DB_CLOSE_ON_EXIT=FALSE"; fi
  t0=$(date +%s.%N)
  # JFR's stack depth (default 64) is fixed at start: changing it later crashed the JVM, and the
  # engine's REST frames sit about 100 deep (python -m tools.bench.engine_calls). Free unless recording.
  ENGINE_PORT=$port ENGINE_DB_URL=$db_url nohup java \
    ${ENGINE_JAVA_OPTS:--Xmx1536m -XX:+UseSerialGC -XX:FlightRecorderOptions:stackdepth=512} \
    -jar "$(engine_jar "$flavour")" >"$STATE/$flavour.log" 2>&1 &
  pid=$!
  echo $pid >"$STATE/$flavour.pid"
  for _ in $(seq 1 240); do
    if engine_up "$flavour"; then
      record_start "$flavour" "$t0" "$pid"
      log "$flavour Cockpit: $(cockpit_note "$flavour") (user ${ENGINE_ADMIN_USER:-demo})"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -30 "$STATE/$flavour.log" >&2; die "$flavour exited during start-up; log: $STATE/$flavour.log"; }
    sleep 0.5
  done
  tail -30 "$STATE/$flavour.log" >&2
  die "$flavour did not answer on :$port within 120 s; log: $STATE/$flavour.log"
}

# PID may be a comma-separated list (a cluster's nodes): their RSS is added up.
record_start() {
  local name=$1 t0=$2 pid=$3 secs rss
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  rss=$(ps -o rss= -p "$pid" 2>/dev/null | awk '{ kb += $1 } END { print kb + 0 }' || true)
  printf '%s ready_s=%.1f rss_mb=%d\n' "$(date -Is)" "$secs" "$(( ${rss:-0} / 1024 ))" >>"$STATE/$name.startup"
  log "$name ready in $(printf '%.1f' "$secs") s, RSS $(( ${rss:-0} / 1024 )) MB"
}

stop_one() {
  local name=$1 pid
  if [ "$name" = rabbitmq ]; then
    rabbit_up && rabbitmqctl -q -n "$RABBIT_NODE" stop >/dev/null 2>&1 || true
    log "rabbitmq stopped"; return 0
  fi
  if [ "$name" = postgres ]; then  # only our cluster; one another checkout started is left alone
    if [ -f "$PG_DATA/postmaster.pid" ]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true; fi
    log "postgres stopped"; return 0
  fi
  if [ -f "$STATE/$name.pid" ]; then
    pid=$(cat "$STATE/$name.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/$name.pid"
  fi
  log "$name stopped"
}

status_one() {
  local name=$1 up=down pid="" rss="" extra=""
  case $name in
    rabbitmq) rabbit_up && up=up; pid=$(rabbit_pid || true) ;;
    postgres) pg_up && up=up; pid=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null || true) ;;
    *) engine_up "$name" && up=up; pid=$(cat "$STATE/$name.pid" 2>/dev/null || true) ;;
  esac
  [ -n "$pid" ] && rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
  if [ "$up" = up ] && [ "$name" != rabbitmq ] && [ "$name" != postgres ]; then extra=" cockpit=$(cockpit_note "$name")"; fi
  printf '%-9s %-5s pid=%-8s rss_mb=%s%s\n' "$name" "$up" "${pid:--}" "$(( ${rss:-0} / 1024 ))" "$extra"
  [ "$up" = up ]
}

cmd=${1:-status}; shift || true
if [ "$cmd" = cluster ]; then
  . "$ROOT/scripts/rabbitmq-cluster.sh"
  cluster_main "$@"
  exit
fi
names=("$@"); [ ${#names[@]} -eq 0 ] && names=("${ALL[@]}")
case $cmd in
  install)
    need_root_apt
    for n in "${names[@]}"; do case $n in camunda|operaton) build_engine "$n" ;; esac; done ;;
  start)
    for n in "${names[@]}"; do
      case $n in
        rabbitmq) start_rabbitmq ;; postgres) start_postgres ;; camunda|operaton) start_engine "$n" ;;
        *) die "unknown service $n" ;;
      esac
    done ;;
  stop) for n in "${names[@]}"; do stop_one "$n"; done ;;
  status) rc=0; for n in "${names[@]}"; do status_one "$n" || rc=1; done; exit $rc ;;
  *) die "usage: $0 {install|start|stop|status} [rabbitmq|postgres|camunda|operaton...] | cluster ..." ;;
esac
