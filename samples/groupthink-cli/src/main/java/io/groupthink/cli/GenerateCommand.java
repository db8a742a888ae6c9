package io.groupthink.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Plain text generation from a raw prompt, streamed. */
final class GenerateCommand implements Command {

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "continue a prompt (plain generation), streamed to stdout";
    }

    @Override
    public String usage() {
        return "--model DIR|FILE (--prompt TEXT | --prompt-file FILE|-) --max-tokens N [--greedy | --temperature T --top-p P --seed S] "
                + "[--top-k K] [--repetition-penalty R] [--stop STR]... [--json] [--logits K]";
    }

    @Override
    public String description() {
        return """
                Encodes the prompt as the tokenizer is configured to (BOS included where it adds one) and
                continues it, printing the prompt and then the text as it is generated. Timings go to stderr.
                With --json, prints one JSON object instead: model, prompt, prompt_ids, generated_ids, text,
                finish_reason (eos, stop or length), sampling, logits (with --logits K: per step that chose a
                token, the top-K [id, logit] pairs, the step that chose end-of-sequence included) and timings
                {load_ms, prefill_ms, decode_ms_per_token, tokens_per_second (the decode rate), total_ms}.
                Generation stops at the budget, at an end-of-sequence token, or after a --stop string
                (which is not included in the text).""";
    }

    @Override
    public List<Options.Spec> options() {
        List<Options.Spec> specs = new ArrayList<>();
        specs.add(Common.MODEL);
        specs.add(Options.Spec.value("--prompt", "TEXT", "the text to continue (this or --prompt-file)"));
        specs.add(Common.PROMPT_FILE);
        specs.add(Options.Spec.value("--max-tokens", "N", "most tokens to generate (default 128)"));
        specs.addAll(Common.SAMPLING);
        specs.add(Options.Spec.multi("--stop", "STR", "stop after this text (repeatable)"));
        specs.addAll(Common.RUN_OPTIONS);
        return specs;
    }

    @Override
    public int execute(Options o, Io io) {
        o.required("--model");
        String prompt = Common.text(o, "--prompt");
        int maxTokens = o.intValue("--max-tokens", 128, 1, Integer.MAX_VALUE);
        SamplingOptions sampling = Common.sampling(o);
        List<String> stops = o.all("--stop");
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new UsageException("--stop: a stop string must not be empty");
            }
        }
        boolean json = o.flag("--json");
        int topLogits = o.intValue("--logits", 0, 0, Integer.MAX_VALUE);
        if (topLogits > 0 && !json) {
            throw new UsageException("--logits only applies with --json");
        }
        try (Common.Loaded loaded = Common.load(o, io.err())) {
            GroupThinkModel model = loaded.model();
            StreamingText stream = new StreamingText(stops);
            GroupThinkSession[] self = new GroupThinkSession[1];
            SessionListener listener = json ? SessionListener.NONE : new SessionListener() {
                @Override
                public void onToken(ThinkerEvent event) {
                    String text = stream.push(event.text());
                    if (!text.isEmpty()) {
                        io.out().print(text);
                        io.out().flush();
                    }
                    if (io.out().checkError() && self[0] != null) {
                        self[0].cancel(); // nobody is reading any more (e.g. piped into head)
                    }
                }
            };
            GroupThinkSession session;
            try {
                session = model.newPlainSession(prompt, maxTokens, sampling, stops, topLogits, listener,
                        StepHook.NONE);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage() + (e.getMessage().contains("context")
                        ? " (lower --max-tokens or shorten --prompt)" : ""));
            }
            self[0] = session;
            if (!json) {
                io.out().print(prompt);
                io.out().flush();
            }
            GroupThinkResult result = model.run(List.of(session)).get(0);
            GroupThinkResult.ThinkerResult lane = result.thinkers().get(0);
            double prefill = Common.prefillMillis(result);
            double perToken = Common.meanDecodeMillis(result);
            double tokensPerSecond = perToken > 0 ? 1000 / perToken
                    : prefill > 0 ? lane.tokens().length * 1000 / prefill : 0;
            if (json) {
                ObjectNode n = Common.JSON.createObjectNode();
                n.put("model", loaded.path());
                n.set("tensor_types", Common.tensorTypes(loaded.model()));
                n.put("prompt", prompt);
                n.set("prompt_ids", Common.ids(session.plan().shared()));
                n.set("generated_ids", Common.ids(lane.tokens()));
                n.put("text", lane.text());
                n.put("finish_reason", Common.finishReason(lane));
                n.set("sampling", Common.samplingJson(sampling));
                if (topLogits > 0) {
                    n.set("logits", Common.logitsJson(lane.topLogits()));
                }
                ObjectNode t = n.putObject("timings");
                t.put("load_ms", Common.round(loaded.loadMillis(), 3));
                t.put("prefill_ms", Common.round(prefill, 3));
                t.put("decode_ms_per_token", Common.round(perToken, 3));
                t.put("tokens_per_second", Common.round(tokensPerSecond, 3));
                t.put("total_ms", Common.round(io.elapsedMillis(), 3));
                Common.printJson(io.out(), n);
            } else {
                io.out().print(stream.finish(lane.text()));
                io.out().println();
                io.out().flush();
                io.err().printf(Locale.ROOT,
                        "[%d prompt tokens, %d generated, finish %s | prefill %.1f ms, decode %.2f ms/token, "
                                + "%.1f tok/s | total %.0f ms]%n",
                        session.plan().shared().length, lane.tokens().length, Common.finishReason(lane), prefill,
                        perToken, tokensPerSecond, io.elapsedMillis());
            }
            return GroupThinkCli.OK;
        }
    }
}
