#!/usr/bin/env bash
# Images/s of `dnflow denoise` over a folder: one worker of one thread against two workers of one thread each
# (--shard 0/2 and 1/2 side by side), alternating the order over ROUNDS rounds. Wall time includes process start and
# model loading, as a job runner sees it. Also prints the CPU seconds (user + sys) the workers used, which other jobs on
# the machine do not change, and the load average at the end of each run.
#   benchmarks/scale-out/throughput.sh [FOLDER] [ROUNDS]      (default ../shared/data/set12, 2 rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-../shared/data/set12}
rounds=${2:-2}
dll=src/Denoising.Flow.Cli/bin/Release/net10.0/dnflow.dll
[ -f "$dll" ] || dotnet build src/Denoising.Flow.Cli -c Release >/dev/null
count=$(find "$data" -maxdepth 1 -type f | wc -l)

run() {
  local mode=$1 out times
  out=$(mktemp -d)
  TIMEFORMAT='%R %U %S'
  if [ "$mode" = one ]; then
    times=$( { time dotnet "$dll" denoise "$data" -o "$out" --threads 1 >/dev/null; } 2>&1 )
  else
    times=$( { time { dotnet "$dll" denoise "$data" -o "$out" --threads 1 --shard 0/2 >/dev/null &
                      dotnet "$dll" denoise "$data" -o "$out" --threads 1 --shard 1/2 >/dev/null &
                      wait; }; } 2>&1 )
  fi
  echo "$times" | awk -v m="$mode" -v n="$count" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" \
    '{ printf "%-22s %d images in %6.1f s = %.3f images/s, CPU %5.1f s (%.2f s/image)   load average %s\n",
       (m == "one" ? "1 worker x 1 thread" : "2 workers x 1 thread"), n, $1, n / $1, $2 + $3, ($2 + $3) / n, l }'
  rm -rf "$out"
}

for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run one; run two; else run two; run one; fi
done
