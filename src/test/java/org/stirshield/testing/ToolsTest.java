package org.stirshield.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A test's missing prerequisite fails it in CI and skips it elsewhere, saying why. */
class ToolsTest {
    @Test
    void aMissingPrerequisiteFailsInCiAndSkipsElsewhere() {
        AssertionError inCi = assertThrows(AssertionError.class, () -> Tools.requireInCi(false, "no prlimit", "true"));
        assertTrue(inCi.getMessage().startsWith("no prlimit: this test must not be skipped in CI"), inCi.getMessage());
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                () -> Tools.requireInCi(false, "no prlimit", null));
        assertTrue(skipped.getMessage().contains("no prlimit"), skipped.getMessage());
        Tools.requireInCi(true, "met", "true"); // met: nothing happens
    }
}
