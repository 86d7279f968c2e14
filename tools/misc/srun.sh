#!/usr/bin/env bash
# Shared by slurm_train.sh / slurm_test.sh: srun SCRIPT on a Slurm partition.
# Usage: tools/misc/srun.sh PARTITION JOB_NAME SCRIPT [script args...]
# Environment: GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS,
# PYTHON (default: the active environment's, else .venv's; see python.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=python.sh
. "$ROOT/tools/misc/python.sh"
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec srun -p "$1" \
    --job-name="$2" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="${GPUS:-8}" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS:-} \
    "$PY" -u "$ROOT/tools/$3" "${@:4}" --launcher slurm
