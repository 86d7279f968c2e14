#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NUM_PROCESSES [train.py args...]
# One process per GPU; on a machine without CUDA, NUM_PROCESSES CPU processes
# on the gloo backend. NNODES, NODE_RANK, MASTER_ADDR and PORT as in torchrun.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCESSES [train.py args...]" >&2
    exit 2
fi
exec "$(dirname "$0")/misc/torchrun.sh" train.py "$2" "$1" "${@:3}"
