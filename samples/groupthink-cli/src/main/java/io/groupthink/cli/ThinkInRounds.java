package io.groupthink.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.RoundListener;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundSession;
import io.groupthink.engine.groupthink.RoundsResult;
import java.util.List;
import java.util.Locale;

/** {@code think --rounds R}: the session reasons in rounds of S tokens per thinker, each closed by a summary. */
final class ThinkInRounds {

    static final List<Options.Spec> OPTIONS = List.of(
            Options.Spec.value("--rounds", "R", "reason in at most R rounds in a fixed KV budget (InftyThink): each "
                    + "round's segment is summarised and the next round starts from question + summary"),
            Options.Spec.value("--segment", "S", "tokens per thinker per round (default 128); needs --rounds"),
            Options.Spec.value("--summary-tokens", "M", "tokens of each round's summary (default 64); needs --rounds"),
            Options.Spec.value("--carry", "m", "each thinker's last m tokens carried into the next round (default 0,"
                    + " at most S); needs --rounds"),
            Options.Spec.flag("--summary-per-thinker", "one summary lane per thinker; needs --rounds"),
            Options.Spec.value("--final-marker", "TEXT", "text that ends the session after its round (default \""
                    + RoundOptions.DEFAULT_MARKER + "\"); needs --rounds"));

    private ThinkInRounds() {}

    /** The round options, or null without --rounds; checked before any model is loaded. */
    static RoundOptions options(Options o) {
        if (!o.has("--rounds")) {
            for (Options.Spec s : OPTIONS) {
                if (o.has(s.name())) {
                    throw new UsageException(s.name() + " needs --rounds");
                }
            }
            return null;
        }
        int rounds = o.intValue("--rounds", 1, 1, 10_000);
        int segment = o.intValue("--segment", 128, 1, Integer.MAX_VALUE);
        int summary = o.intValue("--summary-tokens", 64, 1, Integer.MAX_VALUE);
        int carry = o.intValue("--carry", 0, 0, Integer.MAX_VALUE);
        if (carry > segment) {
            throw new UsageException("--carry " + carry + " must not exceed --segment " + segment);
        }
        if (o.has("--max-tokens")) {
            throw new UsageException("--max-tokens does not apply with --rounds; use --segment");
        }
        return new RoundOptions(rounds, segment, summary, carry, o.flag("--summary-per-thinker"),
                o.string("--final-marker", RoundOptions.DEFAULT_MARKER), null);
    }

    static int execute(Common.Loaded loaded, GroupThinkRequest request, RoundOptions options, boolean json,
            Command.Io io) {
        RoundListener printer = json ? RoundListener.NONE : new RoundListener() {
            @Override
            public void onRoundEnd(RoundsResult.Round r) {
                io.out().printf(Locale.ROOT, "%s%n", io.terminal().dim("── round " + r.index() + " ──"));
                for (GroupThinkResult.ThinkerResult t : r.segments()) {
                    io.out().println(t.label().strip() + " " + t.text().strip());
                }
                io.out().printf(Locale.ROOT, "%s %s%n", io.terminal().dim("summary:"), r.summary());
                io.out().flush();
            }
        };
        RoundSession session;
        try {
            session = new RoundSession(loaded.model(), request, options, printer, null);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage().replace("segment, carry or summary tokens", "--segment, "
                    + "--carry or --summary-tokens").replace("the thinkers", "--thinkers"));
        }
        RoundsResult result = session.start().await();
        double step = result.rounds().stream().mapToDouble(RoundsResult.Round::meanDecodeMillis).average().orElse(0);
        if (json) {
            printJson(io, loaded, request, options, result, step);
            return GroupThinkCli.OK;
        }
        if (result.finalAnswer() != null) {
            io.out().printf(Locale.ROOT, "%n%s%s%n", io.terminal().dim("final answer:"), result.finalAnswer());
        }
        io.out().printf(Locale.ROOT, "%n%s%n", io.terminal().dim(String.format(Locale.ROOT,
                "[%d round(s)%s, %d thinker(s) | %d tokens, %d in summaries | step %.2f ms | peak KV %d of %d "
                        + "tokens (one round's bound) | wall %.0f ms]", result.rounds().size(),
                result.markerReached() ? ", final-answer marker reached" : "", request.thinkers(),
                result.generatedTokens(), result.summaryTokens(), step, result.peakKvTokens(), result.kvBound(),
                result.wallMillis())));
        io.out().flush();
        return GroupThinkCli.OK;
    }

    private static void printJson(Command.Io io, Common.Loaded loaded, GroupThinkRequest request, RoundOptions options,
            RoundsResult result, double step) {
        ObjectNode n = Common.JSON.createObjectNode();
        n.put("model", loaded.path());
        n.put("question", request.question());
        n.put("mode", ThinkCommand.mode(request.mode()));
        n.put("layout", ThinkCommand.layout(request.layout()));
        n.put("thinkers", request.thinkers());
        ObjectNode o = n.putObject("round_options");
        o.put("rounds", options.rounds());
        o.put("segment", options.segmentTokens());
        o.put("summary_tokens", options.summaryTokens());
        o.put("carry", options.carryTokens());
        o.put("summary_per_thinker", options.summaryPerThinker());
        o.put("final_marker", options.finalMarker());
        ArrayNode rounds = n.putArray("rounds");
        for (RoundsResult.Round r : result.rounds()) {
            ObjectNode j = rounds.addObject();
            j.put("round", r.index());
            ArrayNode segments = j.putArray("segments");
            for (GroupThinkResult.ThinkerResult t : r.segments()) {
                ObjectNode s = segments.addObject();
                s.put("lane", t.lane());
                s.put("label", t.label().strip());
                s.set("generated_ids", Common.ids(t.tokens()));
                s.put("text", t.text());
                s.put("finish_reason", Common.finishReason(t));
            }
            j.put("summary", r.summary());
            j.put("summary_tokens", r.summaryTokens());
            j.put("prompt_tokens", r.promptTokens());
            j.put("decode_steps", r.decodeSteps());
            j.put("kv_tokens", r.kvTokens());
            j.put("decode_ms_per_step", Common.round(r.meanDecodeMillis(), 3));
            j.put("segment_ms", Common.round(r.segmentMillis(), 3));
            j.put("summary_ms", Common.round(r.summaryMillis(), 3));
        }
        n.put("final_answer", result.finalAnswer());
        n.put("marker_reached", result.markerReached());
        n.put("generated_tokens", result.generatedTokens());
        n.put("kv_bound_tokens", result.kvBound());
        n.put("peak_kv_tokens", result.peakKvTokens());
        ObjectNode t = n.putObject("timings");
        t.put("load_ms", Common.round(loaded.loadMillis(), 3));
        t.put("decode_ms_per_step", Common.round(step, 3));
        t.put("wall_ms", Common.round(result.wallMillis(), 3));
        t.put("total_ms", Common.round(io.elapsedMillis(), 3));
        Common.printJson(io.out(), n);
    }
}
