// Group Think demo: one EventSource per run; each token event appends to its thinker's lane.
const COLORS = ["#7aa2f7", "#9ece6a", "#e0af68", "#f7768e", "#bb9af7", "#7dcfff", "#ff9e64", "#c0caf5"];
const MODE_NAMES = { group: "Group Think", independent: "Independent", cot: "CoT" };
const runs = document.getElementById("runs");
let sources = [];

// The model's description and the server's defaults. A request that fails, or has no answer in 10 s,
// is tried again, backing off to 5 s: a page opened while the server starts (or restarts), or whose
// request sat on a stalled connection, would otherwise stay undescribed.
function loadModel(attempt) {
  fetch("api/model", { signal: AbortSignal.timeout(10000) }).then(r => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  }).then(m => {
    document.getElementById("model").textContent =
      `model: ${m.name} · ${m.modelType} · ${m.layers} layers · context ${m.contextLength}`;
    document.getElementById("budget").value = m.defaultBudget;
    document.getElementById("thinkers").max = m.maxThinkers;
    if (m.rounds) {
      document.getElementById("rounds").value = m.rounds.rounds;
      document.getElementById("segment").value = m.rounds.segmentTokens;
      document.getElementById("summary").value = m.rounds.summaryTokens;
      document.getElementById("carry").value = m.rounds.carryTokens;
    }
  }).catch(e => {
    document.getElementById("model").textContent = `model: server not reachable (${e.message}), trying again…`;
    setTimeout(() => loadModel(attempt + 1), Math.min(5000, 250 * 2 ** attempt));
  });
}
loadModel(0);

const inRounds = document.getElementById("in-rounds");
// In rounds each thinker writes S tokens a round: the budget field does not apply.
inRounds.addEventListener("change", () => {
  document.getElementById("round-fields").hidden = !inRounds.checked;
  document.getElementById("budget").disabled = inRounds.checked;
});

function params(mode, thinkers) {
  const p = new URLSearchParams();
  p.set("question", document.getElementById("question").value);
  p.set("mode", mode);
  p.set("thinkers", mode === "cot" ? 1 : thinkers);
  p.set("budget", document.getElementById("budget").value);
  p.set("synthesize", document.getElementById("synthesize").checked);
  if (inRounds.checked) {
    ["rounds", "segment", "summary", "carry"].forEach(k => p.set(k, document.getElementById(k).value));
  }
  return p;
}

