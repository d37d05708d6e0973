#!/usr/bin/env bash
# The README's benchmark figures, reproduced: every step writes JSON + markdown under reports/ (heads under
# reports/heads, so the service's own heads directory is left alone). Heavy: run it on a quiet machine.
#
#   bash training/scripts/benchmarks.sh [banking77|scifact|scifact-real|scifact-synth|scifact-ict|scifact-eval|fashion|
#                                        relevance|relevance-fashion|relevance-scifact ...]
#   (default: banking77 scifact fashion relevance; the MTEB-protocol Banking77 table: npx tsx training/scripts/banking77.ts)
# The relevance parts tune the indices they use (adapter, BM25 boosts, fusion stored with the index): run them after
# the scifact part, whose figures are for the untuned index.
set -u
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
HEADS=${HEADS:-reports/heads}
# Adapters named by index tunings are read from $STRATA_HEADS_DIR/adapters: keep them with the heads made here.
export STRATA_HEADS_DIR=${STRATA_HEADS_DIR:-$(pwd)/$HEADS}
INDEX=${INDEX:-scifact-text_minilm-text_chargram}
ENC=text/minilm,text/chargram
strata() { nice -n 10 npx tsx service/cli/main.ts "$@"; }
step() { echo "== $*" >&2; }
parts=${*:-banking77 scifact fashion relevance}
tsxn() { nice -n 10 npx tsx "$@"; }

