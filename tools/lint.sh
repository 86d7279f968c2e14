#!/usr/bin/env bash
# The OpenMMLab linters with the settings in setup.cfg, as
# .pre-commit-config.yaml runs them: flake8, isort and yapf in check mode.
# Usage: bash tools/lint.sh [--fix]   (--fix: let isort and yapf rewrite)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(mmdense tools tests configs setup.py)
if [ "${1:-}" = "--fix" ]; then
    python -m isort "${paths[@]}"
    python -m yapf -i -r -p "${paths[@]}"
fi
python -m flake8 "${paths[@]}"
python -m isort --check-only "${paths[@]}"
python -m yapf -d -r "${paths[@]}" > /tmp/mmdense-yapf.diff || true
if [ -s /tmp/mmdense-yapf.diff ]; then
    cat /tmp/mmdense-yapf.diff
    echo "yapf: the files above are not formatted (bash tools/lint.sh --fix)" >&2
    exit 1
fi
echo "lint: flake8, isort and yapf pass"
