#!/bin/sh
# Usage: expect-exit.sh N CMD ARGS...: runs CMD (stderr merged into stdout)
# and succeeds only if it exits with status N, so lit tests can pin exit codes.
expected=$1
shift
"$@" 2>&1
status=$?
if [ "$status" -ne "$expected" ]; then
  echo "expect-exit: '$1' exited with $status, expected $expected" >&2
  exit 1
fi
exit 0
