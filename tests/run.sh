#!/usr/bin/env bash
# The project's test command: system servers, a project venv, linters, type checks, tests.
# Extra arguments go to pytest, e.g. `bash tests/run.sh tests/unit -x`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"

say() { printf '==> %s\n' "$*" >&2; }

# --- 1. system packages -------------------------------------------------------------------
has_cmd() {
    # Non-root PATHs often lack the sbin directories where pgbouncer lives.
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15 postgresql-contrib-15)
has_cmd redis-server || missing+=(redis-server)
has_cmd pgbouncer || missing+=(pgbouncer)
has_cmd tmux || missing+=(tmux)
has_cmd openssl || missing+=(openssl)
# Debian's python3 ships without ensurepip; `python3 -m venv` needs python3-venv.
if [ ! -x .venv/bin/python ] && ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        say "missing system packages: ${missing[*]}"
        say "install them with: sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}" </dev/null
    # Our tests start their own throwaway servers; stop whatever the package scripts started.
    if command -v service >/dev/null 2>&1; then
        for pkg in "${missing[@]}"; do
            case "$pkg" in
                postgresql-15) service postgresql stop >/dev/null 2>&1 || true ;;
                redis-server) service redis-server stop >/dev/null 2>&1 || true ;;
                pgbouncer) service pgbouncer stop >/dev/null 2>&1 || true ;;
            esac
        done
    fi
fi

# --- 2. project virtualenv ------------------------------------------------------------------
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "$PYTHON is missing or older than 3.11 (set PYTHON=/path/to/python3.11)"
    exit 1
fi
if [ -e .venv ] && ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
    say "recreating broken .venv"
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$PYTHON" -m venv .venv
fi
# Reinstalling needs the network (build backend); skip it while pyproject.toml is unchanged.
stamp=.venv/.psadmin-install-stamp
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "installing psadmin[test] into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    printf '%s\n' "$want" >"$stamp"
fi

# --- 3. checks, in order, stopping at the first failure -----------------------------------
say "ruff check"
.venv/bin/ruff check .
say "ruff format --check"
.venv/bin/ruff format --check .
say "mypy"
.venv/bin/mypy
say "lint-imports"
.venv/bin/lint-imports
say "pytest $*"
.venv/bin/python -m pytest "$@"
