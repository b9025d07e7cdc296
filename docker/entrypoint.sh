#!/bin/sh
# Container entry point.
#   web (default): bring the database schema up to date, then replace this shell with gunicorn.
#   anything else: run that healthdash command (worker, scheduler, users create ..., db current, ...).
set -eu

if [ "${1:-web}" = "web" ]; then
    [ "$#" -gt 0 ] && shift
    healthdash db upgrade
    exec healthdash serve --host 0.0.0.0 "$@"
fi

exec healthdash "$@"
