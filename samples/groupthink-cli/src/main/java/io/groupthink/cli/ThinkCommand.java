package io.groupthink.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.StoredToken;
import io.groupthink.engine.groupthink.VisibilityRule;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Group Think session: N thinkers in one batch per step, optionally a synthesised answer. */
final class ThinkCommand implements Command {

    @Override
    public String name() {
        return "think";
    }

    @Override
    public String summary() {
        return "N thinkers on one question, one batched forward pass per step";
    }

    @Override
    public String usage() {
        return "[--model DIR|FILE] (--question TEXT | --prompt-file FILE|-) --thinkers N --mode group|independent|cot --layout slotted|interleaved "
                + "--max-tokens K [--greedy | --temperature T --top-p P --seed S] [--synthesize "
                + "[--synthesis-tokens M]] [--role TEXT]... [--rounds R --segment S --summary-tokens M [--carry m]] "
                + "[--json [--trace]] [--logits K]";
    }

    @Override
    public String description() {
        return """
                Runs one Group Think session. In group mode every thinker sees the others' tokens as they are
                written; independent is the baseline where each sees only the prompt and itself; cot is a
                single thinker. Without --model it runs the shipped enumeration model (models/groupthink-enum,
                offline; ask it e.g. "List all fruits."). On a terminal the thinkers' lanes are redrawn live, each in its colour (set
                NO_COLOR to turn colour off); otherwise each lane is printed, labelled, when the thinkers are
                done. Then the final answer (with --synthesize, streamed) and a stats line: decode steps,
                tokens, tok/s, wall ms, KV bytes.
                With --json, prints one JSON object: thinkers [{lane, label, generated_ids, text,
                finish_reason, logits}], final_answer, decode_steps, prompt_tokens, generated_tokens, kv_bytes,
                batch_rows, sampling and timings {load_ms, prefill_ms, decode_ms_per_step, tokens_per_second,
                wall_ms, total_ms}. With --json --trace it adds the visibility rule {mode, synthesis_lane,
                others_see_instructions} and trace: every token the session stored, in arrival order, as {id,
                position, owner: prompt | instructions | header | lane, lane, step, ordinal, pass}, where pass
                is the forward pass that stored it; pass p's queries see tokens of passes <= p that the rule
                allows, so an outside implementation can recompute any step's logits.
                With --rounds, the thinkers reason in rounds of --segment tokens each; a summary lane condenses
                each round, its KV is released, and the next round starts from the question and the summary
                (plus each thinker's last --carry tokens): memory and step time stay flat. Each round is
                printed as it ends; --json gives rounds [{round, segments, summary, kv_tokens, ...}],
                kv_bound_tokens and peak_kv_tokens.""";
    }

    @Override
    public List<Options.Spec> options() {
        List<Options.Spec> specs = new ArrayList<>();
        specs.add(Common.MODEL);
        specs.add(Options.Spec.value("--question", "TEXT", "the question every thinker works on (this or --prompt-file)"));
        specs.add(Common.PROMPT_FILE);
        specs.add(Options.Spec.value("--thinkers", "N", "number of thinkers, 1 to " + GroupThinkRequest.MAX_THINKERS
                + " (default 4, or the number of --role options; 1 with --mode cot)"));
        specs.add(Options.Spec.value("--mode", "MODE", "group (default), independent or cot"));
        specs.add(Options.Spec.value("--layout", "LAYOUT", "position layout: slotted (default) or interleaved"));
        specs.add(Options.Spec.value("--max-tokens", "K", "per-thinker token budget (default 128)"));
        specs.addAll(Common.SAMPLING);
        specs.add(Options.Spec.flag("--synthesize", "after the thinkers, one more lane that reads them all writes "
                + "the final answer"));
        specs.add(Options.Spec.value("--synthesis-tokens", "M", "budget of the final answer (default 128); "
                + "needs --synthesize"));
        specs.add(Options.Spec.multi("--role", "TEXT", "a role per thinker, in order (repeat once per thinker)"));
        specs.add(Options.Spec.multi("--stop", "STR", "a thinker stops after this text (repeatable)"));
        specs.add(Options.Spec.value("--thinking", "on|off", "reasoning models (Qwen3, ...): the chat template's "
                + "enable_thinking (default: the template's own default)"));
        specs.add(Options.Spec.flag("--hide-reasoning", "other thinkers see only the text after a thinker's "
                + "</think>, not its reasoning (default: they see it all)"));
        specs.addAll(ThinkInRounds.OPTIONS);
        specs.addAll(Common.RUN_OPTIONS);
        specs.add(Options.Spec.flag("--trace", "with --json: every stored token with its owner, position and pass"));
        return specs;
    }

