#!/usr/bin/env bash
# bench/read_profile.sh — error profile of aligned reads, one markdown table row per BAM.
#
#   bench/read_profile.sh [--header] LABEL BAM REF.fa [REGION] [TRUTH.vcf.gz]
#
# Uses primary alignments with MAPQ >= 5 (samtools view -F 0x904 -q 5) overlapping REGION
# (all reads if REGION is empty or absent). Reads are compared base by base to REF along
# the CIGAR (bench/read_profile.py); positions of TRUTH variants (+-1 bp) are masked so
# real variants do not count as errors. Columns: reads, read length mean and N50 (whole
# read incl. soft clips), mean base quality, per-read mismatch / inserted / deleted bases
# per aligned base (mean / median over reads, in %), indel event length histogram, and the
# homopolymer error rate: % of reference runs >= 4 bp (inside REGION, fully spanned with both
# flanking bases aligned) whose length in the read differs from the reference, by run length,
# and the share of those where the read run is shorter. With READ_PROFILE_CALIB=1 a second row
# gives, per reported-BQ bin 0-9/10-19/20-29/30-39/40+, the share of aligned bases and the
# empirical substitution Phred (indels not counted).
#
# Example (header + one row):
#   bench/read_profile.sh --header
#   bench/read_profile.sh "HG001 ilmn real" NA12878.bam ucsc.hg19.chr20.fa.gz chr20:10000001-10100000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
if [[ ${1:-} == --header ]]; then exec "$py" "$here/read_profile.py" --header; fi
if [[ ${1:-} == -h || ${1:-} == --help || $# -lt 3 ]]; then
    if [[ ${1:-} == -h || ${1:-} == --help ]]; then sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2
fi
label=$1 bam=$2 ref=$3 region=${4:-} vcf=${5:-}
[[ -r $bam ]] || { echo "[read_profile] cannot read BAM \"$bam\"" >&2; exit 1; }
[[ -r $ref ]] || { echo "[read_profile] cannot read reference \"$ref\"" >&2; exit 1; }
[[ -z $vcf || -r $vcf ]] || { echo "[read_profile] cannot read VCF \"$vcf\"" >&2; exit 1; }
# shellcheck disable=SC2086
samtools view -F 0x904 -q 5 "$bam" $region | "$py" "$here/read_profile.py" "$label" "$ref" "$region" "$vcf"
