package io.groupthink.spring.agent;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.ThinkSpan;
import io.groupthink.spring.client.DefaultGroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.client.StructuredOutputException;
import io.groupthink.spring.session.GroupThinkSessions;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private final Mode groupMode;

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

    private record SingleGroupThink(Method method, GroupThink annotation, Mode mode) implements Call {}

    private AgentProxy(Class<?> type, GroupThinkSessions sessions) {
        this.type = type;
        this.group = type.getAnnotation(GroupThinkAgents.class);
        if (group == null) {
            throw new InvalidAgentException(type, null, "it is not annotated @GroupThinkAgents");
        }
        this.client = new DefaultGroupThinkChatClient(sessions, SURFACE);
        this.groupMode = mode(group.mode(), null, "the group's mode");
        if (group.maxTokensPerThinker() < 0) {
            throw new InvalidAgentException(type, null, "maxTokensPerThinker is " + group.maxTokensPerThinker()
                    + "; use 0 (the default budget) or more");
        }
        this.roles = new ArrayList<>();
        List<Method> roleMethods = roleMethodsInDeclarationOrder(type);
        for (Method m : roleMethods) {
            roles.add(new Role(m.getName(), m.getAnnotation(Thinker.class).value(), m.getGenericReturnType()));
            mappable(m, m.getGenericReturnType());
            placeholders(m, group.prompt());
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
                calls.put(m, singleGroupThink(m, gt));
            } else {
                calls.put(m, groupCall(m));
                placeholders(m, group.prompt());
            }
        }
    }

    static <T> T create(Class<T> type, GroupThinkSessions sessions) {
        if (!type.isInterface()) {
            throw new InvalidAgentException(type, null, "@GroupThinkAgents must be on an interface");
        }
        AgentProxy handler = new AgentProxy(type, sessions);
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler));
    }

    List<Role> roles() {
        return roles;
    }

    /**
     * Role methods in source order (read from the class file), so Thinker1 is the first one
     * written. Where that order cannot be known, start-up fails: a silent fallback would change
     * which thinker gets which role.
     */
    private static List<Method> roleMethodsInDeclarationOrder(Class<?> type) {
        List<Method> annotated = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Thinker.class)) {
                if (m.isAnnotationPresent(GroupThink.class)) {
                    throw new InvalidAgentException(type, m, "it has both @Thinker and @GroupThink; use one");
                }
                if (m.getDeclaringClass() != type) {
                    throw new InvalidAgentException(type, m, "this @Thinker method is declared in "
                            + m.getDeclaringClass().getName() + "; declare every role in the @GroupThinkAgents "
                            + "interface itself, so that their order (Thinker1, Thinker2, ...) is the order written");
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
            throw new InvalidAgentException(type, null, "its class file cannot be read to number the @Thinker "
                    + "roles in the order they are written (" + e.getMessage() + ")", e);
        }
        for (Method m : annotated) {
            if (!order.contains(m.getName())) {
                throw new InvalidAgentException(type, m, "its place among the @Thinker roles is not in the class file");
            }
        }
        annotated.sort(Comparator.comparingInt((Method m) -> order.indexOf(m.getName())));
        for (int i = 1; i < annotated.size(); i++) {
            if (annotated.get(i).getName().equals(annotated.get(i - 1).getName())) {
                throw new InvalidAgentException(type, annotated.get(i),
                        "this @Thinker method is overloaded; role methods need distinct names");
            }
        }
        return annotated;
    }

    private SingleGroupThink singleGroupThink(Method m, GroupThink gt) {
        if (gt.thinkers() < 0 || gt.thinkers() > GroupThinkRequest.MAX_THINKERS) {
            throw new InvalidAgentException(type, m, "@GroupThink(thinkers = " + gt.thinkers() + ") must be between 0 "
                    + "(the default) and " + GroupThinkRequest.MAX_THINKERS);
        }
        if (gt.maxTokensPerThinker() < 0) {
            throw new InvalidAgentException(type, m, "@GroupThink(maxTokensPerThinker = " + gt.maxTokensPerThinker()
                    + ") must be 0 (the default) or more");
        }
        Mode mode = mode(gt.mode(), m, "@GroupThink(mode)");
        Type ret = m.getGenericReturnType();
        if (ret != GroupThinkResponse.class) {
            mappable(m, ret);
        }
        placeholders(m, StringUtils.hasText(gt.prompt()) ? gt.prompt() : group.prompt());
        return new SingleGroupThink(m, gt, mode != null ? mode : groupMode);
    }

    /** A mode spelled in an annotation, parsed now so that a typo fails start-up; null when empty. */
    private Mode mode(String spelled, Method m, String what) {
        if (!StringUtils.hasText(spelled)) {
            return null;
        }
        try {
            return Mode.parse(spelled);
        } catch (IllegalArgumentException e) {
            throw new InvalidAgentException(type, m, what + ": " + e.getMessage());
        }
    }

    /** Fails start-up when {@code output} is neither text nor a type Spring AI can write a JSON schema for. */
    private void mappable(Method m, Type output) {
        if (output == void.class || output == Void.class) {
            throw new InvalidAgentException(type, m, "it returns void; return String, a type to map the answer to, "
                    + "or GroupThinkResponse");
        }
        if (isText(output)) {
            return;
        }
        try {
            converter(output).getFormat();
        } catch (RuntimeException e) {
            throw new InvalidAgentException(type, m, "its return type " + output.getTypeName()
                    + " cannot be mapped from JSON: " + e.getMessage(), e);
        }
    }

    /** Every {name} or {index} in the prompt must be one of the method's parameters. */
    private void placeholders(Method m, String template) {
        if (!StringUtils.hasText(template)) {
            return;
        }
        String[] names = NAMES.getParameterNames(m);
        Matcher matcher = PLACEHOLDER.matcher(template);
        while (matcher.find()) {
            String p = matcher.group(1);
            boolean index = p.chars().allMatch(Character::isDigit) && Integer.parseInt(p) < m.getParameterCount();
            boolean name = names != null && Arrays.asList(names).contains(p);
            if (!index && !name) {
                throw new InvalidAgentException(type, m, "the prompt's placeholder {" + p + "} matches no parameter; "
                        + (names != null ? "parameters are " + Arrays.toString(names)
                                : "parameter names are not in the class file (compile with -parameters) or use {0}")
                        + " and indexes 0 to " + (m.getParameterCount() - 1));
            }
        }
    }

    private GroupCall groupCall(Method m) {
        if (roles.isEmpty()) {
            throw new InvalidAgentException(type, m, "it is a group call, but " + type.getSimpleName()
                    + " has no @Thinker methods; add roles or annotate the method @GroupThink");
        }
        Class<?> ret = m.getReturnType();
        Type[] outputs = roles.stream().map(Role::output).toArray(Type[]::new);
        if (ret == GroupThinkResponse.class) {
            return new GroupCall(m, Shape.RESPONSE, outputs, null, null);
        }
        if (Map.class.isAssignableFrom(ret) && ret.isAssignableFrom(LinkedHashMap.class)) {
            if (m.getGenericReturnType() instanceof ParameterizedType map
                    && map.getActualTypeArguments()[0] != String.class) {
                throw new InvalidAgentException(type, m, "it is a group call returning " + map.getTypeName()
                        + "; the map is keyed by role method name, so it must return a record with a component "
                        + "per role, Map<String, Object> or GroupThinkResponse");
            }
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
                    throw new InvalidAgentException(type, m, "component '" + c.getName() + "' of "
                            + ret.getSimpleName() + " matches no @Thinker method; roles are "
                            + roles.stream().map(Role::name).toList());
                }
                if ("finalAnswer".equals(c.getName()) && !group.synthesize()) {
                    throw new InvalidAgentException(type, m, ret.getSimpleName() + ".finalAnswer needs a final "
                            + "answer: set @GroupThinkAgents(synthesize = true) on " + type.getSimpleName());
                }
            }
            Constructor<?> ctor;
            try {
                ctor = ret.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType)
                        .toArray(Class<?>[]::new));
                ctor.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new InvalidAgentException(type, m, "cannot construct " + ret.getName(), e);
            }
            for (int i = 0; i < outputs.length; i++) {
                mappable(m, outputs[i]);
            }
            return new GroupCall(m, Shape.RECORD, outputs, ctor, components);
        }
        throw new InvalidAgentException(type, m, "it is a group call and must return a record with a component "
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
        if (groupMode != null) {
            spec.mode(groupMode);
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
        if (gt.mode() != null) {
            spec.mode(gt.mode());
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

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\w+)}");

    private static String describe(Method m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName() + "()";
    }
}