    @Override
    public int execute(Options o, Io io) {
        GroupThinkRequest request = request(o);
        RoundOptions rounds = ThinkInRounds.options(o);
        boolean json = o.flag("--json");
        if (request.topLogits() > 0 && !json) {
            throw new UsageException("--logits only applies with --json");
        }
        boolean trace = o.flag("--trace");
        if (trace && !json) {
            throw new UsageException("--trace only applies with --json");
        }
        try (Common.Loaded loaded = Common.load(o, io.err())) {
            if (rounds != null) {
                return ThinkInRounds.execute(loaded, request, rounds, json, io);
            }
            GroupThinkModel model = loaded.model();
            LanePrinter printer = json ? null : new LanePrinter(io, request);
            GroupThinkSession session;
            try {
                session = model.newSession(request, json ? SessionListener.NONE : printer, StepHook.NONE);
                if (trace) {
                    session.traced();
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage() + (e.getMessage().contains("context")
                        ? " (lower --thinkers, --max-tokens or --synthesis-tokens, or shorten --question)" : ""));
            }
            GroupThinkResult result = model.run(List.of(session)).get(0);
            double prefill = Common.prefillMillis(result);
            double decodeTotal = Common.decodeMillis(result);
            double step = Common.meanDecodeMillis(result);
            int generated = result.generatedTokens();
            double forwardMillis = prefill + decodeTotal;
            double tokensPerSecond = forwardMillis > 0 ? generated * 1000 / forwardMillis : 0;
            if (json) {
                printJson(io, loaded, request, result, prefill, step, tokensPerSecond, trace ? session : null);
            } else {
                printer.finish(result);
                io.out().printf(Locale.ROOT,
                        "%n%s%n", io.terminal().dim(String.format(Locale.ROOT,
                                "[%s, %d thinker(s)%s | %d prompt tokens | %d decode steps, %d tokens, "
                                        + "%.1f tok/s | step %.2f ms | wall %.0f ms | KV %d bytes (%s)]",
                                mode(request.mode()), request.thinkers(), request.mode() == Mode.GROUP_THINK
                                        ? ", " + layout(request.layout()) + " layout" : "",
                                result.promptTokens(), result.decodeSteps(), generated, tokensPerSecond, step,
                                result.wallMillis(), result.kvBytes(), Common.bytes(result.kvBytes()))));
                io.out().flush();
            }
            return GroupThinkCli.OK;
        }
    }

