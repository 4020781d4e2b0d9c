package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cli.Main;
import org.stirshield.verify.Reason;

/**
 * What the analyst report answers beyond the totals, for fraud analysts: who was called, how each agency's spoofing
 * and each trunk's share of it develop, which signers signed the attempts, the calls behind each spoofed
 * number, protected vs unprotected traffic, E.164 everywhere, the time zone, the traceback list, and a clear
 * error for input that is not an audit log. Expected values come from what {@link SampleAudit} wrote.
 */
class AnalystReportTest {
    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

    @TempDir
    static Path dir;
    static Path sample;
    static SampleAudit.Written written;

    @BeforeAll
    static void writeSample() throws IOException {
        sample = dir.resolve("audit.jsonl");
        written = SampleAudit.write(sample, 3000, 23);
        assertTrue(written.fail > 100 && written.spc0666 > 0 && written.replayFlagged >= 0, "a campaign was written");
    }

    @Test
    void telephoneNumbersAreE164WithPlusInEveryFormat() throws Exception {
        String text = report(AuditReport.Format.TEXT, ZoneOffset.UTC);
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        String csv = report(AuditReport.Format.CSV, ZoneOffset.UTC);
        // the records hold canonical digits (861012308), as the verifier writes them
        assertTrue(Files.readString(sample).contains("\"caller\":\"861012308\""));
        for (String out : List.of(text, html)) {
            assertTrue(out.contains("+861012308"), "E.164 caller");
            assertTrue(out.contains("+81312345678"), "E.164 called number");
            assertFalse(Pattern.compile("(?<![+\\d'])861012308(?!\\d)").matcher(out).find(), "never without its +");
        }
        assertTrue(csv.contains(",'+861012308,"), "CSV: with + and kept as text by spreadsheets");
        assertTrue(csv.contains(",'+81312345678,"));
        assertFalse(Pattern.compile(",861012308,").matcher(csv).find());
        // short codes are not international numbers and keep their digits
        assertEquals("12308", E164.display("12308"));
        assertEquals("911", E164.display("911"));
        assertEquals("+525536865100", E164.display("525536865100"));
        assertEquals("+8610110", E164.display("8610110"));
        assertNull(E164.display(null));
    }

    @Test
    void timesAndBucketsAreInTheChosenZoneAndThePageSaysWhich() throws Exception {
        String utc = report(AuditReport.Format.TEXT, ZoneOffset.UTC);
        String shanghai = report(AuditReport.Format.TEXT, SHANGHAI);
        assertTrue(utc.contains("Times:    UTC\n"), utc.substring(0, 300));
        assertTrue(shanghai.contains("Times:    Asia/Shanghai (UTC+08:00)"), shanghai.substring(0, 300));
        // the same hour of calls, eight hours later on the wall clock
        Matcher rows = Pattern.compile("(?m)^  2026-11-(\\d\\d) (\\d\\d):00 .* ([\\d,]+)$")
                .matcher(AuditReportTest.section(shanghai, "Calls per hour"));
        int seen = 0;
        while (rows.find()) {
            int localHour = Integer.parseInt(rows.group(2)) + (rows.group(1).equals("24") ? 24 : 0);
            int utcHour = localHour - 8;
            assertEquals(written.perHour[utcHour], Integer.parseInt(rows.group(3).replace(",", "")), "local " + localHour);
            seen += written.perHour[utcHour];
        }
        assertEquals(written.total, seen);
        String html = report(AuditReport.Format.HTML, SHANGHAI);
        assertTrue(html.contains("times in Asia/Shanghai (UTC+08:00)"), "the zone is stated on the page");
        assertTrue(html.contains("hours, Asia/Shanghai (UTC+08:00)"), "and on the time axis");
        // a zone with a half-hour offset still buckets by its wall-clock hours, losing no call
        String kolkata = report(AuditReport.Format.TEXT, ZoneId.of("Asia/Kolkata"));
        Matcher k = Pattern.compile("(?m)^  2026-11-2\\d (\\d\\d):(\\d\\d) .* ([\\d,]+)$")
                .matcher(AuditReportTest.section(kolkata, "Calls per hour"));
        int total = 0;
        while (k.find()) {
            assertEquals("00", k.group(2));
            total += Integer.parseInt(k.group(3).replace(",", ""));
        }
        assertEquals(written.total, total);
        // dates and local times given to --since/--until are in the zone too
        assertEquals(Instant.parse("2026-11-22T16:00:00Z"), AuditReport.parseTime("2026-11-23", false, SHANGHAI));
        assertEquals(Instant.parse("2026-11-23T16:00:00Z"), AuditReport.parseTime("2026-11-23", true, SHANGHAI));
        assertEquals(Instant.parse("2026-11-23T05:30:00Z"), AuditReport.parseTime("2026-11-23T13:30", false, SHANGHAI));
        assertEquals(Instant.parse("2026-11-23T13:30:00Z"), AuditReport.parseTime("2026-11-23T13:30Z", false, SHANGHAI),
                "an explicit offset wins");
    }

