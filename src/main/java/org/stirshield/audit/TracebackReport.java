package org.stirshield.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * {@code report --format traceback} (CSV) and {@code traceback-json}: one row per rejected or failed call
 * that claimed a protected number, with what a traceback request to the upstream carrier needs: the exact
 * time (UTC with milliseconds, and local), the numbers as presented (From and P-Asserted-Identity as received,
 * the canonical caller and called numbers in E.164), the SIP Call-ID and the source address of the INVITE,
 * the inbound trunk, the Identity header(s) as received, and what StirShield found (signer, reason, action).
 * Streamed: rows are written as the files are read.
 */
final class TracebackReport {
    /** The columns (CSV) and keys (JSON), in order; docs/audit.md describes each. */
    static final List<String> COLUMNS = List.of("time_utc", "time_local", "caller", "called", "from",
            "p_asserted_identity", "sip_call_id", "source", "trunk", "identity", "identity_count", "attest", "origid",
            "spc", "cert_fp", "x5u", "iat", "verify", "reason", "sip_code", "status", "action", "agency",
            "protected_entry", "policy", "history_info", "diversion", "unique_id", "channel");

    private static final DateTimeFormatter UTC =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();

    private final Writer out;
    private final ReportZone zone;
    private final boolean json;
    private JsonGenerator g;
    private long rows;

    TracebackReport(Writer out, ReportZone zone, boolean json) {
        this.out = out;
        this.zone = zone;
        this.json = json;
    }

    void header(Instant since, Instant until) throws IOException {
        if (!json) {
            out.write(Csv.row(COLUMNS));
            return;
        }
        g = JSON.createGenerator(out);
        g.setPrettyPrinter(new OneCallPerLine());
        g.writeStartObject();
        g.writeStringField("report", "stirshield traceback");
        g.writeStringField("time_zone", zone.zone().getId());
        g.writeStringField("since", since == null ? null : utc(since));
        g.writeStringField("until", until == null ? null : utc(until));
        g.writeArrayFieldStart("calls");
    }

    /** Writes the call when it is a spoofing attempt (failed or rejected, claiming a protected number). */
    void accept(AuditEntry e) {
        if (!e.spoofed()) {
            return;
        }
        rows++;
        try {
            if (json) {
                jsonRow(e);
            } else {
                out.write(Csv.row(List.of(Csv.text(utc(e.ts())), Csv.text(zone.iso(e.ts())),
                        Csv.text(E164.display(e.caller())), Csv.text(E164.display(e.called())), Csv.text(e.from()),
                        Csv.lines(e.pai()), Csv.text(e.sipCallId()), Csv.text(e.source()), Csv.text(e.trunk()),
                        Csv.lines(e.identity()), Csv.number(e.identityCount()), Csv.text(e.attest()),
                        Csv.text(e.origid()), Csv.text(e.spc()), Csv.text(e.certFp()), Csv.text(e.x5u()),
                        Csv.number(e.iat()), Csv.text(e.verify()), Csv.text(e.reason()), Csv.number(e.sipCode()),
                        Csv.text(e.status()), Csv.text(e.action()), Csv.text(e.agency()), Csv.text(E164.display(e.entry())),
                        Csv.text(e.policy()), Csv.lines(e.historyInfo()), Csv.lines(e.diversion()),
                        Csv.text(e.uniqueId()), Csv.text(e.channel()))));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void jsonRow(AuditEntry e) throws IOException {
        g.writeStartObject();
        g.writeStringField("time_utc", utc(e.ts()));
        g.writeStringField("time_local", zone.iso(e.ts()));
        g.writeStringField("caller", E164.display(e.caller()));
        g.writeStringField("called", E164.display(e.called()));
        g.writeStringField("from", e.from());
        strings("p_asserted_identity", e.pai());
        g.writeStringField("sip_call_id", e.sipCallId());
        g.writeStringField("source", e.source());
        g.writeStringField("trunk", e.trunk());
        g.writeFieldName("identity");
        if (e.identity() == null) {
            g.writeNull(); // not recorded (audit.evidence.identity_headers: false, or an older record)
        } else {
            strings(null, e.identity());
        }
        g.writeNumberField("identity_count", e.identityCount());
        g.writeStringField("attest", e.attest());
        g.writeStringField("origid", e.origid());
        g.writeStringField("spc", e.spc());
        g.writeStringField("cert_fp", e.certFp());
        g.writeStringField("x5u", e.x5u());
        number("iat", e.iat());
        g.writeStringField("verify", e.verify());
        g.writeStringField("reason", e.reason());
        number("sip_code", e.sipCode() == null ? null : e.sipCode().longValue());
        g.writeStringField("status", e.status());
        g.writeStringField("action", e.action());
        g.writeStringField("agency", e.agency());
        g.writeStringField("protected_entry", E164.display(e.entry()));
        g.writeStringField("policy", e.policy());
        strings("history_info", e.historyInfo());
        strings("diversion", e.diversion());
        g.writeStringField("unique_id", e.uniqueId());
        g.writeStringField("channel", e.channel());
        g.writeEndObject();
    }

    private void number(String name, Long value) throws IOException {
        g.writeFieldName(name);
        if (value == null) {
            g.writeNull();
        } else {
            g.writeNumber(value);
        }
    }

    private void strings(String name, List<String> values) throws IOException {
        if (name != null) {
            g.writeFieldName(name);
        }
        g.writeStartArray();
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    void finish() throws IOException {
        if (json) {
            g.writeEndArray();
            g.writeNumberField("count", rows);
            g.writeEndObject();
            g.flush();
            out.write('\n');
        }
        out.flush();
    }

    private static String utc(Instant t) {
        return UTC.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    /** Each call object on a line of its own, compact inside: readable, and greppable by Call-ID. */
    private static final class OneCallPerLine extends com.fasterxml.jackson.core.util.MinimalPrettyPrinter {
        private int depth;

        @Override
        public void writeStartObject(JsonGenerator gen) throws IOException {
            if (depth == 2) { // a call inside the "calls" array
                gen.writeRaw('\n');
            }
            depth++;
            super.writeStartObject(gen);
        }

        @Override
        public void writeEndObject(JsonGenerator gen, int n) throws IOException {
            depth--;
            if (depth == 0) {
                gen.writeRaw('\n');
            }
            super.writeEndObject(gen, n);
        }

        @Override
        public void writeStartArray(JsonGenerator gen) throws IOException {
            depth++;
            super.writeStartArray(gen);
        }

        @Override
        public void writeEndArray(JsonGenerator gen, int n) throws IOException {
            depth--;
            if (depth == 1 && n > 0) {
                gen.writeRaw('\n');
            }
            super.writeEndArray(gen, n);
        }
    }
}
