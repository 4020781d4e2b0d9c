package org.stirshield.cert;

import static org.stirshield.config.ConfigValues.bool;
import static org.stirshield.config.ConfigValues.bytes;
import static org.stirshield.config.ConfigValues.choice;
import static org.stirshield.config.ConfigValues.duration;
import static org.stirshield.config.ConfigValues.fail;
import static org.stirshield.config.ConfigValues.integer;
import static org.stirshield.config.ConfigValues.path;
import static org.stirshield.config.ConfigValues.resolve;
import static org.stirshield.config.ConfigValues.section;
import static org.stirshield.config.ConfigValues.strings;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code certificates:} section: how x5u certificates and CRLs are fetched (CRT-01, CRT-05) and
 * cached. Every key is optional; see docs/configuration.md for each key's meaning.
 *
 * @param allowPorts ports an x5u URL may name; empty = any port
 * @param maxFetchesPerHost fetches in flight at once for one host name (so one slow host cannot take every slot)
 * @param protectedReservedFetches of {@code maxConcurrentFetches}, the slots only fetches for calls claiming a
 *     protected number may use
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
        int maxFetchesPerHost,
        int protectedReservedFetches,
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
            throw new IllegalArgumentException("certificates.max_redirects: 0 or 1 (same host, port and scheme only), not "
                    + maxRedirects);
        }
        positive("certificates.connect_timeout", connectTimeout);
        positive("certificates.fetch_timeout", fetchTimeout);
        if (maxBodyBytes < 1 || maxBodyBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("certificates.max_body_bytes: 1 byte .. 16 MiB, not " + maxBodyBytes);
        }
        if (maxConcurrentFetches < 1) {
            throw new IllegalArgumentException("certificates.max_concurrent_fetches must be >= 1");
        }
        if (maxFetchesPerHost < 1) {
            throw new IllegalArgumentException("certificates.max_fetches_per_host must be >= 1");
        }
        if (protectedReservedFetches < 0 || protectedReservedFetches >= maxConcurrentFetches) {
            throw new IllegalArgumentException("certificates.protected_reserved_fetches: 0 .. max_concurrent_fetches - 1 ("
                    + (maxConcurrentFetches - 1) + "), not " + protectedReservedFetches);
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

    /**
     * Reads the {@code certificates:} section (null or missing = all defaults). Relative paths
     * ({@code tls_ca_file}, {@code cache.dir}, {@code pinned} files) resolve against the configuration
     * file's directory ({@link org.stirshield.config.ConfigValues#path}).
     */
    public static FetchSettings from(JsonNode s) {
        JsonNode c = section(s, "cache");
        JsonNode r = section(s, "crl");
        String onUnavailable = choice(r, "on_unavailable", "fail", "fail", "ignore");
        List<String> permit = strings(s, "permit_cidrs", List.of(), false);
        List<String> deny = strings(s, "deny_cidrs", List.of(), false);
        cidrs(s, "permit_cidrs", permit);
        cidrs(s, "deny_cidrs", deny);
        int concurrent = integer(s, "max_concurrent_fetches", 32, 1, 10_000);
        return new FetchSettings(
                bool(s, "allow_http", false),
                ports(s),
                permit,
                deny,
                duration(s, "connect_timeout", Duration.ofSeconds(1)),
                duration(s, "fetch_timeout", Duration.ofSeconds(2)),
                bytes(s, "max_body_bytes", 16 * 1024),
                integer(s, "max_redirects", 0, 0, 1),
                concurrent,
                integer(s, "max_fetches_per_host", 8, 1, 10_000),
                integer(s, "protected_reserved_fetches", concurrent / 4, 0, Math.max(0, concurrent - 1)),
                path(s, "tls_ca_file", null),
                new Cache(
                        integer(c, "max_entries", 10_000, 1, 10_000_000),
                        bytes(c, "max_weight", 64L * 1024 * 1024),
                        duration(c, "min_ttl", Duration.ofHours(24)),
                        duration(c, "max_ttl", Duration.ofDays(7)),
                        duration(c, "negative_ttl", Duration.ofSeconds(30)),
                        duration(c, "refresh_ahead", Duration.ofHours(1)),
                        path(c, "dir", null)),
                pinned(s),
                new Crl(onUnavailable.equals("fail"), bytes(r, "max_bytes", 1024 * 1024),
                        duration(r, "min_ttl", Duration.ofMinutes(5))));
    }

    private static Set<Integer> ports(JsonNode s) {
        List<String> given = strings(s, "allowed_ports", null, true);
        if (given == null) {
            return Set.of(443, 8443);
        }
        if (given.size() == 1 && (given.get(0).equals("*") || given.get(0).equalsIgnoreCase("any"))) {
            return Set.of();
        }
        Set<Integer> out = new TreeSet<>();
        for (String p : given) {
            int v;
            try {
                v = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 1 || v > 65535) {
                throw fail(s, "allowed_ports", "not a port (1..65535): " + p);
            }
            out.add(v);
        }
        if (out.isEmpty()) {
            throw fail(s, "allowed_ports", "empty list (use \"any\" for any port)");
        }
        return out;
    }

    private static void cidrs(JsonNode s, String key, List<String> blocks) {
        for (String b : blocks) {
            try {
                Cidr.parse(b);
            } catch (IllegalArgumentException e) {
                throw fail(s, key, e.getMessage());
            }
        }
    }

    private static Map<String, Path> pinned(JsonNode s) {
        JsonNode n = section(s, "pinned");
        Map<String, Path> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            JsonNode v = e.getValue();
            if (v.isContainerNode() || v.isNull() || v.asText().isBlank()) {
                throw fail(n, e.getKey(), "expected the path of a PEM file (x5u URL: file)");
            }
            try {
                UrlRules.parseForPinning(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw fail(n, e.getKey(), ex.getMessage());
            }
            out.put(e.getKey(), resolve(n, v.asText().strip()));
        }
        return out;
    }

    private static void positive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0");
        }
    }
}
