#!/bin/bash
# Runs once, when the data volume is empty: one role and one database per service, each role owning only its own
# database (passwords from Docker secrets). The services run their own migrations at start.
set -euo pipefail

create() {
  local role="$1" file="/run/secrets/$2"
  if [ ! -s "$file" ]; then
    echo "[postgres-init] missing secret $file: run ./make-secrets.sh" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$role" -v password="$(cat "$file")" <<'SQL'
create role :"role" login password :'password';
create database :"role" owner :"role";
revoke all on database :"role" from public;
SQL
}

create corridor_secretariat db_password_secretariat
create corridor_gw_ne db_password_gw_ne
create corridor_gw_ly db_password_gw_ly
create corridor_gw_it db_password_gw_it
