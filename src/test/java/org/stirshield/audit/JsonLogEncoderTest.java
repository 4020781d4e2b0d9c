package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code logging.format: json}: one flat JSON object per line with the fields log pipelines index. */
class JsonLogEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void oneObjectPerLineWithTimeLevelLoggerThreadMessageAndCallIds() throws Exception {
        LoggerContext ctx = context();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("org.stirshield.service.ScreeningPipeline"), Level.WARN,
                "call {}: decision ({} {}) came after the fail-safe answer", null,
                new Object[] {"1763900000.42", "FAIL", "bad_signature"});
        e.setTimeStamp(1_795_995_666_123L);
        e.setThreadName("agi-session-17");
        e.setMDCPropertyMap(Map.of("call_id", "a84b4c76e66710@gw3.example", "unique_id", "1763900000.42"));
        String line = new String(new JsonLogEncoder().encode(e), StandardCharsets.UTF_8);
        assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        JsonNode n = JSON.readTree(line);
        assertEquals("2026-11-29T23:41:06.123Z", n.get("time").asText());
        assertEquals("WARN", n.get("level").asText());
        assertEquals("org.stirshield.service.ScreeningPipeline", n.get("logger").asText());
        assertEquals("agi-session-17", n.get("thread").asText());
        assertEquals("call 1763900000.42: decision (FAIL bad_signature) came after the fail-safe answer",
                n.get("message").asText(), "the formatted message, not the pattern");
        assertEquals("a84b4c76e66710@gw3.example", n.get("call_id").asText());
        assertEquals("1763900000.42", n.get("unique_id").asText());
        assertFalse(n.has("exception"));
    }

    @Test
    void hostileMessagesStayOneLineAndExceptionsAreOneField() throws Exception {
        LoggerContext ctx = context();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("t"), Level.ERROR,
                "x5u {}", new IllegalStateException("boom"), new Object[] {"https://evil/\n{\"level\":\"INFO\"}\u001b[31m"
                        + "x".repeat(20_000)});
        String line = new String(new JsonLogEncoder().encode(e), StandardCharsets.UTF_8);
        assertEquals(1, line.split("\n").length, "still one line");
        JsonNode n = JSON.readTree(line);
        assertEquals("ERROR", n.get("level").asText(), "an injected field does not override the real one");
        assertEquals(JsonLogEncoder.MAX_MESSAGE, n.get("message").asText().length(), "bounded");
        assertTrue(n.get("exception").asText().startsWith("java.lang.IllegalStateException: boom"));
        assertTrue(n.get("exception").asText().contains("\tat "), "with its stack trace, inside the field");
    }

    @Test
    void theFormatComesFromTheConfigurationAndIsValidated() throws Exception {
        assertEquals(LogFormat.JSON, LogFormat.from(JSON.readTree("{\"logging\":{\"format\":\"JSON\"}}")));
        assertEquals(LogFormat.TEXT, LogFormat.from(JSON.readTree("{\"logging\":{\"format\":\"text\"}}")));
        java.nio.file.Path yaml = java.nio.file.Files.createTempFile("stirshield", ".yaml");
        try {
            java.nio.file.Files.writeString(yaml, "# logs\nlogging:\n  format: xml\n");
            com.fasterxml.jackson.databind.JsonNode config = org.stirshield.config.ConfigValues.readYaml(yaml);
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> LogFormat.from(config));
            assertEquals(yaml.toAbsolutePath() + ":3: logging.format: expected text | json, not 'xml'", bad.getMessage());
        } finally {
            java.nio.file.Files.delete(yaml);
        }
        for (String field : List.of("time", "level", "logger", "thread", "message")) {
            assertTrue(new String(new JsonLogEncoder().encode(new LoggingEvent("x", context().getLogger("l"),
                    Level.INFO, "m", null, null)), StandardCharsets.UTF_8).contains("\"" + field + "\":"), field);
        }
    }

    /** A logger context as the application has one (with its MDC adapter). */
    private static LoggerContext context() {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        return ctx;
    }
}
