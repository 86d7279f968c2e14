#!/usr/bin/env bash
# The main job on the embedded synthetic data: install what is missing,
# generate the synthetic datasets, pre-train the tiny demo config on CPU and
# print where the checkpoint is. Safe to run again.
# Usage: bash tools/run_demo.sh [extra tools/train.py args]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/setup_env.sh
WORK_DIR=${WORK_DIR:-work_dirs/demo}
python tools/dataset_converters/make_synthetic.py --out-dir data/synthetic
python tools/train.py configs/densecl/demo.py --work-dir "$WORK_DIR" "$@"
echo "[mmdense] demo finished; checkpoint: $(cat "$WORK_DIR/last_checkpoint")"
