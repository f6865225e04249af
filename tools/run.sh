#!/usr/bin/env bash
# Run the product: a fresh database "crm_rank_demo" with crm_customer_rank,
# its demo data and Japanese, a "customers per rank" summary, then Odoo
# served on http://127.0.0.1:8069 (login admin / admin) until Ctrl-C.
#
# Usage: bash tools/run.sh [--port N] [--no-serve] [--ja]
#   --port N     HTTP port to serve on (default 8069)
#   --no-serve   set everything up, print the summary, stop (a smoke check)
#   --ja         Japanese as the database's default language (admin sees the
#                UI in Japanese); without it ja_JP is loaded, English default
#
# The private PostgreSQL cluster lives in .local/pg and is stopped on exit.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=crm_rank_demo
HTTP_PORT=8069
SERVE=1
JAPANESE=0

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --port) [ $# -ge 2 ] || die "--port needs a value"; HTTP_PORT="$2"; shift 2 ;;
            --port=*) HTTP_PORT="${1#--port=}"; shift ;;
            --no-serve) SERVE=0; shift ;;
            --ja) JAPANESE=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; die "unknown option: $1" ;;
        esac
    done
    [[ "$HTTP_PORT" =~ ^[0-9]+$ ]] || die "--port must be a number, got '$HTTP_PORT'"
}

install_demo_db() {
    log "Creating database $DB (crm_customer_rank + demo data + ja_JP)"
    drop_db "$DB"
    local start=$SECONDS
    # Since Odoo 19 demo data is off by default: --with-demo turns it on.
    if [ "$JAPANESE" = 1 ]; then
        # Language given at creation: it becomes the database's default one.
        set_odoo_log_args
        odoo_bin -d "$DB" -i "$ADDON_NAME" --with-demo --load-language=ja_JP \
            --stop-after-init --no-http "${ODOO_LOG_ARGS[@]}" \
            || die "installing $ADDON_NAME in $DB failed (see the log above)"
    else
        install_addon_db "$DB" --with-demo
    fi
    log "Database $DB ready in $((SECONDS - start))s"
}

print_summary() {
    log "Recomputing ranks and counting customers per rank"
    odoo_bin shell -d "$DB" --no-http --log-level=warn <"$REPO_ROOT/tools/summary.py" \
        || die "tools/summary.py failed"
}

check_http_port() {
    if port_in_use "$HTTP_PORT"; then
        die "port $HTTP_PORT is already in use on 127.0.0.1; pick another with --port N"
    fi
}

serve() {
    check_http_port
    echo
    echo "Odoo is starting on http://127.0.0.1:$HTTP_PORT/odoo"
    echo "Log in as admin / admin (database $DB). Ctrl-C stops Odoo and PostgreSQL."
    echo
    # In the background, waited for: bash runs a trap only once its foreground
    # command is over, so a signal to this script (SIGTERM, or SIGINT sent to
    # the script alone) would otherwise wait for Odoo forever. The EXIT trap
    # stops Odoo (stop_odoo), then the cluster.
    "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" -c "$ODOO_CONF" -d "$DB" \
        --http-port="$HTTP_PORT" --db-filter="^${DB}\$" &
    ODOO_PID=$!
    local rc=0
    wait "$ODOO_PID" || rc=$?
    ODOO_PID=
    return "$rc"
}

# Stop the Odoo server started by serve(), if it still runs: SIGTERM (Odoo's
# graceful shutdown), a second SIGTERM after 10 s (Odoo's immediate
# shutdown), SIGKILL after 5 s more.
ODOO_PID=
stop_odoo() {
    [ -n "$ODOO_PID" ] || return 0
    local pid="$ODOO_PID" i
    ODOO_PID=
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        [ "$i" != 50 ] || kill -TERM "$pid" 2>/dev/null || true
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "Odoo (pid $pid) did not stop; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

on_exit() {
    stop_odoo
    pg_stop
}

main() {
    parse_args "$@"
    find_odoo
    [ "$SERVE" = 0 ] || check_http_port  # fail before the install, not after
    lock_checkout  # before touching .local: another run may be using it
    install_oca_requirements
    ensure_printing
    prepare_addons_dir
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_start
    write_odoo_conf "$HTTP_PORT"
    install_demo_db
    print_summary
    if [ "$SERVE" = 1 ]; then
        serve
    else
        echo "Login: admin / admin (database $DB); --no-serve given, not serving."
    fi
}

main "$@"
