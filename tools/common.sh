# shellcheck shell=bash
# Shared helpers for tools/run.sh and tools/test.sh. Source it, don't run it.
#
# What it gives:
#   find_odoo                 locate Odoo 19 (ODOO_PYTHON / ODOO_PATH) or exit 2
#   prepare_addons_dir        $TMPDIR/crm_customer_rank-addons-*/crm_customer_rank -> the addon
#   lock_checkout             one run.sh/test.sh at a time per checkout
#   pg_start / pg_stop        private PostgreSQL cluster in .local/pg
#   write_odoo_conf PORT      .local/odoo.conf pointing at that cluster
#   drop_db NAME              drop a database and its filestore
#   odoo_bin ARGS...          odoo-bin -c .local/odoo.conf ARGS...
#   install_addon_db DB ARGS  new database with the addon (and $INSTALL_ALSO), then ja_JP loaded
#   install_dev_requirements  pip install -r requirements-dev.txt (if needed)
#   install_oca_requirements  pip install --no-deps -r requirements-oca.txt (if needed);
#                             sets OCA_ADDONS_DIR, put on the addons path by prepare_addons_dir
#   ensure_printing           wkhtmltopdf and Japanese fonts for PDFs (Debian, as root)
#   pick_free_port FIRST      first free TCP port on 127.0.0.1 from FIRST up
#
# Environment knobs:
#   ODOO_PYTHON, ODOO_PATH    the Python running Odoo / the folder with odoo-bin
#   CRM_RANK_ADDON_DIR        the addon to use (default: this repository)
#   PGPORT                    force the cluster's port (default: first free from 54330)
#   PG_BIN                    PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   ODOO_LOG_LEVEL            Odoo log level for install steps (default: warn)

ADDON_NAME=crm_customer_rank
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
LOCAL_DIR="$REPO_ROOT/.local"
ADDON_DIR="$(cd "${CRM_RANK_ADDON_DIR:-$REPO_ROOT}" && pwd -P)"
# Odoo finds modules by folder name, and this checkout may be called "main" or
# a random worktree name: expose it under its real name through a symlink. The
# link lives outside the checkout: inside it, the addon would contain itself and
# tools that walk the addon (translation export, linters) would loop.
ADDONS_LINK_DIR="${TMPDIR:-/tmp}/crm_customer_rank-addons-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)"
ADDON_LINK="$ADDONS_LINK_DIR/$ADDON_NAME"
ODOO_CONF="$LOCAL_DIR/odoo.conf"
# Odoo renders module descriptions with docutils, which prints the markup
# problems of Odoo's own mail manifest ("<string>:38: (ERROR/3) Unexpected
# indentation.") during installs: tools/docutils.conf reports severe ones only.
export DOCUTILSCONFIG="$REPO_ROOT/tools/docutils.conf"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_HOME=""      # set by pg_start: folder owned by the server's OS user
PG_PORT=""      # set by pg_start
PG_STARTED=0

