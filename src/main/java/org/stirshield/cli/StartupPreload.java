package org.stirshield.cli;

/**
 * Serve's start on a machine with two cores: static initialisers that cost tens of milliseconds, and that serve's
 * main thread reaches only after setting up logging and reading its configuration, run first on a thread of their
 * own, in the order the main thread needs them. The main thread then finds them done, or waits only for the rest of
 * one. Each belongs to the JDK or a library and has no static dependency on StirShield's classes, so the two threads
 * can never wait for each other's class initialisation. A failure here is left to the main thread, which meets the
 * same failure where it can report it. docs/performance.md (Start-up) has the figures.
 */
final class StartupPreload {
    private StartupPreload() {
    }

    /** Starts the preload on a daemon thread and returns at once. */
    static void start() {
        Thread.ofPlatform().name("stirshield-preload").daemon().start(StartupPreload::run);
    }

    static void run() {
        try {
            // Jackson's parser base class, first used for the configuration file, makes BigDecimal constants; the
            // JDK's BigDecimal initialiser computes 5^(2^16) (about 30 ms in the interpreter)
            java.math.BigDecimal.ONE.signum();
            // the JCA provider list and SunEC, first read by the verifier's ES256 instance
            java.security.Security.getProvider("SunEC");
            // libphonenumber's metadata index, first read by the telephone-number canonicaliser
            com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance();
        } catch (RuntimeException | LinkageError e) {
            // the main thread meets it again and reports it
        }
    }
}
