package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A deadline names what a call waits on; one without blocking refuses every wait instead. */
class DeadlineTest {

    @Test
    void waitsAreMarkedAndGivenBack() {
        Deadline d = Deadline.in(Duration.ofSeconds(1));
        assertTrue(d.mayBlock());
        Deadline.Wait previous = d.enter(Deadline.Wait.CERTIFICATE_FETCH);
        assertEquals(Deadline.Wait.CERTIFICATE_FETCH, d.waitingFor());
        d.leave(previous);
        assertEquals(Deadline.Wait.DECISION, d.waitingFor());
    }

    @Test
    void withoutBlockingEveryWaitIsRefusedBeforeItIsMarked() {
        Deadline d = Deadline.in(Duration.ofSeconds(1));
        Deadline inline = d.withoutBlocking();
        assertFalse(inline.mayBlock());
        assertEquals(d.nanoTime(), inline.nanoTime(), "the same instant");
        for (Deadline.Wait w : Deadline.Wait.values()) {
            assertThrows(Deadline.WouldBlock.class, () -> inline.enter(w));
        }
        assertEquals(Deadline.Wait.DECISION, inline.waitingFor());
        assertTrue(d.mayBlock(), "the original may still wait");
    }

    @Test
    void aWaitThatHoldsNoThreadIsMarkedWhereTheWatchdogLooks() {
        Deadline d = Deadline.in(Duration.ofSeconds(1));
        Deadline inline = d.withoutBlocking();
        Deadline.Wait previous = inline.pending(Deadline.Wait.SHARED_STORE);
        assertEquals(Deadline.Wait.SHARED_STORE, d.waitingFor(), "the original's marker: the one the watchdog reads");
        assertEquals(Deadline.Wait.SHARED_STORE, inline.waitingFor());
        inline.leave(previous);
        assertEquals(Deadline.Wait.DECISION, d.waitingFor());
        Deadline shorter = d.atMost(Duration.ofMillis(10));
        shorter.pending(Deadline.Wait.CRL_FETCH);
        assertEquals(Deadline.Wait.DECISION, d.waitingFor(), "a shorter budget has a marker of its own");
    }

    @Test
    void awaitingADoneFutureIsNoWaitEvenWithoutBlocking() throws Exception {
        Deadline inline = Deadline.in(Duration.ofSeconds(1)).withoutBlocking();
        assertEquals("ready", inline.await(CompletableFuture.completedFuture("ready"), Deadline.Wait.CRL_FETCH));
        assertThrows(Deadline.WouldBlock.class, () -> inline.await(new CompletableFuture<String>(), Deadline.Wait.CRL_FETCH),
                "a fetch still running is a wait");
    }

    @Test
    void awaitMarksTheWaitWhileItWaitsAndGivesTheMarkerBack() throws Exception {
        Deadline d = Deadline.in(Duration.ofSeconds(10));
        CompletableFuture<String> fetch = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> { // completes the "fetch" once it sees the wait marked
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (d.waitingFor() != Deadline.Wait.SHARED_STORE && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            fetch.complete(d.waitingFor().name());
        });
        assertEquals("SHARED_STORE", d.await(fetch, Deadline.Wait.SHARED_STORE));
        assertEquals(Deadline.Wait.DECISION, d.waitingFor(), "the marker is given back after the wait");

        Deadline shortOne = Deadline.in(Duration.ofMillis(50));
        assertThrows(TimeoutException.class, () -> shortOne.await(new CompletableFuture<String>(), Deadline.Wait.CRL_FETCH));
        assertEquals(Deadline.Wait.DECISION, shortOne.waitingFor(), "given back after a timeout too");
    }

    @Test
    void aShorterBudgetKeepsWhetherItMayBlock() {
        Deadline inline = Deadline.in(Duration.ofSeconds(10)).withoutBlocking();
        Deadline shorter = inline.atMost(Duration.ofSeconds(1));
        assertFalse(shorter.mayBlock(), "RCD content's budget under a loop's deadline must not wait either");
        assertTrue(shorter.nanoTime() < inline.nanoTime());
        assertSame(inline, inline.atMost(Duration.ofSeconds(60)), "a longer budget is the deadline itself");
        assertTrue(Deadline.in(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(1)).mayBlock());
    }
}
