package org.stirshield.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The failed calls as CSV for a traceback request to a carrier or authority (RFC 4180: CRLF line ends,
 * fields with a comma, quote, CR or LF in double quotes, quotes doubled). Rows are written as the files are
 * read: nothing is held in memory.
 *
 * <p>Spreadsheet formula injection: a value from a call (e.g. a caller "number" like {@code =HYPERLINK(...)})
 * that starts with {@code = + - @}, TAB or CR is prefixed with {@code '} unless it is a plain number such as
 * {@code +861012308}.
 */
final class CsvReport {
    static final List<String> COLUMNS = List.of("time", "caller", "called", "trunk", "origid", "spc", "x5u", "reason",
            "sip_code", "unique_id", "status", "action", "attest", "agency", "cert_fp", "replay_count");
    private static final Pattern PLAIN_NUMBER = Pattern.compile("[+-]?[0-9][0-9 ().-]*");

    private final Writer out;

    CsvReport(Writer out) {
        this.out = out;
    }

    void header() throws IOException {
        out.write(String.join(",", COLUMNS));
        out.write("\r\n");
    }

    void row(AuditEntry e) {
        try {
            List<String> v = java.util.Arrays.asList(e.ts().toString(), e.caller(), e.called(), e.trunk(), e.origid(),
                    e.spc(), e.x5u(), e.reason(), e.sipCode() == null ? null : e.sipCode().toString(), e.uniqueId(),
                    e.status(), e.action(), e.attest(), e.agency(), e.certFp(), Integer.toString(e.replayCount()));
            StringBuilder b = new StringBuilder(256);
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                b.append(field(v.get(i)));
            }
            b.append("\r\n");
            out.write(b.toString());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    void finish() throws IOException {
        out.flush();
    }

    static String field(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 && !PLAIN_NUMBER.matcher(v).matches()) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
