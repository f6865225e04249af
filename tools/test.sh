#!/usr/bin/env bash
# Run the tests: lint (ruff + pylint-odoo mandatory checks), then a fresh
# database "crm_rank_test" with crm_customer_rank, base_automation and event
# (no demo data, ja_JP loaded)
# and pytest-odoo over the addon's tests/, HttpCase tours included.
#
# Usage: bash tools/test.sh [--upstream] [--keep] [--no-lint] [-k EXPR] [PYTEST ARGS...] [-- PYTEST ARGS...]
#   --upstream   also run Odoo's own tests of crm, mass_mailing, mass_mailing_crm,
#                mass_mailing_sms and project, without and with the addon (two
#                more databases, ~20 min); fail on tests failing only with it
#   --keep       keep the databases and leave PostgreSQL running (debugging)
#   --no-lint    skip ruff and pylint
#   -k EXPR      and any other argument: passed to pytest
#
# Exit code: pytest's (0 all passed, 1 failures, 5 no tests collected), 1 for
# lint or --upstream failures, 2 when Odoo/PostgreSQL is missing. A browser
# test skipped for lack of Chromium or websocket-client counts as a failure.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=crm_rank_test
UPSTREAM_DB=crm_rank_upstream
UPSTREAM_BASE_DB=crm_rank_upstream_base
UPSTREAM_TAGS=/crm,/mass_mailing,/mass_mailing_crm,/mass_mailing_sms,/project
# Odoo apps installed beside the addon in the test database (not dependencies of
# it): the exit's tests send through their paths too (automation rules, events
# and their mailing and SMS bridges, installed with event).
TEST_DB_ALSO=base_automation,event
RUN_UPSTREAM=0
KEEP=0
LINT=1
PYTEST_ARGS=()
UPSTREAM_FAILED=0

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --upstream) RUN_UPSTREAM=1; shift ;;
            --keep) KEEP=1; shift ;;
            --no-lint) LINT=0; shift ;;
            -h|--help) usage; exit 0 ;;
            --) shift; PYTEST_ARGS+=("$@"); break ;;
            *) PYTEST_ARGS+=("$1"); shift ;;
        esac
    done
}

# ------------------------------------------------------------------ lint

run_lint() {
    log "ruff check"
    local -a paths=("$ADDON_DIR")
    [ "$ADDON_DIR" = "$REPO_ROOT" ] || paths+=("$REPO_ROOT/tools")
    (cd "$REPO_ROOT" && "$ODOO_PYTHON" -m ruff check --no-fix --config "$REPO_ROOT/ruff.toml" "${paths[@]}") \
        || die "ruff check failed (fix it, or try: ruff check --fix)"

    log "pylint-odoo (mandatory checks of .pylintrc)"
    # Lint through the symlink so the module is named crm_customer_rank,
    # which is what pylint-odoo's manifest checks expect.
    (cd "$ADDONS_LINK_DIR" && "$ODOO_PYTHON" -m pylint --rcfile="$REPO_ROOT/.pylintrc" "$ADDON_NAME") \
        || die "pylint-odoo failed"
}

# --------------------------------------------------------------- browser

# Odoo's HttpCase skips (does not fail) without a browser: check up front.
ensure_browser() {
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
        && ! command -v google-chrome >/dev/null && ! command -v google-chrome-stable >/dev/null; then
        is_root || die_missing "Chromium is needed for the browser tests: apt-get install chromium (as root)."
        command -v apt-get >/dev/null || die_missing "Chromium is needed for the browser tests and apt-get is not available."
        log "Installing Chromium (apt-get install chromium)"
        export DEBIAN_FRONTEND=noninteractive
        local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600)
        if ! "${apt[@]}" install chromium >/dev/null; then
            "${apt[@]}" update >/dev/null || true
            "${apt[@]}" install chromium >/dev/null \
                || die_missing "apt-get install chromium failed: the browser tests cannot run."
        fi
        command -v chromium >/dev/null || die_missing "chromium still not on PATH after apt-get install."
    fi
    "$ODOO_PYTHON" -c 'import websocket' 2>/dev/null \
        || die_missing "python package websocket-client missing in $ODOO_PYTHON (requirements-dev.txt)."
}

