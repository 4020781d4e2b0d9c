package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.stirshield.config.ConfigValues;

/**
 * The {@code metrics:} section of {@code stirshield.yaml}.
 *
 * <pre>
 * metrics:
 *   enabled: true            # false: no HTTP endpoint at all
 *   listen: 127.0.0.1:9464   # HOST:PORT ([::1]:9464 for IPv6; port 0 = any free port)
 * </pre>
 *
 * @param enabled whether the metrics/health HTTP endpoint runs
 * @param host the address to bind
 * @param port the port to bind (0: any free port, see {@link Metrics#port()})
 */
public record MetricsSettings(boolean enabled, String host, int port) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:9464";

    public MetricsSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("metrics.listen: missing host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("metrics.listen: port out of range: " + port);
        }
    }

    public static MetricsSettings defaults() {
        return parse(true, DEFAULT_LISTEN);
    }

    public static MetricsSettings disabled() {
        return new MetricsSettings(false, "127.0.0.1", 9464);
    }

    /** From the {@code metrics:} section (missing or null: enabled on 127.0.0.1:9464). */
    public static MetricsSettings from(JsonNode metrics) {
        boolean enabled = ConfigValues.bool(metrics, "enabled", true);
        String listen = ConfigValues.string(metrics, "listen", DEFAULT_LISTEN);
        try {
            return parse(enabled, listen);
        } catch (IllegalArgumentException e) {
            throw ConfigValues.fail(metrics, "listen", e.getMessage().replaceFirst("^metrics\\.listen: ", ""));
        }
    }

    /**
     * The settings with {@code serve --metrics VALUE} applied when given: {@code HOST:PORT} turns the endpoint
     * on there, {@code off} (or {@code false}, {@code none}) turns it off.
     */
    public static MetricsSettings resolve(String cliValue, JsonNode metrics) {
        MetricsSettings s = from(metrics);
        if (cliValue == null || cliValue.isBlank()) {
            return s;
        }
        return switch (cliValue.trim().toLowerCase(Locale.ROOT)) {
            case "off", "false", "none", "no" -> new MetricsSettings(false, s.host(), s.port());
            default -> parse(true, cliValue);
        };
    }

    /** {@code HOST:PORT}, {@code [v6]:PORT}, or {@code :PORT} (127.0.0.1). */
    static MetricsSettings parse(boolean enabled, String listen) {
        String l = listen.trim();
        int colon = l.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("metrics.listen: expected HOST:PORT: " + listen);
        }
        String host = l.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "127.0.0.1";
        }
        int port;
        try {
            port = Integer.parseInt(l.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metrics.listen: bad port: " + listen);
        }
        return new MetricsSettings(enabled, host, port);
    }

    /** {@code host:port} as configured. */
    public String listen() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
