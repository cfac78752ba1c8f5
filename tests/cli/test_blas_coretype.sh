# OpenBLAS kernel selection (src/common/blas.c): when OpenBLAS reports a generic core (simulated
# with CALLA_TEST_GENERIC_CORE=1) and no OPENBLAS_CORETYPE is set, calla re-executes itself with
# the core type its CPU supports; a core type set by the user, or CALLA_NO_CORETYPE=1, is kept.
source "$(dirname "$0")/lib.sh"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) || skip "no /proc/cpuinfo"
want=
if [[ " $flags " == *" avx512f "* && " $flags " == *" avx512bw "* && " $flags " == *" avx512vl "* ]]; then
    want=SkylakeX
elif [[ " $flags " == *" avx2 "* && " $flags " == *" fma "* ]]; then
    want=Haswell
fi
[[ -n $want ]] || skip "CPU has neither AVX-512 nor AVX2+FMA"
blas() { env -u OPENBLAS_CORETYPE -u CALLA_REEXEC "$@" "$CALLA" --version | grep '^blas: '; }
line=$(blas CALLA_TEST_GENERIC_CORE=1)
[[ $line == *"core $want, selected by calla"* ]] || fail "generic core: expected $want chosen by calla, got: $line"
line=$(OPENBLAS_CORETYPE=Prescott blas CALLA_TEST_GENERIC_CORE=1 OPENBLAS_CORETYPE=Prescott)
[[ $line == *"core Prescott)"* ]] || fail "user's OPENBLAS_CORETYPE=Prescott was changed: $line"
line=$(blas CALLA_TEST_GENERIC_CORE=1 CALLA_NO_CORETYPE=1)
[[ $line != *"selected by calla"* ]] || fail "CALLA_NO_CORETYPE=1 ignored: $line"
# the re-executed process still runs commands normally (arguments survive the exec)
env -u OPENBLAS_CORETYPE CALLA_TEST_GENERIC_CORE=1 "$CALLA" view --help >/dev/null || fail "command after re-exec"
done_test
