package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.stirshield.cli.Main;

/** {@code ./stirshield call} against a running server. */
class CallCommandTest {
    private AgiServer server;
    private final Scenarios scenarios = new Scenarios();

    @BeforeEach
    void start() throws Exception {
        server = AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)),
                scenarios.screener());
    }

    @AfterEach
    void stop() {
        server.shutdown(Duration.ofSeconds(2));
    }

    private record Run(int rc, String out) {
    }

    private static Run cli(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.run(args);
            return new Run(rc, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    private String serverArg() {
        return "127.0.0.1:" + server.address().getPort();
    }

    @Test
    void printsTheVariablesOneALineInOrder() {
        Run r = cli("call", "--server", serverArg(), "--from", Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN,
                "--identity", Scenarios.genuine());
        assertEquals(0, r.rc());
        String expected = Scenarios.expectedPass().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        assertEquals(expected, r.out().replace("\r\n", "\n"));
    }

    @Test
    void viaVariableAndWithoutIdentity() {
        Run r = cli("call", "--server", serverArg(), "--from", Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN,
                "--identity", Scenarios.spoofed(), "--via-variable");
        assertEquals(0, r.rc());
        assertTrue(r.out().contains("STIR_REASON=orig_mismatch\n"), r.out());
        assertEquals(1, scenarios.seen.peek().identityHeaders().size());

        Run none = cli("call", "--server", serverArg(), "--from", Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN);
        assertTrue(none.out().startsWith("STIR_STATUS=NO_IDENTITY\nSTIR_ACTION=reject\n"), none.out());
    }

    @Test
    void sipHeadersAnswerTheServersGetFullVariable() {
        String h1 = "<sip:+8613800138001@pbx.example;user=phone>;index=1";
        String h2 = "<sip:+8613800138000@mobile.example;user=phone>;index=1.1;mp=1";
        Run r = cli("call", "--server", serverArg(), "--from", Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN,
                "--identity", Scenarios.genuine(), "--sip-header", "history-info: " + h1, "--sip-header", "History-Info:" + h2,
                "--sip-header", "Call-ID: abc@203.0.113.7", "--sip-header", "P-Asserted-Identity: <tel:+861012308>");
        assertEquals(0, r.rc(), r.out());
        org.stirshield.verify.SipRequest sip = scenarios.seen.peek().sip();
        assertEquals(List.of(h1, h2), sip.historyInfo());
        assertEquals("abc@203.0.113.7", sip.callId());
        assertEquals(List.of("<tel:+861012308>"), sip.assertedIdentities());
        assertEquals(2, cli("call", "--server", serverArg(), "--from", "1", "--to", "2", "--sip-header", "no colon").rc());
    }

    @Test
    void loadModeReportsSessionsPerSecond() {
        Run r = cli("call", "--server", serverArg(), "--from", Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN,
                "--identity", Scenarios.genuine(), "--repeat", "200", "--concurrency", "8");
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().startsWith("sessions=200 concurrency=8 failed=0 "), r.out());
        assertEquals(200, server.stats().completed());
    }

    /** {@code --server} repeated: tried in order, the next one only when one cannot be connected to (hagi://). */
    @Test
    void repeatedServersAreTriedInOrderLikeHagi() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        Run r;
        try {
            r = cli("call", "--server", "127.0.0.1:" + closed, "--server", "agi://" + serverArg() + "/verify",
                    "--from", Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN, "--identity", Scenarios.genuine());
        } finally {
            System.setErr(oldErr);
        }
        assertEquals(0, r.rc());
        assertTrue(r.out().startsWith("STIR_STATUS=PASS\n"), r.out());
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("not reachable: 127.0.0.1:" + closed), e);
        assertTrue(e.contains("answered by " + serverArg()), e);

        Run load = cli("call", "--server", "127.0.0.1:" + closed, "--server", serverArg(), "--from",
                Scenarios.PROTECTED_TN, "--to", Scenarios.CALLED_TN, "--repeat", "40", "--concurrency", "4",
                "--rate", "400");
        assertEquals(0, load.rc(), load.out());
        assertTrue(load.out().contains("failed=0 ") && load.out().contains("answered_by=" + serverArg() + "/40"),
                load.out());
    }

    /** A name that does not resolve is one unreachable target (#10): reported by name, the next one answers. */
    @Test
    void anUnresolvableServerIsReportedAndTheNextOneTried() {
        for (String first : new String[] {"nohost.invalid:1", "agi://nohost.invalid:1/verify"}) {
            PrintStream oldErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            Run r;
            try {
                r = cli("call", "--server", first, "--server", serverArg(), "--from", Scenarios.PROTECTED_TN, "--to",
                        Scenarios.CALLED_TN, "--identity", Scenarios.genuine());
            } finally {
                System.setErr(oldErr);
            }
            String e = err.toString(StandardCharsets.UTF_8);
            assertEquals(0, r.rc(), e);
            assertTrue(r.out().startsWith("STIR_STATUS="), r.out()); // PASS, then the same PASSporT: replayed
            assertTrue(e.contains("not reachable: nohost.invalid:1: cannot resolve"), e);
            assertTrue(e.contains("answered by " + serverArg()), e);
            assertFalse(e.contains("Exception"), e);
        }
    }

    @Test
    void noServerIsANonZeroExit() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = cli("call", "--server", "127.0.0.1:" + port, "--from", "1", "--to", "2", "--timeout", "2s");
        assertEquals(1, r.rc());
        assertEquals("", r.out());
    }
}
