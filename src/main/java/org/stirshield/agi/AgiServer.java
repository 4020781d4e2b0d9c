package org.stirshield.agi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.Deadline;
import org.stirshield.service.CallScreener;
import org.stirshield.sign.OutboundSigner;

/**
 * The StirShield FastAGI server: Asterisk connects for every inbound call
 * ({@code AGI(agi://127.0.0.1:4573/verify,${PJSIP_HEADER(read,Identity)})}) and gets the decision as
 * channel variables.
 *
 * <p>Built on asterisk-java's FastAGI pieces (connection handler, request/reply parsing, commands)
 * with its own accept loop instead of {@code DefaultAgiServer}, whose listen backlog (200), platform
 * thread pool (10..500) and socket read timeout (hours) do not fit: here each session runs on its own
 * virtual thread, at most {@code server.max_sessions} at once (beyond that a connection is closed at
 * accept, and Asterisk's dialplan takes its AGISTATUS=FAILURE branch), every read times out after
 * {@code server.read_timeout}, only addresses in {@code server.allow} are served, and
 * {@link #shutdown(Duration)} drains the calls in flight.
 */
public final class AgiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgiServer.class);

    private final ServerSettings settings;
    private final ServerSocket listener;
    private final AllowList allow;
    private final Semaphore slots;
    private final Map<String, AgiSession.Script> scripts;
    private final GuardedScreener screener;
    private final ServerStats stats = new ServerStats();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ThreadFactory sessionThreads;
    private final Thread acceptor;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean stopping;
    private static final int ACCEPT_WAKEUP_MILLIS = 50;
    private static final long BUSY_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private long lastBusyLog = System.nanoTime() - BUSY_LOG_INTERVAL_NANOS - 1; // accept thread only

    private AgiServer(ServerSettings settings, CallScreener screener, OutboundSigner signer) throws IOException {
        this.settings = settings;
        this.allow = new AllowList(settings.allow());
        this.slots = new Semaphore(settings.maxSessions());
        this.screener = new GuardedScreener(screener, settings.failsafeAction());
        this.scripts = Map.of("verify", new VerifyScript(this.screener), "sign", new SignScript(signer));
        this.sessionThreads = Thread.ofVirtual().name("agi-", 1)
                .uncaughtExceptionHandler((t, e) -> {
                    stats.uncaught.increment();
                    LOG.error("uncaught in {}", t.getName(), e);
                }).factory();
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(settings.listen(), settings.backlog());
        listener.setSoTimeout(ACCEPT_WAKEUP_MILLIS); // the accept loop notices shutdown() within this
        this.acceptor = Thread.ofPlatform().name("agi-accept").unstarted(this::acceptLoop);
    }

    /** Binds and starts serving, without outbound signing (the {@code sign} script answers UNSUPPORTED). */
    public static AgiServer start(ServerSettings settings, CallScreener screener) throws IOException {
        return start(settings, screener, null);
    }

    /** Binds and starts serving; {@code signer} (may be null) serves the {@code sign} script. */
    public static AgiServer start(ServerSettings settings, CallScreener screener, OutboundSigner signer)
            throws IOException {
        AgiServer s = new AgiServer(settings, screener, signer);
        s.acceptor.start();
        LOG.info("FastAGI server listening on {} (allow {}, max_sessions {}, decision_deadline {} ms)",
                s.address(), s.allow, settings.maxSessions(), settings.decisionDeadline().toMillis());
        return s;
    }

    /** The bound address (the port is the real one when 0 was asked). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    public ServerSettings settings() {
        return settings;
    }

    private void acceptLoop() {
        try {
            while (!stopping) {
                Socket s;
                try {
                    s = listener.accept();
                } catch (SocketTimeoutException e) {
                    continue; // the periodic wake-up that notices shutdown()
                } catch (SocketException e) {
                    if (stopping || listener.isClosed()) {
                        break;
                    }
                    LOG.warn("accept failed: {}", e.getMessage());
                    pause();
                    continue;
                } catch (IOException e) {
                    LOG.warn("accept failed: {}", e.getMessage());
                    pause(); // e.g. out of file descriptors: do not spin
                    continue;
                }
                admit(s);
            }
            acceptQueued();
        } finally {
            closeQuietly(listener);
            terminatedAccepting();
        }
    }

    /**
     * The drain's first step: the connections the kernel has already completed (queued for accept) are
     * accepted and served, then the listener is closed, so new connections are refused from then on and
     * Asterisk's hagi:// tries its next instance. Closing with connections queued would reset them after
     * Asterisk has sent its request, which hagi:// does not retry: lost calls.
     */
    private void acceptQueued() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            listener.setSoTimeout(1);
            while (System.nanoTime() < end) {
                admit(listener.accept());
            }
        } catch (IOException e) {
            // the queue is empty (timeout), or the listener is gone
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void admit(Socket s) {
        if (!allow.permits(s.getInetAddress())) {
            stats.refusedNotAllowed.increment();
            allow.refused(s.getInetAddress());
            closeQuietly(s);
            return;
        }
        if (!slots.tryAcquire()) {
            stats.refusedBusy.increment();
            long now = System.nanoTime();
            if (!stopping && now - lastBusyLog > BUSY_LOG_INTERVAL_NANOS) { // at most one line per interval
                lastBusyLog = now;
                LOG.warn("FastAGI connection from {} refused: {} sessions in progress (server.max_sessions);"
                        + " {} refused so far", s.getInetAddress().getHostAddress(), settings.maxSessions(),
                        stats.refusedBusy.sum());
            }
            closeQuietly(s);
            return;
        }
        stats.accepted.increment();
        Deadline deadline = Deadline.in(settings.decisionDeadline());
        open.add(s);
        try {
            sessionThreads.newThread(() -> serve(s, deadline)).start();
        } catch (RuntimeException | OutOfMemoryError e) {
            open.remove(s);
            slots.release();
            closeQuietly(s);
            stats.failed.increment();
            LOG.error("cannot start a session thread: {}", e.toString());
        }
    }

    private void serve(Socket s, Deadline deadline) {
        try {
            long read = Math.min(Integer.MAX_VALUE, settings.readTimeout().toMillis());
            // the whole exchange: environment block, the screening, Asterisk's replies
            long max = settings.decisionDeadline().toMillis() + GuardedScreener.MARGIN.toMillis() + 2 * read;
            AgiConnection connection = new AgiConnection(s, (int) read, max);
            new SessionHandler(connection, scripts, deadline, stats).run();
        } catch (IOException e) {
            stats.disconnected.increment();
        } finally {
            closeQuietly(s);
            open.remove(s);
            slots.release();
        }
    }

    /**
     * Stops accepting, lets the sessions in flight finish for up to {@code grace}, then closes what is
     * left. Returns whether every session finished by itself. Idempotent.
     */
    public boolean shutdown(Duration grace) {
        stopping = true;
        try {
            // the accept loop serves what the kernel already queued, then closes the listener
            acceptor.join(TimeUnit.SECONDS.toMillis(2) + ACCEPT_WAKEUP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(listener);
        boolean drained;
        try {
            drained = slots.tryAcquire(settings.maxSessions(), grace.toNanos(), TimeUnit.NANOSECONDS);
            if (drained) {
                slots.release(settings.maxSessions());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            LOG.warn("shutdown: {} sessions still running after {} ms; closing them", open.size(), grace.toMillis());
            open.forEach(AgiServer::closeQuietly);
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return drained;
    }

    /** Blocks until the server has stopped accepting (after {@link #shutdown}). */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    private void terminatedAccepting() {
        terminated.countDown();
    }

    @Override
    public void close() {
        shutdown(settings.shutdownGrace());
    }

    /** Sessions in progress now. */
    public int activeSessions() {
        return settings.maxSessions() - slots.availablePermits();
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        return new Stats(stats.accepted.sum(), stats.refusedNotAllowed.sum(), allow.refusedAddresses(),
                stats.refusedBusy.sum(), stats.completed.sum(), stats.disconnected.sum(), stats.readTimeouts.sum(),
                stats.unknownScript.sum(), stats.failed.sum(), stats.uncaught.sum(), screener.timeouts.sum(),
                screener.errors.sum(), activeSessions());
    }

    /**
     * Server counters.
     *
     * @param accepted sessions admitted
     * @param refusedNotAllowed connections closed at accept: source not in server.allow
     * @param refusedAddresses distinct source addresses refused (each logged once)
     * @param refusedBusy connections closed at accept: max_sessions reached, or shutting down
     * @param completed sessions that ran their script to the end
     * @param disconnected sessions the peer ended early
     * @param readTimeouts sessions dropped because the peer was silent for read_timeout
     * @param unknownScript requests for a script other than verify/sign
     * @param failed sessions ended by a protocol or internal error
     * @param uncaught exceptions that escaped a session thread (should stay 0)
     * @param deadlineFailsafe calls answered fail-safe because the screener missed the deadline
     * @param screenerErrors calls answered fail-safe because the screener failed
     * @param active sessions in progress
     */
    public record Stats(long accepted, long refusedNotAllowed, int refusedAddresses, long refusedBusy, long completed,
            long disconnected, long readTimeouts, long unknownScript, long failed, long uncaught,
            long deadlineFailsafe, long screenerErrors, int active) {
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing: nothing more to do
        }
    }
}
