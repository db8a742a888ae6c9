package io.groupthink.cli;

import io.groupthink.engine.hub.HubSettings;
import io.groupthink.engine.hub.ModelPuller;
import io.groupthink.engine.hub.TextProgressBar;
import java.nio.file.Path;
import java.util.List;

/** Downloads a model from the Hugging Face hub into the standard cache and prints its folder. */
final class PullCommand implements Command {

    @Override
    public String name() {
        return "pull";
    }

    @Override
    public String summary() {
        return "download a model from the Hugging Face hub into the HF cache";
    }

    @Override
    public String usage() {
        return "ID [--revision REV] [--offline]";
    }

    @Override
    public String description() {
        return """
                Downloads config.json, tokenizer files and safetensors weights of model ID (ORG/NAME) into
                ~/.cache/huggingface/hub/models--ORG--NAME/snapshots/REV/ (HF_HOME and HF_HUB_CACHE move it),
                reusing files already there and resuming interrupted downloads; sizes and sha256 are checked.
                Prints the snapshot folder, which --model accepts. HF_TOKEN is sent for gated models;
                HF_ENDPOINT changes the hub; --offline (or HF_HUB_OFFLINE=1) only looks in the cache.""";
    }

    @Override
    public List<Options.Spec> options() {
        return List.of(Options.Spec.positional("ID", "the model id, ORG/NAME (required)"),
                Options.Spec.value("--revision", "REV", "branch, tag or commit (default main)"),
                Options.Spec.flag("--offline", "resolve from the cache only; fail naming what is missing"));
    }

    @Override
    public int execute(Options o, Io io) {
        List<String> ids = o.positional();
        if (ids.size() != 1) {
            throw new UsageException("pull takes exactly one model id (ORG/NAME), got " + ids.size());
        }
        HubSettings settings = HubSettings.fromEnvironment();
        if (o.flag("--offline")) {
            settings = settings.toBuilder().offline(true).build();
        }
        Path snapshot = new ModelPuller(settings).pull(ids.get(0), o.string("--revision", "main"),
                new TextProgressBar(io.err(), System.console() != null));
        io.out().println(snapshot);
        return GroupThinkCli.OK;
    }
}
