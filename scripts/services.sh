#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis 7 for one test run, inside a temp dir, on Unix sockets
# (Redis also on a free 127.0.0.1 port). Nothing systemd- or pg_ctlcluster-managed is used.
#
#   services.sh start [--durable] DIR   start both (reuses what already runs in DIR), write DIR/env
#   services.sh stop DIR                stop both; idempotent
#   services.sh restart-pg DIR | stop-pg DIR | start-pg DIR
#   services.sh restart-redis DIR | stop-redis DIR | start-redis DIR
#   services.sh status DIR
#
# --durable (or BANTER_SERVICES_DURABLE=1) keeps fsync on, for benchmarks; tests run with
# fsync=off. The mode is remembered in DIR, so restart-pg keeps it.
# Sourced with arguments (`source scripts/services.sh start DIR`), it also sources DIR/env;
# sourced without arguments, it only defines `banter_services` (same subcommands).
# Layout of DIR: pg/ (socket dir, owned by postgres), pg/data, pg/postgres.log, redis.sock,
# redis.pid, redis.port, redis.log, env.

_bsvc_script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
_bsvc_wait_s=30

_bsvc_err() { echo "services: $*" >&2; }
_bsvc_log() { echo "services: $*" >&2; }

# Absolute DIR without characters that would need quoting in URLs or pg_ctl's -o string.
_bsvc_dir() {
  local d="${1:-}"
  [ -n "$d" ] || { _bsvc_err "missing DIR"; return 1; }
  d="$(realpath -m -- "$d")" || return 1
  [[ "$d" =~ ^/[A-Za-z0-9._/+-]+$ ]] || { _bsvc_err "DIR '$d' may only contain letters, digits and ._/+-"; return 1; }
  # Unix socket paths are limited to 107 bytes (sun_path).
  [ ${#d} -le 80 ] || { _bsvc_err "DIR '$d' is too long for Unix socket paths (max 80 chars)"; return 1; }
  printf '%s\n' "$d"
}

_bsvc_bins() {
  BANTER_PG_BIN="${BANTER_PG_BIN:-/usr/lib/postgresql/15/bin}"
  [ -x "$BANTER_PG_BIN/initdb" ] && [ -x "$BANTER_PG_BIN/pg_ctl" ] && [ -x "$BANTER_PG_BIN/psql" ] ||
    { _bsvc_err "PostgreSQL 15 not found in $BANTER_PG_BIN (run scripts/setup.sh)"; return 1; }
  BANTER_REDIS_SERVER="${BANTER_REDIS_SERVER:-$(command -v redis-server || true)}"
  BANTER_REDIS_CLI="${BANTER_REDIS_CLI:-$(command -v redis-cli || true)}"
  [ -x "$BANTER_REDIS_SERVER" ] && [ -x "$BANTER_REDIS_CLI" ] ||
    { _bsvc_err "redis-server / redis-cli not found (run scripts/setup.sh)"; return 1; }
  BANTER_HAPROXY="${BANTER_HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}"
  [ -x "$BANTER_HAPROXY" ] || { _bsvc_err "haproxy not found (run scripts/setup.sh)"; return 1; }
}

# As root, PostgreSQL's tools run as the postgres user (they refuse root).
_bsvc_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- PostgreSQL
_bsvc_pg_running() { _bsvc_as_pg "$BANTER_PG_BIN/pg_ctl" -D "$1/pg/data" status >/dev/null 2>&1; }

_bsvc_pg_init() {
  local dir="$1"
  [ -f "$dir/pg/data/PG_VERSION" ] && return 0
  mkdir -p "$dir/pg" || return 1
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { _bsvc_err "no postgres user (is the postgresql package installed?)"; return 1; }
    # The postgres user must reach DIR (mktemp -d makes it 0700) and own DIR/pg.
    chmod 0755 "$dir" && chown postgres: "$dir/pg" || return 1
    runuser -u postgres -- test -w "$dir/pg" ||
      { _bsvc_err "the postgres user cannot write $dir/pg (a parent dir closed to it? use a dir under /tmp)"; return 1; }
  fi
  rm -rf "$dir/pg/data"
  if ! _bsvc_as_pg "$BANTER_PG_BIN/initdb" -D "$dir/pg/data" -A trust -U banter --no-sync -E UTF8 --locale=C.UTF-8 \
    >"$dir/pg/initdb.log" 2>&1; then
    _bsvc_err "initdb failed; its log: $dir/pg/initdb.log"; tail -n 20 "$dir/pg/initdb.log" >&2; return 1
  fi
  # Settings live in the cluster (data/banter.conf, rewritten by every start), so a plain
  # `pg_ctl -D DIR/pg/data start` by a test gets them too.
  echo "include_if_exists = 'banter.conf'" | _bsvc_as_pg tee -a "$dir/pg/data/postgresql.conf" >/dev/null
}

_bsvc_pg_conf() {
  local dir="$1" fsync=off
  [ "$(cat "$dir/pg.mode" 2>/dev/null)" = durable ] && fsync=on
  cat <<EOF
# written by scripts/services.sh: Unix socket only, in DIR/pg
listen_addresses = ''
unix_socket_directories = '$dir/pg'
fsync = $fsync
max_connections = ${BANTER_PG_MAX_CONNECTIONS:-200}
EOF
}

_bsvc_pg_start() {
  local dir="$1"
  _bsvc_pg_init "$dir" || return 1
  local conf old
  conf="$(_bsvc_pg_conf "$dir")"
  old="$(cat "$dir/pg/data/banter.conf" 2>/dev/null || true)"
  if [ "$conf" != "$old" ]; then
    printf '%s\n' "$conf" | _bsvc_as_pg tee "$dir/pg/data/banter.conf" >/dev/null || return 1
    if _bsvc_pg_running "$dir"; then _bsvc_log "PostgreSQL settings changed: restarting"; _bsvc_pg_stop "$dir" || return 1; fi
  fi
  if _bsvc_pg_running "$dir"; then return 0; fi
  if ! _bsvc_as_pg "$BANTER_PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t "$_bsvc_wait_s" start >/dev/null; then
    _bsvc_err "PostgreSQL did not start (waited at most ${_bsvc_wait_s}s); its log: $dir/pg/postgres.log"
    tail -n 20 "$dir/pg/postgres.log" >&2; return 1
  fi
}

_bsvc_pg_stop() {
  local dir="$1"
  [ -f "$dir/pg/data/PG_VERSION" ] || return 0
  _bsvc_pg_running "$dir" || return 0
  if ! _bsvc_as_pg "$BANTER_PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t "$_bsvc_wait_s" stop >/dev/null; then
    _bsvc_log "PostgreSQL did not stop within ${_bsvc_wait_s}s: immediate stop; its log: $dir/pg/postgres.log"
    _bsvc_as_pg "$BANTER_PG_BIN/pg_ctl" -D "$dir/pg/data" -m immediate -w -t "$_bsvc_wait_s" stop >/dev/null || return 1
  fi
}

# ---------------------------------------------------------------- Redis
# Alive and not a zombie: a daemonized redis-server is reparented to PID 1, which in a container
# may reap it only seconds later, and `kill -0` succeeds on a zombie.
_bsvc_alive() {
  local stat
  [[ "${1:-}" =~ ^[0-9]+$ ]] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}
_bsvc_redis_pid() { local p; p="$(cat "$1/redis.pid" 2>/dev/null)" && _bsvc_alive "$p" && echo "$p"; }
_bsvc_redis_ping() { [ "$("$BANTER_REDIS_CLI" -s "$1/redis.sock" ping 2>/dev/null)" = PONG ]; }

_bsvc_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_bsvc_redis_start() {
  local dir="$1" port pid i try
  if _bsvc_redis_pid "$dir" >/dev/null && _bsvc_redis_ping "$dir"; then return 0; fi
  _bsvc_redis_stop "$dir" || return 1   # a stale or unresponsive one
  for try in 1 2 3; do
    # Keep the port across restarts (tests hold the URL); pick a new one only if it is taken.
    port="$(cat "$dir/redis.port" 2>/dev/null || true)"
    if [ -z "$port" ] || [ "$try" -gt 1 ]; then port="$(_bsvc_free_port)" || return 1; fi
    echo "$port" >"$dir/redis.port"
    "$BANTER_REDIS_SERVER" --port "$port" --bind 127.0.0.1 --unixsocket "$dir/redis.sock" --unixsocketperm 770 \
      --save '' --appendonly no --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" \
      --logfile "$dir/redis.log" >/dev/null || { _bsvc_err "redis-server failed; its log: $dir/redis.log"; return 1; }
    for ((i = 0; i < _bsvc_wait_s * 10; i++)); do
      if _bsvc_redis_ping "$dir" && [ "$("$BANTER_REDIS_CLI" -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then return 0; fi
      # Gone already (port taken, bad option): try another port.
      if [ "$i" -ge 10 ] && ! _bsvc_redis_pid "$dir" >/dev/null; then break; fi
      sleep 0.1
    done
    pid="$(_bsvc_redis_pid "$dir" || true)"
    [ -n "$pid" ] && { _bsvc_redis_stop "$dir"; _bsvc_err "Redis did not answer within ${_bsvc_wait_s}s; its log: $dir/redis.log"; return 1; }
    _bsvc_log "Redis exited at start (try $try, port $port); its log: $dir/redis.log"
  done
  tail -n 20 "$dir/redis.log" >&2
  _bsvc_err "Redis did not start; its log: $dir/redis.log"; return 1
}

_bsvc_redis_stop() {
  local dir="$1" pid i
  pid="$(_bsvc_redis_pid "$dir" || true)"
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true   # no persistence configured: nothing is saved
    for ((i = 0; i < _bsvc_wait_s * 10; i++)); do _bsvc_alive "$pid" || break; sleep 0.1; done
    if _bsvc_alive "$pid"; then
      _bsvc_log "Redis ($pid) did not stop within ${_bsvc_wait_s}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do _bsvc_alive "$pid" || break; sleep 0.1; done
    fi
  fi
  rm -f "$dir/redis.pid" "$dir/redis.sock"
}

# ---------------------------------------------------------------- env file
_bsvc_write_env() {
  local dir="$1" port durable=0
  port="$(cat "$dir/redis.port")"
  [ "$(cat "$dir/pg.mode" 2>/dev/null)" = durable ] && durable=1
  cat >"$dir/env.tmp" <<EOF
# written by scripts/services.sh start $dir
export BANTER_TEST_SERVICES_DIR=$dir
export BANTER_TEST_DATABASE_URL='postgres://banter@localhost/postgres?host=$dir/pg'
export BANTER_TEST_PG_DATA=$dir/pg/data
export BANTER_TEST_PG_DURABLE=$durable
export BANTER_TEST_REDIS_URL=redis+unix://$dir/redis.sock
export BANTER_TEST_REDIS_TCP_URL=redis://127.0.0.1:$port
export BANTER_PG_BIN=$BANTER_PG_BIN
export BANTER_REDIS_SERVER=$BANTER_REDIS_SERVER
export BANTER_REDIS_CLI=$BANTER_REDIS_CLI
export BANTER_HAPROXY=$BANTER_HAPROXY
export BANTER_SERVICES_SCRIPT=$_bsvc_script
EOF
  mv "$dir/env.tmp" "$dir/env"
}

# ---------------------------------------------------------------- subcommands
banter_services() {
  local cmd="${1:-}" durable="${BANTER_SERVICES_DURABLE:-0}" dir
  shift || true
  if [ "${1:-}" = --durable ]; then durable=1; shift; fi
  case "$cmd" in start | stop | status | restart-pg | stop-pg | start-pg | restart-redis | stop-redis | start-redis) ;;
    *) _bsvc_err "usage: services.sh start [--durable] DIR | stop DIR | status DIR | {restart,stop,start}-{pg,redis} DIR"; return 2 ;;
  esac
  dir="$(_bsvc_dir "${1:-}")" || return 2
  _bsvc_bins || return 1
  case "$cmd" in
    start)
      mkdir -p "$dir" || return 1
      if [ "$durable" = 1 ]; then echo durable >"$dir/pg.mode"; else echo fast >"$dir/pg.mode"; fi
      _bsvc_pg_start "$dir" || return 1
      _bsvc_redis_start "$dir" || return 1
      _bsvc_write_env "$dir" || return 1
      _bsvc_log "PostgreSQL: postgres://banter@localhost/postgres?host=$dir/pg (log $dir/pg/postgres.log, fsync $( [ "$durable" = 1 ] && echo on || echo off))"
      _bsvc_log "Redis: redis+unix://$dir/redis.sock and redis://127.0.0.1:$(cat "$dir/redis.port") (log $dir/redis.log)"
      _bsvc_log "variables: source $dir/env"
      ;;
    stop) _bsvc_redis_stop "$dir" && _bsvc_pg_stop "$dir" ;;
    status)
      if _bsvc_pg_running "$dir"; then echo "postgres: running"; else echo "postgres: stopped"; fi
      if _bsvc_redis_pid "$dir" >/dev/null; then echo "redis: running"; else echo "redis: stopped"; fi
      ;;
    restart-pg) _bsvc_pg_stop "$dir" && _bsvc_pg_start "$dir" ;;
    stop-pg) _bsvc_pg_stop "$dir" ;;
    start-pg) _bsvc_pg_start "$dir" ;;
    restart-redis) _bsvc_redis_stop "$dir" && _bsvc_redis_start "$dir" ;;
    stop-redis) _bsvc_redis_stop "$dir" ;;
    start-redis) _bsvc_redis_start "$dir" ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  banter_services "$@"
elif [ $# -gt 0 ]; then
  # Sourced with a subcommand: run it in a subshell (no set -e leaking into the caller).
  (set -uo pipefail; banter_services "$@") && { [ "$1" != start ] || source "$(_bsvc_dir "${*: -1}")/env"; }
fi
