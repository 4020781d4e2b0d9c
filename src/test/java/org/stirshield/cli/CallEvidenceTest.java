package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.agi.AgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.config.ConfigValues;
import org.stirshield.service.StirShieldService;
import org.stirshield.testing.SignedCarrier;

/**
 * {@code ./stirshield call} gives each call the evidence Asterisk gives it: its own agi_uniqueid, a SIP Call-ID
 * and a source address, read by the server the way the recommended dialplan has it read them (GET FULL
 * VARIABLE), so the audit records of two calls are two calls with their evidence.
 */
class CallEvidenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void twoCallsAreTwoRecordsWithTheirOwnIdsCallIdAndSource() throws Exception {
        SignedCarrier carrier = new SignedCarrier(dir);
        Path config = carrier.config("evidence", "audit: {file: \"" + carrier.audit("evidence") + "\"}\n");
        StirShieldService service = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), null, null));
        AgiServer server = AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)),
                service.screener());
        String at = "127.0.0.1:" + server.address().getPort();
        try {
            var given = CliRun.run("call", "--server", at, "--from", SignedCarrier.CALLER, "--to", SignedCarrier.CALLED,
                    "--identity", carrier.identity(), "--call-id", "a84b4c76e66710@gw3.carrier.example", "--source",
                    "203.0.113.7:5060");
            assertEquals(0, given.code(), given.err());
            var defaults = CliRun.run("call", "--server", at, "--from", SignedCarrier.CALLER, "--to",
                    SignedCarrier.CALLED, "--identity", carrier.identity());
            assertEquals(0, defaults.code(), defaults.err());
            assertTrue(defaults.out().startsWith("STIR_STATUS="), defaults.out());
            var header = CliRun.run("call", "--server", at, "--from", SignedCarrier.CALLER, "--to",
                    SignedCarrier.CALLED, "--identity", carrier.identity(), "--sip-header", "Call-ID: from-header@gw");
            assertEquals(0, header.code(), header.err());
        } finally {
            server.shutdown(Duration.ofSeconds(5));
            service.close(); // every audit record written
        }
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(carrier.audit("evidence"))) {
            records.add(JSON.readTree(line));
        }
        assertEquals(3, records.size(), records.toString());
        JsonNode first = records.get(0);
        JsonNode second = records.get(1);
        assertTrue(first.path("unique_id").asText().matches("\\d{10}\\.\\d+"), first.toString());
        assertTrue(second.path("unique_id").asText().matches("\\d{10}\\.\\d+"), second.toString());
        assertNotEquals(first.path("unique_id").asText(), second.path("unique_id").asText());

        assertEquals("a84b4c76e66710@gw3.carrier.example", first.path("sip_call_id").asText(), first.toString());
        assertEquals("203.0.113.7:5060", first.path("source").asText(), first.toString());
        // the defaults: a fresh Call-ID, and this machine's address towards the server (loopback here)
        assertTrue(second.path("sip_call_id").asText().matches("[0-9a-f-]{36}"), second.toString());
        assertEquals("127.0.0.1:5060", second.path("source").asText(), second.toString());
        // a Call-ID given as a SIP header (--sip-header) is the one answered
        assertEquals("from-header@gw", records.get(2).path("sip_call_id").asText(), records.get(2).toString());
        assertEquals(3, records.stream().map(r -> r.path("unique_id").asText()).distinct().count());
    }

    @Test
    void badCallIdOrSourceIsAOneLineUsageError() {
        var r = CliRun.run("call", "--server", "127.0.0.1:1", "--from", "1", "--to", "2", "--source", "gw.example");
        assertEquals(2, r.code());
        assertEquals("stirshield call: --source 'gw.example': expected IPv4:PORT or [IPv6]:PORT, e.g. 203.0.113.7:5060",
                r.err().strip());
        r = CliRun.run("call", "--server", "127.0.0.1:1", "--from", "1", "--to", "2", "--call-id", "a b");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("stirshield call: --call-id 'a b': "), r.err());
    }
}
