#!/usr/bin/env bash
# `calla call --shard I/N` and `calla merge-shards` (calling/shard.h) on a simulated genome of two
# contigs cut into 9 chunks:
# - the shard plan: the ##calla_shard chunk ranges equal boundaries computed here in awk from the
#   .fai (first chunk whose preceding chunks hold >= k/N of the positions);
# - an emulated 3-task job array (examples/slurm/call_genome.sh shard with SLURM_ARRAY_TASK_ID):
#   task 2 fails mid-run (CALLA_TEST_FAIL_AT_CHUNK) and leaves no file, the merge then names the
#   missing shard, task 2 reruns alone (task 1 rerun is a no-op), the merge's records equal a
#   one-process run's (bcftools view -H) and its header differs only in ##calla_command; each
#   shard's records are the one-process records inside its chunks;
# - examples/slurm/call_genome.sh run whole with LOCAL=1 GVCF=1 (2 tasks + merge);
# - `mpirun -np 3 calla call` (skipped without mpirun/MPI) equals the merge; a shard split over 3
#   ranks equals the shard;
# - gVCF shards with a shard starting inside a deletion: merged = one-process gVCF;
# - errors: --shard 0/3, 4/3, 1/0, x; merge with a shard missing, twice, from
#   another command, or a file that is no shard.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
need bwa
cd "$TMP" || fail "cd"
"$CALLA" simulate -o sim --genome-size 60k --platform ilmn --depth 20 --snp-rate 0.003 \
    --indel-rate 0.0005 --seed 11 2>log || { fail "simulate: $(tail -1 log)"; done_test; }
CHUNK=7000
# --pileup-only: the shipped ilmn-fa model would run the cascade, whose calls depend on the chunk
# list (GIN below uses other chunks); test_call_cascade.sh checks shards with the cascade
IN=(-b sim/reads.bam -f sim/ref.fa -m ilmn --chunk-size $CHUNK --pileup-only)
"$CALLA" call "${IN[@]}" -o one.vcf.gz --quiet 2>log || { fail "one-process call: $(cat log)"; done_test; }
bcftools view -H one.vcf.gz >one.body
n_one=$(wc -l <one.body)
[[ $n_one -ge 100 ]] || fail "only $n_one records in the one-process run"

# The shard plan, independently: chunks of $CHUNK per contig in .fai order; boundary k of N.
awk -v c=$CHUNK '{ for (b = 0; b < $2; b += c) print ($2 - b < c ? $2 - b : c) }' sim/ref.fa.fai >chunks
plan() {  # N -> "lo-hi" per shard
    awk -v N="$1" '{ len[NR - 1] = $1; tot += $1 } END {
        n = NR; for (k = 0; k <= N; k++) { p = 0; j = 0
            if (k == N) j = n; else if (k > 0) while (j < n && p * N < k * tot) p += len[j++]
            b[k] = j }
        for (k = 0; k < N; k++) print b[k] "-" b[k + 1] }' chunks
}
[[ $(wc -l <chunks) -eq 9 ]] || fail "expected 9 chunks, got $(wc -l <chunks)"

