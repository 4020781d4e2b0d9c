package org.stirshield.agi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.Deadline;
import org.stirshield.service.CallScreener;
import org.stirshield.sign.OutboundSigner;

/**
 * The StirShield FastAGI server: Asterisk connects for every inbound call
 * ({@code AGI(agi://127.0.0.1:4573/verify)}) and gets the decision as channel variables.
 *
 * <p><b>Threads.</b> A pool of platform threads that each accept a connection themselves and serve it to
 * the end on the same thread, with blocking socket reads (the leader/follower pattern): one wake-up when
 * the connection arrives, one per reply Asterisk sends, and no hand-off between threads per call. (An
 * acceptor handing each socket to a session thread, as asterisk-java's {@code DefaultAgiServer} does, adds
 * a wake-up per call; a virtual thread per session adds the poller's and the carrier's wake-ups per read.)
 * The pool grows on demand up to {@code server.max_sessions} plus spare acceptors and shrinks after a
 * minute without connections. One {@link Sweeper} thread is the deadline watchdog of every call.
 *
 * <p><b>Bounds.</b> At most {@code server.max_sessions} sessions at once (and
 * {@code server.max_sessions_per_address} from one address). When every slot is taken, the session that
 * has waited longest for a complete environment block is evicted (an idle or trickling connection cannot
 * keep a real call out); when every slot holds a call, the new connection is closed at accept and
 * Asterisk's dialplan takes its AGISTATUS=FAILURE branch. Every read times out after
 * {@code server.read_timeout}, every session ends by its time limit, lines and requests are bounded
 * ({@link AgiConnection}, {@link EnvironmentBlock}); only addresses in {@code server.allow} are served.
 * {@link #shutdown(Duration)} drains the calls in flight.
 */
