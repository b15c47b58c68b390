#!/usr/bin/env bash
# Stop the PostgreSQL server started by .ci/setup-postgres.sh.
#   bash .ci/stop-postgres.sh           # stop, keep the data directory
#   bash .ci/stop-postgres.sh --purge   # stop and delete the data directory
# Idempotent: succeeds when nothing is running. Output goes to stderr.
set -euo pipefail
exec 1>&2
log() { printf '[stop-postgres] %s\n' "$*" >&2; }

PGBIN=/usr/lib/postgresql/15/bin
BASE=$(realpath -m "${PATHLENS_PG_DIR:-/var/tmp/pathlens-ci-pg}")
DATA=$BASE/data
PURGE=0
case "${1:-}" in
  --purge) PURGE=1 ;;
  "") ;;
  *) log "usage: $0 [--purge]"; exit 2 ;;
esac
cd /

if [ -f "$DATA/postmaster.pid" ] && [ -x "$PGBIN/pg_ctl" ]; then
  pid=$(head -n1 "$DATA/postmaster.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$DATA")" ]; then
    log "stopping PostgreSQL (pid $pid, $DATA)"
    if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop; then
      log "fast shutdown failed, trying immediate"
      runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop
    fi
  else
    log "stale postmaster.pid (pid $pid not ours), removing it"
    rm -f "$DATA/postmaster.pid"
  fi
else
  log "no server running from $DATA"
fi

if [ "$PURGE" -eq 1 ]; then
  log "removing $BASE"
  rm -rf "$BASE" "$BASE.lock"
fi
