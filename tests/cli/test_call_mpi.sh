#!/usr/bin/env bash
# `calla call` over MPI ranks (docs/distributed.md): on the real Illumina slice, with a trained-free
# model forced to call every candidate (tests/tools/mkmodel.c) plus --ref-calls so that most
# chunks hold records, 2 and 3 ranks (x -@ 1 or 2 threads each), over two regions cut into many
# small chunks, write a VCF and index byte-identical (cmp of the .vcf.gz and the .tbi) to the
# one-process run; bcftools reads it; a rank whose input fails ends the job with exit != 0, a
# message naming the rank and no output file.
source "$(dirname "$0")/lib.sh"
need mpirun
need bcftools
$CALLA --version | grep -q '^mpi: yes' || skip "calla built without MPI"
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
"${MPIRUN[@]}" -np 2 true >/dev/null 2>&1 || skip "mpirun -np 2 cannot start here"
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
BAM=$D/NA12878_S1.chr20.10_10p1mb.bam
REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
# run NAME NP THREADS: the same output name in its own directory (the header holds the command line)
run() {
    local launch=("${MPIRUN[@]}" -np "$2"); [[ $2 == 0 ]] && launch=()
    mkdir -p "$TMP/$1" && cd "$TMP/$1" || { fail "mkdir $1"; return; }
    "${launch[@]}" "$CALLA" call -b "$BAM" -f "$REF" -m "$TMP/m.st" -r chr20:10000001-10012000 \
        -r chr20:10030001-10041000 -@ "$3" --chunk-size 1500 --batch 64 --ref-calls \
        -o calls.vcf.gz 2>"$TMP/$1.log" || fail "call $1: $(tail -n 3 "$TMP/$1.log")"
    cd "$TMP" || fail "cd"
}
run one 0 1
for cfg in "2 1" "2 2" "3 1"; do
    set -- $cfg
    run np$1t$2 "$1" "$2"
    cmp -s one/calls.vcf.gz np$1t$2/calls.vcf.gz || fail "$1 ranks x $2 threads: VCF differs"
    cmp -s one/calls.vcf.gz.tbi np$1t$2/calls.vcf.gz.tbi || fail "$1 ranks x $2 threads: index differs"
done
n=$(bcftools view -H one/calls.vcf.gz | wc -l)
[[ $n -ge 100 ]] || fail "only $n records"
bcftools view -H np3t1/calls.vcf.gz >/dev/null || fail "bcftools cannot read the 3-rank VCF"
grep -q '3 ranks, each on a contiguous share' np3t1.log || fail "no rank message: $(cat np3t1.log)"
# A rank that fails: rank 1 gets a BAM path that does not exist (per-rank environment).
cat >"$TMP/wrap.sh" <<WRAP
#!/usr/bin/env bash
bam=$BAM
[[ \$OMPI_COMM_WORLD_RANK == 1 ]] && bam=$TMP/missing.bam
exec "$CALLA" call -b "\$bam" -f "$REF" -m "$TMP/m.st" -r chr20:10000001-10012000 -o "$TMP/bad.vcf.gz"
WRAP
chmod +x "$TMP/wrap.sh"
timeout 60 "${MPIRUN[@]}" -np 2 "$TMP/wrap.sh" 2>"$TMP/bad.log"
rc=$?
[[ $rc -ne 0 && $rc -ne 124 ]] || fail "failing rank: exit $rc"
grep -q 'calla call rank 1/2\].*missing.bam' "$TMP/bad.log" || fail "no message naming rank 1: $(cat "$TMP/bad.log")"
[[ ! -e $TMP/bad.vcf.gz ]] || fail "output written despite the failure"
ls "$TMP" | grep -q 'bad.vcf.gz.tmp' && fail "temporary file left behind"
done_test
