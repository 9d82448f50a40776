#!/usr/bin/env bash
# Flake check: the whole feature suite N times in a row on the local backend (default 10), each run's
# verdict and wall time, then `P of N passed`. Exit status 0 only when every run passed.
#   scripts/flake.sh [N] [cucumber-js arguments…]     e.g. scripts/flake.sh 3 features/network
# Each run's output is kept in reports/flake/run-<i>.log; a failed run's failing scenarios are printed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
shift $(( $# > 0 ? 1 : 0 ))
case $runs in '' | *[!0-9]* | 0) echo "flake: N must be a positive whole number, got '$runs'" >&2; exit 2 ;; esac
mkdir -p reports/flake
export FAULTLINE_BACKEND=local
passed=0
times=()
for i in $(seq 1 "$runs"); do
  log="reports/flake/run-$i.log"
  start=$EPOCHREALTIME
  npx cucumber-js --format summary "$@" >"$log" 2>&1
  status=$?
  secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  times+=("$secs")
  summary=$(grep -E '^[0-9]+ scenarios? \(' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $i: passed in ${secs} s — ${summary}"
  else
    echo "run $i: FAILED (exit $status) in ${secs} s — ${summary:-no summary}; see $log"
    grep -E '^ +[0-9]+\) ' "$log" | sed 's/^ */    /'
  fi
done
echo "per-run times (s): ${times[*]}"
echo "$passed of $runs passed"
[ "$passed" -eq "$runs" ]
