package io.groupthink.spring.starter;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.spring.autoconfigure.GroupThinkAutoConfiguration;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Condition;

/**
 * Scans the auto-configuration artifact (the jar under {@code verify}, its classes folder under
 * {@code test}): no public type a user would import sits in an {@code autoconfigure} package, which
 * holds only *AutoConfiguration, *Properties and conditions, as in Spring AI's model modules.
 */
class PublicTypesTests {

    @Test
    void theAutoconfigurePackageHoldsOnlyAutoConfigurationsPropertiesAndConditions() throws Exception {
        List<String> classes = classesOf(GroupThinkAutoConfiguration.class);
        assertThat(classes).as("the scan found the artifact").contains(GroupThinkAutoConfiguration.class.getName());
        List<String> misplaced = new ArrayList<>();
        for (String name : classes) {
            if (!name.contains(".autoconfigure.") || name.contains("$")) {
                continue;
            }
            Class<?> type = Class.forName(name, false, getClass().getClassLoader());
            if (!Modifier.isPublic(type.getModifiers())) {
                continue; // helpers the application never sees
            }
            String simple = type.getSimpleName();
            boolean allowed = simple.endsWith("AutoConfiguration") || simple.endsWith("Properties")
                    || (type.isAnnotation() && simple.startsWith("ConditionalOn"))
                    || Condition.class.isAssignableFrom(type);
            if (!allowed) {
                misplaced.add(name);
            }
        }
        assertThat(misplaced).as("public types under an autoconfigure package").isEmpty();
    }

    @Test
    void whatUsersImportLivesInTheModelPackages() throws Exception {
        List<String> classes = classesOf(GroupThinkAutoConfiguration.class);
        assertThat(classes).contains(
                "io.groupthink.spring.client.GroupThinkChatClient",
                "io.groupthink.spring.client.GroupThinkResponse",
                "io.groupthink.spring.client.ThinkerToken",
                "io.groupthink.spring.client.GroupThinkException",
                "io.groupthink.spring.ai.GroupThinkChatModel",
                "io.groupthink.spring.ai.GroupThinkChatOptions",
                "io.groupthink.spring.ai.GroupThinkAdvisor",
                "io.groupthink.spring.ai.GroupThinkFallback",
                "io.groupthink.spring.agent.GroupThinkAgents",
                "io.groupthink.spring.agent.Thinker",
                "io.groupthink.spring.agent.GroupThink",
                "io.groupthink.spring.agent.EnableGroupThinkAgents",
                "io.groupthink.spring.actuate.GroupThinkEndpoint",
                "io.groupthink.spring.session.GroupThinkSessions");
        Class<?> agents = Class.forName("io.groupthink.spring.agent.GroupThinkAgents");
        assertThat(Annotation.class.isAssignableFrom(agents)).isTrue();
    }

    /** Every class in the jar or folder {@code anchor} was loaded from. */
    static List<String> classesOf(Class<?> anchor) throws IOException, URISyntaxException {
        Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                files.filter(p -> p.toString().endsWith(".class"))
                        .forEach(p -> names.add(toName(location.relativize(p).toString().replace('\\', '/'))));
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                jar.stream().filter(e -> e.getName().endsWith(".class")).forEach(e -> names.add(toName(e.getName())));
            }
        }
        return names;
    }

    private static String toName(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.');
    }
}
