package org.stirshield.cert;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RCD content (RFC 9795 {@code icn}, {@code jcl}, jCard URIs) through the {@link GuardedFetcher} that
 * fetches certificates, with the same guards: https only (whatever {@code certificates.allow_http}
 * says), the address guard and DNS pinning, the connect and fetch timeouts and the call's deadline, a
 * size limit per item ({@code verification.rcd_max_bytes}). Cached like certificates: single flight per
 * URL, lifetime max(min_ttl, Cache-Control max-age / Expires) at most max_ttl, a failure remembered for
 * negative_ttl, total bytes bounded ({@code verification.rcd_cache_bytes}). Each fetch is reported to the
 * {@link CertificateEvents} as {@link CertificateEvents.Fetch#RCD}. Thread-safe.
 */
public final class CachedContentSource implements ContentSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CachedContentSource.class);

    private record Entry(byte[] body, CredentialFailure failure, String message, long expiresAt) {
        int weight() {
            return body == null ? 64 : Math.max(64, body.length);
        }
    }

    private final FetchSettings settings;
    private final GuardedFetcher fetcher;
    private final CertificateEvents events;
    private final long maxBytes;
    private final Ticker ticker;
    private final Clock clock;
    private final ExecutorService executor;
    private final AsyncCache<String, Entry> cache;

    CachedContentSource(FetchSettings settings, GuardedFetcher fetcher, CertificateEvents events, long maxBytes,
            long cacheBytes, Ticker ticker, Clock clock, ExecutorService executor) {
        if (maxBytes < 1 || cacheBytes < maxBytes) {
            throw new IllegalArgumentException("rcd_max_bytes must be >= 1 and rcd_cache_bytes >= rcd_max_bytes");
        }
        this.settings = settings;
        this.fetcher = fetcher;
        this.events = events;
        this.maxBytes = maxBytes;
        this.ticker = ticker;
        this.clock = clock;
        this.executor = executor;
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumWeight(cacheBytes)
                .weigher((String k, Entry e) -> e.weight())
                .expireAfter(new ExpiresAt<Entry>(Entry::expiresAt))
                .buildAsync();
    }

    @Override
    public byte[] content(String url, Deadline deadline) throws CredentialException {
        if (url == null || url.isEmpty() || url.length() > UrlRules.MAX_URL_CHARS) {
            throw new CredentialException(CredentialFailure.BAD_URL, "RCD content URL empty or longer than "
                    + UrlRules.MAX_URL_CHARS + " characters");
        }
        CompletableFuture<Entry> f = cache.get(url, (k, ignored) -> CompletableFuture.supplyAsync(() -> load(k), executor));
        Entry e;
        try {
            // a fetch still running is a wait (unnamed: the watchdog says decision_timeout); a done one is not
            e = deadline.await(f, Deadline.Wait.DECISION);
        } catch (TimeoutException ex) {
            throw new CredentialException(CredentialFailure.TIMEOUT, "RCD content " + Printable.of(url)
                    + ": not fetched within the call's deadline (fetch continues for later calls)");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new CredentialException(CredentialFailure.TIMEOUT, "RCD content " + Printable.of(url) + ": interrupted");
        } catch (ExecutionException ex) {
            throw new CredentialException(CredentialFailure.UNREACHABLE, "RCD content " + Printable.of(url) + ": "
                    + ex.getCause());
        }
        if (e.body() == null) {
            throw new CredentialException(e.failure(), e.message());
        }
        return e.body().clone();
    }

    /**
     * One fetch, reported once to the events ({@code stirshield_cert_fetches_total{type="rcd"}}); never throws
     * (a failure is an entry remembered for negative_ttl).
     */
    private Entry load(String url) {
        long t0 = System.nanoTime();
        try {
            GuardedFetcher.Response r = fetcher.fetch(url, UrlRules.Kind.CONTENT, maxBytes,
                    Deadline.in(settings.fetchTimeout()));
            events.fetched(CertificateEvents.Fetch.RCD, null, Duration.ofNanos(System.nanoTime() - t0));
            Duration ttl = r.freshness(clock.instant()).orElse(Duration.ZERO);
            if (ttl.compareTo(settings.cache().minTtl()) < 0) {
                ttl = settings.cache().minTtl();
            }
            if (ttl.compareTo(settings.cache().maxTtl()) > 0) {
                ttl = settings.cache().maxTtl();
            }
            return new Entry(r.body(), null, null, ticker.read() + ttl.toNanos());
        } catch (CredentialException e) {
            events.fetched(CertificateEvents.Fetch.RCD, e.failure(), Duration.ofNanos(System.nanoTime() - t0));
            LOG.info("RCD content {}: {} ({}); remembered for {}", Printable.of(url), e.failure(), e.getMessage(),
                    settings.cache().negativeTtl());
            return new Entry(null, e.failure(), e.getMessage(), ticker.read() + settings.cache().negativeTtl().toNanos());
        } catch (RuntimeException e) {
            events.fetched(CertificateEvents.Fetch.RCD, CredentialFailure.UNREACHABLE, Duration.ofNanos(System.nanoTime() - t0));
            LOG.error("RCD content {}: unexpected failure", Printable.of(url), e);
            return new Entry(null, CredentialFailure.UNREACHABLE, "internal error: " + e,
                    ticker.read() + settings.cache().negativeTtl().toNanos());
        }
    }

    @Override
    public void close() {
        fetcher.close();
        executor.shutdownNow();
    }
}
