#!/usr/bin/env bash
# tests/tools/evalctf (the held-out scorer of the FA stage, docs/models.md): on labelled clair3-fa
# tensors of simulated reads (8 read rows) and a fresh clair3-fa model,
# (a) -c prints the gt21 confusion of the truth variants, which equals the one computed here in
#     awk from the labels (`calla view`) and the argmax of the gt21 probabilities that
#     tests/tools/predict writes (the model run one record at a time);
# (b) the summary lines are the same with and without -c, and the confusion counts add up to the
#     truth variants (zygosity label not 0);
# (c) a usage error exits 2.
source "$(dirname "$0")/lib.sh"
for t in evalctf predict; do
    [[ -x $CALLA_TOOLS/$t ]] || { fail "no $CALLA_TOOLS/$t (make builds it)"; done_test; }
done
cd "$TMP" || fail "cd"
"$CALLA" simulate -o sim --genome-size 60k --platform hifi --depth 12 --snp-rate 0.004 \
    --indel-rate 0.0008 --seed 5 2>log || { fail "simulate: $(tail -1 log)"; done_test; }
"$CALLA" tensors -b sim/reads.bam -f sim/ref.fa --platform hifi --features clair3-fa --fa-rows 8 \
    --truth sim/truth.vcf.gz --confident sim/confident.bed -o t.ctf 2>log || { fail "tensors: $(cat log)"; done_test; }
"$CALLA" model create --arch clair3-fa --rows 8 --platform hifi --seed 4 -o fa.st 2>/dev/null || fail "create"

# (a)
"$CALLA_TOOLS/evalctf" -c fa.st t.ctf >c.txt || fail "evalctf -c"
"$CALLA_TOOLS/predict" fa.st t.ctf >pred.txt || fail "predict"
"$CALLA" view t.ctf | cut -f4 >lab.txt
[[ $(wc -l <lab.txt) -eq $(wc -l <pred.txt) ]] || fail "(a) view and predict disagree on the record count"
nvar=$(awk -F, '$2 != 0' lab.txt | wc -l)
[[ $nvar -ge 20 ]] || fail "(a) only $nvar truth variants"
# class names in Clair3's order (clair3.md §4.1)
paste lab.txt <(cut -f3 pred.txt) | awk -F'\t' '
    BEGIN { split("AA AC AG AT CC CG CT GG GT TT DD AD CD GD TD II AI CI GI TI ID", g, " ") }
    { split($1, l, ","); if (l[2] == 0) next
      split($2, p, ","); b = 1; for (i = 2; i <= 21; i++) if (p[i] + 0 > p[b] + 0) b = i
      n[l[1] + 1, b]++ }
    END { for (t = 1; t <= 21; t++) for (q = 1; q <= 21; q++) if (n[t, q])
              printf "gt21_confusion true=%s pred=%s n=%d\n", g[t], g[q], n[t, q] }' >want.txt
grep '^gt21_confusion' c.txt >got.txt
[[ -s want.txt ]] || fail "(a) nothing expected"
cmp -s want.txt got.txt || fail "(a) confusion differs: $(diff want.txt got.txt | head -6)"

# (b)
"$CALLA_TOOLS/evalctf" fa.st t.ctf >s.txt || fail "evalctf"
cmp -s s.txt <(grep -v '^gt21_confusion' c.txt) || fail "(b) -c changed the summary"
sum=$(awk '{ sub(/.*n=/, ""); s += $0 } END { print s + 0 }' got.txt)
[[ $sum -eq $nvar ]] || fail "(b) confusion counts $sum, truth variants $nvar"

# (c)
"$CALLA_TOOLS/evalctf" -c fa.st >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "(c) usage error did not exit 2"
done_test
