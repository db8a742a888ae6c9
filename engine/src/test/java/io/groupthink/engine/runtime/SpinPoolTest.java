package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The kernel's fork-join: concurrent callers never see each other's parts, failures reach the caller, close ends the helpers. */
class SpinPoolTest {

    @Test
    void concurrentCallersEachGetAllOfTheirOwnParts() throws Exception {
        try (SpinPool pool = new SpinPool(3)) {
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    int caller = c;
                    done.add(callers.submit(() -> {
                        for (int round = 0; round < 3000; round++) {
                            long[] out = new long[5];
                            Runnable[] parts = new Runnable[out.length];
                            for (int p = 0; p < parts.length; p++) {
                                int part = p;
                                int value = caller * 1_000_000 + round * 10 + p;
                                parts[p] = () -> out[part] = value;
                            }
                            pool.invoke(parts);
                            for (int p = 0; p < out.length; p++) {
                                assertThat(out[p]).as("caller %d round %d part %d", caller, round, p)
                                        .isEqualTo(caller * 1_000_000 + round * 10 + p);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void aFailingPartFailsItsCallerAndThePoolGoesOn() {
        try (SpinPool pool = new SpinPool(2)) {
            Runnable[] parts = new Runnable[4];
            for (int p = 0; p < parts.length; p++) {
                int part = p;
                parts[p] = () -> {
                    if (part == 3) {
                        throw new IllegalArgumentException("part 3 broke");
                    }
                };
            }
            assertThatThrownBy(() -> pool.invoke(parts)).hasRootCauseMessage("part 3 broke");
            int[] ran = new int[1];
            pool.invoke(new Runnable[] {() -> ran[0]++, () -> { }});
            assertThat(ran[0]).isEqualTo(1);
        }
    }

    @Test
    void closeEndsTheHelpersAndLaterProductsRunOnTheCaller() throws Exception {
        SpinPool pool = new SpinPool(3);
        pool.invoke(new Runnable[] {() -> { }, () -> { }, () -> { }});
        pool.close();
        for (Thread helper : pool.helpers()) {
            helper.join(5_000);
            assertThat(helper.isAlive()).as(helper.getName()).isFalse();
        }
        Thread caller = Thread.currentThread();
        boolean[] onCaller = new boolean[2];
        pool.invoke(new Runnable[] {() -> onCaller[0] = Thread.currentThread() == caller,
                () -> onCaller[1] = Thread.currentThread() == caller});
        assertThat(onCaller).containsExactly(true, true);
    }
}
