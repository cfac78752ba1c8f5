#!/usr/bin/env bash
# make-seeds.sh — regenerates the seed corpus fuzz/corpus/NAME/ by running calla (and its test
# tools) on the test fixtures (tests/fixtures: two 60-bp contigs and hand-built reads). Every seed
# is small and made here; none is a copy of ../shared data. Needs a built calla ($BUILD/calla,
# $BUILD/tools/mkmodel), samtools, bgzip. Usage: [BUILD=build] fuzz/make-seeds.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
CALLA=$root/$BUILD/calla MK=$root/$BUILD/tools/mkmodel
C=$root/fuzz/corpus
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for n in tensorfile safetensors bed region labels eval_vcf merge_shards; do rm -rf "${C:?}/$n"; mkdir -p "$C/$n"; done

cp "$root/tests/fixtures/tensors_ref.fa" "$T/ref.fa" && samtools faidx "$T/ref.fa"
samtools sort -o "$T/reads.bam" "$root/tests/fixtures/tensors_reads.sam" 2>/dev/null
samtools index "$T/reads.bam"
# A truth set on the fixture: the SNP at ctg1:5 (A>G), the 2-bp insertion and 3-bp deletion at 30.
printf '##fileformat=VCFv4.2\n##contig=<ID=ctg1,length=60>\n##contig=<ID=ctg2,length=60>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n' >"$T/head.vcf"
{ cat "$T/head.vcf"
  printf 'ctg1\t5\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n'
  printf 'ctg1\t30\t.\tC\tCAT,CAGTA\t50\tPASS\t.\tGT\t1/2\n'
  printf 'ctg1\t40\t.\tTAGC\tT\t50\tPASS\t.\tGT\t1|1\n'
  printf 'ctg1\t58\t.\tC\tT\t50\tLowQual\t.\tGT\t0/1\n'
  printf 'ctg2\t20\t.\tC\tT\t50\t.\t.\tGT\t1/1\n'; } >"$T/truth.vcf"
bgzip -c "$T/truth.vcf" >"$T/truth.vcf.gz" && tabix -p vcf "$T/truth.vcf.gz"
printf 'ctg1\t0\t45\nctg2\t5\t60\n' >"$T/conf.bed"

# tensorfile: calling and training tensors of the three feature kinds.
"$CALLA" tensors -b "$T/reads.bam" -f "$T/ref.fa" -r ctg1 --platform ilmn -o "$C/tensorfile/calling.ctf" 2>/dev/null
"$CALLA" tensors -b "$T/reads.bam" -f "$T/ref.fa" -r ctg1:1-12 --platform ilmn --features clairvoyante \
    -o "$C/tensorfile/clv.ctf" 2>/dev/null
"$CALLA" tensors -b "$T/reads.bam" -f "$T/ref.fa" -r ctg1:20-40 --platform hifi --truth "$T/truth.vcf.gz" \
    --confident "$T/conf.bed" -o "$C/tensorfile/train.ctf" 2>/dev/null
"$CALLA" tensors -b "$T/reads.bam" -f "$T/ref.fa" -r ctg2 --platform ont -o "$C/tensorfile/empty.ctf" 2>/dev/null
# clair3-fa (rows x 8 channels per position), 2 rows to keep the seed small
"$CALLA" tensors -b "$T/reads.bam" -f "$T/ref.fa" -r ctg1:1-12 --platform ilmn --features clair3-fa \
    --fa-rows 2 -o "$C/tensorfile/fa.ctf" 2>/dev/null

# safetensors: the headers of real model files (both architectures, written by modelfile_save
# through mkmodel) in the harness's "CSTH" form, plus two small whole files.
for arch in clair3-pileup clairvoyante; do
    "$MK" "$T/$arch.st" "$arch" >/dev/null
    python3 - "$T/$arch.st" "$C/safetensors/$arch.csth" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
