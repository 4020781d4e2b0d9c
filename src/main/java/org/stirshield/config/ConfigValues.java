package org.stirshield.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading the YAML configuration: the file into a tree, and typed values with defaults out of it.
 * Each area ({@code verification}, {@code certificates}, {@code server}, {@code policy}, {@code audit},
 * {@code metrics}) turns its own section into its own settings record.
 */
public final class ConfigValues {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?");

    private ConfigValues() {
    }

    /** Reads a YAML file; an empty file is an empty tree. Errors name the file and the line. */
    public static JsonNode readYaml(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            JsonNode node = YAML.readTree(in);
            return node == null || node.isMissingNode() ? YAML.createObjectNode() : node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IOException(file + (loc == null ? "" : ":" + loc.getLineNr()) + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The child {@code name} of {@code node}, or a missing node. */
    public static JsonNode section(JsonNode node, String name) {
        if (node == null) {
            return MissingNode.getInstance();
        }
        JsonNode n = node.path(name);
        return n.isNull() ? MissingNode.getInstance() : n;
    }

    public static String string(JsonNode node, String name, String dflt) {
        JsonNode n = section(node, name);
        return n.isMissingNode() ? dflt : n.asText();
    }

    public static int integer(JsonNode node, String name, int dflt) {
        JsonNode n = section(node, name);
        if (n.isMissingNode()) {
            return dflt;
        }
        if (!n.canConvertToInt() && !n.isTextual()) {
            throw new IllegalArgumentException(name + ": not an integer: " + n);
        }
        try {
            return n.isTextual() ? Integer.parseInt(n.asText().trim()) : n.intValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not an integer: " + n.asText());
        }
    }

    public static boolean bool(JsonNode node, String name, boolean dflt) {
        JsonNode n = section(node, name);
        if (n.isMissingNode()) {
            return dflt;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return switch (n.asText().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException(name + ": not a boolean: " + n.asText());
        };
    }

    public static Duration duration(JsonNode node, String name, Duration dflt) {
        JsonNode n = section(node, name);
        return n.isMissingNode() ? dflt : parseDuration(name, n.asText());
    }

    public static long bytes(JsonNode node, String name, long dflt) {
        JsonNode n = section(node, name);
        return n.isMissingNode() ? dflt : parseSize(name, n.asText());
    }

    /** {@code 500ms}, {@code 2s}, {@code 5m}, {@code 24h}, {@code 7d}; a bare number is seconds. */
    public static Duration parseDuration(String name, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(name + ": not a duration (e.g. 500ms, 2s, 5m, 24h): " + text);
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
            throw new IllegalArgumentException(name + ": not a size (e.g. 16KiB, 100MB): " + text);
        }
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        return switch (unit.charAt(0)) {
            case 'k' -> v * 1024;
            case 'm' -> v * 1024 * 1024;
            case 'g' -> v * 1024 * 1024 * 1024;
            default -> v;
        };
    }
}
