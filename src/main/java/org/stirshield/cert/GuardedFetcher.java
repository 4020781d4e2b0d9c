package org.stirshield.cert;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guarded HTTP(S) GET for an x5u certificate chain or a CRL (CRT-01, CRT-05), with
 * java.net.http and nothing hand-written on the wire.
 *
 * <p><b>DNS pinning.</b> The host is resolved exactly once; every answer is checked by the
 * {@link AddressGuard}; the request then goes to <em>that</em> address as an IP-literal URI, so the
 * HTTP client never resolves the name again and a DNS answer that changes between check and connect
 * (DNS rebinding) cannot redirect the connection. The original host name travels in three places:
 * the TLS SNI extension (set through {@link HttpClient.Builder#sslParameters}: java.net.http sends
 * the configured SNI names when the URI host is an IP literal), the certificate check (the JDK trust
 * manager with endpoint identification "HTTPS" checks the SNI name first; {@link
 * HostnameTrustManager} additionally requires a dNSName SAN match so the JDK's fallback to the IP
 * literal cannot accept a certificate issued to the IP), and the HTTP {@code Host} header (a
 * restricted header in java.net.http: allowed by setting {@code jdk.httpclient.allowRestrictedHeaders=host}
 * before the HTTP client classes initialise, which this class does; see {@link #HOST_HEADER}).
 * Each host name has its own client and SSLContext (a bounded cache of them), so neither pooled
 * connections nor TLS sessions are ever shared between host names that resolve to the same address.
 *
 * <p><b>Bounds.</b> Connect timeout; one deadline for the whole fetch (resolve, connect, TLS,
 * headers, body) that is the earlier of the fetch timeout and the caller's deadline; the body is
 * counted while it streams and the exchange is cancelled at the limit (a Content-Length over the
 * limit is refused before reading); no redirects unless configured (then one, same host, port and scheme,
 * guarded again).
 */
final class GuardedFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedFetcher.class);

    /** Whether java.net.http lets us set {@code Host} (see class comment). */
    static final boolean HOST_HEADER = enableHostHeader();

    /** Resolving host names; the JDK resolver in production, a fixed table in tests. */
    interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        Resolver SYSTEM = host -> Arrays.asList(InetAddress.getAllByName(host));
    }

    /** The guard's decision log: what was resolved, what was decided, where a connection was opened. */
    interface Trace {
        default void resolved(String host, List<InetAddress> addresses) {
        }

        default void decided(String host, AddressGuard.Decision decision) {
        }

        default void connecting(String host, InetSocketAddress address) {
        }

        Trace NONE = new Trace() { };
    }

    /** A 2xx response: the body and what it says about freshness. */
    record Response(byte[] body, HttpHeaders headers, InetSocketAddress address, Duration elapsed) {
        /** Cache-Control max-age, else Expires − Date, if the server said so. */
        Optional<Duration> freshness(Instant now) {
            for (String cc : headers.allValues("cache-control")) {
                for (String d : cc.split(",")) {
                    String t = d.trim().toLowerCase(Locale.ROOT);
                    if (t.startsWith("max-age=")) {
                        try {
                            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(t.substring(8).replace("\"", "")))));
                        } catch (NumberFormatException | ArithmeticException e) {
                            return Optional.empty();
                        }
                    }
                }
            }
            Optional<Instant> expires = httpDate(headers.firstValue("expires"));
            if (expires.isPresent()) {
                Instant base = httpDate(headers.firstValue("date")).orElse(now);
                Duration d = Duration.between(base, expires.get());
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            }
            return Optional.empty();
        }

        private static Optional<Instant> httpDate(Optional<String> v) {
            try {
                return v.map(s -> ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    private final UrlRules rules;
    private final AddressGuard guard;
    private final Resolver resolver;
    private final TlsTrust trust;
    private final Duration connectTimeout;
    private final Duration fetchTimeout;
    private final int maxRedirects;
    private final Trace trace;
    private final ExecutorService executor;
    /** Per scheme + host name; an evicted client finishes its exchanges and stops (shutdown()). */
    private final com.github.benmanes.caffeine.cache.Cache<String, HttpClient> clients =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .maximumSize(256)
                    .expireAfterAccess(Duration.ofMinutes(10))
                    .executor(Runnable::run)
                    .<String, HttpClient>removalListener((k, c, cause) -> {
                        if (c != null) {
                            c.shutdown();
                        }
                    })
                    .build();

    GuardedFetcher(UrlRules rules, AddressGuard guard, Resolver resolver, TlsTrust trust, Duration connectTimeout,
            Duration fetchTimeout, int maxRedirects, Trace trace, ExecutorService executor) {
        this.rules = rules;
        this.guard = guard;
        this.resolver = resolver;
        this.trust = trust;
        this.connectTimeout = connectTimeout;
        this.fetchTimeout = fetchTimeout;
        this.maxRedirects = maxRedirects;
        this.trace = trace;
        this.executor = executor;
    }

    /** The host name {@code url} names, once the URL rules accept it (BAD_URL otherwise); no I/O. */
    String host(String url, UrlRules.Kind kind) throws CredentialException {
        return rules.check(url, kind).host();
    }

    /**
     * GETs {@code url}. Never takes longer than the fetch timeout or {@code deadline}, never reads more
     * than {@code maxBytes} of body, never connects to an address the guard refuses.
     */
    Response fetch(String url, UrlRules.Kind kind, long maxBytes, Deadline deadline) throws CredentialException {
        long start = System.nanoTime();
        Deadline d = deadline.atMost(fetchTimeout);
        UrlRules.Target target = rules.check(url, kind);
        for (int hop = 0; ; hop++) {
            Hop result = hop(target, maxBytes, d);
            int status = result.response.statusCode();
            if (status >= 200 && status < 300) {
                return new Response(result.response.body(), result.response.headers(), result.address,
                        Duration.ofNanos(System.nanoTime() - start));
            }
            if (status >= 300 && status < 400 && status != 304) {
                Optional<String> location = result.response.headers().firstValue("location");
                if (hop >= maxRedirects || location.isEmpty()) {
                    throw new CredentialException(CredentialFailure.HTTP_STATUS, where(target) + ": HTTP " + status
                            + " redirect not followed (certificates.max_redirects=" + maxRedirects + ")");
                }
                target = redirectTarget(target, location.get(), kind);
                continue;
            }
            if (status >= 500) {
                throw new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": HTTP " + status);
            }
            throw new CredentialException(CredentialFailure.HTTP_STATUS, where(target) + ": HTTP " + status);
        }
    }

    private UrlRules.Target redirectTarget(UrlRules.Target from, String location, UrlRules.Kind kind)
            throws CredentialException {
        URI next;
        try {
            next = from.uri().resolve(location.trim());
        } catch (IllegalArgumentException e) {
            throw new CredentialException(CredentialFailure.HTTP_STATUS, where(from) + ": bad redirect Location");
        }
        UrlRules.Target t;
        try {
            t = rules.check(next.toString(), kind);
        } catch (CredentialException e) {
            throw new CredentialException(CredentialFailure.HTTP_STATUS, where(from) + ": redirect refused: " + e.getMessage());
        }
        if (!t.host().equals(from.host()) || !t.scheme().equals(from.scheme()) || t.port() != from.port()) {
            throw new CredentialException(CredentialFailure.HTTP_STATUS, where(from)
                    + ": redirect to another host, port or scheme refused: "
                    + Printable.of(t.scheme() + "://" + t.host() + ":" + t.port()));
        }
        return t;
    }

    private record Hop(HttpResponse<byte[]> response, InetSocketAddress address) {
    }

    private Hop hop(UrlRules.Target target, long maxBytes, Deadline d) throws CredentialException {
        InetAddress address = resolveAndCheck(target, d);
        InetSocketAddress socket = new InetSocketAddress(address, target.port());
        URI pinned = URI.create(target.scheme() + "://" + literal(address) + ":" + target.port() + target.pathAndQuery());
        Duration left = remainingOrTimeout(d, target);
        HttpClient client;
        try {
            client = clients.get(target.scheme() + "://" + target.host(), k -> newClient(target));
        } catch (IllegalArgumentException e) { // SNIHostName refuses the name (e.g. a label over 63 characters)
            throw new CredentialException(CredentialFailure.BAD_URL, where(target) + ": host name not usable for TLS");
        } catch (IllegalStateException e) { // no TLS: the trust store or the SSLContext failed (TlsTrust)
            throw new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": " + e.getMessage());
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(pinned)
                .GET()
                .timeout(left)
                .header("Accept", "application/pem-certificate-chain, application/pkix-cert, application/pkix-crl, */*;q=0.1")
                .header("User-Agent", "StirShield");
        if (HOST_HEADER) {
            boolean defaultPort = target.port() == (target.https() ? 443 : 80);
            req.header("Host", hostForHeader(target.host()) + (defaultPort ? "" : ":" + target.port()));
        }
        trace.connecting(target.host(), socket);
        CompletableFuture<HttpResponse<byte[]>> f = client.sendAsync(req.build(), info -> LimitedBody.of(info, maxBytes));
        try {
            long nanos = d.remaining().toNanos();
            return new Hop(f.get(Math.max(nanos, 1), TimeUnit.NANOSECONDS), socket);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": no complete answer within "
                    + fetchTimeout.toMillis() + " ms fetch timeout / call deadline");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": interrupted");
        } catch (ExecutionException | CancellationException e) {
            throw failure(target, e instanceof ExecutionException ? e.getCause() : e);
        }
    }

    /**
     * The client for one scheme + host name, with its own SSLContext (so TLS sessions are never resumed
     * across host names) and SNI set to the name. Its connection pool is keyed by the IP literal, so a
     * pooled connection is reused only for the same name and a checked address.
     */
    private HttpClient newClient(UrlRules.Target target) {
        SSLContext ssl = HostnameTrustManager.context(trust.get());
        SSLParameters params = ssl.getDefaultSSLParameters();
        if (target.https() && !target.hostIsLiteral()) {
            params.setServerNames(List.of(new SNIHostName(target.host())));
        }
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(connectTimeout)
                .sslContext(ssl)
                .sslParameters(params)
                .executor(executor)
                .build();
    }

    private InetAddress resolveAndCheck(UrlRules.Target target, Deadline d) throws CredentialException {
        List<InetAddress> addresses;
        byte[] literal = Cidr.literal(target.host());
        if (literal != null) {
            try {
                addresses = List.of(InetAddress.getByAddress(literal));
            } catch (UnknownHostException e) {
                throw new CredentialException(CredentialFailure.BAD_URL, where(target) + ": bad IP literal");
            }
        } else {
            CompletableFuture<List<InetAddress>> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return resolver.resolve(target.host());
                } catch (UnknownHostException e) {
                    throw new CompletionException(e);
                }
            }, executor);
            try {
                addresses = f.get(Math.max(1, d.remaining().toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": DNS lookup timed out");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": interrupted");
            } catch (ExecutionException e) {
                throw new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": DNS lookup failed");
            }
        }
        trace.resolved(target.host(), addresses);
        if (addresses == null || addresses.isEmpty()) {
            throw new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": no address");
        }
        // Every answer must pass: a mix of public and internal answers is a rebinding attempt.
        List<String> refused = new ArrayList<>();
        for (InetAddress a : addresses) {
            AddressGuard.Decision decision = guard.check(a);
            trace.decided(target.host(), decision);
            if (!decision.allowed()) {
                refused.add(a.getHostAddress() + " (" + decision.rule() + ")");
            }
        }
        if (!refused.isEmpty()) {
            LOG.warn("refused {}: resolves to {}", where(target), refused);
            throw new CredentialException(CredentialFailure.ADDRESS_REFUSED,
                    where(target) + ": address refused: " + String.join(", ", refused));
        }
        return addresses.get(0);
    }

    private static CredentialException failure(UrlRules.Target target, Throwable t) {
        Throwable c = t;
        for (int i = 0; i < 10 && c != null; i++) {
            if (c instanceof LimitedBody.TooLarge tl) {
                return new CredentialException(CredentialFailure.TOO_LARGE, where(target) + ": " + tl.getMessage());
            }
            if (c instanceof HttpConnectTimeoutException) {
                return new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": connect timed out");
            }
            if (c instanceof HttpTimeoutException) {
                return new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": timed out");
            }
            if (c instanceof SSLException) {
                return new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": TLS failed: "
                        + Printable.of(String.valueOf(c.getMessage())));
            }
            if (c instanceof ConnectException) {
                return new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": connect failed");
            }
            c = c.getCause();
        }
        String why = t instanceof IOException || t instanceof CancellationException ? String.valueOf(t.getMessage()) : t.toString();
        return new CredentialException(CredentialFailure.UNREACHABLE, where(target) + ": " + Printable.of(why));
    }

    private static Duration remainingOrTimeout(Deadline d, UrlRules.Target target) throws CredentialException {
        Duration left = d.remaining();
        if (left.isZero()) {
            throw new CredentialException(CredentialFailure.TIMEOUT, where(target) + ": no time left before connecting");
        }
        return left;
    }

    private static String literal(InetAddress a) {
        if (a instanceof Inet6Address) {
            String s = a.getHostAddress();
            int pct = s.indexOf('%');
            return "[" + (pct < 0 ? s : s.substring(0, pct)) + "]";
        }
        return a.getHostAddress();
    }

    private static String hostForHeader(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String where(UrlRules.Target t) {
        return Printable.of(t.scheme() + "://" + t.host() + ":" + t.port() + t.pathAndQuery());
    }

    private static boolean enableHostHeader() {
        String key = "jdk.httpclient.allowRestrictedHeaders";
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            System.setProperty(key, "host");
        } else if (!Arrays.asList(v.toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("host")) {
            System.setProperty(key, v + ",host");
        }
        try {
            HttpRequest.newBuilder(URI.create("https://127.0.0.1/")).header("Host", "probe");
            return true;
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(GuardedFetcher.class).warn("java.net.http was initialised before StirShield could "
                    + "allow the Host header; start the JVM with -Djdk.httpclient.allowRestrictedHeaders=host. "
                    + "Fetches will carry the IP literal as Host (SNI and certificate checks still use the name).");
            return false;
        }
    }

    /**
     * Loads and initialises the TLS and HTTP client code (an SSLEngine producing a ClientHello, an
     * HttpClient) without any network I/O, so the first real fetch after start does not spend its
     * connect timeout on class loading (measured: over a second on a busy 2-core machine).
     */
    void warmUp() {
        trust.warmUp();
        if (trust.problem() != null) {
            LOG.error("certificate fetches: {}", trust.problem());
            return;
        }
        try {
            SSLContext ctx = HostnameTrustManager.context(trust.get());
            javax.net.ssl.SSLEngine engine = ctx.createSSLEngine("warm.up.invalid", 443);
            engine.setUseClientMode(true);
            engine.beginHandshake();
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            HttpClient c = HttpClient.newBuilder().sslContext(ctx).executor(executor).build();
            HttpRequest.newBuilder(URI.create("https://127.0.0.1/")).GET().build();
            c.shutdownNow();
        } catch (Exception | LinkageError e) {
            LOG.debug("TLS warm-up failed: {}", e.toString());
        }
    }

    /** Why this fetcher cannot make TLS connections (its trust store failed), or null. */
    String problem() {
        return trust.problem();
    }

    @Override
    public void close() {
        clients.asMap().values().forEach(HttpClient::shutdownNow);
        clients.invalidateAll();
    }

    /** Collects a body up to a limit while it streams; cancels the exchange beyond it. */
    static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        static final class TooLarge extends IOException {
            TooLarge(String m) {
                super(m, null);
            }
        }

        private final long max;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream buffer;
        private Flow.Subscription subscription;
        private long received;

        private LimitedBody(long max) {
            this.max = max;
            this.buffer = new java.io.ByteArrayOutputStream((int) Math.min(max, 8192));
        }

        static HttpResponse.BodySubscriber<byte[]> of(HttpResponse.ResponseInfo info, long max) {
            LimitedBody body = new LimitedBody(max);
            long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
            if (declared > max) {
                body.result.completeExceptionally(new TooLarge("Content-Length " + declared + " over the " + max + " byte limit"));
            }
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (result.isDone()) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                received += b.remaining();
                if (received > max) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge("body over the " + max + " byte limit"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                buffer.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }

        @Override
        public java.util.concurrent.CompletionStage<byte[]> getBody() {
            return result;
        }
    }
}
