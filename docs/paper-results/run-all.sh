#!/usr/bin/env bash
# The reproduction runs of docs/paper-results.md, cheapest first, one after another, each on
# 2 worker threads at the lowest CPU priority. Usage (from the repo root):
#   nohup nice -n 19 bash docs/paper-results/run-all.sh >> docs/paper-results/run-all.log 2>&1 &
# (6a ran first, on its own: run exp6a 6a --trials 10 --seed 1)
set -u
out=docs/paper-results
# With names as arguments (e.g. `run-all.sh exp2a cerg-forget`), only those runs, in that order.
only=" $* "
run() { # name, then carousel paper arguments
  local name=$1; shift
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then return 0; fi
  local t0; t0=$(date +%s)
  echo "=== $name: carousel paper $* --json $out/$name.json   (start $(date -Is))"
  node packages/cli/bin/carousel.mjs paper "$@" --parallel 2 --json "$out/$name.json" > "$out/$name.txt"
  echo "=== $name: exit $? after $(( $(date +%s) - t0 )) s wall (end $(date -Is))"
  cat "$out/$name.txt"
}
run exp3a  3a --trials 10 --seed 1
run exp2a  2a --trials 10 --seed 1
run exp2b  2b --trials 10 --seed 1
run exp4-T100 4 --T 100 --trials 10 --seed 1
run exp1   1  --trials 10 --seed 1
run cerg-forget cerg --variant forget --trials 10 --seed 1
run cerg-lstm97 cerg --variant lstm97 --trials 10 --seed 1
run exp5   5  --trials 10 --seed 1
run exp4-T500 4 --T 500 --trials 10 --seed 1
run exp2c  2c --trials 10 --seed 1
run exp4-T1000 4 --T 1000 --trials 10 --seed 1
run exp6b  6b --trials 10 --seed 1
