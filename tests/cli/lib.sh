# lib.sh — helpers for command-line tests; source it. Exit 0 pass, 77 skip, else fail.
set -u
: "${CALLA:?run through tests/run.sh or make test}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/calla-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
skip() { echo "skipped: $*"; exit 77; }
done_test() { [[ $fails -eq 0 ]] || { echo "$fails check(s) failed" >&2; exit 1; }; exit 0; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"; }
need_shared() { [[ -d $CALLA_SHARED/data/$1 ]] || skip "../shared/data/$1 absent"; }
# expect_fail CODE PATTERN cmd...: the command must exit with CODE (or any non-zero if CODE is 'nz'),
# print exactly one line on stderr matching PATTERN (grep -E).
expect_fail() {
    local code=$1 pat=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [[ $code == nz ]]; then [[ $rc -ne 0 ]] || fail "expected failure: $*"
    else [[ $rc -eq $code ]] || fail "expected exit $code, got $rc: $*"; fi
    [[ $(printf '%s\n' "$err" | grep -c .) -eq 1 ]] || fail "expected one error line, got: $err"
    printf '%s\n' "$err" | grep -Eq -- "$pat" || fail "error '$err' does not match /$pat/"
}
