# `calla call --precision` on the CPU (network/infer.h, docs/network.md), real HG001 Illumina slice
# with the shipped model:
# - fp32 (the default) and --precision fp32 give the same VCF;
# - bf16 through the scalar emulation (CALLA_BF16_EMULATE=1) changes no call at QUAL >= 5 (site,
#   GT, FILTER) on this slice (the figure measured by bench/precision.sh, docs/benchmarks.md);
# - where the CPU has AVX-512-BF16, the native kernel writes exactly the emulation's VCF, and
#   auto is bf16, and -@ 1 writes the same VCF as -@ 2; without it, auto is fp32 (and the native
#   part is skipped with a message);
# - a Clairvoyante model: bf16 is a one-line error (exit 1), auto falls back to fp32.
source "$(dirname "$0")/lib.sh"
need bcftools
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
BAM=$D/NA12878_S1.chr20.10_10p1mb.bam
REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
REG=chr20:10000001-10100000
run() {  # NAME ENV-EMULATE ARGS...: calls into $TMP/NAME/calls.vcf.gz (same name: same header)
    local name=$1 emu=$2; shift 2
    mkdir -p "$TMP/$name" && (cd "$TMP/$name" &&
        CALLA_BF16_EMULATE=$emu "$CALLA" call -b "$BAM" -f "$REF" -r "$REG" -@ "${THREADS:-2}" --quiet \
            -o calls.vcf.gz "$@") ||
        fail "call $name"
}
body() { gzip -dc "$TMP/$1/calls.vcf.gz" | grep -v '^##calla_command\|^##bcftools\|^##fileDate'; }
calls() { bcftools query -i 'QUAL>=5' -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\t%FILTER\n' "$TMP/$1/calls.vcf.gz"; }
run default 0 --platform ilmn
run fp32 0 --platform ilmn --precision fp32
cmp -s <(body default) <(body fp32) || fail "--precision fp32 differs from the default"
run emu 1 --platform ilmn --precision bf16
n=$(calls fp32 | wc -l)
[[ $n -ge 40 ]] || fail "only $n calls at QUAL >= 5"
d=$(comm -3 <(calls fp32 | sort) <(calls emu | sort) | wc -l)
[[ $d -eq 0 ]] || fail "bf16 (emulated) changes $d calls at QUAL >= 5"
run auto 0 --platform ilmn --precision auto
if grep -qw avx512_bf16 /proc/cpuinfo; then
    run bf16 0 --platform ilmn --precision bf16
    cmp -s <(body emu) <(body bf16) || fail "AVX-512-BF16 and the emulation write different VCFs"
    THREADS=1 run bf16t1 0 --platform ilmn --precision bf16
    cmp -s <(body bf16) <(body bf16t1) || fail "bf16: -@ 1 and -@ 2 differ"
    cmp -s <(body bf16) <(body auto) || fail "auto is not bf16 on an AVX-512-BF16 CPU"
else
    echo "not run: no AVX-512-BF16 CPU here (native bf16 kernel)"
    cmp -s <(body fp32) <(body auto) || fail "auto is not fp32 without AVX-512-BF16"
fi
expect_fail 1 'clairvoyante model computes in fp32 only' \
    "$CALLA" call -b "$BAM" -f "$REF" -r "$REG" --platform ilmn -m "$CALLA_ROOT/models/clairvoyante-ilmn.safetensors" \
    --precision bf16 -o "$TMP/cv.vcf.gz"
[[ ! -e $TMP/cv.vcf.gz ]] || fail "output left after the error"
run cv 0 -m "$CALLA_ROOT/models/clairvoyante-ilmn.safetensors" --precision auto
done_test
