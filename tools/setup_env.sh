# Source this file (". tools/setup_env.sh"): it selects a Python environment
# and installs whatever mmdense needs that is missing. Safe to source again.
#
# * Uses the active virtualenv / conda env; with none active, creates and
#   activates .venv in the repository.
# * torch/torchvision first (requirements/build.txt), then mmcv 2.1.0 with its
#   ops built against that torch (--no-build-isolation), the rest of the
#   OpenMMLab stack, then mmdense itself in develop mode.
# * pip's standard PIP_FIND_LINKS is honoured: a folder holding a prebuilt
#   mmcv-2.1.0 wheel for this torch skips the 20-40 minute mmcv build.
MMDENSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${VIRTUAL_ENV:-}" ] && [ -z "${CONDA_PREFIX:-}" ]; then
    if [ ! -x "$MMDENSE_ROOT/.venv/bin/python" ]; then
        echo "[mmdense] creating virtualenv $MMDENSE_ROOT/.venv"
        python3 -m venv "$MMDENSE_ROOT/.venv" || return 1 2>/dev/null || exit 1
    fi
    # shellcheck disable=SC1091
    . "$MMDENSE_ROOT/.venv/bin/activate"
fi
echo "[mmdense] python: $(command -v python)"
if python "$MMDENSE_ROOT/tools/misc/check_install.py" >/dev/null 2>&1; then
    echo "[mmdense] all requirements are installed"
else
    python "$MMDENSE_ROOT/tools/misc/check_install.py" || true
    echo "[mmdense] installing (PIP_FIND_LINKS=${PIP_FIND_LINKS:-<unset>})"
    (
        set -e
        cd "$MMDENSE_ROOT"
        python -m pip install -r requirements/build.txt
        MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} python -m pip install \
            --no-build-isolation -r requirements/mminstall.txt \
            -r requirements/runtime.txt -r requirements/tests.txt
        python -m pip install --no-deps --no-build-isolation -e .
        python tools/misc/check_install.py
    ) || { echo "[mmdense] installation failed" >&2; return 1 2>/dev/null || exit 1; }
fi
