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

# well-formed XML (tests/tools/xmlcheck: nesting, attributes, references), legend included
XC=$CALLA_TOOLS/xmlcheck
if [[ -x $XC ]]; then
    "$XC" "$TMP/both.svg" >"$TMP/el" || fail "both.svg is not well-formed"
    [[ $(grep -cx polyline "$TMP/el") -eq 24 ]] || fail "xmlcheck: polyline elements"
fi

# --- the header line of `calla train` is skipped; NAME=FILE labels --------------------------------
{ echo '{"header":"calla train","train_rows":100,"val_rows":10}'; cat "$TMP/a.jsonl"; } >"$TMP/h.jsonl"
$CALLA plot "run one=$TMP/h.jsonl" "$TMP/b.jsonl" -o "$TMP/h.svg" --x epoch || fail "plot with a header line"
[[ $(grep -c '<polyline' "$TMP/h.svg") -eq 12 ]] || fail "header log: polylines $(grep -c '<polyline' "$TMP/h.svg")"
grep -q '>run one<' "$TMP/h.svg" || fail "NAME=FILE: no legend label 'run one'"
grep -q '>h.jsonl<' "$TMP/h.svg" && fail "NAME=FILE: the file name is still the label"
# an existing file whose name holds '=' is a file, labelled by its name
cp "$TMP/a.jsonl" "$TMP/x=y.jsonl"
$CALLA plot "$TMP/x=y.jsonl" -o "$TMP/eq.svg" --x epoch || fail "file name with '='"
grep -q '>x=y.jsonl<' "$TMP/eq.svg" || fail "file name with '=' not used as the label"

# --- legend layout: long names do not run into the next entry ------------------------------------
long1=$(printf 'training-run-with-a-rather-long-descriptive-name-%02d.jsonl' 1)
long2=$(printf 'training-run-with-a-rather-long-descriptive-name-%02d.jsonl' 2)
huge=$(printf 'x%.0s' $(seq 1 300))
cp "$TMP/a.jsonl" "$TMP/$long1"; cp "$TMP/b.jsonl" "$TMP/$long2"
$CALLA plot "$TMP/$long1" "$TMP/$long2" "$huge=$TMP/a.jsonl" -o "$TMP/leg.svg" --x epoch ||
    fail "plot with long names"
[[ -x $XC ]] && { "$XC" "$TMP/leg.svg" >/dev/null || fail "leg.svg is not well-formed"; }
W=$(sed -n 's/.*<svg [^>]*width="\([0-9]*\)".*/\1/p' "$TMP/leg.svg")
# Legend entries: a swatch <line> with stroke-width="2" at x1, then its <text>. Widths are bounded
# below by 0.5 em per character (Helvetica's narrowest common letters are wider than that on
# average), so entries on one row must lie at least that far apart; every text ends inside W.
awk -v W="$W" '
/<line x1=.*stroke-width="2"/ && !/polyline/ { match($0, /x1="[0-9.]+"/); sx = substr($0, RSTART + 4, RLENGTH - 5) + 0
    match($0, /y1="[0-9.]+"/); sy = substr($0, RSTART + 4, RLENGTH - 5) + 0; sw = 1; next }
sw && /<text / { sw = 0; match($0, />[^<]*</); t = substr($0, RSTART + 1, RLENGTH - 2)
    n = length(t); gsub(/\342\200\246/, ".", t); n = length(t)
    match($0, / x="[0-9.]+"/); tx = substr($0, RSTART + 4, RLENGTH - 5) + 0
    if (sy == py && sx < pend) { print "legend entry at x=" sx " overlaps the previous text ending at " pend; bad = 1 }
    end = tx + 0.5 * 12 * n; if (end > W) { print "legend text ends at " end " > width " W; bad = 1 }
    py = sy; pend = end; ne++ }
END { if (ne < 7) { print "only " ne " legend entries"; bad = 1 }; exit bad }' "$TMP/leg.svg" || fail "legend layout"
grep -q "$long1<" "$TMP/leg.svg" && grep -q "$long2<" "$TMP/leg.svg" || fail "long names were cut although they fit"
grep -q "$huge" "$TMP/leg.svg" && fail "a 300-character label was not cut"
grep -q 'xxxx…<' "$TMP/leg.svg" || fail "no ellipsis on the cut label"

# --- --log-y: loss values 2, 1, 0.5 (a factor 2 each) are equally spaced on the loss panel -------
$CALLA plot "$TMP/a.jsonl" -o "$TMP/log.svg" --x epoch --log-y || fail "--log-y"
grep -q 'loss (log scale)<' "$TMP/log.svg" || fail "--log-y: no log-scale axis label"
# first polyline = the train loss of the loss panel
pts=$(grep -m 1 '<polyline' "$TMP/log.svg" | sed 's/.*points="\([^"]*\)".*/\1/')
awk -v p="$pts" 'BEGIN { n = split(p, a, " "); if (n != 3) exit 1; for (i = 1; i <= 3; i++) { split(a[i], q, ","); y[i] = q[2] }
    d1 = y[2] - y[1]; d2 = y[3] - y[2]; exit !(d1 > 10 && (d1 - d2 < 0.2 && d2 - d1 < 0.2)) }' ||
    fail "--log-y: train loss points not equally spaced: $pts"
