package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.hub.HubException;
import io.groupthink.engine.hub.HubSettings;
import io.groupthink.engine.hub.ModelPuller;
import io.groupthink.engine.groupthink.RoundListener;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.ollama.OllamaStore;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.scheduler.EngineListener;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.session.CompositeEngineListener;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.SessionGuard;
import io.groupthink.spring.session.SessionRegistry;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.convert.converter.Converter;

/**
 * Core Group Think beans: the model (loaded once, closed on shutdown), the scheduler that owns the
 * engine thread, the session facade every surface goes through, and {@link GroupThinkChatClient}.
 *
 * <p>Shutdown order matters: first the engine drains (readiness DOWN, then up to
 * {@code groupthink.engine.drain-time} for running sessions), then, as the scheduler takes the model
 * as a constructor argument, Spring destroys the scheduler (failing what is left with "shutting
 * down") and closes the model after it. Each closes once.
 */
@AutoConfiguration
@ConditionalOnClass(GroupThinkModel.class)
@ConditionalOnBooleanProperty(name = "groupthink.enabled", matchIfMissing = true)
@EnableConfigurationProperties(GroupThinkProperties.class)
public class GroupThinkAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GroupThinkAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public GroupThinkModel groupThinkModel(GroupThinkProperties properties) {
        GroupThinkProperties.Model m = properties.getModel();
        Path path = m.getPath();
        if (path == null && m.getOllama() != null && !m.getOllama().isBlank()) {
            try {
                path = OllamaStore.fromEnvironment().resolve(m.getOllama());
            } catch (ModelLoadException e) {
                throw new ModelPathException(null, "groupthink.model.ollama '" + m.getOllama() + "': " + e.getMessage(), e);
            }
        }
        if (path == null && m.getId() != null && !m.getId().isBlank()) {
            path = pull(m);
        }
        if (path == null) {
            throw new ModelPathException(null, "groupthink.model.path is not set", null);
        }
        String linear = m.getLinear().trim().toLowerCase(Locale.ROOT); // checked at binding
        String quantize = m.getQuantize().trim().toLowerCase(Locale.ROOT); // checked at binding
        LinearFactory linears = LinearFactory.named(linear, m.getThreads(), quantize); // null for auto: measured at load
        log.info("Loading the Group Think model from {}", path);
        long start = System.nanoTime();
        try {
            GroupThinkModel model = GroupThinkModel.load(path,
                    new GroupThinkModel.Options(m.getThreads(), m.isCheckFinite(), linears));
            log.info("Loaded {} ({}, {} layers, context {}) in {} ms", path.getFileName(), model.config().modelType(),
                    model.config().numLayers(), model.config().maxPositions(), (System.nanoTime() - start) / 1_000_000);
            return model;
        } catch (ModelLoadException e) {
            throw new ModelPathException(path, e.getMessage(), e);
        }
    }

    /** Pulls {@code groupthink.model.id} into the HF cache (reused when already there), logging progress. */
    private static Path pull(GroupThinkProperties.Model m) {
        try {
            HubSettings settings = HubSettings.fromEnvironment();
            if (m.isOffline()) {
                settings = settings.toBuilder().offline(true).build();
            }
            return new ModelPuller(settings).pull(m.getId(), m.getRevision(), new LoggingDownloadProgress(log));
        } catch (HubException e) {
            throw new ModelPathException(null, "groupthink.model.id '" + m.getId() + "' could not be pulled: "
                    + e.getMessage(), e);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    public SessionRegistry groupThinkSessionRegistry() {
        return new SessionRegistry();
    }

    /** The one engine thread; every {@link EngineListener} bean (metrics, registry) hears its events. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Scheduler groupThinkScheduler(GroupThinkModel model, GroupThinkProperties properties,
            ObjectProvider<EngineListener> listeners) {
        return new Scheduler(model, properties.getEngine().toOptions(),
                new CompositeEngineListener(listeners.orderedStream().toList()));
    }

    /** On context close: readiness DOWN first, then running sessions get groupthink.engine.drain-time. */
    @Bean
    @ConditionalOnMissingBean(name = "groupThinkEngineDrain")
    public SmartLifecycle groupThinkEngineDrain(Scheduler scheduler, GroupThinkProperties properties,
            ApplicationEventPublisher events) {
        return new EngineDrain(scheduler, properties.getEngine().getDrainTime(), events);
    }

    @Bean
    @ConditionalOnMissingBean
    public GroupThinkSessions groupThinkSessions(GroupThinkModel model, Scheduler scheduler, SessionRegistry registry,
            GroupThinkProperties properties, ObjectProvider<SessionGuard> guard,
            ObjectProvider<RoundListener> roundListeners) {
        GroupThinkSessions sessions = new GroupThinkSessions(model, scheduler, registry, properties.toSessionDefaults(),
                guard.getIfUnique(() -> SessionGuard.NONE));
        roundListeners.orderedStream().forEach(sessions::observeRounds); // the meters of sessions in rounds
        return sessions;
    }

    @Bean
    @ConditionalOnMissingBean
    public GroupThinkChatClient groupThinkChatClient(GroupThinkSessions sessions) {
        return GroupThinkChatClient.create(sessions);
    }

    /** Lets {@code groupthink.defaults.mode} take the engine's spellings: group, independent, cot. */
    @Bean
    @ConfigurationPropertiesBinding
    @ConditionalOnMissingBean(name = "groupThinkModeConverter")
    static Converter<String, Mode> groupThinkModeConverter() {
        return new ModeConverter();
    }

    @Bean
    @ConfigurationPropertiesBinding
    @ConditionalOnMissingBean(name = "groupThinkLayoutConverter")
    static Converter<String, Layout> groupThinkLayoutConverter() {
        return new LayoutConverter();
    }

    static final class ModeConverter implements Converter<String, Mode> {
        @Override
        public Mode convert(String source) {
            return Mode.parse(source);
        }
    }

    static final class LayoutConverter implements Converter<String, Layout> {
        @Override
        public Layout convert(String source) {
            return Layout.parse(source);
        }
    }
}
