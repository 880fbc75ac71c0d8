#!/usr/bin/env bash
# Runs on a GPU machine, from a folder made by benchmarks/gpu/bundle.sh: the quality harness (C#; TorchSharp 0.107's
# managed DLL and libLibTorchSharp.so) against that machine's own libtorch (a pip torch with CUDA: its lib folder), with the
# packed .NET runtime. Five trainings at once on the one GPU, each calibrated to TRAIN_SECONDS, then their evaluations:
#   g1  gray, ResNet 16x64, SURE + flow prior (the headline recipe at GPU scale)
#   c1  color, ResNet 16x64, residual data term + flow prior (the shipped color recipe at GPU scale)
#   c2  color, ResNet 16x64, SURE + flow prior
#   s1  the supervised bound of g1's network (clean targets; no noise-level input)
#   g2  gray, the shipped 10x32 recipe given the same time (the time lever alone)
# The whole script ends by DEADLINE_SECONDS (evaluations are cut at the deadline); models go to $OUT (default ./out).
#   bash run.sh [TRAIN_SECONDS=330] [DEADLINE_SECONDS=500]
# Session 9 ran exactly this on an H200 (docs/results.md). Variables for a dry run on a CPU: LOCAL=1 (no CUDA check),
# TORCH_LIB (a libtorch lib folder), THREADS, BIG and SMALL (smaller networks).
set -u
cd "$(dirname "$0")"
OUT=${OUT:-$(pwd)/out}; mkdir -p "$OUT"
TRAIN_S=${1:-330}
T0=$(date +%s)
END=$(( T0 + ${2:-500} ))
left() { echo $(( END - $(date +%s) )); }
el() { echo "[$(( $(date +%s) - T0 ))s] $*"; }
R=$(pwd); W=${WORK:-/tmp/denoising-flow-gpu}; rm -rf $W; mkdir -p $W/runs; cd $W
tar xJf $R/dotnet.tar.xz && tar xJf $R/app.tar.xz || { echo "extract failed"; exit 2; }
export DOTNET_ROOT=$W/dotnet DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0
TL=${TORCH_LIB:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
export LD_LIBRARY_PATH=$TL
el "torch lib $TL"; nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv,noheader; nproc
cd $R
H="$W/dotnet/dotnet $W/app/Denoising.Flow.Quality.dll"
D=$R/data; P=$W/runs
GRAY="--prior $R/models/prior-gray.dnflow --data $D --range 1-200"
COLOR="--prior $R/models/prior-color.dnflow --data $D --range 1-12"
BLIND="--noise-input --lr 1e-3 --warmup 200 --cosine --blur identity --weight discrepancy:0.25 --adapt-rate 0.02"
BIG=${BIG:-"--arch resnet --blocks 16 --width 64 --patch 64 --batch 32"}
SMALL=${SMALL:-"--arch resnet --blocks 10 --width 32 --patch 40 --batch 16"}
# name | verb | options
CONFIGS=(
 "g1|denoiser|$GRAY $BIG $BLIND --sure"
 "c1|denoiser|$COLOR $BIG $BLIND"
 "c2|denoiser|$COLOR $BIG $BLIND --sure"
 "s1|supervised|--data $D --channels 1 --range 1-200 $BIG --lr 1e-3 --warmup 200 --cosine"
 "g2|denoiser|$GRAY $SMALL $BLIND --sure"
)
quiet() { grep --line-buffered -v NNPACK; }   # libtorch warns once per CPU convolution where NNPACK is unsupported
launch() { # $1 = steps option set, $2 = suffix, $3 = extra
  for c in "${CONFIGS[@]}"; do
    IFS='|' read -r name verb opts <<< "$c"
    steps=$1; [[ "$steps" == rate ]] && steps=$(cat $P/$name.steps)
    extra="$3"; [[ $verb == supervised ]] && extra=$(echo "$extra" | sed -e 's/--no-curve//' -e 's/--checkpoint-minutes [0-9.]*//')
    $H $verb --threads ${THREADS:-3} $opts --steps $steps $extra --out $P/$name$2.dnflow 2>&1 | quiet > $P/$name$2.log &
  done
  wait
}
el "calibration: 5 runs at once, 200 steps each"
launch 200 -cal "--no-curve --minutes 2"
grep -h "device\|Error\|Exception\|Unhandled" $P/*-cal.log | head -20
calok() { [[ -n "${LOCAL:-}" ]] || { grep -q "device cuda" $P/g1-cal.log && [[ -f $P/g1-cal.dnflow.json ]]; }; }
if ! calok; then
  el "NO CUDA with the prebuilt libLibTorchSharp.so: compiling it against this torch"
  tail -30 $P/g1-cal.log
  T=$(dirname $TL); N=$R/native/Native; B=$W/build; mkdir -p $B
  ls $N/LibTorchSharp/*.cpp | xargs -P 16 -I{} sh -c 'g++ -c -O2 -fPIC -std=c++17 -w -I'$T'/include -I'$T'/include/torch/csrc/api/include -I'$N' -I'$N'/LibTorchSharp {} -o '$B'/$(basename {}).o 2>'$B'/$(basename {}).err || echo FAIL {}'
  gcc -c -O2 -fPIC -I$N $N/LibTorchSharp/crc32c.c -o $B/crc32c.o
  g++ -shared -o $W/app/libLibTorchSharp.so $B/*.o -L$TL -ltorch -ltorch_cpu -lc10 -Wl,-rpath,$TL
  cat $B/*.err | grep -m 30 "error" ; cp $W/app/libLibTorchSharp.so $OUT/
  el "rebuilt; calibration again"
  launch 200 -cal "--no-curve --minutes 2"
  calok || { el "still no CUDA"; tail -40 $P/g1-cal.log; tar czf $OUT/logs.tgz -C $P .; exit 3; }
fi
nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv,noheader
TRAIN_S=$(( $(left) - 140 < TRAIN_S ? $(left) - 140 : TRAIN_S ))
el "training ($TRAIN_S s each, at once)"
for c in "${CONFIGS[@]}"; do
  IFS='|' read -r name verb opts <<< "$c"
  rate=$(python3 -c "
import json;d=json.load(open('$P/$name-cal.dnflow.json'));c=d.get('curve') or []
print(round((c[-1]['Step']-c[-2]['Step'])/max(1e-3,c[-1]['Seconds']-c[-2]['Seconds']),3) if len(c)>=2 else d['stepsPerSecond'])")
  python3 -c "print(max(300,int($rate*$TRAIN_S*0.93)))" > $P/$name.steps
  el "$name calibrated at $rate steps/s -> $(cat $P/$name.steps) steps"
done
rm -f $P/*-cal.dnflow $P/*-cal.dnflow.ckpt
MIN=$(python3 -c "print(round($TRAIN_S/60+0.4,2))")
launch rate "" "--minutes $MIN --checkpoint-minutes 1.5"
el "trained"
for f in $P/*.log; do echo "== $f"; grep -i "curve\|finished\|Denoiser:\|Supervised\|Exception\|error" | tail -12; done
for n in g1 c1 c2 s1 g2; do cp $P/$n.dnflow $OUT/ 2>/dev/null; done
el "evaluations (cut 15 s before the deadline)"
ev() { local t=$(( $(left) - 15 )); (( t > 5 )) && timeout -k 5 $t $H evaluate --threads ${THREADS:-3} --no-baselines --grid 0 --sigma 15,25,50 "$@" 2>&1 | quiet; }
K="--test-dir $D/kodak24 --range 13-24"
S="--test-dir $D/set12"
( ev $S --denoiser $P/g1.dnflow --report $P/ev-g1-set12 > $P/ev1.log 2>&1
  ev $S --denoiser $P/g1.dnflow --sure-tuning --report $P/ev-g1-set12-tuned > $P/ev2.log 2>&1 ) &
( ev $K --denoiser $P/c1.dnflow --report $P/ev-c1-kodak > $P/ev3.log 2>&1
  ev $K --denoiser $P/c1.dnflow --sure-tuning --report $P/ev-c1-kodak-tuned > $P/ev4.log 2>&1 ) &
( ev $K --denoiser $P/c2.dnflow --report $P/ev-c2-kodak > $P/ev5.log 2>&1
  ev $K --denoiser $P/c2.dnflow --sure-tuning --report $P/ev-c2-kodak-tuned > $P/ev6.log 2>&1 ) &
( ev $S --supervised $P/s1.dnflow --denoiser $P/g2.dnflow --report $P/ev-s1g2-set12 > $P/ev7.log 2>&1
  ev $S --denoiser $P/g2.dnflow --sure-tuning --report $P/ev-g2-set12-tuned > $P/ev8.log 2>&1 ) &
( ev $K --denoiser $P/g1.dnflow --sure-tuning --report $P/ev-g1-kodak-tuned > $P/ev9.log 2>&1 ) &
wait
el "evaluated"
for f in $P/ev*.log; do echo "== $f"; tail -8 $f; done
tar czf $OUT/logs.tgz -C $P --exclude='*.dnflow' --exclude='*.ckpt' .
ls -la $OUT; el "done"
