#!/usr/bin/env bash
# The README's test command: set up the venv (if needed) and run every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e ".[test,dev]"
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check ldn_cds tests bench scripts
.venv/bin/mypy ldn_cds
.venv/bin/lint-imports
.venv/bin/ldn-cds rules --check
set +e
.venv/bin/python -m pytest -q "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
