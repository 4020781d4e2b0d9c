package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
    void aShorterBudgetKeepsWhetherItMayBlock() {
        Deadline inline = Deadline.in(Duration.ofSeconds(10)).withoutBlocking();
        Deadline shorter = inline.atMost(Duration.ofSeconds(1));
        assertFalse(shorter.mayBlock(), "RCD content's budget under a loop's deadline must not wait either");
        assertTrue(shorter.nanoTime() < inline.nanoTime());
        assertSame(inline, inline.atMost(Duration.ofSeconds(60)), "a longer budget is the deadline itself");
        assertTrue(Deadline.in(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(1)).mayBlock());
    }
}
