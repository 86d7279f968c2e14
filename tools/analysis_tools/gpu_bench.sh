#!/usr/bin/env bash
# Set up mmdense on an offline GPU host (Python 3.12, torch 2.11 preinstalled)
# and run the pre-training benchmark: one command to re-measure.
#
#   # once, on a machine with network access, in the repository root:
#   bash tools/analysis_tools/gpu_bench.sh download     # fills wheels/
#   # then, on the GPU host (the tree, wheels/ included, copied there):
#   bash tools/analysis_tools/gpu_bench.sh              # = setup + bench
#   bash tools/analysis_tools/gpu_bench.sh setup        # install + build mmcv
#   bash tools/analysis_tools/gpu_bench.sh bench        # benchmarks only
#
# download: the OpenMMLab wheels and their few dependencies that such a host
#   lacks (pure Python, cp312 where binary), and mmcv 2.1.0's source (there
#   is no mmcv wheel for torch 2.11: it is built on the host), into wheels/
#   (git-ignored, about 12 MiB; setuptools<81, which mmcv 2.1.0's setup.py
#   needs, included).  Everything is --no-deps, so nothing pulls
#   torch or opencv-python (the host has opencv-python-headless).
# setup: installs the wheels with --no-index, builds mmcv with its CUDA ops
#   (MMCV_WITH_OPS=1, MAX_JOBS = all cores, TORCH_CUDA_ARCH_LIST from the GPU)
#   and reports the build time; puts the repository on PYTHONPATH.
# bench: writes RESULTS (default bench_results/) with JSON + logs:
#   1. train step on device tensors, R50 224 px, b256 (BATCH), bf16 +
#      channels_last: our DenseCL and MoCo v2, mmpretrain's DenseCL and
#      MoCo v2 (--peers), and the plain-PyTorch bound is in BENCHMARKS.md;
#   2. the same in fp32 and bf16 without channels_last (what each knob buys);
#   3. end to end with real JPEG files (NUM_JPEGS COCO-sized textured JPEGs
#      made here, page cache): the CPU pipeline (configs/densecl/coco.py)
#      and the device-side augmentation (configs/densecl/coco_device-aug.py),
#      WORKERS workers, images/s and the fraction of time waiting for data;
#   4. the CPU pipeline alone (--data-only), images/s per worker.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:-all}
WHEELS=${WHEELS:-wheels}
RESULTS=${RESULTS:-bench_results}
BATCH=${BATCH:-256}
WORKERS=${WORKERS:-$(nproc)}
NUM_JPEGS=${NUM_JPEGS:-3000}
ITERS=${ITERS:-30}
WARMUP=${WARMUP:-10}
PY=${PYTHON:-python3}

download() {
    mkdir -p "$WHEELS"
    local plat=(--only-binary=:all: --python-version 3.12 --implementation cp
                --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64
                --platform manylinux2014_x86_64 --platform any)
    # OpenMMLab + what they need beyond the host's image (KINDS.md list)
    "$PY" -m pip download --no-deps "${plat[@]}" -d "$WHEELS" \
        mmengine==0.10.7 mmpretrain==1.2.0 mmdet==3.3.0 mmsegmentation==1.2.2 \
        addict yapf termcolor platformdirs tomli mat4py modelindex ordered-set \
        importlib-metadata pycocotools shapely terminaltables prettytable \
        wcwidth "setuptools<81"
    # mmcv: source only (built on the host against its torch)
    "$PY" -m pip download --no-deps --no-binary=:all: -d "$WHEELS" mmcv==2.1.0
    du -sh "$WHEELS"
}

