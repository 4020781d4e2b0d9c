package org.stirshield.agi;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.stirshield.cert.Deadline;
import org.stirshield.verify.Reason;

/**
 * One FastAGI connection, driven by the {@link EventLoop} that accepted it and touched by no other thread
 * (except {@link #evict()}, an atomic step): the environment block as it arrives, then the script's
 * command/reply exchanges, each reply handed to the script's {@link ReplyHandler} when it is complete.
 * Nothing here blocks: a read takes what the socket has, a write what the socket takes (the rest waits for
 * the socket to drain).
 *
 * <p>Bounds (with {@link LineReader}, {@link EnvironmentBlock}, {@link AgiReply}): every wait for input ends
 * after {@code server.read_timeout} without a byte, and at the session's time limit in any case; a session
 * that somehow outlives its time limit by {@link #OVERTIME_NANOS} is closed by the loop.
 */
final class AgiSession implements LineReader.Sink {
    /** Reading the environment block: may be evicted when the server runs short of slots. */
    static final int WAITING = 0;
    /** The environment block is complete: a call, never evicted. */
    static final int CALL = 1;
    /** Closed by the server to free its slot before it sent a complete environment block. */
    static final int EVICTED = 2;
    /** Past the session's time limit, whatever it is doing, the loop closes it. */
    static final long OVERTIME_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Lines kept that came while no reply was awaited (HANGUP and the like); more are dropped. */
    private static final int MAX_EARLY_LINES = 32;

    /** What a script does with the reply to its command: exactly one of the two is non-null. */
    @FunctionalInterface
    interface ReplyHandler {
        void handle(AgiReply reply, IOException failure);
    }

    /** One script of the explicit mapping ({@code verify}, {@code sign}). Each ends the session itself. */
    interface Script {
        /** Runs the call; the session ends (one of {@link #complete}, {@link #lost}, {@link #finish}) when it is done. */
        void run(AgiSession session);

        /**
         * Answers a session whose request could not be read or names no known script ({@code problem}), as
         * far as the connection allows, records it and ends the session. Never throws.
         */
        void refuse(AgiSession session, Reason problem, String detail);
    }

    /** Why input ended for good. */
    private enum InputEnd {
        CLOSED, FAILED, LIMIT
    }

    private record EarlyLine(byte[] bytes, boolean tooLong) {
    }

    final EventLoop loop;
    final SocketChannel channel;
    final InetAddress peer;
    final long acceptedNanos;
    final ServerStats stats;
    final ServerSettings settings;
    /** When the call must have its answer. */
    final Deadline deadline;
    final AtomicInteger phase = new AtomicInteger(WAITING);
    private final AgiServer server;
    private final long readTimeoutNanos;
    private final long endNanos;
    private final LineReader lines = new LineReader();
    SelectionKey key;
    /** Position in the loop's list of sessions (the loop's own bookkeeping). */
    int index = -1;

    private EnvironmentBlock.Reader envReader = new EnvironmentBlock.Reader();
    /** The environment block, once complete (or cut off). */
    EnvironmentBlock environment;
    private AgiReply.Reader reply;
    private ReplyHandler onReply;
    private boolean replyBytes;
    private ArrayDeque<EarlyLine> early;
    private long lastInputNanos;
    private InputEnd inputEnd;
    private String inputEndMessage;
    private ByteBuffer pendingWrite;
    private boolean timedOut;
    private boolean closed;
    /** Whether the call has been handed to the screener (which records it): no second record after that. */
    boolean decided;
    /** The call's decision while it runs on a thread that may wait (the loop's tick is its watchdog). */
    private GuardedScreener.Watch watch;
    /** A decision runs on a thread of its own: the slot stays taken until it returns, even after the answer. */
    private boolean deciding;
    private boolean releaseWhenDecided;

    AgiSession(AgiServer server, EventLoop loop, SocketChannel channel, InetAddress peer, long acceptedNanos,
            long decisionNanos, long sessionNanos) {
        this.server = server;
        this.loop = loop;
        this.channel = channel;
        this.peer = peer;
        this.acceptedNanos = acceptedNanos;
        this.stats = server.stats;
        this.settings = server.settings();
        this.deadline = Deadline.atNanos(acceptedNanos + decisionNanos);
        this.readTimeoutNanos = settings.readTimeout().toNanos();
        this.endNanos = acceptedNanos + sessionNanos;
        this.lastInputNanos = acceptedNanos;
    }

    /** Whether a read timed out ({@code server.read_timeout} or the session's time limit). */
    boolean timedOut() {
        return timedOut;
    }

    boolean closed() {
        return closed;
    }

    // ---- from the loop

