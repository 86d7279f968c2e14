#!/usr/bin/env bash
# Sourced by torchrun.sh / srun.sh: sets PY to the Python that
# `python tools/train.py` uses after `. tools/setup_env.sh`, whatever `python`
# is first on PATH: $PYTHON if set; else the active virtualenv / conda env;
# else the repository's .venv (made by setup_env.sh); else python3 / python.
# Needs ROOT (the repository root).
if [ -n "${PYTHON:-}" ]; then
    PY=$PYTHON
elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    PY="$VIRTUAL_ENV/bin/python"
elif [ -n "${CONDA_PREFIX:-}" ] && [ -x "$CONDA_PREFIX/bin/python" ]; then
    PY="$CONDA_PREFIX/bin/python"
elif [ -x "$ROOT/.venv/bin/python" ]; then
    PY="$ROOT/.venv/bin/python"
else
    PY="$(command -v python3 || command -v python)"
fi
if ! "$PY" -c 'import torch, mmengine' 2>/dev/null; then
    echo "error: $PY cannot import torch and mmengine; activate the" \
        "environment (. tools/setup_env.sh) or set PYTHON=/path/to/python" >&2
    exit 1
fi
