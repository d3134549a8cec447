#!/usr/bin/env bash
# The README's run command: set up the venv (if needed) and open ldn-cds (extra args pass through,
# e.g. `bash scripts/run.sh gui resources/examples/jane-doe.json`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e .
exec .venv/bin/ldn-cds "$@"