# -------------------------------------------------------------- databases

install_test_db() {
    log "Creating database $DB (crm_customer_rank with $TEST_DB_ALSO, no demo data, ja_JP)"
    drop_db "$DB"
    local start=$SECONDS
    INSTALL_ALSO="$TEST_DB_ALSO" install_addon_db "$DB"
    log "Database $DB ready in $((SECONDS - start))s"
}

# Run Odoo's own tests (UPSTREAM_TAGS) while installing $1 in database $2;
# the log goes to $3. Prints only failures and summaries on the console.
run_odoo_tests() {
    local modules="$1" db="$2" logfile="$3" rc=0 start=$SECONDS
    drop_db "$db"
    # Tours need Odoo's HTTP server: give it a free port, not a shared 8069.
    odoo_bin -d "$db" -i "$modules" --test-tags "$UPSTREAM_TAGS" --stop-after-init \
        --http-port="$(pick_free_port 8070)" --log-level=info 2>&1 \
        | tee "$logfile" \
        | grep --line-buffered -E ': (FAIL|ERROR): |Module .* tests|Failed to initialize|odoo\.tests\.result: |post-tests in ' \
        || rc=$?
    log "$db: $((SECONDS - start))s, odoo exit code $rc"
}

# The failed tests of a log, one per line: "module.tests.file: FAIL: Class.test (subtest)".
failed_tests() {
    grep -oE 'odoo\.addons\.[A-Za-z0-9_.]+: (FAIL|ERROR): .*' "$1" | sed 's/^odoo\.addons\.//' | sort -u || true
}

# Odoo's own tests of the modules we extend, run twice: on a baseline database
# with only our dependencies, then on one with our addon (the runbot way:
# "-i crm_customer_rank --test-tags ..."). Some of Odoo's tests fail on this
# machine anyway (library and browser versions), so only the tests that fail
# WITH the addon and not WITHOUT it fail the run.
run_upstream() {
    local deps base_log="$LOCAL_DIR/upstream-baseline.log" log_file="$LOCAL_DIR/upstream-tests.log"
    deps="$("$ODOO_PYTHON" -c 'import ast, sys; print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))' \
        "$ADDON_DIR/__manifest__.py")"
    log "Odoo's own tests ($UPSTREAM_TAGS), baseline: $deps only (log: $base_log)"
    run_odoo_tests "$deps" "$UPSTREAM_BASE_DB" "$base_log"
    log "Odoo's own tests ($UPSTREAM_TAGS), with $ADDON_NAME (log: $log_file)"
    run_odoo_tests "$ADDON_NAME" "$UPSTREAM_DB" "$log_file"

    local new known
    new="$(comm -13 <(failed_tests "$base_log") <(failed_tests "$log_file"))"
    known="$(failed_tests "$base_log" | grep -c . || true)"
    [ "$known" -eq 0 ] || warn "$known of Odoo's tests fail here even without $ADDON_NAME (ignored); see $base_log"
    if grep -qE ' CRITICAL |Failed to initialize' "$log_file" || ! grep -q 'Starting post tests' "$log_file"; then
        UPSTREAM_FAILED=1
        warn "installing $ADDON_NAME with Odoo's tests crashed; see $log_file"
    fi
    if [ -n "$new" ]; then
        new="$(retry_upstream "$new")"
    fi
    if [ -n "$new" ]; then
        UPSTREAM_FAILED=1
        warn "Odoo's own tests that fail only with $ADDON_NAME installed:"
        # shellcheck disable=SC2001  # indent every line of a multi-line string
        sed 's/^/  /' <<<"$new" | cut -c1-200 >&2
    fi
}

# Tags of failed tests: "crm.tests.test_x: FAIL: Class.test (subtest)" -> "/crm:Class.test".
failed_tags() {
    sed -E 's#^([A-Za-z0-9_]+)\.tests\.[A-Za-z0-9_.]+: (FAIL|ERROR): (Subtest )?([A-Za-z0-9_]+\.[A-Za-z0-9_]+).*#/\1:\4#' \
        | sort -u | paste -sd, -
}