    /** The socket has bytes (or its end): reads what is there into {@code buffer} and hands lines on. */
    void readable(ByteBuffer buffer) {
        buffer.clear();
        int n;
        try {
            n = channel.read(buffer);
        } catch (IOException e) {
            inputEnded(InputEnd.FAILED, e.getMessage());
            return;
        }
        if (n < 0) {
            lines.end(this);
            inputEnded(InputEnd.CLOSED, null);
            return;
        }
        if (n == 0) {
            return;
        }
        lastInputNanos = System.nanoTime();
        buffer.flip();
        if (!lines.feed(buffer, this)) {
            inputEnded(InputEnd.LIMIT, null);
        }
    }

    /** The socket takes bytes again: sends what was left of a command. */
    void writable() {
        if (pendingWrite == null || closed) {
            return;
        }
        try {
            channel.write(pendingWrite);
        } catch (IOException e) {
            pendingWrite = null;
            inputEnded(InputEnd.FAILED, e.getMessage());
            return;
        }
        if (!pendingWrite.hasRemaining()) {
            pendingWrite = null;
            interest();
        }
    }

    /**
     * The loop's clock: the watchdog of a decision that may wait, the read timeouts, the time limit; then tells
     * the loop when this session's next clock runs out.
     */
    void tick(long now) {
        if (closed) {
            return;
        }
        GuardedScreener.Watch w = watch;
        if (w != null && now - w.firesAt >= 0) {
            watch = null;
            server.screener().expire(w);
            if (closed) {
                return;
            }
        }
        if (waitingForInput() && now - inputDue() >= 0) {
            timedOut = true;
            if (envReader != null) {
                endEnvironment(envReader.cutOff(Reason.INCOMPLETE_REQUEST, lines.bytesRead() == 0
                        ? "nothing sent within the read timeout"
                        : "no end of the environment block within the read timeout", true, lines.bytesRead()));
            } else {
                failReply(new SocketTimeoutException(now - endNanos >= 0 ? "session longer than its time limit"
                        : "no reply within the read timeout"));
            }
        } else if (now - endNanos - OVERTIME_NANOS >= 0) {
            timedOut = true;
            lost();
        }
        if (!closed) {
            loop.due(endNanos + OVERTIME_NANOS);
            if (waitingForInput()) {
                loop.due(inputDue());
            }
            if (watch != null) {
                loop.due(watch.firesAt);
            }
        }
    }

    private boolean waitingForInput() {
        return envReader != null || reply != null;
    }

    /** When the wait for input ends: read_timeout after the last byte (or the command), the time limit at the latest. */
    long inputDue() {
        long read = lastInputNanos + readTimeoutNanos;
        return read - endNanos < 0 ? read : endNanos;
    }

    /** Closes a waiting session to free its slot (any thread); false when it is a call by now. */
    boolean evict() {
        return phase.compareAndSet(WAITING, EVICTED);
    }

    /** After {@link #evict()}, on the loop: ends the session as evicted (recorded if it had sent anything). */
    void evicted() {
        if (closed || envReader == null) {
            return;
        }
        closeChannel();
        endEnvironment(envReader.cutOff(Reason.INCOMPLETE_REQUEST, "evicted", false, lines.bytesRead()));
    }

    @Override
    public void line(byte[] b, int off, int len, boolean tooLong) {
        if (closed) {
            return;
        }
        if (envReader != null) {
            if (envReader.line(new String(b, off, len, StandardCharsets.UTF_8), tooLong)) {
                endEnvironment(envReader.complete(lines.bytesRead()));
            }
        } else if (reply != null) {
            AgiReply r = reply.line(new String(b, off, len, replyBytes ? StandardCharsets.ISO_8859_1
                    : StandardCharsets.UTF_8), tooLong);
            if (r != null) {
                deliver(r);
            }
        } else {
            if (early == null) {
                early = new ArrayDeque<>(4);
            }
            if (early.size() < MAX_EARLY_LINES) {
                early.add(new EarlyLine(Arrays.copyOfRange(b, off, off + len), tooLong));
            }
        }
    }

