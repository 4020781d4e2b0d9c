package org.stirshield.audit;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The shared replay store in Redis or Valkey: one atomic script per call, the same on every instance.
 *
 * <p>Per PASSporT one hash, {@code key_prefix + digest}: a field {@code c:<call id>} per distinct call (at
 * most {@link ReplayDetector#MAX_CALLS_PER_DIGEST}), and a field {@code n} counting sightings without a call
 * id or beyond that cap; it expires when the PASSporT stops passing the freshness check (a relative PEXPIRE,
 * so the store's clock does not matter). The script adds this call and returns how many other calls carried
 * the PASSporT, in one round trip ({@link #SCRIPT}).
 *
 * <p>Never slower than its limit on a call's thread: calls only borrow connections that are already open and
 * authenticated (opening, TLS handshakes and AUTH happen in {@link #fill()}, on the background prober), wait
 * at most the limit for one, and read the answer with the socket timeout set to what is left of it. A
 * connection that timed out or failed is closed, never reused (its answer may still arrive).
 *
 * <p>A thread that must not wait at all (the FastAGI server's event loop) hands its operation over instead
 * ({@link #observeLater}): one of {@code connections} dispatcher threads takes every operation queued at that
 * moment (at most {@link #MAX_BATCH}), sends them pipelined on one connection, one write and one read for the
 * lot, and completes each one's future with its answer. The queue holds at most {@link #MAX_QUEUED}
 * operations; beyond that an operation fails at once (the store is not keeping up).
 */
final class RedisReplayStore implements AutoCloseable {
    /** KEYS[1] the PASSporT; ARGV: call id ('' none), ms until it expires, call ids kept at most. */
    static final String SCRIPT = """
            local k = KEYS[1]
            local anon = tonumber(redis.call('HGET', k, 'n')) or 0
            local named = redis.call('HLEN', k)
            if anon > 0 then named = named - 1 end
            local id = ARGV[1]
            if id ~= '' and redis.call('HEXISTS', k, 'c:' .. id) == 1 then
              return named + anon - 1
            end
            if id == '' or named >= tonumber(ARGV[3]) then
              redis.call('HINCRBY', k, 'n', 1)
            else
              redis.call('HSET', k, 'c:' .. id, '1')
            end
            if named + anon == 0 then
              redis.call('PEXPIRE', k, ARGV[2])
            end
            return named + anon
            """;
    static final String SCRIPT_SHA = sha1(SCRIPT);
    /** Call ids longer than this are stored as a digest (a SIP Call-ID can be long; memory stays bounded). */
    static final int MAX_CALL_ID = 64;

    /** Operations one dispatcher sends in one pipelined round trip, at most. */
    static final int MAX_BATCH = 64;
    /** Operations waiting for a dispatcher, at most. */
    static final int MAX_QUEUED = 4096;

    /** How an operation failed. */
    enum Failure {
        /** no answer within the limit */
        TIMEOUT,
        /** refused, reset, or an error reply */
        ERROR,
        /** every open connection in use for the whole limit, or none open */
        UNAVAILABLE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An operation that failed, and how. */
    static final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;
        final Failure failure;
        /**
         * Never sent: it waited for a dispatcher until its call's deadline. A sign of this process being held up
         * (a pause, a full machine), not of the store: detection does not fall back for it.
         */
        final boolean expiredInQueue;

        StoreException(Failure failure, String message, Throwable cause) {
            this(failure, message, cause, false);
        }

        private StoreException(Failure failure, String message, Throwable cause, boolean expiredInQueue) {
            super(message, cause, false, false);
            this.failure = failure;
            this.expiredInQueue = expiredInQueue;
        }
    }

    private final ReplaySettings.Store settings;
    private final HostAndPort address;
    private final JedisClientConfig config;
    private final ArrayBlockingQueue<Jedis> idle;
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean closed;
    /** Operations handed over by threads that must not wait ({@link #observeLater}), for the dispatchers. */
    private final ArrayBlockingQueue<Queued> queued = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final List<Thread> dispatchers = new ArrayList<>();

    /**
     * One handed-over operation: the script's key and arguments, how long the store may take once it is sent,
     * the call's deadline ({@link System#nanoTime()}), and its answer.
     */
    private record Queued(List<String> keys, List<String> args, long limitNanos, long deadlineNanos,
            CompletableFuture<Integer> answer) {
        /** How long the store may take if sent now: its limit, no later than the call's deadline. */
        long leftNanos(long now) {
            return Math.min(limitNanos, deadlineNanos - now);
        }
    }

    RedisReplayStore(ReplaySettings.Store settings) {
        this.settings = settings;
        this.address = new HostAndPort(settings.host(), settings.port());
        this.idle = new ArrayBlockingQueue<>(settings.connections());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) Math.max(1000, settings.timeout().toMillis()))
                .socketTimeoutMillis((int) Math.max(1000, settings.timeout().toMillis()))
                .database(settings.database())
                .clientName("stirshield")
                .autoNegotiateProtocol(false) // RESP2, no HELLO round trip
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (settings.user() != null) {
            b.user(settings.user());
        }
        if (settings.password() != null) {
            b.password(settings.password());
        }
        if (settings.tls()) {
            SSLParameters params = new SSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
            b.ssl(true).sslSocketFactory(tlsContext(settings).getSocketFactory()).sslParameters(params);
        }
        this.config = b.build();
        for (int i = 0; i < settings.connections(); i++) {
            dispatchers.add(Thread.ofPlatform().name("replay-store-" + i).daemon().start(this::dispatch));
        }
    }

    /**
     * Adds the call to the PASSporT's record and returns how many other calls carried it.
     *
     * @param ttl how long the store keeps the PASSporT if this is its first sighting
     * @param limit the longest this may take
     */
    int observe(String digest, String callId, Duration ttl, Duration limit) throws StoreException {
        List<String> args = args(callId, ttl);
        List<String> keys = List.of(settings.keyPrefix() + digest);
        return count(run(limit, j -> {
            try {
                return j.evalsha(SCRIPT_SHA, keys, args);
            } catch (JedisNoScriptException e) {
                return j.eval(SCRIPT, keys, args); // the store was restarted or flushed: EVAL caches it again
            }
        }));
    }

    /**
     * {@link #observe} without waiting: the operation is queued for a dispatcher, and the future completes (on
     * the dispatcher's thread) with the count or a {@link StoreException}. Once sent, the store gets at most
     * {@code limit}, and never beyond the call's deadline ({@code deadlineNanos} on the {@link System#nanoTime()}
     * clock): time spent in the queue (a pause of this process) is not held against the store.
     */
    CompletableFuture<Integer> observeLater(String digest, String callId, Duration ttl, Duration limit,
            long deadlineNanos) {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        Queued q = new Queued(List.of(settings.keyPrefix() + digest), args(callId, ttl), limit.toNanos(),
                deadlineNanos, answer);
        if (closed) {
            answer.completeExceptionally(new StoreException(Failure.UNAVAILABLE, "closed", null));
        } else if (!queued.offer(q)) {
            answer.completeExceptionally(new StoreException(Failure.UNAVAILABLE,
                    MAX_QUEUED + " operations already waiting for the store", null));
        } else if (closed && queued.remove(q)) { // closed meanwhile: the dispatchers may have drained the queue
            answer.completeExceptionally(new StoreException(Failure.UNAVAILABLE, "closed", null));
        }
        return answer;
    }

    private static List<String> args(String callId, Duration ttl) {
        String id = callId == null ? "" : callId.length() <= MAX_CALL_ID ? callId : "#" + sha1(callId).substring(0, 24);
        return List.of(id, Long.toString(Math.max(1000, ttl.toMillis())),
                Integer.toString(ReplayDetector.MAX_CALLS_PER_DIGEST));
    }

    private static int count(Object reply) throws StoreException {
        if (reply instanceof Long n) {
            return (int) Math.min(Integer.MAX_VALUE, Math.max(0, n));
        }
        throw new StoreException(Failure.ERROR, "unexpected reply " + reply, null);
    }

    /** A dispatcher: takes what is queued, sends it in one pipelined round trip, answers each; until closed. */
    private void dispatch() {
        List<Queued> batch = new ArrayList<>(MAX_BATCH);
        while (!closed) {
            try {
                batch.add(queued.take());
            } catch (InterruptedException e) {
                continue; // close() interrupts: the loop condition decides
            }
            queued.drainTo(batch, MAX_BATCH - 1);
            try {
                send(batch);
            } catch (StoreException e) {
                for (Queued q : batch) {
                    q.answer.completeExceptionally(e);
                }
            } catch (Throwable e) { // a bug or an Error must neither end the dispatcher nor leave its batch unanswered
                StoreException failed = new StoreException(Failure.ERROR, describe(e), e);
                for (Queued q : batch) {
                    q.answer.completeExceptionally(failed);
                }
            }
            batch.clear();
        }
        failQueued();
    }

    /** Fails every operation still queued: the store is closed. */
    private void failQueued() {
        StoreException closing = new StoreException(Failure.UNAVAILABLE, "closed", null);
        Queued q;
        while ((q = queued.poll()) != null) {
            q.answer.completeExceptionally(closing);
        }
    }

    /**
     * The script for each of {@code ops}, sent on {@code j} in one write and read in one go: each reply, or the
     * {@link JedisDataException} of an error reply for that one only (the connection stays in sync).
     */
    private static Object[] pipelined(Jedis j, List<Queued> ops) {
        Pipeline p = new Pipeline(j.getConnection());
        List<Response<Object>> responses = new ArrayList<>(ops.size());
        for (Queued q : ops) {
            responses.add(p.evalsha(SCRIPT_SHA, q.keys, q.args));
        }
        p.sync();
        Object[] out = new Object[ops.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = responses.get(i).get();
            } catch (JedisDataException e) {
                out[i] = e;
            }
        }
        return out;
    }

    /** Sends {@code batch} pipelined on one connection within the earliest of its limits, and answers each. */
    private void send(List<Queued> batch) throws StoreException {
        long now = System.nanoTime();
        long earliest = Long.MAX_VALUE;
        for (int i = batch.size() - 1; i >= 0; i--) {
            Queued q = batch.get(i);
            long left = q.leftNanos(now);
            if (left < TimeUnit.MILLISECONDS.toNanos(1)) { // waited in the queue until its call's deadline
                q.answer.completeExceptionally(new StoreException(Failure.TIMEOUT,
                        "no time left before the call's deadline", null, true));
                batch.remove(i);
            } else {
                earliest = Math.min(earliest, left);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        Object[] replies = (Object[]) run(Duration.ofNanos(earliest), j -> {
            Object[] out = pipelined(j, batch);
            List<Queued> noScript = new ArrayList<>(); // the store was restarted or flushed
            for (int i = 0; i < out.length; i++) {
                if (out[i] instanceof JedisNoScriptException) {
                    noScript.add(batch.get(i));
                }
            }
            if (!noScript.isEmpty()) { // load the script once, then send those again, pipelined
                Object[] again;
                try {
                    j.scriptLoad(SCRIPT);
                    again = pipelined(j, noScript);
                } catch (JedisDataException e) { // SCRIPT LOAD refused (e.g. OOM): those fail, the rest stand
                    again = new Object[noScript.size()];
                    Arrays.fill(again, e);
                }
                for (int i = 0, k = 0; i < out.length; i++) {
                    if (out[i] instanceof JedisNoScriptException) {
                        out[i] = again[k++];
                    }
                }
            }
            return out;
        });
        for (int i = 0; i < replies.length; i++) {
            CompletableFuture<Integer> answer = batch.get(i).answer;
            try {
                if (replies[i] instanceof JedisDataException e) {
                    throw new StoreException(Failure.ERROR, describe(e), e);
                }
                answer.complete(count(replies[i]));
            } catch (StoreException e) {
                answer.completeExceptionally(e);
            }
        }
    }

    /** PING within {@code limit}, on an open connection: does the store answer calls in time? */
    void ping(Duration limit) throws StoreException {
        run(limit, Jedis::ping);
    }

    private interface Op {
        Object apply(Jedis j);
    }

    private Object run(Duration limit, Op op) throws StoreException {
        long start = System.nanoTime();
        long budget = limit.toNanos();
        Jedis j;
        try {
            j = idle.poll(budget, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(Failure.UNAVAILABLE, "interrupted", e);
        }
        if (j == null) {
            throw new StoreException(open.get() == 0 ? Failure.UNAVAILABLE : Failure.TIMEOUT,
                    open.get() == 0 ? "no connection open" : "all " + open.get() + " connections busy", null);
        }
        boolean reusable = false;
        try {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(budget - (System.nanoTime() - start));
            if (leftMillis < 1) {
                reusable = true;
                throw new StoreException(Failure.TIMEOUT, "no time left", null);
            }
            j.getConnection().setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis)); // 0 would be "forever"
            Object r = op.apply(j);
            reusable = true;
            return r;
        } catch (JedisConnectionException e) {
            boolean timeout = hasCause(e, SocketTimeoutException.class);
            throw new StoreException(timeout ? Failure.TIMEOUT : Failure.ERROR, describe(e), e);
        } catch (JedisDataException e) {
            reusable = true; // an error reply (e.g. OOM, NOAUTH): the connection itself is in sync
            throw new StoreException(Failure.ERROR, describe(e), e);
        } catch (JedisException | IllegalStateException e) {
            throw new StoreException(Failure.ERROR, describe(e), e);
        } finally {
            if (reusable && !closed && !j.getConnection().isBroken() && idle.offer(j)) {
                j = null;
            }
            if (j != null) {
                discard(j);
            }
        }
    }

    /**
     * Opens connections until {@code connections} are open: connect, TLS, AUTH, SELECT and loading the script,
     * with a 1 s limit each. Runs on the background prober only, never on a call's thread.
     */
    void fill() throws StoreException {
        while (!closed && open.get() < settings.connections()) {
            Jedis j = null;
            open.incrementAndGet();
            try {
                j = new Jedis(address, config); // connects, TLS, AUTH, SELECT
                j.scriptLoad(SCRIPT);
            } catch (JedisException e) {
                if (j != null) {
                    discard(j);
                } else {
                    open.decrementAndGet();
                }
                throw new StoreException(hasCause(e, SocketTimeoutException.class) ? Failure.TIMEOUT : Failure.ERROR,
                        describe(e), e);
            }
            if (closed || !idle.offer(j)) {
                discard(j);
                return;
            }
        }
    }

    /** Closes every idle connection (after a failure: they are probably dead too). */
    void discardIdle() {
        Jedis j;
        while ((j = idle.poll()) != null) {
            discard(j);
        }
    }

    /** Connections open now (idle or in use). */
    int openConnections() {
        return open.get();
    }

    ReplaySettings.Store settings() {
        return settings;
    }

    private void discard(Jedis j) {
        open.decrementAndGet();
        try {
            j.close();
        } catch (RuntimeException ignored) {
            // closing a dead connection: nothing more to do
        }
    }

    /** Operations handed over and not yet taken by a dispatcher. */
    int queuedOperations() {
        return queued.size();
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : dispatchers) {
            t.interrupt();
        }
        discardIdle();
        long end = System.nanoTime() + 2 * Math.max(settings.timeout().toNanos(), TimeUnit.MILLISECONDS.toNanos(100));
        try {
            for (Thread t : dispatchers) { // each ends once its batch's round trip is over, at most the timeout
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failQueued();
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    private static SSLContext tlsContext(ReplaySettings.Store s) {
        try {
            KeyStore anchors = null;
            if (s.tlsCaFile() != null) {
                anchors = KeyStore.getInstance("PKCS12");
                anchors.load(null, null);
                try (InputStream in = Files.newInputStream(s.tlsCaFile())) {
                    int i = 0;
                    for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        anchors.setCertificateEntry("ca" + i++, c);
                    }
                    if (i == 0) {
                        throw new GeneralSecurityException("no certificate in it");
                    }
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("audit.replay.tls_ca_file: "
                    + (s.tlsCaFile() == null ? "the JDK trust store" : s.tlsCaFile().toAbsolutePath()) + ": "
                    + e.getMessage(), e);
        }
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
