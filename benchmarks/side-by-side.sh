#!/usr/bin/env bash
# One window, same shapes, 2 threads: llama.cpp beside the project's bench, at BF16, Q8_0 and Q4_0 weights.
# A copy of ../shared/bench-peer/side-by-side.sh (no llama.cpp code here) extended with the kernel's quantized rows:
# the project's bench quantizes the same safetensors model at load (--quantize), llama.cpp reads the GGUF twins that
# bench-peer/build.sh wrote with llama-quantize, so both sides run the same weights quantized the same way (ggml's
# Q8_0/Q4_0 blocks, the output matrix kept at Q8_0 in both Q4_0 rows; the project's quantizer follows ggml's reference one).
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
out=$(mktemp -d "$T/gt-sbs.XXXX") # each side's figures, for the ratios at the end
for q in bf16 q8_0 q4_0 f32; do
  $LLAMA/build/bin/llama-bench -m $g/q05-$q.gguf -p 0 -n $NGEN -t 2 -r $REPS -o csv 2>/dev/null | tail -1 > "$out/lb-$q.csv"
  echo "llama-bench $q: $(awk -F, '{print $(NF-1)" tok/s (sd "$NF")"}' "$out/lb-$q.csv")"
done
for q in bf16 q8_0 q4_0; do
  echo "llama-batched-bench $q (shared 64-token prompt, $TOKENS new each, npl 1,4,8):"
  $LLAMA/build/bin/llama-batched-bench -m $g/q05-$q.gguf -c 2048 -b 512 -ub 512 -npp 64 -ntg $TOKENS -npl 1,4,8 -pps -t 2 2>/dev/null | grep -E "^\|\s+[0-9]" | tee "$out/bb-$q.txt"
done
for q in none q8_0 q4_0; do
  echo "project bench (kernel, --quantize $q; none holds the bf16 checkpoint as bf16), $($JAVA -version 2>&1 | head -1):"
  $JAVA -Xmx12g --add-modules jdk.incubator.vector -jar "$jar" bench --model "$model" --thinkers 1,4,8 --tokens $TOKENS --warmup $WARMUP --repeats $REPS --linear kernel --quantize $q --json 2>/dev/null | tee "$out/ours-$q.json" | python3 -c '
import json,sys; b=json.load(sys.stdin)
for r in b["thinkers"]: print("  N=%d group decode %.1f tok/s (step %.1f ms, wall %.0f ms) | thread pool decode %.1f tok/s (wall %.0f ms) | wall ratio %.3f | turn-based wall %.0f ms, ratio %.3f" % (r["thinkers"], r["group"]["decode_tok_s"], r["group"]["step_ms"], r["group"]["wall_ms"], r["thread_pool"]["decode_tok_s"], r["thread_pool"]["wall_ms"], r["wall_ratio"], r["turn_based"]["wall_ms"], r["wall_ratio_turn_based"]))
print("  bytes/step", b["bytes_per_step"])'
done
echo "bw after: $(OMP_NUM_THREADS=2 $T/gt-bw)"
echo "ours / llama.cpp, decode tok/s at the same weights (single stream against llama-bench; N thinkers against N sequences"
echo "of llama-batched-bench), and Group Think's wall time over the turn-based pattern:"
python3 - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
for q, ours in (("bf16", "none"), ("q8_0", "q8_0"), ("q4_0", "q4_0")):
    try:
        lb = float(open(os.path.join(d, "lb-%s.csv" % q)).read().split(",")[-2].strip('"'))
        bb = {int(f[3]): float(f[8]) for f in (l.split("|") for l in open(os.path.join(d, "bb-%s.txt" % q)))}
        rows = {r["thinkers"]: r for r in json.load(open(os.path.join(d, "ours-%s.json" % ours)))["thinkers"]}
    except (OSError, ValueError, KeyError, IndexError) as e:
        print("  %s: incomplete (%s)" % (q, e)); continue
    g = {n: rows[n]["group"]["decode_tok_s"] for n in rows}
    cells = ["1: %.1f / %.2f = %.2fx" % (g[1], lb, g[1] / lb)] if 1 in g else []
    cells += ["%d: %.1f / %.2f = %.2fx" % (n, g[n], bb[n], g[n] / bb[n]) for n in (4, 8) if n in g and n in bb]
    turn = " | turn-based ratio at 4: %.3f" % rows[4]["wall_ratio_turn_based"] if 4 in rows else ""
    print("  %-5s %s%s" % (q, " | ".join(cells), turn))
PY
rm -rf "$out"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
