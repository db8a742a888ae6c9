package io.groupthink.engine.runtime;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtEngine;

/**
 * Starts LibTorch through DJL in offline mode: the native library must come from the
 * {@code pytorch-native-cpu} jar on the classpath, never from the network.
 */
public final class TorchRuntime {

    private static volatile Engine engine;

    private TorchRuntime() {}

    /**
     * Initialises the engine once. {@code threads} sets LibTorch's intra-op pool (0 = its default)
     * and only takes effect on the first call in a JVM. The DJL system properties it needs (offline
     * mode, thread counts) are set only where the application has not set them itself: those are
     * the documented JVM-wide effects of loading a model.
     */
    public static synchronized Engine engine(int threads) {
        if (engine == null) {
            setIfAbsent("ai.djl.offline", "true");
            if (threads > 0) {
                setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(threads));
            }
            setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
            try {
                engine = Engine.getEngine(PtEngine.ENGINE_NAME);
            } catch (RuntimeException | Error e) {
                throw new IllegalStateException("LibTorch native library could not be loaded in offline mode. "
                        + "Put ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier linux-x86_64) and "
                        + "ai.djl.pytorch:pytorch-jni on the classpath. Cause: " + e, e);
            }
        }
        return engine;
    }

    /**
     * Resizes LibTorch's intra-op pool (JVM-wide). Used when the few-row kernel owns the cores:
     * LibTorch then runs only small ops, and idle OpenMP workers would spin on the kernel's cores.
     */
    public static synchronized void setIntraOpThreads(int threads) {
        engine(threads);
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public static NDManager newManager(int threads) {
        return engine(threads).newBaseManager();
    }
}
