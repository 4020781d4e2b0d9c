package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.stirshield.config.ConfigValues;

/**
 * The {@code audit.replay:} section of {@code stirshield.yaml}: where replay detection remembers PASSporTs.
 *
 * <pre>
 * audit:
 *   replay:
 *     store: memory              # memory (this instance) | redis://host:6379/0 | rediss://host:6380/0 (TLS)
 *     peak_rate: 1000            # calls/s this instance must hold at most: sizes the memory store
 *     max_entries:               # PASSporTs kept in memory (default: peak_rate x the longest window);
 *                                # a value that cannot hold peak_rate x window is refused
 *     timeout: 20ms              # per store operation; a slower store is skipped for that call
 *     probe_interval: 1s         # how often the store is checked in the background
 *     connections: 8             # connections to the store kept open
 *     key_prefix: "stirshield:replay:"
 *     password_file: /etc/stirshield/redis.pass   # or password_env: STIRSHIELD_REDIS_PASSWORD
 *     tls_ca_file:               # PEM CA bundle for rediss:// (empty: the JDK's trust store)
 * </pre>
 *
 * A URL with a password in it ({@code redis://:secret@host}) is refused: the password comes from a file or an
 * environment variable, never from the YAML. A user name ({@code redis://stirshield@host}, Redis 6 ACL) may
 * stand in the URL.
 *
 * @param window how long each PASSporT is remembered (from {@code verification.freshness} and
 *     {@code future_skew})
 * @param peakRate the calls/s the memory store is sized for
 * @param maxEntries PASSporTs kept in memory at most
 * @param store the shared store, or null for {@code memory}
 */
public record ReplaySettings(ReplayWindow window, int peakRate, long maxEntries, Store store) {
    public static final int DEFAULT_PEAK_RATE = 1000;
    /** More PASSporTs than this (about 3 GB of heap) is a typo, not a sizing. */
    static final long MAX_ENTRIES_LIMIT = 10_000_000;

    /**
     * A Redis/Valkey store.
     *
     * @param uri {@code redis://host:port/db} or {@code rediss://...}, without a password
     * @param user the ACL user from the URL, or null
     * @param password the password from {@code password_file} / {@code password_env}, or null
     * @param database the database number from the URL path (default 0)
     * @param tls {@code rediss://}
     * @param tlsCaFile PEM CA bundle for TLS, or null (the JDK's trust store)
     * @param timeout the limit for one operation
     * @param probeInterval how often the store is probed in the background
     * @param connections connections kept open
     * @param keyPrefix prepended to each PASSporT digest
     */
    public record Store(URI uri, String user, String password, int database, boolean tls, Path tlsCaFile,
            Duration timeout, Duration probeInterval, int connections, String keyPrefix) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(20);
        public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
        public static final int DEFAULT_CONNECTIONS = 8;
        public static final String DEFAULT_KEY_PREFIX = "stirshield:replay:";