hl = struct.unpack('<Q', b[:8])[0]
open(sys.argv[2], 'wb').write(b'CSTH' + struct.pack('<I', len(b) - 8 - hl) + b[8:8 + hl])
PY
done
python3 - "$C/safetensors" <<'PY'
import json, struct, sys
def st(path, tensors, meta):
    hdr, data = {}, b''
    for name, dtype, shape, raw in tensors:
        hdr[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    hdr["__metadata__"] = meta
    h = json.dumps(hdr).encode()
    h += b' ' * (-len(h) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + data)
st(sys.argv[1] + '/small.safetensors',
   [("a", "F32", [2, 2], struct.pack('<4f', 1, -2, 0.5, 3)),
    ("b", "F16", [3], struct.pack('<3H', 0x3c00, 0xc000, 0x7bff)),
    ("c", "BF16", [], struct.pack('<H', 0x3f80))],
   {"architecture": "clair3-pileup", "note": "x\u00e9\\n"})
st(sys.argv[1] + '/empty.safetensors', [], {})
PY

# BED: the forms tensors/eval/-R accept and reject.
printf 'ctg1\t0\t45\nctg2\t5\t60\n' >"$C/bed/plain.bed"
printf 'track name=x\nbrowser position ctg1\n# comment\nctg2\t10\t20\textra\t0\t+\nctg2\t15\t30\nctg1\t0\t1\nctg1\t1\t2\n' >"$C/bed/merge.bed"
printf 'ctg1\t5\t3\n' >"$C/bed/reversed.bed"
printf 'ctg3\t0\t10\n' >"$C/bed/unknown.bed"
printf 'ctg1\t0\t61\n' >"$C/bed/beyond.bed"
printf 'ctg1 0 10\r\n' >"$C/bed/spaces.bed"

# Region strings (one -r argument per line).
printf 'ctg1' >"$C/region/contig"
printf 'ctg1:10' >"$C/region/start"
printf 'ctg1:1-60\nctg2:5-5\nctg1:20-30' >"$C/region/ranges"
printf 'ctg1:1,0-2,0' >"$C/region/commas"
printf 'ctg2:0-10' >"$C/region/zero"
printf 'ctg1:30-20' >"$C/region/reversed"

# Truth VCFs for labelling (plain text; the harness bgzips and indexes it), with and without a
# confident BED after "#CONFIDENT".
cp "$T/truth.vcf" "$C/labels/truth.vcf"
{ cat "$T/truth.vcf"; printf '#CONFIDENT\n'; cat "$T/conf.bed"; } >"$C/labels/truth-conf.vcf"
{ cat "$T/head.vcf"
  printf 'ctg1\t5\t.\tA\t<DEL>\t.\tPASS\t.\tGT\t0/1\n'
  printf 'ctg1\t9\t.\tACGG\tA,AT\t.\tPASS\t.\tGT\t2/1\n'
  printf 'ctg1\t12\t.\tG\tA\t.\tPASS\t.\tGT\t./.\n'
  printf 'ctg1\t13\t.\tT\tC,G,A\t.\tPASS\t.\tGT\t3/3\n'
  printf 'ctg2\t1\t.\tTTGACCATGAGCATTCAGGCATCGTAGCT\tT\t.\tPASS\t.\tGT\t0/1\n'; } >"$C/labels/odd.vcf"

# Calls for eval: calla call with a model that calls every candidate, plus hand-made records
# (multi-allelic, indels to left-align, an MNP, symbolic and filtered alleles).
"$MK" "$T/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 >/dev/null
"$CALLA" call -b "$T/reads.bam" -f "$T/ref.fa" -m "$T/m.st" -r ctg1 --ref-calls -o "$T/calls.vcf.gz" 2>/dev/null
bgzip -dc "$T/calls.vcf.gz" >"$C/eval_vcf/call.vcf"
cp "$T/truth.vcf" "$C/eval_vcf/truth.vcf"
{ cat "$T/head.vcf"
  printf 'ctg1\t3\t.\tGTACGT\tGTACGTACGT\t.\tPASS\t.\tGT\t0/1\n'
  printf 'ctg1\t10\t.\tCGG\tTGA\t.\tPASS\t.\tGT\t1/1\n'
  printf 'ctg1\t20\t.\tT\t<*>,*,G[ctg2:5[\t.\tPASS\t.\tGT\t1/2\n'
  printf 'ctg1\t25\t.\tG\tA\t.\tq10\t.\tGT\t0|1\n'
  printf 'ctg2\t58\t.\tCAA\tC\t.\t.\t.\tGT\t1\n'; } >"$C/eval_vcf/norm.vcf"

# Shards for merge-shards: two shards of one `calla call --shard I/2 --gvcf` run on the fixture
# (VCF and gVCF), joined by a "#SHARD" line; one shard alone; and a hand-made pair where a call at
# the start of shard 2 lies inside a homozygous deletion of shard 1 (FILTER Overlap).
for k in 1 2; do
    "$CALLA" call -b "$T/reads.bam" -f "$T/ref.fa" -m "$T/m.st" --chunk-size 30 --shard $k/2 \
        -o "$T/s$k.vcf" --gvcf "$T/s$k.g.vcf" 2>/dev/null
done
{ cat "$T/s1.vcf"; printf '#SHARD\n'; cat "$T/s2.vcf"; } >"$C/merge_shards/calls.vcf"
{ cat "$T/s1.g.vcf"; printf '#SHARD\n'; cat "$T/s2.g.vcf"; } >"$C/merge_shards/gvcf.vcf"
cp "$T/s2.vcf" "$C/merge_shards/one.vcf"
shard_head() {
    printf '##fileformat=VCFv4.2\n##FILTER=<ID=PASS,Description="All filters passed">\n'
    printf '##FILTER=<ID=Overlap,Description="Inside a deletion">\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n##contig=<ID=ctg1,length=60>\n'
    printf '##calla_shard=%s run=0123456789abcdef\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n' "$1"
}
{ shard_head "1/2 chunks=0-1/2"; printf 'ctg1\t10\t.\tGCCCA\tG\t30\tPASS\t.\tGT\t1/1\n#SHARD\n'
  shard_head "2/2 chunks=1-2/2"; printf 'ctg1\t12\t.\tC\tT\t10\tPASS\t.\tGT\t1/1\n'
  printf 'ctg1\t13\t.\tCAAAAA\tC\t20\tPASS\t.\tGT\t1\n'
  printf 'ctg1\t15\t.\tA\tT\t10\tOverlap\t.\tGT\t1|1\n'; } >"$C/merge_shards/overlap.vcf"
du -sh "$C"/*
