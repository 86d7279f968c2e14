#!/usr/bin/env bash
# The main job on the embedded synthetic data, end to end on CPU:
#   install what is missing -> synthetic COCO/VOC/Cityscapes/ADE20K ->
#   pre-train DenseCL (baseline), DeCon with an FPN decoder and DeCon with an
#   FCN decoder (demo configs) -> fine-tune random init / DenseCL / DeCon on
#   the synthetic detection and segmentation benchmarks -> results table.
# About 6 minutes on 2 idle cores after installation; QUICK=1 runs a few
# iterations of everything (about 3 minutes). Safe to run again: finished
# pre-training and fine-tuning runs are reused.
# Usage: [QUICK=1] [WORK_DIR=work_dirs/demo] bash tools/run_demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/setup_env.sh
WORK_DIR=${WORK_DIR:-work_dirs/demo}
if [ "${QUICK:-0}" = 1 ]; then
    PRE_ITERS=4; FT=(--cfg-options train_cfg.max_iters=4 train_cfg.val_interval=4)
else
    PRE_ITERS=40; FT=()
fi
python tools/dataset_converters/make_synthetic.py --out-dir data/synthetic

pretrain() {  # pretrain NAME CONFIG -> $WORK_DIR/pretrain/NAME/iter_N.pth
    local out="$WORK_DIR/pretrain/$1"
    if [ ! -f "$out/iter_$PRE_ITERS.pth" ]; then
        echo "[demo] pre-training $1 ($2, $PRE_ITERS iterations)" >&2
        python tools/train.py "$2" --work-dir "$out" --cfg-options \
            train_cfg.max_iters=$PRE_ITERS \
            default_hooks.checkpoint.interval=$PRE_ITERS > "$out.log" 2>&1 \
            || { tail -n 30 "$out.log"; exit 1; }
    fi
    echo "$out/iter_$PRE_ITERS.pth"
}
mkdir -p "$WORK_DIR/pretrain"
DENSECL=$(pretrain densecl configs/densecl/demo.py | tail -n 1)
DECON_FPN=$(pretrain decon_fpn configs/decon/demo.py | tail -n 1)
DECON_FCN=$(pretrain decon_fcn configs/decon/demo_fcn.py | tail -n 1)

T=(python tools/transfer.py --work-dir "$WORK_DIR/transfer")
"${T[@]}" --random-init --suite synthetic "${FT[@]}"
"${T[@]}" --checkpoint "$DENSECL" --name densecl --suite synthetic "${FT[@]}"
# one "decon" row: the FPN checkpoint's detection runs and the FCN
# checkpoint's segmentation runs (the table lists the file behind each cell)
"${T[@]}" --checkpoint "$DECON_FPN" --name decon --suite synthetic-det \
    --allow-mixed-weights "${FT[@]}"
"${T[@]}" --checkpoint "$DECON_FCN" --name decon --suite synthetic-seg \
    --allow-mixed-weights "${FT[@]}"
echo "[demo] pre-trained checkpoints: $DENSECL $DECON_FPN $DECON_FCN"
echo "[demo] results: $WORK_DIR/transfer/results.md (.csv .json .png)"
