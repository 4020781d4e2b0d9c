package org.stirshield.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.stirshield.agi.AgiClient;

/**
 * Plays Asterisk over real FastAGI sessions on loopback, at a fixed rate (open loop: call i starts at
 * t0 + i/rate, and its latency counts from then, so a server that falls behind cannot hide it) or with a
 * fixed number of sessions in flight (closed loop). Each session is one call exactly as Asterisk 22 makes
 * it: the environment block, then every command answered as Asterisk does ({@code GET FULL VARIABLE}
 * evaluated, {@code EXEC MSet} taken), until the server closes.
 *
 * <p>The decision latency of a call is the time from its start (connect) to the arrival of the
 * {@code EXEC MSet} that carries the decision.
 */
final class LoadGenerator {
    /** One call: its environment block (bytes as sent) and what GET FULL VARIABLE finds. */
    record Call(byte[] environment, Map<String, String> variables) {
        static Call of(AgiClient.Call c) {
            return new Call(AgiClient.environmentBlock(c).getBytes(StandardCharsets.UTF_8), c.variables());
        }
    }

    /** Supplies call number {@code i} (thread-safe). */
    interface Calls {
        Call get(long i);
    }

    /** How the load is offered. */
    record Mode(int rate, int concurrency) {
        static Mode rate(int callsPerSecond) {
            return new Mode(callsPerSecond, 0);
        }

        static Mode concurrency(int sessions) {
            return new Mode(0, sessions);
        }

        @Override
        public String toString() {
            return rate > 0 ? rate + " calls/s offered" : concurrency + " sessions in flight";
        }
    }

    /** Called at the start and the end of the measured interval (e.g. to read the server's CPU time). */
    interface Marks {
        void start();

        void end();
    }

    /**
     * What was measured.
     *
     * @param calls calls started and finished within the measured interval
     * @param errors calls that got no decision (refused, reset, timed out, no MSet)
     * @param unexpected calls whose STIR_STATUS was not the one expected
     * @param seconds the measured interval
     * @param latencies decision latencies of the measured calls, nanoseconds, sorted
     * @param statuses the first unexpected STIR_STATUS values seen (for the error message)
     */
    record Result(long calls, long errors, long unexpected, double seconds, long[] latencies, List<String> statuses) {
        double callsPerSecond() {
            return calls / seconds;
        }

        /** The latency at quantile {@code q} (0..1), milliseconds. */
        double millis(double q) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1);
            return latencies[Math.max(0, i)] / 1e6;
        }
    }

    private final InetSocketAddress server;
    private final Calls calls;
    private final String expectedStatus;
    private final int timeoutMillis;

    LoadGenerator(InetSocketAddress server, Calls calls, String expectedStatus, Duration timeout) {
        this.server = server;
        this.calls = calls;
        this.expectedStatus = expectedStatus;
        this.timeoutMillis = (int) timeout.toMillis();
    }

    /** Runs {@code warmup}, then measures for {@code duration}, then lets the calls in flight end. */
    Result run(Mode mode, Duration warmup, Duration duration, Marks marks) throws InterruptedException {
        long t0 = System.nanoTime();
        long measureFrom = t0 + warmup.toNanos();
        long measureTo = measureFrom + duration.toNanos();
        int capacity = (int) Math.min(20_000_000, Math.max(10_000,
                (mode.rate > 0 ? mode.rate : 20_000L) * (duration.toSeconds() + 1)));
        long[] latencies = new long[capacity];
        AtomicInteger measured = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        List<String> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong next = new AtomicLong();
        AtomicBoolean marked = new AtomicBoolean();
        int threads = mode.concurrency > 0 ? mode.concurrency : Math.min(1024, Math.max(16, mode.rate / 50));
        long period = mode.rate > 0 ? 1_000_000_000L / mode.rate : 0;
        Runnable worker = () -> {
            byte[] buf = new byte[16384];
            while (true) {
                long i = next.getAndIncrement();
                long start;
                if (period > 0) {
                    start = t0 + i * period;
                    long wait = start - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                } else {
                    start = System.nanoTime();
                }
                if (start - measureTo >= 0) {
                    return;
                }
                if (start - measureFrom >= 0 && marked.compareAndSet(false, true)) {
                    marks.start();
                }
                Call call = calls.get(i);
                String[] status = new String[2];
                long done = play(call, buf, status);
                boolean counted = start - measureFrom >= 0;
                if (!counted) {
                    continue;
                }
                if (done < 0) {
                    errors.incrementAndGet();
                } else {
                    if (!expectedStatus.equals(status[0])) {
                        unexpected.incrementAndGet();
                        if (statuses.size() < 5) {
                            statuses.add(status[0] + " " + status[1]);
                        }
                    }
                    int k = measured.getAndIncrement();
                    if (k < latencies.length) {
                        latencies[k] = done - start;
                    }
                }
            }
        };
        List<Thread> ts = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().name("bench-asterisk-" + t).start(worker));
        }
        LockSupport.parkNanos(measureTo - System.nanoTime());
        marks.end();
        for (Thread t : ts) {
            t.join();
        }
        int n = Math.min(measured.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Result(measured.get() + errors.get(), errors.get(), unexpected.get(),
                (measureTo - measureFrom) / 1e9, sorted, List.copyOf(statuses));
    }

    /**
     * One session; returns when the MSet with the decision arrived ({@link System#nanoTime()}), or -1 when
     * the call got no decision. {@code status} receives STIR_STATUS.
     */
    long play(Call call, byte[] buf, String[] status) {
        long decided = -1;
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(server, timeoutMillis);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(call.environment());
            int len = 0;
            while (true) {
                int nl = -1;
                for (int i = 0; i < len; i++) {
                    if (buf[i] == '\n') {
                        nl = i;
                        break;
                    }
                }
                if (nl < 0) {
                    if (len == buf.length) {
                        return -1; // a command longer than Asterisk's own buffer
                    }
                    int n = in.read(buf, len, buf.length - len);
                    if (n < 0) {
                        return decided;
                    }
                    len += n;
                    continue;
                }
                String line = new String(buf, 0, nl, StandardCharsets.UTF_8);
                System.arraycopy(buf, nl + 1, buf, 0, len - nl - 1);
                len -= nl + 1;
                String reply;
                if (line.startsWith("EXEC \"MSet\"")) {
                    decided = System.nanoTime();
                    status[0] = field(line, "STIR_STATUS=");
                    if (status.length > 1) {
                        status[1] = field(line, "STIR_REASON=");
                    }
                    reply = "200 result=0\n";
                } else if (line.startsWith("GET FULL VARIABLE \"") && line.endsWith("\"")) {
                    String expression = line.substring(19, line.length() - 1);
                    reply = "200 result=1 (" + AgiClient.substitute(expression, call.variables()) + ")\n";
                } else if (line.startsWith("SET VARIABLE")) {
                    reply = "200 result=1\n";
                } else {
                    reply = "510 Invalid or unknown command\n";
                }
                out.write(reply.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return decided; // the server may close before reading the last reply: the call was decided
        }
    }

    private static String field(String line, String name) {
        int i = line.indexOf(name);
        if (i < 0) {
            return null;
        }
        int end = line.indexOf(',', i);
        return line.substring(i + name.length(), end < 0 ? line.length() - 1 : end);
    }
}
