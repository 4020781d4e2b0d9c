package org.stirshield.cert;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.TrustManager;

/**
 * The TLS trust of the guarded fetchers (x5u, CRL distribution points, RCD content): the certificates of
 * {@code certificates.tls_ca_file}, read at start-up (a broken file is a configuration error then), or the JDK's
 * trust store. Parsing the JDK's store (about 150 certificates) is the expensive part of building a fetcher, so it
 * is deferred to the first fetch or {@link #warmUp()}, whichever comes first, and shared by every fetcher of the
 * JVM; at start-up only the cheap part of the check runs (the store file is there and readable). If the store
 * cannot be parsed later, {@link #problem()} says why (the service then answers {@code /health/ready} 503) and
 * fetches fail with it.
 */
final class TlsTrust {
    /** The JDK trust store, shared by every fetcher that has no tls_ca_file. */
    private static final TlsTrust JDK = new TlsTrust(() -> HostnameTrustManager.trustManagers((Path) null), null);

    private final java.util.function.Supplier<TrustManager[]> loader;
    private volatile TrustManager[] managers;
    private volatile String problem;

    private TlsTrust(java.util.function.Supplier<TrustManager[]> loader, TrustManager[] managers) {
        this.loader = loader;
        this.managers = managers;
    }

    /** Trust built by {@code loader} at the first use (tests: a store that fails to load). */
    static TlsTrust deferred(java.util.function.Supplier<TrustManager[]> loader) {
        return new TlsTrust(loader, null);
    }

    /**
     * The trust for {@code caFile}, read now, or (null) the JDK's trust store, checked to be readable now.
     *
     * @throws IllegalArgumentException when the file cannot be used (the message names it)
     */
    static TlsTrust of(Path caFile) {
        if (caFile != null) {
            return new TlsTrust(null, HostnameTrustManager.trustManagers(caFile));
        }
        Path store = jdkTrustStore();
        if (store != null && !Files.isReadable(store)) {
            throw new IllegalArgumentException("the JDK trust store " + store.toAbsolutePath() + " cannot be read ("
                    + (Files.exists(store) ? "permission denied" : "no such file") + "); x5u, CRL and RCD fetches over "
                    + "HTTPS need it, or set certificates.tls_ca_file");
        }
        return JDK;
    }

    /** Trust managers over explicit trust material (tests, tools), built now. */
    static TlsTrust of(TrustManager[] managers) {
        return new TlsTrust(null, managers);
    }

    /**
     * The trust managers, building them at the first call.
     *
     * @throws IllegalStateException when the JDK trust store cannot be parsed (the message says why)
     */
    TrustManager[] get() {
        TrustManager[] m = managers;
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (managers == null) {
                try {
                    managers = loader.get();
                    problem = null;
                } catch (RuntimeException e) {
                    problem = "the JDK trust store cannot be used: " + e.getMessage();
                    throw new IllegalStateException("TLS unavailable: " + problem, e);
                }
            }
            return managers;
        }
    }

    /** Builds the trust managers now if nothing has yet (a failure is kept in {@link #problem()}). */
    void warmUp() {
        try {
            get();
        } catch (IllegalStateException e) {
            // problem() says why
        }
    }

    /** Why the trust managers could not be built, or null (also before the first attempt). */
    String problem() {
        return problem;
    }

    /**
     * The file the JDK's default TrustManagerFactory reads: {@code javax.net.ssl.trustStore}, else
     * {@code lib/security/jssecacerts}, else {@code lib/security/cacerts}; null when it reads no file (NONE).
     */
    static Path jdkTrustStore() {
        String p = System.getProperty("javax.net.ssl.trustStore");
        if (p != null && !p.isEmpty()) {
            return p.equals("NONE") ? null : Path.of(p);
        }
        Path security = Path.of(System.getProperty("java.home"), "lib", "security");
        Path jsse = security.resolve("jssecacerts");
        return Files.isRegularFile(jsse) ? jsse : security.resolve("cacerts");
    }
}
