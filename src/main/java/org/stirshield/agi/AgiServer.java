package org.stirshield.agi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.service.CallScreener;
import org.stirshield.sign.OutboundSigner;

/**
 * The StirShield FastAGI server: Asterisk connects for every inbound call
 * ({@code AGI(agi://127.0.0.1:4573/verify)}) and gets the decision as channel variables.
 *
 * <p><b>Threads.</b> One {@link EventLoop} per core, each with its own listener on the port
 * ({@code SO_REUSEPORT}: the kernel spreads connections over them), drives every session it accepts to its
 * end without blocking: one wake-up when the connection arrives and one per reply Asterisk sends, no hand-off
 * between threads, no thread per session, no timer per call (each loop sleeps no longer than the earliest of
 * its sessions' clocks, {@link EventLoop#due}). A call is decided on its loop when that needs no wait; one that needs a
 * certificate or CRL fetch or RCD content is decided on a virtual thread of its own and answered by the loop; the
 * shared replay store's question is handed to the store's dispatchers, which finish the decision for the loop
 * to answer ({@link GuardedScreener}). An open session costs its buffers, not a thread, so an
 * overload or a flood of idle connections does not multiply threads.
 *
 * <p><b>Bounds.</b> At most {@code server.max_sessions} sessions at once (and
 * {@code server.max_sessions_per_address} from one address). When every slot is taken, the session that
 * has waited longest for a complete environment block is evicted (an idle or trickling connection cannot
 * keep a real call out); when every slot holds a call, the new connection is closed at accept and
 * Asterisk's dialplan takes its AGISTATUS=FAILURE branch. Every wait for input ends after
 * {@code server.read_timeout}, every session by its time limit, lines and requests are bounded
 * ({@link LineReader}, {@link EnvironmentBlock}); only addresses in {@code server.allow} are served.
 * {@link #shutdown(Duration)} drains the calls in flight.
 */
