#!/usr/bin/env bash
# Run the addon's tests (browser tours included) on awkward days: the machine's
# clock moved with libfaketime (Odoo, PostgreSQL and Chromium all see the day),
# the tests' fixed day (CRM_RANK_TEST_NOW, see tests/common.py) set to it and
# the test users in a time zone of that day (CRM_RANK_TEST_TZ).
#
# Usage: bash tools/test_awkward_days.sh [--day 'YYYY-MM-DD HH:MM:SS|TZ']... [TEST.SH ARGS...]
#   --day D      run at D (UTC), the users in TZ (default UTC); repeat for several
#                days. Default: the days below.
#   other args   passed to tools/test.sh (default: --no-lint), e.g. -k aftercare
#
# The default days (UTC) and the users' time zone:
#   2027-01-31 10:00  Asia/Tokyo      the 31st of a month (a month later is 28 February)
#   2026-12-31 23:30  Asia/Tokyo      31 December, late: already 1 January for the users
#   2027-02-28 10:00  Asia/Tokyo      the last day of February in a common year
#   2028-02-29 10:00  Asia/Tokyo      29 February (a year later is 28 February)
#   2027-03-27 22:30  Europe/Brussels the eve of summer time (23:30 in Brussels; the
#                                     night has 23 hours)
#   2027-10-30 22:30  Europe/Brussels the eve of winter time (00:30 on 31 October in
#                                     Brussels; the night has 25 hours)
#
# Needs Debian's faketime (installed when missing and run as root). Prints one
# line per day with pytest's summary; exits 1 when any day failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
DAYS=()
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --day) DAYS+=("$2"); shift 2 ;;
        -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
[ ${#DAYS[@]} -gt 0 ] || DAYS=(
    "2027-01-31 10:00:00|Asia/Tokyo"
    "2026-12-31 23:30:00|Asia/Tokyo"
    "2027-02-28 10:00:00|Asia/Tokyo"
    "2028-02-29 10:00:00|Asia/Tokyo"
    "2027-03-27 22:30:00|Europe/Brussels"
    "2027-10-30 22:30:00|Europe/Brussels"
)
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--no-lint)

if ! command -v faketime >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 install faketime >/dev/null \
            || { apt-get -q update >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get -y -q install faketime >/dev/null; }
    fi
    command -v faketime >/dev/null || { echo "ERROR: faketime is needed: apt-get install faketime" >&2; exit 2; }
fi

LOGS="$(cd "$HERE/.." && pwd -P)/.local/awkward-days"
mkdir -p "$LOGS"
failed=0
results=()
for entry in "${DAYS[@]}"; do
    day="${entry%%|*}"
    tz=UTC
    [ "$entry" = "$day" ] || tz="${entry#*|}"
    log="$LOGS/$(printf '%s' "$day" | tr ' :' '_-').log"
    printf '==> %s UTC, users in %s (log: %s)\n' "$day" "$tz" "$log" >&2
    # the clock starts at the day and runs; TZ=UTC so that "day" means UTC
    TZ=UTC CRM_RANK_TEST_NOW="$day" CRM_RANK_TEST_TZ="$tz" faketime "$day" \
        bash "$HERE/test.sh" "${ARGS[@]}" >"$log" 2>&1
    rc=$?
    summary="$(grep -E '^=+ .*(passed|failed|error).* =+$' "$log" | tail -n 1)"
    [ "$rc" -eq 0 ] || failed=1
    results+=("$day $tz  exit $rc  ${summary:-no pytest summary (see the log)}")
done
printf '\n'
printf '%s\n' "${results[@]}"
exit "$failed"
