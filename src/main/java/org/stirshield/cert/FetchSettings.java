package org.stirshield.cert;

import static org.stirshield.config.ConfigValues.bool;
import static org.stirshield.config.ConfigValues.bytes;
import static org.stirshield.config.ConfigValues.duration;
import static org.stirshield.config.ConfigValues.integer;
import static org.stirshield.config.ConfigValues.section;
import static org.stirshield.config.ConfigValues.string;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code certificates:} section: how x5u certificates and CRLs are fetched (CRT-01, CRT-05) and
 * cached. Every key is optional; see docs/configuration.md for each key's meaning.
 *
 * @param allowPorts ports an x5u URL may name; empty = any port
 */
public record FetchSettings(
        boolean allowHttp,
        Set<Integer> allowPorts,
        List<String> permitCidrs,
        List<String> denyCidrs,
        Duration connectTimeout,
        Duration fetchTimeout,
        long maxBodyBytes,
        int maxRedirects,
        int maxConcurrentFetches,
        Path tlsCaFile,
        Cache cache,
        Map<String, Path> pinned,
        Crl crl) {

    /** {@code certificates.cache:} */
    public record Cache(int maxEntries, long maxWeight, Duration minTtl, Duration maxTtl, Duration negativeTtl,
            Duration refreshAhead, Path dir) {
    }

    /** {@code certificates.crl:} what happens when a CRL cannot be had (CRT-05), its size and lifetime. */
    public record Crl(boolean failWhenUnavailable, long maxBytes, Duration minTtl) {
    }

    public FetchSettings {
        allowPorts = Set.copyOf(allowPorts);
        permitCidrs = List.copyOf(permitCidrs);
        denyCidrs = List.copyOf(denyCidrs);
        pinned = Map.copyOf(pinned);
        if (maxRedirects < 0 || maxRedirects > 1) {
            throw new IllegalArgumentException("certificates.max_redirects: 0 or 1 (same host only), not " + maxRedirects);
        }
        positive("certificates.connect_timeout", connectTimeout);
        positive("certificates.fetch_timeout", fetchTimeout);
        if (maxBodyBytes < 1 || maxBodyBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("certificates.max_body_bytes: 1 byte .. 16 MiB, not " + maxBodyBytes);
        }
        if (maxConcurrentFetches < 1) {
            throw new IllegalArgumentException("certificates.max_concurrent_fetches must be >= 1");
        }
        if (cache.maxEntries() < 1 || cache.maxWeight() < 1) {
            throw new IllegalArgumentException("certificates.cache.max_entries and max_weight must be >= 1");
        }
        if (cache.maxTtl().compareTo(cache.minTtl()) < 0) {
            throw new IllegalArgumentException("certificates.cache.max_ttl is shorter than min_ttl");
        }
        if (crl.maxBytes() < 1) {
            throw new IllegalArgumentException("certificates.crl.max_bytes must be >= 1");
        }
        // Parse now so a typo fails at startup (check-config), not at the first call.
        permitCidrs.forEach(Cidr::parse);
        denyCidrs.forEach(Cidr::parse);
        for (String url : pinned.keySet()) {
            UrlRules.parseForPinning(url);
        }
    }

    /** All defaults: https only on 443/8443, 1 s connect, 2 s fetch, 16 KiB, no redirects, 24 h cache. */
    public static FetchSettings defaults() {
        return from(null);
    }

    /** Reads the {@code certificates:} section (null or missing = all defaults). */
    public static FetchSettings from(JsonNode s) {
        JsonNode c = section(s, "cache");
        JsonNode r = section(s, "crl");
        String dir = string(c, "dir", null);
        String ca = string(s, "tls_ca_file", null);
        String onUnavailable = string(r, "on_unavailable", "fail").trim().toLowerCase(Locale.ROOT);
        if (!onUnavailable.equals("fail") && !onUnavailable.equals("ignore")) {
            throw new IllegalArgumentException("certificates.crl.on_unavailable: fail or ignore, not " + onUnavailable);
        }
        return new FetchSettings(
                bool(s, "allow_http", false),
                ports(section(s, "allowed_ports")),
                strings(section(s, "permit_cidrs"), "certificates.permit_cidrs"),
                strings(section(s, "deny_cidrs"), "certificates.deny_cidrs"),
                duration(s, "connect_timeout", Duration.ofSeconds(1)),
                duration(s, "fetch_timeout", Duration.ofSeconds(2)),
                bytes(s, "max_body_bytes", 16 * 1024),
                integer(s, "max_redirects", 0),
                integer(s, "max_concurrent_fetches", 32),
                ca == null || ca.isBlank() ? null : Path.of(ca),
                new Cache(
                        integer(c, "max_entries", 10_000),
                        bytes(c, "max_weight", 64L * 1024 * 1024),
                        duration(c, "min_ttl", Duration.ofHours(24)),
                        duration(c, "max_ttl", Duration.ofDays(7)),
                        duration(c, "negative_ttl", Duration.ofSeconds(30)),
                        duration(c, "refresh_ahead", Duration.ofHours(1)),
                        dir == null || dir.isBlank() ? null : Path.of(dir)),
                pinned(section(s, "pinned")),
                new Crl(onUnavailable.equals("fail"), bytes(r, "max_bytes", 1024 * 1024),
                        duration(r, "min_ttl", Duration.ofMinutes(5))));
    }

    /**
     * Like {@link #from(JsonNode)}, with relative paths ({@code tls_ca_file}, {@code cache.dir},
     * {@code pinned} files) resolved against {@code baseDir} (the configuration file's directory), when
     * given.
     */
    public static FetchSettings from(JsonNode s, Path baseDir) {
        FetchSettings f = from(s);
        if (baseDir == null) {
            return f;
        }
        Map<String, Path> pins = new LinkedHashMap<>();
        f.pinned().forEach((url, file) -> pins.put(url, baseDir.resolve(file)));
        Cache c = f.cache();
        return new FetchSettings(f.allowHttp(), f.allowPorts(), f.permitCidrs(), f.denyCidrs(), f.connectTimeout(),
                f.fetchTimeout(), f.maxBodyBytes(), f.maxRedirects(), f.maxConcurrentFetches(),
                f.tlsCaFile() == null ? null : baseDir.resolve(f.tlsCaFile()),
                new Cache(c.maxEntries(), c.maxWeight(), c.minTtl(), c.maxTtl(), c.negativeTtl(), c.refreshAhead(),
                        c.dir() == null ? null : baseDir.resolve(c.dir())),
                pins, f.crl());
    }

    private static Set<Integer> ports(JsonNode n) {
        if (n.isMissingNode()) {
            return Set.of(443, 8443);
        }
        if (n.isTextual() && (n.asText().trim().equals("*") || n.asText().trim().equalsIgnoreCase("any"))) {
            return Set.of();
        }
        Set<Integer> out = new TreeSet<>();
        for (JsonNode p : n.isArray() ? n : List.of(n)) {
            int v;
            try {
                v = p.isInt() ? p.intValue() : Integer.parseInt(p.asText().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("certificates.allowed_ports: not a port: " + p.asText());
            }
            if (v < 1 || v > 65535) {
                throw new IllegalArgumentException("certificates.allowed_ports: not a port: " + v);
            }
            out.add(v);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("certificates.allowed_ports: empty list (use \"*\" for any port)");
        }
        return out;
    }

    private static List<String> strings(JsonNode n, String name) {
        List<String> out = new ArrayList<>();
        if (n.isMissingNode()) {
            return out;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(name + ": expected a list");
        }
        n.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static Map<String, Path> pinned(JsonNode n) {
        Map<String, Path> out = new LinkedHashMap<>();
        if (n.isMissingNode()) {
            return out;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("certificates.pinned: expected a map of URL: PEM file");
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            out.put(e.getKey(), Path.of(e.getValue().asText()));
        }
        return out;
    }

    private static void positive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0");
        }
    }
}
