#!/usr/bin/env bash
# Provide what the test suite needs on this machine, installing Debian packages when run as
# root: Chromium (browser tests), nginx and openssl (the reverse proxy of docs/nginx/, tested on
# loopback), a PostgreSQL server (every app test runs on SQLite and PostgreSQL) and its client
# tools pg_dump and pg_restore (the backup round trip). Prints the PostgreSQL admin URL for the
# tests as its last line of output.
set -euo pipefail

PYTHON=${PYTHON:-.venv/bin/python}
ROLE=swk_test
LOG_PREFIX=test-services
# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"

# --- Chromium, driven by Playwright through its executable path -----------------------------
[ -x /usr/bin/chromium ] || apt_install chromium

# --- nginx, run by the tests as a foreground process; openssl makes its test certificate -----
[ -x /usr/sbin/nginx ] || apt_install nginx
command -v openssl >/dev/null 2>&1 || apt_install openssl

# --- PostgreSQL ------------------------------------------------------------------------------
# pg_dump and pg_restore, also when the server runs elsewhere (tests/core/test_backup.py).
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 \
  || apt_install postgresql-client

can_connect() {
  "$PYTHON" - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

candidates=()
[ -n "${WIDGETSERVER_TEST_POSTGRES_URL:-}" ] && candidates+=("$WIDGETSERVER_TEST_POSTGRES_URL")
candidates+=("postgresql://postgres@127.0.0.1:5432/postgres"
             "postgresql://$ROLE:$ROLE@127.0.0.1:5432/postgres")

find_server() {
  for url in "${candidates[@]}"; do
    if can_connect "$url"; then echo "$url"; return 0; fi
  done
  return 1
}

if url=$(find_server); then
  echo "$url"
  exit 0
fi

if [ -n "${WIDGETSERVER_TEST_POSTGRES_URL:-}" ]; then
  log "cannot connect to WIDGETSERVER_TEST_POSTGRES_URL"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  log "no PostgreSQL server answers on 127.0.0.1:5432; start one or set WIDGETSERVER_TEST_POSTGRES_URL"
  exit 1
fi

command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  log "creating PostgreSQL $version cluster"
  pg_createcluster "$version" main >&2
fi
log "starting PostgreSQL $version"
pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
for _ in $(seq 1 30); do
  runuser -u postgres -- psql -qAtc "select 1" >/dev/null 2>&1 && break
  sleep 1
done
# A password login for the tests, whatever the cluster's pg_hba.conf says about trust.
runuser -u postgres -- psql -qAt >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$ROLE';
  END IF;
END \$\$;
SQL

if url=$(find_server); then
  echo "$url"
  exit 0
fi
log "PostgreSQL was started but refuses the test login"
exit 1
