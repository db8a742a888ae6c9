package io.groupthink.server;

import io.groupthink.spring.session.GroupThinkSessions;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/**
 * The engine behind an OpenAI-compatible API: one replica, one model. Scale out by running more
 * replicas behind a load balancer; a session lives on the replica that took it.
 */
@SpringBootApplication
@EnableConfigurationProperties(ServerProperties.class)
public class ServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ServerApplication.class, args);
    }

    @Bean
    Completions completions(GroupThinkSessions sessions, ServerProperties properties) {
        String name = properties.getModelName().isBlank()
                ? sessions.modelInfo().name() : properties.getModelName();
        return new Completions(sessions, name);
    }

    @Bean
    ApiGate apiGate(ApplicationAvailability availability, ServerProperties properties) {
        return new ApiGate(availability, properties);
    }

    @Bean
    OpenAiErrorHandler openAiErrorHandler(JsonMapper json, ServerProperties properties) {
        return new OpenAiErrorHandler(json, properties);
    }
}
