package org.stirshield.fuzz;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The invariant every fuzz target checks on every input: the code under test returns a result or throws one of
 * the typed errors it documents, within a time bound and allocating at most a memory bound; anything else (an
 * unexpected exception, an Error such as StackOverflowError or OutOfMemoryError, a hang, a blow-up) is a finding,
 * reported to Jazzer as an AssertionError naming what broke. The first {@value #WARM_UP_RUNS} runs of each target
 * load and compile classes and are held to the exception rule only.
 */
public final class Invariant {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Generous for a loaded 2-core machine; a parser that is linear in its input takes microseconds. */
    public static final Duration TIME = Duration.ofSeconds(2);
    /** Bytes one input may make the code allocate (inputs are a few KiB). */
    public static final long MEMORY = 64L * 1024 * 1024;

    /** Runs of each target (each body's class) that are not held to the time and memory bounds. */
    static final int WARM_UP_RUNS = 5;
    private static final Map<Class<?>, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    /** What the target does with one input. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private Invariant() {
    }

    /** Runs {@code body}; a throwable that is not an instance of one of {@code typed} is a finding. */
    @SafeVarargs
    public static void holds(Body body, Class<? extends Throwable>... typed) {
        holds(TIME, MEMORY, body, typed);
    }

    @SafeVarargs
    public static void holds(Duration time, long memory, Body body, Class<? extends Throwable>... typed) {
        // the first runs of a target load and compile its classes (seconds on a loaded machine): no bounds then
        boolean warm = RUNS.computeIfAbsent(body.getClass(), c -> new AtomicInteger()).incrementAndGet() > WARM_UP_RUNS;
        long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        try {
            body.run();
        } catch (Throwable t) {
            if (!isTyped(t, typed)) {
                throw new AssertionError("unexpected " + t.getClass().getName() + ": " + t.getMessage(), t);
            }
        }
        long took = System.nanoTime() - t0;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
        if (!warm) {
            return;
        }
        if (took > time.toNanos()) {
            throw new AssertionError("took " + took / 1_000_000 + " ms, bound " + time.toMillis() + " ms");
        }
        if (allocated > memory) {
            throw new AssertionError("allocated " + allocated + " bytes, bound " + memory);
        }
    }

    private static boolean isTyped(Throwable t, Class<? extends Throwable>[] typed) {
        for (Class<? extends Throwable> c : typed) {
            if (c.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
