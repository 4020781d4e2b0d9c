package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The ES256 provider upgrade starts once: when asked for, or when the last hold is released if it was asked meanwhile. */
class ProviderUpgradeTest {
    private final AtomicInteger starts = new AtomicInteger();
    private final ProviderUpgrade upgrade = new ProviderUpgrade(starts::incrementAndGet);

    @Test
    void startsOnceWhenAskedWithoutAHold() {
        upgrade.request();
        upgrade.request();
        upgrade.startNow();
        assertEquals(1, starts.get());
        assertTrue(upgrade.started());
    }

    @Test
    void aHoldDefersTheRequestUntilTheLastHoldIsReleased() {
        Runnable first = upgrade.hold();
        Runnable second = upgrade.hold();
        upgrade.request();
        assertEquals(0, starts.get(), "held");
        first.run();
        first.run(); // a second release of the same hold releases nothing
        assertEquals(0, starts.get(), "still held by the second");
        second.run();
        assertEquals(1, starts.get(), "started by the last release");
        upgrade.hold().run();
        assertEquals(1, starts.get(), "once");
    }

    @Test
    void aReleaseWithoutARequestStartsNothing() {
        upgrade.hold().run();
        assertEquals(0, starts.get());
        assertFalse(upgrade.started());
        upgrade.request();
        assertEquals(1, starts.get());
    }

    @Test
    void startNowIgnoresHolds() {
        Runnable hold = upgrade.hold();
        upgrade.startNow();
        assertEquals(1, starts.get());
        hold.run();
        assertEquals(1, starts.get());
    }
}
