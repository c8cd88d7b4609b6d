#!/usr/bin/env bash
# Installs the PyTorch reference into benches/reference/.venv (not part of CI).
# PyPI's Linux torch wheel brings CUDA libraries it never loads here; a few GB of download.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install --quiet --upgrade pip
"$here/.venv/bin/pip" install --quiet -r "$here/requirements.txt"
"$here/.venv/bin/python" -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