    private void endEnvironment(EnvironmentBlock env) {
        envReader = null;
        environment = env;
        boolean evicted = !phase.compareAndSet(WAITING, CALL) && phase.get() == EVICTED;
        server.noLongerWaiting(this);
        if (evicted) {
            closeChannel();
        }
        server.handler().handle(this, evicted, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos));
    }

    private void inputEnded(InputEnd how, String message) {
        if (closed || inputEnd != null) {
            return;
        }
        inputEnd = how;
        inputEndMessage = message;
        interest();
        if (envReader != null) {
            endEnvironment(switch (how) {
                case CLOSED -> envReader.cutOff(Reason.INCOMPLETE_REQUEST,
                        "the connection closed before the environment block ended", true, lines.bytesRead());
                case FAILED -> envReader.cutOff(Reason.INCOMPLETE_REQUEST,
                        "the connection failed before the environment block ended (" + message + ")", false,
                        lines.bytesRead());
                case LIMIT -> envReader.cutOff(Reason.REQUEST_TOO_LARGE, "more than " + LineReader.MAX_SESSION_BYTES
                        + " bytes without the end of the environment block", true, lines.bytesRead());
            });
        } else if (reply != null) {
            replyCutOff();
        }
    }

    /**
     * Input has ended while a reply is awaited: the reply as far as it came when only its usage text was
     * missing at the end of the stream, else the handler learns why there is none.
     */
    private void replyCutOff() {
        AgiReply cut = inputEnd == InputEnd.CLOSED ? reply.end() : null;
        if (cut != null) {
            deliver(cut);
        } else {
            failReply(inputFailure());
        }
    }

    private IOException inputFailure() {
        return switch (inputEnd) {
            case CLOSED -> new EOFException("connection closed before the reply");
            case FAILED -> new IOException(inputEndMessage);
            case LIMIT -> new IOException("session exceeds " + LineReader.MAX_SESSION_BYTES + " bytes");
        };
    }

    private void deliver(AgiReply r) {
        ReplyHandler h = onReply;
        reply = null;
        onReply = null;
        if (!r.ok()) {
            stats.commandErrors.increment();
        }
        h.handle(r, null);
    }

    private void failReply(IOException e) {
        ReplyHandler h = onReply;
        reply = null;
        onReply = null;
        h.handle(null, e);
    }

    // ---- for the scripts (on the loop)

    /**
     * Sends one command; {@code then} gets Asterisk's reply (or why there is none) when it is complete.
     * {@code bytes}: keep the reply one character per byte (ISO-8859-1), for replies counted in bytes.
     */
    void send(String command, boolean bytes, ReplyHandler then) {
        if (closed) {
            then.handle(null, new IOException("session closed"));
            return;
        }
        byte[] b = command.getBytes(StandardCharsets.UTF_8);
        byte[] withEnd = Arrays.copyOf(b, b.length + 1);
        withEnd[b.length] = '\n';
        ByteBuffer out = ByteBuffer.wrap(withEnd);
        try {
            channel.write(out);
        } catch (IOException e) {
            then.handle(null, e);
            return;
        }
        reply = new AgiReply.Reader();
        onReply = then;
        replyBytes = bytes;
        lastInputNanos = System.nanoTime();
        loop.due(inputDue());
        if (out.hasRemaining()) {
            pendingWrite = out;
            interest();
        }
        while (reply != null && early != null && !early.isEmpty()) { // what came before the command (HANGUP …)
            EarlyLine l = early.poll();
            line(l.bytes(), 0, l.bytes().length, l.tooLong());
        }
        if (reply != null && inputEnd != null) {
            replyCutOff();
        }
    }

    /** Ends a session whose script ran to its end. */
    void complete() {
        if (!closed) {
            stats.completed.increment();
            finish();
        }
    }

    /** Ends a session whose peer went away (or went silent) before the script's end. */
    void lost() {
        if (!closed) {
            stats.disconnected(timedOut);
            finish();
        }
    }

    /** Ends the session: closes the connection and frees its slot. Idempotent. */
    void finish() {
        if (closed) {
            return;
        }
        closed = true;
        envReader = null;
        reply = null;
        onReply = null;
        watch = null;
        closeChannel();
        loop.remove(this);
        if (deciding) {
            releaseWhenDecided = true; // a screener stuck past the fail-safe answer still holds its slot
        } else {
            server.released(this);
        }
    }

    /**
     * The call's decision starts on a thread of its own (on the loop): the loop watches it ({@code w}: the
     * watchdog is due at its {@code firesAt}), and the slot stays taken until it returns.
     */
    void decidingOffLoop(GuardedScreener.Watch w) {
        watch = w;
        deciding = true;
        loop.due(w.firesAt);
    }

    /** That decision returned (on the loop): no more watching; a session that already ended frees its slot now. */
    void decidedOffLoop(GuardedScreener.Watch w) {
        if (watch == w) {
            watch = null;
        }
        deciding = false;
        if (releaseWhenDecided) {
            releaseWhenDecided = false;
            server.released(this);
        }
    }

    private void closeChannel() {
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Reads while input may still come, writes while a command is not all sent. */
    private void interest() {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = (inputEnd == null ? SelectionKey.OP_READ : 0) | (pendingWrite != null ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }
}