log() {
    if [ -t 2 ]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi
}
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Missing prerequisites exit 2, so callers can tell "not set up" from "failed".
die_missing() {
    printf 'ERROR: %s\n' "$@" >&2
    printf 'See README, section Install.\n' >&2
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- Odoo

find_odoo() {
    ODOO_PYTHON="${ODOO_PYTHON:-/opt/odoo-venv/bin/python}"
    ODOO_PATH="${ODOO_PATH:-/opt/odoo19}"
    ODOO_PATH="${ODOO_PATH%/}"
    if [ ! -x "$ODOO_PYTHON" ]; then
        die_missing "no usable Python for Odoo at '$ODOO_PYTHON' (missing, or not executable by $(id -un))." \
            "Set ODOO_PYTHON to the python of the virtualenv that runs Odoo 19."
    fi
    if [ ! -f "$ODOO_PATH/odoo-bin" ] || [ ! -d "$ODOO_PATH/odoo/addons" ]; then
        die_missing "no Odoo 19 source at '$ODOO_PATH' (expected odoo-bin and odoo/addons there)." \
            "Set ODOO_PATH to the Odoo 19 source folder (the one holding odoo-bin)."
    fi
    # odoo-bin puts its own folder on sys.path; pytest needs the same.
    export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
    local version
    if ! version="$("$ODOO_PYTHON" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null)"; then
        die_missing "'$ODOO_PYTHON' cannot import odoo from '$ODOO_PATH' (are Odoo's requirements installed in it?)."
    fi
    if [ "$version" != 19 ]; then
        die_missing "Odoo at '$ODOO_PATH' is version $version, this addon needs 19."
    fi
    if [ ! -f "$ADDON_DIR/__manifest__.py" ]; then
        die "no __manifest__.py in the addon folder '$ADDON_DIR' (CRM_RANK_ADDON_DIR?)"
    fi
    export ODOO_PYTHON ODOO_PATH
}

prepare_addons_dir() {
    mkdir -p "$ADDONS_LINK_DIR"
    ln -sfn "$ADDON_DIR" "$ADDON_LINK"
    ADDONS_PATH="$ODOO_PATH/odoo/addons,$ODOO_PATH/addons,$ADDONS_LINK_DIR"
    # The OCA modules' folder (install_oca_requirements): Odoo also finds it as
    # part of the odoo.addons namespace of its Python, but only when Odoo runs
    # from that same environment; named here, it is found in any case.
    if [ -n "${OCA_ADDONS_DIR:-}" ]; then
        ADDONS_PATH="$ADDONS_PATH,$OCA_ADDONS_DIR"
    fi
}

# Two scripts on the same checkout would share .local/pg and .local/odoo.conf.
lock_checkout() {
    mkdir -p "$LOCAL_DIR"
    exec 9>"$LOCAL_DIR/lock"
    if ! flock -n 9; then
        die "another tools/run.sh or tools/test.sh is running in $REPO_ROOT; stop it first"
    fi
}

# odoo_bin [SUBCOMMAND] ARGS...: a subcommand (shell, db...) must come first.
odoo_bin() {
    local -a sub=()
    if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
        sub=("$1")
        shift
    fi
    "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" "${sub[@]}" -c "$ODOO_CONF" "$@"
}

# Install steps log warnings only (an install logs ~1000 INFO lines).
# Fills the array ODOO_LOG_ARGS.
set_odoo_log_args() {
    # shellcheck disable=SC2034  # read by run.sh and test.sh
    ODOO_LOG_ARGS=("--log-level=${ODOO_LOG_LEVEL:-warn}")
}

# Install ADDON in a new database DB, then load ja_JP into it.
# Two steps on purpose: a language given while the database is created becomes
# its default language (base's res.lang.install_lang sets the partners' default
# lang and the admin's), so every user and test would run in Japanese. Loaded
# afterwards, ja_JP is only activated and its translations imported.
# Extra arguments go to the install step (e.g. --with-demo).
install_addon_db() {
    local db="$1"
    shift
    set_odoo_log_args
    odoo_bin -d "$db" -i "$ADDON_NAME${INSTALL_ALSO:+,$INSTALL_ALSO}" --stop-after-init --no-http "${ODOO_LOG_ARGS[@]}" "$@" \
        || die "installing $ADDON_NAME in $db failed (see the log above)"
    odoo_bin -d "$db" --load-language=ja_JP --stop-after-init --no-http "${ODOO_LOG_ARGS[@]}" \
        || die "loading ja_JP into $db failed (see the log above)"
}

write_odoo_conf() {
    local http_port="$1"
    cat >"$ODOO_CONF" <<EOF
; Written by tools/common.sh on every run: edits are lost.
[options]
db_host = 127.0.0.1
db_port = $PG_PORT
db_user = odoo
addons_path = $ADDONS_PATH
data_dir = $LOCAL_DIR/filestore
http_interface = 127.0.0.1
http_port = $http_port
list_db = False
workers = 0
max_cron_threads = 0
EOF
}

# -------------------------------------------------------------- Python deps

# True when every "name==version" pin of requirements file $1 is installed in
# Odoo's Python: the scripts then skip pip (a rerun is instant, needs no network).
requirements_installed() {
    "$ODOO_PYTHON" - "$1" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version

for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, pinned = line.partition("==")
    try:
        if version(name.strip()) != pinned.strip():
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
}

install_dev_requirements() {
    local req="$REPO_ROOT/requirements-dev.txt"
    requirements_installed "$req" && return 0
    log "Installing development requirements into $ODOO_PYTHON"
    "$ODOO_PYTHON" -m pip install -q --disable-pip-version-check -r "$req" \
        || die "pip install -r requirements-dev.txt failed"
}

# The OCA modules the addon depends on (requirements-oca.txt), from the Python
# registry into Odoo's Python. --no-deps: the wheels require "odoo==19.0.*",
# which pip would otherwise try to fetch over the Odoo already there; their
# only other dependency (jaconv) is pinned in the file. Sets OCA_ADDONS_DIR
# (where pip put them: site-packages/odoo/addons) and checks each module is there.
install_oca_requirements() {
    local req="$REPO_ROOT/requirements-oca.txt"
    if ! requirements_installed "$req"; then
        log "Installing the OCA modules of requirements-oca.txt into $ODOO_PYTHON"
        "$ODOO_PYTHON" -m pip install -q --disable-pip-version-check --no-deps -r "$req" \
            || die "pip install --no-deps -r requirements-oca.txt failed"
    fi
    OCA_ADDONS_DIR="$("$ODOO_PYTHON" "$REPO_ROOT/tools/oca_addons_dir.py" "$req")" \
        || die "the OCA modules of requirements-oca.txt are not where pip should have put them"
    export OCA_ADDONS_DIR
}

# ------------------------------------------------------------- printing

# PDFs (warranty certificate, inspection sheet, call list) need wkhtmltopdf, and
# Japanese text needs a CJK font (without one wkhtmltopdf prints empty boxes).
# Debian's packages are installed when missing and run as root; otherwise a
# warning says what to install: Odoo still runs, and shows the documents as web
# pages to print from the browser.
ensure_printing() {
    local -a missing=()
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=ja family 2>/dev/null | head -n 1)" ]; then
        missing+=(fonts-noto-cjk)
    elif ! command -v fc-list >/dev/null && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
        missing+=(fonts-noto-cjk)
    fi
    [ "${#missing[@]}" -gt 0 ] || return 0
    if ! is_root || ! command -v apt-get >/dev/null; then
        warn "PDF printing needs ${missing[*]} (Debian: apt-get install ${missing[*]}, as root);" \
            "without it Odoo shows the documents as web pages"
        return 0
    fi
    log "Installing what printing needs (apt-get install ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends)
    if ! "${apt[@]}" install "${missing[@]}" >/dev/null; then
        "${apt[@]}" update >/dev/null || true
        "${apt[@]}" install "${missing[@]}" >/dev/null \
            || warn "apt-get install ${missing[*]} failed: Odoo will show the documents as web pages, not PDFs"
    fi
}

