package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stirshield.cert.RawTcpServer;
import org.stirshield.service.CallScreener;

/**
 * Where the event-loop server decides a call (docs/performance.md, "The FastAGI server"): on the loop that
 * serves it when nothing has to be waited for (the real pipeline, a warm certificate, the replay window in
 * memory), on a thread of its own when something does, and then exactly once: one screening, one audit
 * record; a call that waits never holds up the other calls of its loop.
 */
class EventLoopTest {
    private final Scenarios scenarios = new Scenarios();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        scenarios.close();
    }

    private static ServerSettings settings() {
        return ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0));
    }

    private AgiServer start(ServerSettings s, CallScreener screener) throws IOException {
        AgiServer server = AgiServer.start(s, screener);
        cleanup.add(() -> server.shutdown(Duration.ofSeconds(2)));
        return server;
    }

    @Test
    void callsThatNeedNoWaitAreDecidedOnTheLoop() throws Exception {
        AgiServer server = start(settings(), scenarios.screener());
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        assertEquals("PASS", asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.genuine()))).variables().get("STIR_STATUS"), "signed, pinned certificate");
        assertEquals("NO_IDENTITY", asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of()))
                .variables().get("STIR_STATUS"), "unsigned, protected caller");
        assertEquals(0, server.stats().decidedOffLoop(), "no call left its loop");
        assertEquals(2, scenarios.seen.size(), "each call screened once");
        assertEquals(2, scenarios.auditLinesSettled(2).size(), "each call recorded once");
    }

    @Test
    void aCallWaitingForItsCertificateIsDecidedOffTheLoopOnceWhileTheLoopServesOthers() throws Exception {
        try (RawTcpServer certServer = new RawTcpServer(RawTcpServer.Mode.HANG)) {
            ServerSettings s = settings().withLimits(64, Duration.ofSeconds(10), Duration.ofSeconds(4), Duration.ofSeconds(2));
            AgiServer server = start(s, scenarios.screener());
            FakeAsterisk asterisk = new FakeAsterisk(server.address());
            CompletableFuture<AgiClient.Result> waiting = CompletableFuture.supplyAsync(() -> asterisk.run(
                    asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                            List.of(Scenarios.slowCertificate(certServer.port())))));
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (server.stats().decidedOffLoop() == 0 && System.nanoTime() - end < 0) {
                Thread.sleep(5);
            }
            assertEquals(1, server.stats().decidedOffLoop(), "the call needing a fetch left the loop");
            for (int i = 0; i < 4; i++) { // every loop of the server serves warm calls meanwhile
                assertEquals("PASS", asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                        List.of(Scenarios.genuine()))).variables().get("STIR_STATUS"));
            }
            assertFalse(waiting.isDone(), "the waiting call is still waiting (deadline 4 s) while the others passed");
            AgiClient.Result r = waiting.get();
            assertEquals("x5u_timeout", r.variables().get("STIR_REASON"));
            assertEquals(1, server.stats().decidedOffLoop());
            assertEquals(5, scenarios.seen.size(), "the waiting call screened once (its first attempt did not count)");
            assertEquals(5, scenarios.auditLinesSettled(5).size(), "and recorded once");
            assertEquals(0, server.stats().uncaught());
        }
    }

    @Test
    void aScreenerThatDoesNotMarkItsWaitsNeverRunsOnTheLoop() throws Exception {
        CallScreener real = scenarios.screener();
        CallScreener unmarked = (call, deadline) -> real.screen(call, deadline);
        AgiServer server = start(settings(), unmarked);
        FakeAsterisk asterisk = new FakeAsterisk(server.address());
        assertEquals("PASS", asterisk.run(asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                List.of(Scenarios.genuine()))).variables().get("STIR_STATUS"));
        assertEquals(1, server.stats().decidedOffLoop());
    }

    @Test
    void aPortAnotherProcessListensOnIsRefusedEvenWithReusePort() throws Exception {
        try (ServerSocketChannel other = ServerSocketChannel.open()) {
            other.setOption(StandardSocketOptions.SO_REUSEPORT, true); // what a second StirShield would set
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress taken = (InetSocketAddress) other.getLocalAddress();
            BindException e = assertThrows(BindException.class,
                    () -> start(settings().withListen(taken), scenarios.screener()));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        AgiServer first = start(settings(), scenarios.screener());
        assertThrows(BindException.class, () -> start(settings().withListen(first.address()), scenarios.screener()),
                "a second server on a port the first serves");
    }
}
