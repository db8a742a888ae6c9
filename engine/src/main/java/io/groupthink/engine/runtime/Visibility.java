package io.groupthink.engine.runtime;

/**
 * Whether a query token may attend a key token, from their owners alone. Each session brings its
 * own rule into a {@link Batch}, as each token of a llama.cpp batch brings its sequence ids.
 */
@FunctionalInterface
public interface Visibility {

    boolean sees(Owner query, Owner key);
}