    @Test
    void calledNumbersMostTargeted() throws Exception {
        String called = AuditReportTest.section(report(AuditReport.Format.TEXT, ZoneOffset.UTC),
                "Called numbers most targeted");
        for (int v = 0; v < SampleAudit.VICTIMS.size(); v++) {
            Matcher m = Pattern.compile("(?m)^  \\+" + SampleAudit.VICTIMS.get(v) + " +([\\d,]+) ").matcher(called);
            assertTrue(m.find(), SampleAudit.VICTIMS.get(v) + " in\n" + called);
            assertEquals(written.spoofedByVictim[v], Integer.parseInt(m.group(1).replace(",", "")));
        }
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        String chart = svg(html, "chart-called");
        assertEquals(SampleAudit.VICTIMS.size(), count(chart, "<rect"));
    }

    @Test
    void spoofingPerAgencyAndPerTrunkOverTime() throws Exception {
        String text = report(AuditReport.Format.TEXT, ZoneOffset.UTC);
        String agencies = AuditReportTest.section(text, "Spoofing attempts per agency over time");
        List<String> header = columns(agencies.lines().toList().get(2));
        for (int hour = 0; hour < 24; hour++) {
            Matcher row = Pattern.compile("(?m)^  2026-11-23 " + String.format("%02d", hour) + ":00 (.*)$").matcher(agencies);
            int total = 0;
            for (int a = 0; a < SampleAudit.AGENCIES.size(); a++) {
                total += written.spoofedByAgencyHour[a][hour];
            }
            if (total == 0) {
                assertFalse(row.find(), "no row for an hour without attempts: " + hour);
                continue;
            }
            assertTrue(row.find(), "hour " + hour + " in\n" + agencies);
            List<String> cells = columns("X " + row.group(1));
            for (int a = 0; a < SampleAudit.AGENCIES.size(); a++) {
                String prefix = SampleAudit.AGENCIES.get(a).substring(0, Math.min(10, SampleAudit.AGENCIES.get(a).length()));
                int col = java.util.stream.IntStream.range(0, header.size()).filter(i -> header.get(i).startsWith(prefix))
                        .findFirst().orElse(-1);
                if (written.spoofedByNumber[a] > 0) {
                    assertTrue(col > 0, SampleAudit.AGENCIES.get(a) + " has a column: " + header);
                    assertEquals(written.spoofedByAgencyHour[a][hour], Integer.parseInt(cells.get(col).replace(",", "")),
                            SampleAudit.AGENCIES.get(a) + " at " + hour);
                }
            }
        }
        String trunks = AuditReportTest.section(text, "Spoofing attempts per inbound trunk over time");
        List<String> th = columns(trunks.lines().toList().get(2));
        int intl = th.indexOf("intl-gw-3");
        assertTrue(intl > 0, th.toString());
        for (int hour = 0; hour < 24; hour++) {
            Matcher row = Pattern.compile("(?m)^  2026-11-23 " + String.format("%02d", hour) + ":00 (.*)$").matcher(trunks);
            if (row.find()) {
                assertEquals(written.intlGwByHour[hour],
                        Integer.parseInt(columns("X " + row.group(1)).get(intl).replace(",", "")), "intl-gw-3 at " + hour);
            }
        }
        // the page draws one line per agency, its legend carries the totals
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        String chart = svg(html, "chart-agencies");
        long spoofedAgencies = java.util.Arrays.stream(written.spoofedByNumber).filter(n -> n > 0).count();
        assertEquals(spoofedAgencies, count(chart, "<polyline"));
        assertTrue(html.contains(HtmlReport.esc(SampleAudit.AGENCIES.get(0)) + " <b>"
                + String.format("%,d", written.spoofedByNumber[0]) + "</b>"), "legend with totals");
        assertEquals(4, count(svg(html, "chart-trunks"), "<polyline"), "intl-gw-3 and sip-wholesale-0..2");
    }