# ---------------------------------------------------------------- ports

port_in_use() {
    # A successful connect means somebody listens there.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_free_port() {
    local port="$1" last=$(($1 + 200))
    while [ "$port" -le "$last" ]; do
        if ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    die "no free TCP port on 127.0.0.1 between $1 and $last"
}

# ----------------------------------------------------------- PostgreSQL

# Postgres refuses to run as root: as root, run its tools as OS user postgres.
as_pg() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

short_hash() { printf '%s' "$1" | md5sum | cut -c1-10; }

# Pick the folders: .local/pg normally; /tmp when the postgres OS user cannot
# reach the checkout (e.g. under /root) or the socket path would be too long.
pg_choose_dirs() {
    [ -x "$PG_BIN/pg_ctl" ] || die_missing "PostgreSQL binaries not found in $PG_BIN (set PG_BIN)."
    PG_HOME="$LOCAL_DIR/pg"
    mkdir -p "$PG_HOME"
    if is_root; then
        id postgres >/dev/null 2>&1 || die_missing "running as root needs an OS user 'postgres' to run the database server."
        chown postgres: "$PG_HOME"
        if ! runuser -u postgres -- test -w "$PG_HOME"; then
            PG_HOME="/tmp/crm_rank_pg_$(short_hash "$REPO_ROOT")"
            warn "user postgres cannot reach $LOCAL_DIR; using $PG_HOME for the cluster"
            mkdir -p "$PG_HOME"
            chown postgres: "$PG_HOME"
        fi
    fi
    PGDATA_DIR="$PG_HOME/data"
    PG_SOCKET_DIR="$PG_HOME/run"
    # Unix socket paths are limited to ~107 bytes (".s.PGSQL.NNNNN" included).
    if [ "${#PG_SOCKET_DIR}" -gt 85 ]; then
        PG_SOCKET_DIR="/tmp/crm_rank_sock_$(short_hash "$REPO_ROOT")"
    fi
    as_pg mkdir -p "$PG_SOCKET_DIR"
    as_pg chmod 700 "$PG_SOCKET_DIR"
}

