package org.stirshield.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading stirshield.yaml: the file into a located tree ({@link #readYaml}: unknown keys are errors with
 * {@code file:line}), and typed values with defaults out of it. Each area ({@code server},
 * {@code verification}, {@code certificates}, {@code policy}, {@code audit}, {@code metrics},
 * {@code signing}) turns its own section into its own settings record through these readers.
 *
 * <p>On a tree from {@link #readYaml} (or {@link #emptyConfig}) every reader
 * <ul>
 *   <li>refuses a key that {@link ConfigSchema} does not declare (IllegalStateException: a programming
 *       error, caught by the first test that loads a configuration);</li>
 *   <li>reports a bad value as a {@link ConfigException} {@code /abs/stirshield.yaml:12: server.read_timeout:
 *       not a duration (e.g. 500ms, 2s, 5m, 24h): 1 second};</li>
 *   <li>resolves relative paths against the configuration file's directory ({@link #path}).</li>
 * </ul>
 * On any other tree (tests building JSON by hand, {@code null} for defaults) they behave the same without
 * lines, and paths stay relative to the working directory.
 */
public final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?");
    private static final Pattern KEY_PATH = Pattern.compile("^([a-z_]+(?:\\.[a-z_]+)+)\\b");
    /** A configuration file larger than this is refused (a real one is a few KiB). */
    static final long MAX_CONFIG_BYTES = 1L << 20;

    private ConfigValues() {
    }

    /**
     * Reads stirshield.yaml: every key checked against {@link ConfigSchema} (an unknown key at any level is a
     * {@link ConfigException} with its line and the key probably meant); relative paths in it resolve against
     * its directory. Errors name the absolute path.
     *
     * @throws IOException never for a missing or unreadable file (that is a {@link ConfigException} too); kept
     *     for callers that handle both
     */
    public static JsonNode readYaml(Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        byte[] bytes;
        try {
            if (Files.isDirectory(abs)) {
                throw new ConfigException(abs.toString(), 0, "is a directory, not a configuration file");
            }
            if (Files.size(abs) > MAX_CONFIG_BYTES) {
                throw new ConfigException(abs.toString(), 0, "larger than " + MAX_CONFIG_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(abs);
        } catch (IOException e) {
            throw new ConfigException(abs.toString(), 0, "cannot read the configuration file: " + why(e));
        }
        return parse(abs.toString(), new ByteArrayInputStream(bytes), abs.getParent());
    }

    /** An empty configuration (every default), read like a file: relative paths are relative to {@code baseDir}. */
    public static JsonNode emptyConfig(Path baseDir) {
        return parse("(no configuration file)", InputStream.nullInputStream(), baseDir.toAbsolutePath().normalize());
    }

    private static JsonNode parse(String name, InputStream in, Path baseDir) {
        LocatedYaml doc = LocatedYaml.parse(name, in, baseDir, ConfigSchema.STIRSHIELD);
        ConfigSchema.STIRSHIELD.check(doc);
        return doc.root;
    }

    /** Why an I/O operation on a file failed, in words (not just the path, which the caller names). */
    public static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * The child {@code name} of {@code node}: a section ({@code ConfigValues.section(root, "server")}) or a
     * raw value; a missing node when absent (on a located tree an absent section is an empty one, so that
     * reads under it are still checked and located).
     */
    public static JsonNode section(JsonNode node, String name) {
        if (node instanceof LocatedYaml.Mapping m && m.doc.schema != null) {
            String path = m.pathOf(name);
            ConfigSchema.Key key = m.doc.schema.require(path);
            m.doc.read.add(path);
            JsonNode n = m.get(name);
            if (key.kind() != ConfigSchema.Kind.VALUE && (n == null || n.isNull())) {
                return new LocatedYaml.Mapping(m.doc, path, m.doc.line(m, name));
            }
            return n == null || n.isNull() ? MissingNode.getInstance() : n;
        }
        if (node == null) {
            return MissingNode.getInstance();
        }
        JsonNode n = node.path(name);
        return n.isNull() ? MissingNode.getInstance() : n;
    }

    /** Whether the key is set (present and not null) in the file. */
    public static boolean isSet(JsonNode node, String name) {
        section(node, name); // declared?
        JsonNode n = node == null ? null : node.get(name);
        return n != null && !n.isNull();
    }

    public static String string(JsonNode node, String name, String dflt) {
        JsonNode n = section(node, name);
        if (n.isMissingNode()) {
            return dflt;
        }
        if (n.isContainerNode()) {
            throw fail(node, name, "expected a single value, not a " + (n.isArray() ? "list" : "mapping"));
        }
        return n.asText();
    }

    /** One of {@code allowed} (case-insensitive; returned in lower case). */
    public static String choice(JsonNode node, String name, String dflt, String... allowed) {
        String v = string(node, name, dflt);
        if (v == null) {
            return null;
        }
        String t = v.strip().toLowerCase(Locale.ROOT);
        if (!List.of(allowed).contains(t)) {
            throw fail(node, name, "expected " + String.join(" | ", allowed) + ", not '" + v + "'");
        }
        return t;
    }

    public static int integer(JsonNode node, String name, int dflt) {
        return integer(node, name, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An integer in {@code min..max}. */
    public static int integer(JsonNode node, String name, int dflt, int min, int max) {
        String t = string(node, name, null);
        if (t == null) {
            return dflt;
        }
        int v;
        try {
            v = Integer.parseInt(t.strip());
        } catch (NumberFormatException e) {
            throw fail(node, name, "not an integer: " + t);
        }
        if (v < min || v > max) {
            throw fail(node, name, "must be " + range(min, max) + ", not " + v);
        }
        return v;
    }

    public static boolean bool(JsonNode node, String name, boolean dflt) {
        JsonNode n = section(node, name);
        if (n.isMissingNode()) {
            return dflt;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        String t = string(node, name, "");
        return switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw fail(node, name, "expected true or false, not '" + t + "'");
        };
    }

    public static Duration duration(JsonNode node, String name, Duration dflt) {
        String t = string(node, name, null);
        if (t == null) {
            return dflt;
        }
        try {
            return parseDuration(null, t);
        } catch (IllegalArgumentException e) {
            throw fail(node, name, e.getMessage());
        }
    }

    public static long bytes(JsonNode node, String name, long dflt) {
        String t = string(node, name, null);
        if (t == null) {
            return dflt;
        }
        try {
            return parseSize(null, t);
        } catch (IllegalArgumentException e) {
            throw fail(node, name, e.getMessage());
        }
    }

    /**
     * A file or directory path; relative to the configuration file's directory on a tree from
     * {@link #readYaml} (as nginx and Prometheus do), else to the working directory. {@code dflt} (may be
     * null) is resolved the same way; an empty value counts as absent.
     */
    public static Path path(JsonNode node, String name, String dflt) {
        String t = string(node, name, null);
        if (t == null || t.isBlank()) {
            t = dflt;
        }
        if (t == null) {
            return null;
        }
        try {
            return resolve(node, t.strip());
        } catch (java.nio.file.InvalidPathException e) {
            throw fail(node, name, "not a path: " + t);
        }
    }

    /** {@code text} as a path resolved like {@link #path} does it for a value under {@code node}. */
    public static Path resolve(JsonNode node, String text) {
        Path p = Path.of(text);
        if (p.isAbsolute()) {
            return p.normalize();
        }
        Path base = node instanceof LocatedYaml.Mapping m ? m.doc.baseDir : null;
        return base == null ? p : base.resolve(p).normalize();
    }

    /**
     * A list of strings: a YAML list, or one value (split at commas and white space when {@code split}).
     * {@code dflt} when absent.
     */
    public static List<String> strings(JsonNode node, String name, List<String> dflt, boolean split) {
        JsonNode n = section(node, name);
        if (n.isMissingNode()) {
            return dflt;
        }
        List<String> out = new ArrayList<>();
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                if (n.get(i).isContainerNode() || n.get(i).isNull()) {
                    throw fail(node, name, "item " + (i + 1) + ": expected a single value");
                }
                out.add(n.get(i).asText());
            }
        } else if (n.isContainerNode()) {
            throw fail(node, name, "expected a list");
        } else if (split) {
            for (String s : n.asText().split("[,\\s]+")) {
                if (!s.isBlank()) {
                    out.add(s);
                }
            }
        } else {
            out.add(n.asText());
        }
        return out;
    }

    /**
     * An error about key {@code name} of {@code node}: on a located tree {@code /abs/file:LINE: a.b.name: why}
     * (a {@link ConfigException}), else {@code name: why}.
     */
    public static IllegalArgumentException fail(JsonNode node, String name, String why) {
        if (node instanceof LocatedYaml.Mapping m) {
            return new ConfigException(m.doc.file, m.doc.line(m, name), m.pathOf(name) + ": " + why);
        }
        return new IllegalArgumentException(name + ": " + why);
    }

    /**
     * {@code e} with the file and line of the key its message starts with ({@code certificates.cache.max_ttl
     * is shorter than min_ttl} → {@code /etc/stirshield/stirshield.yaml:41: certificates.cache.max_ttl ...}),
     * for checks that settings records make across keys. Already located errors, and errors about a
     * command-line option (starting with {@code --}), come back as they are.
     */
    public static IllegalArgumentException locate(JsonNode root, IllegalArgumentException e) {
        if (e instanceof ConfigException || !(root instanceof LocatedYaml.Mapping top)) {
            return e;
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (msg.startsWith("--")) {
            return e; // a command-line option's value (serve --audit, --listen): not the file's
        }
        Matcher m = KEY_PATH.matcher(msg);
        int line = 0;
        if (m.find()) {
            JsonNode at = top;
            for (String part : m.group(1).split("\\.")) {
                if (!(at instanceof LocatedYaml.Mapping mm) || !mm.has(part)) {
                    break;
                }
                line = top.doc.line(mm, part);
                at = mm.get(part);
            }
        }
        return new ConfigException(top.doc.file, line, msg);
    }

    /** The configuration file's name in messages (an absolute path), or null for a tree not read from a file. */
    public static String fileOf(JsonNode node) {
        return node instanceof LocatedYaml.Mapping m ? m.doc.file : null;
    }

    /**
     * The declared keys whose values differ between two configurations (absent and null count as the same),
     * in declaration order: what a reload must apply or report.
     */
    public static List<String> changedKeys(JsonNode before, JsonNode after) {
        List<String> out = new ArrayList<>();
        for (ConfigSchema.Key k : ConfigSchema.STIRSHIELD.leaves()) {
            if (!at(before, k.path()).equals(at(after, k.path()))) {
                out.add(k.path());
            }
        }
        return out;
    }

    private static JsonNode at(JsonNode root, String path) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n == null || n.isNull() ? MissingNode.getInstance() : n;
    }

    /** The key paths the code has read from this document so far (tests: is every declared key read?). */
    public static Set<String> keysRead(JsonNode root) {
        return root instanceof LocatedYaml.Mapping m ? Set.copyOf(m.doc.read) : Set.of();
    }

    /** {@code 500ms}, {@code 2s}, {@code 5m}, {@code 24h}, {@code 7d}; a bare number is seconds. */
    public static Duration parseDuration(String name, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException((name == null ? "" : name + ": ")
                    + "not a duration (e.g. 500ms, 2s, 5m, 24h): " + text);
        }
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            case "h" -> Duration.ofHours(v);
            default -> Duration.ofDays(v);
        };
    }

    /** {@code 16384}, {@code 16KiB}, {@code 100MB}, ... (K/M/G are powers of 1024). */
    public static long parseSize(String name, String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException((name == null ? "" : name + ": ")
                    + "not a size (e.g. 16KiB, 100MB): " + text);
        }
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long mult = switch (unit.charAt(0)) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        if (v > Long.MAX_VALUE / mult) {
            throw new IllegalArgumentException((name == null ? "" : name + ": ") + "too large: " + text);
        }
        return v * mult;
    }

    private static String range(int min, int max) {
        if (max == Integer.MAX_VALUE) {
            return "at least " + min;
        }
        return min == Integer.MIN_VALUE ? "at most " + max : min + ".." + max;
    }
}
