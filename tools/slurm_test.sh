#!/usr/bin/env bash
# Usage: [GPUS=8] ... tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args...]" >&2
    exit 2
fi
exec "$(dirname "$0")/misc/srun.sh" "$1" "$2" test.py "$3" "$4" "${@:5}"
