package io.groupthink.spring.agent;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Finds {@link GroupThinkAgents} interfaces and registers a proxy bean for each, named after the
 * interface ({@code launchReview}). Packages come from {@link EnableGroupThinkAgents} or, when
 * imported by the auto-configuration, from the application's auto-configuration packages. An
 * interface the application already has a bean for is left alone.
 */
public class GroupThinkAgentsRegistrar
        implements ImportBeanDefinitionRegistrar, BeanFactoryAware, EnvironmentAware, ResourceLoaderAware {

    private BeanFactory beanFactory;
    private Environment environment;
    private ResourceLoader resourceLoader;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setResourceLoader(ResourceLoader resourceLoader) {
        this.resourceLoader = resourceLoader;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata importing, BeanDefinitionRegistry registry) {
        for (String pkg : packages(importing)) {
            for (BeanDefinition candidate : scanner().findCandidateComponents(pkg)) {
                register(candidate.getBeanClassName(), registry);
            }
        }
    }

    private Set<String> packages(AnnotationMetadata importing) {
        Set<String> packages = new LinkedHashSet<>();
        Map<String, Object> attrs = importing.getAnnotationAttributes(EnableGroupThinkAgents.class.getName());
        if (attrs != null) {
            for (String p : (String[]) attrs.get("basePackages")) {
                if (StringUtils.hasText(p)) {
                    packages.add(p);
                }
            }
            for (Class<?> c : (Class<?>[]) attrs.get("basePackageClasses")) {
                packages.add(ClassUtils.getPackageName(c));
            }
            if (packages.isEmpty()) {
                packages.add(ClassUtils.getPackageName(importing.getClassName()));
            }
        } else if (beanFactory != null && AutoConfigurationPackages.has(beanFactory)) {
            packages.addAll(AutoConfigurationPackages.get(beanFactory));
        }
        return packages;
    }

    private ClassPathScanningCandidateComponentProvider scanner() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false,
                environment) {
            @Override
            protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
                return definition.getMetadata().isInterface() && definition.getMetadata().isIndependent();
            }
        };
        if (resourceLoader != null) {
            scanner.setResourceLoader(resourceLoader);
        }
        scanner.addIncludeFilter(new AnnotationTypeFilter(GroupThinkAgents.class, true, true));
        return scanner;
    }

    private void register(String className, BeanDefinitionRegistry registry) {
        ClassLoader loader = resourceLoader != null ? resourceLoader.getClassLoader() : ClassUtils.getDefaultClassLoader();
        Class<?> type = ClassUtils.resolveClassName(className, loader);
        String name = StringUtils.uncapitalize(type.getSimpleName());
        if (registry.containsBeanDefinition(name)) {
            return;
        }
        if (registry instanceof ListableBeanFactory lbf && lbf.getBeanNamesForType(type, true, false).length > 0) {
            return; // the application's own implementation wins
        }
        RootBeanDefinition definition = new RootBeanDefinition(GroupThinkAgentsFactoryBean.class);
        definition.getConstructorArgumentValues().addIndexedArgumentValue(0, type);
        definition.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, type);
        definition.setTargetType(type);
        registry.registerBeanDefinition(name, definition);
    }
}
