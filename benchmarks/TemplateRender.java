/*
 * Chat-template rendering cost: every template of the test corpus on its "tools" and "multi-turn"
 * conversations, compiled once, rendered many times; median microseconds per rendering. Rendering happens once
 * per thinker per request, so this is the template's share of a request's latency.
 *
 *   ./mvnw -B -ntp -q -pl engine -am test-compile
 *   ./mvnw -B -ntp -q -o dependency:build-classpath -pl engine -Dmdep.outputFile=/tmp/engine.cp
 *   java -cp engine/target/classes:engine/target/test-classes:$(cat /tmp/engine.cp) benchmarks/TemplateRender.java
 */
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.model.ChatTemplate;
import java.nio.file.*;
import java.time.*;
import java.util.*;

public class TemplateRender {
  public static void main(String[] a) throws Exception {
    Path root = Path.of("engine/src/test/resources/chat-templates");
    ObjectMapper json = new ObjectMapper();
    JsonNode families = json.readTree(root.resolve("families.json").toFile());
    JsonNode conversations = json.readTree(root.resolve("conversations.json").toFile());
    ZonedDateTime now = ZonedDateTime.of(2026, 12, 2, 8, 30, 0, 0, ZoneOffset.UTC);
    System.out.printf("%-22s %-12s %10s %8s%n", "template", "conversation", "us/render", "chars");
    for (Iterator<String> it = families.fieldNames(); it.hasNext(); ) {
      String family = it.next();
      JsonNode spec = families.get(family);
      @SuppressWarnings("unchecked")
      Map<String, String> tokens = json.convertValue(spec.get("tokens"), LinkedHashMap.class);
      ChatTemplate t = new ChatTemplate(Files.readString(root.resolve("templates").resolve(spec.get("template").asText())),
          tokens, root);
      for (JsonNode conv : conversations) {
        String name = conv.get("name").asText();
        if (!name.equals("tools") && !name.equals("multi-turn")) continue;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> messages = json.convertValue(conv.get("messages"), List.class);
        @SuppressWarnings("unchecked")
        ChatTemplate.Variables v = new ChatTemplate.Variables(null,
            conv.has("tools") ? json.convertValue(conv.get("tools"), List.class) : null, null, now, Map.of());
        long[] ns = new long[2000];
        int chars = 0;
        for (int i = -500; i < ns.length; i++) {
          long t0 = System.nanoTime();
          try {
            chars = t.renderMessages(messages, true, v).length();
          } catch (ChatTemplate.ChatTemplateException e) {
            chars = -1; // the template refuses this conversation (as jinja2 does)
          }
          if (i >= 0) ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        System.out.printf("%-22s %-12s %10.1f %8d%n", family, name, ns[ns.length / 2] / 1e3, chars);
      }
    }
  }
}
