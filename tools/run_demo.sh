#!/usr/bin/env bash
# The main job on the embedded synthetic data, end to end on CPU:
#   install what is missing -> synthetic COCO/VOC/Cityscapes/ADE20K ->
#   pre-train DenseCL (baseline), PixPro, DeCon with an FPN decoder and DeCon
#   with an FCN decoder (demo configs), and the positive control (supervised
#   FCN on the synthetic labels of the same images, same backbone and
#   iterations) -> fine-tune random init / positive control / DenseCL /
#   PixPro / DeCon on the
#   synthetic Mask R-CNN and VOC FCN benchmarks (fine-tuning seeds 0 and 1;
#   pre-training runs once, seed 0) and probe their frozen features (dense
#   linear probe of C5; of the decoder for DeCon) -> results table.
# About 20 minutes on 2 idle cores after installation (two runs at a time,
# one thread each); QUICK=1 runs a few iterations of everything and one seed
# (a few minutes); LIMITED=1 adds the limited-label rows (NAME@0.25: the VOC
# FCN fine-tuned on a fixed quarter of its labelled images; about 5 more
# minutes). Safe to run again: finished runs are reused.
# Usage: [QUICK=1] [LIMITED=1] [WORK_DIR=work_dirs/demo] bash tools/run_demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/setup_env.sh
WORK_DIR=${WORK_DIR:-work_dirs/demo}
if [ "${QUICK:-0}" = 1 ]; then
    PRE_ITERS=4; SEEDS=(0)
    FT=(--cfg-options train_cfg.max_iters=4 train_cfg.val_interval=4)
else
    PRE_ITERS=100; SEEDS=(0 1); FT=()
fi
python tools/dataset_converters/make_synthetic.py --out-dir data/synthetic \
    --num-train 64 --num-val 32 --num-unlabeled 64
# DetCon's FH masks of the COCO+ images (configs/detcon/demo.py; kept when
# present)
python tools/dataset_converters/make_fh_masks.py data/synthetic/coco \
    --folders train2017 unlabeled2017

pretrain() {  # pretrain NAME CONFIG [CFG_OPTION...] -> its iter_N.pth
    local out="$WORK_DIR/pretrain/$1" config=$2
    shift 2
    if [ ! -f "$out/iter_$PRE_ITERS.pth" ]; then
        echo "[demo] pre-training $(basename "$out") ($config, $PRE_ITERS" \
            "iterations)" >&2
        python tools/train.py "$config" --work-dir "$out" --cfg-options \
            train_cfg.max_iters=$PRE_ITERS "$@" \
            default_hooks.checkpoint.interval=$PRE_ITERS > "$out.log" 2>&1 \
            || { tail -n 30 "$out.log" >&2; return 1; }
    fi
    echo "$out/iter_$PRE_ITERS.pth"
}
mkdir -p "$WORK_DIR/pretrain"
DENSECL=$(pretrain densecl configs/densecl/demo.py | tail -n 1)
PIXPRO=$(pretrain pixpro configs/pixpro/demo.py | tail -n 1)
DECON_FPN=$(pretrain decon_fpn configs/decon/demo.py | tail -n 1)
DECON_FCN=$(pretrain decon_fcn configs/decon/demo_fcn.py | tail -n 1)
CONTROL=$(pretrain supervised \
    configs/benchmarks/synthetic/supervised_fcn_r18_synthetic-ade20k.py \
    | tail -n 1)

T=(python tools/transfer.py --work-dir "$WORK_DIR/transfer" --seeds "${SEEDS[@]}")
S=(--suite synthetic-det synthetic-voc-seg synthetic-probe)
# LIMITED=1: the same weights on a fixed quarter of the VOC FCN's images
L=(--suite synthetic-voc-seg --train-fraction 0.25)
limited() {
    if [ "${LIMITED:-0}" = 1 ]; then "$@" "${L[@]}" "${FT[@]}"; fi
}
lane_a() {
    "${T[@]}" --random-init "${S[@]}" "${FT[@]}"
    "${T[@]}" --checkpoint "$DENSECL" --name densecl "${S[@]}" "${FT[@]}"
    "${T[@]}" --checkpoint "$PIXPRO" --name pixpro "${S[@]}" "${FT[@]}"
    limited "${T[@]}" --random-init
    limited "${T[@]}" --checkpoint "$DENSECL" --name densecl
    limited "${T[@]}" --checkpoint "$PIXPRO" --name pixpro
}
lane_b() {
    # the positive control transfers its backbone only (like DenseCL)
    "${T[@]}" --checkpoint "$CONTROL" --name supervised-control --no-decoder \
        "${S[@]}" "${FT[@]}"
    # one "decon" row: the FPN checkpoint's detection runs and the FCN
    # checkpoint's segmentation runs and probes (the table lists the file
    # behind each cell)
    "${T[@]}" --checkpoint "$DECON_FPN" --name decon --suite synthetic-det \
        --allow-mixed-weights "${FT[@]}"
    "${T[@]}" --checkpoint "$DECON_FCN" --name decon --suite \
        synthetic-voc-seg synthetic-probe synthetic-probe-dec \
        --allow-mixed-weights "${FT[@]}"
    limited "${T[@]}" --checkpoint "$CONTROL" --name supervised-control \
        --no-decoder
    limited "${T[@]}" --checkpoint "$DECON_FCN" --name decon
}
# two lanes of one thread each use 2 cores better than one run of two
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
lane_a > "$WORK_DIR/lane_a.log" 2>&1 &
A=$!
lane_b > "$WORK_DIR/lane_b.log" 2>&1 &
B=$!
wait $A || { tail -n 30 "$WORK_DIR/lane_a.log"; exit 1; }
wait $B || { tail -n 30 "$WORK_DIR/lane_b.log"; exit 1; }
python tools/transfer.py --collect-only --work-dir "$WORK_DIR/transfer"
echo "[demo] pre-trained checkpoints: $DENSECL $PIXPRO $DECON_FPN $DECON_FCN" \
    "$CONTROL (positive control)"
echo "[demo] results: $WORK_DIR/transfer/results.md (.csv .json .png)"
