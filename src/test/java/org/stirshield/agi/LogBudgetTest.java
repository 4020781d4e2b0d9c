package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LogBudgetTest {

    @Test
    void linesBeyondTheBudgetAreLeftOutAndCountedInTheNextOneWritten() throws InterruptedException {
        LogBudget b = new LogBudget(2, 200, TimeUnit.MILLISECONDS);
        assertEquals(0, b.take());
        assertEquals(0, b.take());
        assertEquals(-1, b.take());
        assertEquals(-1, b.take());
        Thread.sleep(250);
        assertEquals(2, b.take(), "the first line of the next interval says how many were left out");
        assertEquals(0, b.take());
        assertEquals(-1, b.take());
    }
}
