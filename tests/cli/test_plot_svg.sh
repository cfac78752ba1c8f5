#!/usr/bin/env bash
# calla plot: SVG from two hand-written JSONL logs; structure (one polyline per series and panel,
# tick labels, legend names), both x axes, rendering by rsvg-convert when installed, and errors.
source "$(dirname "$0")/lib.sh"

cat >"$TMP/a.jsonl" <<'J'
{"epoch":1,"step":10,"lr":0.001,"train_loss":2.0,"val_loss":1.5,"val_acc_gt21":0.5,"val_acc_zygosity":0.6,"val_f1":0.7,"val_genotype_f1":0.6,"samples_per_s":100,"wall_s":10}
{"epoch":2,"step":20,"lr":0.001,"train_loss":1.0,"val_loss":0.9,"val_acc_gt21":0.8,"val_acc_zygosity":0.85,"val_f1":0.9,"val_genotype_f1":0.8,"samples_per_s":100,"wall_s":20}
{"epoch":3,"step":30,"lr":0.001,"train_loss":0.5,"val_loss":0.6,"val_acc_gt21":0.9,"val_acc_zygosity":0.95,"val_f1":0.95,"val_genotype_f1":0.9,"samples_per_s":100,"wall_s":30}
J
head -n 2 "$TMP/a.jsonl" | sed 's/"wall_s":\([0-9]*\)/"wall_s":\15/' >"$TMP/b.jsonl"

$CALLA plot --help | grep -q 'Usage: calla plot' || fail "--help"
$CALLA plot "$TMP/a.jsonl" "$TMP/b.jsonl" -o "$TMP/e.svg" --x epoch || fail "plot --x epoch"
[[ -s $TMP/e.svg ]] || fail "no SVG"
head -c 200 "$TMP/e.svg" | grep -q '<svg' || fail "not an SVG"
tail -n 1 "$TMP/e.svg" | grep -q '</svg>' || fail "SVG not closed"
# 3 panels: loss (train + val) 2 logs x 2, accuracy 2 heads x 2 logs, F1 2 x 2 logs = 12 lines
n=$(grep -c '<polyline' "$TMP/e.svg")
[[ $n -eq 12 ]] || fail "expected 12 polylines, got $n"
for t in 'Loss per sample' 'Validation accuracy per head' 'Validation F1' 'a.jsonl' 'b.jsonl' \
         'accuracy: gt21' 'accuracy: zygosity' '>epoch<'; do
    grep -q "$t" "$TMP/e.svg" || fail "SVG lacks '$t'"
done
grep -q '>wall time (s)<' "$TMP/e.svg" && fail "--x epoch drew a wall-time axis"
# epoch ticks 1, 2, 3 on the x axis
for t in 1 2 3; do grep -q "text-anchor=\"middle\" font-size=\"11\">$t<" "$TMP/e.svg" || fail "no x tick $t"; done
# default: both rows (epoch and wall time) = 24 lines
$CALLA plot "$TMP/a.jsonl" "$TMP/b.jsonl" -o "$TMP/both.svg" || fail "plot both"
n=$(grep -c '<polyline' "$TMP/both.svg")
[[ $n -eq 24 ]] || fail "expected 24 polylines, got $n"
grep -q '>wall time (s)<' "$TMP/both.svg" || fail "no wall-time axis"
if command -v rsvg-convert >/dev/null 2>&1; then
    rsvg-convert "$TMP/both.svg" -o "$TMP/both.png" || fail "rsvg-convert rejected the SVG"
    [[ -s $TMP/both.png ]] || fail "empty PNG"
fi
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$TMP/both.svg" || fail "SVG is not well-formed XML"
fi

# errors
echo '{"epoch":1,"val_loss":1}' >"$TMP/bad.jsonl"
echo '{"epoch":2,"val_loss":' >>"$TMP/bad.jsonl"
expect_fail 1 'bad.jsonl" line 2' $CALLA plot "$TMP/bad.jsonl" -o "$TMP/x.svg"
expect_fail 1 'missing.jsonl' $CALLA plot "$TMP/missing.jsonl" -o "$TMP/x.svg"
: >"$TMP/empty.jsonl"
expect_fail 1 'no training log records' $CALLA plot "$TMP/empty.jsonl" -o "$TMP/x.svg"
[[ -e $TMP/x.svg ]] && fail "output written despite an error"
$CALLA plot "$TMP/a.jsonl" 2>/dev/null; [[ $? -eq 2 ]] || fail "missing -o should exit 2"
$CALLA plot "$TMP/a.jsonl" -o "$TMP/x.svg" --x steps 2>/dev/null; [[ $? -eq 2 ]] || fail "bad --x should exit 2"
done_test
