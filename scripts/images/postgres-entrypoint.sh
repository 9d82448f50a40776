#!/bin/sh
# Stand-in for the official postgres image's entrypoint: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB on
# first start, `postgres -c …` arguments passed through. `--bake USER PASSWORD DB` (image build only)
# initialises a cluster under /var/lib/postgresql/baked; a container asking for the same credentials serves
# from it directly (the image layer is copy-on-write: every container starts from the pristine cluster).
set -e
: "${POSTGRES_USER:=postgres}" "${POSTGRES_PASSWORD:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
BAKED=/var/lib/postgresql/baked
credentials() { printf '%s\n%s\n%s\n' "$POSTGRES_USER" "$POSTGRES_PASSWORD" "$POSTGRES_DB" | sha256sum | cut -d' ' -f1; }

init() { # dir
  printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/.pwfile
  initdb -D "$1" -U "$POSTGRES_USER" --pwfile=/tmp/.pwfile --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C --no-sync --no-instructions > /dev/null
  rm -f /tmp/.pwfile
  printf "listen_addresses = '*'\njit = off\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" \
    >> "$1/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$1/pg_hba.conf"
  if [ "$POSTGRES_DB" != "postgres" ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" | postgres --single -D "$1" -j postgres > /dev/null
  fi
}

if [ "$1" = "--bake" ]; then
  POSTGRES_USER=$2 POSTGRES_PASSWORD=$3 POSTGRES_DB=$4
  init "$BAKED"
  credentials > "$BAKED/.faultline-credentials"
  exit 0
fi

[ "$1" = "postgres" ] && shift
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -s "$BAKED/.faultline-credentials" ] && [ "$(cat "$BAKED/.faultline-credentials")" = "$(credentials)" ]; then
    PGDATA=$BAKED
  else
    init "$PGDATA"
    echo "faultline entrypoint: initialised $PGDATA for user $POSTGRES_USER"
  fi
fi
export PGDATA
exec postgres -D "$PGDATA" "$@"
