#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 + pgvector server on loopback for the
# PathLens test suite and print its DATABASE_URL.
#
#   URL=$(bash .ci/setup-postgres.sh)      # exactly one line on stdout
#   bash .ci/stop-postgres.sh              # stop it again
#
# Works on a fresh Debian 12 (bookworm) machine as well as on one that already
# has Debian's postgresql-15: whatever is missing is installed with apt.
# pgvector is not packaged for PostgreSQL 15 in bookworm, so its source package
# is fetched from the *next* Debian release (trixie) through the same mirror
# that this machine's apt already uses, and built against PG15 with PGXS.
#
# Idempotent: a second run reuses the installed extension, the data directory
# and (if it is up) the running server. Run as root, no interaction needed.
#
# Environment (all optional):
#   PGPORT               TCP port on 127.0.0.1 (default 54329)
#   PATHLENS_PG_DIR      base directory (default /var/tmp/pathlens-ci-pg);
#                        data in $PATHLENS_PG_DIR/data, socket in .../run,
#                        server log in .../server.log
#   PGVECTOR_SRC_SUITE   Debian suite to take the pgvector source from
#                        (default: the release after this machine's)
set -euo pipefail

# Everything but the final URL goes to stderr.
exec 3>&1 1>&2

log() { printf '[setup-postgres] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

T_START=$(date +%s)

[ "$(id -u)" -eq 0 ] || die "must be run as root"

PG_MAJOR=15
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin     # Debian's PG15 binaries (not /usr/local/bin)
PORT=${PGPORT:-54329}
case "$PORT" in ''|*[!0-9]*) die "PGPORT must be a number, got '$PORT'";; esac
BASE=$(realpath -m "${PATHLENS_PG_DIR:-/var/tmp/pathlens-ci-pg}")
DATA=$BASE/data
SOCK=$BASE/run
SERVER_LOG=$BASE/server.log
DB_USER=pathlens
DB_PASS=pathlens
DB_NAME=pathlens_test
URL="postgres://${DB_USER}:${DB_PASS}@127.0.0.1:${PORT}/${DB_NAME}"

# Keep a caller's libpq environment from redirecting our own admin calls.
unset PGHOST PGHOSTADDR PGUSER PGDATABASE PGSERVICE PGOPTIONS PGDATA PGPASSWORD PGSSLMODE || true

export DEBIAN_FRONTEND=noninteractive
cd /   # the postgres user must be able to stat its cwd
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# Serialise concurrent runs (e.g. two CI jobs on one machine).
mkdir -p "$(dirname "$BASE")"
exec 9>"$BASE.lock"
flock -w 600 9 || die "timed out waiting for lock $BASE.lock"

WORK=$(mktemp -d /tmp/pathlens-pg-setup.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    apt-get "${APT_OPTS[@]}" update -qq >&2
    APT_UPDATED=1
  fi
}
apt_install() {
  apt_update_once
  log "apt-get install $*"
  apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "$@" >&2
}

# ---------------------------------------------------------------------------
# 1. PostgreSQL 15 server + client (pg_config, PGXS) from Debian
# ---------------------------------------------------------------------------
need=()
{ [ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ]; } || need+=("postgresql-$PG_MAJOR")
{ [ -x "$PGBIN/psql" ] && [ -x "$PGBIN/pg_config" ]; } || need+=("postgresql-client-$PG_MAJOR")
if [ ${#need[@]} -gt 0 ]; then
  # Installing postgresql-15 on a fresh machine also creates (and may start)
  # Debian's default cluster "main" on port 5432; it is not used here.
  apt_install "${need[@]}"
fi
[ -x "$PGBIN/postgres" ] || die "$PGBIN/postgres missing after install"
PG_CONFIG=$PGBIN/pg_config
getent passwd postgres >/dev/null || die "system user 'postgres' does not exist"
# fd 3 (our real stdout) and fd 9 (the lock) must not leak into the server
# that pg_ctl daemonises: it would keep `URL=$(setup-postgres.sh)` waiting
# forever and hold the lock for the server's whole life.
as_pg() { runuser -u postgres -- "$@" 3>&- 9>&-; }

PKGLIBDIR=$("$PG_CONFIG" --pkglibdir)
EXTDIR=$("$PG_CONFIG" --sharedir)/extension

# ---------------------------------------------------------------------------
# 2. pgvector for PG15
# ---------------------------------------------------------------------------
os_codename() {
  local c=""
  if [ -r /etc/os-release ]; then
    c=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  fi
  [ -n "$c" ] || c=$(apt-config dump 2>/dev/null | sed -n 's/^APT::Default-Release "\(.*\)";/\1/p')
  echo "$c"
}

next_release() {
  case "$1" in
    buster) echo bullseye ;;
    bullseye) echo bookworm ;;
    bookworm) echo trixie ;;
    trixie) echo forky ;;
    forky) echo duke ;;
    *) echo "" ;;
  esac
}

