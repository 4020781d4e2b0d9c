package org.stirshield.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * What the whole process spends per call in a window a benchmark marks itself ({@link #start()} at the end of
 * its iteration set-up, {@link Meter#stop(long)} at the start of its tear-down, so that work done to prepare
 * the calls, such as signing PASSporTs, is not counted), reported beside the benchmark's score:
 *
 * <ul>
 *   <li>{@code cpu.us/call}: the process's CPU time (every thread: the caller, the audit writer, the garbage
 *       collector, the JIT compiler), microseconds per call;</li>
 *   <li>{@code alloc.B/call}: bytes allocated by all Java threads, per call;</li>
 *   <li>{@code gc.count}, {@code gc.ms}: collections and their time in the window.</li>
 * </ul>
 * Each figure is the mean over the measured iterations (JMH's own {@code -prof gc} counts the set-up too).
 * {@code scripts/bench} adds it to every run: {@code -prof org.stirshield.bench.PerCallProfiler}; benchmarks
 * that mark no window report nothing.
 */
public final class PerCallProfiler implements InternalProfiler {
    private static volatile Window last;

    /** What one window cost. */
    record Window(long calls, long cpuNanos, long allocatedBytes, long gcCount, long gcMillis) {
    }

    /** The state at the start of a window. */
    static final class Meter {
        private final long cpu = cpuNanos();
        private final long allocated = allocatedBytes();
        private final long[] gc = gc();

        /** Ends the window after {@code calls} calls and publishes it for this iteration's report. */
        Window stop(long calls) {
            long[] g = gc();
            Window w = new Window(calls, cpuNanos() - cpu, allocatedBytes() - allocated, g[0] - gc[0], g[1] - gc[1]);
            last = w;
            return w;
        }
    }

    /** Starts a window now. */
    static Meter start() {
        return new Meter();
    }

    @Override
    public String getDescription() {
        return "process CPU time, allocation and GC per call in the window the benchmark marks";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
        last = null;
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
            IterationResult result) {
        Window w = last;
        if (w == null || w.calls() == 0) {
            return List.of();
        }
        List<Result> out = new ArrayList<>(4);
        out.add(new ScalarResult("cpu.us/call", w.cpuNanos() / 1e3 / w.calls(), "us/call", AggregationPolicy.AVG));
        out.add(new ScalarResult("alloc.B/call", (double) w.allocatedBytes() / w.calls(), "B/call",
                AggregationPolicy.AVG));
        out.add(new ScalarResult("gc.count", w.gcCount(), "counts", AggregationPolicy.AVG));
        out.add(new ScalarResult("gc.ms", w.gcMillis(), "ms", AggregationPolicy.AVG));
        return out;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    private static long[] gc() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            millis += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, millis};
    }
}
