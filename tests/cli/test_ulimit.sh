# Under `ulimit -v` every command ends in bounded time: OpenBLAS's worker threads used to retry a
# failed buffer allocation forever, so commands hung at exit (scripts/fault-inject.sh found it;
# src/common/blas.c now runs one BLAS thread under a finite address-space limit). Each command
# here must finish within 60 s: successfully, or with exit 1 and one error line.
source "$(dirname "$0")/lib.sh"
[[ -n ${CALLA_SANITIZED:-} ]] && skip "ASan reserves more address space than the limit allows"
need samtools
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools sort -o "$TMP/r.bam" "$FX/tensors_reads.sam" 2>/dev/null && samtools index "$TMP/r.bam" || fail "sort/index"
bounded() {  # LIMIT_KB LABEL cmd...
    local lim=$1 label=$2; shift 2
    local rc
    (ulimit -v "$lim" && exec timeout 60 "$@") >"$TMP/out" 2>"$TMP/err"; rc=$?
    [[ $rc -eq 124 || $rc -eq 137 ]] && fail "$label hung under ulimit -v $lim"
    if [[ $rc -ne 0 ]]; then
        [[ $rc -eq 1 ]] || fail "$label under ulimit -v $lim: exit $rc"
        [[ $(grep -c . "$TMP/err") -ge 1 ]] || fail "$label failed without a message"
    fi
    echo "$label at $lim KB: exit $rc"
}
for lim in 150000 400000; do
    bounded $lim model "$CALLA" model "$CALLA_ROOT/models/ilmn.safetensors"
    bounded $lim call "$CALLA" call -b "$TMP/r.bam" -f "$TMP/ref.fa" --platform ilmn -o "$TMP/c$lim.vcf.gz"
    bounded $lim tensors "$CALLA" tensors -b "$TMP/r.bam" -f "$TMP/ref.fa" --platform ilmn -o "$TMP/t$lim.ctf"
done
# With room enough, the commands succeed (the limit itself is no error).
(ulimit -v 400000 && exec timeout 60 "$CALLA" model "$CALLA_ROOT/models/ilmn.safetensors") >/dev/null 2>&1 ||
    fail "calla model fails under ulimit -v 400000"
done_test
