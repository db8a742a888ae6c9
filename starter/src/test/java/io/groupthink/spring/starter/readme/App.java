package io.groupthink.spring.starter.readme;

import io.groupthink.spring.ai.GroupThinkAdvisor;
import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkResponse;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

// The README's complete application, word for word (ReadmeApplicationTests runs it).
@SpringBootApplication
public class App {

    public static void main(String[] args) {
        SpringApplication.run(App.class, args);
    }

    @Bean
    CommandLineRunner ask(GroupThinkChatClient client, LaunchReview review, ChatClient.Builder chatClient,
            GroupThinkAdvisor groupThink) {
        return args -> {
            // 1. Four thinkers, one batched inference.
            GroupThinkResponse r = client.prompt()
                    .user("List 12 different fruits.")
                    .thinkers(4)
                    .call();
            r.thinkers().forEach(t -> System.out.println("Thinker" + t.thinker() + ": " + t.text()));
            System.out.println("Answer: " + r.finalAnswer());
            System.out.println(r.usage() + " " + r.timings());

            // 2. An agent group: one session, one thinker per role.
            LaunchReview.Review verdict = review.review("Ship the beta on Friday.");
            System.out.println("security: " + verdict.security());
            System.out.println("cost: " + verdict.cost());

            // 3. Existing ChatClient code, answered by Group Think with one line.
            String answer = chatClient.build().prompt()
                    .advisors(groupThink)
                    .user("Name three rivers.")
                    .call().content();
            System.out.println("ChatClient: " + answer);
        };
    }
}
