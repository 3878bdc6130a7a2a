#!/bin/sh
# The Python steps of the container image (deploy/Dockerfile runs this script), also run by CI
# against a scratch venv (`make test-production`), since no container engine runs there.
#
#   deploy/image-install.sh SOURCE VENV STATIC_ROOT [PIP_OPTIONS...]
#
# Installs Palermo from SOURCE (the repository root) into a new venv VENV (not editable), with
# pycanon as the Makefile installs it, then collects the static files into STATIC_ROOT (kept in
# the image, outside the data volume) and runs Django's system checks. Nothing is written
# outside VENV and STATIC_ROOT: the settings' data directory is a throwaway one. PYTHON names
# the interpreter (default python3: the image's CPython 3.12).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 SOURCE VENV STATIC_ROOT [PIP_OPTIONS...]" >&2; exit 2; }
source=$1 venv=$2 static=$3
shift 3
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip "$@"
"$venv/bin/python" -m pip install --quiet "$@" "$source"
# pycanon pins exact versions of all its dependencies; it needs only numpy, pandas and scipy.
"$venv/bin/python" -m pip install --quiet --no-deps "$@" -r "$source/requirements-nodeps.txt"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A build has no secrets and no data: a throwaway data directory and a build-only secret key
# (the node's real one comes from PALERMO_SECRET_KEY at run time).
export DJANGO_SETTINGS_MODULE=palermo.settings.base PALERMO_DATA_DIR="$scratch" \
  PALERMO_STATIC_ROOT="$static" PALERMO_SECRET_KEY="image-build-only"
unset DATABASE_URL PALERMO_KEY_DIR PALERMO_FIELD_KEYS PALERMO_AUDIT_KEY PALERMO_NODE_KEY \
  PALERMO_NAME_INDEX_KEY
"$venv/bin/palermo" collectstatic --noinput -v0
"$venv/bin/palermo" check
# The image's health check runs with the image's Python, from here.
install -m 0755 "$source/deploy/healthcheck.py" "$venv/bin/palermo-healthcheck"
echo "image-install: palermo $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("palermo"))') in $venv, $(find "$static" -type f | wc -l) static files in $static"