# Emulated job array through the example script (task 2 fails after writing 2 chunks).
SCRIPT=$CALLA_ROOT/examples/slurm/call_genome.sh
bash -n "$SCRIPT" || fail "bash -n $SCRIPT"
# the script passes no --chunk-size: a wrapper appends the test's, so that the array's shards
# have the run hash of "${IN[@]}" (-b -f -m --chunk-size --pileup-only in this order; -o, --shard,
# -@ left out)
cat >calla_wrap <<EOF
#!/usr/bin/env bash
[[ \$1 == call ]] && { shift; exec "$CALLA" call "\$@" --chunk-size $CHUNK --pileup-only; }
exec "$CALLA" "\$@"
EOF
chmod +x calla_wrap
task() {  # I [VAR=value...]: array task I of 3
    local i=$1; shift
    env SLURM_ARRAY_TASK_ID="$i" SLURM_CPUS_PER_TASK=1 CALLA="$TMP/calla_wrap" "$@" \
        bash "$SCRIPT" shard sim/reads.bam sim/ref.fa ilmn calls.vcf.gz 3 2>task$i.log
}
task 1 || fail "task 1: $(cat task1.log)"
task 2 CALLA_TEST_FAIL_AT_CHUNK=2 && fail "task 2 should have failed"
grep -q 'CALLA_TEST_FAIL_AT_CHUNK' task2.log || fail "task 2: no injected error: $(cat task2.log)"
task 3 || fail "task 3: $(cat task3.log)"
[[ -z $(ls calls.shards | grep -- '2-of-3') ]] || fail "failed shard left files: $(ls calls.shards)"
S=calls.shards
expect_fail 1 'shard 2/3 is missing' "$CALLA" merge-shards -o m.vcf.gz $S/1-of-3.vcf.gz $S/3-of-3.vcf.gz
[[ ! -e m.vcf.gz ]] || fail "merge wrote an output despite a missing shard"
env CALLA="$TMP/calla_wrap" bash "$SCRIPT" merge calls.vcf.gz 3 2>merge.log && fail "script merge without shard 2"
grep -q 'shard 2/3 is missing' merge.log || fail "script merge: $(cat merge.log)"
t1=$(stat -c %Y.%s $S/1-of-3.vcf.gz)
sleep 1
task 1 || fail "task 1 rerun"
grep -q 'already done' task1.log || fail "task 1 rerun did not skip: $(cat task1.log)"
[[ $(stat -c %Y.%s $S/1-of-3.vcf.gz) == "$t1" ]] || fail "task 1 rerun rewrote its shard"
task 2 || fail "task 2 rerun: $(cat task2.log)"
env CALLA="$TMP/calla_wrap" bash "$SCRIPT" merge calls.vcf.gz 3 2>merge.log || fail "merge: $(cat merge.log)"
[[ -s calls.vcf.gz.tbi ]] || fail "merged VCF has no index"
bcftools view -H calls.vcf.gz >merged.body 2>err && [[ ! -s err ]] || fail "bcftools view merged: $(cat err)"
cmp -s one.body merged.body || fail "merged records differ from the one-process run"
diff <(bcftools view -h --no-version one.vcf.gz) <(bcftools view -h --no-version calls.vcf.gz) |
    grep '^[<>]' | grep -v '##calla_command=' >hdiff
[[ -s hdiff ]] && fail "headers differ beyond ##calla_command: $(cat hdiff)"
grep -q '^##calla_shard' <(bcftools view -h calls.vcf.gz) && fail "merged header kept ##calla_shard"
[[ $(bcftools view -H -r sim2 calls.vcf.gz | wc -l) -eq $(awk '$1 == "sim2"' one.body | wc -l) ]] ||
    fail "index query on the merged VCF"
