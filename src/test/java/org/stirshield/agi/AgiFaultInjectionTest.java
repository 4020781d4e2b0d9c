package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #11, FastAGI side: whatever the peer sends or fails to send, the call gets STIR_STATUS/STIR_ACTION
 * with a reason whenever the connection still allows writing, and exactly one audit record in every case.
 * Real TCP sessions against the real pipeline (policy: the protected number rejects failures and tags
 * infrastructure errors).
 */
class AgiFaultInjectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Scenarios scenarios = new Scenarios();
    private AgiServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(2));
        }
        scenarios.close();
    }

    private AgiServer start(ServerSettings s) throws IOException {
        server = AgiServer.start(s, scenarios.screener());
        return server;
    }

    private AgiServer start() throws IOException {
        return start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)));
    }

    /** The call of the protected number with a genuine Identity argument, as Asterisk sends it. */
    private AgiClient.Call call() {
        return AgiClient.call(server.address(), "verify", Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, "from-carrier",
                List.of(Scenarios.genuine()));
    }

    /** What one session looked like from the Asterisk side. */
    private record Exchange(List<String> commands, Map<String, String> variables) {
        String reason() {
            return variables.get("STIR_REASON");
        }
    }

    /**
     * Sends {@code environment} as is, then answers each command with {@code reply} (its lines as given; null:
     * close the connection), until the server closes. MSet commands are applied to the variables whatever the
     * reply says.
     */
    private Exchange play(String environment, Function<String, String> reply) throws IOException {
        List<String> commands = new ArrayList<>();
        Map<String, String> vars = new LinkedHashMap<>();
        try (Socket s = new Socket()) {
            s.connect(server.address(), 10_000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(environment.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException reset) {
                // the server may answer and close while a huge request is still being written
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            try {
                while ((line = in.readLine()) != null) {
                    commands.add(line);
                    List<String> argv = AgiClient.parseAgiArgs(line);
                    if (argv.size() == 3 && argv.get(0).equals("EXEC") && argv.get(1).equals("MSet")) {
                        vars.putAll(AgiClient.msetVariables(argv.get(2)));
                    }
                    String r = reply.apply(line);
                    if (r == null) {
                        break;
                    }
                    out.write((r + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException reset) {
                // the server closed while we wrote or read: what it sent is in `commands`
            }
        }
        return new Exchange(commands, vars);
    }

    /** Answers as Asterisk does. */
    private Function<String, String> asterisk(AgiClient.Call call) {
        Map<String, String> vars = new LinkedHashMap<>();
        return line -> AgiClient.answer(line, call, vars);
    }

    /** The one audit record of the test's single session. */
    private JsonNode onlyRecord() throws Exception {
        List<String> lines = scenarios.auditLinesSettled(1);
        assertEquals(1, lines.size(), "exactly one audit record: " + lines);
        return JSON.readTree(lines.get(0));
    }

    @Test
    void halfAnEnvironmentBlockThenSilenceIsAnsweredAndRecorded() throws Exception {
        start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0))
                .withLimits(16, Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(2)));
        String block = AgiClient.environmentBlock(call());
        String half = block.substring(0, block.indexOf("agi_dnid")); // caller known, the rest never comes
        long t0 = System.nanoTime();
        Exchange e = play(half, asterisk(call()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("incomplete_request", e.reason(), e.toString());
        assertEquals("tag", e.variables().get("STIR_ACTION"), "the protected number's on_infrastructure_error");
        assertEquals("FAIL", e.variables().get("STIR_STATUS"));
        assertTrue(ms < 300 + 2000, "answered after the read timeout: " + ms + " ms");
        JsonNode rec = onlyRecord();
        assertEquals("incomplete_request", rec.path("reason").asText(), rec.toString());
        assertEquals("tag", rec.path("action").asText());
    }

    @Test
    void disconnectRightAfterTheEnvironmentIsStillRecorded() throws Exception {
        start();
        // the server asks for the SIP headers; nobody is there to answer
        Exchange e = play(AgiClient.environmentBlock(call()), line -> null);
        assertEquals(1, e.commands().size(), e.toString());
        assertTrue(e.commands().get(0).startsWith("GET FULL VARIABLE"), e.toString());
        JsonNode rec = onlyRecord();
        assertEquals("agi_command_failed", rec.path("reason").asText(), rec.toString());
    }

    @Test
    void disconnectRightAfterTheEnvironmentWithNothingToAskRecordsTheDecision() throws Exception {
        start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)).withReadSipHeaders(false));
        String block = AgiClient.environmentBlock(call());
        try (Socket s = new Socket()) { // the whole request, then gone at once
            s.connect(server.address(), 10_000);
            s.getOutputStream().write(block.getBytes(StandardCharsets.UTF_8));
            s.setSoLinger(true, 0);
        }
        JsonNode rec = onlyRecord();
        assertEquals("PASS", rec.path("status").asText(), "the call was decided; the answer had nowhere to go");
        await(() -> server.activeSessions() == 0);
        assertEquals(0, server.stats().uncaught());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "510 Invalid or unknown command",
        "511 Command Not Permitted on a dead channel or intercept routine",
        "520-Invalid command syntax.  Proper usage follows:\nUsage: GET FULL VARIABLE <variablename> [<channel name>]\n520 End of proper usage.",
        "HELLO I AM NOT ASTERISK",
        "200 result=1 (0:3:abc",
        "200 result=1 (99999:short)",
        "HANGUP\n200 result=1 (mangled)"})
    void aCommandAnsweredWithAnErrorStillGetsAnAnswerAndOneRecord(String badReply) throws Exception {
        start();
        AgiClient.Call call = call();
        Function<String, String> real = asterisk(call);
        Exchange e = play(AgiClient.environmentBlock(call),
                line -> line.startsWith("GET FULL VARIABLE") ? badReply : real.apply(line));
        assertEquals(2, e.commands().size(), "the fetch, then the answer: " + e);
        assertEquals("agi_command_failed", e.reason(), e.toString());
        assertEquals("tag", e.variables().get("STIR_ACTION"), "an infrastructure error for the protected number");
        assertEquals("agi_command_failed", onlyRecord().path("reason").asText());
        assertEquals(1, server.stats().commandErrors());
    }

    @Test
    void aHundredKibHeaderValueIsHeaderTooLargeNotALostCall() throws Exception {
        start();
        AgiClient.Call call = call().withArguments(List.of()) // the server reads the Identity header itself
                .withVariables(Map.of("${PJSIP_HEADER(read,Identity)}", "A".repeat(100 * 1024)));
        Exchange e = play(AgiClient.environmentBlock(call), asterisk(call));
        assertEquals(Scenarios.expectedReject("FAIL", "TN-Validation-Failed", "header_too_large", 438), e.variables());
        assertEquals("header_too_large", onlyRecord().path("reason").asText());
    }

    @Test
    void anMSetAnsweredWithAnErrorLeavesExactlyOneRecord() throws Exception {
        start();
        AgiClient.Call call = call();
        Function<String, String> real = asterisk(call);
        Exchange e = play(AgiClient.environmentBlock(call),
                line -> line.startsWith("EXEC") ? "511 Command Not Permitted on a dead channel or intercept routine"
                        : real.apply(line));
        assertEquals("PASS", e.variables().get("STIR_STATUS"), e.toString());
        assertEquals("PASS", onlyRecord().path("status").asText());
    }

    @Test
    void a64KibArgumentIsAnsweredHeaderTooLarge() throws Exception {
        start();
        AgiClient.Call call = call().withArguments(List.of("A".repeat(64 * 1024)));
        Exchange e = play(AgiClient.environmentBlock(call), asterisk(call));
        assertEquals(Scenarios.expectedReject("FAIL", "TN-Validation-Failed", "header_too_large", 438), e.variables());
        JsonNode rec = onlyRecord();
        assertEquals("header_too_large", rec.path("reason").asText());
        assertEquals("reject", rec.path("action").asText(), "the policy of the number it claims");
    }

    @Test
    void aOneMegabyteEnvironmentIsAnsweredRequestTooLarge() throws Exception {
        start();
        StringBuilder block = new StringBuilder(AgiClient.environmentBlock(call()));
        block.setLength(block.length() - 1); // without its blank line
        for (int i = 0; block.length() < 1024 * 1024; i++) {
            block.append("agi_x_").append(i).append(": ").append("v".repeat(100)).append('\n');
        }
        block.append('\n');
        Exchange e = play(block.toString(), asterisk(call()));
        assertEquals("request_too_large", e.reason(), e.toString());
        assertEquals("tag", e.variables().get("STIR_ACTION"));
        assertEquals("request_too_large", onlyRecord().path("reason").asText());
    }

    @Test
    void aMalformedEnvironmentIsAnsweredMalformedRequest() throws Exception {
        start();
        String block = AgiClient.environmentBlock(call()).replace("agi_language: en\n",
                "\u0000\u0001 not a name value line \u00ff\nAGI_LANGUAGE=en\n");
        Exchange e = play(block, asterisk(call()));
        assertEquals("malformed_request", e.reason(), e.toString());
        assertEquals("malformed_request", onlyRecord().path("reason").asText());
    }

    @Test
    void everySessionThatSentAnythingIsOnRecordOnce() throws Exception {
        start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0))
                .withLimits(64, Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(2)));
        AgiClient.Call call = call();
        String block = AgiClient.environmentBlock(call);
        play(block, asterisk(call));                                      // a real call
        play(block.substring(0, 40), asterisk(call));                     // cut off
        play(block, line -> null);                                        // gone after the request
        play(block.replace("verify", "nosuchscript"), asterisk(call));    // unknown script
        play("garbage\n\n", asterisk(call));                              // malformed
        try (Socket idle = new Socket()) {                                // says nothing: no call, no record
            idle.connect(server.address(), 10_000);
            idle.setSoTimeout(5_000);
            assertEquals(-1, idle.getInputStream().read());
        }
        List<String> lines = scenarios.auditLinesSettled(5);
        assertEquals(5, lines.size(), lines.toString());
        await(() -> server.activeSessions() == 0);
        assertEquals(1, server.stats().silent());
    }

    private static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(5);
        }
    }
}
