package org.stirshield.passport;

/**
 * Starts a background task (the ES256 provider upgrade) at most once: when it is first asked for, unless a hold defers
 * it; the last hold closed starts it if it was asked for meanwhile. {@link #startNow()} starts it regardless.
 */
final class ProviderUpgrade {
    /** Starts the task (on a thread of its own) and returns at once. */
    private final Runnable starter;
    private int holds;
    private boolean asked;
    private boolean started;

    ProviderUpgrade(Runnable starter) {
        this.starter = starter;
    }

    /** The task is wanted: started now, or when the last hold is closed. */
    synchronized void request() {
        asked = true;
        if (holds == 0) {
            startOnce();
        }
    }

    /** The task is wanted now, holds or not. */
    synchronized void startNow() {
        asked = true;
        startOnce();
    }

    /** Defers {@link #request()} until the returned release runs (running it again does nothing). */
    synchronized Runnable hold() {
        holds++;
        boolean[] released = {false};
        return () -> {
            synchronized (this) {
                if (!released[0]) {
                    released[0] = true;
                    if (--holds == 0 && asked) {
                        startOnce();
                    }
                }
            }
        };
    }

    synchronized boolean started() {
        return started;
    }

    private void startOnce() {
        if (!started) {
            started = true;
            starter.run();
        }
    }
}