        public Store {
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("audit.replay.timeout: 1ms..1s (it is spent inside the call's"
                        + " decision deadline): " + timeout.toMillis() + "ms");
            }
            if (probeInterval.compareTo(Duration.ofMillis(50)) < 0 || probeInterval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("audit.replay.probe_interval: 50ms..1m: " + probeInterval.toMillis() + "ms");
            }
            if (connections < 1 || connections > 256) {
                throw new IllegalArgumentException("audit.replay.connections: 1..256: " + connections);
            }
            if (keyPrefix.length() > 64) {
                throw new IllegalArgumentException("audit.replay.key_prefix: at most 64 characters");
            }
        }

        public String host() {
            return uri.getHost();
        }

        public int port() {
            return uri.getPort() < 0 ? 6379 : uri.getPort();
        }

        /** The URL as it may be logged (it never carries a password). */
        public String display() {
            return uri.toString();
        }

        @Override
        public String toString() {
            return "Store[" + display() + (password == null ? "" : ", password set") + "]";
        }
    }

    public ReplaySettings {
        if (peakRate < 1) {
            throw new IllegalArgumentException("audit.replay.peak_rate: at least 1 call/s: " + peakRate);
        }
        long needed = needed(window, peakRate);
        if (maxEntries < needed) {
            throw new IllegalArgumentException("audit.replay.max_entries: " + maxEntries + " cannot hold the replay"
                    + " window: peak_rate " + peakRate + " calls/s x " + window.longest().toSeconds() + " s = "
                    + needed + " PASSporTs (replays would silently fall out of memory); raise max_entries, lower"
                    + " peak_rate, or leave max_entries unset to size it from peak_rate");
        }
        if (maxEntries > MAX_ENTRIES_LIMIT) {
            throw new IllegalArgumentException("audit.replay.max_entries: at most " + MAX_ENTRIES_LIMIT + ": "
                    + maxEntries + " (peak_rate " + peakRate + " x " + window.longest().toSeconds() + " s)");
        }
    }

    /** PASSporTs the memory store must hold: {@code peak_rate x the longest window}. */
    static long needed(ReplayWindow window, int peakRate) {
        return (long) peakRate * window.longest().toSeconds();
    }

    /** Memory only, sized for {@link #DEFAULT_PEAK_RATE}. */
    public static ReplaySettings memory(ReplayWindow window) {
        return new ReplaySettings(window, DEFAULT_PEAK_RATE, needed(window, DEFAULT_PEAK_RATE), null);
    }

    /** From the {@code audit.replay} section, passwords from the process environment. */
    public static ReplaySettings from(JsonNode replay, ReplayWindow window) {
        return from(replay, window, System::getenv);
    }

    /**
     * From the {@code audit.replay} section (missing: memory, defaults).
     *
     * @param env reads an environment variable (for {@code password_env})
     * @throws IllegalArgumentException naming the key for a bad value, an unreadable password file, a password
     *     in the URL
     */
    public static ReplaySettings from(JsonNode replay, ReplayWindow window, UnaryOperator<String> env) {
        // every key is read (and so checked) whatever the store, as check-config requires
        int peak = ConfigValues.integer(replay, "peak_rate", DEFAULT_PEAK_RATE);
        if (peak < 1) {
            throw new IllegalArgumentException("audit.replay.peak_rate: at least 1 call/s: " + peak);
        }
        JsonNode max = ConfigValues.section(replay, "max_entries");
        long entries = max.isMissingNode() || max.asText().isBlank() ? needed(window, peak)
                : ConfigValues.integer(replay, "max_entries", 0);
        String where = ConfigValues.string(replay, "store", "memory").trim();
        Duration timeout = ConfigValues.duration(replay, "timeout", Store.DEFAULT_TIMEOUT);
        Duration probe = ConfigValues.duration(replay, "probe_interval", Store.DEFAULT_PROBE_INTERVAL);
        int connections = ConfigValues.integer(replay, "connections", Store.DEFAULT_CONNECTIONS);
        String prefix = ConfigValues.string(replay, "key_prefix", Store.DEFAULT_KEY_PREFIX);
        Path passwordFile = ConfigValues.path(replay, "password_file", null);
        String passwordEnv = ConfigValues.string(replay, "password_env", "").trim();
        Path caFile = ConfigValues.path(replay, "tls_ca_file", null);
        if (replay != null && replay.has("password")) { // not a key: refused with the keys to use instead
            throw new IllegalArgumentException("audit.replay.password: never in stirshield.yaml; use password_file"
                    + " or password_env");
        }
        Store store = null;
        if (!where.isEmpty() && !where.equalsIgnoreCase("memory")) {
            store = store(where, password(passwordFile, passwordEnv, env), caFile, timeout, probe, connections, prefix);
        }
        return new ReplaySettings(window, peak, entries, store);
    }

    private static Store store(String url, String password, Path caFile, Duration timeout, Duration probe,
            int connections, String prefix) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("audit.replay.store: not memory or a redis:// URL: " + redact(url));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("audit.replay.store: memory, redis://host:port/db or rediss://host:port/db,"
                    + " not " + redact(url));
        }
        String user = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getUserInfo();
            if (info.contains(":")) {
                throw new IllegalArgumentException("audit.replay.store: the URL carries a password; put it in a file"
                        + " (audit.replay.password_file) or an environment variable (audit.replay.password_env),"
                        + " never in stirshield.yaml: " + redact(url));
            }
            user = info.isEmpty() ? null : info;
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException("audit.replay.store: no host in " + redact(url));
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("audit.replay.store: no ?query or #fragment: settings go under"
                    + " audit.replay: " + redact(url));
        }
        int db = 0;
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                db = -1;
            }
            if (db < 0 || db > 65535) {
                throw new IllegalArgumentException("audit.replay.store: the path is the database number"
                        + " (redis://host:6379/0): " + redact(url));
            }
        }
        if (caFile != null && !Files.isReadable(caFile)) {
            throw new IllegalArgumentException("audit.replay.tls_ca_file: cannot read " + caFile.toAbsolutePath());
        }
        URI clean;
        try {
            clean = new URI(scheme, user, uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), "/" + db, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("audit.replay.store: " + e.getMessage());
        }
        return new Store(clean, user, password, db, scheme.equals("rediss"), caFile, timeout, probe, connections,
                prefix);
    }

    private static String password(Path file, String var, UnaryOperator<String> env) {
        if (file != null && !var.isEmpty()) {
            throw new IllegalArgumentException("audit.replay: password_file and password_env both set; choose one");
        }
        if (file != null) {
            Path p = file.toAbsolutePath();
            String text;
            try {
                text = Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("audit.replay.password_file: cannot read " + p + ": " + e.getMessage());
            }
            String pw = text.strip();
            if (pw.isEmpty() || pw.indexOf('\n') >= 0 || pw.length() > 1024) {
                throw new IllegalArgumentException("audit.replay.password_file: " + p + " must hold the password on one"
                        + " line (1..1024 characters)");
            }
            return pw;
        }
        if (!var.isEmpty()) {
            String pw = env.apply(var);
            if (pw == null || pw.isEmpty()) {
                throw new IllegalArgumentException("audit.replay.password_env: the environment variable " + var
                        + " is not set");
            }
            return pw;
        }
        return null;
    }

    /** The URL with any password replaced, for error messages. */
    static String redact(String url) {
        return url.replaceAll("(?<=://)([^/@:]*):[^/@]*@", "$1:***@");
    }

    /** Whether PASSporTs are shared with other instances. */
    public boolean shared() {
        return store != null;
    }
}
