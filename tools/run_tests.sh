#!/usr/bin/env bash
# Install what is missing, then run the test suite. Safe to run again.
# Usage: bash tools/run_tests.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/setup_env.sh
python -m pytest tests "$@"
