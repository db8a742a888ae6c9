package io.groupthink.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.RandomModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The text side of the trained model: a word-level {@code tokenizer.json} (words split at
 * whitespace, so {@code apple,} is one token), a chat template and the generation config.
 *
 * <p>The chat template turns the engine's default system messages into one word each:
 * {@code group} when the system message is {@link PromptTemplate#DEFAULT}'s Group Think text,
 * {@code solo} otherwise. So the model sees a short prompt while the engine keeps its own words.
 */
public final class ModelFiles {

    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;

    /** Words of the Group Think system message the template looks for. */
    static final String GROUP_MARK = "same time";

    static final String CHAT_TEMPLATE = "{% for message in messages %}{% if message['role'] == 'system' %}"
            + "{% if '" + GROUP_MARK + "' in message['content'] %}{{ 'group ' }}{% else %}{{ 'solo ' }}{% endif %}"
            + "{% else %}{{ message['content'] + ' ' }}{% endif %}{% endfor %}"; // spaces in expressions: text
            // next to a block tag is trimmed

    private ModelFiles() {}

    /** Every word the model knows, in id order after the three special tokens. */
    public static List<String> vocabulary() {
        Set<String> words = new LinkedHashSet<>(List.of("group", "solo", "List", "all", "You", "are"));
        for (String c : EnumerationTask.categoryNames()) {
            words.add(c + ".");
        }
        for (int id = 1; id <= GroupThinkRequest.MAX_THINKERS; id++) {
            words.add("Thinker" + id + ".");
            words.add("Thinker" + id + ":");
        }
        words.addAll(List.of(PromptTemplate.DEFAULT.synthesis().trim().split("\\s+")));
        for (List<String> items : EnumerationTask.CATEGORIES.values()) {
            for (String item : items) {
                words.add(EnumerationTask.word(item));
            }
        }
        return new ArrayList<>(words);
    }

    /** Rows of the embedding: the special tokens and the vocabulary. */
    public static int vocabSize() {
        return 3 + vocabulary().size();
    }

    /** Writes tokenizer.json, tokenizer_config.json and generation_config.json into {@code dir}. */
    public static void write(Path dir, double temperature, double topP) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode t = RandomModel.tokenizerWithSpecials(mapper); // <unk> 0, <s> 1 (put in front), </s> 2
        List<String> specials = RandomModel.SPECIALS;
        t.putNull("normalizer");
        t.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        t.putNull("decoder"); // word-level decoding joins tokens with one space
        ObjectNode model = t.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < specials.size(); i++) {
            vocab.put(specials.get(i), i);
        }
        int id = specials.size();
        for (String w : vocabulary()) {
            vocab.put(w, id++);
        }
        model.put("unk_token", "<unk>");
        mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.TOKENIZER).toFile(), t);

        ObjectNode tc = mapper.createObjectNode();
        tc.put("bos_token", "<s>").put("eos_token", "</s>").put("unk_token", "<unk>").put("add_bos_token", true);
        tc.put("tokenizer_class", "PreTrainedTokenizerFast");
        tc.put("chat_template", CHAT_TEMPLATE);
        mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.TOKENIZER_CONFIG).toFile(), tc);

        ObjectNode g = mapper.createObjectNode();
        g.put("bos_token_id", BOS).put("eos_token_id", EOS).put("do_sample", true).put("temperature", temperature)
                .put("top_p", topP);
        mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.GENERATION_CONFIG).toFile(), g);
    }
}