pg_ctl() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" "$@"; }

pg_start() {
    pg_choose_dirs
    if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
        log "Creating the private PostgreSQL cluster in $PGDATA_DIR"
        local locale=C.UTF-8
        locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || locale=C
        # The bootstrap superuser is "odoo" (Odoo refuses to connect as
        # "postgres"); trust auth is fine for a loopback-only throwaway cluster.
        as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U odoo --auth=trust \
            --encoding=UTF8 --locale="$locale" >"$PG_HOME/initdb.log" 2>&1 \
            || { cat "$PG_HOME/initdb.log" >&2; die "initdb failed"; }
    fi
    # A cluster left running by --keep or a killed run: restart it cleanly.
    if pg_ctl status >/dev/null 2>&1; then
        warn "a cluster was still running from an earlier run; stopping it"
        pg_ctl stop -m fast -w >/dev/null 9>&- || true
    fi
    local tries=0 port
    while :; do
        port="${PGPORT:-$(pick_free_port 54330)}"
        # fsync off & co: a throwaway cluster trades durability for speed.
        # "9>&-": the server must not inherit the checkout lock.
        if pg_ctl start -w -t 60 -l "$PG_HOME/server.log" -o "-p $port \
            -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_SOCKET_DIR \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=100" >/dev/null 9>&-; then
            break
        fi
        tries=$((tries + 1))
        # A concurrent run may have taken the port between check and bind.
        if [ -n "${PGPORT:-}" ] || [ "$tries" -ge 5 ]; then
            tail -n 20 "$PG_HOME/server.log" >&2 || true
            die "could not start PostgreSQL on port $port (log: $PG_HOME/server.log)"
        fi
    done
    PG_PORT="$port"
    PG_STARTED=1
    log "PostgreSQL running on 127.0.0.1:$PG_PORT (data $PGDATA_DIR)"
}

pg_stop() {
    if [ "$PG_STARTED" = 1 ]; then
        pg_ctl stop -m fast -w >/dev/null 2>&1 || pg_ctl stop -m immediate -w >/dev/null 2>&1 || true
        PG_STARTED=0
        case "$PG_SOCKET_DIR" in /tmp/crm_rank_sock_*) rm -rf "$PG_SOCKET_DIR" ;; esac
    fi
}

psql_odoo() {
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U odoo -d postgres -X -q -v ON_ERROR_STOP=1 "$@"
}

drop_db() {
    PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U odoo --if-exists --force "$1"
    rm -rf "$LOCAL_DIR/filestore/filestore/$1"
}