    @Test
    void signersOfTheSpoofingAttempts() throws Exception {
        String signers = AuditReportTest.section(report(AuditReport.Format.TEXT, ZoneOffset.UTC),
                "Signers of spoofing attempts");
        Matcher m = Pattern.compile("(?m)^  0666 +cdcdcdcdcdcdcdcd… +cert\\.cheapvoip\\.example +([\\d,]+) +(\\d+): \\+86")
                .matcher(signers);
        assertTrue(m.find(), signers);
        assertEquals(written.spc0666, Integer.parseInt(m.group(1).replace(",", "")));
        long numbers = java.util.Arrays.stream(written.spoofedByNumber).filter(n -> n > 0).count();
        assertTrue(Integer.parseInt(m.group(2)) <= numbers && Integer.parseInt(m.group(2)) >= 1);
        assertTrue(signers.contains("1F2B"), "the other signer");
        assertTrue(signers.contains("bad_signature ("), "the reasons, counted");
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        assertTrue(html.contains("<table id=\"t-signers\">"));
    }

    @Test
    void eachSpoofedNumberDrillsDownToItsCalls() throws Exception {
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        String chart = svg(html, "chart-spoofed");
        for (int p = 0; p < SampleAudit.PROTECTED.size(); p++) {
            int attempts = written.spoofedByNumber[p];
            if (attempts == 0) {
                continue;
            }
            String number = SampleAudit.PROTECTED.get(p);
            Matcher d = Pattern.compile("<details id=\"d-(\\d+)\"><summary>" + Pattern.quote(number) + " · "
                    + Pattern.quote(SampleAudit.AGENCIES.get(p)) + " · " + String.format("%,d", attempts)).matcher(html);
            assertTrue(d.find(), "details for " + number);
            String i = d.group(1);
            assertTrue(chart.contains("<a href=\"#t-calls-" + i + "\">"), "the bar links to its calls");
            String table = html.substring(html.indexOf("<table id=\"t-calls-" + i + "\">"));
            table = table.substring(0, table.indexOf("</table>"));
            int rows = count(table, "<tr>") - 1;
            assertEquals(Math.min(attempts, DrillDown.PER_NUMBER), rows);
            assertTrue(table.contains("203.0.113."), "source address");
            assertTrue(table.contains("@intl-gw-3.example") || table.contains("@sip-wholesale-"), "SIP Call-ID");
            assertTrue(table.contains(Reason.BAD_SIGNATURE.code()) || table.contains(Reason.STALE_IAT.code())
                    || table.contains(Reason.TN_NOT_AUTHORIZED.code()), "reason");
            // latest first
            Matcher times = Pattern.compile("<td>(2026-11-23 \\d\\d:\\d\\d:\\d\\d\\.\\d{3})</td>").matcher(table);
            List<String> t = new ArrayList<>();
            while (times.find()) {
                t.add(times.group(1));
            }
            List<String> sorted = new ArrayList<>(t);
            sorted.sort(java.util.Comparator.reverseOrder());
            assertEquals(sorted, t);
        }
        String text = report(AuditReport.Format.TEXT, ZoneOffset.UTC);
        assertTrue(text.contains("Latest attempts: +861012308 · Consular hotline"), "the text report lists them too");
    }

    @Test
    void protectedAndUnprotectedTrafficAreSplit() throws Exception {
        String split = AuditReportTest.section(report(AuditReport.Format.TEXT, ZoneOffset.UTC),
                "Protected and unprotected traffic");
        Matcher p = Pattern.compile("(?m)^  protected numbers +([\\d,]+) \\(.*?\\) +([\\d,]+) \\(.*?\\) +([\\d,]+) \\(.*\\) +([\\d,]+)$")
                .matcher(split);
        assertTrue(p.find(), split);
        assertEquals(written.pass, num(p.group(1)));
        assertEquals(written.noIdentity, num(p.group(2)));
        assertEquals(written.fail, num(p.group(3)));
        assertEquals(written.protectedCalls, num(p.group(4)));
        Matcher u = Pattern.compile("(?m)^  other numbers .* ([\\d,]+)$").matcher(split);
        assertTrue(u.find());
        assertEquals(written.unprotectedCalls, num(u.group(1)));
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        String chart = svg(html, "chart-split");
        assertTrue(chart.contains("Protected numbers, Failed: " + String.format("%,d", written.fail)), chart);
        assertTrue(chart.contains("Other numbers, No identity: " + String.format("%,d", written.unprotectedCalls)));
    }

