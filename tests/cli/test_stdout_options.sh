#!/usr/bin/env bash
# `-o -` and the long option aliases (issue #14): plot, view and eval --json write to standard
# output what they write to a file; tensors, model, train and simulate refuse `-o -` with a usage
# error (exit 2, one line) instead of creating a file named "-"; the samtools/bcftools-style long
# names (--header, --region(s), --output, --fasta-ref, --regions-file, --threads) do what the
# short ones do.
source "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

# ---- plot -o - ---------------------------------------------------------------------------------
printf '%s\n' '{"header":"calla train","train_rows":100,"val_rows":10}' \
    '{"epoch":1,"train_loss":2.0,"val_loss":1.5,"val_f1":0.7,"wall_s":10}' \
    '{"epoch":2,"train_loss":1.0,"val_loss":0.9,"val_f1":0.9,"wall_s":20}' >a.jsonl
"$CALLA" plot a.jsonl -o file.svg || fail "plot -o file.svg"
"$CALLA" plot a.jsonl -o - >stdout.svg || fail "plot -o -"
cmp -s file.svg stdout.svg || fail "plot: -o - differs from -o file.svg"
"$CALLA" plot a.jsonl --output - | cmp -s - file.svg || fail "plot --output -"
[[ -e - ]] && fail "plot created a file named '-'"
expect_fail 2 'writes SVG only' "$CALLA" plot a.jsonl -o x.png
[[ -e x.png ]] && fail "plot wrote x.png"

# ---- view -o / --output / --header / --region(s) -----------------------------------------------
W="$(dirname "$CALLA")/tests/test_tensorfile"
if [[ -x $W ]]; then
    "$W" --write c3.ctf clair3-pileup || fail "fixture writer"
    "$CALLA" view c3.ctf >v.stdout || fail "view"
    [[ $(wc -l <v.stdout) -eq 3 ]] || fail "view: $(wc -l <v.stdout) records, want 3 (fixture)"
    "$CALLA" view -o v.file c3.ctf || fail "view -o FILE"
    cmp -s v.stdout v.file || fail "view -o FILE differs from stdout"
    "$CALLA" view --output - c3.ctf | cmp -s - v.stdout || fail "view --output -"
    ls v.file.tmp.* >/dev/null 2>&1 && fail "view left a temporary file"
    "$CALLA" view -H c3.ctf >h1 && "$CALLA" view --header c3.ctf >h2 || fail "view -H/--header"
    cmp -s h1 h2 || fail "--header differs from -H"
    grep -q '^records: 3$' h2 || fail "--header: no 'records: 3' line"
    # the fixture's records: chr1:6, chrX:16, chr1:26 -> chr1 holds two
    for o in -r --region --regions; do
        n=$("$CALLA" view "$o" chr1 c3.ctf | wc -l)
        [[ $n -eq 2 ]] || fail "view $o chr1: $n records, want 2"
    done
    expect_fail 1 'nosuch' "$CALLA" view -o out.txt c3.ctf -r nosuch
    [[ -e out.txt ]] && fail "view wrote out.txt despite an error"
else
    echo "note: $W not built, view checks skipped"
fi

# ---- refusals: no file named "-" -----------------------------------------------------------------
# usage errors: exit 2, the first line of stderr says why (the usage text follows)
expect_usage() {
    local pat=$1 err rc; shift
    err=$("$@" 2>&1 >/dev/null); rc=$?
    [[ $rc -eq 2 ]] || fail "expected exit 2, got $rc: $*"
    head -n 1 <<<"$err" | grep -Eq -- "$pat" || fail "first error line '$(head -n 1 <<<"$err")' does not match /$pat/"
}
expect_usage 'tensor file cannot be written to standard output' \
    "$CALLA" tensors -b x.bam -f x.fa --platform ilmn -o -
expect_usage 'cannot go to standard output' "$CALLA" model -o - ilmn
expect_usage 'cannot be written to standard output' "$CALLA" train -i x.ctf --model clairvoyante -o -
expect_usage 'directory of files' "$CALLA" simulate -o - --genome-size 10k --platform ilmn --depth 5
[[ -e - ]] && fail "a file named '-' was created"

# ---- eval --json -, --fasta-ref, --regions-file ---------------------------------------------------
if command -v samtools >/dev/null 2>&1; then
    printf '>chr1\nACGTACGTACGTACGTACGT\n' >ref.fa && samtools faidx ref.fa || fail "faidx"
    H='##fileformat=VCFv4.2\n##contig=<ID=chr1,length=20>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
    # truth: SNPs at 3 and 10; query: 3 (match) and 14 (false positive)
    printf "${H}chr1\t3\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\nchr1\t10\t.\tC\tT\t50\tPASS\t.\tGT\t1/1\n" >t.vcf
    printf "${H}chr1\t3\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\nchr1\t14\t.\tC\tG\t50\tPASS\t.\tGT\t0/1\n" >q.vcf
    printf 'chr1\t0\t20\n' >all.bed
    "$CALLA" eval -t t.vcf -q q.vcf -f ref.fa --json e.json >table.out 2>/dev/null || fail "eval --json FILE"
    "$CALLA" eval -t t.vcf -q q.vcf --fasta-ref ref.fa --regions-file all.bed --json - \
        >e.stdout 2>e.stderr || fail "eval --json - --fasta-ref --regions-file"
    cmp -s e.json e.stdout || fail "eval --json - differs from --json FILE"
    grep -q '"allele": {"tp": 1, "fp": 1, "fn": 1, "precision": 0.500000' e.stdout ||
        fail "eval JSON counts (want SNP tp 1, fp 1, fn 1): $(tr -d '\n ' <e.stdout | cut -c1-120)"
    # the table went to stderr, unchanged
    grep -Fxf table.out e.stderr | cmp -s - table.out || fail "eval --json -: table not on stderr"
else
    echo "note: samtools absent, eval checks skipped"
fi
done_test
