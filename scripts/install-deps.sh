#!/usr/bin/env bash
# Installs what `make test` and `make demo` need on a fresh Debian machine, only when missing.
# The Python test dependencies go into a virtual environment under the build folder
# (.build/venv), so Debian's own Python (which refuses `pip install` outside one:
# "externally-managed-environment") works as well as a pyenv one.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/venv"
need=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
pkg-config --exists libmariadb 2>/dev/null || need+=(libmariadb-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -f /usr/include/hiredis/hiredis.h ] || need+=(libhiredis-dev)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# `python3 -m venv` needs ensurepip, which Debian ships separately in python3-venv.
if [ ! -x "$venv/bin/python" ] && ! { command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' 2>/dev/null; }; then
    need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    # Debian's packages try to start their services; we start our own on loopback instead.
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! "$venv/bin/python" -c 'import cryptography, pytest' 2>/dev/null; then
    echo "installing cryptography and pytest into $venv"
    # A venv left without pip (made before python3-venv was there) is made again.
    "$venv/bin/python" -m pip --version >/dev/null 2>&1 || python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check cryptography pytest
fi