setup() {
    [ -d "$WHEELS" ] || { echo "no $WHEELS/: run '$0 download' on a" \
        "networked machine first" >&2; exit 1; }
    "$PY" -m pip install -q --no-index --no-deps "$WHEELS"/*.whl
    if ! "$PY" -c 'import mmcv.ops' 2>/dev/null; then
        local arch
        arch=$("$PY" -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability())')
        local start=$SECONDS
        rm -rf /tmp/mmcv-src && mkdir -p /tmp/mmcv-src
        tar -xzf "$WHEELS"/mmcv-2.1.0.tar.gz -C /tmp/mmcv-src
        (cd /tmp/mmcv-src/mmcv-2.1.0 && MMCV_WITH_OPS=1 FORCE_CUDA=1 \
            MAX_JOBS=$(nproc) TORCH_CUDA_ARCH_LIST="$arch" \
            "$PY" -m pip install -q --no-deps --no-build-isolation .)
        echo "mmcv 2.1.0 with ops built in $((SECONDS - start)) s" \
            "($(nproc) cores, sm ${arch})" | tee mmcv_build_time.txt
    fi
    "$PY" - <<'EOF'
import torch, mmcv, mmcv.ops, mmengine, mmpretrain, mmdet, mmseg  # noqa
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else '',
      '| mmcv', mmcv.__version__, '| mmengine', mmengine.__version__,
      '| mmpretrain', mmpretrain.__version__, '| mmdet', mmdet.__version__,
      '| mmseg', mmseg.__version__)
EOF
}

make_jpegs() {  # COCO-sized textured JPEGs (about 100 KiB each)
    "$PY" - "$1" "$NUM_JPEGS" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
rng = np.random.default_rng(0)
for i in range(n):
    path = os.path.join(root, f'{i:06d}.jpg')
    if os.path.exists(path):
        continue
    h, w = (480, 640) if i % 3 else (427, 640)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([np.sin(2 * np.pi * (rng.uniform(1, 8) * xx +
                    rng.uniform(1, 8) * yy) + rng.uniform(0, 6)) for _ in
                    range(3)], -1) * 80 + 128
    img += rng.normal(0, 20, img.shape)
    Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(path, quality=90)
EOF
}

bench() {
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
    mkdir -p "$RESULTS"
    local B=tools/analysis_tools/benchmark_pretrain.py
    local common=(--device cuda --batch "$BATCH" --size 224 --iters "$ITERS"
                  --warmup "$WARMUP")
    # 1. device tensors, bf16 + channels_last, ours and mmpretrain's
    "$PY" $B configs/mocov2/coco.py configs/densecl/coco.py --peers \
        "${common[@]}" --amp bf16 --channels-last \
        --out "$RESULTS/step_bf16_cl.json" 2>&1 | tee "$RESULTS/step_bf16_cl.log"
    # 2. the knobs: fp32, bf16 without channels_last
    for amp in none bf16; do
        "$PY" $B configs/mocov2/coco.py configs/densecl/coco.py --peers \
            "${common[@]}" --amp $amp --out "$RESULTS/step_$amp.json" \
            2>&1 | tee "$RESULTS/step_$amp.log"
    done
    # 3. end to end with JPEG files: CPU pipeline vs device-side augmentation
    local jpegs=data/bench_jpegs/
    make_jpegs "$jpegs"
    local data=(train_dataloader.dataset.data_root=$jpegs
                train_dataloader.dataset.ann_file=''
                train_dataloader.dataset.data_prefix.img_path='')
    "$PY" $B configs/densecl/coco.py configs/densecl/coco_device-aug.py \
        "${common[@]}" --amp bf16 --channels-last --data loader \
        --workers "$WORKERS" --cfg-options "${data[@]}" \
        --out "$RESULTS/end_to_end.json" 2>&1 | tee "$RESULTS/end_to_end.log"
    # 4. the CPU pipeline alone (MoCo v2 views; device-aug's CPU half)
    "$PY" $B configs/densecl/coco.py configs/densecl/coco_device-aug.py \
        --data-only --batch 32 --iters 20 --warmup 5 --workers "$WORKERS" \
        --cfg-options "${data[@]}" --out "$RESULTS/data_only.json" 2>&1 |
        tee "$RESULTS/data_only.log"
    echo "results in $RESULTS/"
}

case "$MODE" in
    download) download ;;
    setup) setup ;;
    bench) bench ;;
    all) setup; bench ;;
    *) echo "usage: $0 [download|setup|bench|all]" >&2; exit 2 ;;
esac