public final class AgiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgiServer.class);

    private final ServerSettings settings;
    private final InetSocketAddress bound;
    private final AllowList allow;
    private final GuardedScreener screener;
    private final SessionHandler handler;
    final ServerStats stats = new ServerStats();
    private final List<EventLoop> loops = new ArrayList<>();
    /** Sessions still reading their environment block: the candidates for eviction. */
    private final Set<AgiSession> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> perAddress;
    private final long decisionNanos;
    private final long sessionNanos;
    private final List<Runnable> drainListeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** The drain has begun. */
    private volatile boolean draining;
    /** The listeners are closed (or closing): nothing more is accepted. */
    private volatile boolean stopping;
    /** Refused connections: at most one log line per 10 s (it says how many so far). */
    private final LogBudget busyLog = new LogBudget(1, 10, TimeUnit.SECONDS);

    private AgiServer(ServerSettings settings, CallScreener screener, OutboundSigner signer) throws IOException {
        this.settings = settings;
        this.allow = new AllowList(settings.allow());
        this.screener = new GuardedScreener(screener, settings.failsafeAction());
        VerifyScript verify = new VerifyScript(this.screener);
        this.handler = new SessionHandler(Map.of("verify", verify, "sign", new SignScript(signer)), verify, stats);
        this.perAddress = settings.maxSessionsPerAddress() > 0 ? new ConcurrentHashMap<>() : null;
        this.decisionNanos = settings.decisionDeadline().toNanos();
        long read = settings.readTimeout().toNanos();
        // the whole exchange: environment block, the screening, Asterisk's replies
        this.sessionNanos = decisionNanos + GuardedScreener.MARGIN.toNanos() + 2 * read;
        List<ServerSocketChannel> listeners = Listeners.bind(settings.listen(), settings.backlog(), loopCount());
        this.bound = (InetSocketAddress) listeners.get(0).getLocalAddress();
        try {
            for (int i = 0; i < listeners.size(); i++) {
                loops.add(new EventLoop(this, listeners.get(i), i));
            }
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel l : listeners) {
                closeQuietly(l);
            }
            throw e;
        }
    }

    /** One loop per core. */
    private static int loopCount() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Binds and starts serving, without outbound signing (the {@code sign} script answers UNSUPPORTED). */
    public static AgiServer start(ServerSettings settings, CallScreener screener) throws IOException {
        return start(settings, screener, null);
    }

    /** Binds and starts serving; {@code signer} (may be null) serves the {@code sign} script. */
    public static AgiServer start(ServerSettings settings, CallScreener screener, OutboundSigner signer)
            throws IOException {
        AgiServer s = new AgiServer(settings, screener, signer);
        for (EventLoop loop : s.loops) {
            loop.start();
        }
        LOG.info("FastAGI server listening on {} (allow {}, max_sessions {}, decision_deadline {} ms, {} event loops)",
                s.address(), s.allow, settings.maxSessions(), settings.decisionDeadline().toMillis(), s.loops.size());
        return s;
    }

    /** The bound address (the port is the real one when 0 was asked). */
    public InetSocketAddress address() {
        return bound;
    }

    public ServerSettings settings() {
        return settings;
    }

    GuardedScreener screener() {
        return screener;
    }

    SessionHandler handler() {
        return handler;
    }

    /**
     * Runs {@code listener} when the drain begins (before the listener closes), e.g. to report not-ready.
     * Listeners must return quickly and not throw.
     */
    public void onDrain(Runnable listener) {
        drainListeners.add(listener);
    }

    /** Admission at accept, on {@code loop}: the allow list, the per-address and total limits (evicting an idle session). */
    void admit(EventLoop loop, SocketChannel ch) {
        InetAddress from;
        try {
            from = ((InetSocketAddress) ch.getRemoteAddress()).getAddress();
        } catch (IOException | RuntimeException e) { // gone already
            closeQuietly(ch);
            return;
        }
        if (!allow.permits(from)) {
            stats.refusedNotAllowed.increment();
            allow.refused(from);
            closeQuietly(ch);
            return;
        }
        // (no refusal for shutting down: a connection accepted is served, even the last ones the drain accepts;
        // the closed listeners are what turn new ones away)
        if (perAddress != null) {
            AtomicInteger n = perAddress.computeIfAbsent(from, a -> new AtomicInteger());
            if (n.incrementAndGet() > settings.maxSessionsPerAddress() && !evictWaiting(from)) {
                n.decrementAndGet();
                refuseBusy(ch, from, settings.maxSessionsPerAddress() + " sessions from " + from.getHostAddress()
                        + " in progress (server.max_sessions_per_address)");
                return;
            }
        }
        if (active.incrementAndGet() > settings.maxSessions() && !evictWaiting(null)) {
            active.decrementAndGet();
            releaseAddress(from);
            refuseBusy(ch, from, settings.maxSessions() + " calls in progress (server.max_sessions)");
            return;
        }
        stats.accepted.increment();
        AgiSession session = new AgiSession(this, loop, ch, from, System.nanoTime(), decisionNanos, sessionNanos);
        waiting.add(session);
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            loop.register(session);
        } catch (IOException | RuntimeException e) { // the peer reset it already
            stats.disconnected.increment();
            session.finish();
        }
    }

    /**
     * Evicts the session (from {@code from}, or any when null) that has waited longest for its environment
     * block; false when every session holds a call.
     */
    private boolean evictWaiting(InetAddress from) {
        while (true) {
            AgiSession oldest = null;
            for (AgiSession s : waiting) {
                if (s.phase.get() == AgiSession.WAITING && (from == null || from.equals(s.peer))
                        && (oldest == null || s.acceptedNanos - oldest.acceptedNanos < 0)) {
                    oldest = s;
                }
            }
            if (oldest == null) {
                return false;
            }
            if (oldest.evict()) {
                waiting.remove(oldest);
                oldest.loop.execute(oldest::evicted);
                return true;
            }
            waiting.remove(oldest);
        }
    }

    /** A session is a call now (or ended): no longer a candidate for eviction. */
    void noLongerWaiting(AgiSession s) {
        waiting.remove(s);
    }

    /** A session ended: its slot is free. */
    void released(AgiSession s) {
        waiting.remove(s);
        releaseAddress(s.peer);
        active.decrementAndGet();
    }

    private void refuseBusy(SocketChannel ch, InetAddress from, String why) {
        stats.refusedBusy.increment();
        if (!stopping && busyLog.take() >= 0) {
            LOG.warn("FastAGI connection from {} refused: {}; {} refused so far", from.getHostAddress(), why,
                    stats.refusedBusy.sum());
        }
        closeQuietly(ch);
    }

    private void releaseAddress(InetAddress from) {
        if (perAddress != null) {
            AtomicInteger n = perAddress.get(from);
            if (n != null && n.decrementAndGet() <= 0) {
                perAddress.remove(from, n); // a fresh counter is made on the next connection
            }
        }
    }

    /**
     * The drain: tells the {@link #onDrain} listeners; each loop serves the connections the kernel has already
     * completed (queued for accept) and then closes its listener, so new connections are refused from then on
     * and Asterisk's hagi:// tries its next instance (closing with connections queued would reset them after
     * Asterisk had sent its request, which hagi:// does not retry); lets the sessions in flight finish for up
     * to {@code grace}, then closes what is left. Returns whether every session finished by itself.
     * Idempotent.
     */
    public boolean shutdown(Duration grace) {
        synchronized (this) {
            if (!draining) {
                draining = true;
                for (Runnable r : drainListeners) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        LOG.warn("drain listener failed: {}", e.toString());
                    }
                }
                for (EventLoop loop : loops) {
                    loop.execute(loop::acceptQueuedAndClose);
                }
            }
        }
        long end = System.nanoTime() + grace.toNanos();
        // every loop has taken what was queued and closed its listener (a busy loop may take a while: until
        // then it may still accept, so no session count is final), then the sessions finish
        boolean closed = false;
        try {
            for (EventLoop loop : loops) {
                loop.awaitListenerClosed(Math.max(100, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            }
            closed = true;
            for (EventLoop loop : loops) {
                closed &= loop.awaitListenerClosed(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopping = true;
        while (active.get() > 0 && System.nanoTime() - end < 0) {
            pause10();
        }
        boolean drained = closed && active.get() <= 0;
        if (!drained) {
            LOG.warn("shutdown: {} sessions still running after {} ms; closing them", active.get(), grace.toMillis());
            for (EventLoop loop : loops) {
                loop.execute(loop::closeAll);
            }
        }
        for (EventLoop loop : loops) {
            loop.stop();
        }
        try {
            for (EventLoop loop : loops) {
                loop.awaitStopped(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        terminated.countDown();
        return drained;
    }

    private static void pause10() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until the server has stopped accepting (after {@link #shutdown}). */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    @Override
    public void close() {
        shutdown(settings.shutdownGrace());
    }

    /** Sessions in progress now. */
    public int activeSessions() {
        return Math.max(0, active.get());
    }

    /** Server threads: the event loops (decisions that wait run on virtual threads, not counted). */
    public int threads() {
        return loops.size();
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        return new Stats(stats.accepted.sum(), stats.refusedNotAllowed.sum(), allow.refusedAddresses(),
                stats.refusedBusy.sum(), stats.completed.sum(), stats.disconnected.sum(), stats.readTimeouts.sum(),
                stats.unknownScript.sum(), stats.failed.sum(), stats.uncaught.sum(), screener.timeouts.sum(),
                screener.errors.sum(), activeSessions(), stats.evicted.sum(), stats.silent.sum(),
                stats.unverifiable.sum(), stats.commandErrors.sum(), screener.offLoop.sum());
    }

    /**
     * Server counters.
     *
     * @param accepted sessions admitted
     * @param refusedNotAllowed connections closed at accept: source not in server.allow
     * @param refusedAddresses distinct source addresses refused (each logged once)
     * @param refusedBusy connections closed at accept: max_sessions (or max_sessions_per_address) taken by
     *     calls, or shutting down
     * @param completed sessions that ran their script to the end
     * @param disconnected sessions the peer ended early
     * @param readTimeouts sessions whose peer was silent for read_timeout (or beyond the session time limit)
     * @param unknownScript requests for a script other than verify/sign
     * @param failed sessions ended by an internal error
     * @param uncaught exceptions that escaped a server thread (should stay 0)
     * @param deadlineFailsafe calls answered fail-safe because the screener missed the deadline
     * @param screenerErrors calls answered fail-safe because the screener failed
     * @param active sessions in progress
     * @param evicted sessions closed before a complete environment block to free their slot
     * @param silent connections that sent nothing before read_timeout or their close (no call, no record)
     * @param unverifiable calls decided without verification: request too large, cut off, malformed, unknown
     *     script, or an AGI command answered with an error
     * @param commandErrors AGI commands Asterisk answered with an error or something unreadable
     * @param decidedOffLoop calls that needed a wait (a certificate, CRL or RCD fetch, or a screener that does not
     *     mark its waits) and were decided on a thread of their own, not on the loop
     */
    public record Stats(long accepted, long refusedNotAllowed, int refusedAddresses, long refusedBusy, long completed,
            long disconnected, long readTimeouts, long unknownScript, long failed, long uncaught,
            long deadlineFailsafe, long screenerErrors, int active, long evicted, long silent, long unverifiable,
            long commandErrors, long decidedOffLoop) {
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing: nothing more to do
        }
    }
}
