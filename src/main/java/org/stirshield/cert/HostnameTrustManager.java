package org.stirshield.cert;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS server authentication for pinned-address fetches (see {@link GuardedFetcher}): the JDK's PKIX
 * trust manager validates the chain and (endpoint identification "HTTPS") the SNI host name; this
 * wrapper then insists that the leaf carries a dNSName subjectAltName matching the SNI host name
 * (RFC 6125 §6.4: exact, or a wildcard as the whole left-most label), because the JDK falls back to
 * the peer host, which for a pinned connection is the IP literal we connected to.
 */
final class HostnameTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;

    private HostnameTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** Trust managers for the JDK's cacerts, or only the certificates in {@code caFile} when given. */
    static TrustManager[] trustManagers(Path caFile) {
        try {
            KeyStore ks = null;
            if (caFile != null) {
                ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                try (InputStream in = Files.newInputStream(caFile)) {
                    int i = 0;
                    for (var c : cf.generateCertificates(in)) {
                        ks.setCertificateEntry("ca" + i++, c);
                    }
                    if (i == 0) {
                        throw new IllegalArgumentException("certificates.tls_ca_file " + caFile + ": no certificate");
                    }
                }
            }
            return trustManagers(ks);
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("certificates.tls_ca_file " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** Trust managers for {@code anchors} (null = the JDK's cacerts). */
    static TrustManager[] trustManagers(KeyStore anchors) throws java.security.GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        X509ExtendedTrustManager base = null;
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                base = x;
            }
        }
        if (base == null) {
            throw new java.security.GeneralSecurityException("no X509ExtendedTrustManager");
        }
        return new TrustManager[] {new HostnameTrustManager(base)};
    }

    /**
     * A new SSLContext over {@code trust}. One per fetch: its client session cache is empty, so a TLS
     * session made for one host name is never resumed (skipping the certificate check) for another name
     * that resolves to the same IP literal.
     */
    static SSLContext context(TrustManager[] trust) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("TLS unavailable", e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
        String sni = null;
        for (SNIServerName n : engine.getSSLParameters().getServerNames()) {
            if (n instanceof SNIHostName h) {
                sni = h.getAsciiName();
            }
        }
        if (sni != null && !matches(sni, chain[0])) {
            throw new CertificateException("server certificate has no subjectAltName for " + sni);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
        if (socket instanceof javax.net.ssl.SSLSocket s) {
            for (SNIServerName n : s.getSSLParameters().getServerNames()) {
                if (n instanceof SNIHostName h && !matches(h.getAsciiName(), chain[0])) {
                    throw new CertificateException("server certificate has no subjectAltName for " + h.getAsciiName());
                }
            }
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("server check without engine: host name cannot be verified");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    /** RFC 6125 §6.4.1/§6.4.3 dNSName matching; no CN fallback; wildcard only as the whole left-most label. */
    static boolean matches(String host, X509Certificate leaf) throws CertificateException {
        String h = host.toLowerCase(Locale.ROOT);
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans == null) {
            return false;
        }
        for (List<?> san : sans) {
            if (!(san.get(0) instanceof Integer type) || type != 2 || !(san.get(1) instanceof String s)) {
                continue;
            }
            String name = s.toLowerCase(Locale.ROOT);
            if (name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.equals(h)) {
                return true;
            }
            if (name.startsWith("*.") && name.indexOf('.', 2) > 0) {
                String suffix = name.substring(1); // ".example.com"
                int firstDot = h.indexOf('.');
                if (firstDot > 0 && h.substring(firstDot).equals(suffix)) {
                    return true;
                }
            }
        }
        return false;
    }
}
