package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cli.Main;
import org.stirshield.verify.Reason;

class AuditReportTest {
    @TempDir
    static Path dir;
    static Path sample;
    static SampleAudit.Written written;

    @BeforeAll
    static void writeSample() throws IOException {
        sample = dir.resolve("audit.jsonl");
        written = SampleAudit.write(sample, 3000, 7);
    }

    @Test
    void textReportCountsWhatWasWritten() throws Exception {
        String text = report(List.of(sample), null, null, AuditReport.Format.TEXT);
        assertTrue(text.contains("Records:  " + String.format("%,d", written.total) + " calls"), text);
        assertEquals(written.fail, row(text, "FAIL"));
        assertEquals(written.pass, row(text, "PASS"));
        assertEquals(written.noIdentity, row(text, "NO_IDENTITY"));
        assertEquals(written.fail, row(text, "reject"));
        for (int p = 0; p < SampleAudit.PROTECTED.size(); p++) {
            if (written.spoofedByNumber[p] > 0) {
                Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(SampleAudit.PROTECTED.get(p)) + " +"
                        + Pattern.quote(SampleAudit.AGENCIES.get(p)) + " +([\\d,]+)$").matcher(text);
                assertTrue(m.find(), SampleAudit.PROTECTED.get(p) + " in\n" + text);
                assertEquals(written.spoofedByNumber[p], Integer.parseInt(m.group(1).replace(",", "")));
            }
        }
        assertTrue(text.contains("cert.cheapvoip.example"), "failures by x5u host");
        assertTrue(text.contains("intl-gw-3"), "failures by trunk");
        assertTrue(written.replayFlagged > 0);
        Matcher replay = Pattern.compile("(?m)^  " + SampleAudit.REPLAYED.substring(0, 15) + "… +([\\d,]+)").matcher(text);
        assertTrue(replay.find(), "replayed PASSporT listed:\n" + text);
        assertEquals(written.replayFlagged, Integer.parseInt(replay.group(1)));
        // calls per hour: the hour rows add up to the total
        Matcher hours = Pattern.compile("(?m)^  2026-11-23 (\\d\\d):00 .* ([\\d,]+)$").matcher(section(text, "Calls per hour"));
        int sum = 0;
        while (hours.find()) {
            int h = Integer.parseInt(hours.group(1));
            assertEquals(written.perHour[h], Integer.parseInt(hours.group(2).replace(",", "")), "hour " + h);
            sum += written.perHour[h];
        }
        assertEquals(written.total, sum);
    }

    @Test
    void gzipRolledFilesReadLikePlainOnes() throws Exception {
        Path gz = dir.resolve("audit.2026-11-23.0.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(sample, out);
        }
        String plain = report(List.of(sample), null, null, AuditReport.Format.TEXT);
        String zipped = report(List.of(gz), null, null, AuditReport.Format.TEXT);
        assertEquals(plain.substring(plain.indexOf("Records:")), zipped.substring(zipped.indexOf("Records:")));
        String both = report(List.of(sample, gz), null, null, AuditReport.Format.TEXT);
        assertTrue(both.contains(String.format("%,d calls", 2 * written.total)));
    }

    @Test
    void malformedLinesAreCountedAndSkippedNeverACrash() throws Exception {
        Path bad = dir.resolve("damaged.jsonl");
        List<String> lines = Files.readAllLines(sample).subList(0, 10);
        StringBuilder b = new StringBuilder();
        b.append(lines.get(0)).append('\n');
        b.append("not json at all\n");
        b.append(lines.get(1), 0, lines.get(1).length() / 2).append('\n'); // cut by a crash
        b.append("[1,2,3]\n{\"ts\":\"yesterday\"}\n{}\n");
        b.append(lines.get(2)).append(" trailing\n");
        b.append("{\"ts\":\"2026-11-23T10:00:00.000Z\"}\n"); // a minimal record still counts
        b.append("x".repeat(AuditFiles.MAX_LINE + 10)).append('\n'); // absurdly long
        b.append("\n\n");
        b.append(lines.get(3)); // last line without newline
        Files.write(bad, b.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(bad, new byte[] {'\n', (byte) 0xff, (byte) 0xfe, 0, 1, '\n'}, java.nio.file.StandardOpenOption.APPEND);
        StringWriter out = new StringWriter();
        AuditReport.Summary s = AuditReport.write(List.of(bad), null, null, AuditReport.Format.TEXT, 20, out);
        assertEquals(3, s.records());
        assertEquals(8, s.malformed());
        assertTrue(out.toString().contains("Skipped:  8 malformed lines"), out.toString());
    }

    @Test
    void truncatedGzipKeepsWhatWasReadAndSaysSo() throws Exception {
        Path gz = dir.resolve("cut.jsonl.gz");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            Files.copy(sample, out);
        }
        byte[] all = bytes.toByteArray();
        Files.write(gz, java.util.Arrays.copyOf(all, all.length / 2));
        StringWriter out = new StringWriter();
        AuditReport.Summary s = AuditReport.write(List.of(gz), null, null, AuditReport.Format.TEXT, 20, out);
        assertTrue(s.records() > 100 && s.records() < written.total, "partial: " + s.records());
        assertEquals(1, s.fileErrors().size());
        assertTrue(out.toString().contains("WARNING:  " + gz), out.toString());
    }

    @Test
    void sinceAndUntilSelectAHalfOpenPeriod() throws Exception {
        Instant since = Instant.parse("2026-11-23T13:00:00Z");
        Instant until = Instant.parse("2026-11-23T18:00:00Z");
        StringWriter out = new StringWriter();
        AuditReport.Summary s = AuditReport.write(List.of(sample), since, until, AuditReport.Format.TEXT, 20, out);
        int expected = 0;
        for (int h = 13; h < 18; h++) {
            expected += written.perHour[h];
        }
        assertEquals(expected, s.records());
        assertEquals(written.total - expected, s.outsideRange());
        assertFalse(Pattern.compile("(?m)^  2026-11-23 18:00 ").matcher(out.toString()).find(), "no hour row after until");
        assertFalse(Pattern.compile("(?m)^  2026-11-23 12:00 ").matcher(out.toString()).find(), "nor before since");
        assertTrue(Pattern.compile("(?m)^  2026-11-23 13:00 ").matcher(out.toString()).find());
    }

    @Test
    void timeArgumentsInEveryDocumentedForm() {
        Instant t = Instant.parse("2026-11-23T16:00:00Z");
        assertEquals(t, AuditReport.parseTime("2026-11-23T16:00:00Z", false));
        assertEquals(t, AuditReport.parseTime("2026-11-23t16:00:00z", false));
        assertEquals(t, AuditReport.parseTime("2026-11-23T18:00:00+02:00", false));
        assertEquals(t, AuditReport.parseTime("2026-11-23T16:00", false), "no offset: UTC");
        assertEquals(t, AuditReport.parseTime(Long.toString(t.getEpochSecond()), false));
        assertEquals(Instant.parse("2026-11-23T00:00:00Z"), AuditReport.parseTime("2026-11-23", false));
        assertEquals(Instant.parse("2026-11-24T00:00:00Z"), AuditReport.parseTime("2026-11-23", true), "--until DAY includes it");
        assertThrows(IllegalArgumentException.class, () -> AuditReport.parseTime("last tuesday", false));
        assertThrows(IllegalArgumentException.class, () -> AuditReport.parseTime("2026-13-01", false));
    }

    @Test
    void csvListsExactlyTheFailedCallsWithRfc4180Quoting() throws Exception {
        String csv = report(List.of(sample), null, null, AuditReport.Format.CSV);
        assertTrue(csv.startsWith("time,caller,called,trunk,origid,spc,x5u,reason,sip_code,unique_id,"), csv.substring(0, 100));
        String[] rows = csv.split("\r\n", -1);
        assertEquals("", rows[rows.length - 1], "every row ends with CRLF");
        assertEquals(written.fail, rows.length - 2);
        List<String> first = AnalystReportTest.parseCsv(rows[0] + "\r\n" + rows[1] + "\r\n").get(1);
        assertEquals(CsvReport.COLUMNS.size(), first.size());
        assertTrue(first.get(7).equals(Reason.BAD_SIGNATURE.code()) || first.get(7).equals(Reason.STALE_IAT.code())
                || first.get(7).equals(Reason.TN_NOT_AUTHORIZED.code()), first.toString());
        assertTrue(first.get(1).startsWith("'+86"), "E.164 caller with its + and kept as text: " + first.get(1));
    }

    @Test
    void csvFieldQuotingFormulaInjectionAndSpreadsheetNumbers() {
        assertEquals("plain", Csv.text("plain"));
        assertEquals("", Csv.text(null));
        assertEquals("\"a,b\"", Csv.text("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", Csv.text("say \"hi\""));
        assertEquals("\"line\r\nbreak\"", Csv.text("line\r\nbreak"));
        // what a spreadsheet would turn into a number keeps its text: E.164 with +, an SPC with a leading 0
        assertEquals("'+525536865100", Csv.text("+525536865100"));
        assertEquals("'0666", Csv.text("0666"));
        assertEquals("'1763900000.42", Csv.text("1763900000.42"));
        assertEquals("'-5", Csv.text("-5"));
        assertEquals("from-carrier", Csv.text("from-carrier"));
        assertEquals("a84b4c76e66710@gw3.example", Csv.text("a84b4c76e66710@gw3.example"));
        assertEquals("2026-11-24T00:20:05.123+08:00", Csv.text("2026-11-24T00:20:05.123+08:00"));
        assertEquals("203.0.113.7:5060", Csv.text("203.0.113.7:5060"), "an address stays as it is");
        assertEquals("438", Csv.number(438));
        assertEquals("", Csv.number(null));
        // formula injection
        assertEquals("\"'=HYPERLINK(\"\"x\"\",1)\"", Csv.text("=HYPERLINK(\"x\",1)"));
        assertTrue(Csv.text("@SUM(A1)").startsWith("'@"));
        assertTrue(Csv.text("+cmd|' /C calc'!A0").startsWith("'+"));
        assertEquals("\"'<tel:+1>\n<sip:+2@x>\"".replace("'", ""), Csv.lines(List.of("<tel:+1>", "<sip:+2@x>")));
    }

    @Test
    void htmlIsSelfContainedAndEscapesHostileValues() throws Exception {
        Path hostile = dir.resolve("hostile.jsonl");
        String evil = "<script>alert(1)</script><img src=https://evil.example/x.png>";
        try (AuditLog log = AuditLog.open(AuditSettings.defaults(hostile))) {
            log.record(SampleAudit.fail("1", evil, "Agency \"><a href=\"http://evil.example\">", "t<b>", "S'1",
                    "https://evil.example/c.pem", Instant.parse("2026-11-23T10:00:00Z"), Reason.BAD_SIGNATURE),
                    StageTimings.NONE, Instant.parse("2026-11-23T10:00:00Z"));
        }
        String html = report(List.of(sample, hostile), null, null, AuditReport.Format.HTML);
        assertNoExternalResources(html);
        assertFalse(html.contains("<script"), "no script at all, escaped or not");
        assertFalse(html.contains("<img"));
        assertFalse(html.contains("<a href=\"http"), "no link leaves the page (the drill-down links are #fragments)");
        assertFalse(Pattern.compile("<a href=\"(?!#t-calls-\\d+\")").matcher(html).find(), "only drill-down links");
        assertTrue(html.contains("&lt;script&gt;alert(1)"), "the hostile caller ID is shown, escaped");
        assertTrue(html.contains("<svg id=\"chart-per-hour\""));
        assertTrue(html.contains("<svg id=\"chart-spoofed\""));
        assertEquals(1, count(html, "<html"));
    }

    @Test
    void theExternalResourceCheckCatchesWhatItShould() {
        String ok = "<p>x</p>".repeat(60);
        assertNoExternalResources(ok + "<p>see https://example.com in text</p>");
        for (String bad : List.of("<img src=\"https://x/a.png\">", "<link rel=stylesheet href='//cdn/x.css'>",
                "<image xlink:href=\"http://x/y.svg\"/>", "<style>body{background:url(x.png)}</style>")) {
            assertThrows(org.opentest4j.AssertionFailedError.class, () -> assertNoExternalResources(ok + bad), bad);
        }
    }

    @Test
    void htmlForAnEmptyPeriodStillRendersValidPage() throws Exception {
        String html = report(List.of(sample), Instant.parse("2030-01-01T00:00:00Z"), null, AuditReport.Format.HTML);
        assertTrue(html.contains("No calls in this period."));
        assertNoExternalResources(html);
    }

    @Test
    void commandLineWritesTheReportAndReportsUsageErrors() throws Exception {
        Path out = dir.resolve("r.csv");
        assertEquals(0, Main.run("report", "--format", "csv", "--since", "2026-11-23T13:00:00Z", "--until", "2026-11-23",
                "-o", out.toString(), sample.toString()));
        assertEquals(written.fail + 1, Files.readString(out).split("\r\n").length);
        Path html = dir.resolve("r.html");
        assertEquals(0, Main.run("report", "--format", "HTML", "-o", html.toString(), sample.toString()));
        assertTrue(Files.readString(html).contains("<svg id=\"chart-per-hour\""));
        assertEquals(2, Main.run("report", "--since", "soon", sample.toString()));
        assertEquals(2, Main.run("report", "--format", "pdf", sample.toString()));
        assertEquals(2, Main.run("report", dir.resolve("missing.jsonl").toString()));
        assertEquals(2, Main.run("report", "--since", "2026-11-24", "--until", "2026-11-23", sample.toString()));
        assertEquals(2, Main.run("report"));
    }

    /** No tag may load anything by URL: no http(s) or protocol-relative src/href, no CSS url() or imports. */
    static void assertNoExternalResources(String html) {
        Matcher tags = Pattern.compile("<[a-zA-Z][^>]*>").matcher(html); // escaped text contains no raw '<'
        Pattern external = Pattern.compile("(?i)\\b(src|href|xlink:href|action|poster|data|srcset)\\s*=\\s*[\"']?\\s*(https?:)?//");
        int n = 0;
        while (tags.find()) {
            n++;
            assertFalse(external.matcher(tags.group()).find(), "external resource in " + tags.group());
        }
        assertTrue(n > 50, "the page has its tags: " + n);
        assertFalse(Pattern.compile("(?i)url\\s*\\(|@import|<link|<script|<iframe|<object|<embed").matcher(html).find());
    }

    private static String report(List<Path> files, Instant since, Instant until, AuditReport.Format f) throws IOException {
        StringWriter out = new StringWriter();
        AuditReport.write(files, since, until, f, 20, out);
        return out.toString();
    }

    /** The text report's section with this title, up to the next blank line. */
    static String section(String text, String title) {
        int at = text.indexOf("\n" + title + "\n");
        assertTrue(at >= 0, title + " in\n" + text);
        int end = text.indexOf("\n\n", at + 1);
        return text.substring(at + 1, end < 0 ? text.length() : end + 1);
    }

    /** The count in the first table row that starts with {@code key}. */
    private static int row(String text, String key) {
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(key) + " +([\\d,]+) ").matcher(text);
        assertTrue(m.find(), key + " in\n" + text);
        return Integer.parseInt(m.group(1).replace(",", ""));
    }

    private static int count(String s, String what) {
        return AnalystReportTest.count(s, what);
    }
}
