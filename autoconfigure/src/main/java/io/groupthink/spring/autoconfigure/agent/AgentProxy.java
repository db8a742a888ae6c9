package io.groupthink.spring.autoconfigure.agent;

import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.ThinkSpan;
import io.groupthink.spring.autoconfigure.GroupThinkSessions;
import io.groupthink.spring.autoconfigure.client.DefaultGroupThinkChatClient;
import io.groupthink.spring.autoconfigure.client.GroupThinkChatClient;
import io.groupthink.spring.autoconfigure.client.GroupThinkResponse;
import io.groupthink.spring.autoconfigure.client.StructuredOutputException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.converter.BeanOutputConverter;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.type.MethodMetadata;
import org.springframework.core.type.classreading.SimpleMetadataReaderFactory;
import org.springframework.util.StringUtils;

/**
 * The proxy behind a {@link GroupThinkAgents} interface. The interface is read once, when the
 * proxy is made, so a mistake in it (a record component no role matches, a method of no known
 * kind) fails start-up with a message naming the method; each call then runs exactly one session.
 */
final class AgentProxy implements InvocationHandler {

    static final String SURFACE = "agents";

    private static final DefaultParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    private final Class<?> type;
    private final GroupThinkAgents group;
    private final List<Role> roles;
    private final Map<Method, Call> calls = new HashMap<>();
    private final GroupThinkChatClient client;

    /** One {@link Thinker} method. */
    record Role(String name, String role, Type output) {}

    /** How a method is answered. */
    private sealed interface Call permits RoleCall, GroupCall, SingleGroupThink {}

    /** A {@code @Thinker} method called on its own: the group runs, this role's output returns. */
    private record RoleCall(int index, Method method) implements Call {}

    /**
     * A group call: {@code shape} says how the result is built; {@code outputs} is the type each
     * role's text is mapped to for this call.
     */
    private record GroupCall(Method method, Shape shape, Type[] outputs, Constructor<?> constructor,
            RecordComponent[] components) implements Call {}

    private enum Shape { RESPONSE, MAP, RECORD }

    private record SingleGroupThink(Method method, GroupThink annotation) implements Call {}

    private AgentProxy(Class<?> type, GroupThinkSessions sessions) {
        this.type = type;
        this.group = type.getAnnotation(GroupThinkAgents.class);
        if (group == null) {
            throw new IllegalArgumentException(type.getName() + " is not annotated @GroupThinkAgents");
        }
        this.client = new DefaultGroupThinkChatClient(sessions, SURFACE);
        this.roles = new ArrayList<>();
        List<Method> roleMethods = roleMethodsInDeclarationOrder(type);
        for (Method m : roleMethods) {
            roles.add(new Role(m.getName(), m.getAnnotation(Thinker.class).value(), m.getGenericReturnType()));
        }
        for (int i = 0; i < roleMethods.size(); i++) {
            calls.put(roleMethods.get(i), new RoleCall(i, roleMethods.get(i)));
        }
        for (Method m : type.getMethods()) {
            if (m.getDeclaringClass() == Object.class || m.isDefault() || Modifier.isStatic(m.getModifiers())
                    || calls.containsKey(m)) {
                continue;
            }
            GroupThink gt = m.getAnnotation(GroupThink.class);
            if (gt != null) {
                calls.put(m, new SingleGroupThink(m, gt));
            } else {
                calls.put(m, groupCall(m));
            }
        }
    }

