#!/usr/bin/env bash
# One goal's ratio to llama.cpp as a distribution within one window: llama.cpp's N-sequence decode and our N
# thinkers at one weight type, run one after the other PAIRS times, each pair's ratio printed, then the median.
# side-by-side.sh measures each side once, minutes apart, and this VM's speed drifts within minutes (run HH, seventeenth
# session); pairs a minute apart show how much of a ratio's spread is the window and how much is ours. What ran just
# before counts too: llama.cpp measured 7-10% faster right after itself than right after our bench, and our step 3-4%
# faster right after llama.cpp than after our own (eighteenth session). So the order alternates, pair by pair (llama.cpp
# first, then ours first), and each side runs after itself in half the pairs and after the other in the rest.
# Usage: paired.sh CLI_JAR MODEL_DIR GGUF_DIR   (QUANT=q8_0 and N=4 pick the goal; PAIRS=6; JAVA=, LLAMA=, TOKENS=,
#        WARMUP=, REPS= as in side-by-side.sh)
set -u
jar=$1; model=$2; g=$3; LLAMA=${LLAMA:-/tmp/llamacpp}; JAVA=${JAVA:-java}
QUANT=${QUANT:-q8_0}; N=${N:-4}; PAIRS=${PAIRS:-6}; TOKENS=${TOKENS:-32}; WARMUP=${WARMUP:-2}; REPS=${REPS:-3}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $QUANT, $N sequences / thinkers, $PAIRS pairs, $($JAVA -version 2>&1 | head -1)"
ratios=()
peer() { # llama-batched-bench's row for N sequences: S_TG (decode tok/s) is the 9th |-separated field, the first empty
  peer=$($LLAMA/build/bin/llama-batched-bench -m "$g/q05-$QUANT.gguf" -c 2048 -b 512 -ub 512 -npp 64 -ntg "$TOKENS" \
    -npl "$N" -pps -t 2 2>/dev/null | awk -F'|' -v n="$N" '$4+0 == n {gsub(/ /, "", $9); print $9}')
}
ours() {
  ours=$($JAVA -Xmx12g --add-modules jdk.incubator.vector -jar "$jar" bench --model "$model" --thinkers "$N" \
    --tokens "$TOKENS" --warmup "$WARMUP" --repeats "$REPS" --linear kernel --quantize "$QUANT" --json 2>/dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["thinkers"][0]["group"]; print("%.1f %.1f" % (r["decode_tok_s"], r["step_ms"]))')
}
for i in $(seq "$PAIRS"); do
  if [ $((i % 2)) -eq 1 ]; then peer; ours; first=llama.cpp; else ours; peer; first=ours; fi
  if [ -z "$peer" ] || [ -z "$ours" ]; then
    echo "pair $i: incomplete (llama.cpp '$peer', ours '$ours')"; continue
  fi
  set -- $ours
  ratio=$(python3 -c "print('%.2f' % ($1 / $peer))")
  ratios+=("$ratio")
  echo "pair $i $(date -u +%H:%M:%S), $first first: ours $1 tok/s (step $2 ms) / llama.cpp $peer tok/s = ${ratio}x"
done
python3 -c '
import statistics, sys
r = [float(x) for x in sys.argv[1:]]
if r: print("median %.2fx, range %.2f-%.2fx over %d pairs" % (statistics.median(r), min(r), max(r), len(r)))' "${ratios[@]}"
