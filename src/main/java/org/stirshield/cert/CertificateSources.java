package org.stirshield.cert;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Assembles the production certificate and CRL sources from the {@code certificates:} settings:
 *
 * <pre>{@code
 * FetchSettings fs = FetchSettings.from(ConfigValues.section(root, "certificates"));
 * HttpCrlSource crls = CertificateSources.crls(fs, fileCrls, events);          // CRT-05
 * CredentialValidator v = new CredentialValidator(anchors, crls, CertificateSources.revocationMode(fs));
 * CachedCertificateSource x5u = CertificateSources.production(fs, v, events); // CRT-01..05
 * }</pre>
 */
public final class CertificateSources {
    private CertificateSources() {
    }

    /**
     * The x5u certificate source: guarded HTTPS fetcher, single-flight bounded cache, negative cache,
     * refresh ahead, optional disk cache, pinned URLs. Close it at shutdown.
     */
    public static CachedCertificateSource production(FetchSettings s, CredentialValidator validator, CertificateEvents events) {
        return production(s, validator, events, readPinned(s.pinned()));
    }

    /** {@link #production(FetchSettings, CredentialValidator, CertificateEvents)} with pinned chains already read. */
    public static CachedCertificateSource production(FetchSettings s, CredentialValidator validator, CertificateEvents events,
            Map<String, List<X509Certificate>> pinned) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        GuardedFetcher f = fetcher(s, GuardedFetcher.Resolver.SYSTEM, null, GuardedFetcher.Trace.NONE, ex);
        ex.execute(f::warmUp);
        CachedCertificateSource source = new CachedCertificateSource(s, f, validator, events, Ticker.systemTicker(),
                Clock.systemUTC(), ex, true, pinned);
        source.loadPinned();
        return source;
    }

    /**
     * The CRL source for the validator (CRT-05): {@code preloaded} (e.g. verification.crl_files; may be
     * null) first, else the CRL Distribution Point through the guarded fetcher.
     */
    public static HttpCrlSource crls(FetchSettings s, CrlSource preloaded, CertificateEvents events) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        return new HttpCrlSource(s, fetcher(s, GuardedFetcher.Resolver.SYSTEM, null, GuardedFetcher.Trace.NONE, ex),
                events, Ticker.systemTicker(), Clock.systemUTC(), ex, preloaded);
    }

    /**
     * The source of RCD content (RFC 9795 {@code icn}, {@code jcl}): the same guarded fetcher settings as
     * certificates, https only, at most {@code maxBytes} per item and {@code cacheBytes} cached. Close it
     * at shutdown.
     */
    public static CachedContentSource content(FetchSettings s, long maxBytes, long cacheBytes) {
        return content(s, maxBytes, cacheBytes, CertificateEvents.NONE);
    }

    /** As {@link #content(FetchSettings, long, long)}, each fetch reported to {@code events} (type {@code rcd}). */
    public static CachedContentSource content(FetchSettings s, long maxBytes, long cacheBytes, CertificateEvents events) {
        return content(s, maxBytes, cacheBytes, GuardedFetcher.Resolver.SYSTEM, null, events);
    }

    static CachedContentSource content(FetchSettings s, long maxBytes, long cacheBytes, GuardedFetcher.Resolver resolver,
            javax.net.ssl.TrustManager[] trust, CertificateEvents events) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        return new CachedContentSource(s, fetcher(s, resolver, trust, GuardedFetcher.Trace.NONE, ex), events, maxBytes,
                cacheBytes, Ticker.systemTicker(), Clock.systemUTC(), ex);
    }

    /**
     * The validator's revocation mode that makes {@code certificates.crl.on_unavailable} effective:
     * {@code fail} → REQUIRE (no CRL for a certificate with a CRL DP fails it), {@code ignore} →
     * IF_AVAILABLE.
     */
    public static RevocationMode revocationMode(FetchSettings s) {
        return s.crl().failWhenUnavailable() ? RevocationMode.REQUIRE : RevocationMode.IF_AVAILABLE;
    }

    /** The guarded fetcher the settings describe (one per source). */
    static GuardedFetcher fetcher(FetchSettings s, GuardedFetcher.Resolver resolver, javax.net.ssl.TrustManager[] trust,
            GuardedFetcher.Trace trace, ExecutorService executor) {
        AddressGuard guard = new AddressGuard(s.permitCidrs().stream().map(Cidr::parse).toList(),
                s.denyCidrs().stream().map(Cidr::parse).toList());
        return new GuardedFetcher(new UrlRules(s.allowHttp(), s.allowPorts()), guard, resolver,
                trust != null ? trust : HostnameTrustManager.trustManagers(s.tlsCaFile()), s.connectTimeout(), s.fetchTimeout(),
                s.maxRedirects(), trace, executor);
    }

    static CachedCertificateSource build(FetchSettings s, CredentialValidator validator, CertificateEvents events,
            GuardedFetcher.Resolver resolver, javax.net.ssl.TrustManager[] trust, GuardedFetcher.Trace trace, Ticker ticker, Clock clock) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        return new CachedCertificateSource(s, fetcher(s, resolver, trust, trace, ex), validator, events, ticker, clock, ex,
                true, readPinned(s.pinned()));
    }

    /** Reads the pinned PEM files now, so a missing or broken file fails at startup (and at check-config). */
    static Map<String, List<X509Certificate>> readPinned(Map<String, Path> files) {
        Map<String, List<X509Certificate>> out = new LinkedHashMap<>();
        files.forEach((url, f) -> {
            Path file = f.toAbsolutePath().normalize();
            String where = "certificates.pinned: \"" + Printable.of(url) + "\": " + file + ": ";
            try {
                if (Files.size(file) > 1024 * 1024) {
                    throw new IllegalArgumentException(where + "larger than 1 MiB");
                }
                out.put(url, CertificateChains.parse(Files.readAllBytes(file)));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + "cannot read: " + org.stirshield.config.ConfigValues.why(e), e);
            } catch (CredentialException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
        });
        return out;
    }
}
