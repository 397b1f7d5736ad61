#!/bin/sh
# Like the official postgres image's entrypoint, in short: on first start (an empty $PGDATA) make the
# cluster with POSTGRES_USER as superuser and POSTGRES_PASSWORD, create POSTGRES_DB, accept password
# logins from the network; then run the server as the postgres user.
set -e
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ "$1" = "postgres" ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -z "$POSTGRES_PASSWORD" ]; then
            echo "error: POSTGRES_PASSWORD is not set" >&2
            exit 1
        fi
        pwfile=$(mktemp)
        printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
        chown postgres "$pwfile"
        as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
            -D "$PGDATA" >/dev/null
        rm -f "$pwfile"
        echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
        # A server on the socket only, to create the database.
        as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
        if [ "$POSTGRES_DB" != "postgres" ]; then
            as_postgres psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
                -c "CREATE DATABASE \"$POSTGRES_DB\";" >/dev/null
        fi
        as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
        echo "PostgreSQL init process complete; ready for start up."
    fi
    shift
    exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c listen_addresses='*' "$@"
fi
exec "$@"
