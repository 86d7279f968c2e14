#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCESSES [test.py args...]
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NUM_PROCESSES [test.py args...]" >&2
    exit 2
fi
exec "$(dirname "$0")/misc/torchrun.sh" test.py "$3" "$1" "$2" "${@:4}"
