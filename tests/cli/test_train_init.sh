#!/usr/bin/env bash
# calla train --init MODEL (fine-tuning), on synthetic clair3-fa tensors of 8 read rows:
#  1. the parameters start as MODEL's: a model of 55 rows (another read-row count), trained one
#     epoch at lr 1e-9, still has MODEL's dense kernel (relative L2 distance < 1e-6), where the
#     same run without --init starts elsewhere (distance > 0.5); the model file records
#     training.init;
#  2. the batch-norm running statistics start as MODEL's too: after one update from a trained
#     model they stay near its statistics, much nearer than a fresh run's (momentum blends in one
#     batch only);
#  3. bad uses: a model of another architecture or a missing file (exit 1, the file named, no
#     output), --init with --resume (exit 2);
#  4. a run resumed from the checkpoint of an --init run (stopped after one update) writes a
#     model file that still records training.init; a resumed fresh run's does not.
source "$(dirname "$0")/lib.sh"
T=$CALLA_TOOLS
cd "$TMP" || exit 1
"$T/mksynth" fa.ctf clair3-fa 400 3 || fail "mksynth clair3-fa"
"$CALLA" model create --arch clair3-fa --platform hifi --seed 7 -o src.st 2>/dev/null || fail "model create"
train() { "$CALLA" train -i fa.ctf --arch clair3-fa --batch 40 --chunk 10 -@ 2 "$@"; }
rel_l2() { "$T/stdiff" "$1" "$2" "$3" | sed 's/.*rel_l2=\([^ ]*\).*/\1/'; }

# 1.
train --epochs 1 --lr 1e-9 --init src.st -o i.st 2>i.err || fail "--init: $(tail -n 2 i.err)"
grep -q 'parameters initialised from "src.st"' i.err || fail "no --init message: $(cat i.err)"
train --epochs 1 --lr 1e-9 -o f.st 2>/dev/null || fail "fresh run"
di=$(rel_l2 src.st i.st zygosity.kernel) df=$(rel_l2 src.st f.st zygosity.kernel)
echo "zygosity.kernel vs MODEL: --init $di, fresh $df"
awk -v a="$di" 'BEGIN { exit !(a != "" && a < 1e-6) }' || fail "--init: parameters not MODEL's ($di)"
awk -v a="$df" 'BEGIN { exit !(a != "" && a > 0.5) }' || fail "fresh run as close to MODEL ($df)"
grep -aq '"training.init":"src.st"' i.st || fail "no training.init in the model file"
grep -aq '"training.init"' f.st && fail "training.init without --init"

# 2. from the trained f.st (its statistics are no longer the initial ones): one update
train --epochs 1 --max-steps 1 --init f.st -o s1.st 2>/dev/null || fail "--init, one update"
train --epochs 1 --max-steps 1 -o s2.st 2>/dev/null || fail "fresh, one update"
for t in conv1.bn.moving_variance res3.bn2.moving_mean; do
    a=$(rel_l2 f.st s1.st.ckpt $t) b=$(rel_l2 f.st s2.st.ckpt $t)
    echo "$t vs MODEL after one update: --init $a, fresh $b"
    awk -v a="$a" -v b="$b" 'BEGIN { exit !(a != "" && b != "" && a < 0.3 * b) }' ||
        fail "$t: --init $a not well below fresh $b"
done

# 3.
"$CALLA" model create --arch clair3-pileup --platform ont -o pile.st 2>/dev/null || fail "model create pileup"
expect_fail 1 '"pile.st" is a clair3-pileup model' train --epochs 1 --init pile.st -o x.st
expect_fail 1 'nope.st' train --epochs 1 --init nope.st -o x.st
[[ ! -e x.st && ! -e x.st.ckpt ]] || fail "a refused --init left output"
train --epochs 1 --init src.st --resume s1.st.ckpt -o x.st 2>err; [[ $? -eq 2 ]] ||
    fail "--init with --resume: not a usage error"
grep -q 'exclude each other' err || fail "--init with --resume: $(head -n 1 err)"

# 4.
train --epochs 1 --resume s1.st.ckpt -o r1.st 2>err || fail "resume the --init run: $(tail -n 2 err)"
grep -aq '"training.init":"f.st"' r1.st || fail "resumed --init run: no training.init"
train --epochs 1 --resume s2.st.ckpt -o r2.st 2>err || fail "resume the fresh run: $(tail -n 2 err)"
[[ -s r2.st ]] || fail "resumed fresh run: no model file"
grep -aq '"training.init"' r2.st && fail "resumed fresh run: training.init"
done_test
