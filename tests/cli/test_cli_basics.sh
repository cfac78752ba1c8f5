# The binary's conventions: --version lines, exit codes for usage errors.
source "$(dirname "$0")/lib.sh"
out=$("$CALLA" --version) || fail "--version exits non-zero"
for key in htslib blas mpi cuda cudnn nccl; do
    printf '%s\n' "$out" | grep -Eq "^$key: " || fail "--version lacks '$key:'"
done
printf '%s\n' "$out" | grep -q "^htslib: $(pkg-config --modversion htslib 2>/dev/null || echo .)" || fail "htslib version differs from pkg-config's"
"$CALLA" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "no command should exit 2"
"$CALLA" frobnicate >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "unknown command should exit 2"
"$CALLA" --help | grep -q tensors || fail "--help lacks the command list"
done_test