    @Test
    void thePageHasChartsAndOnlyTheTablesThatAddToThem() throws Exception {
        String html = report(AuditReport.Format.HTML, ZoneOffset.UTC);
        assertEquals(1, count(html, "Protected numbers most often spoofed"), "the spoofed list appears once");
        assertFalse(html.contains("id=\"t-spoofed\""), "as a chart, not also as a table");
        assertFalse(html.contains("id=\"t-per-bucket\""), "no table repeating the calls-per-hour chart");
        assertFalse(html.contains("id=\"t-failed-"), "failures by trunk/SPC/host are in the series and signers");
        // every origid of the sample is seen once: no table listing them
        assertFalse(html.contains("id=\"t-origids\""));
        Path repeated = dir.resolve("repeated-origid.jsonl");
        try (AuditLog log = AuditLog.open(AuditSettings.defaults(repeated))) {
            for (int i = 0; i < 3; i++) {
                Instant at = Instant.parse("2026-11-23T10:00:00Z").plusSeconds(i);
                log.record(Fixtures.spoof("r" + i, "+861012308", "t", "0666", "https://x.example/a.pem",
                        at.getEpochSecond(), 0), StageTimings.NONE, at);
            }
        }
        StringWriter out = new StringWriter();
        AuditReport.write(List.of(repeated), null, null, AuditReport.Format.HTML, 20, out);
        assertTrue(out.toString().contains("<table id=\"t-origids\">"), "an origid on several calls is listed");
        assertTrue(out.toString().contains("origid-0666"));
    }

