#!/usr/bin/env bash
# Start a PostgreSQL server on loopback for the registry tests and print the admin URL.
# Debian's cluster (apt package 'postgresql'); the role may create the per-test databases.
set -euo pipefail
version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >/dev/null 2>&1
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ldn_cds_test') THEN
    CREATE ROLE ldn_cds_test LOGIN PASSWORD 'ldn_cds_test' CREATEDB;
  END IF;
END $$;
SQL
echo "postgresql+psycopg://ldn_cds_test:ldn_cds_test@127.0.0.1:5432/postgres"