    static <T> T create(Class<T> type, GroupThinkSessions sessions) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException("@GroupThinkAgents must be on an interface: " + type.getName());
        }
        AgentProxy handler = new AgentProxy(type, sessions);
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler));
    }

    List<Role> roles() {
        return roles;
    }

    /** Role methods in source order (read from the class file), so Thinker1 is the first one written. */
    private static List<Method> roleMethodsInDeclarationOrder(Class<?> type) {
        List<Method> annotated = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Thinker.class)) {
                if (m.isAnnotationPresent(GroupThink.class)) {
                    throw new IllegalStateException(describe(m) + " has both @Thinker and @GroupThink; use one");
                }
                annotated.add(m);
            }
        }
        List<String> order = new ArrayList<>();
        try {
            for (MethodMetadata mm : new SimpleMetadataReaderFactory(type.getClassLoader())
                    .getMetadataReader(type.getName()).getAnnotationMetadata()
                    .getAnnotatedMethods(Thinker.class.getName())) {
                order.add(mm.getMethodName());
            }
        } catch (IOException e) {
            // Class file not readable: fall back to name order, which is at least stable.
        }
        annotated.sort(Comparator.comparingInt((Method m) -> order.indexOf(m.getName()) < 0 ? Integer.MAX_VALUE
                : order.indexOf(m.getName())).thenComparing(Method::getName));
        for (int i = 1; i < annotated.size(); i++) {
            if (annotated.get(i).getName().equals(annotated.get(i - 1).getName())) {
                throw new IllegalStateException("@Thinker method " + describe(annotated.get(i))
                        + " is overloaded; role methods need distinct names");
            }
        }
        return annotated;
    }

    private GroupCall groupCall(Method m) {
        if (roles.isEmpty()) {
            throw new IllegalStateException(describe(m) + " is a group call, but " + type.getSimpleName()
                    + " has no @Thinker methods; add roles or annotate the method @GroupThink");
        }
        Class<?> ret = m.getReturnType();
        Type[] outputs = roles.stream().map(Role::output).toArray(Type[]::new);
        if (ret == GroupThinkResponse.class) {
            return new GroupCall(m, Shape.RESPONSE, outputs, null, null);
        }
        if (Map.class.isAssignableFrom(ret) && ret.isAssignableFrom(LinkedHashMap.class)) {
            return new GroupCall(m, Shape.MAP, outputs, null, null);
        }
        if (ret.isRecord()) {
            RecordComponent[] components = ret.getRecordComponents();
            for (RecordComponent c : components) {
                int role = roleIndex(c.getName());
                if (role >= 0) {
                    outputs[role] = c.getGenericType();
                } else if (c.getType() != GroupThinkResponse.class
                        && !("finalAnswer".equals(c.getName()) && c.getType() == String.class)) {
                    throw new IllegalStateException("component '" + c.getName() + "' of " + ret.getSimpleName()
                            + " (returned by " + describe(m) + ") matches no @Thinker method; roles are "
                            + roles.stream().map(Role::name).toList());
                }
                if ("finalAnswer".equals(c.getName()) && !group.synthesize()) {
                    throw new IllegalStateException(ret.getSimpleName() + ".finalAnswer needs a final answer: set "
                            + "@GroupThinkAgents(synthesize = true) on " + type.getSimpleName());
                }
            }
            Constructor<?> ctor;
            try {
                ctor = ret.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType)
                        .toArray(Class<?>[]::new));
                ctor.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot construct " + ret.getName() + " for " + describe(m), e);
            }
            return new GroupCall(m, Shape.RECORD, outputs, ctor, components);
        }
        throw new IllegalStateException(describe(m) + " is a group call and must return a record with a component "
                + "per role, Map<String, Object> or GroupThinkResponse; or annotate it @Thinker or @GroupThink");
    }

    private int roleIndex(String name) {
        for (int i = 0; i < roles.size(); i++) {
            if (roles.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "GroupThinkAgents proxy for " + type.getName();
                default -> throw new UnsupportedOperationException(method.getName());
            };
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        Call call = calls.get(method);
        if (call == null) {
            throw new UnsupportedOperationException(describe(method) + " is not a Group Think method");
        }
        Object[] a = args == null ? new Object[0] : args;
        if (call instanceof RoleCall rc) {
            Type[] outputs = roles.stream().map(Role::output).toArray(Type[]::new);
            GroupThinkResponse response = runGroup(question(group.prompt(), method, a), outputs);
            return convert(roles.get(rc.index()), outputs[rc.index()], response.thinkers().get(rc.index()).text());
        }
        if (call instanceof GroupCall gc) {
            GroupThinkResponse response = runGroup(question(group.prompt(), method, a), gc.outputs());
            return shape(gc, response);
        }
        SingleGroupThink gt = (SingleGroupThink) call;
        return runGroupThink(gt, a);
    }

    /** ONE session, one thinker per role. */
    private GroupThinkResponse runGroup(String question, Type[] outputs) {
        List<String> roleTexts = new ArrayList<>();
        for (int i = 0; i < roles.size(); i++) {
            String format = isText(outputs[i]) ? "" : "\n" + converter(outputs[i]).getFormat();
            roleTexts.add(roles.get(i).role() + format);
        }
        GroupThinkChatClient.PromptSpec spec = client.prompt().user(question).roles(roleTexts)
                .synthesize(group.synthesize());
        if (group.maxTokensPerThinker() > 0) {
            spec.maxTokensPerThinker(group.maxTokensPerThinker());
        }
        if (StringUtils.hasText(group.mode())) {
            spec.mode(Mode.parse(group.mode()));
        }
        return spec.call();
    }

    private Object runGroupThink(SingleGroupThink gt, Object[] args) {
        GroupThink a = gt.annotation();
        String prompt = StringUtils.hasText(a.prompt()) ? a.prompt() : group.prompt();
        GroupThinkChatClient.PromptSpec spec = client.prompt().user(question(prompt, gt.method(), args)).synthesize(true);
        if (a.roles().length > 0) {
            spec.roles(a.roles());
        } else if (a.thinkers() > 0) {
            spec.thinkers(a.thinkers());
        }
        int tokens = a.maxTokensPerThinker() > 0 ? a.maxTokensPerThinker() : group.maxTokensPerThinker();
        if (tokens > 0) {
            spec.maxTokensPerThinker(tokens);
        }
        String mode = StringUtils.hasText(a.mode()) ? a.mode() : group.mode();
        if (StringUtils.hasText(mode)) {
            spec.mode(Mode.parse(mode));
        }
        Type ret = gt.method().getGenericReturnType();
        if (ret == GroupThinkResponse.class) {
            return spec.call();
        }
        if (isText(ret)) {
            return spec.call().finalAnswer();
        }
        return spec.responseEntity(ParameterizedTypeReference.forType(ret)).entity();
    }

    private Object shape(GroupCall gc, GroupThinkResponse response) throws ReflectiveOperationException {
        switch (gc.shape()) {
            case RESPONSE:
                return response;
            case MAP: {
                Map<String, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < roles.size(); i++) {
                    out.put(roles.get(i).name(), convert(roles.get(i), gc.outputs()[i], response.thinkers().get(i).text()));
                }
                return out;
            }
            default: {
                RecordComponent[] components = gc.components();
                Object[] values = new Object[components.length];
                for (int c = 0; c < components.length; c++) {
                    int role = roleIndex(components[c].getName());
                    if (role >= 0) {
                        values[c] = convert(roles.get(role), gc.outputs()[role], response.thinkers().get(role).text());
                    } else if (components[c].getType() == GroupThinkResponse.class) {
                        values[c] = response;
                    } else {
                        values[c] = response.finalAnswer();
                    }
                }
                return gc.constructor().newInstance(values);
            }
        }
    }

    private static Object convert(Role role, Type output, String thinkerText) {
        String text = ThinkSpan.visible(thinkerText); // a reasoning model's output follows its <think> span
        if (isText(output)) {
            return text;
        }
        try {
            Object value = converter(output).convert(text);
            if (value == null) {
                throw new IllegalStateException("the output mapped to null");
            }
            return value;
        } catch (RuntimeException e) {
            throw new StructuredOutputException(output.getTypeName() + " (role '" + role.role() + "')", text, e);
        }
    }

    private static boolean isText(Type type) {
        return type == String.class || type == CharSequence.class || type == Object.class;
    }

    private static BeanOutputConverter<Object> converter(Type type) {
        return new BeanOutputConverter<>(ParameterizedTypeReference.forType(type));
    }

    /** The question from the prompt template and the call's arguments. */
    static String question(String template, Method method, Object[] args) {
        String[] names = NAMES.getParameterNames(method);
        if (!StringUtils.hasText(template)) {
            if (args.length == 1) {
                return String.valueOf(args[0]);
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < args.length; i++) {
                sb.append(names != null ? names[i] : "arg" + i).append(": ").append(args[i]).append('\n');
            }
            return sb.toString().strip();
        }
        String q = template;
        for (int i = 0; i < args.length; i++) {
            String value = String.valueOf(args[i]);
            q = q.replace("{" + i + "}", value);
            if (names != null) {
                q = q.replace("{" + names[i] + "}", value);
            }
        }
        return q;
    }

    private static String describe(Method m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName() + "()";
    }
}
