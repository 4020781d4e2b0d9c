package org.stirshield.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
     * @param maxInFlight most sessions open at once within the measured interval
     * @param meanInFlight sessions open on average over the measured interval (time-weighted)
     */
    record Result(long calls, long errors, long unexpected, double seconds, long[] latencies, List<String> statuses,
            int maxInFlight, double meanInFlight) {
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

    /**
     * Most sessions open at once in an open-loop run (a server that falls behind would otherwise take every
     * file descriptor of this process): a call due while they are all open starts when one ends, its latency
     * still counted from when it was due; one that waits longer than the timeout for a slot is an error.
     */
    static final int MAX_IN_FLIGHT = 4096;

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

    /**
     * Runs {@code warmup}, then measures for {@code duration}, then lets the calls in flight end. ONE thread
     * drives every session (non-blocking sockets, one selector): the load generator shares the machine's cores
     * with the server, and a thread per session would spend them on its own wake-ups and context switches.
     */
    Result run(Mode mode, Duration warmup, Duration duration, Marks marks) throws InterruptedException {
        try {
            return new Driver(mode, warmup, duration, marks).run();
        } catch (IOException e) {
            throw new IllegalStateException("load generator: " + e.getMessage(), e);
        }
    }

    /** The one thread's state: the sessions in flight, the schedule, what was measured. */
    private final class Driver {
        private final Mode mode;
        private final Marks marks;
        private final long t0;
        private final long measureFrom;
        private final long measureTo;
        private final long period;
        private final long[] latencies;
        private int measured;
        private long errors;
        private long unexpected;
        private final List<String> statuses = new ArrayList<>();
        private boolean marked;
        private long next; // the next call's number
        private long nextDue; // when it is due (open loop)
        private final long rampEnd;
        private int inFlight;
        private int maxInFlight;
        private double inFlightArea; // session-nanoseconds within the measured interval
        private long lastChange;
        private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(65536);
        private final java.util.ArrayDeque<Session> open = new java.util.ArrayDeque<>();

        Driver(Mode mode, Duration warmup, Duration duration, Marks marks) {
            this.mode = mode;
            this.marks = marks;
            this.t0 = System.nanoTime();
            this.measureFrom = t0 + warmup.toNanos();
            this.measureTo = measureFrom + duration.toNanos();
            this.period = mode.rate > 0 ? 1_000_000_000L / mode.rate : 0;
            int capacity = (int) Math.min(20_000_000, Math.max(10_000,
                    (mode.rate > 0 ? mode.rate : 20_000L) * (duration.toSeconds() + 1)));
            this.latencies = new long[capacity];
            this.lastChange = measureFrom;
            this.nextDue = t0;
            this.rampEnd = t0 + warmup.toNanos() / 2;
        }

        /**
         * The next call's due time. The rate climbs from a tenth to the full rate over the first half of the
         * warm-up (a fresh JVM interprets and compiles at first: the full rate at once piles up sessions that
         * a warm server never sees), then holds: the measured interval runs at exactly the rate asked for.
         */
        private void advance() {
            long step = period;
            if (nextDue - rampEnd < 0) {
                double share = Math.max(0.1, (double) (nextDue - t0) / (rampEnd - t0));
                step = (long) (period / share);
            }
            nextDue += step;
        }

        Result run() throws IOException {
            try (Selector selector = Selector.open()) {
                boolean ended = false;
                long nextSweep = System.nanoTime() + 100_000_000L;
                while (true) {
                    long now = System.nanoTime();
                    if (!ended && now - measureTo >= 0) {
                        ended = true;
                        marks.end();
                    }
                    // start what is due
                    if (period > 0) {
                        while (true) {
                            long due = nextDue;
                            if (due - now > 1_000_000 || due - measureTo >= 0 || inFlight >= MAX_IN_FLIGHT) {
                                break;
                            }
                            if (now - due > timeoutMillis * 1_000_000L) { // waited for a free slot beyond the timeout
                                next++;
                                advance();
                                if (due - measureFrom >= 0) {
                                    errors++;
                                }
                                continue;
                            }
                            start(selector, next++, due);
                            advance();
                        }
                    } else {
                        for (int k = 0; k < mode.concurrency && inFlight < mode.concurrency && now - measureTo < 0; k++) {
                            start(selector, next++, System.nanoTime());
                        }
                    }
                    if (inFlight == 0 && now - measureTo >= 0) {
                        break;
                    }
                    if (now - nextSweep >= 0) { // sessions past the client's timeout
                        nextSweep = now + 100_000_000L;
                        for (SelectionKey k : List.copyOf(selector.keys())) {
                            Session s = (Session) k.attachment();
                            if (s != null && now - s.start > timeoutMillis * 1_000_000L) {
                                finish(s, now);
                            }
                        }
                    }
                    long wait = period > 0 ? nextDue - System.nanoTime() : Long.MAX_VALUE;
                    wait = Math.min(wait, nextSweep - System.nanoTime());
                    if (!ended) {
                        wait = Math.min(wait, measureTo - System.nanoTime());
                    }
                    // The selector's clock counts milliseconds: wait at most to the millisecond before the next
                    // call is due, never less than one (a call due within it starts early; its latency counts from
                    // when it really started); never sleep without watching the sessions.
                    if (wait >= 2_000_000) {
                        selector.select(wait / 1_000_000 - 1);
                    } else {
                        selector.select(1);
                    }
                    for (SelectionKey k : selector.selectedKeys()) {
                        Session s = (Session) k.attachment();
                        if (k.isValid()) {
                            step(s, k);
                        }
                    }
                    selector.selectedKeys().clear();
                }
            }
            int n = Math.min(measured, latencies.length);
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            double seconds = (measureTo - measureFrom) / 1e9;
            return new Result(measured + errors, errors, unexpected, seconds, sorted, List.copyOf(statuses),
                    maxInFlight, inFlightArea / (measureTo - measureFrom));
        }

        private void inFlight(int delta, long now) {
            if (now - measureFrom > 0) {
                long from = Math.max(lastChange, measureFrom);
                long to = Math.min(now, measureTo);
                if (to > from) {
                    inFlightArea += (double) inFlight * (to - from);
                }
                lastChange = now;
            }
            inFlight += delta;
            if (now - measureFrom >= 0 && now - measureTo < 0) {
                maxInFlight = Math.max(maxInFlight, inFlight);
            }
        }

        private void start(Selector selector, long i, long start) {
            if (start - measureFrom >= 0 && !marked) {
                marked = true;
                marks.start();
            }
            Session s = new Session(calls.get(i), start);
            inFlight(+1, System.nanoTime());
            try {
                SocketChannel ch = SocketChannel.open();
                s.channel = ch;
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                s.pending = ByteBuffer.wrap(s.call.environment());
                if (ch.connect(server)) {
                    s.key = ch.register(selector, 0, s);
                    flush(s);
                } else {
                    s.key = ch.register(selector, SelectionKey.OP_CONNECT, s);
                }
            } catch (IOException e) {
                finish(s, System.nanoTime());
            }
        }

        private void step(Session s, SelectionKey k) {
            try {
                if (k.isConnectable()) {
                    s.channel.finishConnect();
                    flush(s);
                    return;
                }
                if (k.isWritable()) {
                    flush(s);
                }
                if (k.isValid() && k.isReadable()) {
                    read(s);
                }
            } catch (IOException e) {
                finish(s, System.nanoTime()); // the server may close before reading the last reply
            }
        }

        /** Writes what is pending; waits for the next line from the server when all is out. */
        private void flush(Session s) throws IOException {
            s.channel.write(s.pending);
            s.key.interestOps(s.pending.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        private void read(Session s) throws IOException {
            readBuffer.clear();
            int n = s.channel.read(readBuffer);
            if (n < 0) {
                finish(s, System.nanoTime());
                return;
            }
            readBuffer.flip();
            if (s.len + n > s.buf.length) {
                s.decided = -1; // a command longer than Asterisk's own buffer: no decision
                finish(s, System.nanoTime());
                return;
            }
            readBuffer.get(s.buf, s.len, n);
            s.len += n;
            StringBuilder replies = null;
            int from = 0;
            for (int i = 0; i < s.len; i++) {
                if (s.buf[i] != '\n') {
                    continue;
                }
                String reply = answer(s, new String(s.buf, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
                if (replies == null) {
                    replies = new StringBuilder();
                }
                replies.append(reply);
            }
            System.arraycopy(s.buf, from, s.buf, 0, s.len - from);
            s.len -= from;
            if (replies != null) {
                s.pending = ByteBuffer.wrap(replies.toString().getBytes(StandardCharsets.UTF_8));
                flush(s);
            }
        }

        private String answer(Session s, String line) {
            if (line.startsWith("EXEC \"MSet\"")) {
                s.decided = System.nanoTime();
                s.status = field(line, "STIR_STATUS=");
                s.reason = field(line, "STIR_REASON=");
                return "200 result=0\n";
            } else if (line.startsWith("GET FULL VARIABLE \"") && line.endsWith("\"")) {
                return "200 result=1 (" + AgiClient.substitute(line.substring(19, line.length() - 1), s.call.variables())
                        + ")\n";
            } else if (line.startsWith("SET VARIABLE")) {
                return "200 result=1\n";
            }
            return "510 Invalid or unknown command\n";
        }

        private void finish(Session s, long now) {
            if (s.done) {
                return;
            }
            s.done = true;
            try {
                s.channel.close(); // also cancels its key
            } catch (IOException | RuntimeException ignored) {
                // closing
            }
            inFlight(-1, now);
            if (s.start - measureFrom < 0 || s.start - measureTo >= 0) {
                return;
            }
            if (s.decided < 0) {
                errors++;
                return;
            }
            if (!expectedStatus.equals(s.status)) {
                unexpected++;
                if (statuses.size() < 5) {
                    statuses.add(s.status + " " + s.reason);
                }
            }
            if (measured < latencies.length) {
                latencies[measured] = s.decided - Math.min(s.start, s.started); // started early: from its start
            }
            measured++;
        }
    }

    /** One call in flight. */
    private static final class Session {
        final Call call;
        final long start;
        final long started = System.nanoTime();
        final byte[] buf = new byte[16384];
        int len;
        SocketChannel channel;
        SelectionKey key;
        ByteBuffer pending;
        long decided = -1;
        String status;
        String reason;
        boolean done;

        Session(Call call, long start) {
            this.call = call;
            this.start = start;
        }
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