function startRun(mode, thinkers) {
  const node = document.getElementById("run-template").content.firstElementChild.cloneNode(true);
  const n = mode === "cot" ? 1 : thinkers;
  node.dataset.mode = mode;
  node.querySelector(".run-title").textContent = `${MODE_NAMES[mode]} · ${n} thinker${n > 1 ? "s" : ""}`;
  const roundLabel = document.createElement("span");
  roundLabel.className = "round";
  node.querySelector(".run-title").appendChild(roundLabel);
  const lanes = node.querySelector(".lanes");
  for (let i = 0; i < n; i++) {
    const lane = document.createElement("div");
    lane.className = "lane live";
    lane.dataset.lane = i;
    lane.style.setProperty("--c", COLORS[i % COLORS.length]);
    lane.innerHTML = `<h4>Thinker${i + 1}</h4><div class="text"></div>`;
    lanes.appendChild(lane);
  }
  runs.appendChild(node);

  const source = new EventSource("api/think?" + params(mode, thinkers));
  sources.push(source);
  const answer = node.querySelector(".answer");
  source.addEventListener("token", e => {
    const t = JSON.parse(e.data);
    if (t.synthesis) {
      answer.hidden = false;
      answer.querySelector(".answer-text").textContent += t.text;
      return;
    }
    const lane = lanes.querySelector(`[data-lane="${t.lane}"] .text`);
    if (lane) lane.textContent += t.text;
  });
  // In rounds: each round starts from the question and the notes, so its lanes start empty; the
  // notes each round ends with stay on show above the lanes.
  const summaries = node.querySelector(".summaries");
  const maxRounds = document.getElementById("rounds").value;
  const summaryText = round => {
    let box = summaries.querySelector(`:scope > .summary[data-round="${round}"] .summary-text`);
    if (!box) {
      const div = document.createElement("div");
      div.className = "summary";
      div.dataset.round = round;
      div.innerHTML = `<h4>Notes after round ${round}</h4><div class="summary-text"></div>`;
      summaries.appendChild(div);
      summaries.hidden = false;
      box = div.querySelector(".summary-text");
    }
    return box;
  };
  source.addEventListener("round", e => {
    const r = JSON.parse(e.data);
    node.dataset.round = r.round;
    roundLabel.textContent = `round ${r.round} of ${maxRounds}`;
    lanes.querySelectorAll(".lane").forEach(l => {
      l.querySelector(".text").textContent = "";
      l.classList.remove("done");
      l.classList.add("live");
    });
  });
  source.addEventListener("summary-token", e => {
    const t = JSON.parse(e.data);
    summaryText(t.round).textContent += t.text;
  });
  source.addEventListener("summary", e => {
    const s = JSON.parse(e.data);
    summaryText(s.round).textContent = s.text;
  });
  source.addEventListener("round-end", e => {
    const s = JSON.parse(e.data);
    markFinished(s.lanes);
  });
  const markFinished = finished => {
    lanes.querySelectorAll(".lane").forEach(l => l.classList.remove("live"));
    (finished || []).forEach(f => {
      const lane = lanes.querySelector(`[data-lane="${f.lane}"]`);
      if (lane) { lane.classList.add("done"); lane.querySelector("h4").dataset.reason = f.reason.toLowerCase(); }
    });
  };
  source.addEventListener("done", e => {
    const s = JSON.parse(e.data);
    if (s.lanes) markFinished(s.lanes); // in rounds, the last round-end marked them
    else lanes.querySelectorAll(".lane").forEach(l => l.classList.remove("live"));
    if (s.finalAnswer) { answer.hidden = false; answer.querySelector(".answer-text").textContent = s.finalAnswer; }
    const common =
      `<span>steps <b>${s.decodeSteps}</b></span><span>tokens <b>${s.tokens}</b></span>` +
      `<span><b>${s.tokensPerSecond.toFixed(1)}</b> tok/s</span><span>wall <b>${(s.wallMillis / 1000).toFixed(2)}</b> s</span>`;
    node.querySelector(".stats").innerHTML = s.rounds === undefined
      ? common + `<span>KV <b>${(s.kvBytes / 1024).toFixed(0)}</b> KiB</span>`
      : `<span>rounds <b>${s.rounds}</b></span>` + common + `<span>summaries <b>${s.summaryTokens}</b> tokens</span>` +
        `<span>peak KV <b>${s.peakKvTokens}</b> of <b>${s.kvBound}</b> slots (one round's bound)</span>`;
    node.classList.add("finished");
    finish(source);
  });
  source.addEventListener("failure", e => {
    const err = node.querySelector(".error");
    err.hidden = false;
    err.textContent = JSON.parse(e.data).message;
    finish(source);
  });
  // A refused request (400, 413, 414, 503) closes the EventSource without saying why. Refusals come
  // before any session starts, so asking again with fetch reads the same problem body; were the
  // stream to open after all, the fetch is aborted at once, which cancels that session.
  let received = false;
  ["token", "round"].forEach(name => source.addEventListener(name, () => { received = true; }));
  source.onerror = () => {
    source.close();
    finish(source);
    if (received) return;
    const abort = new AbortController();
    fetch("api/think?" + params(mode, thinkers), { signal: abort.signal, headers: { Accept: "text/event-stream" } })
      .then(r => { if (r.ok) { abort.abort(); return null; } return r.json(); })
      .then(p => {
        if (!p) return;
        const err = node.querySelector(".error");
        err.hidden = false;
        err.textContent = p.detail || p.title;
      }).catch(() => {});
  };
}

function finish(source) {
  source.close();
  sources = sources.filter(s => s !== source);
  if (sources.length === 0) setBusy(false);
}

function setBusy(busy) {
  document.getElementById("run").disabled = busy;
  document.getElementById("compare").disabled = busy;
  document.getElementById("stop").disabled = !busy;
}

document.getElementById("ask").addEventListener("submit", e => {
  e.preventDefault();
  runs.innerHTML = "";
  runs.classList.remove("compare");
  setBusy(true);
  startRun(document.getElementById("mode").value, +document.getElementById("thinkers").value);
});

document.getElementById("compare").addEventListener("click", () => {
  runs.innerHTML = "";
  runs.classList.add("compare");
  setBusy(true);
  const n = +document.getElementById("thinkers").value;
  ["group", "independent", "cot"].forEach(m => startRun(m, n));
});

// Closing the stream cancels the session on the server (its KV memory is freed at the next step).
document.getElementById("stop").addEventListener("click", () => {
  sources.forEach(s => s.close());
  sources = [];
  document.querySelectorAll(".lane.live").forEach(l => l.classList.remove("live"));
  setBusy(false);
});