for part in $parts; do
  case $part in
  banking77)
    for enc in text/minilm text/static text/chargram text/minilm,text/static,text/chargram; do
      name="banking77-$(echo "$enc" | sed 's#text/##g; s#,#+#g')"
      step "Banking77 $enc"
      strata train classify --train "$DATA/banking77/train.csv" --test "$DATA/banking77/test.csv" --label-col category \
        --encoders "$enc" --types lr --name "$name" --out-dir "$HEADS" || echo "FAILED $name" >&2
    done
    ;;
  scifact) set -- scifact-real scifact-synth scifact-ict scifact-eval; for p in "$@"; do bash "$0" "$p"; done ;;
  scifact-real)
    step "SciFact index (resumable)"
    nice -n 10 npx tsx training/scripts/index-beir.ts --data "$DATA/scifact" --encoders text/minilm,text/chargram
    step "SciFact heads from real judgments"
    strata train rerank --data "$DATA/scifact" --index "$INDEX" --encoders $ENC --name scifact --out-dir "$HEADS" || echo "FAILED train real" >&2
    ;;
  scifact-synth)
    step "SciFact synthetic judgments"
    strata synth --data "$DATA/scifact" --index "$INDEX" --encoders $ENC --out reports/synth-scifact.jsonl --max-docs 2500 \
      --drop-rarest 2 --easy-share 0.5 || echo "FAILED synth" >&2
    step "SciFact heads from synthetic judgments"
    strata train rerank --judgments reports/synth-scifact.jsonl --index "$INDEX" --encoders $ENC --name synth --out-dir "$HEADS" || echo "FAILED train synth" >&2
    ;;
  scifact-ict)
    step "SciFact inverse-cloze copy (key sentences removed), indexed"
    nice -n 10 npx tsx training/scripts/ict-corpus.ts --data "$DATA/scifact" --out reports/scifact-ict
    nice -n 10 npx tsx training/scripts/index-beir.ts --data reports/scifact-ict --prefix scifact-ict --encoders text/minilm,text/chargram
    step "SciFact synthetic judgments against the inverse-cloze index"
    strata synth --data "$DATA/scifact" --index scifact-ict-text_minilm-text_chargram --encoders $ENC --out reports/synth-ict-scifact.jsonl \
      --max-docs 2000 --report-dir reports/synth-ict || echo "FAILED synth ict" >&2
    strata train rerank --judgments reports/synth-ict-scifact.jsonl --index scifact-ict-text_minilm-text_chargram --encoders $ENC \
      --name synthict --out-dir "$HEADS" || echo "FAILED train synth ict" >&2
    ;;
  scifact-eval)
    step "SciFact dev evaluation"
    strata eval rerank --data "$DATA/scifact" --index "$INDEX" --encoders $ENC --dev-only --heads scifact-lr,scifact-xgb,synth-lr,synth-xgb,synthict-lr,synthict-xgb \
      --heads-dir "$HEADS" --report eval-rerank-scifact || echo "FAILED eval" >&2
    ;;
  fashion)
    for enc in text/minilm image/mobilenet text/minilm,image/mobilenet; do
      name="fashion-$(echo "$enc" | sed 's#text/##g; s#image/##g; s#,#+#g')"
      step "fashion articleType $enc"
      strata train classify --train "$DATA/fashion-products/styles.csv" --test-fraction 0.2 --seed 13 \
        --text-col productDisplayName --label-col articleType --image-template "$DATA/fashion-products/images/{id}.jpg" \
        --skip-empty --encoders "$enc" --types lr,xgb --xgb-rounds 50 --name "$name" --out-dir "$HEADS" || echo "FAILED $name" >&2
    done
    ;;
  relevance) set -- relevance-fashion relevance-scifact; for p in "$@"; do bash "$0" "$p"; done ;;
  relevance-fashion)
    step "fashion catalog, indexed with text encoders"
    tsxn training/scripts/fashion-catalog.ts --out reports/fashion.jsonl
    strata index reports/fashion.jsonl --index fashion --encoders $ENC --refresh || echo "FAILED index fashion" >&2
    step "fashion synthetic judgments (documents held out for a hard dev split)"
    strata synth --data reports/fashion.jsonl --index fashion --out reports/synth-fashion.jsonl --per-doc 2 --report-dir reports/synth-fashion || echo "FAILED synth fashion" >&2
    step "fashion query adapter, BM25 boosts and fusion from synthetic judgments"
    strata adapt --judgments reports/synth-fashion.jsonl --index fashion --name fashion --attach || echo "FAILED adapt fashion" >&2
    strata train fusion --judgments reports/synth-fashion.jsonl --index fashion || echo "FAILED fusion fashion" >&2
    step "fashion heads (index and inline views) from synthetic judgments"
    strata train rerank --judgments reports/synth-fashion.jsonl --index fashion --name fashion --view index,inline --out-dir "$HEADS" || echo "FAILED train fashion" >&2
    step "fashion relevance side by side (synthetic dev split)"
    tsxn training/scripts/relevance-eval.ts --judgments reports/synth-fashion.jsonl --index fashion --heads-dir "$HEADS" \
      --heads fashion-lr,fashion-xgb,fashion-inline-lr,fashion-inline-xgb,default --report relevance-fashion || echo "FAILED eval fashion" >&2
    ;;
  relevance-scifact)
    step "SciFact index (resumable)"
    tsxn training/scripts/index-beir.ts --data "$DATA/scifact" --encoders $ENC
    step "SciFact synthetic judgments with a held-out hard dev split"
    strata synth --data "$DATA/scifact" --index "$INDEX" --encoders $ENC --out reports/synth-scifact-hard.jsonl --max-docs 2500 \
      --drop-rarest 2 --easy-share 0.5 --report-dir reports/synth-scifact-hard || echo "FAILED synth" >&2
    step "SciFact query adapter from synthetic judgments; BM25 boosts and fusion from the real training split"
    strata adapt --judgments reports/synth-scifact-hard.jsonl --index "$INDEX" --name scifact --attach || echo "FAILED adapt" >&2
    strata train fusion --data "$DATA/scifact" --index "$INDEX" --encoders $ENC || echo "FAILED fusion" >&2
    strata train fusion --judgments reports/synth-scifact-hard.jsonl --index "$INDEX" --encoders $ENC --no-write || echo "FAILED fusion (synthetic, report only)" >&2
    step "SciFact heads: real judgments, synthetic judgments (dev = held-out documents), synthetic with a random split of the training queries"
    strata train rerank --data "$DATA/scifact" --index "$INDEX" --encoders $ENC --name scifact --view index,inline --out-dir "$HEADS" || echo "FAILED train real" >&2
    strata train rerank --judgments reports/synth-scifact-hard.jsonl --index "$INDEX" --encoders $ENC --name synth --view index,inline \
      --eval-data "$DATA/scifact" --out-dir "$HEADS" || echo "FAILED train synth" >&2
    strata train rerank --judgments reports/synth-scifact-hard.jsonl --dev-split random --index "$INDEX" --encoders $ENC --name synthrand --types lr,xgb \
      --eval-data "$DATA/scifact" --out-dir "$HEADS" || echo "FAILED train synth (random split)" >&2
    step "SciFact relevance side by side (real dev queries) and synthetic-dev tracking"
    tsxn training/scripts/relevance-eval.ts --data "$DATA/scifact" --index "$INDEX" --encoders $ENC --heads-dir "$HEADS" \
      --heads scifact-lr,scifact-xgb,scifact-inline-lr,scifact-inline-xgb,synth-lr,synth-xgb,synth-inline-lr,synth-inline-xgb,default --report relevance-scifact || echo "FAILED eval" >&2
    tsxn training/scripts/synth-tracking.ts reports/train-rerank-synth.json reports/train-rerank-synthrand.json || echo "FAILED tracking" >&2
    ;;
  *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done
