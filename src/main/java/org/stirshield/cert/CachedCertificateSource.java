package org.stirshield.cert;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link CertificateSource}: x5u URL → validated {@link Credential}, through a bounded
 * Caffeine cache in front of the {@link GuardedFetcher} (CRT-01..05).
 *
 * <ul>
 *   <li><b>Hit:</b> a completed entry is answered at once; the core's cheap {@code checkValidAt}
 *       re-checks validity and revocation at the call's verification time.</li>
 *   <li><b>Single flight:</b> concurrent calls for one cold URL share one load (one HTTP request);
 *       each waits only until its own deadline (then TIMEOUT) while the load continues for the
 *       others and is cached for later calls.</li>
 *   <li><b>Lifetime:</b> max(min_ttl, Cache-Control max-age / Expires), at most max_ttl, never past
 *       the leaf's notAfter. Within refresh_ahead of expiry a hit starts one background refresh and
 *       keeps serving the current entry (stale-while-revalidate); a failed refresh keeps it.</li>
 *   <li><b>Negative caching:</b> a failed load is remembered for negative_ttl and answered with the
 *       same failure immediately.</li>
 *   <li><b>Bounds:</b> entries and bytes (each entry weighs max(DER bytes, max_weight / max_entries),
 *       so the single weight bound enforces both).</li>
 *   <li><b>Pinned</b> URLs are answered from local PEM files, never the network; the optional
 *       {@link DiskCache} survives restarts (re-validated on load).</li>
 * </ul>
 */
