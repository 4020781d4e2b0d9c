package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report streams: a log far larger than its heap, with more distinct numbers, victims, trunks and
 * signers than any bound, is reported by {@code stirshield report} in a child JVM with a 64 MiB heap, in
 * the page and the traceback list. (At 1,000 calls/s a day is 86 million records; what must not grow with them is memory.)
 */
class ReportHeapTest {
    static final int RECORDS = 120_000;

    @Test
    void aLargeLogIsReportedInASmallHeap(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("audit.jsonl");
        long bytes = writeLog(log, RECORDS);
        assertTrue(bytes > 128L * 1024 * 1024, "the log is larger than the heap: " + bytes);
        for (String format : List.of("html", "traceback")) {
            Path out = dir.resolve("report." + format);
            Process p = new ProcessBuilder(java(), "-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    "org.stirshield.cli.Main", "report", "--tz", "UTC", "--format", format, "-o", out.toString(),
                    log.toString()).redirectErrorStream(true).redirectOutput(dir.resolve(format + ".log").toFile()).start();
            assertTrue(p.waitFor(240, TimeUnit.SECONDS), format + " finished");
            String output = Files.readString(dir.resolve(format + ".log"));
            assertEquals(0, p.exitValue(), format + ": " + output);
            assertTrue(!output.contains("OutOfMemoryError"), output);
            String report = Files.readString(out);
            if (format.equals("html")) {
                assertTrue(report.contains("<svg id=\"chart-spoofed\"") && report.contains("</html>"));
                assertTrue(report.contains(">" + String.format("%,d", RECORDS) + "<"), "all records counted");
            } else {
                assertEquals(RECORDS / 2 + 1, report.split("\r\n").length, "one row per attempt plus the header");
            }
        }
    }

    /** Every other record a spoofing attempt on a different number, victim, trunk and signer. */
    private static long writeLog(Path file, int n) throws IOException {
        Instant start = Instant.parse("2026-11-23T00:00:00Z");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) {
                boolean spoof = i % 2 == 0;
                String ts = start.plusMillis(i * 576L).toString();
                w.write("{\"ts\":\"" + ts + "\",\"unique_id\":\"1763" + i + "." + i + "\",\"channel\":\"PJSIP/t-" + i
                        + "\",\"trunk\":\"trunk-" + (i % 3000) + "\",\"sip_call_id\":\"" + i + "-"
                        + "c".repeat(60) + "@sbc.example\",\"source\":\"203.0." + (i % 250) + "." + (i % 251)
                        + ":5060\",\"from\":\"<sip:+86" + (100000000 + i) + "@x>\",\"pai\":[\"<tel:+86" + (100000000 + i)
                        + ">\"],\"caller_raw\":\"+86" + (100000000 + i) + "\",\"caller\":\"86" + (100000000 + i)
                        + "\",\"called_raw\":\"0" + (312000000 + i) + "\",\"called\":\"81" + (312000000 + i) + "\","
                        + (spoof ? "\"protected_entry\":\"+86" + (100000000 + i) + "\",\"agency\":\"Agency " + (i % 500)
                                + "\",\"policy\":\"strict\",\"status\":\"FAIL\",\"action\":\"reject\",\"reason\":\"bad_signature\","
                                + "\"sip_code\":438,\"verify\":\"FAIL\""
                                : "\"protected_entry\":null,\"agency\":null,\"policy\":null,\"status\":\"NOT_PROTECTED\","
                                        + "\"action\":\"allow\",\"reason\":\"verified\",\"sip_code\":null,\"verify\":\"PASS\"")
                        + ",\"verstat\":null,\"attest\":\"A\",\"origid\":\"" + i + "\",\"x5u\":\"https://cert" + (i % 20000)
                        + ".example/s.pem\",\"spc\":\"S" + (i % 20000) + "\",\"cert_fp\":\"" + Integer.toHexString(i)
                        + "a".repeat(56) + "\",\"iat\":1763900000,\"replay_count\":0,\"identity_count\":1,\"identity\":[\""
                        + "e".repeat(400) + ";info=<https://cert.example/s.pem>\"],\"headers\":[]}\n");
            }
        }
        return Files.size(file);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

}
