#!/usr/bin/env bash
# One window, same shapes, 2 threads: llama.cpp beside the project's bench, at BF16, Q8_0 and Q4_0 weights.
# A copy of ../shared/bench-peer/side-by-side.sh (no llama.cpp code here) extended with the kernel's quantized rows:
# the project's bench quantizes the same safetensors model at load (--quantize), llama.cpp reads the GGUF twins that
# bench-peer/build.sh wrote with llama-quantize, so both sides run the same weights quantized the same way (ggml's
# Q8_0/Q4_0 blocks; the project's quantizer follows ggml's reference one).
# Usage: side-by-side.sh CLI_JAR MODEL_DIR GGUF_DIR   (JAVA=... picks the JVM; LLAMA= where build.sh built llama.cpp;
#        NGEN, REPS and TOKENS shorten a run on a busy machine: llama-bench tokens and repeats, tokens per thinker;
#        WARMUP: runs of each configuration before the measured ones, as llama-bench warms up before it measures;
#        REPS is also our --repeats: each of our rows is the median of REPS measured runs, as llama-bench repeats)
set -u
jar=$1; model=$2; g=$3; LLAMA=${LLAMA:-/tmp/llamacpp}; T=${TMPDIR:-/tmp}; JAVA=${JAVA:-java}
NGEN=${NGEN:-64}; REPS=${REPS:-3}; TOKENS=${TOKENS:-32}; WARMUP=${WARMUP:-2}
peer=${PEER:-$(dirname "$0")/../../shared/bench-peer}
gcc -O3 -march=native -ffast-math -fopenmp "$peer/bw.c" -o "$T/gt-bw" 2>/dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds share these 2 cores)"
echo "bw before: $(OMP_NUM_THREADS=2 $T/gt-bw)"
for q in bf16 q8_0 q4_0 f32; do
  echo "llama-bench $q: $($LLAMA/build/bin/llama-bench -m $g/q05-$q.gguf -p 0 -n $NGEN -t 2 -r $REPS -o csv 2>/dev/null | tail -1 | awk -F, '{print $(NF-1)" tok/s (sd "$NF")"}')"
done
for q in bf16 q8_0 q4_0; do
  echo "llama-batched-bench $q (shared 64-token prompt, $TOKENS new each, npl 1,4,8):"
  $LLAMA/build/bin/llama-batched-bench -m $g/q05-$q.gguf -c 2048 -b 512 -ub 512 -npp 64 -ntg $TOKENS -npl 1,4,8 -pps -t 2 2>/dev/null | grep -E "^\|\s+[0-9]"
done
for q in none q8_0 q4_0; do
  echo "project bench (kernel, --quantize $q; none holds the bf16 checkpoint as bf16), $($JAVA -version 2>&1 | head -1):"
  $JAVA -Xmx12g --add-modules jdk.incubator.vector -jar "$jar" bench --model "$model" --thinkers 1,4,8 --tokens $TOKENS --warmup $WARMUP --repeats $REPS --linear kernel --quantize $q --json 2>/dev/null | python3 -c '
import json,sys; b=json.load(sys.stdin)
for r in b["thinkers"]: print("  N=%d group decode %.1f tok/s (step %.1f ms, wall %.0f ms) | thread pool decode %.1f tok/s (wall %.0f ms) | wall ratio %.3f | turn-based wall %.0f ms, ratio %.3f" % (r["thinkers"], r["group"]["decode_tok_s"], r["group"]["step_ms"], r["group"]["wall_ms"], r["thread_pool"]["decode_tok_s"], r["thread_pool"]["wall_ms"], r["wall_ratio"], r["turn_based"]["wall_ms"], r["wall_ratio_turn_based"]))
print("  bytes/step", b["bytes_per_step"])'
done
echo "bw after: $(OMP_NUM_THREADS=2 $T/gt-bw)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
