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
import javax.net.ssl.SSLContext;

/** Assembles the production certificate and CRL sources from the {@code certificates:} settings. */
public final class CertificateSources {
    private CertificateSources() {
    }

    /** The guarded fetcher the settings describe (one per source). */
    static GuardedFetcher fetcher(FetchSettings s, GuardedFetcher.Resolver resolver, SSLContext ssl,
            GuardedFetcher.Trace trace, ExecutorService executor) {
        AddressGuard guard = new AddressGuard(s.permitCidrs().stream().map(Cidr::parse).toList(),
                s.denyCidrs().stream().map(Cidr::parse).toList());
        return new GuardedFetcher(new UrlRules(s.allowHttp(), s.allowPorts()), guard, resolver,
                ssl != null ? ssl : HostnameTrustManager.context(s.tlsCaFile()), s.connectTimeout(), s.fetchTimeout(),
                s.maxRedirects(), trace, executor);
    }

    /** The CRL source (CRT-05) for the core's validator. */
    public static HttpCrlSource crls(FetchSettings s, CertificateEvents events) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        return new HttpCrlSource(s, fetcher(s, GuardedFetcher.Resolver.SYSTEM, null, GuardedFetcher.Trace.NONE, ex),
                events, Ticker.systemTicker(), Clock.systemUTC(), ex);
    }

    static CachedCertificateSource build(FetchSettings s, ChainValidation validator, CertificateEvents events,
            GuardedFetcher.Resolver resolver, SSLContext ssl, GuardedFetcher.Trace trace, Ticker ticker, Clock clock) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        return new CachedCertificateSource(s, fetcher(s, resolver, ssl, trace, ex), validator, events, ticker, clock, ex,
                true, readPinned(s.pinned()));
    }

    static CachedCertificateSource production(FetchSettings s, ChainValidation validator, CertificateEvents events) {
        return build(s, validator, events, GuardedFetcher.Resolver.SYSTEM, null, GuardedFetcher.Trace.NONE,
                Ticker.systemTicker(), Clock.systemUTC());
    }

    /** Reads the pinned PEM files now, so a missing or broken file fails at startup. */
    static Map<String, List<X509Certificate>> readPinned(Map<String, Path> files) {
        Map<String, List<X509Certificate>> out = new LinkedHashMap<>();
        files.forEach((url, file) -> {
            try {
                long size = Files.size(file);
                if (size > 1024 * 1024) {
                    throw new IllegalArgumentException("certificates.pinned " + file + ": larger than 1 MiB");
                }
                out.put(url, ChainCodec.chain(Files.readAllBytes(file)));
            } catch (IOException e) {
                throw new IllegalArgumentException("certificates.pinned " + url + ": cannot read " + file + ": " + e, e);
            } catch (CredentialException e) {
                throw new IllegalArgumentException("certificates.pinned " + url + ": " + file + ": " + e.getMessage(), e);
            }
        });
        return out;
    }
}