public final class AgiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgiServer.class);
    /** Threads kept accepting when there is little to do. */
    private static final int CORE_THREADS = 4;
    /** Threads beyond the sessions: accepting, and evicting an idle session when all slots are taken. */
    private static final int SPARE_THREADS = 2;
    /** How long a thread beyond the core ones waits for a connection before it ends. */
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * How long a server thread waits in {@code accept()} (for the listener, or for its turn at it) before it
     * looks at the drain and at its own idleness: a few wake-ups a second per idle thread, none per call.
     */
    private static final int ACCEPT_WAKEUP_MILLIS = 250;
    /** How long the drain keeps accepting what the kernel had already queued. */
    private static final long QUEUED_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long BUSY_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ServerSettings settings;
    private final ServerSocket listener;
    private final AllowList allow;
    private final GuardedScreener screener;
    private final SessionHandler handler;
    private final ServerStats stats = new ServerStats();
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final Sweeper sweeper;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> perAddress;
    private final int maxThreads;
    private final long decisionNanos;
    private final long sessionNanos;
    private final List<Runnable> drainListeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** The drain has begun: accept only what is already queued, then close the listener. */
    private volatile boolean draining;
    /** The listener is closed (or closing): nothing more is accepted. */
    private volatile boolean stopping;
    private volatile long lastBusyLog = System.nanoTime() - BUSY_LOG_INTERVAL_NANOS - 1;

    private AgiServer(ServerSettings settings, CallScreener screener, OutboundSigner signer) throws IOException {
        this.settings = settings;
        this.allow = new AllowList(settings.allow());
        this.screener = new GuardedScreener(screener, settings.failsafeAction());
        VerifyScript verify = new VerifyScript(this.screener);
        this.handler = new SessionHandler(Map.of("verify", verify, "sign", new SignScript(signer)), verify, stats);
        this.perAddress = settings.maxSessionsPerAddress() > 0 ? new ConcurrentHashMap<>() : null;
        this.maxThreads = settings.maxSessions() + SPARE_THREADS;
        this.decisionNanos = settings.decisionDeadline().toNanos();
        long read = settings.readTimeout().toNanos();
        // the whole exchange: environment block, the screening, Asterisk's replies
        this.sessionNanos = decisionNanos + GuardedScreener.MARGIN.toNanos() + 2 * read;
        this.sweeper = new Sweeper(workers, this.screener);
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(settings.listen(), settings.backlog());
        listener.setSoTimeout(ACCEPT_WAKEUP_MILLIS);
    }

    /** Binds and starts serving, without outbound signing (the {@code sign} script answers UNSUPPORTED). */
    public static AgiServer start(ServerSettings settings, CallScreener screener) throws IOException {
        return start(settings, screener, null);
    }

    /** Binds and starts serving; {@code signer} (may be null) serves the {@code sign} script. */
    public static AgiServer start(ServerSettings settings, CallScreener screener, OutboundSigner signer)
            throws IOException {
        AgiServer s = new AgiServer(settings, screener, signer);
        s.sweeper.start();
        for (int i = 0; i < Math.min(2, s.maxThreads); i++) {
            s.spawn();
        }
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

    /**
     * Runs {@code listener} when the drain begins (before the listener closes), e.g. to report not-ready.
     * Listeners must return quickly and not throw.
     */
    public void onDrain(Runnable listener) {
        drainListeners.add(listener);
    }

    /** Starts one more server thread unless there are enough; returns whether it did. */
    private boolean spawn() {
        int n;
        do {
            n = threads.get();
            if (n >= maxThreads || draining || stopping) {
                return false;
            }
        } while (!threads.compareAndSet(n, n + 1));
        Worker w = new Worker();
        try {
            w.thread = Thread.ofPlatform().name("agi-" + n).daemon().unstarted(() -> work(w));
            workers.add(w);
            w.thread.start();
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            workers.remove(w);
            threads.decrementAndGet();
            LOG.error("cannot start a FastAGI server thread: {}", e.toString());
            return false;
        }
    }

    private void work(Worker w) {
        long idleSince = System.nanoTime();
        try {
            while (!draining && !stopping) { // the drain's last accepts are shutdown()'s alone
                Socket s;
                idle.incrementAndGet();
                try {
                    s = listener.accept();
                } catch (SocketTimeoutException e) {
                    idle.decrementAndGet();
                    if (System.nanoTime() - idleSince > KEEP_ALIVE_NANOS && retire()) {
                        return;
                    }
                    continue;
                } catch (IOException e) {
                    idle.decrementAndGet();
                    if (stopping || draining) {
                        return;
                    }
                    LOG.warn("accept failed: {}", e.getMessage());
                    pause(); // e.g. out of file descriptors: do not spin
                    continue;
                }
                if (idle.decrementAndGet() <= 0) {
                    spawn(); // someone must be accepting while this thread serves
                }
                Worker.Session session = admit(s);
                if (session != null) {
                    serve(w, session);
                }
                idleSince = System.nanoTime();
            }
        } catch (Throwable t) {
            stats.uncaught.increment();
            LOG.error("uncaught in {}", Thread.currentThread().getName(), t);
        } finally {
            workers.remove(w);
            threads.decrementAndGet();
            if (!stopping && idle.get() <= 0) {
                spawn();
            }
        }
    }

    /** Whether this idle thread should end (more than the core threads are running). */
    private boolean retire() {
        int n;
        do {
            n = threads.get();
            if (n <= CORE_THREADS) {
                return false;
            }
        } while (!threads.compareAndSet(n, n - 1));
        threads.incrementAndGet(); // work()'s finally takes it back
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Admission at accept: the allow list, the per-address and total limits (evicting an idle session). */
    private Worker.Session admit(Socket s) {
        InetAddress from = s.getInetAddress();
        if (!allow.permits(from)) {
            stats.refusedNotAllowed.increment();
            allow.refused(from);
            closeQuietly(s);
            return null;
        }
        // (no refusal for shutting down: a connection accepted is served, even the last one accepted while
        // another thread closes the listener; the closed listener is what turns new ones away)
        if (perAddress != null) {
            AtomicInteger n = perAddress.computeIfAbsent(from, a -> new AtomicInteger());
            if (n.incrementAndGet() > settings.maxSessionsPerAddress() && !evictWaiting(from)) {
                n.decrementAndGet();
                refuseBusy(s, settings.maxSessionsPerAddress() + " sessions from " + from.getHostAddress()
                        + " in progress (server.max_sessions_per_address)");
                return null;
            }
        }
        if (active.incrementAndGet() > settings.maxSessions() && !evictWaiting(null)) {
            active.decrementAndGet();
            releaseAddress(from);
            refuseBusy(s, settings.maxSessions() + " calls in progress (server.max_sessions)");
            return null;
        }
        stats.accepted.increment();
        return new Worker.Session(s, System.nanoTime());
    }

    /**
     * Evicts the session (from {@code from}, or any when null) that has waited longest for its environment
     * block; false when every session holds a call.
     */
    private boolean evictWaiting(InetAddress from) {
        while (true) {
            Worker.Session oldest = null;
            for (Worker w : workers) {
                Worker.Session s = w.session;
                if (s != null && s.phase.get() == Worker.Session.WAITING && (from == null || from.equals(s.peer))
                        && (oldest == null || s.acceptedNanos - oldest.acceptedNanos < 0)) {
                    oldest = s;
                }
            }
            if (oldest == null) {
                return false;
            }
            if (oldest.evict()) {
                return true;
            }
        }
    }

    private void refuseBusy(Socket s, String why) {
        stats.refusedBusy.increment();
        long now = System.nanoTime();
        if (!stopping && now - lastBusyLog > BUSY_LOG_INTERVAL_NANOS) { // at most one line per interval
            lastBusyLog = now;
            LOG.warn("FastAGI connection from {} refused: {}; {} refused so far", s.getInetAddress().getHostAddress(),
                    why, stats.refusedBusy.sum());
        }
        closeQuietly(s);
    }

    private void releaseAddress(InetAddress from) {
        if (perAddress != null) {
            AtomicInteger n = perAddress.get(from);
            if (n != null && n.decrementAndGet() <= 0) {
                perAddress.remove(from, n); // a fresh counter is made on the next connection
            }
        }
    }

    private void serve(Worker w, Worker.Session session) {
        w.session = session;
        try {
            long start = session.acceptedNanos;
            Deadline deadline = Deadline.atNanos(start + decisionNanos);
            AgiConnection c = new AgiConnection(session.socket, w.buffer,
                    (int) Math.min(Integer.MAX_VALUE, settings.readTimeout().toMillis()), start + sessionNanos);
            EnvironmentBlock env = EnvironmentBlock.read(c);
            boolean evicted = !session.becomeCall();
            AgiSession s = new AgiSession(env, c, deadline, w, settings, stats);
            handler.handle(s, evicted, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (IOException e) { // setting up the socket
            stats.disconnected.increment();
        } finally {
            w.session = null;
            session.close();
            releaseAddress(session.peer);
            active.decrementAndGet();
        }
    }

    /**
     * The drain: tells the {@link #onDrain} listeners; serves the connections the kernel has already
     * completed (queued for accept), then closes the listener, so new connections are refused from then on
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
            }
        }
        acceptQueued();
        stopAccepting();
        long end = System.nanoTime() + grace.toNanos();
        while (active.get() > 0 && System.nanoTime() - end < 0) {
            pause10();
        }
        boolean drained = active.get() <= 0;
        if (!drained) {
            LOG.warn("shutdown: {} sessions still running after {} ms; closing them", active.get(), grace.toMillis());
            for (Worker w : workers) {
                Worker.Session s = w.session;
                if (s != null) {
                    s.close();
                }
            }
        }
        sweeper.stop();
        terminated.countDown();
        return drained;
    }

    /**
     * The drain's first step, on the draining thread alone: once no server thread is in {@code accept()} (each
     * leaves within one accept wake-up), the connections the kernel has already completed are accepted and
     * each served on a thread of its own, until an accept waits 1 ms in vain (with one thread accepting, a
     * timeout means the queue is empty, not that another thread held the listener) or {@link #QUEUED_NANOS}
     * have passed.
     */
    private void acceptQueued() {
        long leave = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * ACCEPT_WAKEUP_MILLIS);
        while (idle.get() > 0 && System.nanoTime() - leave < 0) {
            pause1();
        }
        long end = System.nanoTime() + QUEUED_NANOS;
        try {
            listener.setSoTimeout(1);
            while (System.nanoTime() - end < 0) {
                Socket s = listener.accept();
                Worker.Session session = admit(s);
                if (session != null) {
                    Worker w = new Worker();
                    workers.add(w);
                    w.thread = Thread.ofPlatform().name("agi-drain").daemon().start(() -> {
                        try {
                            serve(w, session);
                        } finally {
                            workers.remove(w);
                        }
                    });
                }
            }
        } catch (IOException e) {
            // the queue is empty (timeout), or the listener is gone
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.error("drain: cannot serve a queued connection: {}", e.toString());
        }
    }

    private static void pause1() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the listener: from now on connections are refused. */
    private void stopAccepting() {
        stopping = true;
        closeQuietly(listener);
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

    /** Server threads now (serving or accepting). */
    public int threads() {
        return threads.get();
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        return new Stats(stats.accepted.sum(), stats.refusedNotAllowed.sum(), allow.refusedAddresses(),
                stats.refusedBusy.sum(), stats.completed.sum(), stats.disconnected.sum(), stats.readTimeouts.sum(),
                stats.unknownScript.sum(), stats.failed.sum(), stats.uncaught.sum(), screener.timeouts.sum(),
                screener.errors.sum(), activeSessions(), stats.evicted.sum(), stats.silent.sum(),
                stats.unverifiable.sum(), stats.commandErrors.sum());
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
     */
    public record Stats(long accepted, long refusedNotAllowed, int refusedAddresses, long refusedBusy, long completed,
            long disconnected, long readTimeouts, long unknownScript, long failed, long uncaught,
            long deadlineFailsafe, long screenerErrors, int active, long evicted, long silent, long unverifiable,
            long commandErrors) {
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing: nothing more to do
        }
    }
}
