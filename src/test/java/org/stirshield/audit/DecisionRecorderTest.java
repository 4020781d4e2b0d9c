package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.policy.Decision;

class DecisionRecorderTest {
    @TempDir
    Path dir;

    @Test
    void recordsAuditLinesCountsMetricsAndDetectsReplays() throws Exception {
        JsonNode cfg = new ObjectMapper().readTree("{\"audit\":{\"file\":\"" + dir.resolve("cfg.jsonl")
                + "\"},\"metrics\":{\"listen\":\"127.0.0.1:0\"}}");
        Path cli = dir.resolve("cli.jsonl");
        Instant now = Instant.parse("2026-11-23T16:00:00Z");
        int port;
        try (DecisionRecorder rec = DecisionRecorder.start(cfg, cli, null, Duration.ofSeconds(60))) {
            Decision first = Fixtures.pass("call-1", now.getEpochSecond());
            assertEquals(0, rec.replayCount(first.call(), first.verdict(), now));
            assertTrue(rec.record(first, new StageTimings(10, 2, 15), now));
            Decision second = Fixtures.pass("call-2", now.getEpochSecond());
            int replays = rec.replayCount(second.call(), second.verdict(), now.plusSeconds(3));
            assertEquals(1, replays, "same signed PASSporT on another call");
            rec.record(new Decision(second.call(), second.verdict(), second.match(), second.status(), second.action(),
                    second.reason(), second.sipCode(), second.callerName(), replays), StageTimings.NONE, now.plusSeconds(3));
            port = rec.metrics().port();
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(body.contains("stirshield_calls_total{action=\"allow\",reason=\"verified\",status=\"pass\"} 2.0"), body);
            assertTrue(body.contains("stirshield_replayed_calls_total 1.0"), body);
            assertTrue(body.contains("stirshield_replay_cache_entries 1.0"), body);
        }
        List<String> lines = Files.readAllLines(cli);
        assertEquals(2, lines.size(), "--audit wins over audit.file; close() drained");
        assertTrue(lines.get(1).contains("\"replay_count\":1"));
        assertTrue(Files.notExists(dir.resolve("cfg.jsonl")));
        int closedPort = port;
        assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + closedPort + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()), "endpoint stopped by close()");
    }

    @Test
    void aBusyMetricsPortFailsStartAndLeavesNothingOpen() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            IOException e = assertThrows(IOException.class, () -> DecisionRecorder.start(null, dir.resolve("a.jsonl"),
                    "127.0.0.1:" + busy.getLocalPort(), Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("127.0.0.1:" + busy.getLocalPort()), e.getMessage());
        }
    }

    @Test
    void metricsOffMeansNoListener() throws Exception {
        try (DecisionRecorder rec = DecisionRecorder.start(null, dir.resolve("a.jsonl"), "off", Duration.ofSeconds(60))) {
            assertEquals(-1, rec.metrics().port());
        }
    }
}
