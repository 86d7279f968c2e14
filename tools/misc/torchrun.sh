#!/usr/bin/env bash
# Shared by dist_train.sh / dist_test.sh: torchrun SCRIPT with NPROC
# processes per node (one per GPU; gloo CPU processes where there is no CUDA).
# Usage: tools/misc/torchrun.sh SCRIPT NPROC [script args...]
# Environment: NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500),
# PYTHON (default: the active environment's, else .venv's; see python.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=python.sh
. "$ROOT/tools/misc/python.sh"
SCRIPT=$1
NPROC=$2
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec "$PY" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$ROOT/tools/$SCRIPT" "${@:3}" --launcher pytorch
