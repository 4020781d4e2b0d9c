package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.RawTcpServer;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.SipRequest;

/** The FastAGI server over real TCP against {@link FakeAsterisk} (the contract of docs/asterisk.md). */
class AgiServerTest {
    private final Scenarios scenarios = new Scenarios();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        scenarios.close();
    }

    private ServerSettings settings() {
        return ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0));
    }

    private AgiServer start(ServerSettings s, CallScreener screener) throws IOException {
        AgiServer server = AgiServer.start(s, screener);
        cleanup.add(() -> server.shutdown(Duration.ofSeconds(2)));
        return server;
    }

    private AgiServer start() throws IOException {
        return start(settings(), scenarios.screener());
    }

    /** The real pipeline, entered (counts {@code entered} down) and then held until {@code release}. */
    private CallScreener heldUntil(CountDownLatch entered, CountDownLatch release) {
        CallScreener real = scenarios.screener();
        return new CallScreener() {
            @Override
            public Decision screen(CallAttempt call, Deadline deadline) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return real.screen(call, deadline);
            }

            @Override
            public Decision decideUnverified(CallAttempt call, Reason reason, String detail) {
                return real.decideUnverified(call, reason, detail);
            }
        };
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void genuineCallFromProtectedNumberPassesWithOneRoundTripWhenTheDialplanPassesEverything() throws Exception {
        AgiServer server = start(settings().withReadSipHeaders(false), scenarios.screener());
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.genuine())));

        assertTrue(r.completed(), r.error());
        assertEquals(Scenarios.expectedPass(), r.variables());
        assertEquals(List.copyOf(Scenarios.expectedPass().entrySet()), List.copyOf(r.variables().entrySet()),
                "stable order");
        assertEquals(1, r.commands().size(), "one round trip, no AJ_AGISTATUS: " + r.commands());
        assertTrue(r.commands().get(0).startsWith("EXEC \"MSet\" "), r.commands().get(0));
        CallAttempt seen = scenarios.seen.peek();
        assertEquals(List.of(Scenarios.genuine()), seen.identityHeaders());
        assertEquals(Scenarios.PROTECTED_TN, seen.callerTn());
        assertEquals(Scenarios.CALLED_TN, seen.calledTn());
        assertEquals("from-carrier", seen.trunk());
        assertEquals("1763900000.1", seen.callId());
        assertEquals("PJSIP/carrier-00000001", seen.channel());
        assertEquals(1, server.stats().completed());
    }

    @Test
    void theSipRequestIsReadInOneRoundTripWithEveryValueIntact() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        // display names with quotes, backslashes and commas: what AGI arguments would mangle
        String from = "\"Embassy \\\"Consular\\\", Desk\" <sip:+861012308@carrier.example.cn>;tag=a8f3";
        String pai1 = "\"Consulate, Beijing\" <sip:+861012308@carrier.example.cn;user=phone>";
        String pai2 = "<tel:+861012308>";
        String history = "<sip:+8613800138000@pbx.example?Reason=SIP%3Bcause%3D302>;index=1,<sip:100@pbx.example>;index=1.1";
        String diversion = "<sip:+8613800138001@pbx.example>;reason=unconditional;counter=1";
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(Scenarios.genuine()))
                .withVariables(Map.of("${PJSIP_HEADER(read,From)}", from,
                        "${PJSIP_HEADER(read,P-Asserted-Identity)}", pai1,
                        "${PJSIP_HEADER(read,P-Asserted-Identity,2)}", pai2,
                        "${PJSIP_HEADER(read,History-Info)}", history,
                        "${PJSIP_HEADER(read,Diversion)}", diversion,
                        "${PJSIP_HEADER(read,Call-ID)}", "a84b4c76e66710@198.51.100.7",
                        "${CHANNEL(pjsip,remote_addr)}", "198.51.100.7:5060"));
        AgiClient.Result r = asterisk.run(call);

        assertEquals(Scenarios.expectedPass(), r.variables());
        assertEquals(2, r.commands().size(), "one GET FULL VARIABLE, then the answer: " + r.commands());
        assertTrue(r.commands().get(0).startsWith("GET FULL VARIABLE "), r.commands().get(0));
        assertFalse(r.commands().get(0).contains("read,Identity"), "the Identity header was an argument");
        assertTrue(r.commands().get(0).length() < SipHeaderFetch.MAX_COMMAND, "fits Asterisk's 2 KiB command buffer");
        SipRequest sip = scenarios.seen.peek().sip();
        assertEquals(new SipRequest("a84b4c76e66710@198.51.100.7", "198.51.100.7:5060", from, List.of(pai1, pai2),
                List.of(history), List.of(diversion)), sip);
    }

    @Test
    void spoofedCallIsRejectedWith438() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.spoofed())));
        assertEquals(Scenarios.expectedReject("FAIL", "TN-Validation-Failed", "orig_mismatch", 438), r.variables());
        assertEquals(2, r.commands().size());
    }

    @Test
    void callWithoutIdentityIsNoIdentityWithoutAskingForIt() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        // ${PJSIP_HEADER(read,Identity)} expanded to nothing: agi_arg_1 is present and empty
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of("")));
        assertEquals(Scenarios.expectedReject("NO_IDENTITY", "No-TN-Validation", "missing_identity", 428), r.variables());
        assertFalse(r.commands().get(0).contains("read,Identity"), "the argument said: no Identity. " + r.commands());
    }

    @Test
    void malformedHeaderFails() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.malformed())));
        assertEquals(Scenarios.expectedReject("FAIL", "TN-Validation-Failed", "malformed_token", 438), r.variables());
    }

    @Test
    void unprotectedCallerIsAllowedAndNameLeftAlone() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.OTHER_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.identity(Scenarios.OTHER_TN, Scenarios.GENUINE_X5U))));
        assertEquals(Scenarios.ordered("STIR_STATUS", "NOT_PROTECTED", "STIR_ACTION", "allow", "STIR_ATTEST", "A",
                "STIR_VERSTAT", "TN-Validation-Passed", "STIR_SIP_CODE", "", "STIR_REASON", "verified",
                "STIR_AGENCY", ""), r.variables());
    }

    @Test
    void withoutArgumentsTheHeadersAreReadWithGetFullVariableIntact() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        // longer than GET VARIABLE's 1,024 bytes, and with a quoted parameter that AGI arguments would mangle
        String longHeader = Scenarios.genuine() + ";x-pad=\"" + "p".repeat(7000) + "\"";
        String second = Scenarios.spoofed();
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of())
                .withVariables(Map.of("${PJSIP_HEADER(read,Identity)}", longHeader,
                        "${PJSIP_HEADER(read,Identity,2)}", second));
        AgiClient.Result r = asterisk.run(call);

        assertEquals(2, r.commands().size(), "every header in ONE round trip: " + r.commands());
        assertTrue(r.commands().get(0).contains("${PJSIP_HEADER(read,Identity)}")
                && r.commands().get(0).contains("${PJSIP_HEADER(read,Identity,4)}"), r.commands().get(0));
        assertEquals(List.of(longHeader, second), scenarios.seen.peek().identityHeaders());
        assertEquals("PASS", r.variables().get("STIR_STATUS"));
    }

    @Test
    void moreIdentityHeadersThanTheFirstRoundTripReadsTakeOneMore() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        Map<String, String> vars = new java.util.HashMap<>();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            String h = i == 6 ? Scenarios.genuine() : Scenarios.malformed() + i;
            vars.put(i == 1 ? "${PJSIP_HEADER(read,Identity)}" : "${PJSIP_HEADER(read,Identity," + i + ")}", h);
            if (i <= CallInputs.MAX_IDENTITY_HEADERS) {
                expected.add(h);
            }
        }
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of())
                .withVariables(vars));
        assertEquals(3, r.commands().size(), r.commands().toString());
        assertEquals(expected, scenarios.seen.peek().identityHeaders(), "bounded at " + CallInputs.MAX_IDENTITY_HEADERS);
        assertEquals("PASS", r.variables().get("STIR_STATUS"), "the sixth header verifies (HDR-07)");
    }

    @Test
    void overrideArgumentsReplaceTheEnvironment() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        // caller from P-Asserted-Identity; an HTTP-date split by Asterisk at its comma is put back together
        String date = java.time.format.DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        String[] halves = date.split(",", 2);
        AgiClient.Result r = asterisk.run(asterisk.call("+10000000000", "s", List.of(Scenarios.genuine(),
                "caller=" + Scenarios.PROTECTED_TN, "called=" + Scenarios.CALLED_TN, "date=" + halves[0],
                halves[1], "trunk=carrier-a")));
        assertEquals("PASS", r.variables().get("STIR_STATUS"));
        CallAttempt seen = scenarios.seen.peek();
        assertEquals(Scenarios.PROTECTED_TN, seen.callerTn());
        assertEquals(Scenarios.CALLED_TN, seen.calledTn());
        assertEquals(date, seen.date());
        assertEquals("carrier-a", seen.trunk());
        assertEquals(List.of(Scenarios.genuine()), seen.identityHeaders());
    }

    @Test
    void hangingCertificateServerStillGetsAVerdictBeforeTheDeadline() throws Exception {
        try (RawTcpServer certServer = new RawTcpServer(RawTcpServer.Mode.HANG)) {
            ServerSettings s = settings().withLimits(64, Duration.ofSeconds(5), Duration.ofMillis(400), Duration.ofSeconds(2));
            AgiServer server = start(s, scenarios.screener());
            FakeAsterisk asterisk = new FakeAsterisk(server.address());
            long t0 = System.nanoTime();
            AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                    List.of(Scenarios.slowCertificate(certServer.port()))));
            long ms = (System.nanoTime() - t0) / 1_000_000;

            // The pipeline gives up the fetch at the deadline and the policy decides (the agency named). On a
            // starved machine the watchdog may answer 100 ms later instead: it names the same wait and agency.
            String agency = Scenarios.AGENCY;
            assertEquals(Scenarios.ordered("STIR_STATUS", "FAIL", "STIR_ACTION", "tag", "STIR_ATTEST", "",
                    "STIR_VERSTAT", "TN-Validation-Failed", "STIR_SIP_CODE", "436", "STIR_REASON", "x5u_timeout",
                    "STIR_AGENCY", agency, "STIR_CALLER_NAME", "[UNVERIFIED] ",
                    "CALLERID(name)", "[UNVERIFIED] "), r.variables());
            assertTrue(ms < 400 + 1500, "answered near the deadline, took " + ms + " ms");
        }
    }

    @Test
    void screenerThatIgnoresTheDeadlineIsCutOffFailSafe() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        cleanup.add(never::countDown);
        CallScreener stuck = (call, deadline) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        ServerSettings s = settings().withLimits(64, Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(2));
        AgiServer server = start(s, stuck);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(Scenarios.genuine()))
                .with("agi_calleridname", "Consulate");
        AgiClient.Result r = asterisk.run(call);
        assertEquals(Scenarios.ordered("STIR_STATUS", "FAIL", "STIR_ACTION", "tag", "STIR_ATTEST", "",
                "STIR_VERSTAT", "TN-Validation-Failed", "STIR_SIP_CODE", "500", "STIR_REASON", "decision_timeout",
                "STIR_AGENCY", "", "STIR_CALLER_NAME", "[UNVERIFIED] Consulate",
                "CALLERID(name)", "[UNVERIFIED] Consulate"), r.variables());
        assertEquals(1, server.stats().deadlineFailsafe());
        assertEquals(1, server.activeSessions(), "the slot stays taken while the screener still runs");
        never.countDown();
        await(() -> server.activeSessions() == 0, "slot freed once the screener returns");
        assertEquals(0, server.stats().uncaught());
    }

    @ParameterizedTest
    @EnumSource(Deadline.Wait.class)
    void theWatchdogNamesWhatTheLateDecisionWasWaitingOn(Deadline.Wait waiting) throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        cleanup.add(never::countDown);
        CallScreener stuck = (call, deadline) -> {
            deadline.enter(waiting); // e.g. a replay store that ignores its own time limit
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        AgiServer server = start(settings().withLimits(8, Duration.ofSeconds(5), Duration.ofMillis(150),
                Duration.ofSeconds(2)), stuck);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        long t0 = System.nanoTime();
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of("")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String expected = switch (waiting) {
            case CERTIFICATE_FETCH -> "x5u_timeout";
            case CRL_FETCH -> "crl_timeout";
            case SHARED_STORE -> "store_timeout";
            case DECISION -> "decision_timeout";
        };
        assertEquals(expected, r.variables().get("STIR_REASON"), r.variables().toString());
        assertTrue(ms >= 150, "not before the deadline: " + ms + " ms");
        assertTrue(ms < 150 + GuardedScreener.MARGIN.toMillis() + 1500, "soon after deadline + margin: " + ms + " ms");
        assertEquals(1, server.stats().deadlineFailsafe());
    }

    @Test
    void screenerThatThrowsGivesInternalError() throws Exception {
        AgiServer server = start(settings(), (call, deadline) -> {
            throw new IllegalStateException("boom");
        });
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of("")));
        assertEquals("FAIL", r.variables().get("STIR_STATUS"));
        assertEquals("internal_error", r.variables().get("STIR_REASON"));
        assertEquals("500", r.variables().get("STIR_SIP_CODE"));
        assertEquals(1, server.stats().screenerErrors());
        assertEquals(0, server.stats().uncaught());
    }

    @Test
    void clientThatDisconnectsMidSessionFreesItsSlot() throws Exception {
        CountDownLatch inScreener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        cleanup.add(release::countDown);
        CallScreener screener = heldUntil(inScreener, release);
        ServerSettings s = settings().withLimits(2, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2))
                .withReadSipHeaders(false);
        AgiServer server = start(s, screener);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        String block = FakeAsterisk.environmentBlock(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.genuine())));

        // 1: gone in the middle of the environment block (recorded as incomplete_request)
        try (Socket s1 = asterisk.open(block.substring(0, block.length() / 2))) {
            await(() -> server.activeSessions() == 1, "session 1 admitted");
        }
        await(() -> server.activeSessions() == 0, "slot of session 1 freed");
        assertEquals(1, server.stats().disconnected());
        assertEquals(List.of(Reason.INCOMPLETE_REQUEST), List.copyOf(scenarios.unverified));

        // 2: gone while its call is being screened; the server's MSet then has nobody to go to
        Socket s2 = asterisk.open(block);
        assertTrue(inScreener.await(20, TimeUnit.SECONDS));
        s2.setSoLinger(true, 0); // reset, like a crashed Asterisk
        s2.close();
        release.countDown();
        await(() -> server.activeSessions() == 0, "slot of session 2 freed");
        AgiServer.Stats st = server.stats();
        assertEquals(0, st.uncaught());
        assertEquals(0, st.completed());
        assertEquals(2, st.disconnected() + st.failed(), st.toString());
        assertEquals(2, scenarios.auditLinesSettled(2).size(), "each session on record once");

        // the server still serves
        AgiClient.Result r = asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.genuine())));
        assertEquals("PASS", r.variables().get("STIR_STATUS"));
    }

    @Test
    void clientOutsideTheAllowListIsClosedAtAcceptAndLoggedOnce() throws Exception {
        AgiServer server = start(settings().withAllow(List.of("127.0.0.1/32")), scenarios.screener());
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        InetAddress stranger = InetAddress.getByName("127.0.0.2");
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(Scenarios.genuine()));
        for (int i = 0; i < 3; i++) {
            AgiClient.Result r = asterisk.run(call, stranger);
            assertEquals(List.of(), r.commands());
            assertEquals(Map.of(), r.variables());
        }
        await(() -> server.stats().refusedNotAllowed() == 3, "three refusals counted");
        assertEquals(1, server.stats().refusedAddresses(), "one address, logged once");
        assertEquals(0, server.stats().accepted());
        assertTrue(scenarios.seen.isEmpty());
        // the allowed address is served
        assertEquals("PASS", asterisk.run(call, InetAddress.getByName("127.0.0.1")).variables().get("STIR_STATUS"));
    }

    @Test
    void idleConnectionIsDroppedAtTheReadTimeoutWithoutARecord() throws Exception {
        ServerSettings s = settings().withLimits(4, Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(2));
        AgiServer server = start(s, scenarios.screener());
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        try (Socket idle = asterisk.open("")) { // connects, says nothing: no call
            assertEquals("", FakeAsterisk.readToEnd(idle), "closed by the server without a command");
        }
        await(() -> server.activeSessions() == 0, "slot freed");
        assertEquals(1, server.stats().silent());
        assertTrue(scenarios.unverified.isEmpty() && scenarios.seen.isEmpty());
        assertEquals(List.of(), scenarios.auditLinesSettled(0));
    }

    @Test
    void tricklingPeerIsDroppedAtTheSessionTimeLimit() throws Exception {
        // never silent for read_timeout, but slower than the whole session may take
        ServerSettings s = settings().withLimits(4, Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofSeconds(2));
        AgiServer server = start(s, scenarios.screener());
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        String block = FakeAsterisk.environmentBlock(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.genuine())));
        try (Socket sock = asterisk.open("")) {
            await(() -> server.activeSessions() == 1, "admitted");
            OutputStream out = sock.getOutputStream();
            try {
                for (String line : block.split("(?<=\n)")) {
                    if (server.activeSessions() == 0) {
                        break;
                    }
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(150);
                }
            } catch (java.net.SocketException closed) {
                // the server closed the connection under us: what we want
            }
        }
        await(() -> server.activeSessions() == 0, "slot freed");
        assertEquals(1, server.stats().readTimeouts());
        assertTrue(scenarios.seen.isEmpty(), "never screened");
        assertEquals(List.of(Reason.INCOMPLETE_REQUEST), List.copyOf(scenarios.unverified), "but on record");
    }

    @Test
    void fiveHundredConcurrentSessions() throws Exception {
        int n = 500;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(n);
        CallScreener base = scenarios.screener();
        CallScreener together = (call, deadline) -> {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            all.countDown();
            try {
                all.await(30, TimeUnit.SECONDS); // every call is in flight at once
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            return base.screen(call, deadline);
        };
        ServerSettings s = settings().withLimits(1024, Duration.ofSeconds(30), Duration.ofSeconds(40), Duration.ofSeconds(2));
        AgiServer server = start(s, together);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(Scenarios.genuine()));
        List<Future<AgiClient.Result>> results = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                results.add(clients.submit(() -> AgiClient.run(server.address(), call, Duration.ofSeconds(60))));
            }
        }
        for (Future<AgiClient.Result> f : results) {
            assertEquals(Scenarios.expectedPass(), f.get().variables());
        }
        assertEquals(n, maxInside.get(), "all sessions were in flight together");
        assertEquals(n, server.stats().completed());
        assertEquals(0, server.stats().refusedBusy());
        await(() -> server.activeSessions() == 0, "all slots freed");
    }

    @Test
    void connectionsBeyondMaxSessionsAreClosedAtAccept() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        cleanup.add(release::countDown);
        CountDownLatch inScreener = new CountDownLatch(1);
        CallScreener slow = heldUntil(inScreener, release);
        AgiServer server = start(settings().withLimits(1, Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofSeconds(2)), slow);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(Scenarios.genuine()));
        Future<AgiClient.Result> first;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            first = ex.submit(() -> asterisk.run(call));
            assertTrue(inScreener.await(20, TimeUnit.SECONDS));
            AgiClient.Result second = asterisk.run(call);
            assertEquals(List.of(), second.commands());
            assertEquals(1, server.stats().refusedBusy());
            release.countDown();
        }
        assertEquals("PASS", first.get().variables().get("STIR_STATUS"));
    }

    @Test
    void onlyVerifyAndSignAreMapped() throws Exception {
        AgiServer server = start();
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Call evil = AgiClient.call(server.address(), "java.lang.Runtime", Scenarios.PROTECTED_TN, "2", "x",
                List.of(""));
        AgiClient.Result r = asterisk.run(evil);
        assertTrue(r.completed());
        assertEquals(1, r.commands().size(), "answered, nothing else: " + r.commands());
        assertEquals("unknown_script", r.variables().get("STIR_REASON"));
        assertEquals("tag", r.variables().get("STIR_ACTION"), "the protected number's on_infrastructure_error");
        assertEquals(1, server.stats().unknownScript());
        assertEquals(List.of(Reason.UNKNOWN_SCRIPT), List.copyOf(scenarios.unverified));

        AgiClient.Result sign = asterisk.run(AgiClient.call(server.address(), "sign", "1", "2", "x", List.of("")));
        assertEquals(Scenarios.ordered("STIR_SIGN_STATUS", "UNSUPPORTED", "STIR_REASON", "signing_not_configured"),
                sign.variables());
    }

    @Test
    void shutdownDrainsCallsInFlightAndRefusesNewOnes() throws Exception {
        CountDownLatch inScreener = new CountDownLatch(1);
        CallScreener slow = (call, deadline) -> {
            inScreener.countDown();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return scenarios.screener().screen(call, deadline);
        };
        AgiServer server = AgiServer.start(settings().withLimits(8, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(10)), slow);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        AgiClient.Call call = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(Scenarios.genuine()));
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<AgiClient.Result> inFlight = ex.submit(() -> asterisk.run(call));
            assertTrue(inScreener.await(20, TimeUnit.SECONDS));
            assertTrue(server.shutdown(Duration.ofSeconds(10)), "drained");
            assertEquals("PASS", inFlight.get().variables().get("STIR_STATUS"));
        }
        AgiClient.Result after = asterisk.run(call);
        assertFalse(after.completed(), "no longer listening");
    }
}