public final class CachedCertificateSource implements CertificateSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CachedCertificateSource.class);
    /** Loads that may wait for a fetch slot at once; beyond it a load fails at once (local congestion). */
    static final int MAX_WAITING_FETCHES = 10_000;

    private sealed interface Entry permits Good, Failed {
        long expiresAt();

        int weight();

        /** The trust set the entry was loaded under: after {@link #replaceTrust} an older entry is reloaded. */
        Trust trust();
    }

    private record Good(Credential credential, int weight, long expiresAt, long refreshAt, boolean pinned, Trust trust)
            implements Entry {
    }

    private record Failed(CredentialFailure failure, String message, long expiresAt, Trust trust) implements Entry {
        @Override
        public int weight() {
            return 64;
        }
    }

    private final FetchSettings settings;
    private final GuardedFetcher fetcher;
    /** What validation trusts and which URLs are pinned, swapped as one ({@link #replaceTrust}). */
    private record Trust(CredentialValidator validator, Map<String, List<X509Certificate>> pinned) {
    }

    private volatile Trust trust;
    private final CertificateEvents events;
    private final Ticker ticker;
    private final Clock clock;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    private final DiskCache disk;
    private final AsyncCache<String, Entry> cache;
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final FetchScheduler scheduler;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder fetches = new LongAdder();
    private final Map<CredentialFailure, LongAdder> failures = new EnumMap<>(CredentialFailure.class);
    private final LongAdder latencyTotal = new LongAdder();
    private final AtomicLong latencyMax = new AtomicLong();

    CachedCertificateSource(FetchSettings settings, GuardedFetcher fetcher, CredentialValidator validator,
            CertificateEvents events, Ticker ticker, Clock clock, ExecutorService executor, boolean ownsExecutor,
            Map<String, List<X509Certificate>> pinned) {
        this.settings = settings;
        this.fetcher = fetcher;
        this.trust = new Trust(validator, Map.copyOf(pinned));
        this.events = events == null ? CertificateEvents.NONE : events;
        this.ticker = ticker;
        this.clock = clock;
        this.executor = executor;
        this.ownsExecutor = ownsExecutor;
        this.disk = settings.cache().dir() == null ? null : new DiskCache(settings.cache().dir(), settings.maxBodyBytes());
        this.scheduler = new FetchScheduler(settings.maxConcurrentFetches(), settings.maxFetchesPerHost(),
                settings.protectedReservedFetches(), MAX_WAITING_FETCHES);
        for (CredentialFailure f : CredentialFailure.values()) {
            failures.put(f, new LongAdder());
        }
        long maxWeight = settings.cache().maxWeight();
        int minWeight = (int) Math.min(Integer.MAX_VALUE, (maxWeight + settings.cache().maxEntries() - 1)
                / settings.cache().maxEntries());
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumWeight(maxWeight)
                .weigher((String k, Entry e) -> Math.max(minWeight, e.weight()))
                .expireAfter(new ExpiresAt<Entry>(Entry::expiresAt))
                .executor(Runnable::run) // cache upkeep on the calling thread: no pool thread woken per call
                .buildAsync();
    }

    @Override
    public Credential credential(String x5u, Instant at, Deadline deadline) throws CredentialException {
        return credential(x5u, at, deadline, FetchPriority.ORDINARY);
    }

    /**
     * {@inheritDoc} A fetch this call has to wait for is queued by {@code priority} (per-host limits, fair
     * between hosts, protected callers first; see {@link FetchScheduler}).
     */
    @Override
    public Credential credential(String x5u, Instant at, Deadline deadline, FetchPriority priority)
            throws CredentialException {
        if (x5u == null || x5u.isEmpty() || x5u.length() > UrlRules.MAX_URL_CHARS) {
            throw new CredentialException(CredentialFailure.BAD_URL, "x5u empty or longer than "
                    + UrlRules.MAX_URL_CHARS + " characters");
        }
        Trust t = trust;
        CompletableFuture<Entry> f = cache.getIfPresent(x5u);
        if (f != null && f.isDone() && f.join().trust() != t) {
            cache.asMap().remove(x5u, f); // loaded under trust material a reload has replaced
            f = null;
        }
        Entry e;
        if (f != null && f.isDone()) {
            hits.increment();
            events.cacheHit();
            e = f.join(); // loads never complete exceptionally
        } else {
            misses.increment();
            events.cacheMiss();
            if (f == null) {
                f = cache.get(x5u, (k, ignored) -> CompletableFuture.supplyAsync(() -> load(k, at, true, priority), executor));
            } else if (priority == FetchPriority.PROTECTED_CALLER) {
                scheduler.promote(x5u); // a load already waits for a slot: a protected caller needs it now
            }
            e = await(f, x5u, deadline);
        }
        if (e instanceof Good g) {
            maybeRefresh(x5u, g, at);
            g.trust().validator().checkValidAt(g.credential(), at, deadline);
            return g.credential();
        }
        Failed failed = (Failed) e;
        throw new CredentialException(failed.failure(), failed.message());
    }

    /**
     * Replaces the trust anchors and CRLs ({@code validator}) and the pinned certificates in one step (SIGHUP):
     * calls from now on validate against the new set; every cached result, good or failed, was reached under
     * the old one and is loaded again on its next use.
     */
    public void replaceTrust(CredentialValidator validator, Map<String, List<X509Certificate>> pinned) {
        trust = new Trust(validator, Map.copyOf(pinned));
        cache.synchronous().invalidateAll();
        loadPinned();
    }

    /**
     * Starts validating every pinned chain now, in the background, so that the first calls after a start or a
     * SIGHUP find it in the cache (or in progress) instead of each waiting for a cold validation: on a busy,
     * freshly started JVM that took longer than a call's deadline ({@code x5u_timeout} on genuine calls).
     * Returns at once; a pinned URL already cached or loading is left as it is.
     */
    public void loadPinned() {
        for (String url : trust.pinned().keySet()) {
            cache.get(url, (k, ignored) -> CompletableFuture.supplyAsync(
                    () -> load(k, clock.instant(), false, FetchPriority.PROTECTED_CALLER), executor));
        }
    }

    /** The trust anchors validation uses now (they change on {@link #replaceTrust}). */
    public TrustAnchors trustAnchors() {
        return trust.validator().anchors();
    }

    /** Counters since start. */
    public CertificateStats stats() {
        Map<CredentialFailure, Long> byKind = new EnumMap<>(CredentialFailure.class);
        failures.forEach((k, v) -> {
            long n = v.sum();
            if (n > 0) {
                byKind.put(k, n);
            }
        });
        return new CertificateStats(hits.sum(), misses.sum(), fetches.sum(), byKind,
                Duration.ofNanos(latencyTotal.sum()), Duration.ofNanos(latencyMax.get()),
                cache.synchronous().estimatedSize());
    }

    /**
     * Loads the TLS trust store and the TLS and HTTP client code now (no network I/O), so the first fetch does
     * not spend its connect timeout on them; {@code serve} runs it on a background thread once it listens.
     */
    public void warmUp() {
        fetcher.warmUp();
    }

    /** Why certificates cannot be fetched at all (the TLS trust store failed), or null. */
    public String fetchProblem() {
        return fetcher.problem();
    }

    /**
     * The earliest notAfter of the pinned certificates (every chain in {@code certificates.pinned}, used or
     * not), or null when none are pinned: for the expiry metric (an expired pinned certificate fails every
     * call signed with it).
     */
    public java.time.Instant pinnedNotAfter() {
        return CertificateChains.earliestNotAfter(trust.pinned().values().stream().flatMap(List::stream).toList());
    }

    /**
     * The earliest notAfter of the trust anchors in force (after a SIGHUP: the new set), or null when there are
     * none: for the expiry metric (an expired root fails every call signed under it).
     */
    public java.time.Instant trustAnchorsNotAfter() {
        return CertificateChains.earliestNotAfter(trust.validator().anchors().certificates());
    }

    /**
     * The earliest notAfter among the signer certificates (leaves and intermediates) cached from x5u URLs now,
     * or null when none is cached; pinned chains are not included.
     */
    public java.time.Instant cachedNotAfter() {
        List<X509Certificate> certs = new java.util.ArrayList<>();
        for (CompletableFuture<Entry> f : cache.asMap().values()) {
            if (f.isDone() && !f.isCompletedExceptionally() && f.join() instanceof Good g && !g.pinned()) {
                certs.addAll(g.credential().chain());
            }
        }
        return CertificateChains.earliestNotAfter(certs);
    }

    /**
     * How long the cache will keep {@code x5u}, once its load has completed and Caffeine has applied
     * the entry's expiry (for tests that move the ticker right after a load).
     */
    Optional<Duration> expiresIn(String x5u) {
        return cache.synchronous().policy().expireVariably()
                .flatMap(p -> p.getExpiresAfter(x5u))
                .filter(d -> d.compareTo(Duration.ofDays(3650)) < 0); // an in-flight entry never expires
    }

    /** Whether a background refresh of {@code x5u} is running (for tests). */
    boolean refreshing(String x5u) {
        return refreshing.contains(x5u);
    }

    private Entry await(CompletableFuture<Entry> f, String x5u, Deadline deadline) throws CredentialException {
        try {
            return deadline.await(f, Deadline.Wait.CERTIFICATE_FETCH);
        } catch (TimeoutException ex) {
            throw new CredentialException(CredentialFailure.TIMEOUT, "x5u " + Printable.of(x5u)
                    + ": no certificate within the call's deadline (fetch continues for later calls)");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new CredentialException(CredentialFailure.TIMEOUT, "x5u " + Printable.of(x5u) + ": interrupted");
        } catch (ExecutionException ex) {
            throw new CredentialException(CredentialFailure.UNREACHABLE, "x5u " + Printable.of(x5u) + ": "
                    + ex.getCause());
        }
    }

    private void maybeRefresh(String x5u, Good g, Instant at) {
        if (g.pinned() || ticker.read() - g.refreshAt() < 0 || !refreshing.add(x5u)) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    Entry fresh = load(x5u, at, false, FetchPriority.ORDINARY);
                    if (fresh instanceof Good) {
                        cache.put(x5u, CompletableFuture.completedFuture(fresh));
                    } else {
                        LOG.info("refresh of x5u {} failed; serving the cached certificate until it expires",
                                Printable.of(x5u));
                    }
                } finally {
                    refreshing.remove(x5u);
                }
            });
        } catch (RuntimeException rejected) {
            refreshing.remove(x5u);
        }
    }

    /** Loads one URL: pinned file, else disk cache (unless refreshing), else the network. Never throws. */
    private Entry load(String url, Instant at, boolean fromDisk, FetchPriority priority) {
        long t0 = System.nanoTime();
        boolean network = false;
        Trust t = trust;
        CredentialValidator validator = t.validator();
        try {
            List<X509Certificate> pin = t.pinned().get(url);
            if (pin != null) {
                // a pinned URL is a local file whatever its scheme: never fetched, so no URL rule applies
                Credential c = validator.validate(url, pin, at, Deadline.in(settings.fetchTimeout()));
                return good(c, settings.cache().maxTtl(), true, t);
            }
            String host = fetcher.host(url, UrlRules.Kind.X5U); // the URL rules, before the disk cache too
            if (disk != null && fromDisk) {
                Optional<DiskCache.Stored> stored = disk.read(url, clock.instant());
                if (stored.isPresent()) {
                    try {
                        Credential c = validator.validate(url, stored.get().chain(), at, Deadline.in(settings.fetchTimeout()));
                        return good(c, Duration.between(clock.instant(), stored.get().expires()), false, t);
                    } catch (CredentialException e) {
                        LOG.info("cached file for x5u {} no longer validates ({}); fetching", Printable.of(url), e.failure());
                    }
                }
            }
            GuardedFetcher.Response r;
            List<X509Certificate> chain;
            try (FetchScheduler.Slot slot = scheduler.acquire(host, url, priority, Deadline.in(settings.fetchTimeout()))) {
                if (slot == null) {
                    // Local congestion, not the server's fault: answer the waiting calls, remember nothing.
                    events.fetchSlotUnavailable();
                    return new Failed(CredentialFailure.TIMEOUT, "x5u " + Printable.of(url) + ": no fetch slot within "
                            + settings.fetchTimeout().toMillis() + " ms (" + settings.maxConcurrentFetches()
                            + " in all, " + settings.maxFetchesPerHost() + " per host)", ticker.read(), t);
                }
                network = true;
                r = fetcher.fetch(url, UrlRules.Kind.X5U, settings.maxBodyBytes(), Deadline.in(settings.fetchTimeout()));
                chain = CertificateChains.parse(r.body());
            }
            Duration latency = Duration.ofNanos(System.nanoTime() - t0);
            fetches.increment();
            recordLatency(latency);
            Credential c = validator.validate(url, chain, at, Deadline.in(settings.fetchTimeout()));
            events.fetched(CertificateEvents.Fetch.X5U, null, latency);
            Instant now = clock.instant();
            Duration ttl = max(settings.cache().minTtl(), r.freshness(now).orElse(Duration.ZERO));
            Good g = good(c, ttl, false, t);
            if (disk != null) {
                disk.write(url, chain, now.plusNanos(g.expiresAt() - ticker.read()));
            }
            return g;
        } catch (CredentialException e) {
            return failed(url, e.failure(), e.getMessage(), t0, network, t);
        } catch (RuntimeException | Error e) {
            LOG.error("x5u {}: unexpected failure while loading", Printable.of(url), e);
            return failed(url, CredentialFailure.UNREACHABLE, "internal error: " + e, t0, network, t);
        }
    }

    private Failed failed(String url, CredentialFailure failure, String message, long t0, boolean network, Trust t) {
        Duration latency = Duration.ofNanos(System.nanoTime() - t0);
        if (network) {
            recordLatency(latency);
        }
        failures.get(failure).increment();
        if (network) {
            events.fetched(CertificateEvents.Fetch.X5U, failure, latency);
        }
        LOG.info("x5u {}: {} ({}); remembered for {}", Printable.of(url), failure, message,
                settings.cache().negativeTtl());
        return new Failed(failure, message, saturatedAdd(ticker.read(), settings.cache().negativeTtl().toNanos()), t);
    }

    /** Lifetime {@code wanted}, at most max_ttl, never past any certificate's notAfter. */
    private Good good(Credential c, Duration wanted, boolean pin, Trust t) {
        Duration ttl = min(wanted, settings.cache().maxTtl());
        Instant now = clock.instant();
        int weight = 0;
        for (X509Certificate x : c.chain()) {
            Duration left = Duration.between(now, x.getNotAfter().toInstant());
            ttl = min(ttl, left.isNegative() ? Duration.ZERO : left);
            try {
                weight += x.getEncoded().length;
            } catch (CertificateEncodingException e) {
                weight += 2048;
            }
        }
        long nanos = ttl.toNanos();
        long expiresAt = saturatedAdd(ticker.read(), nanos);
        long ahead = Math.min(settings.cache().refreshAhead().toNanos(), nanos / 2);
        return new Good(c, weight, expiresAt, expiresAt - ahead, pin, t);
    }

    private void recordLatency(Duration d) {
        long n = d.toNanos();
        latencyTotal.add(n);
        latencyMax.accumulateAndGet(n, Math::max);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public void close() {
        fetcher.close();
        if (ownsExecutor) {
            executor.shutdownNow();
        }
    }
}