# without --log-y they are not (2 -> 1 is twice 1 -> 0.5)
pts=$(grep -m 1 '<polyline' "$TMP/e.svg" | sed 's/.*points="\([^"]*\)".*/\1/')
awk -v p="$pts" 'BEGIN { n = split(p, a, " "); for (i = 1; i <= 3; i++) { split(a[i], q, ","); y[i] = q[2] }
    d1 = y[2] - y[1]; d2 = y[3] - y[2]; r = d1 / d2; exit !(r > 1.9 && r < 2.1) }' ||
    fail "linear axis: spacing ratio of the train loss points is not 2: $pts"
# log ticks: 0.5, 1 and 2 (1-2-5 steps inside one decade and a bit)
for t in 0.5 1 2; do grep -q "text-anchor=\"end\" font-size=\"11\">$t<" "$TMP/log.svg" || fail "--log-y: no y tick $t"; done

# --log-y leaves out losses <= 0 with one warning counting them: a.jsonl with epoch 3's train loss
# 0 and epoch 2's validation loss -1 loses 2 of 6 points (the train polyline keeps 2 points); an
# all-zero log loses all 6 and the warning says the loss panels are empty; a.jsonl has no warning.
sed -e '3s/"train_loss":0.5/"train_loss":0/' -e '2s/"val_loss":0.9/"val_loss":-1/' "$TMP/a.jsonl" >"$TMP/z.jsonl"
$CALLA plot "$TMP/z.jsonl" -o "$TMP/z.svg" --x epoch --log-y 2>"$TMP/z.err" || fail "--log-y with losses <= 0"
[[ $(grep -c . "$TMP/z.err") -eq 1 ]] && grep -q -- '--log-y: 2 loss value(s) <= 0 left out of the loss panels$' "$TMP/z.err" ||
    fail "--log-y warning: $(cat "$TMP/z.err")"
pts=$(grep -m 1 '<polyline' "$TMP/z.svg" | sed 's/.*points="\([^"]*\)".*/\1/')
[[ $(wc -w <<<"$pts") -eq 2 ]] || fail "--log-y: train loss polyline should keep 2 points: $pts"
sed -e 's/"train_loss":[0-9.]*/"train_loss":0/' -e 's/"val_loss":[0-9.]*/"val_loss":0/' "$TMP/a.jsonl" >"$TMP/z0.jsonl"
$CALLA plot "$TMP/z0.jsonl" -o "$TMP/z0.svg" --x epoch --log-y 2>"$TMP/z0.err" || fail "--log-y all-zero"
grep -q -- '6 loss value(s) <= 0 left out of the loss panels (no loss is > 0: the loss panels are empty)' "$TMP/z0.err" ||
    fail "--log-y all-zero warning: $(cat "$TMP/z0.err")"
$CALLA plot "$TMP/a.jsonl" -o "$TMP/log2.svg" --x epoch --log-y 2>"$TMP/a.err" || fail "--log-y"
[[ -s $TMP/a.err ]] && fail "--log-y warned about positive losses: $(cat "$TMP/a.err")"

# --- control characters in a legend name (NAME=FILE) become spaces: the SVG stays XML 1.0 --------
$CALLA plot "$(printf 'a\001b\037c\td')=$TMP/a.jsonl" -o "$TMP/ctl.svg" --x epoch || fail "plot with a control-character name"
LC_ALL=C grep -q "$(printf '[\001-\010\013\014\016-\037]')" "$TMP/ctl.svg" && fail "control characters in the SVG"
grep -q "$(printf '>a b c\td<')" "$TMP/ctl.svg" || fail "control characters not replaced by spaces (tab kept)"
[[ -x $XC ]] && { "$XC" "$TMP/ctl.svg" >/dev/null || fail "ctl.svg is not well-formed"; }

# --- -o -: stdout; non-SVG names refused ---------------------------------------------------------
$CALLA plot "$TMP/a.jsonl" -o "$TMP/one.svg" --x epoch || fail "plot one log"
$CALLA plot "$TMP/a.jsonl" -o - --x epoch | cmp -s - "$TMP/one.svg" || fail "-o - differs from -o one.svg"
for o in x.png y.PDF; do
    expect_fail 2 'writes SVG only' $CALLA plot "$TMP/a.jsonl" -o "$TMP/$o"
    [[ -e $TMP/$o ]] && fail "$o written"
done

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
