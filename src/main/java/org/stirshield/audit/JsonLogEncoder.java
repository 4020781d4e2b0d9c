package org.stirshield.audit;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The application log as JSON lines ({@code logging.format: json}): one object per event, flat, with the
 * fields log pipelines (Elasticsearch, Loki, Splunk) index by name:
 *
 * <pre>
 * {"time":"2026-11-23T16:20:05.123Z","level":"WARN","logger":"org.stirshield.service.ScreeningPipeline",
 *  "thread":"agi-session-17","message":"...","call_id":"a84b4c76e66710@gw3.example","unique_id":"1763900000.42",
 *  "exception":"java.lang.IllegalStateException: ...\n\tat ..."}
 * </pre>
 *
 * {@code time} is UTC with milliseconds; {@code call_id} (SIP Call-ID) and {@code unique_id} (Asterisk's) are
 * there when the event belongs to a call (from the MDC, as are any other MDC entries); {@code exception} only
 * with a throwable. Strings are JSON-escaped and bounded ({@link #MAX_MESSAGE}, {@link #MAX_EXCEPTION}).
 * Logback's own {@code JsonEncoder} writes epoch milliseconds, nests the MDC and by default writes the message
 * pattern unformatted; this one keeps the documented flat shape.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
    static final int MAX_MESSAGE = 8 * 1024;
    static final int MAX_EXCEPTION = 16 * 1024;
    private static final int MAX_MDC = 16;
    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final byte[] NOTHING = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", TIME.format(Instant.ofEpochMilli(e.getTimeStamp())));
            g.writeStringField("level", e.getLevel().toString());
            g.writeStringField("logger", e.getLoggerName());
            g.writeStringField("thread", e.getThreadName());
            g.writeStringField("message", AuditRecord.cut(String.valueOf(e.getFormattedMessage()), MAX_MESSAGE));
            Map<String, String> mdc = e.getMDCPropertyMap();
            if (mdc != null) {
                int n = 0;
                for (Map.Entry<String, String> m : mdc.entrySet()) {
                    if (n++ == MAX_MDC || m.getValue() == null) {
                        continue;
                    }
                    g.writeStringField(AuditRecord.cut(m.getKey(), 64), AuditRecord.cut(m.getValue(), AuditRecord.MAX_STRING));
                }
            }
            IThrowableProxy t = e.getThrowableProxy();
            if (t != null) {
                g.writeStringField("exception", AuditRecord.cut(ThrowableProxyUtil.asString(t), MAX_EXCEPTION));
            }
            g.writeEndObject();
        } catch (IOException ex) {
            return ("{\"level\":\"ERROR\",\"message\":\"log event not encoded: " + ex.getClass().getSimpleName() + "\"}\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        out.write('\n');
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }
}