    /** Builds and validates the request from the options, before any model is loaded. */
    static GroupThinkRequest request(Options o) {
        String question = Common.text(o, "--question");
        if (question.isBlank()) {
            throw new UsageException("--question must not be empty");
        }
        Mode mode;
        Layout layout;
        try {
            mode = Mode.parse(o.string("--mode", "group"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--mode: " + e.getMessage());
        }
        try {
            layout = Layout.parse(o.string("--layout", "slotted"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--layout: " + e.getMessage());
        }
        List<String> roles = o.all("--role");
        int defaultThinkers = mode == Mode.COT ? 1 : roles.isEmpty() ? 4 : roles.size();
        int thinkers = o.intValue("--thinkers", defaultThinkers, 1, GroupThinkRequest.MAX_THINKERS);
        if (mode == Mode.COT && thinkers != 1) {
            throw new UsageException("--thinkers must be 1 with --mode cot, got " + thinkers);
        }
        if (!roles.isEmpty() && roles.size() != thinkers) {
            throw new UsageException("--role given " + roles.size() + " time(s) for " + thinkers
                    + " thinkers; give one per thinker");
        }
        for (String r : roles) {
            if (r.isBlank()) {
                throw new UsageException("--role must not be empty");
            }
        }
        int maxTokens = o.intValue("--max-tokens", 128, 1, Integer.MAX_VALUE);
        boolean synthesize = o.flag("--synthesize");
        if (o.has("--synthesis-tokens") && !synthesize) {
            throw new UsageException("--synthesis-tokens needs --synthesize");
        }
        int synthesisTokens = o.intValue("--synthesis-tokens", 128, 1, Integer.MAX_VALUE);
        List<String> stops = o.all("--stop");
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new UsageException("--stop: a stop string must not be empty");
            }
        }
        SamplingOptions sampling = Common.sampling(o);
        int topLogits = o.intValue("--logits", 0, 0, Integer.MAX_VALUE);
        Boolean thinking = o.has("--thinking") ? o.choice("--thinking", "on", List.of("on", "off")).equals("on") : null;
        return GroupThinkRequest.builder(question).enableThinking(thinking).othersSeeReasoning(!o.flag("--hide-reasoning")).thinkers(thinkers).mode(mode).layout(layout).maxTokens(maxTokens)
                .sampling(sampling).synthesize(synthesize).synthesisTokens(synthesisTokens).roles(roles)
                .stopStrings(stops).topLogits(topLogits).build().validate(GroupThinkRequest.MAX_THINKERS);
    }

    private static void printJson(Io io, Common.Loaded loaded, GroupThinkRequest request, GroupThinkResult result,
            double prefill, double step, double tokensPerSecond, GroupThinkSession traced) {
        ObjectNode n = Common.JSON.createObjectNode();
        n.put("model", loaded.path());
        n.set("tensor_types", Common.tensorTypes(loaded.model()));
        n.put("question", request.question());
        n.put("mode", mode(request.mode()));
        n.put("layout", layout(request.layout()));
        n.put("max_tokens", request.maxTokens());
        ArrayNode lanes = n.putArray("thinkers");
        for (GroupThinkResult.ThinkerResult t : result.thinkers()) {
            lanes.add(lane(t, request));
        }
        if (result.synthesis() != null) {
            n.set("synthesis", lane(result.synthesis(), request));
        }
        n.put("final_answer", result.finalAnswer());
        n.put("decode_steps", result.decodeSteps());
        n.put("prompt_tokens", result.promptTokens());
        n.put("generated_tokens", result.generatedTokens());
        n.put("kv_bytes", result.kvBytes());
        ArrayNode rows = n.putArray("batch_rows");
        result.batchRows().forEach(rows::add);
        n.set("sampling", Common.samplingJson(request.sampling()));
        ObjectNode t = n.putObject("timings");
        t.put("load_ms", Common.round(loaded.loadMillis(), 3));
        t.put("prefill_ms", Common.round(prefill, 3));
        t.put("decode_ms_per_step", Common.round(step, 3));
        t.put("tokens_per_second", Common.round(tokensPerSecond, 3));
        t.put("wall_ms", Common.round(result.wallMillis(), 3));
        t.put("total_ms", Common.round(io.elapsedMillis(), 3));
        if (traced != null) {
            VisibilityRule rule = traced.rule();
            ObjectNode v = n.putObject("visibility");
            v.put("mode", mode(rule.mode()));
            v.put("synthesis_lane", rule.synthesisLane() < 0 ? -1 : rule.synthesisLane());
            v.put("others_see_instructions", rule.othersSeeInstructions());
            ArrayNode tokens = n.putArray("trace");
            for (StoredToken s : traced.trace()) {
                ObjectNode e = tokens.addObject();
                e.put("id", s.id());
                e.put("position", s.position());
                e.put("owner", s.kind());
                e.put("lane", s.owner().lane());
                e.put("step", s.owner().step());
                e.put("ordinal", s.owner().ordinal());
                e.put("pass", s.pass());
            }
        }
        Common.printJson(io.out(), n);
    }

    private static ObjectNode lane(GroupThinkResult.ThinkerResult t, GroupThinkRequest request) {
        ObjectNode l = Common.JSON.createObjectNode();
        l.put("lane", t.lane());
        l.put("label", t.label().strip());
        l.set("generated_ids", Common.ids(t.tokens()));
        l.put("text", t.text());
        l.put("finish_reason", Common.finishReason(t));
        if (request.topLogits() > 0) {
            l.set("logits", Common.logitsJson(t.topLogits()));
        }
        return l;
    }

    static String mode(Mode m) {
        return switch (m) {
            case GROUP_THINK -> "group";
            case INDEPENDENT -> "independent";
            case COT -> "cot";
        };
    }

    static String layout(Layout l) {
        return l.name().toLowerCase(Locale.ROOT);
    }
}