# Print the Debian mirror URI that this machine's apt uses for suite $1.
# First ask apt itself (works for sources.list and deb822 *.sources alike, once
# the lists have been fetched); fall back to parsing the files.
debian_mirror() {
  local suite=$1 uri=""
  uri=$(apt-get indextargets --format '$(TARGET_OF) $(RELEASE) $(REPO_URI)' 2>/dev/null \
          | awk -v s="$suite" '($1=="deb"||$1=="deb-src") && $2==s {print $3; exit}') || true
  if [ -z "$uri" ]; then
    local f
    # deb822 files: a stanza whose Suites contain $suite
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -r "$f" ] || continue
      uri=$(awk -v s="$suite" '
        function flush() { if (ok && en && u != "" && found == "") found = u; u=""; ok=0; en=1 }
        BEGIN { en=1; found="" }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        { key=tolower($1) }
        key=="uris:"    { u=$2 }
        key=="suites:"  { for (i=2;i<=NF;i++) if ($i==s) ok=1 }
        key=="enabled:" { if (tolower($2)=="no") en=0 }
        END { flush(); print found }' "$f")
      [ -n "$uri" ] && break
    done
  fi
  if [ -z "$uri" ]; then
    # one-line format: deb [opts] URI SUITE COMPONENTS...
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
          | sed -e 's/#.*//' -e 's/\[[^]]*\]//' \
          | awk -v s="$suite" '($1=="deb"||$1=="deb-src") && $3==s {print $2; exit}') || true
  fi
  echo "${uri%/}"
}

vector_installed() {
  [ -f "$EXTDIR/vector.control" ] && [ -f "$PKGLIBDIR/vector.so" ]
}

