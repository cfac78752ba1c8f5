# Under `ulimit -v` every command ends in bounded time: OpenBLAS's worker threads used to retry a
# failed buffer allocation forever, so commands hung at exit (scripts/fault-inject.sh found it;
# src/common/blas.c now runs one BLAS thread under a finite address-space limit, and train/call
# say so when OpenBLAS's 128 MiB buffer cannot fit: it retried that malloc forever). Each command
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
        grep -qiE 'ulimit -v|memory' "$TMP/err" || fail "$label failed without a message on memory: $(tail -n 1 "$TMP/err")"
    fi
    echo "$label at $lim KB: exit $rc"
}
# The dynamic loader alone needs address space for the shared libraries (a CUDA build maps
# cuBLAS/cuDNN, over 1 GB); below that no program can start (exit 127). Find that floor by
# bisection on `calla --version` and put the limits at 150 MB and 400 MB above it.
runs_at() { (ulimit -v "$1" && exec "$CALLA" --version) >/dev/null 2>&1; }
lo=10000 hi=8000000
runs_at $hi || skip "calla --version does not run under ulimit -v $hi"
while (( hi - lo > 10000 )); do
    mid=$(( (lo + hi) / 2 ))
    if runs_at $mid; then hi=$mid; else lo=$mid; fi
done
base=$hi
echo "loader floor: $base KB"
"$CALLA_TOOLS/mksynth" "$TMP/c3.ctf" clair3-pileup 400 7 || fail "mksynth"
for lim in $((base + 150000)) $((base + 400000)); do
    bounded $lim train "$CALLA" train -i "$TMP/c3.ctf" --model clair3-pileup --chunk 10 --batch 20 --epochs 1 -@ 2 -o "$TMP/m$lim.st"
    bounded $lim model "$CALLA" model "$CALLA_ROOT/models/ilmn.safetensors"
    bounded $lim call "$CALLA" call -b "$TMP/r.bam" -f "$TMP/ref.fa" --platform ilmn -o "$TMP/c$lim.vcf.gz"
    bounded $lim tensors "$CALLA" tensors -b "$TMP/r.bam" -f "$TMP/ref.fa" --platform ilmn -o "$TMP/t$lim.ctf"
done
# With room enough, the commands succeed (the limit itself is no error).
(ulimit -v $((base + 400000)) && exec timeout 60 "$CALLA" model "$CALLA_ROOT/models/ilmn.safetensors") >/dev/null 2>&1 ||
    fail "calla model fails under ulimit -v $((base + 400000))"
done_test
