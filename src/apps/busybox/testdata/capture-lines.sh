#!/bin/bash
# Captures a lines file through the real shells (run on Debian 12: BusyBox 1.35.0, dash
# 0.5.12, bash 5.2.15), the way the other sh-lines captures were taken: from `/`, stdin from
# /dev/null, an empty environment but PATH, HOSTNAME and HOME; BusyBox sh with a PATH holding
# only links to its applets.
# Usage: capture-lines.sh NAME (reads NAME.txt, writes NAME.<shell>.txt beside it)
set -u
lines=$1
here=$(cd "$(dirname "$0")" && pwd)
bb=$(mktemp -d)
for a in sh echo printf cat rm wc test [ sed; do ln -s "$(command -v busybox)" "$bb/$a"; done
debpath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
render() { # shell-argv0 path program
    local name=$1 path=$2 prog=$3 line out err rc
    out=$(mktemp); err=$(mktemp)
    while IFS= read -r line; do
        (cd / && env -i PATH="$path" HOSTNAME=box HOME=/root "$(command -v bash)" \
            -c 'exec -a "$0" "$1" -c "$2"' "$name" "$prog" "$line" </dev/null >"$out" 2>"$err")
        rc=$?
        printf '=== %s\n' "$line"; cat "$out"; printf -- '--- err\n'; cat "$err"; printf 'rc=%s\n' "$rc"
    done < "$here/$lines.txt"
    rm -f "$out" "$err"
}
render sh "$bb" "$bb/sh" > "$here/$lines.busybox-1.35.txt"
render sh "$debpath" "$(command -v dash)" > "$here/$lines.dash-0.5.12.txt"
render bash "$debpath" "$(command -v bash)" > "$here/$lines.bash-5.2.txt"
rm -rf "$bb"
