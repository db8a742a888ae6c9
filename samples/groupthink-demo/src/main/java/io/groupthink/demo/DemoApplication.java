package io.groupthink.demo;

import io.groupthink.engine.train.ShippedModel;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/** The Group Think demo: the starter, one property (the model) and a page. */
@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(DemoApplication.class);
        app.addListeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) e ->
                useShippedModelByDefault(e.getEnvironment()));
        app.run(args);
    }

    /**
     * With no groupthink.model.id, .path or .ollama configured, the demo runs the shipped
     * enumeration model: offline, and trained to collaborate. A configured model always wins.
     */
    static void useShippedModelByDefault(ConfigurableEnvironment env) {
        if (env.containsProperty("groupthink.model.id") || env.containsProperty("groupthink.model.path")
                || env.containsProperty("groupthink.model.ollama") || !ShippedModel.available()) {
            return;
        }
        env.getPropertySources().addLast(new MapPropertySource("groupthink-shipped-model",
                Map.of("groupthink.model.path", ShippedModel.path().toString())));
    }
}
