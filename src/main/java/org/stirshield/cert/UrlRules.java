package org.stirshield.cert;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Which URLs may be dereferenced at all, decided before any DNS or socket I/O (CRT-01). Follows
 * ATIS-1000080 §6.3.1 as enforced by Asterisk's res_stir_shaken: x5u must be https on port 443 or
 * 8443 (unless {@code allowed_ports} relaxes it), with no userinfo, query or fragment; http only with
 * the lab setting {@code allow_http}. CRL Distribution Points are http by profile (ATIS-1000080
 * §6.4.1), so CRL URLs may be http or https on 80/443/8080/8443 (or {@code allowed_ports}).
 */
final class UrlRules {
    static final int MAX_URL_CHARS = 2048;
    private static final Set<Integer> CRL_PORTS = Set.of(80, 443, 8080, 8443);

    /**
     * What a URL is fetched for: an x5u certificate chain, a CRL, or content an RCD claim refers to
     * (RFC 9795 {@code icn}, {@code jcl}, URIs inside a jCard): https only whatever {@code allow_http}
     * says, on the x5u ports, a query allowed.
     */
    enum Kind { X5U, CRL, CONTENT }

    /** A URL that passed the rules: lower-case scheme and host, explicit port. */
    record Target(URI uri, String scheme, String host, int port, String pathAndQuery) {
        boolean https() {
            return scheme.equals("https");
        }

        boolean hostIsLiteral() {
            return Cidr.literal(host) != null;
        }
    }

    private final boolean allowHttp;
    private final Set<Integer> allowedPorts;

    UrlRules(boolean allowHttp, Set<Integer> allowedPorts) {
        this.allowHttp = allowHttp;
        this.allowedPorts = Set.copyOf(allowedPorts);
    }

    Target check(String url, Kind kind) throws CredentialException {
        if (url == null || url.isEmpty() || url.length() > MAX_URL_CHARS) {
            throw bad(url, "empty or longer than " + MAX_URL_CHARS + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw bad(url, "not a URI: " + e.getReason());
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getScheme() == null) {
            throw bad(url, "not an absolute hierarchical URL");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        boolean http = scheme.equals("http");
        if (!scheme.equals("https") && !http) {
            throw bad(url, "scheme must be https");
        }
        if (http && kind == Kind.X5U && !allowHttp) {
            throw bad(url, "x5u must be https (http only with certificates.allow_http)");
        }
        if (http && kind == Kind.CONTENT) {
            throw bad(url, "Rich Call Data content must be https");
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw bad(url, "userinfo not allowed");
        }
        if (uri.getRawFragment() != null) {
            throw bad(url, "fragment not allowed");
        }
        if (kind == Kind.X5U && uri.getRawQuery() != null) {
            throw bad(url, "query not allowed");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw bad(url, "no (valid) host");
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.startsWith("[")) {
            if (Cidr.literal(host) == null) {
                throw bad(url, "bad IPv6 literal");
            }
        } else if (host.chars().allMatch(ch -> (ch >= '0' && ch <= '9') || ch == '.') && Cidr.literal(host) == null) {
            throw bad(url, "bad IPv4 literal"); // e.g. 0x7f.1 or 2130706433 style tricks never reach a resolver
        }
        int port = uri.getPort() == -1 ? (http ? 80 : 443) : uri.getPort();
        if (!portAllowed(port, http, kind)) {
            throw bad(url, "port " + port + " not allowed (certificates.allowed_ports)");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String pq = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return new Target(uri, scheme, host, port, pq);
    }

    private boolean portAllowed(int port, boolean http, Kind kind) {
        if (allowedPorts.isEmpty() || allowedPorts.contains(port)) {
            return true;
        }
        if (kind == Kind.CRL) {
            return CRL_PORTS.contains(port);
        }
        return http && port == 80 && kind == Kind.X5U; // lab http: its default port comes with allow_http
    }

    /** Pinned URLs are keys only (never fetched): they need only be URLs. */
    static void parseForPinning(String url) {
        try {
            new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
    }

    private static CredentialException bad(String url, String why) {
        return new CredentialException(CredentialFailure.BAD_URL, "x5u " + Printable.of(url) + ": " + why);
    }
}
