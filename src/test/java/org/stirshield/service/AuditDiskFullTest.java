package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.audit.AuditLog;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.Pem;
import org.stirshield.testing.LogCapture;
import org.stirshield.testing.MetricsScrape;
import org.stirshield.testing.Tmpfs;
import org.stirshield.verify.CallAttempt;

/**
 * The audit disk fills up while calls run (a real 1 MiB tmpfs): every call is still answered; every record is
 * either a whole, valid JSON line in the file or counted as dropped (written + dropped = calls, on /metrics);
 * while it lasts /health/ready says not ready (audit) and /health warns; one log line when writing stops and one
 * when it resumes; when space returns, writing resumes on a fresh line and the instance is ready again.
 */
class AuditDiskFullTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void callsAreAnsweredAndEveryRecordIsOnDiskOrCountedWhileTheDiskIsFull() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(dir.resolve("disk"), "1m");
                LogCapture log = LogCapture.of(AuditLog.class)) {
            Path filler = Files.write(disk.dir().resolve("filler"), new byte[256 * 1024]);
            Path audit = disk.dir().resolve("audit.jsonl");
            Path config = dir.resolve("stirshield.yaml");
            Files.createDirectories(dir.resolve("trust"));
            Files.writeString(dir.resolve("trust/root.pem"),
                    Pem.certificate(CertificateAuthority.root("Disk Full Test STI-CA").certificate()));
            Files.writeString(config, "verification: {trust_dir: \"%s\"}\naudit: {file: \"%s\"}\nmetrics: {listen: \"127.0.0.1:0\"}\n"
                    .formatted(dir.resolve("trust"), audit));
            StirShieldService service = StirShieldService.start(
                    new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
            try {
                int port = service.metrics().port();
                assertEquals(200, get(port, "/health/ready").statusCode(), get(port, "/health/ready").body());
                int calls = 2000;
                answerCalls(service, 0, calls);
                awaitDrained(port, calls);
                long written = metric(port, "stirshield_audit_records_total");
                long dropped = metric(port, "stirshield_audit_dropped_total");
                assertTrue(dropped > 0 && written > 0, "the disk filled part-way: written " + written + ", dropped " + dropped);
                assertEquals(calls, written + dropped, "every call's record is on disk or counted as dropped");
                assertEquals(1, metric(port, "stirshield_audit_degraded"));
                HttpResponse<String> ready = get(port, "/health/ready");
                assertEquals(503, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("audit: audit file " + audit + " not writable"), ready.body());
                HttpResponse<String> live = get(port, "/health/live");
                assertEquals(200, live.statusCode(), "alive: a restart would not free the disk");
                assertTrue(live.body().contains("warning: audit: audit file " + audit), live.body());
                assertEquals(written, validLines(audit).size(), "the file holds exactly the records counted as written");
                List<String> errors = log.at("ERROR");
                assertEquals(1, errors.size(), "one line when writing stops, not one per record: " + errors);
                assertTrue(errors.get(0).contains("No space left on device") && errors.get(0).contains("lost so far"),
                        errors.get(0));

                Files.delete(filler); // space returns
                answerCalls(service, calls, 200);
                awaitDrained(port, calls + 200);
                assertEquals(0, metric(port, "stirshield_audit_degraded"));
                assertEquals(200, get(port, "/health/ready").statusCode(), get(port, "/health/ready").body());
                assertTrue(get(port, "/health/ready").body().contains("audit: writing"));
                assertEquals(dropped, metric(port, "stirshield_audit_dropped_total"), "nothing lost once space returned");
                List<String> warns = log.at("WARN").stream().filter(w -> w.contains("writable again")).toList();
                assertEquals(1, warns.size(), warns.toString());
                assertTrue(warns.get(0).contains(dropped + " records lost while it was not"), warns.get(0));
            } finally {
                service.close();
            }
            List<String> lines = validLines(audit);
            long dropped = 2200 - lines.size();
            assertTrue(dropped > 0);
            Set<String> ids = new HashSet<>();
            for (String l : lines) {
                assertTrue(ids.add(JSON.readTree(l).get("unique_id").asText()), "no record twice: " + l);
            }
            for (int i = 2000; i < 2200; i++) {
                assertTrue(ids.contains("call-" + i), "every call after space returned is on record: call-" + i);
            }
        }
    }

    private static void answerCalls(StirShieldService service, int from, int n) {
        for (int i = from; i < from + n; i++) {
            long t0 = System.nanoTime();
            Decision d = service.screener().screen(new CallAttempt("+1202555" + String.format("%04d", i % 10_000),
                    "+12155550100", List.of(), null, "from-carrier", "call-" + i, "PJSIP/a-" + i),
                    Deadline.in(Duration.ofSeconds(1)));
            assertNotNull(d.action(), "call-" + i + " answered");
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "call-" + i + " answered promptly");
        }
    }

    /** Every line of the file, each checked to be one whole JSON record. */
    private static List<String> validLines(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length == 0 || bytes[bytes.length - 1] == '\n', "the file ends with a whole line");
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            try {
                assertTrue(JSON.readTree(lines.get(i)).has("unique_id"), "line " + (i + 1));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError("line " + (i + 1) + " is not valid JSON: " + lines.get(i), e);
            }
        }
        return lines;
    }

    private static void awaitDrained(int port, long calls) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (metric(port, "stirshield_audit_records_total") + metric(port, "stirshield_audit_dropped_total") < calls
                && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(0, metric(port, "stirshield_audit_queue_depth"));
    }

    static long metric(int port, String name) throws Exception {
        return (long) MetricsScrape.value(port, name);
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return MetricsScrape.get(port, path);
    }
}