# the shard plan and each shard's records
plan 3 >want.plan
for i in 1 2 3; do
    h=$(bcftools view -h $S/$i-of-3.vcf.gz | grep '^##calla_shard=')
    [[ $h =~ ^##calla_shard=$i/3\ chunks=([0-9]+-[0-9]+)/9\ run=[0-9a-f]{16}$ ]] || fail "shard $i line: $h"
    [[ ${BASH_REMATCH[1]} == $(sed -n ${i}p want.plan) ]] || fail "shard $i chunks ${BASH_REMATCH[1]}, want $(sed -n ${i}p want.plan)"
    # records of the one-process run inside the shard's chunks (1-based positions)
    lo=${BASH_REMATCH[1]%-*} hi=${BASH_REMATCH[1]#*-}
    awk -v c=$CHUNK -v lo="$lo" -v hi="$hi" 'NR == FNR { len[$1] = $2; ord[++n] = $1; next }
        FNR == 1 { k = 0; for (i = 1; i <= n; i++) { first[ord[i]] = k; k += int((len[ord[i]] + c - 1) / c) } }
        { j = first[$1] + int(($2 - 1) / c); if (j >= lo && j < hi) print }' sim/ref.fa.fai one.body >want.$i
    bcftools view -H $S/$i-of-3.vcf.gz | cmp -s - want.$i || fail "shard $i records differ from the one-process run's in its chunks"
done
# by hand: chunks of 7000,...,5000 (sim1, 40 kb) and 7000, 7000, 6000 (sim2); 4 shards of
# 15000 positions: boundaries after 21000 (3 chunks), 35000 (5), 47000 (7)
[[ $(plan 4 | tr '\n' ' ') == "0-3 3-5 5-7 7-9 " ]] || fail "awk plan for 4 shards: $(plan 4 | tr '\n' ' ')"
"$CALLA" call "${IN[@]}" --shard 2/4 -o four2.vcf.gz --quiet 2>log || fail "--shard 2/4: $(cat log)"
bcftools view -h four2.vcf.gz | grep -q '^##calla_shard=2/4 chunks=3-5/9 ' || fail "2/4 chunks"
# more shards than chunks: shard 2/40 has no chunk (boundaries 1 and 1) and is a valid empty VCF
"$CALLA" call "${IN[@]}" --shard 2/40 -o empty.vcf.gz --quiet 2>log || fail "--shard 2/40: $(cat log)"
bcftools view -h empty.vcf.gz | grep -q '^##calla_shard=2/40 chunks=1-1/9 ' || fail "2/40 chunks"
[[ $(bcftools view -H empty.vcf.gz | wc -l) -eq 0 && -s empty.vcf.gz.tbi ]] || fail "2/40 is not an empty indexed VCF"

# gVCF shards: chunk size = the 1-based POS of a deletion (REF >= 3 bases) on the first contig,
# so that chunk 1 (= shard 2 of N = #chunks) starts inside the deletion's REF span: shard 2's
# gVCF has a one-position block there, which the one-process gVCF has not (covered by the REF),
# and the merge drops it; blocks split at every shard start are joined again. The merged gVCF's
# records (and the merged VCF's) equal the one-process run's.
read -r dpos dref < <(awk -v c="$(head -1 sim/ref.fa.fai | cut -f1)" '$1 == c && length($4) >= 3 && $2 > 2000 { print $2, $4; exit }' one.body)
if [[ -n ${dpos:-} ]]; then
    GIN=(-b sim/reads.bam -f sim/ref.fa -m ilmn --chunk-size "$dpos" --pileup-only --quiet)
    "$CALLA" call "${GIN[@]}" -o g1.vcf.gz --gvcf g1.g.vcf.gz 2>log || fail "gVCF one-process: $(cat log)"
    nch=$(awk -v c="$dpos" '{ n += int(($2 + c - 1) / c) } END { print n }' sim/ref.fa.fai)
    gs=() vs=()
    for ((i = 1; i <= nch; i++)); do
        "$CALLA" call "${GIN[@]}" --shard $i/$nch -o gs$i.vcf.gz --gvcf gs$i.g.vcf.gz 2>log || fail "gVCF shard $i: $(cat log)"
        gs+=(gs$i.g.vcf.gz) vs+=(gs$i.vcf.gz)
    done
    bcftools view -h gs2.g.vcf.gz | grep -q "^##calla_shard=2/$nch chunks=1-2/$nch " || fail "gVCF shard 2 is not chunk 1"
    c=$(head -1 sim/ref.fa.fai | cut -f1)
    [[ $(bcftools query -f '%POS\n' -r "$c:$((dpos + 1))-$((dpos + 1))" gs2.g.vcf.gz | head -1) == $((dpos + 1)) ]] ||
        fail "shard 2 has no block at $((dpos + 1)) inside the deletion at $dpos"
    [[ -z $(bcftools query -f '%POS\n' -r "$c:$((dpos + 1))-$((dpos + ${#dref} - 1))" g1.g.vcf.gz | awk -v p="$dpos" '$1 > p') ]] ||
        fail "the one-process gVCF has a block inside the deletion at $dpos"
    "$CALLA" merge-shards -o gm.g.vcf.gz "${gs[@]}" 2>log || fail "gVCF merge: $(cat log)"
    "$CALLA" merge-shards -o gm.vcf.gz "${vs[@]}" 2>log || fail "VCF merge (gVCF run): $(cat log)"
    bcftools view -H g1.g.vcf.gz >g1.body
    bcftools view -H gm.g.vcf.gz | cmp -s - g1.body || fail "merged gVCF records differ from the one-process gVCF"
    bcftools view -H gm.vcf.gz | cmp -s - <(bcftools view -H g1.vcf.gz) || fail "merged VCF of the gVCF run differs"
    cat "${gs[@]}" | gzip -dc | grep -vc '^#' >n.shards
    [[ $(cat n.shards) -gt $(wc -l <g1.body) ]] || fail "the shards' gVCFs have no extra blocks to join ($(cat n.shards))"
    expect_fail 1 'different headers' "$CALLA" merge-shards -o m.vcf.gz gs1.vcf.gz "${gs[@]:1}"
else
    fail "no deletion of 2+ bases in the simulated calls"
fi

# the whole recipe run locally (LOCAL=1 submit: 2 array tasks one after the other, then the merge),
# with GVCF=1: VCF and gVCF records equal the one-process ones (--chunk-size does not change calls)
if [[ -n ${dpos:-} ]]; then
    env LOCAL=1 GVCF=1 CALLA="$TMP/calla_wrap" bash "$SCRIPT" submit sim/reads.bam sim/ref.fa ilmn loc.vcf.gz 2 2>loc.log ||
        fail "LOCAL=1 submit: $(tail -3 loc.log)"
    bcftools view -H loc.vcf.gz | cmp -s - one.body || fail "LOCAL=1 recipe: VCF records differ"
    bcftools view -H loc.g.vcf.gz | cmp -s - g1.body || fail "LOCAL=1 recipe: gVCF records differ"
    [[ -s loc.g.vcf.gz.tbi && -s loc.shards/2-of-2.g.vcf.gz ]] || fail "LOCAL=1 recipe: files missing: $(ls loc*)"
fi

# a shard killed mid-run (as SLURM does on a time limit: SIGTERM, then SIGKILL): it hangs after
# its first chunk (CALLA_TEST_FAIL_MODE=hang), is killed once its temporary file exists, and leaves
# no file under its name (SIGTERM: not even the temporary one); the rerun merges as before.
for sig in TERM KILL; do
    CALLA_TEST_FAIL_AT_CHUNK=1 CALLA_TEST_FAIL_MODE=hang "$CALLA" call "${IN[@]}" --shard 2/3 \
        -o k$sig.vcf.gz --quiet 2>/dev/null &
    pid=$!
    for ((w = 0; w < 300; w++)); do compgen -G "k$sig.vcf.gz.tmp.*" >/dev/null && break; sleep 0.1; done
    sleep 0.5
    kill -$sig $pid
    wait $pid && fail "SIG$sig: the shard exited 0"
    [[ ! -e k$sig.vcf.gz && ! -e k$sig.vcf.gz.tbi ]] || fail "SIG$sig: the killed shard left k$sig.vcf.gz"
    [[ $sig == KILL ]] || ! compgen -G "k$sig.vcf.gz.tmp.*" >/dev/null || fail "SIGTERM left $(ls k$sig.vcf.gz.tmp.*)"
done
rm -f kKILL.vcf.gz.tmp.*
"$CALLA" call "${IN[@]}" --shard 2/3 -o kKILL.vcf.gz --quiet 2>log || fail "rerun after SIGKILL: $(cat log)"
"$CALLA" merge-shards -o k.vcf.gz $S/1-of-3.vcf.gz kKILL.vcf.gz $S/3-of-3.vcf.gz 2>log || fail "merge after rerun: $(cat log)"
bcftools view -H k.vcf.gz | cmp -s - one.body || fail "merge after a killed shard's rerun differs"

# errors (usage errors: exit 2, the one-line error first, then the usage)
expect_usage() {  # PATTERN cmd...
    local pat=$1 err rc; shift
    err=$("$@" 2>&1 >/dev/null); rc=$?
    [[ $rc -eq 2 ]] || fail "expected exit 2, got $rc: $*"
    printf '%s\n' "$err" | head -1 | grep -Eq -- "$pat" || fail "error '$(printf '%s\n' "$err" | head -1)' does not match /$pat/"
}
expect_usage 'bad --shard "0/3"' "$CALLA" call "${IN[@]}" --shard 0/3 -o e.vcf.gz
expect_usage 'bad --shard "4/3"' "$CALLA" call "${IN[@]}" --shard 4/3 -o e.vcf.gz
expect_usage 'bad --shard "1/0"' "$CALLA" call "${IN[@]}" --shard 1/0 -o e.vcf.gz
expect_usage 'bad --shard "x"' "$CALLA" call "${IN[@]}" --shard x -o e.vcf.gz
[[ ! -e e.vcf.gz ]] || fail "usage error wrote an output"
expect_fail 1 'both shard 1/3' "$CALLA" merge-shards -o m.vcf.gz $S/1-of-3.vcf.gz $S/1-of-3.vcf.gz $S/3-of-3.vcf.gz
"$CALLA" call "${IN[@]}" --shard 2/3 --qual 5 -o other2.vcf.gz --quiet 2>log || fail "--qual 5 shard: $(cat log)"
expect_fail 1 'shards of different .calla call. runs' "$CALLA" merge-shards -o m.vcf.gz $S/1-of-3.vcf.gz other2.vcf.gz $S/3-of-3.vcf.gz
expect_fail 1 'shards of different .calla call. runs' "$CALLA" merge-shards -o m.vcf.gz $S/1-of-3.vcf.gz four2.vcf.gz $S/3-of-3.vcf.gz
expect_fail 1 'one.vcf.gz" is not a shard' "$CALLA" merge-shards -o m.vcf.gz $S/1-of-3.vcf.gz one.vcf.gz $S/3-of-3.vcf.gz
expect_fail 1 'cannot open shard "nope.vcf.gz"' "$CALLA" merge-shards -o m.vcf.gz nope.vcf.gz
expect_usage 'no shards given' "$CALLA" merge-shards -o m.vcf.gz
[[ ! -e m.vcf.gz && -z $(ls | grep '\.tmp\.') ]] || fail "failed merges left files: $(ls)"
# merge in any order, to BCF and to stdout
"$CALLA" merge-shards -o m.bcf $S/3-of-3.vcf.gz $S/1-of-3.vcf.gz $S/2-of-3.vcf.gz 2>log || fail "merge to BCF: $(cat log)"
[[ -s m.bcf.csi ]] || fail "no .csi"
bcftools view -H m.bcf | cmp -s - one.body || fail "BCF merge records differ"
"$CALLA" merge-shards -o - $S/*.vcf.gz 2>log | bcftools view -H | cmp -s - one.body || fail "stdout merge"

# MPI: 3 ranks = the merge; shard 2/3 over 3 ranks = shard 2
if command -v mpirun >/dev/null && "$CALLA" --version | grep -q '^mpi: yes'; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
    MPIRUN=(mpirun --oversubscribe --allow-run-as-root -np 3)
    if "${MPIRUN[@]}" true >/dev/null 2>&1; then
        "${MPIRUN[@]}" "$CALLA" call "${IN[@]}" -o mpi.vcf.gz --quiet 2>log || fail "mpirun: $(tail -3 log)"
        bcftools view -H mpi.vcf.gz | cmp -s - merged.body || fail "mpirun -np 3 records differ from the merge"
        "${MPIRUN[@]}" "$CALLA" call "${IN[@]}" --shard 2/3 -o mpi2.vcf.gz --quiet 2>log || fail "mpirun shard: $(tail -3 log)"
        bcftools view -H mpi2.vcf.gz | cmp -s - want.2 || fail "shard 2/3 on 3 ranks differs"
        [[ $(bcftools view -h mpi2.vcf.gz | grep '^##calla_shard=') == \
            $(bcftools view -h $S/2-of-3.vcf.gz | grep '^##calla_shard=') ]] || fail "shard line on 3 ranks differs"
    else
        echo "note: mpirun -np 3 cannot start here; MPI part skipped"
    fi
else
    echo "note: no mpirun or no MPI build; MPI part skipped"
fi
done_test
