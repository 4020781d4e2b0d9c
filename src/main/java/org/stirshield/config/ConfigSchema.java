package org.stirshield.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every key stirshield.yaml may have, declared in one place ({@link #KEYS}). A key that is not declared
 * here is an error in a configuration file ({@code file:line: unknown key 'server.listne' (did you mean
 * 'server.listen'?)}) <em>and</em> in the code: {@link ConfigValues} refuses to read an undeclared key
 * (IllegalStateException), so a key added to a {@code *Settings.from} without a line here fails the first
 * test that loads a configuration. {@code ConfigurationDocsTest} checks that docs/configuration.md
 * documents every key declared here, with the same reload behaviour.
 *
 * <p>One line per leaf key: {@code path [map] [reload]}. Sections ({@code certificates.cache}) follow from
 * the paths. {@code map}: a mapping whose keys are data (e.g. x5u URLs), not configuration keys.
 * {@code reload}: SIGHUP ({@code systemctl reload stirshield}) applies a change; every other key needs a
 * restart (a change is logged at reload as such).
 */
public final class ConfigSchema {
    /** How a key's value is structured. */
    public enum Kind { SECTION, VALUE, MAP }

    /** When a change to the key takes effect. */
    public enum Apply { RESTART, RELOAD }

    /** A declared key. */
    public record Key(String path, Kind kind, Apply apply) {
    }

    private static final String KEYS = """
            server.listen
            server.allow
            server.max_sessions
            server.read_timeout
            server.decision_deadline
            server.shutdown_grace
            server.backlog
            server.failsafe_action
            server.read_sip_headers
            server.max_sessions_per_address

            verification.region
            verification.trust_dir                  reload
            verification.crl_files                  reload
            verification.freshness
            verification.future_skew
            verification.max_identity_bytes
            verification.max_identity_headers
            verification.max_tn_digits
            verification.revocation
            verification.require_diversion_headers
            verification.rcd_max_bytes
            verification.rcd_cache_bytes
            verification.passport_cache_entries

            certificates.allow_http
            certificates.allowed_ports
            certificates.permit_cidrs
            certificates.deny_cidrs
            certificates.tls_ca_file
            certificates.connect_timeout
            certificates.fetch_timeout
            certificates.max_body_bytes
            certificates.max_redirects
            certificates.max_concurrent_fetches
            certificates.max_fetches_per_host
            certificates.protected_reserved_fetches
            certificates.cache.max_entries
            certificates.cache.max_weight
            certificates.cache.min_ttl
            certificates.cache.max_ttl
            certificates.cache.negative_ttl
            certificates.cache.refresh_ahead
            certificates.cache.dir
            certificates.pinned                     map reload
            certificates.crl.on_unavailable
            certificates.crl.max_bytes
            certificates.crl.min_ttl

            policy.file
            policy.watch
            policy.poll_interval
            policy.debounce

            audit.file
            audit.rolling.max_file_size
            audit.rolling.max_history
            audit.rolling.total_size_cap
            audit.rolling.compress
            audit.queue.capacity
            audit.queue.max_wait
            audit.replay.store
            audit.replay.peak_rate
            audit.replay.max_entries
            audit.replay.timeout
            audit.replay.probe_interval
            audit.replay.connections
            audit.replay.key_prefix
            audit.replay.password_file
            audit.replay.password_env
            audit.replay.tls_ca_file
            audit.evidence.identity_headers
            audit.evidence.max_identity_bytes

            metrics.enabled
            metrics.listen

            logging.format

            signing.key_file
            signing.x5u
            signing.attest
            """;

    /** The stirshield.yaml schema. */
    public static final ConfigSchema STIRSHIELD = parse(KEYS);

    private final Map<String, Key> keys;

    private ConfigSchema(Map<String, Key> keys) {
        this.keys = keys;
    }

    static ConfigSchema parse(String text) {
        Map<String, Key> keys = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            Set<String> flags = Set.copyOf(List.of(f).subList(1, f.length));
            Kind kind = flags.contains("map") ? Kind.MAP : Kind.VALUE;
            Apply apply = flags.contains("reload") ? Apply.RELOAD : Apply.RESTART;
            String path = f[0];
            for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
                keys.putIfAbsent(path.substring(0, dot), new Key(path.substring(0, dot), Kind.SECTION, Apply.RESTART));
            }
            if (keys.put(path, new Key(path, kind, apply)) != null) {
                throw new IllegalStateException("config key declared twice: " + path);
            }
        }
        return new ConfigSchema(keys);
    }

    /** Every declared key and section, in declaration order. */
    public Collection<Key> keys() {
        return keys.values();
    }

    /** The declared key at {@code path}, or null. */
    public Key key(String path) {
        return keys.get(path);
    }

    /** The declared leaf keys (values and maps), in declaration order. */
    public List<Key> leaves() {
        return keys.values().stream().filter(k -> k.kind() != Kind.SECTION).toList();
    }

    /** The key at {@code path}, or an IllegalStateException: the code reads a key nobody declared. */
    Key require(String path) {
        Key k = keys.get(path);
        if (k == null) {
            throw new IllegalStateException("stirshield.yaml key '" + path + "' is read by the code but not declared "
                    + "in org.stirshield.config.ConfigSchema: declare it there and document it in docs/configuration.md");
        }
        return k;
    }

    /**
     * Checks every key of a document: an undeclared key (at any level) is a {@link ConfigException} with its
     * line and the key probably meant; a section given a scalar is one too.
     */
    void check(LocatedYaml doc) {
        if (!(doc.root instanceof LocatedYaml.Mapping top)) {
            throw new ConfigException(doc.file, doc.line(doc.root), "expected a YAML mapping of sections (server:, "
                    + "verification:, ...)");
        }
        check(doc, top);
    }

    private void check(LocatedYaml doc, LocatedYaml.Mapping m) {
        for (Map.Entry<String, JsonNode> e : m.properties()) {
            String path = m.pathOf(e.getKey());
            Key k = keys.get(path);
            int line = doc.line(m, e.getKey());
            if (k == null) {
                throw new ConfigException(doc.file, line, "unknown key '" + path + "'" + suggestion(m.path, e.getKey()));
            }
            JsonNode v = e.getValue();
            if (k.kind() != Kind.VALUE && !v.isNull() && !(v instanceof LocatedYaml.Mapping)) {
                throw new ConfigException(doc.file, line, path + ": expected a mapping"
                        + (k.kind() == Kind.SECTION ? " of keys (" + String.join(", ", children(path)) + ")" : ""));
            }
            if (k.kind() == Kind.SECTION && v instanceof LocatedYaml.Mapping child) {
                check(doc, child);
            }
        }
    }

    /** The declared keys directly under {@code parent} ("" = the top level), their last path element. */
    List<String> children(String parent) {
        List<String> out = new ArrayList<>();
        String prefix = parent.isEmpty() ? "" : parent + ".";
        for (String p : keys.keySet()) {
            if (p.startsWith(prefix) && p.indexOf('.', prefix.length()) < 0 && !p.equals(parent)) {
                out.add(p.substring(prefix.length()));
            }
        }
        return out;
    }

    /** " (did you mean 'x.y'?)", " (allowed here: a, b, c)" or "". */
    private String suggestion(String parent, String name) {
        String prefix = parent.isEmpty() ? "" : parent + ".";
        String close = closest(name, children(parent));
        if (close != null) {
            return " (did you mean '" + prefix + close + "'?)";
        }
        // the right key in the wrong section: 'listen' under verification
        for (String p : keys.keySet()) {
            if (p.endsWith("." + name) || p.equals(name)) {
                return " (did you mean '" + p + "'?)";
            }
        }
        List<String> here = children(parent);
        return here.isEmpty() ? "" : " (allowed here: " + String.join(", ", here) + ")";
    }

    /**
     * The candidate closest to {@code word} by edit distance (insertions, deletions, substitutions and
     * swaps of neighbours count one), when it is close enough to be a typo; else null.
     */
    public static String closest(String word, Collection<String> candidates) {
        String w = word.toLowerCase(Locale.ROOT);
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                best = c;
                bestD = d;
            }
        }
        int allowed = Math.max(1, Math.min(3, w.length() / 3));
        return best != null && bestD <= allowed ? best : null;
    }

    /** Optimal string alignment distance. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
