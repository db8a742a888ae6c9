package io.groupthink.spring.autoconfigure.it;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** A new Boot app: the starter's auto-configuration, the model path, nothing else of its own. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class IntegrationApp {
}