    @Test
    void tracebackCsvHasOneRowPerAttemptWithTheEvidence() throws Exception {
        String csv = report(AuditReport.Format.TRACEBACK, SHANGHAI);
        List<List<String>> rows = parseCsv(csv);
        assertEquals(TracebackReport.COLUMNS, rows.get(0));
        assertEquals(written.fail, rows.size() - 1, "every campaign call, nothing else");
        List<String> r = rows.get(1);
        String timeUtc = r.get(TracebackReport.COLUMNS.indexOf("time_utc"));
        assertTrue(timeUtc.matches("2026-11-23T\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), timeUtc);
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("time_local")).endsWith("+08:00"));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("caller")).startsWith("'+86"));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("called")).startsWith("'+81"));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("from")).startsWith("<sip:+86"));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("p_asserted_identity")).startsWith("<sip:+86"));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("sip_call_id")).startsWith("call-"));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("source")).matches("203\\.0\\.113\\.\\d+:5060"));
        String x5u = r.get(TracebackReport.COLUMNS.indexOf("x5u"));
        assertEquals(SampleAudit.identity(x5u), r.get(TracebackReport.COLUMNS.indexOf("identity")));
        assertEquals("1", r.get(TracebackReport.COLUMNS.indexOf("identity_count")));
        assertTrue(r.get(TracebackReport.COLUMNS.indexOf("sip_code")).matches("4\\d\\d"));
        assertEquals("reject", r.get(TracebackReport.COLUMNS.indexOf("action")));
    }

    @Test
    void tracebackJsonCarriesTheSameFieldsWithArraysAndNumbers() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(report(AuditReport.Format.TRACEBACK_JSON, SHANGHAI));
        assertEquals("Asia/Shanghai", doc.get("time_zone").asText());
        assertEquals(written.fail, doc.get("count").asInt());
        assertEquals(written.fail, doc.get("calls").size());
        JsonNode c = doc.get("calls").get(0);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertEquals(TracebackReport.COLUMNS, keys);
        assertTrue(c.get("caller").asText().startsWith("+86"), "JSON is for programs: no spreadsheet apostrophe");
        assertTrue(c.get("p_asserted_identity").isArray());
        assertEquals(SampleAudit.identity(c.get("x5u").asText()), c.get("identity").get(0).asText());
        assertTrue(c.get("sip_code").isInt());
        assertTrue(c.get("iat").isNumber());
        // one call per line: greppable by Call-ID
        String raw = report(AuditReport.Format.TRACEBACK_JSON, SHANGHAI);
        assertEquals(written.fail, raw.lines().filter(l -> l.startsWith("{\"time_utc\"")).count());
    }

    @Test
    void aFileThatIsNotAnAuditLogIsNamedAndTheCommandExitsOne() throws Exception {
        Path jar = dir.resolve("stirshield.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            z.write("Manifest-Version: 1.0\n".repeat(200).getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        Path yaml = dir.resolve("stirshield.yaml");
        Files.writeString(yaml, "audit:\n  file: /var/log/stirshield/audit.jsonl\nmetrics:\n  enabled: true\n");
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");

        StringWriter out = new StringWriter();
        AuditReport.Summary s = AuditReport.write(List.of(sample, jar, yaml, empty), null, null,
                AuditReport.Format.TEXT, 20, out);
        assertEquals(2, s.notAuditLogs().size(), s.notAuditLogs().toString());
        assertTrue(s.notAuditLogs().get(0).startsWith(jar + ": a zip or jar archive"), s.notAuditLogs().get(0));
        assertEquals(yaml + ": not an audit log: none of its 4 line(s) is an audit record (line 1: not JSON)",
                s.notAuditLogs().get(1));
        assertEquals(written.total, s.records(), "the report still covers the real log");
        assertTrue(out.toString().contains("WARNING:  " + jar + ": a zip or jar archive"));

        String[] err = new String[1];
        assertEquals(1, cli(err, "report", "-o", dir.resolve("r.txt").toString(), jar.toString()));
        assertTrue(err[0].contains(jar + ": a zip or jar archive, not an audit log"), err[0]);
        assertEquals(1, cli(err, "report", "--format", "traceback", "-o", dir.resolve("t.csv").toString(),
                yaml.toString()));
        assertTrue(err[0].contains("none of its 4 line(s) is an audit record"), err[0]);
        assertEquals(0, cli(err, "report", "-o", dir.resolve("e.txt").toString(), empty.toString()),
                "an empty log (just rolled over) is fine: " + err[0]);
        assertEquals(0, cli(err, "report", "--since", "2030-01-01", "-o", dir.resolve("p.txt").toString(),
                sample.toString()), "records outside the period are still audit records");
        assertEquals(2, cli(err, "report", "--tz", "Mars/Olympus", sample.toString()));
        assertTrue(err[0].contains("--tz: not a time zone"), err[0]);
        assertEquals(2, cli(err, "report", "--format", "pdf", sample.toString()));
        assertTrue(err[0].contains("traceback-json"), err[0]);
    }

    @Test
    void progressIsReportedWhileReading() throws Exception {
        List<long[]> updates = new ArrayList<>();
        Path gz = dir.resolve("progress.jsonl.gz");
        try (var o = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int i = 0; i < 12; i++) {
                Files.copy(sample, o); // 36,000 records: two updates during, one at the end
            }
        }
        AuditReport.write(List.of(gz), new AuditReport.Options(null, null, ZoneOffset.UTC, 20,
                (file, read, size, records) -> updates.add(new long[] {read, size, records})), AuditReport.Format.TEXT,
                new StringWriter());
        assertTrue(updates.size() >= 3, "updates: " + updates.size());
        long size = Files.size(gz);
        for (int i = 1; i < updates.size(); i++) {
            assertTrue(updates.get(i)[0] >= updates.get(i - 1)[0] && updates.get(i)[0] <= size, "bytes read grow");
            assertEquals(size, updates.get(i)[1], "compressed size");
        }
        long[] last = updates.get(updates.size() - 1);
        assertEquals(size, last[0], "the end of the file");
        assertEquals(12L * written.total, last[2]);
    }

    private static String report(AuditReport.Format f, ZoneId zone) throws IOException {
        StringWriter out = new StringWriter();
        AuditReport.write(List.of(sample), new AuditReport.Options(null, null, zone, 20, null), f, out);
        return out.toString();
    }

    /** Runs the CLI; stderr into {@code err[0]}. */
    static int cli(String[] err, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            return Main.run(args);
        } finally {
            System.setErr(old);
            err[0] = e.toString(StandardCharsets.UTF_8);
        }
    }

    static String svg(String html, String id) {
        int at = html.indexOf("<svg id=\"" + id + "\"");
        assertTrue(at >= 0, id);
        return html.substring(at, html.indexOf("</svg>", at));
    }

    private static List<String> columns(String line) {
        return List.of(line.trim().split(" {2,}"));
    }

    private static int num(String s) {
        return Integer.parseInt(s.replace(",", ""));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
    static List<List<String>> parseCsv(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char c = csv.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(cur.toString());
                cur.setLength(0);
            } else if (c == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
                row.add(cur.toString());
                cur.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                cur.append(c);
            }
        }
        assertNotNull(rows);
        assertTrue(row.isEmpty() && cur.isEmpty(), "the last row ends with CRLF");
        return rows;
    }
}
