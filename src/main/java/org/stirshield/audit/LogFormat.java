package org.stirshield.audit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.stirshield.config.ConfigValues;

/**
 * The format of the application log on standard error ({@code logging:} section of {@code stirshield.yaml}):
 *
 * <pre>
 * logging:
 *   format: text     # text (default): one line per event; json: one JSON object per line (JsonLogEncoder)
 * </pre>
 *
 * Without the key, the environment variable {@code STIRSHIELD_LOG_FORMAT} decides (for commands that read no
 * configuration); the level stays {@code STIRSHIELD_LOG_LEVEL}. The audit log is not affected: it is always
 * JSON lines in its own file.
 */
public enum LogFormat {
    TEXT, JSON;

    /** The text pattern (LogConfigurator). */
    static final String TEXT_PATTERN = "%d{ISO8601} %-5level [%thread] %logger{30} - %msg%n";

    /**
     * {@code logging.format} of the configuration, else {@code STIRSHIELD_LOG_FORMAT}, else text.
     *
     * @throws IllegalArgumentException for any other value (the message names the key)
     */
    public static LogFormat from(JsonNode config) {
        String v = ConfigValues.choice(ConfigValues.section(config, "logging"), "format", null, "text", "json");
        if (v != null) {
            return v.equals("json") ? JSON : TEXT;
        }
        String env = System.getenv("STIRSHIELD_LOG_FORMAT");
        if (env == null || env.isBlank()) {
            return TEXT;
        }
        return switch (env.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("STIRSHIELD_LOG_FORMAT: expected text | json, not '"
                    + env.trim() + "'");
        };
    }

    /** Makes every console and file appender of the application log write this format from now on. */
    public void apply() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return; // another SLF4J binding: its own configuration rules
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> a) {
                a.setEncoder(encoder(ctx)); // the appender keeps its stream; the next event uses the new encoder
            }
        }
    }

    private Encoder<ILoggingEvent> encoder(LoggerContext ctx) {
        if (this == JSON) {
            JsonLogEncoder e = new JsonLogEncoder();
            e.setContext(ctx);
            e.start();
            return e;
        }
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(TEXT_PATTERN);
        e.start();
        return e;
    }
}
