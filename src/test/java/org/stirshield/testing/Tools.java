package org.stirshield.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs some tests run (headless Chromium, promtool). On a developer's machine a missing program
 * skips those tests; in CI ({@code CI=true}, where {@code .ci/run} installs them) it fails them, so that they
 * are never silently skipped there.
 */
public final class Tools {
    private Tools() {
    }

    /** The first of {@code names} on PATH, or null. */
    public static Path onPath(String... names) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : names) {
            for (String d : path.split(File.pathSeparator)) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * The program, or: in CI an {@link AssertionError}, elsewhere a skipped test.
     *
     * @param debianPackage what installs it, for the message
     */
    public static Path require(String debianPackage, String... names) {
        Path p = onPath(names);
        String why = String.join(" or ", names) + " not on PATH (Debian package " + debianPackage
                + "; .ci/run installs it)";
        requireInCi(p != null, why);
        return p;
    }

    /**
     * What a test needs from the machine: when {@code met} is false, in CI ({@code CI=true}) an
     * {@link AssertionError}, elsewhere a skipped test; both with {@code why}.
     */
    public static void requireInCi(boolean met, String why) {
        requireInCi(met, why, System.getenv("CI"));
    }

    /** {@link #requireInCi(boolean, String)} with the value of {@code CI} given (for its own test). */
    static void requireInCi(boolean met, String why, String ci) {
        if (!met && "true".equalsIgnoreCase(ci)) {
            throw new AssertionError(why + ": this test must not be skipped in CI");
        }
        Assumptions.assumeTrue(met, why);
    }
}
