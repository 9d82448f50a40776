#!/usr/bin/env bash
# Flake check: the features N times in a row (default 10) through the `ci` profile, each run's verdict, wall
# time and load average, then `P of N passed`. Exit status 0 only when every run passed.
#   scripts/flake.sh [N] [--serial | --parallel] [cucumber-js arguments…]
#     --parallel (default)  as CI runs them: one worker per core (FAULTLINE_WORKERS overrides), @serial alone
#     --serial              one scenario at a time (--parallel 0)
#   e.g. scripts/flake.sh 5 --serial features/network       FAULTLINE_BACKEND=containers scripts/flake.sh 3
# Each run's output and reports are kept in reports/flake/<mode>-<i>/ (run.log there); a failed run's
# failing scenarios are printed. The backend is FAULTLINE_BACKEND's (default local).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
shift $(( $# > 0 ? 1 : 0 ))
case $runs in '' | *[!0-9]* | 0) echo "flake: N must be a positive whole number, got '$runs'" >&2; exit 2 ;; esac
mode=parallel
case ${1:-} in
  --serial) mode=serial; shift ;;
  --parallel) shift ;;
esac
parallel=()
[ "$mode" = serial ] && parallel=(--parallel 0)
export FAULTLINE_BACKEND=${FAULTLINE_BACKEND:-local}
echo "flake: $runs run(s), $mode, backend $FAULTLINE_BACKEND, ${*:-every feature}"
passed=0
times=()
for i in $(seq 1 "$runs"); do
  dir="reports/flake/$mode-$i"
  rm -rf "$dir" && mkdir -p "$dir"
  log="$dir/run.log"
  start=$EPOCHREALTIME
  FAULTLINE_REPORTS_DIR="$dir" npx cucumber-js -p ci "${parallel[@]}" --format summary "$@" >"$log" 2>&1
  status=$?
  secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  load=$(cut -d' ' -f1 /proc/loadavg)
  times+=("$secs")
  summary=$(grep -E '^[0-9]+ scenarios? \(' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $i: passed in ${secs} s (load ${load}) — ${summary}"
  else
    echo "run $i: FAILED (exit $status) in ${secs} s (load ${load}) — ${summary:-no summary}; see $log"
    grep -E '^ +[0-9]+\) ' "$log" | sed 's/^ */    /'
  fi
done
echo "per-run times (s): ${times[*]}"
echo "$passed of $runs passed ($mode)"
[ "$passed" -eq "$runs" ]
