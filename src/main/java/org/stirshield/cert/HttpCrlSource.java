package org.stirshield.cert;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CRLs from the certificate's CRL Distribution Point (CRT-05; ATIS-1000080 §6.4.1: one
 * DistributionPoint, an http URL, DER CRL), fetched through the same {@link GuardedFetcher} (http is
 * allowed for CRLs, the address guard still applies), single-flight, cached until nextUpdate (at
 * most cache.max_ttl; crl.min_ttl when nextUpdate is absent or already past), a failure remembered
 * for cache.negative_ttl. A CRL is returned only if its issuer name is the issuer's subject and its
 * signature verifies with the issuer's key (checked once per CRL and issuer key); whether it is
 * current at the verification time is the validator's decision (RevocationMode). When no CRL can be
 * had, {@code crl.on_unavailable: fail} (default) answers REVOCATION_UNAVAILABLE and {@code ignore}
 * answers null (not checked). CRLs preloaded from files (verification.crl_files) are consulted first.
 */
public final class HttpCrlSource implements CrlSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpCrlSource.class);

    private record Entry(X509CRL crl, String error, long expiresAt, Map<PublicKey, Boolean> verified) {
    }

    private final FetchSettings settings;
    private final GuardedFetcher fetcher;
    private final CertificateEvents events;
    private final Ticker ticker;
    private final Clock clock;
    private final ExecutorService executor;
    private final AsyncCache<String, Entry> cache;
    private final CrlSource preloaded;
    /** Each certificate's CRL Distribution Point, parsed once per certificate, not per call. */
    private final CrlDistributionPoints distributionPoints = new CrlDistributionPoints();

    HttpCrlSource(FetchSettings settings, GuardedFetcher fetcher, CertificateEvents events, Ticker ticker, Clock clock,
            ExecutorService executor, CrlSource preloaded) {
        this.preloaded = preloaded;
        this.settings = settings;
        this.fetcher = fetcher;
        this.events = events == null ? CertificateEvents.NONE : events;
        this.ticker = ticker;
        this.clock = clock;
        this.executor = executor;
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumWeight(Math.max(settings.crl().maxBytes(), settings.crl().maxBytes() * 64))
                .weigher((String k, Entry e) -> e.crl == null ? 64 : (int) Math.min(Integer.MAX_VALUE, encodedLength(e.crl)))
                .expireAfter(new ExpiresAt<Entry>(Entry::expiresAt))
                .executor(Runnable::run) // cache upkeep on the calling thread: no pool thread woken per call
                .buildAsync();
    }

    @Override
    public X509CRL crlFor(X509Certificate cert, X509Certificate issuer, Instant at, Deadline deadline)
            throws CredentialException {
        if (preloaded != null) {
            X509CRL known = preloaded.crlFor(cert, issuer, at, deadline);
            if (known != null) {
                return known; // verification.crl_files first: an operator-supplied CRL needs no fetch
            }
        }
        String url = distributionPoints.url(cert);
        if (url == null) {
            return null;
        }
        CompletableFuture<Entry> f = cache.get(url, (k, ignored) -> CompletableFuture.supplyAsync(() -> load(k), executor));
        Entry e;
        try {
            e = deadline.await(f, Deadline.Wait.CRL_FETCH); // a CRL already fetched is no wait
        } catch (TimeoutException ex) {
            if (settings.crl().failWhenUnavailable()) {
                throw new CredentialException(CredentialFailure.CRL_TIMEOUT, "CRL " + Printable.of(url)
                        + ": not fetched within the call's deadline (fetch continues for later calls)");
            }
            return unavailable(url, "not fetched within the call's deadline");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return unavailable(url, "interrupted");
        } catch (ExecutionException ex) {
            return unavailable(url, String.valueOf(ex.getCause()));
        }
        if (e.crl() == null) {
            return unavailable(url, e.error());
        }
        X509CRL crl = e.crl();
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return unavailable(url, "CRL issuer " + crl.getIssuerX500Principal() + " is not the certificate's issuer");
        }
        Boolean ok = e.verified().computeIfAbsent(issuer.getPublicKey(), key -> {
            try {
                crl.verify(key);
                return true;
            } catch (java.security.GeneralSecurityException ex) {
                return false;
            }
        });
        if (!ok) {
            return unavailable(url, "CRL signature does not verify with the issuer's key");
        }
        return crl;
    }

    private X509CRL unavailable(String url, String why) throws CredentialException {
        if (settings.crl().failWhenUnavailable()) {
            throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE, "CRL " + Printable.of(url) + ": " + why);
        }
        LOG.debug("CRL {} unavailable ({}); crl.on_unavailable=ignore", Printable.of(url), why);
        return null;
    }

    private Entry load(String url) {
        long t0 = System.nanoTime();
        try {
            GuardedFetcher.Response r = fetcher.fetch(url, UrlRules.Kind.CRL, settings.crl().maxBytes(),
                    Deadline.in(settings.fetchTimeout()));
            X509CRL crl = parse(r.body());
            events.fetched(CertificateEvents.Fetch.CRL, null, r.elapsed());
            Instant now = clock.instant();
            Duration ttl = settings.crl().minTtl();
            if (crl.getNextUpdate() != null) {
                Duration untilNext = Duration.between(now, crl.getNextUpdate().toInstant());
                if (untilNext.compareTo(ttl) > 0) {
                    ttl = untilNext;
                }
            }
            if (ttl.compareTo(settings.cache().maxTtl()) > 0) {
                ttl = settings.cache().maxTtl();
            }
            return new Entry(crl, null, ticker.read() + ttl.toNanos(), new ConcurrentHashMap<>());
        } catch (CredentialException e) {
            Duration latency = Duration.ofNanos(System.nanoTime() - t0);
            events.fetched(CertificateEvents.Fetch.CRL, e.failure(), latency);
            LOG.info("CRL {}: {} ({})", Printable.of(url), e.failure(), e.getMessage());
            return new Entry(null, e.failure() + ": " + e.getMessage(),
                    ticker.read() + settings.cache().negativeTtl().toNanos(), Map.of());
        } catch (RuntimeException e) {
            LOG.error("CRL {}: unexpected failure", Printable.of(url), e);
            return new Entry(null, "internal error: " + e, ticker.read() + settings.cache().negativeTtl().toNanos(), Map.of());
        }
    }

    /** One DER CRL (ATIS-1000080 §6.4.1), or one PEM X509 CRL block. */
    private static X509CRL parse(byte[] body) throws CredentialException {
        try {
            java.util.List<X509CRL> crls = FileCrlSource.parse(body);
            if (crls.size() != 1) {
                throw new CredentialException(CredentialFailure.UNPARSEABLE, "CRL: expected one CRL, got " + crls.size());
            }
            return crls.get(0);
        } catch (java.security.cert.CRLException | RuntimeException e) {
            throw new CredentialException(CredentialFailure.UNPARSEABLE, "CRL unparseable: " + Printable.of(e.getMessage()));
        }
    }

    private static long encodedLength(X509CRL crl) {
        try {
            return crl.getEncoded().length;
        } catch (java.security.cert.CRLException e) {
            return 4096;
        }
    }

    @Override
    public void close() {
        fetcher.close();
        executor.shutdownNow();
    }
}
