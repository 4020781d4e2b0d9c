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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
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

        StoreException(Failure failure, String message, Throwable cause) {
            super(message, cause, false, false);
            this.failure = failure;
        }
    }

    private final ReplaySettings.Store settings;
    private final HostAndPort address;
    private final JedisClientConfig config;
    private final ArrayBlockingQueue<Jedis> idle;
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean closed;

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
    }

    /**
     * Adds the call to the PASSporT's record and returns how many other calls carried it.
     *
     * @param ttl how long the store keeps the PASSporT if this is its first sighting
     * @param limit the longest this may take
     */
    int observe(String digest, String callId, Duration ttl, Duration limit) throws StoreException {
        String id = callId == null ? "" : callId.length() <= MAX_CALL_ID ? callId : "#" + sha1(callId).substring(0, 24);
        List<String> args = List.of(id, Long.toString(Math.max(1000, ttl.toMillis())),
                Integer.toString(ReplayDetector.MAX_CALLS_PER_DIGEST));
        List<String> keys = List.of(settings.keyPrefix() + digest);
        Object r = run(limit, j -> {
            try {
                return j.evalsha(SCRIPT_SHA, keys, args);
            } catch (JedisNoScriptException e) {
                return j.eval(SCRIPT, keys, args); // the store was restarted or flushed: EVAL caches it again
            }
        });
        if (r instanceof Long n) {
            return (int) Math.min(Integer.MAX_VALUE, Math.max(0, n));
        }
        throw new StoreException(Failure.ERROR, "unexpected reply " + r, null);
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

    @Override
    public void close() {
        closed = true;
        discardIdle();
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