build_pgvector() {
  local codename suite mirror keyring srcdir devver
  codename=$(os_codename)
  [ -n "$codename" ] || die "cannot determine this machine's Debian codename"
  suite=${PGVECTOR_SRC_SUITE:-$(next_release "$codename")}
  [ -n "$suite" ] || die "don't know the Debian release after '$codename'; set PGVECTOR_SRC_SUITE"

  apt_update_once
  mirror=$(debian_mirror "$codename")
  [ -n "$mirror" ] || die "no Debian mirror for suite '$codename' found in the apt configuration"
  log "Debian mirror (from apt config, suite $codename): $mirror"

  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"

  # Build tools. The -server-dev package is only downloaded and unpacked
  # (installing it would pull clang + llvm); pg_config/PGXS come from
  # postgresql-client-15, so only the server headers are needed from it.
  local tools=()
  command -v gcc >/dev/null || tools+=(gcc)
  command -v make >/dev/null || tools+=(make)
  [ -e /usr/include/stdio.h ] || tools+=(libc6-dev)
  [ ${#tools[@]} -eq 0 ] || apt_install "${tools[@]}"

  # --- pgvector source: a *private* apt configuration (own sources list and
  # own lists dir under $WORK) holding only "deb-src <mirror> <next> main".
  # The system's sources, lists and caches are never touched, so nothing of
  # the next release can leak into apt's binary candidates, and nothing needs
  # cleaning up if this script dies half way.
  local A=$WORK/apt
  mkdir -p "$A/lists/partial" "$A/src"
  echo "deb-src [signed-by=$keyring] $mirror $suite main" > "$A/sources.list"
  local PRIV=(-o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=$A/none"
              -o "Dir::State::Lists=$A/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
              -o APT::Sandbox::User=root)
  log "fetching pgvector source from '$suite' (deb-src, private apt config)"
  apt-get "${PRIV[@]}" update -qq >&2
  ( cd "$A/src" && apt-get "${PRIV[@]}" source --download-only -qq pgvector >&2 )
  local orig
  orig=$(ls "$A/src"/pgvector_*.orig.tar.* 2>/dev/null | head -n1)
  [ -n "$orig" ] || die "pgvector source download failed"
  log "pgvector source: $(basename "$A/src"/pgvector_*.dsc)"
  mkdir -p "$WORK/build"
  tar -xf "$orig" -C "$WORK/build"
  srcdir=$(find "$WORK/build" -mindepth 1 -maxdepth 1 -type d | head -n1)

  # --- server headers matching the installed server (fallback: candidate)
  devver=$(dpkg-query -W -f='${Version}' postgresql-$PG_MAJOR 2>/dev/null || true)
  mkdir -p "$WORK/dev"
  (
    cd "$WORK/dev"
    if [ -n "$devver" ] && apt-get -o APT::Sandbox::User=root download -qq "postgresql-server-dev-$PG_MAJOR=$devver" >&2 2>/dev/null; then
      :
    else
      log "postgresql-server-dev-$PG_MAJOR=$devver not downloadable, using the candidate version"
      apt-get -o APT::Sandbox::User=root download -qq "postgresql-server-dev-$PG_MAJOR" >&2
    fi
    dpkg-deb -x postgresql-server-dev-"$PG_MAJOR"_*.deb root
  )
  local incdir=$WORK/dev/root/usr/include/postgresql/$PG_MAJOR/server
  [ -f "$incdir/postgres.h" ] || die "server headers not found in postgresql-server-dev-$PG_MAJOR"

  # --- build + install. OPTFLAGS= : no -march=native (portable binary);
  # with_llvm=no : no clang bitcode; includedir_server points PGXS at the
  # unpacked headers while pg_config/pkglibdir/sharedir stay Debian's.
  local MK=(with_llvm=no OPTFLAGS= "PG_CONFIG=$PG_CONFIG" "includedir_server=$incdir")
  log "building $(basename "$srcdir") against PostgreSQL $("$PG_CONFIG" --version | awk '{print $2}')"
  make -C "$srcdir" -s -j"$(nproc)" "${MK[@]}" >"$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; die "pgvector build failed"; }
  make -C "$srcdir" -s "${MK[@]}" install >>"$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; die "pgvector install failed"; }
  vector_installed || die "pgvector install did not produce $EXTDIR/vector.control"
  log "installed pgvector into $PKGLIBDIR and $EXTDIR"
}

if vector_installed; then
  log "pgvector already installed for PG$PG_MAJOR ($EXTDIR/vector.control), skipping build"
else
  cand=""
  if [ -z "${PGVECTOR_SRC_SUITE:-}" ]; then
    apt_update_once
    cand=$(apt-cache policy "postgresql-$PG_MAJOR-pgvector" 2>/dev/null | awk '/Candidate:/ {print $2}')
  fi
  if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
    apt_install "postgresql-$PG_MAJOR-pgvector"   # packaged after all: just use it
  else
    build_pgvector
  fi
fi

# ---------------------------------------------------------------------------
# 3. Data directory
# ---------------------------------------------------------------------------
mkdir -p "$BASE"
chown postgres:postgres "$BASE"
chmod 0755 "$BASE"
mkdir -p "$SOCK"
chown postgres:postgres "$SOCK"
chmod 0755 "$SOCK"

if [ -f "$DATA/PG_VERSION" ]; then
  v=$(cat "$DATA/PG_VERSION")
  [ "$v" = "$PG_MAJOR" ] || die "$DATA holds a PostgreSQL $v cluster, expected $PG_MAJOR (remove it or set PATHLENS_PG_DIR)"
else
  if [ -e "$DATA" ]; then
    log "removing incomplete data directory $DATA"
    rm -rf "$DATA"
  fi
  log "initdb $DATA"
  mkdir -p "$DATA"; chown postgres:postgres "$DATA"; chmod 0700 "$DATA"
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
fi
chown -R postgres:postgres "$DATA"
chmod 0700 "$DATA"

# Our settings live in their own file, rewritten each run (so a new PGPORT
# takes effect) and included at the end of postgresql.conf.
cat > "$DATA/pathlens-ci.conf" <<EOF
# written by .ci/setup-postgres.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
# test-only database: trade durability for speed
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
chown postgres:postgres "$DATA/pathlens-ci.conf"
grep -q "^include_if_exists = 'pathlens-ci.conf'" "$DATA/postgresql.conf" \
  || echo "include_if_exists = 'pathlens-ci.conf'" >> "$DATA/postgresql.conf"

# ---------------------------------------------------------------------------
# 4. Start (or reuse) the server
# ---------------------------------------------------------------------------
# A postmaster.pid left behind by a killed server can name a PID that now
# belongs to an unrelated process (containers recycle small PIDs); postgres
# would then refuse to start. A live postmaster has its cwd in the data dir.
pid_is_our_postmaster() {
  local pid=$1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  [ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$DATA")" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q postgres
}

running_pid=""
if [ -f "$DATA/postmaster.pid" ]; then
  pid=$(head -n1 "$DATA/postmaster.pid" 2>/dev/null || true)
  if pid_is_our_postmaster "$pid"; then
    running_pid=$pid
  else
    log "removing stale $DATA/postmaster.pid (pid $pid is not a postmaster of this data dir)"
    rm -f "$DATA/postmaster.pid"
  fi
fi
if [ -z "$running_pid" ]; then
  # stale socket lock files would block the start in the same way
  for lf in "$SOCK"/.s.PGSQL.*.lock; do
    [ -e "$lf" ] || continue
    pid=$(head -n1 "$lf" 2>/dev/null || true)
    pid_is_our_postmaster "$pid" || rm -f "$lf" "${lf%.lock}"
  done
fi

if [ -n "$running_pid" ]; then
  cur_port=$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)
  if [ "$cur_port" != "$PORT" ]; then
    log "server (pid $running_pid) runs on port $cur_port, restarting on $PORT"
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
    running_pid=""
  else
    log "reusing running server (pid $running_pid) on 127.0.0.1:$PORT"
  fi
fi

if [ -z "$running_pid" ]; then
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; then
    # Somebody else's server holds the port: reuse it if it already serves
    # our database with pgvector, otherwise give up.
    if PGCONNECT_TIMEOUT=5 "$PGBIN/psql" "$URL" -qAt -v ON_ERROR_STOP=1 \
         -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null 2>&1; then
      log "port $PORT already serves $DB_NAME with pgvector (not our data dir); reusing it"
      log "done in $(( $(date +%s) - T_START ))s"
      echo "$URL" >&3
      exit 0
    fi
    die "127.0.0.1:$PORT is taken by another server; set PGPORT to a free port"
  fi
  log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PORT (log: $SERVER_LOG)"
  touch "$SERVER_LOG"; chown postgres:postgres "$SERVER_LOG"
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$SERVER_LOG" -w -t 60 start >&2 \
    || { tail -n 30 "$SERVER_LOG" >&2; die "server failed to start"; }
fi

# ---------------------------------------------------------------------------
# 5. Role, database, extension
# ---------------------------------------------------------------------------
admin_psql() {  # admin_psql DB SQL  (peer auth over the private socket)
  as_pg "$PGBIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d "$1" -X -q -At -v ON_ERROR_STOP=1 -c "$2"
}

admin_psql postgres "DO \$\$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    ALTER ROLE $DB_USER WITH LOGIN SUPERUSER PASSWORD '$DB_PASS';
  ELSE
    CREATE ROLE $DB_USER WITH LOGIN SUPERUSER PASSWORD '$DB_PASS';
  END IF;
END \$\$;" >&2
if [ "$(admin_psql postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
  log "creating database $DB_NAME"
  admin_psql postgres "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
fi

# Prove it works end to end over TCP with the URL we hand out.
ver=$(PGCONNECT_TIMEOUT=10 "$PGBIN/psql" "$URL" -X -q -At -v ON_ERROR_STOP=1 \
        -c "SET client_min_messages = warning" \
        -c "CREATE EXTENSION IF NOT EXISTS vector" \
        -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'") \
  || die "could not connect to $URL or create extension vector"
log "ready: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), pgvector $ver, in $(( $(date +%s) - T_START ))s"

echo "$URL" >&3