# Run the tests that failed only with the addon ($1, lines of failed_tests) once
# more on the same database; print those that fail again. A test that passes
# the second time is flaky (browser tours on a busy machine): warned, not failed.
retry_upstream() {
    local new="$1" tags retry_log="$LOCAL_DIR/upstream-retry.log"
    tags="$(failed_tags <<<"$new")"
    log "Odoo's tests that failed only with $ADDON_NAME, run once more: $tags (log: $retry_log)"
    odoo_bin -d "$UPSTREAM_DB" --test-tags "$tags" --stop-after-init \
        --http-port="$(pick_free_port 8070)" --log-level=info >"$retry_log" 2>&1 || true
    if grep -qE 'odoo\.tests\.result: 0 failed, 0 error\(s\) of [1-9][0-9]* tests' "$retry_log"; then
        warn "they passed when run again (flaky, not caused by $ADDON_NAME):"
        sed 's/^/  /' <<<"$new" | cut -c1-200 >&2
        return 0
    fi
    printf '%s\n' "$new"
}

run_pytest() {
    log "pytest-odoo on $ADDON_NAME/tests"
    local rc=0
    # Collect through the symlink: pytest-odoo names a test module
    # odoo.addons.<folder>.tests... only when the folder is the addon's name.
    # PYTHONPATH gives "-p pytest_browser_guard" (browser skips fail the run).
    # rootdir .local/addons: pytest 8 imports the __init__.py of every package
    # between rootdir and the tests, and the checkout's own name is no module.
    (cd "$ADDONS_LINK_DIR" && PYTHONPATH="$REPO_ROOT/tools:$PYTHONPATH" "$ODOO_PYTHON" -m pytest \
        --rootdir="$ADDONS_LINK_DIR" -p pytest_browser_guard -p no:cacheprovider \
        --odoo-database="$DB" --odoo-config="$ODOO_CONF" --odoo-http \
        --odoo-log-level=warn -rfEs \
        -W "ignore:the load_module() method is deprecated:DeprecationWarning" \
        "$ADDON_NAME/tests" "${PYTEST_ARGS[@]}") || rc=$?
    return "$rc"
}

print_keep_info() {
    cat >&2 <<EOF
--keep: databases and PostgreSQL stay up after this run.
  psql:  $PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U odoo $DB
  odoo:  $ODOO_PYTHON $ODOO_PATH/odoo-bin -c $ODOO_CONF -d $DB
  stop:  $( is_root && printf 'runuser -u postgres -- ' )$PG_BIN/pg_ctl -D $PGDATA_DIR stop
         (the next tools/run.sh or tools/test.sh also stops it)
EOF
}

cleanup() {
    if [ "$KEEP" = 1 ] || [ "$PG_STARTED" != 1 ]; then
        return 0
    fi
    drop_db "$DB" >/dev/null 2>&1 || true
    drop_db "$UPSTREAM_DB" >/dev/null 2>&1 || true
    drop_db "$UPSTREAM_BASE_DB" >/dev/null 2>&1 || true
    pg_stop
}

main() {
    parse_args "$@"
    find_odoo
    lock_checkout  # before touching .local: another run may be using it
    install_oca_requirements
    prepare_addons_dir
    install_dev_requirements
    [ "$LINT" = 0 ] || run_lint
    ensure_browser
    ensure_printing  # the PDF test runs where wkhtmltopdf is, and skips elsewhere
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_start
    # http_port is only a default: pytest-odoo and --upstream pick free ones.
    write_odoo_conf "$(pick_free_port 8069)"
    [ "$RUN_UPSTREAM" = 0 ] || run_upstream
    install_test_db
    [ "$KEEP" = 0 ] || print_keep_info
    local rc=0
    run_pytest || rc=$?
    # pytest's summary line stays the last line unless something else failed.
    if [ "$UPSTREAM_FAILED" = 1 ]; then
        echo "FAILED: Odoo's own tests (--upstream), see the warnings above the pytest run" >&2
        [ "$rc" -ne 0 ] || rc=1
    fi
    return "$rc"
}

main "$@"
